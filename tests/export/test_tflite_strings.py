"""Strings-in .tflite exports run in TensorFlow's TFLite interpreter with tf-text's kernels and no
select (Flex) ops, and give the Python task graph's results."""

import numpy as np
import pytest

from tests.export.conftest import INPUTS, assert_same_outputs, interpreter, python_results

pytestmark = pytest.mark.slow  # TFLite conversion of every task

TASKS = ["sentence-embedding", "text-classification", "fill-mask", "question-answering"]


@pytest.fixture(scope="module")
def strings_tflite(graphs, tmp_path_factory):
    """task -> the .tflite written by export_graph (all the task's signatures)."""
    from tfbert.export import export_graph

    root = tmp_path_factory.mktemp("tflite")
    return {
        task: export_graph(graphs[task][0], root / f"{task}.tflite", format="tflite")
        for task in TASKS
    }


@pytest.mark.parametrize("task", TASKS)
def test_strings_tflite_has_no_select_ops(task, strings_tflite):
    from tfbert.export import tflite_ops

    with open(strings_tflite[task], "rb") as f:
        ops = tflite_ops(f.read())
    assert ops["other"] == []  # no Flex op, no TensorFlow op left as an unresolved custom op
    assert {
        "FastBertNormalize",
        "FastWordpieceTokenizeWithOffsets",
        "TFText>ByteSplitWithOffsets",
    } <= set(ops["tftext"])


@pytest.mark.parametrize("task", TASKS)
def test_strings_tflite_matches_python(task, graphs, strings_tflite):
    graph, _ = graphs[task]
    inputs = INPUTS[task]
    runner = interpreter(strings_tflite[task]).get_signature_runner("serving_default")
    results = runner(**{name: np.array(values, object) for name, values in inputs.items()})
    reference = python_results(graph, inputs)
    if task == "fill-mask":  # the third input holds "…", which the .tflite reads as "..." (a known
        # difference): its mask's row (the fourth) differs; the rows of the other inputs are equal
        assert reference["row"].tolist() == [0, 1, 1, 2]
        results, reference = ({k: v[:3] for k, v in out.items()} for out in (results, reference))
    assert_same_outputs(results, reference)


@pytest.mark.parametrize("task", ["fill-mask", "question-answering"])
def test_litert_runs_the_strings_tflite(task, graphs, strings_tflite, tmp_path):
    """export/check_tflite.py with ai-edge-litert's interpreter and tf-text's kernels, in a process
    without tfbert: strings in, the Python task graph's results out."""
    import json
    import os
    import subprocess
    import sys

    from tests.export.conftest import REPO

    graph, _ = graphs[task]
    inputs = {k: v[:2] for k, v in INPUTS[task].items()}  # (fill-mask's third holds "…")
    path = tmp_path / "inputs.json"
    path.write_text(json.dumps(inputs))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "export" / "check_tflite.py"),
            str(strings_tflite[task]),
            "--inputs-json",
            str(path),
            "--runtime",
            "litert",
            "--signature",
            "serving_default",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["ops"]["flex"] == []
    assert_same_outputs(report["outputs"], python_results(graph, inputs))
