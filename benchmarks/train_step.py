"""Times one BERT fine-tuning step: tfbert against transformers' PyTorch BERT (torch CPU).

Every contender trains ``...ForSequenceClassification`` (random weights; by default the BERT-base
shape: hidden 768, 12 layers, 12 heads, intermediate 3072, vocab 30522; 2 labels; dropout as in
the config, i.e. on) on the same random batch (8 sequences of 128 tokens, fp32) with AdamW,
linear warmup/decay, global-norm clipping at 1.0 and weight decay 0.01 except on LayerNorm
weights and biases: the whole step, forward, loss, backward and update. Contenders:

* ``tfbert graph`` / ``tfbert xla``: ``TFBertForSequenceClassification`` compiled with
  ``tfbert.training.create_optimizer``, Keras' own ``train_step`` (what ``fit`` runs) under
  ``tf.function`` and ``tf.function(jit_compile=True)``;
* ``pytorch``: transformers' ``BertForSequenceClassification`` with ``torch.optim.AdamW``,
  ``clip_grad_norm_`` and ``get_linear_schedule_with_warmup``, as transformers' ``Trainer``.

Each contender runs in a fresh process. Prints one line per contender, the ratio of the best
tfbert to PyTorch (target: >= 1.0, not slower), then one JSON line with every figure and the
machine.

Usage::

    python benchmarks/train_step.py              # full run, ~20 s per contender
    python benchmarks/train_step.py --quick      # tiny config smoke run
    python benchmarks/train_step.py --only tfbert,pytorch --seconds 30
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from encoder_forward import (
    BASE,
    TINY,
    cpu_flags,
    cpu_model,
    installed,
    measure,  # noqa: E402
    threading_facts,
    versions,
    wait_for_quiet,
)

TARGET_VS_PYTORCH = 1.0
LEARNING_RATE, TRAIN_STEPS, WARMUP_STEPS = 2e-5, 10_000, 1_000
_MARK = "TRAIN_STEP_CHILD "


def batch_arrays(cfg: dict, batch: int, length: int) -> dict:
    rng = np.random.default_rng(0)
    return {
        "input_ids": rng.integers(0, cfg["vocab_size"], (batch, length), dtype=np.int32),
        "attention_mask": np.ones((batch, length), np.int32),
        "token_type_ids": np.zeros((batch, length), np.int32),
        "labels": rng.integers(0, 2, (batch,), dtype=np.int32),
    }


def tfbert_contender(cfg: dict, arrays: dict, jit: bool):
    import keras
    import tensorflow as tf

    from tfbert import BertConfig, TFBertForSequenceClassification
    from tfbert.training import create_optimizer

    keras.utils.set_random_seed(0)
    model = TFBertForSequenceClassification(BertConfig(**cfg, num_labels=2))
    model.build()
    model.compile(optimizer=create_optimizer(LEARNING_RATE, TRAIN_STEPS, WARMUP_STEPS))
    data = {k: tf.constant(v) for k, v in arrays.items()}
    step = tf.function(model.train_step, jit_compile=jit)
    return lambda: float(step(data)["loss"])


def pytorch_contender(cfg: dict, arrays: dict):
    import torch
    import transformers

    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(transformers.BertConfig(**cfg, num_labels=2))
    model.train()
    no_decay = [n for n, _ in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
    groups = [
        {
            "params": [p for n, p in model.named_parameters() if n not in no_decay],
            "weight_decay": 0.01,
        },
        {"params": [p for n, p in model.named_parameters() if n in no_decay], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=LEARNING_RATE, eps=1e-8)
    scheduler = transformers.get_linear_schedule_with_warmup(optimizer, WARMUP_STEPS, TRAIN_STEPS)
    inputs = {k: torch.from_numpy(v.astype(np.int64)) for k, v in arrays.items()}

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = model(**inputs).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        return loss.item()

    return step


def run_child(name: str, cfg: dict, batch: int, length: int, seconds: float, warmup: int) -> dict:
    arrays = batch_arrays(cfg, batch, length)
    if name.startswith("tfbert"):
        step = tfbert_contender(cfg, arrays, jit=name.endswith("xla"))
    elif name == "pytorch":
        step = pytorch_contender(cfg, arrays)
    else:
        raise ValueError(
            f"unknown contender {name!r}; expected tfbert graph, tfbert xla or pytorch"
        )
    stats = measure(step, seconds, warmup, batch)
    loss = step()
    return {
        **stats,
        "steps_per_s": stats["seq_per_s"] / batch,
        "last_loss": loss,
        "threading": threading_facts(),
    }


def spawn(name: str, argv: list[str]) -> dict:
    """Runs one contender in a fresh interpreter; returns its figures or ``{"error": ...}``."""
    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), *argv, "--child", name],
        capture_output=True,
        text=True,
    )
    for line in proc.stdout.splitlines():
        if line.startswith(_MARK):
            return json.loads(line[len(_MARK) :])
    tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
    return {"error": f"exit {proc.returncode}: {tail}"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="timed seconds per contender")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps after the first")
    parser.add_argument("--quick", action="store_true", help="tiny config, 1 s each: a smoke run")
    parser.add_argument("--only", default="", help="comma-separated contender prefixes to run")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=30.0,
        help="before each contender, wait up to this many seconds for the other "
        "processes on the machine to go idle (0: don't)",
    )
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)

    cfg = dict(TINY if args.quick else BASE)
    batch, length, seconds, warmup = args.batch, args.length, args.seconds, args.warmup
    if args.quick:
        batch, length, seconds, warmup = min(batch, 2), min(length, 16), 1.0, 1
    if length > cfg["max_position_embeddings"]:
        parser.error(
            f"--length {length} exceeds max_position_embeddings {cfg['max_position_embeddings']}"
        )
    if args.child:
        print(_MARK + json.dumps(run_child(args.child, cfg, batch, length, seconds, warmup)))
        return 0

    child_argv = list(sys.argv[1:] if argv is None else argv)
    plan = ["tfbert graph", "tfbert xla"] + (
        ["pytorch"] if installed("torch") and installed("transformers") else []
    )
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        plan = [p for p in plan if any(p.startswith(w) for w in wanted)]

    results = {}
    for name in plan:
        waited = wait_for_quiet(args.wait_quiet) if args.wait_quiet > 0 else 0.0
        stats = spawn(name, child_argv)
        stats["waited_for_quiet_s"] = round(waited, 1)
        results[name] = stats
        if "error" in stats:
            print(f"{name:<14} FAILED {stats['error']}", flush=True)
            continue
        other = stats.get("other_cpu_load") or 0.0
        warn = "  [WARNING: other processes were busy]" if other > 0.05 else ""
        print(
            f"{name:<14} {stats['steps_per_s']:6.3f} steps/s ({stats['seq_per_s']:.2f} seq/s; "
            f"median {stats['median_ms']:.0f} ms, "
            f"p10-p90 {stats['p10_ms']:.0f}-{stats['p90_ms']:.0f} ms, "
            f"{stats['iters']} steps, first step {stats['first_call_s']:.1f} s, "
            f"other load {100 * other:.0f}%){warn}",
            flush=True,
        )

    def rate(name):
        return results.get(name, {}).get("seq_per_s")

    ratios = {}
    best = max((n for n in ("tfbert graph", "tfbert xla") if rate(n)), key=rate, default=None)
    if best and rate("pytorch"):
        ratios["tfbert_best_over_pytorch"] = rate(best) / rate("pytorch")
        verdict = "meets" if ratios["tfbert_best_over_pytorch"] >= TARGET_VS_PYTORCH else "MISSES"
        print(
            f"tfbert_best_over_pytorch {ratios['tfbert_best_over_pytorch']:.3f}  target >= "
            f"{TARGET_VS_PYTORCH:.2f}: {verdict} (best = {best})"
        )
    record = {
        "benchmark": "train_step",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "nproc": os.cpu_count(),
            "affinity": len(os.sched_getaffinity(0)),
            "cpu": cpu_model(),
            "cpu_flags": cpu_flags(),
            "platform": platform.platform(),
            **versions(),
        },
        "config": {
            **cfg,
            "num_labels": 2,
            "batch": batch,
            "length": length,
            "seconds": seconds,
            "warmup": warmup,
            "quick": args.quick,
            "optimizer": "AdamW, clip 1.0, wd 0.01",
            "isolation": "one subprocess per contender",
        },
        "results": results,
        "ratios": ratios,
        "targets": {"tfbert_best_over_pytorch": TARGET_VS_PYTORCH},
        "argv": child_argv,
    }
    print(json.dumps(record, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
