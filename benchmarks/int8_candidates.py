"""Measures the ways to run all-MiniLM-L6-v2 in int8 on this CPU, beside float32, interleaved.

Two cases, each timed in rounds (every contender once per round, in turn, so a busy machine slows
them alike); the figures printed are the median throughput and the median of the per-round ratios
to the float32 contender of the same round:

* ``ids``: token ids, batch 32 x 128 (random ids, all-ones mask), through the sentence-embedding
  graph's ``token_ids`` path;
* ``strings``: paragraphs of Python's documentation (``end_to_end.corpus``) to embeddings,
  batch 32, max length 256.

Contenders:

* ``fp32 savedmodel``: ``tfbert export`` of the float32 graph, loaded with ``tf.saved_model.load``;
* ``int8 onednn savedmodel``: the same after :func:`tfbert.quantization.quantize_int8` (the
  encoder's matmuls on TensorFlow's oneDNN ``QuantizedMatMulWithBiasAndDequantize``); with
  ``--variants`` also its per-tensor and symmetric activation variants;
* ``tflite dynamic tf`` / ``tflite dynamic litert``: tfbert's ``--quantize dynamic`` ``.tflite``
  in TensorFlow's interpreter and in ai-edge-litert's (XNNPACK, ``num_threads`` = 2); ``tflite
  fp32 litert``: the float32 ``.tflite`` in ai-edge-litert, to tell int8's gain from XNNPACK's;
* ``keras int8``: Keras' own ``Dense.quantize("int8")`` path (int8 ``tf.matmul``);
* ``pipeline fp32`` / ``pipeline int8`` (strings): ``tfbert.pipeline(..., precision=...)``.

It also times one encoder-sized matmul (``[4096, 384] x [384, 1536]``) in float32, on oneDNN's
quantized kernel, on ``UniformQuantizedDotHybrid`` and as an int8 ``tf.matmul``, with
``ONEDNN_VERBOSE``'s report of the ISA the quantized kernel ran (VNNI or not) with ``--verbose``.

Usage (from the repository root)::

    PYTHONPATH=$PWD python benchmarks/int8_candidates.py            # ~10 minutes
    PYTHONPATH=$PWD python benchmarks/int8_candidates.py --rounds 2 --seconds 3 --variants
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from end_to_end import _cpu, corpus  # noqa: E402  (beside this script)

BATCH, LENGTH, STRING_LENGTH = 32, 128, 256


def interleaved(contenders: dict, rounds: int, seconds: float, reference: str) -> dict:
    """Times every contender once per round, in turn; returns medians and ratios."""
    rates = {name: [] for name in contenders}
    for run in contenders.values():
        run()  # warm-up: traces, allocations
    for r in range(rounds):
        for name, run in contenders.items():
            done, start = 0, time.perf_counter()
            while True:
                done += run()
                elapsed = time.perf_counter() - start
                if elapsed >= seconds and done:
                    break
            rates[name].append(done / elapsed)
        print(f"  round {r + 1}: " + ", ".join(f"{n} {v[-1]:.1f}" for n, v in rates.items()))
    results = {}
    for name, values in rates.items():
        ratios = [v / f for v, f in zip(values, rates[reference])]
        results[name] = {
            "per_second": round(statistics.median(values), 1),
            "ratio": round(statistics.median(ratios), 2),
        }
    return results


def report(title: str, results: dict, unit: str) -> None:
    print(f"{title}")
    for name, r in results.items():
        print(f"  {name:28s} {r['per_second']:8.1f} {unit}  {r['ratio']:5.2f}x")


def matmul_micro() -> dict:
    """One encoder-sized matmul on each kernel: milliseconds per call."""
    import tensorflow as tf

    from tfbert.quantization import int8_matmul

    rng = np.random.default_rng(0)
    x = tf.constant(rng.standard_normal((4096, 384)).astype(np.float32))
    w = rng.standard_normal((384, 1536)).astype(np.float32) * 0.05
    scale = 127.0 / np.abs(w).max(0)
    q = tf.constant(np.round(w * scale).astype(np.int8))
    scale, bias = tf.constant(scale.astype(np.float32)), tf.zeros([1536])
    a8 = tf.cast(tf.round(x * 20.0), tf.int8)
    kernels = {
        "fp32 tf.matmul": (tf.function(lambda x: tf.matmul(x, tf.constant(w)) + bias), x),
        "int8 onednn": (tf.function(lambda x: int8_matmul(x, q, scale, bias)), x),
        "int8 tf.matmul (int32 out)": (
            tf.function(lambda a: tf.matmul(a, q, output_type=tf.int32)),
            a8,
        ),
        "UniformQuantizedDotHybrid": (
            tf.function(
                lambda x: tf.raw_ops.UniformQuantizedDotHybrid(
                    lhs=x,
                    rhs=tf.bitcast(q, tf.qint8),
                    rhs_scales=tf.constant(1.0 / 127),
                    rhs_zero_points=tf.constant(0),
                    Tout=tf.float32,
                    rhs_quantization_min_val=-128,
                    rhs_quantization_max_val=127,
                )
            ),
            x,
        ),
    }
    found = {}
    for name, (fn, arg) in kernels.items():
        fn(arg)
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < 2.0 or calls < 2:
            np.asarray(fn(arg))
            calls += 1
        found[name] = round((time.perf_counter() - start) / calls * 1e3, 1)
    return found


def onednn_isa() -> str:
    """oneDNN's line for the quantized inner product (a child process, ONEDNN_VERBOSE=1)."""
    code = (
        "import numpy as np, tensorflow as tf\n"
        "from tfbert.quantization import int8_matmul\n"
        "q = tf.constant(np.ones((64, 32), np.int8))\n"
        "int8_matmul(tf.ones([8, 64]), q, tf.ones([32]), tf.zeros([32]))\n"
    )
    env = {**os.environ, "ONEDNN_VERBOSE": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    ).stdout
    lines = [line for line in out.splitlines() if "inner_product" in line and "exec" in line]
    return lines[-1] if lines else "no oneDNN inner_product line (oneDNN off?)"


