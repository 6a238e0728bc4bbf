"""Exports of real task graphs, built once per session, and how to run the deployment kit's check.

sentence-embedding is the real all-MiniLM-L6-v2; the other tasks use tiny random-weight
checkpoints with the real uncased vocabulary (``tests.tasks.conftest.make_checkpoint``).
"""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from tests.tasks.conftest import minilm_folder  # noqa: F401  (the session fixture)
from tfbert.model_inputs import ENCODED_INPUTS as MODEL_KEYS

REPO = pathlib.Path(__file__).resolve().parents[2]
CHECK_SCRIPT = REPO / "export" / "check_saved_model.py"

CONTEXT = (
    "The Eiffel Tower was built in 1889 by Gustave Eiffel's company in Paris. " * 3
    + "It is 330 metres tall and was the tallest man-made structure for 41 years."
)
INPUTS = {  # task -> the signature's string inputs
    "sentence-embedding": {
        "text": [
            "A man is eating food.",
            "Ünïcödé and emoji 🙂 too",
            "",
            "The new movie is awesome " * 40,
        ]
    },
    "feature-extraction": {
        "text": ["short", "a somewhat longer sentence with more tokens", "Héllo wörld…"]
    },
    "text-classification": {
        "text": ["I loved it.", "Terrible, do not watch.", "東京 is big, isn't it?"]
    },
    "fill-mask": {
        "text": [
            "The capital of France is [MASK].",
            "I [MASK] this movie, it was [MASK]!",
            "Héllo wörld… [MASK] 東京 is big",
        ]
    },
    "token-classification": {
        "text": [
            "My name is Wolfgang and I live in Berlin.",
            "Übermäßig naïve café owners in Zürich, 東京 and São Paulo",
        ]
    },
    "question-answering": {
        "question": ["Who built the tower?", "How tall is it?"],
        "context": [CONTEXT, CONTEXT[:120]],
    },
}
# task -> (transformers class of its tiny checkpoint, config); None: the real MiniLM
CHECKPOINTS = {
    "sentence-embedding": None,
    "feature-extraction": ("BertModel", {}),
    "text-classification": (
        "BertForSequenceClassification",
        {"id2label": {0: "NEG", 1: "NEU", 2: "POS"}},
    ),
    "fill-mask": ("BertForMaskedLM", {}),
    "token-classification": (
        "BertForTokenClassification",
        {"id2label": dict(enumerate(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]))},
    ),
    "question-answering": ("BertForQuestionAnswering", {}),
}


def checkpoint(task, tmp_path_factory, minilm_folder):  # noqa: F811 (the fixture)
    from tests.tasks.conftest import make_checkpoint

    if CHECKPOINTS[task] is None:
        return None
    pt_class, config = CHECKPOINTS[task]
    folder = tmp_path_factory.mktemp(task)
    make_checkpoint(pt_class, folder, minilm_folder, **config)
    return str(folder)


@pytest.fixture(scope="session")
def graphs(tmp_path_factory, minilm_folder):  # noqa: F811 (the fixture)
    """task -> (TaskGraph, checkpoint folder or None)."""
    from tfbert.tasks import build_task_graph

    built = {}
    for task in INPUTS:
        folder = checkpoint(task, tmp_path_factory, minilm_folder)
        built[task] = build_task_graph(task, folder)[0], folder
    return built


@pytest.fixture(scope="session")
def saved_models(graphs, tmp_path_factory):
    """task -> the SavedModel folder (``OUT/1``) written by ``export_graph``."""
    from tfbert.export import export_graph

    root = tmp_path_factory.mktemp("serving")
    return {
        task: pathlib.Path(export_graph(graph, root / task)) for task, (graph, _) in graphs.items()
    }


def python_results(graph, inputs: dict):
    """The task graph's own results in this (tfbert) process: the reference."""
    import tensorflow as tf

    outputs = graph({name: tf.constant(values) for name, values in inputs.items()})
    return {k: v.numpy() for k, v in outputs.items()}


def start_check(export_dir, inputs=None, signature="serving_default"):
    """Starts export/check_saved_model.py on an export in a clean interpreter."""
    args = [sys.executable, str(CHECK_SCRIPT), str(export_dir), "--signature", signature]
    if inputs is not None:
        path = pathlib.Path(export_dir).parent / f"inputs-{signature}.json"
        path.write_text(json.dumps(inputs))
        args += ["--inputs-json", str(path)]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=pathlib.Path(export_dir).parent,
    )


def finish_check(process, timeout=300):
    """Waits for a :func:`start_check`; returns (exit code, report)."""
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert out.strip(), err[-3000:]
    return process.returncode, json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def clean_reports(saved_models):
    """task -> (exit code, report) of the clean-process check of its export, all run at once."""
    processes = {task: start_check(path, INPUTS[task]) for task, path in saved_models.items()}
    return {task: finish_check(process) for task, process in processes.items()}


def assert_same_outputs(ours: dict, reference: dict, atol=1e-4):
    """Same names; strings and integers identical; floats to ``atol``."""
    assert set(ours) == set(reference)
    for name, expected in reference.items():
        actual = np.asarray(ours[name])
        expected = np.asarray(expected)
        if expected.dtype.kind in "SUO":
            decode = np.vectorize(
                lambda s: s.decode("utf-8") if isinstance(s, bytes) else s, otypes=[object]
            )
            assert decode(actual).tolist() == decode(expected).tolist(), name
        elif expected.dtype.kind == "f":
            assert actual.shape == expected.shape, name
            np.testing.assert_allclose(actual, expected, atol=atol, rtol=0, err_msg=name)
        else:
            assert actual.tolist() == expected.tolist(), name


def interpreter(path):
    """TensorFlow's TFLite interpreter with tf-text's kernels registered."""
    import tensorflow_text
    from tensorflow.lite.python.interpreter import InterpreterWithCustomOps

    return InterpreterWithCustomOps(
        model_path=str(path),
        custom_op_registerers=tensorflow_text.tflite_registrar.SELECT_TFTEXT_OPS,
    )


def encode(graph, texts):
    """The graph's own tokenizer output for ``texts``, as numpy arrays."""
    import tensorflow as tf

    encoded = graph.tokenizer(tf.constant(texts), **graph.tokenizer_options)
    return {k: encoded[k].numpy() for k in MODEL_KEYS}


def run_rows(runner, encoded):
    """Runs a token_ids signature one input at a time (no padding) and stacks the results."""
    rows = []
    for i in range(encoded["input_ids"].shape[0]):
        length = int(np.sum(encoded["attention_mask"][i]))
        rows.append(
            runner(**{k: np.asarray(encoded[k][i : i + 1, :length], np.int32) for k in MODEL_KEYS})
        )
    return {k: np.concatenate([row[k] for row in rows]) for k in rows[0]}
