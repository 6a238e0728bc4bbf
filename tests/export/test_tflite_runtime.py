"""TFLite exports run: token ids in, the task's results out, in TensorFlow's
InterpreterWithCustomOps with tf-text's kernels; quantized weights agree with float32 on a real
corpus."""

import re
import shutil

import numpy as np
import pytest

from tests.export.conftest import (
    INPUTS,
    assert_same_outputs,
    encode,
    interpreter,
    python_results,
    run_rows,
)


def corpus(start, stop):
    """Paragraphs of Python's own documentation (``pydoc_data.topics``, shipped with Python)."""
    from pydoc_data.topics import topics

    paragraphs = [
        p.strip()
        for text in topics.values()
        for p in text.split("\n\n")
        if len(p.strip()) > 40 and not p.startswith("   ")
    ]
    return paragraphs[start:stop]


def export_ids_tflite(graph, path, quantize="none"):
    from tfbert.export import export_graph

    return export_graph(graph, path, format="tflite", quantize=quantize, signatures=("token_ids",))


@pytest.mark.parametrize("task", ["text-classification", "feature-extraction"])
@pytest.mark.slow
def test_token_ids_tflite_runs_and_matches_python(task, graphs, tmp_path):
    graph, _ = graphs[task]
    runner = interpreter(
        export_ids_tflite(graph, tmp_path / f"{task}.tflite")
    ).get_signature_runner("token_ids")
    encoded = encode(graph, INPUTS[task]["text"])
    reference = python_results(graph, INPUTS[task])
    if task == "feature-extraction":  # rows ran unpadded: compare the real tokens
        for i, row in enumerate(reference["attention_mask"]):
            length = int(row.sum())
            single = run_rows(runner, {k: v[i : i + 1] for k, v in encoded.items()})
            np.testing.assert_allclose(
                single["features"][0], reference["features"][i, :length], atol=1e-4
            )
        return
    assert_same_outputs(run_rows(runner, encoded), reference)


@pytest.mark.slow
def test_quantized_minilm_embeddings_agree_with_float32(graphs, tmp_path):
    graph, _ = graphs["sentence-embedding"]
    texts = corpus(0, 200)
    reference = python_results(graph, {"text": texts})["embeddings"]
    encoded = encode(graph, texts)
    float32_bytes = 4 * graph.model.count_params()
    for quantize, largest in (("dynamic", 0.3), ("float16", 0.55)):
        path = export_ids_tflite(graph, tmp_path / f"{quantize}.tflite", quantize)
        vectors = run_rows(interpreter(path).get_signature_runner("token_ids"), encoded)[
            "embeddings"
        ]
        cosine = (
            np.sum(vectors * reference, 1)
            / np.linalg.norm(vectors, axis=1)
            / np.linalg.norm(reference, axis=1)
        )
        assert cosine.min() >= 0.99, (quantize, cosine.min())
        assert (tmp_path / f"{quantize}.tflite").stat().st_size < largest * float32_bytes


def _keyword_label(paragraph):
    text = paragraph.lower()
    return (
        0
        if re.search(r"exception|error|raise", text)
        else 1
        if re.search(r"class|object|attribute|method", text)
        else 2
    )


@pytest.fixture(scope="module")
def minilm_classifier(tmp_path_factory, minilm_folder):
    """all-MiniLM-L6-v2's encoder with an identity pooler (the checkpoint has none) and a linear
    head trained on keyword labels of other paragraphs: a classifier whose labels vary with the
    text."""
    import torch
    import transformers

    from tests.tasks.conftest import TOKENIZER_FILES

    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification.from_pretrained(
        minilm_folder, num_labels=3, id2label={0: "ERRORS", 1: "OBJECTS", 2: "OTHER"}
    ).eval()
    tokenizer = transformers.BertTokenizerFast.from_pretrained(minilm_folder)
    train = corpus(300, 600)
    with torch.no_grad():
        model.bert.pooler.dense.weight.copy_(torch.eye(model.config.hidden_size))
        model.bert.pooler.dense.bias.zero_()
        encoded = tokenizer(
            train, padding=True, truncation=True, max_length=64, return_tensors="pt"
        )
        features = model.bert(**encoded).pooler_output
    labels = torch.tensor([_keyword_label(p) for p in train])
    head = torch.nn.Linear(features.shape[1], 3)
    optimizer = torch.optim.Adam(head.parameters(), lr=0.05)
    for _ in range(300):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(head(features), labels).backward()
        optimizer.step()
    with torch.no_grad():
        model.classifier.weight.copy_(head.weight)
        model.classifier.bias.copy_(head.bias)
    folder = tmp_path_factory.mktemp("minilm_classifier")
    model.save_pretrained(folder)
    for name in TOKENIZER_FILES:
        shutil.copy(minilm_folder / name, folder / name)
    return str(folder)


@pytest.mark.slow
def test_float16_classifier_agrees_with_float32(minilm_classifier, tmp_path):
    from tfbert.tasks import build_task_graph

    graph, _ = build_task_graph("text-classification", minilm_classifier, max_length=128)
    texts = corpus(0, 200)
    reference = python_results(graph, {"text": texts})["label"]
    assert len(set(reference)) == 3  # the labels vary: agreement means something
    path = export_ids_tflite(graph, tmp_path / "float16.tflite", "float16")
    labels = run_rows(interpreter(path).get_signature_runner("token_ids"), encode(graph, texts))[
        "label"
    ]
    assert np.mean(labels == reference) >= 0.99


@pytest.mark.parametrize("runtime", ["tensorflow", "litert"])
@pytest.mark.slow
def test_clean_process_runs_the_tflite(runtime, graphs, tmp_path):
    """export/check_tflite.py (TensorFlow's interpreter or ai-edge-litert, with tf-text's kernels;
    no tfbert) runs a padded batch; same results."""
    import json
    import os
    import subprocess
    import sys

    from tests.export.conftest import REPO

    graph, _ = graphs["text-classification"]
    path = export_ids_tflite(graph, tmp_path / "classifier.tflite")
    encoded = encode(graph, INPUTS["text-classification"]["text"])
    inputs = tmp_path / "ids.json"
    inputs.write_text(json.dumps({k: v.tolist() for k, v in encoded.items()}))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "export" / "check_tflite.py"),
            str(path),
            "--signature",
            "token_ids",
            "--inputs-json",
            str(inputs),
            "--runtime",
            runtime,
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["ops"]["flex"] == [] and report["ops"]["custom"] == []
    assert_same_outputs(report["outputs"], python_results(graph, INPUTS["text-classification"]))
