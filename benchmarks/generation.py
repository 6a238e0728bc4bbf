"""Times text generation with the key/value cache: tfbert's ``TFBertLMHeadModel.generate`` eagerly,
in ``tf.function`` and under XLA, beside transformers' PyTorch ``BertLMHeadModel.generate`` on the
same random weights.

PyTorch runs in a subprocess of its own (TensorFlow's and PyTorch's thread pools in one process
slow each other down). Cases: greedy and beam-4 decoding, batch 1 and 8, a 16-token prompt and
32 new tokens (no end token, so every run generates them all). The figure is new tokens per
second: ``batch * new tokens / seconds`` (one returned sequence per prompt). The first call of
each compiled mode is the compile and is not timed; each figure is the median of the timed
repeats. Both sides get the same weights (saved by transformers, loaded by tfbert) and must
produce the same tokens, which the script checks before timing.

Prints one line per case and mode, the ratio of tfbert's best mode to PyTorch (target: >= 1 at
batch 8), then one JSON line with every figure, the date and the machine.

Usage::

    python benchmarks/generation.py             # hidden 256, 4 layers, vocab 30522
    python benchmarks/generation.py --quick     # tiny config smoke run
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import tempfile
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

DEFAULT = dict(
    vocab_size=30522,
    hidden_size=256,
    num_hidden_layers=4,
    num_attention_heads=4,
    intermediate_size=1024,
    max_position_embeddings=128,
    type_vocab_size=2,
)
TINY = dict(
    vocab_size=500,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=64,
    max_position_embeddings=64,
    type_vocab_size=2,
)
TARGET_VS_PYTORCH = 1.0


def _median_seconds(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _pytorch_worker(folder: str, cases_json: str) -> None:
    """Subprocess entry: runs and times transformers' generate; prints one JSON line."""
    import torch
    import transformers

    model = transformers.BertLMHeadModel.from_pretrained(folder).eval()
    results = []
    for case in json.loads(cases_json):
        prompt, options = torch.tensor(case["prompt"]), case["options"]

        def generate(prompt=prompt, options=options):
            with torch.inference_mode():
                return model.generate(prompt, do_sample=False, **options)

        tokens = generate().numpy()  # warm-up
        seconds = _median_seconds(generate, case["repeats"])
        results.append({"tokens": tokens.tolist(), "seconds": seconds})
    print(json.dumps(results))


def _pytorch(folder: str, cases: list[dict]) -> list[dict]:
    import subprocess

    command = [
        sys.executable,
        os.path.abspath(__file__),
        "--pytorch-worker",
        folder,
        json.dumps(cases),
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def _tfbert_modes(folder):
    import tensorflow as tf

    import tfbert

    model = tfbert.TFBertLMHeadModel.from_pretrained(folder)
    compiled = {}

    def mode(name):
        def generate(prompt, **options):
            if name == "eager":
                return np.asarray(model.generate(prompt, **options))
            key = (name, tuple(sorted(options.items())))
            if key not in compiled:
                compiled[key] = tf.function(
                    lambda ids: model.generate(ids, **options), jit_compile=name == "xla"
                )
            return np.asarray(compiled[key](tf.constant(prompt, tf.int32)))

        return generate

    return {name: mode(name) for name in ("eager", "graph", "xla")}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny config, fewer repeats")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--prompt", type=int, default=16)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--skip-eager", action="store_true", help="eager mode is slow")
    parser.add_argument("--pytorch-worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.pytorch_worker:
        _pytorch_worker(*args.pytorch_worker)
        return
    config = TINY if args.quick else DEFAULT
    repeats = 1 if args.quick else args.repeats

    import torch
    import transformers

    torch.manual_seed(0)
    folder = tempfile.mkdtemp()
    reference = transformers.BertLMHeadModel(transformers.BertConfig(**config, is_decoder=True))
    reference.save_pretrained(folder)
    rng = np.random.default_rng(0)
    cases = []
    for search, options in (("greedy", {}), ("beam4", {"num_beams": 4})):
        for batch in (1, 8):
            prompt = rng.integers(1, config["vocab_size"], (batch, args.prompt))
            cases.append(
                {
                    "search": search,
                    "batch": batch,
                    "prompt": prompt.tolist(),
                    "repeats": repeats,
                    "options": dict(
                        options,
                        max_new_tokens=args.new_tokens,
                        min_new_tokens=args.new_tokens,
                        eos_token_id=None,
                    ),
                }
            )
    references = _pytorch(folder, cases)
    modes = _tfbert_modes(folder)
    if args.skip_eager:
        modes.pop("eager")
    results = []
    for case, reference in zip(cases, references):
        search, batch, options = case["search"], case["batch"], case["options"]
        prompt, expected = np.array(case["prompt"]), np.array(reference["tokens"])
        figures = {"pytorch": batch * args.new_tokens / reference["seconds"]}
        print(
            f"{search:6s} batch {batch}  pytorch  {figures['pytorch']:10.1f} new tokens/s",
            flush=True,
        )
        for name, generate in modes.items():
            got = generate(prompt, **options)  # warm-up / compile
            if not np.array_equal(got[:, : expected.shape[1]], expected):
                raise SystemExit(
                    f"{search} batch {batch}: tfbert {name} tokens differ from PyTorch's"
                )
            seconds = _median_seconds(
                lambda generate=generate, prompt=prompt, options=options: generate(
                    prompt, **options
                ),
                repeats,
            )
            figures[name] = batch * args.new_tokens / seconds
            print(
                f"{search:6s} batch {batch}  {name:8s} {figures[name]:10.1f} new tokens/s",
                flush=True,
            )
        best = max(v for k, v in figures.items() if k != "pytorch")
        ratio = best / figures["pytorch"]
        print(
            f"{search:6s} batch {batch}  best tfbert / pytorch = {ratio:.2f}"
            + (f" (target >= {TARGET_VS_PYTORCH})" if batch == 8 else ""),
            flush=True,
        )
        results.append(
            {
                "search": search,
                "batch": batch,
                "tokens_per_second": figures,
                "best_vs_pytorch": ratio,
            }
        )
    print(
        json.dumps(
            {
                "date": datetime.date.today().isoformat(),
                "config": config,
                "prompt": args.prompt,
                "new_tokens": args.new_tokens,
                "results": results,
                "machine": platform.platform(),
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
