"""Strings to all-MiniLM-L6-v2 sentence embeddings end to end: tfbert beside its peers, interleaved.

The corpus is 2,000 paragraphs of Python's own documentation, all offline: the paragraphs of
``pydoc_data.topics`` (the help topics shipped with Python; more than 40 characters, code blocks
left out), then paragraphs of the docstrings of the standard library's modules, classes and
functions (read from the stdlib's source files with ``ast``, files in sorted order, nothing
imported), without repeats. Every contender embeds the whole corpus per round (batch 32, max
length 256, mean pooling, unit length); rounds are interleaved so a busy machine slows all alike.

Contenders:

* ``tfbert fp32``: ``tfbert.pipeline("sentence-embedding", batch_size=32, max_length=256)``;
* ``tfbert int8``: the same with ``precision="int8"`` (the model as a dynamic-range int8
  ``.tflite`` on LiteRT between tfbert's TensorFlow tokenizer and pooling:
  :mod:`tfbert.tasks.litert_int8`);
* ``pytorch``: transformers' ``BertModel`` under ``torch.inference_mode()``, tokenized by
  ``tokenizers`` (the checkpoint's ``tokenizer.json``), inputs sorted by length;
* ``onnxruntime fp32`` / ``onnxruntime int8``: that model exported with ``torch.onnx.export``,
  int8 by ``onnxruntime.quantization.quantize_dynamic`` (int8 weights, dynamic u8 activations),
  same tokenization and order.

Each contender's embeddings are compared with ``tfbert fp32``'s (lowest cosine printed). Then,
if ``benchmarks/beam_job.py`` is present and defines ``run(texts, workers) -> texts_per_second``,
the Beam job's throughput with 1 and 2 workers on the same corpus, float32 and int8.

Targets (issue 14): tfbert fp32 >= 1.1x pytorch; tfbert int8 >= 1.5x tfbert fp32 and >= 1.2x
onnxruntime int8.

Usage (from the repository root; ``pip install -e .[bench]`` for the peers)::

    PYTHONPATH=$PWD python benchmarks/end_to_end.py                  # 2 rounds of 2,000 texts
    PYTHONPATH=$PWD python benchmarks/end_to_end.py --texts 500 --rounds 3 --skip-beam
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import os
import pathlib
import statistics
import subprocess
import sysconfig
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

BATCH, MAX_LENGTH = 32, 256
HERE = pathlib.Path(__file__).resolve().parent


def corpus(count: int = 2000) -> list[str]:
    """``count`` paragraphs of Python's documentation (see the module's docstring)."""
    from pydoc_data.topics import topics

    found: dict[str, None] = {}

    def add(text: str) -> None:
        for p in text.split("\n\n"):
            p = p.strip()
            if len(p) > 40 and not p.startswith(("   ", ">>>")) and len(found) < count:
                found.setdefault(" ".join(p.split()))

    for text in topics.values():
        add(text)
    stdlib = pathlib.Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(stdlib.glob("*.py")) + sorted(stdlib.glob("*/*.py")):
        if len(found) >= count or "site-packages" in path.parts or "test" in path.parts:
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                add(ast.get_docstring(node) or "")
    return list(found)


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' mean pooling and unit length."""
    mask = mask[..., None].astype(np.float32)
    pooled = (hidden * mask).sum(1) / np.maximum(mask.sum(1), 1e-9)
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


class Peer:
    """Tokenizes with ``tokenizers`` and runs ``forward(ids, mask) -> hidden`` in sorted batches."""

    def __init__(self, folder: str, forward):
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_LENGTH)
        self.tokenizer.enable_padding()
        self.forward = forward

    def __call__(self, texts: list[str]) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), 384), np.float32)
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            encoded = self.tokenizer.encode_batch([texts[i] for i in batch])
            ids = np.array([e.ids for e in encoded], np.int64)
            mask = np.array([e.attention_mask for e in encoded], np.int64)
            out[batch] = mean_pool(self.forward(ids, mask), mask)
        return out


