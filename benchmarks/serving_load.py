"""Serving load: two exported SavedModels under 16 concurrent client threads, in a process that
imports only TensorFlow and tf-text.

The SavedModels are sentence-embedding (the real all-MiniLM-L6-v2) and question-answering (a
small random-weight checkpoint with the real uncased vocabulary, made as the tests make theirs:
``tests.tasks.conftest.make_checkpoint``). A first, separate process (which may import tfbert,
transformers and torch) writes them; this process then imports ``tensorflow`` and
``tensorflow_text`` only (``tfbert`` is made unimportable, and the script checks at the end that
neither tfbert, transformers nor torch was loaded, nor any Keras module by loading or serving),
loads both, and:

1. calls every distinct request once, serially: the reference results;
2. sends ``--requests`` requests (one input each, the two models interleaved) from
   ``--threads`` client threads sharing one queue, timing each call and comparing every
   result with the serial one (bit for bit: ``numpy.array_equal``);
3. prints throughput, p50/p99 latency per model and overall, mismatches, and resident memory
   (``VmRSS``) after loading and the serial pass (start), half-way, and at the end.

Usage::

    python benchmarks/serving_load.py [--requests 6000] [--threads 16] [--workdir DIR]

``--workdir`` keeps the exports between runs (they are reused when present). Prints one human
summary and one JSON line.
"""

import argparse
import json
import os
import pathlib
import queue
import random
import subprocess
import sys
import tempfile
import threading
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = pathlib.Path(__file__).resolve().parents[1]

SENTENCES = [
    "A man is eating food.",
    "A man is riding a white horse on an enclosed ground.",
    "The new movie is awesome.",
    "Ünïcödé, accents and emoji 🙂 are text too.",
    "Two dogs play in the snow while a child watches from the porch.",
    "東京 is the capital of Japan.",
    "",
    "short",
    "The quick brown fox jumps over the lazy dog. " * 6,
    "Scientists discovered a new species of frog in the rainforest last year.",
]
CONTEXT = (
    "The Eiffel Tower was built in 1889 by Gustave Eiffel's company in Paris. It is 330 "
    "metres tall and was the tallest man-made structure in the world for 41 years. "
)
QUESTIONS = [
    ("Who built the tower?", CONTEXT),
    ("How tall is it?", CONTEXT),
    ("When was it built?", CONTEXT * 4),
    ("Where is the tower?", CONTEXT[:90]),
    ("What was the tallest structure?", CONTEXT * 2),
    ("Which company built it?", CONTEXT * 7),
]


def export(workdir: pathlib.Path) -> None:
    """Writes both SavedModels under ``workdir`` (this function runs in its own process)."""
    sys.path.insert(0, str(REPO))
    from tests.tasks.conftest import make_checkpoint
    from tfbert.export import export_task
    from tfbert.tasks import default_model_path

    if not (workdir / "sentence-embedding" / "1").is_dir():
        export_task("sentence-embedding", None, str(workdir / "sentence-embedding"))
    if not (workdir / "question-answering" / "1").is_dir():
        checkpoint = workdir / "qa-checkpoint"
        checkpoint.mkdir(parents=True, exist_ok=True)
        make_checkpoint("BertForQuestionAnswering", checkpoint, pathlib.Path(default_model_path()))
        export_task("question-answering", str(checkpoint), str(workdir / "question-answering"))


