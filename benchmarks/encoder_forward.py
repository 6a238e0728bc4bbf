"""Times BERT-base encoder forward passes: tfbert against keras-hub and transformers' PyTorch BERT.

Every contender gets the same shape (random weights; by default hidden 768, 12 layers, 12 heads,
intermediate 3072, vocab 30522, batch 8, length 128, fp32), the same random ids, an all-ones
attention mask and zero segment ids, and the CPU threads the process has. Contenders:

* ``tfbert graph`` / ``tfbert xla``: ``TFBertModel`` under ``tf.function`` and
  ``tf.function(jit_compile=True)``;
* ``keras-hub graph`` / ``keras-hub xla``: ``keras_hub.models.BertBackbone``, if installed;
* ``pytorch``: transformers' ``BertModel`` under ``torch.inference_mode()``, if installed.

It also times a large fp32 ``tf.matmul`` and prints the roofline: the forward pass's matmul
FLOPs divided by that rate, i.e. the sequences/second a perfect implementation would reach.

Prints one line per contender, the ratios against the targets (tfbert graph >= keras-hub graph;
best tfbert >= 1.15x PyTorch), then one JSON line with every figure and the machine.

Usage::

    python benchmarks/encoder_forward.py                 # full run, ~15 s per contender
    python benchmarks/encoder_forward.py --quick         # tiny config smoke run
    python benchmarks/encoder_forward.py --mixed         # also mixed_bfloat16 tfbert / keras-hub
    python benchmarks/encoder_forward.py --seconds 5 --batch 4 --length 64
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import subprocess  # noqa: E402

import numpy as np  # noqa: E402

BASE = dict(
    vocab_size=30522,
    hidden_size=768,
    num_hidden_layers=12,
    num_attention_heads=12,
    intermediate_size=3072,
    max_position_embeddings=512,
    type_vocab_size=2,
)
TINY = dict(
    vocab_size=1000,
    hidden_size=64,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=128,
    max_position_embeddings=64,
    type_vocab_size=2,
)
TARGET_VS_KERAS_HUB = 1.0
TARGET_VS_PYTORCH = 1.15


def forward_flops(cfg: dict, batch: int, length: int) -> float:
    """Multiply-add FLOPs (2 per MAC) of the encoder's matmuls plus the pooler."""
    h, i, layers = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    tokens = batch * length
    per_layer = 2 * tokens * (4 * h * h + 2 * h * i) + 2 * 2 * batch * length * length * h
    return layers * per_layer + 2 * batch * h * h