def contenders(folder: str, scratch: str) -> dict:
    """name -> callable(texts) -> embeddings [n, 384]."""
    import torch
    import transformers

    import tfbert

    made = {}
    for precision in ("float32", "int8"):
        embed = tfbert.pipeline(
            "sentence-embedding",
            folder,
            batch_size=BATCH,
            max_length=MAX_LENGTH,
            precision=precision,
        )
        made["tfbert fp32" if precision == "float32" else "tfbert int8"] = embed
    torch_model = transformers.BertModel.from_pretrained(folder, add_pooling_layer=False).eval()

    def torch_forward(ids, mask):
        with torch.inference_mode():
            return torch_model(
                input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)
            ).last_hidden_state.numpy()

    made["pytorch"] = Peer(folder, torch_forward)
    try:
        for name, session in onnx_sessions(torch_model, scratch).items():

            def ort_forward(ids, mask, session=session):
                return session.run(None, {"input_ids": ids, "attention_mask": mask})[0]

            made[name] = Peer(folder, ort_forward)
    except ImportError as error:
        print(f"onnxruntime contenders skipped: {error} (pip install -e .[bench])")
    return made


def onnx_sessions(torch_model, scratch: str) -> dict:
    """ONNX Runtime sessions of ``torch_model``: fp32 (torch.onnx) and dynamic int8."""
    import onnxruntime
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class Encoder(torch.nn.Module):  # positional (ids, mask) -> last_hidden_state
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    fp32 = os.path.join(scratch, "model.onnx")
    ids = torch.ones((2, 16), dtype=torch.int64)
    torch.onnx.export(
        Encoder(torch_model).eval(),
        (ids, torch.ones_like(ids)),
        fp32,
        input_names=["input_ids", "attention_mask"],
        output_names=["last_hidden_state"],
        dynamic_axes={k: {0: "batch", 1: "tokens"} for k in ("input_ids", "attention_mask")},
        opset_version=17,
        dynamo=False,
    )
    int8 = os.path.join(scratch, "model.int8.onnx")
    quantize_dynamic(fp32, int8, weight_type=QuantType.QInt8)
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    return {
        f"onnxruntime {name}": onnxruntime.InferenceSession(
            path, options, providers=["CPUExecutionProvider"]
        )
        for name, path in (("fp32", fp32), ("int8", int8))
    }