def rss_mib() -> float:
    """Resident memory of this process, MiB (``/proc/self/status``)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def serve(workdir: pathlib.Path, requests: int, threads: int) -> dict:
    """The load run, importing only tensorflow and tensorflow_text."""
    sys.modules["tfbert"] = None  # any import of tfbert fails
    import numpy as np
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (registers the tokenizer's ops)

    baseline = set(sys.modules)
    models = {
        task: tf.saved_model.load(str(workdir / task / "1")).signatures["serving_default"]
        for task in ("sentence-embedding", "question-answering")
    }
    calls = [("sentence-embedding", {"text": [s]}) for s in SENTENCES] + [
        ("question-answering", {"question": [q], "context": [c]}) for q, c in QUESTIONS
    ]

    def call(index):
        task, inputs = calls[index]
        outputs = models[task](**{k: tf.constant(v) for k, v in inputs.items()})
        return {k: v.numpy() for k, v in outputs.items()}

    serial = [call(i) for i in range(len(calls))]  # also the warm-up: every shape traced
    rng = random.Random(0)
    plan = [rng.randrange(len(calls)) for _ in range(requests)]
    rss = {"start": rss_mib()}
    work: queue.Queue = queue.Queue()
    for n, index in enumerate(plan):
        work.put((n, index))
    latencies = [0.0] * requests
    mismatches, errors, lock = [], [], threading.Lock()
    done = [0]

    def client():
        while True:
            try:
                n, index = work.get_nowait()
            except queue.Empty:
                return
            start = time.perf_counter()
            try:
                result = call(index)
            except Exception as error:  # noqa: BLE001  (reported, never hidden)
                with lock:
                    errors.append(f"{calls[index][0]} #{index}: {type(error).__name__}: {error}")
                continue
            latencies[n] = time.perf_counter() - start
            same = result.keys() == serial[index].keys() and all(
                np.array_equal(result[k], serial[index][k]) for k in result
            )
            with lock:
                if not same:
                    mismatches.append(n)
                done[0] += 1
                if done[0] == requests // 2:
                    rss["half-way"] = rss_mib()

    start = time.perf_counter()
    pool = [threading.Thread(target=client) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - start
    rss["end"] = rss_mib()
    foreign = sorted(
        {m for m in ("tfbert", "transformers", "torch") if sys.modules.get(m)}
        | {m for m in set(sys.modules) - baseline if m.split(".")[0] == "keras"}
    )
    by_task = {}
    for task in models:
        mine = [latencies[n] for n, index in enumerate(plan) if calls[index][0] == task]
        by_task[task] = {
            "requests": len(mine),
            "p50_ms": 1000 * percentile(mine, 50),
            "p99_ms": 1000 * percentile(mine, 99),
        }
    return {
        "requests": requests,
        "threads": threads,
        "seconds": elapsed,
        "requests_per_s": requests / elapsed,
        "p50_ms": 1000 * percentile(latencies, 50),
        "p99_ms": 1000 * percentile(latencies, 99),
        "by_task": by_task,
        "mismatches_vs_serial": len(mismatches),
        "errors": errors[:5],
        "error_count": len(errors),
        "rss_mib": rss,
        "rss_growth_mib": rss["end"] - rss["start"],
        "modules_besides_tf": foreign,
        "tensorflow": tf.__version__,
        "cpus": os.cpu_count(),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000, help="requests in all (default 6000)")
    parser.add_argument("--threads", type=int, default=16, help="client threads (default 16)")
    parser.add_argument("--workdir", help="where the exports go (kept); default a temporary folder")
    parser.add_argument("--export-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.requests < 1 or args.threads < 1:
        parser.error("--requests and --threads must be positive integers")
    workdir = pathlib.Path(args.workdir or tempfile.mkdtemp(prefix="serving_load_"))
    if args.export_only:
        export(workdir)
        return 0
    subprocess.run(
        [sys.executable, __file__, "--export-only", "--workdir", str(workdir)],
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    report = serve(workdir, args.requests, args.threads)
    rss = report["rss_mib"]
    print(
        f"{report['requests']} requests from {report['threads']} threads in "
        f"{report['seconds']:.1f} s: {report['requests_per_s']:.1f} requests/s, p50 "
        f"{report['p50_ms']:.1f} ms, p99 {report['p99_ms']:.1f} ms"
    )
    for task, figures in report["by_task"].items():
        print(
            f"  {task}: {figures['requests']} requests, p50 {figures['p50_ms']:.1f} ms, "
            f"p99 {figures['p99_ms']:.1f} ms"
        )
    print(
        f"  results different from serial calls: {report['mismatches_vs_serial']}; errors: "
        f"{report['error_count']}; modules besides TF loaded: {report['modules_besides_tf']}"
    )
    print(
        f"  resident memory: start {rss['start']:.0f} MiB, half-way {rss.get('half-way', 0):.0f}"
        f" MiB, end {rss['end']:.0f} MiB (growth {report['rss_growth_mib']:+.1f} MiB)"
    )
    print(json.dumps(report))
    return (
        1
        if report["mismatches_vs_serial"] or report["error_count"] or report["modules_besides_tf"]
        else 0
    )


if __name__ == "__main__":
    sys.exit(main())
