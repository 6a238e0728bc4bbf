"""Beam batch job throughput: ``tfbert batch`` with 1 and 2 workers beside ``tfbert.pipeline``.

Strings to all-MiniLM-L6-v2 embeddings (batch 32, max length 256 from the model's
sentence-transformers config) on issue 14's corpus: the first 2,000 paragraphs of Python's own
documentation topics (``pydoc_data.topics``, shipped with CPython: the text of ``help()``; topics
in sorted order, paragraphs split on blank lines, empty ones dropped).

* pipeline: ``tfbert.pipeline("sentence-embedding", batch_size=32)`` in this process, after a
  warm-up call; the best of ``--repeats`` runs.
* beam, N workers: the whole batch job (:func:`tfbert.beam.run_batch_job`, the corpus as one
  ``.jsonl`` file, JSON Lines output, 4 shards) on Beam's DirectRunner in multi-process mode with
  N worker processes of cores/N TensorFlow threads each, timed from start to the last shard
  written: start-up (worker processes, TensorFlow import, model load per worker) included, as a
  user waits for it.

Usage::

    python benchmarks/beam_job.py [--count 2000] [--workers 1 2] [--repeats 2]

Prints texts/s for each, the ratios to the pipeline and 2 workers to 1, and one JSON line.
``run(texts, workers)`` is importable (``benchmarks/end_to_end.py`` uses it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
BATCH_SIZE = 32


def corpus(count: int = 2000) -> list[str]:
    """The first ``count`` paragraphs of Python's documentation topics (``pydoc_data.topics``)."""
    from pydoc_data.topics import topics

    paragraphs = [
        p.strip() for key in sorted(topics) for p in topics[key].split("\n\n") if p.strip()
    ]
    if len(paragraphs) < count:
        raise ValueError(f"pydoc_data.topics has {len(paragraphs)} paragraphs, fewer than {count}")
    return paragraphs[:count]


def run(
    texts: list[str],
    workers: int,
    batch_size: int = BATCH_SIZE,
    model=None,
    precision: str = "float32",
) -> float:
    """The batch job's throughput on ``texts`` (sentence-embedding), in texts per second.

    Args:
        texts: The inputs.
        workers: DirectRunner worker processes (multi-process mode).
        batch_size: Inputs per model call.
        model: Checkpoint or SavedModel; ``None``: all-MiniLM-L6-v2.
        precision: ``"float32"`` or ``"int8"`` (``tfbert batch --precision``).

    Returns:
        ``len(texts)`` over the job's wall time, start-up included.
    """
    from tfbert.beam import run_batch_job

    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(folder, "corpus.jsonl")
        with open(source, "w", encoding="utf-8") as f:
            for i, text in enumerate(texts):
                f.write(json.dumps({"id": i, "text": text}, ensure_ascii=False) + "\n")
        start = time.perf_counter()
        summary = run_batch_job(
            "sentence-embedding",
            model,
            source,
            os.path.join(folder, "out"),
            num_shards=4,
            batch_size=batch_size,
            threads=max(1, (os.cpu_count() or 1) // workers),
            precision=precision,
            pipeline_args=[
                "--runner=DirectRunner",
                f"--direct_num_workers={workers}",
                "--direct_running_mode=multi_processing",
            ],
        )
        seconds = time.perf_counter() - start
    if summary.results is not None and summary.results != len(texts):
        raise RuntimeError(f"the job wrote {summary.results} results for {len(texts)} texts")
    return len(texts) / seconds


def pipeline_throughput(texts: list[str], repeats: int, batch_size: int = BATCH_SIZE) -> float:
    """``tfbert.pipeline``'s texts per second in this process (best of ``repeats``)."""
    import tfbert

    embed = tfbert.pipeline("sentence-embedding", batch_size=batch_size, device="cpu")
    embed(texts[:batch_size])  # trace
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        embed(texts)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=2, help="pipeline runs (best is kept)")
    args = parser.parse_args()
    import logging

    logging.getLogger("apache_beam").setLevel(logging.WARNING)
    texts = corpus(args.count)
    speeds = {"pipeline": pipeline_throughput(texts, args.repeats)}
    for workers in args.workers:
        speeds[f"beam_{workers}_workers"] = run(texts, workers)
    print(f"{len(texts)} paragraphs of pydoc_data.topics, sentence-embedding, batch {BATCH_SIZE}:")
    for name, speed in speeds.items():
        ratio = speed / speeds["pipeline"]
        print(f"  {name:<16} {speed:8.1f} texts/s  {ratio:5.2f}x pipeline")
    ratios = {}
    if "beam_1_workers" in speeds and "beam_2_workers" in speeds:
        ratios["2_workers_over_1"] = speeds["beam_2_workers"] / speeds["beam_1_workers"]
        print(f"  2 workers / 1 worker: {ratios['2_workers_over_1']:.2f}x")
    print(
        json.dumps(
            {
                "texts": len(texts),
                "cpus": os.cpu_count(),
                "texts_per_second": {k: round(v, 1) for k, v in speeds.items()},
                **{k: round(v, 3) for k, v in ratios.items()},
                "python": sys.version.split()[0],
            }
        )
    )


if __name__ == "__main__":
    main()