def breakdown(made: dict, texts: list[str]) -> dict:
    """Seconds per corpus of each stage, tokenizing and the model apart (sorted batches): the least
    of 3 interleaved runs each."""
    import tensorflow as tf
    import torch

    embed, peer = made["tfbert fp32"], made["pytorch"]
    graph = embed.graph
    batches = [b.tolist() for b in np.array_split(sorted(texts, key=len), -(-len(texts) // BATCH))]
    tokenize = tf.function(
        lambda t: graph.tokenizer(t, **graph.tokenizer_options),
        input_signature=[tf.TensorSpec([None], tf.string)],
    )
    keys = ("input_ids", "attention_mask", "token_type_ids")
    run_ids = tf.function(
        lambda e: graph.run_on_ids(e),
        input_signature=[{k: tf.TensorSpec([None, None], tf.int32) for k in keys}],
    )

    def timed(fn):  # warmed up now, timed below
        fn(batches[:1])
        return fn

    tf_ids = [{k: tokenize(tf.constant(b))[k] for k in keys} for b in batches]
    pt_ids = [peer.tokenizer.encode_batch(b) for b in batches]
    pt_ids = [
        (
            torch.tensor([e.ids for e in enc]),
            torch.tensor([e.attention_mask for e in enc]),
        )
        for enc in pt_ids
    ]
    stages = {
        "tfbert tokenizer": timed(lambda bs: [tokenize(tf.constant(b)) for b in bs]),
        "tokenizers": timed(lambda bs: [peer.tokenizer.encode_batch(b) for b in bs]),
        "tfbert model on ids": timed(
            lambda bs: [run_ids(e)["embeddings"].numpy() for e in tf_ids[: len(bs)]]
        ),
        "pytorch model on ids": timed(
            lambda bs: [peer.forward(i.numpy(), m.numpy()) for i, m in pt_ids[: len(bs)]]
        ),
        "tfbert pipeline": timed(lambda bs: [embed(b) for b in bs]),
    }
    # Sorted by token count instead of characters (tokenizing first costs little, see above).
    rows = [  # each input's ids, mask and segments without padding
        [e[k].numpy()[i, : int(e["attention_mask"][i].numpy().sum())] for k in keys]
        for e in tf_ids
        for i in range(e["input_ids"].shape[0])
    ]
    rows.sort(key=lambda row: len(row[0]))
    token_sorted = []
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        width = len(batch[-1][0])
        token_sorted.append(
            {
                k: tf.constant(
                    np.stack([np.pad(row[j], (0, width - len(row[j]))) for row in batch])
                )
                for j, k in enumerate(keys)
            }
        )
    stages["tfbert model on ids, sorted by tokens"] = timed(
        lambda bs: [run_ids(e)["embeddings"].numpy() for e in token_sorted[: len(bs)]]
    )
    best = {name: float("inf") for name in stages}
    for _ in range(3):  # interleaved; the least of 3 (the machine may be busy)
        for name, fn in stages.items():
            start = time.perf_counter()
            fn(batches)
            best[name] = min(best[name], time.perf_counter() - start)
    found = {name: round(seconds, 2) for name, seconds in best.items()}
    real = sum(int(np.sum(e["attention_mask"])) for e in tf_ids)
    for name, encoded in (("characters", tf_ids), ("tokens", token_sorted)):
        padded = sum(int(np.prod(e["input_ids"].shape)) for e in encoded)
        found[f"padding share, sorted by {name}"] = round(1 - real / padded, 3)
    print("seconds per corpus by stage:", found)
    return found


def beam_throughput(texts: list[str]) -> dict:
    """texts/s of ``benchmarks/beam_job.py``'s ``run(texts, workers)`` for 1 and 2 workers."""
    path = HERE / "beam_job.py"
    if not path.is_file():
        print("beam: benchmarks/beam_job.py is not present; skipped (hook: run(texts, workers))")
        return {}
    spec = importlib.util.spec_from_file_location("beam_job", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, "run"):
        print("beam: benchmarks/beam_job.py has no run(texts, workers); skipped")
        return {}
    found = {}
    for precision in ("float32", "int8"):
        for workers in (1, 2):
            name = f"beam {precision} {workers} worker{'s' * (workers > 1)}"
            found[name] = round(float(module.run(texts, workers, precision=precision)), 1)
            print(f"{name}: {found[name]:.1f} texts/s")
    return found


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--skip-beam", action="store_true")
    parser.add_argument("--model", default=None, help="default: all-MiniLM-L6-v2")
    args = parser.parse_args(argv)

    from tfbert.tasks import default_model_path

    folder = args.model or default_model_path()
    texts = corpus(args.texts)
    print(f"{len(texts)} paragraphs, batch {BATCH}, max length {MAX_LENGTH}")
    with tempfile.TemporaryDirectory() as scratch:
        made = contenders(folder, scratch)
        reference = made["tfbert fp32"](texts[:64])
        agreement = {}
        for name, run in made.items():  # warm-up and agreement with tfbert fp32
            out = run(texts[:64])
            agreement[name] = round(float(np.min(np.sum(out * reference, axis=1))), 4)
        rates: dict[str, list[float]] = {name: [] for name in made}
        for r in range(args.rounds):
            for name, run in made.items():
                start = time.perf_counter()
                run(texts)
                rates[name].append(len(texts) / (time.perf_counter() - start))
            print(f"round {r + 1}: " + ", ".join(f"{n} {v[-1]:.1f}" for n, v in rates.items()))
    median = {name: statistics.median(v) for name, v in rates.items()}

    def ratio(a: str, b: str) -> float | None:
        if a not in rates or b not in rates:
            return None
        return round(statistics.median(x / y for x, y in zip(rates[a], rates[b])), 2)

    ratios = {
        "tfbert fp32 / pytorch (target >= 1.1)": ratio("tfbert fp32", "pytorch"),
        "tfbert int8 / tfbert fp32 (target >= 1.5)": ratio("tfbert int8", "tfbert fp32"),
        "tfbert int8 / onnxruntime int8 (target >= 1.2)": ratio("tfbert int8", "onnxruntime int8"),
        "tfbert fp32 / onnxruntime fp32": ratio("tfbert fp32", "onnxruntime fp32"),
        "tfbert int8 / pytorch": ratio("tfbert int8", "pytorch"),
    }
    print("texts/s (median) and lowest cosine to tfbert fp32 on 64 texts:")
    for name, value in median.items():
        print(f"  {name:18s} {value:7.1f}   cos >= {agreement[name]}")
    for name, value in ratios.items():
        print(f"  {name}: {value}")
    found = {
        "date": time.strftime("%Y-%m-%d"),
        "cpu": _cpu(),
        "texts": len(texts),
        "texts_per_second": {k: round(v, 1) for k, v in median.items()},
        "ratios": ratios,
        "lowest_cosine": agreement,
    }
    found["seconds_by_stage"] = breakdown(made, texts)
    if not args.skip_beam:
        found["beam_texts_per_second"] = beam_throughput(texts)
    print(json.dumps(found))
    return found


def _cpu() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return next(
            line.split(":", 1)[1].strip() for line in out.splitlines() if "Model name" in line
        )
    except (OSError, StopIteration):
        return "unknown"


if __name__ == "__main__":
    main()
