"""Measures how far ``--quantize dynamic`` and ``float16`` move a real classifier's labels
(a measurement, not a test: fine-tuning takes minutes).

The classifier is all-MiniLM-L6-v2 fine-tuned end to end (2 epochs, AdamW 1e-4, PyTorch) on
keyword labels of 300 ``pydoc_data.topics`` paragraphs (errors / objects / other, the labels of
``tests/export/test_tflite_runtime.py``); the agreement is top-1 labels of the ``token_ids``
``.tflite`` against the float32 Python task graph on 300 other paragraphs (up to 128 tokens).
A head fitted on frozen MiniLM [CLS] vectors (what ``test_float16_classifier_agrees_with_float32``
uses, to stay fast) is not a fair measure of int8: those vectors barely vary between texts, so
its decision boundaries run through the data and any weight rounding flips labels.

Usage (from the repository root; it reuses the corpus and runners of ``tests/export``)::

    PYTHONPATH=$PWD python benchmarks/quantization_agreement.py
    PYTHONPATH=$PWD python benchmarks/quantization_agreement.py --epochs 1 --texts 50

Prints one human line and one JSON line; exits 1 when ``dynamic`` agrees on fewer than 99% of
the texts.
"""

import argparse
import json
import os
import pathlib
import shutil
import sys
import tempfile


def fine_tuned_classifier(folder: pathlib.Path, epochs: int = 2) -> float:
    """Writes the fine-tuned checkpoint with the tokenizer files to ``folder``; returns the
    last loss."""
    import torch
    import transformers

    from tests.export.test_tflite_runtime import _keyword_label, corpus
    from tests.tasks.conftest import TOKENIZER_FILES
    from tfbert.tasks import default_model_path

    minilm = pathlib.Path(default_model_path())
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification.from_pretrained(
        minilm, num_labels=3, id2label={0: "ERRORS", 1: "OBJECTS", 2: "OTHER"}
    )
    tokenizer = transformers.BertTokenizerFast.from_pretrained(minilm)
    train = corpus(300, 600)
    labels = torch.tensor([_keyword_label(p) for p in train])
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(train))
        for i in range(0, len(train), 16):
            batch = order[i : i + 16]
            encoded = tokenizer(
                [train[j] for j in batch],
                padding=True,
                truncation=True,
                max_length=64,
                return_tensors="pt",
            )
            loss = model(**encoded, labels=labels[batch]).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval().save_pretrained(folder)
    for name in TOKENIZER_FILES:
        shutil.copy(minilm / name, folder / name)
    return float(loss)


def main(epochs: int = 2, texts: int = 300) -> dict:
    """Fine-tunes, exports the three variants and compares their labels on ``texts`` texts."""
    import numpy as np

    from tests.export.conftest import encode, interpreter, python_results, run_rows
    from tests.export.test_tflite_runtime import _keyword_label, corpus
    from tfbert.export import export_graph
    from tfbert.tasks import build_task_graph

    work = pathlib.Path(tempfile.mkdtemp())
    try:
        fine_tuned_classifier(work / "classifier", epochs)
        graph, _ = build_task_graph("text-classification", str(work / "classifier"), max_length=128)
        texts = corpus(0, texts)
        reference = python_results(graph, {"text": texts})
        truth = [graph.postprocess.labels[_keyword_label(p)] for p in texts]
        report = {
            "texts": len(texts),
            "held_out_accuracy": float(np.mean(reference["label"].astype(str) == truth)),
            "labels": {
                k.decode(): int(v)
                for k, v in zip(*np.unique(reference["label"], return_counts=True))
            },
        }
        encoded = encode(graph, texts)
        for quantize in ("none", "dynamic", "float16"):
            path = export_graph(
                graph,
                work / f"{quantize}.tflite",
                format="tflite",
                quantize=quantize,
                signatures=("token_ids",),
            )
            out = run_rows(interpreter(path).get_signature_runner("token_ids"), encoded)
            report[quantize] = {
                "bytes": os.path.getsize(path),
                "agreement": float(np.mean(out["label"] == reference["label"])),
                "max_probability_difference": float(
                    np.abs(out["probabilities"] - reference["probabilities"]).max()
                ),
            }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        " ".join(
            f"{q}: {report[q]['bytes'] / 1e6:.1f} MB, top-1 agreement {report[q]['agreement']:.1%}"
            for q in ("none", "dynamic", "float16")
        )
        + f" (held-out accuracy {report['held_out_accuracy']:.0%})"
    )
    print(json.dumps(report))
    return report


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=2, help="fine-tuning epochs (default 2)")
    parser.add_argument(
        "--texts", type=int, default=300, help="held-out texts compared (default 300, at most 300)"
    )
    return parser.parse_args()


if __name__ == "__main__":
    args = _arguments()
    sys.exit(0 if main(args.epochs, args.texts)["dynamic"]["agreement"] >= 0.99 else 1)