def _busy_seconds() -> float | None:
    """CPU seconds all processes have spent busy (user+nice+system+irq+softirq+steal) so far."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    t = os.times()
    return t.user + t.system


def measure(step, seconds: float, warmup: int, batch: int) -> dict:
    """Runs ``step`` (which must block until its result is ready) ``warmup`` times, then for
    ``seconds``; returns per-step times and throughput.

    Python's garbage collector is frozen after the warm-up so that a collection of the (large,
    framework-dependent) object heap does not land inside a timed step.
    """
    t0 = time.perf_counter()
    step()  # trace / compile
    first = time.perf_counter() - t0
    for _ in range(warmup):
        step()
    gc.collect()
    gc.freeze()
    times = []
    busy0, own0 = _busy_seconds(), _own_seconds()
    start = time.perf_counter()
    while True:
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
        if time.perf_counter() - start >= seconds and len(times) >= 3:
            break
    wall = time.perf_counter() - start
    busy1, own1 = _busy_seconds(), _own_seconds()
    # CPU the rest of the machine used while we were timing, as a fraction of all cores: a
    # contender timed while something else ran is not comparable.
    other = (
        None
        if busy0 is None
        else max(0.0, (busy1 - busy0) - (own1 - own0)) / (wall * os.cpu_count())
    )
    times.sort()
    median = statistics.median(times)
    return {
        "seq_per_s": batch / median,
        "seq_per_s_mean": batch * len(times) / sum(times),
        "median_ms": 1e3 * median,
        "p10_ms": 1e3 * times[len(times) // 10],
        "p90_ms": 1e3 * times[(9 * len(times)) // 10],
        "iters": len(times),
        "first_call_s": first,
        "cpu_used": (own1 - own0) / wall,
        "other_cpu_load": other,
    }


def matmul_rate(seconds: float, n: int) -> dict:
    """fp32 FLOP/s of an ``n x n`` by ``n x n`` ``tf.matmul`` (best of the timed runs)."""
    import tensorflow as tf

    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    mm = tf.function(lambda x, y: tf.reduce_sum(tf.matmul(x, y)))
    stats = measure(lambda: mm(a, b).numpy(), seconds, warmup=2, batch=1)
    best = stats["p10_ms"] / 1e3
    return {
        "n": n,
        "flop_per_s": 2 * n**3 / best,
        "median_flop_per_s": 2 * n**3 / (stats["median_ms"] / 1e3),
        "iters": stats["iters"],
        "other_cpu_load": stats["other_cpu_load"],
    }


def tfbert_contender(cfg, dtype, ids, mask, types, jit):
    import tensorflow as tf

    from tfbert import BertConfig, TFBertModel

    model = TFBertModel(BertConfig(**cfg), **({"dtype": dtype} if dtype else {}))
    model.build()
    ids, mask, types = tf.constant(ids), tf.constant(mask), tf.constant(types)

    @tf.function(jit_compile=jit)
    def fwd(ids, mask, types):
        out = model(input_ids=ids, attention_mask=mask, token_type_ids=types, training=False)
        return out["last_hidden_state"], out["pooler_output"]

    return model, lambda: fwd(ids, mask, types)[1].numpy()


def keras_hub_contender(cfg, dtype, ids, mask, types, jit):
    import keras_hub
    import tensorflow as tf

    model = keras_hub.models.BertBackbone(
        vocabulary_size=cfg["vocab_size"],
        num_layers=cfg["num_hidden_layers"],
        num_heads=cfg["num_attention_heads"],
        hidden_dim=cfg["hidden_size"],
        intermediate_dim=cfg["intermediate_size"],
        dropout=0.1,
        max_sequence_length=cfg["max_position_embeddings"],
        num_segments=cfg["type_vocab_size"],
        dtype=dtype,
    )
    inputs = {
        "token_ids": tf.constant(ids),
        "segment_ids": tf.constant(types),
        "padding_mask": tf.constant(mask),
    }

    @tf.function(jit_compile=jit)
    def fwd(inputs):
        out = model(inputs, training=False)
        return out["sequence_output"], out["pooled_output"]

    return model, lambda: fwd(inputs)[1].numpy()


def pytorch_contender(cfg, ids, mask, types):
    import torch
    import transformers

    torch.manual_seed(0)
    model = transformers.BertModel(transformers.BertConfig(**cfg)).eval()
    ids, mask, types = (torch.from_numpy(x.astype(np.int64)) for x in (ids, mask, types))

    def step():
        with torch.inference_mode():
            out = model(input_ids=ids, attention_mask=mask, token_type_ids=types)
            return out.pooler_output.numpy()

    return model, step


def versions() -> dict:
    """Installed versions, read from package metadata (the parent process imports none of them)."""
    from importlib import metadata

    facts = {"python": platform.python_version()}
    for name in ("tensorflow", "keras", "keras-hub", "torch", "transformers"):
        try:
            facts[name.replace("-", "_")] = metadata.version(name)
        except metadata.PackageNotFoundError:
            facts[name.replace("-", "_")] = None
    return facts


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags() -> list[str]:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return sorted(f for f in flags if f.startswith(("avx", "amx", "fma")))
    except OSError:
        pass
    return []


def threading_facts() -> dict:
    """The thread settings each framework runs with (read inside a child)."""
    facts = {
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "tf_enable_onednn_opts": os.environ.get("TF_ENABLE_ONEDNN_OPTS"),
    }
    if "tensorflow" in sys.modules:
        tf = sys.modules["tensorflow"]
        facts["tf_intra_op"] = tf.config.threading.get_intra_op_parallelism_threads()
        facts["tf_inter_op"] = tf.config.threading.get_inter_op_parallelism_threads()
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        facts["torch_threads"] = torch.get_num_threads()
        facts["torch_interop_threads"] = torch.get_num_interop_threads()
    return facts


def run_child(args, cfg, batch, length, seconds, warmup, matmul_n) -> dict:
    """Runs one contender (``args.child``) in this process and returns its figures."""
    name = args.child
    if name == "matmul":
        stats = matmul_rate(max(2.0, seconds / 3), matmul_n)
        return {**stats, "threading": threading_facts()}
    if args.threads:
        if name == "pytorch":
            import torch

            torch.set_num_threads(args.threads)
        else:
            import tensorflow as tf

            tf.config.threading.set_intra_op_parallelism_threads(args.threads)
            tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    rng = np.random.default_rng(0)
    ids = rng.integers(0, cfg["vocab_size"], (batch, length), dtype=np.int32)
    mask = np.ones((batch, length), np.int32)
    types = np.zeros((batch, length), np.int32)
    dtype = "mixed_bfloat16" if name.endswith(" bf16") else "float32"
    jit = " xla" in name
    if name.startswith("tfbert"):
        import tensorflow as tf

        tf.random.set_seed(0)
        model, step = tfbert_contender(cfg, dtype, ids, mask, types, jit)
    elif name.startswith("keras-hub"):
        import tensorflow as tf

        tf.random.set_seed(0)
        model, step = keras_hub_contender(cfg, dtype, ids, mask, types, jit)
    elif name == "pytorch":
        model, step = pytorch_contender(cfg, ids, mask, types)
    else:
        raise ValueError(f"unknown contender {name!r}")
    stats = measure(step, seconds, warmup, batch)
    return {**stats, "threading": threading_facts()}


_MARK = "ENCODER_FORWARD_CHILD "


def wait_for_quiet(max_wait: float, threshold: float = 0.10) -> float:
    """Waits (up to ``max_wait`` s) until other processes use under ``threshold`` of the CPUs over
    a 2 s window; returns the seconds waited. This machine may be shared."""
    start = time.perf_counter()
    while True:
        b0 = _busy_seconds()
        if b0 is None:
            return 0.0
        time.sleep(2.0)
        load = (_busy_seconds() - b0) / (2.0 * os.cpu_count())
        waited = time.perf_counter() - start
        if load < threshold or waited >= max_wait:
            return waited


def spawn(name: str, argv: list[str]) -> dict:
    """Runs one contender in a fresh interpreter, so no framework's thread pools, caches or
    object heap from an earlier contender can slow it down; returns its figures."""
    cmd = [sys.executable, os.path.abspath(__file__), *argv, "--child", name]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith(_MARK):
            return json.loads(line[len(_MARK) :])
    tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
    return {"error": f"exit {proc.returncode}: {tail}"}


def installed(module: str) -> bool:
    from importlib.util import find_spec

    return find_spec(module) is not None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="timed seconds per contender")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--warmup", type=int, default=3, help="untimed calls after the first")
    parser.add_argument("--quick", action="store_true", help="tiny config, 1 s each: a smoke run")
    parser.add_argument("--mixed", action="store_true", help="also time mixed_bfloat16 (TF only)")
    parser.add_argument("--only", default="", help="comma-separated contender prefixes to run")
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="set TF intra/inter-op and torch threads to this (default: frameworks' own)",
    )
    parser.add_argument("--matmul-n", type=int, default=2048, help="side of the roofline matmul")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=30.0,
        help="before each contender, wait up to this many seconds for the other "
        "processes on the machine to go idle (0: don't)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="time every contender this many times, alternating; keep the best",
    )
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)

    cfg = dict(TINY if args.quick else BASE)
    batch, length = args.batch, args.length
    seconds, warmup, matmul_n = args.seconds, args.warmup, args.matmul_n
    if args.quick:
        batch, length, seconds, warmup, matmul_n = min(batch, 2), min(length, 16), 1.0, 1, 512
    if length > cfg["max_position_embeddings"]:
        parser.error(
            f"--length {length} exceeds max_position_embeddings {cfg['max_position_embeddings']}"
        )

    if args.child:
        print(_MARK + json.dumps(run_child(args, cfg, batch, length, seconds, warmup, matmul_n)))
        return 0

    child_argv = [a for a in (sys.argv[1:] if argv is None else argv)]
    have_keras_hub = installed("keras_hub")
    have_torch = installed("torch") and installed("transformers")
    plan = []
    for suffix in [""] + ([" bf16"] if args.mixed else []):
        for mode in ("graph", "xla"):
            plan.append(f"tfbert {mode}{suffix}")
            if have_keras_hub:
                plan.append(f"keras-hub {mode}{suffix}")
    if have_torch:
        plan.append("pytorch")
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        plan = [p for p in plan if any(p.startswith(w) for w in wanted)]

    flops = forward_flops(cfg, batch, length)
    if args.wait_quiet > 0:
        wait_for_quiet(args.wait_quiet)
    mm = spawn("matmul", child_argv)
    if "error" in mm:
        print(f"matmul failed: {mm['error']}", file=sys.stderr)
        return 1
    roofline = mm["flop_per_s"] / flops * batch
    mm_other = mm.get("other_cpu_load") or 0.0
    print(
        f"{'roofline':<22} {roofline:7.2f} seq/s  (fp32 matmul {matmul_n}^3 "
        f"{mm['flop_per_s'] / 1e9:.1f} GFLOP/s; forward pass {flops / 1e9:.1f} GFLOP; "
        f"other load {100 * mm_other:.0f}%)",
        flush=True,
    )

    results = {}
    for round_ in range(args.rounds):
        for name in plan:
            waited = wait_for_quiet(args.wait_quiet) if args.wait_quiet > 0 else 0.0
            stats = spawn(name, child_argv)
            stats["waited_for_quiet_s"] = round(waited, 1)
            stats["round"] = round_
            rate = stats.get("seq_per_s", float("nan"))
            print(
                f"  round {round_ + 1}/{args.rounds} {name}: {rate:.2f} "
                f"seq/s, other load {100 * (stats.get('other_cpu_load') or 0):.0f}%",
                file=sys.stderr,
                flush=True,
            )
            if "error" in stats:
                results.setdefault(name, stats)
                continue
            best = results.get(name)
            if best is None or "error" in best or stats["seq_per_s"] > best["seq_per_s"]:
                stats["rounds_seq_per_s"] = (best or {}).get("rounds_seq_per_s", []) + [
                    stats["seq_per_s"]
                ]
                results[name] = stats
            else:
                best["rounds_seq_per_s"].append(stats["seq_per_s"])
    for name, stats in results.items():
        if "error" in stats:
            print(f"{name:<22} FAILED {stats['error']}", flush=True)
            continue
        stats["of_roofline"] = stats["seq_per_s"] / roofline
        other = stats.get("other_cpu_load") or 0.0
        warn = "  [WARNING: other processes were busy]" if other > 0.05 else ""
        print(
            f"{name:<22} {stats['seq_per_s']:7.2f} seq/s  (median {stats['median_ms']:.1f} ms, "
            f"p10-p90 {stats['p10_ms']:.1f}-{stats['p90_ms']:.1f} ms, {stats['iters']} iters, "
            f"{100 * stats['of_roofline']:.0f}% of roofline, other load {100 * other:.0f}%){warn}",
            flush=True,
        )

    def rate(name):
        return results[name].get("seq_per_s") if name in results else None

    ratios = {}
    tf_best = max((n for n in ("tfbert graph", "tfbert xla") if rate(n)), key=rate, default=None)
    if rate("tfbert graph") and rate("keras-hub graph"):
        ratios["tfbert_graph_over_keras_hub_graph"] = rate("tfbert graph") / rate("keras-hub graph")
    if rate("tfbert xla") and rate("keras-hub xla"):
        ratios["tfbert_xla_over_keras_hub_xla"] = rate("tfbert xla") / rate("keras-hub xla")
    if tf_best and rate("pytorch"):
        ratios["tfbert_best_over_pytorch"] = rate(tf_best) / rate("pytorch")
    if tf_best:
        ratios["tfbert_best_over_roofline"] = rate(tf_best) / roofline
    for key, target in (
        ("tfbert_graph_over_keras_hub_graph", TARGET_VS_KERAS_HUB),
        ("tfbert_xla_over_keras_hub_xla", TARGET_VS_KERAS_HUB),
        ("tfbert_best_over_pytorch", TARGET_VS_PYTORCH),
    ):
        if key in ratios:
            verdict = "meets" if ratios[key] >= target else "MISSES"
            extra = f" (best = {tf_best})" if key == "tfbert_best_over_pytorch" else ""
            print(f"{key:<36} {ratios[key]:.3f}  target >= {target:.2f}: {verdict}{extra}")

    record = {
        "benchmark": "encoder_forward",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "nproc": os.cpu_count(),
            "affinity": len(os.sched_getaffinity(0)),
            "cpu": cpu_model(),
            "cpu_flags": cpu_flags(),
            "platform": platform.platform(),
            **versions(),
            "threading": mm.get("threading"),
        },
        "config": {
            **cfg,
            "batch": batch,
            "length": length,
            "seconds": seconds,
            "warmup": warmup,
            "quick": args.quick,
            "mixed": args.mixed,
            "threads": args.threads,
            "isolation": "one subprocess per contender",
        },
        "forward_gflop": flops / 1e9,
        "matmul": {k: v for k, v in mm.items() if k != "threading"},
        "roofline_seq_per_s": roofline,
        "results": results,
        "ratios": ratios,
        "targets": {
            "tfbert_graph_over_keras_hub_graph": TARGET_VS_KERAS_HUB,
            "tfbert_xla_over_keras_hub_xla": TARGET_VS_KERAS_HUB,
            "tfbert_best_over_pytorch": TARGET_VS_PYTORCH,
        },
        "argv": child_argv,
    }
    print(json.dumps(record, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