def exports(folder: str, variants: bool) -> dict:
    """SavedModels and .tflite files of the sentence-embedding graph, by contender name."""
    import tfbert.quantization as quantization
    from tfbert.export import export_graph
    from tfbert.tasks import build_task_graph

    made = {}

    def graph():
        return build_task_graph("sentence-embedding", max_length=STRING_LENGTH)[0]

    made["fp32 savedmodel"] = export_graph(graph(), os.path.join(folder, "fp32"))
    modes = quantization.ACTIVATION_MODES if variants else (quantization.ACTIVATIONS,)
    for mode in modes:
        g = graph()
        quantization.quantize_int8(g.model, activations=mode)
        suffix = "" if mode == quantization.ACTIVATIONS else f" ({mode})"
        made[f"int8 onednn savedmodel{suffix}"] = export_graph(g, os.path.join(folder, mode))
    for quantize in ("dynamic", "none"):
        made[f"tflite {quantize}"] = export_graph(
            graph(), os.path.join(folder, f"{quantize}.tflite"), format="tflite", quantize=quantize
        )
    g = graph()
    for layer in quantization.encoder_dense_layers(g.model):
        layer.quantize("int8")  # Keras' own int8 path
    made["keras int8"] = g
    return made


def tflite_runner(path: str, runtime: str, signature: str):
    import tensorflow_text

    if runtime == "litert":
        from ai_edge_litert.interpreter import InterpreterWithCustomOps
    else:
        from tensorflow.lite.python.interpreter import InterpreterWithCustomOps
    interpreter = InterpreterWithCustomOps(
        model_path=path,
        custom_op_registerers=tensorflow_text.tflite_registrar.SELECT_TFTEXT_OPS,
        num_threads=2,
    )
    return interpreter.get_signature_runner(signature)


def ids_contenders(made: dict) -> dict:
    import tensorflow as tf

    rng = np.random.default_rng(0)
    ids = rng.integers(1000, 29000, (BATCH, LENGTH)).astype(np.int32)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": 0 * ids}
    tensors = {k: tf.constant(v) for k, v in feed.items()}
    contenders = {}
    for name, path in made.items():
        if name.startswith("tflite"):
            for runtime in ("tf", "litert"):
                if name == "tflite none" and runtime == "tf":
                    continue
                runner = tflite_runner(path, runtime, "token_ids")
                label = name.replace("none", "fp32") + f" {runtime}"
                contenders[label] = lambda runner=runner: len(runner(**feed)["embeddings"])
        elif name == "keras int8":
            fn = tf.function(lambda f, g=path: g.run_on_ids(f))
            contenders[name] = lambda fn=fn: len(fn(tensors)["embeddings"].numpy())
        else:
            fn = tf.saved_model.load(path).signatures["token_ids"]
            contenders[name] = lambda fn=fn: len(fn(**tensors)["embeddings"].numpy())
    return contenders


def strings_contenders(made: dict, texts: list[str]) -> dict:
    import tfbert

    contenders = {}
    for precision in ("float32", "int8"):
        embed = tfbert.pipeline(
            "sentence-embedding", batch_size=BATCH, max_length=STRING_LENGTH, precision=precision
        )
        name = f"pipeline {'fp32' if precision == 'float32' else precision}"
        contenders[name] = lambda embed=embed: len(embed(texts))
    runner = tflite_runner(made["tflite dynamic"], "litert", "serving_default")
    sorted_texts = sorted(texts, key=len)
    batches = [sorted_texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]

    def tflite_strings():
        return sum(len(runner(text=np.array(batch))["embeddings"]) for batch in batches)

    contenders["tflite dynamic litert"] = tflite_strings
    return contenders


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0, help="per contender per round")
    parser.add_argument("--texts", type=int, default=320, help="paragraphs in the strings case")
    parser.add_argument("--variants", action="store_true", help="int8 activation variants too")
    parser.add_argument("--verbose", action="store_true", help="oneDNN's ISA line")
    parser.add_argument("--skip-strings", action="store_true")
    args = parser.parse_args(argv)

    found: dict = {"date": time.strftime("%Y-%m-%d"), "cpu": _cpu()}
    found["matmul_ms"] = matmul_micro()
    print("one matmul [4096,384]x[384,1536], ms:", found["matmul_ms"])
    if args.verbose:
        found["onednn"] = onednn_isa()
        print("oneDNN:", found["onednn"])
    with tempfile.TemporaryDirectory() as folder:
        made = exports(folder, args.variants)
        print(f"ids, batch {BATCH} x {LENGTH}:")
        found["ids"] = interleaved(
            ids_contenders(made), args.rounds, args.seconds, "fp32 savedmodel"
        )
        report(f"ids, batch {BATCH} x {LENGTH} (ratio to fp32 savedmodel)", found["ids"], "seq/s")
        if not args.skip_strings:
            texts = corpus(args.texts)
            print(f"strings, {len(texts)} paragraphs, batch {BATCH}, max length {STRING_LENGTH}:")
            found["strings"] = interleaved(
                strings_contenders(made, texts), args.rounds, args.seconds, "pipeline fp32"
            )
            report("strings (ratio to pipeline fp32)", found["strings"], "texts/s")
    print(json.dumps(found))
    return found


if __name__ == "__main__":
    main()
