"""The .tflite tokenizer (TFLiteTextOps, tf-text's TFLite kernels) against TFBertTokenizer (which
matches BertTokenizerFast exactly), run in TensorFlow's TFLite interpreter."""

import difflib

import numpy as np
import pytest

from tests.export.conftest import interpreter

HARD = [
    "Héllo wörld, Ünïcödé ÀÉÎÕÜ çà et là",
    "東京 is big, 北京欢迎你!",
    "naïve café — Zürich's “quotes”",
    "The capital of France is [MASK].",
    "x[MASK]y [SEP][CLS] [mask] [PAD]",
    "emoji 🙂👍🏽 and tabs\tand\nnewlines",
    "",
    "   ",
    "supercalifragilisticexpialidocious " * 3,
    "ÅngströM Ωmega",
    "cafe\u0301 e\u0301 x",
]  # (accents already decomposed: stripped, and outside the offsets)
# What tf-text's normaliser does differently (NFKD-like compatibility mappings, case folding):
# each text tokenizes as BertTokenizerFast tokenizes the second.
KNOWN = [
    ("wait… what", "wait... what"),
    ("Straße", "strasse"),
    ("Ａｂｃ full-width １２３", "Abc full-width 123"),
    ("x² ﬁne", "x2 fine"),
    ("a\x00b\x01c", "a b c"),
    (b"bad \xff utf8", "bad [UNK] utf8"),
]


@pytest.fixture(scope="module")
def tokenize(graphs, tmp_path_factory):
    """texts -> (ids rows, offsets rows) from a tokenizer-only .tflite, converted without select
    ops."""
    import tensorflow as tf

    from tfbert.export import tflite_ops
    from tfbert.tokenizer.tflite_encoding import TFLiteTextOps

    ops = TFLiteTextOps(graphs["fill-mask"][0].tokenizer)
    module = tf.Module()
    module.ops = ops
    module.encode = tf.function(
        lambda text: ops.encode(text, truncation=False, return_offsets_mapping=True),
        input_signature=[tf.TensorSpec([None], tf.string)],
    )
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [module.encode.get_concrete_function()], module
    )
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    converter.allow_custom_ops = True
    flatbuffer = converter.convert()
    assert tflite_ops(flatbuffer)["other"] == []
    path = tmp_path_factory.mktemp("tokenizer") / "tokenizer.tflite"
    path.write_bytes(flatbuffer)
    runner = interpreter(path).get_signature_runner()

    def run(texts):
        out = runner(text=np.array(texts, object))
        lengths = out["attention_mask"].sum(1)
        return (
            [row[:n].tolist() for row, n in zip(out["input_ids"], lengths)],
            [row[:n].tolist() for row, n in zip(out["offset_mapping"], lengths)],
        )

    return run


def reference(graph, texts):
    import tensorflow as tf

    out = graph.tokenizer(
        tf.constant(texts), padding=False, truncation=False, return_offsets_mapping=True
    )
    return out["input_ids"].to_list(), out["offset_mapping"].to_list()


def test_hard_cases_match_the_tokenizer(graphs, tokenize):
    """Accents, CJK, special tokens written in the text (kept whole only when spelled exactly),
    emoji, whitespace, long and full-width words: same ids and character offsets."""
    graph, _ = graphs["fill-mask"]
    assert tokenize(HARD) == reference(graph, HARD)


@pytest.mark.parametrize("text, as_if", KNOWN)
def test_known_differences(text, as_if, graphs, tokenize):
    graph, _ = graphs["fill-mask"]
    assert tokenize([text])[0] != reference(graph, [text])[0]
    assert tokenize([text])[0] == reference(graph, [as_if])[0]


def test_pydoc_token_agreement(graphs, tokenize):
    """All 2,608 paragraphs of pydoc_data.topics: token-level agreement (matched tokens over the
    reference's), and every paragraph that differs holds a known difference ("…", "ß")."""
    from pydoc_data.topics import topics

    graph, _ = graphs["fill-mask"]
    paragraphs = [p for text in topics.values() for p in text.split("\n\n")]
    assert len(paragraphs) == 2608
    matched = total = 0
    for start in range(0, len(paragraphs), 256):
        batch = paragraphs[start : start + 256]
        ours, theirs = tokenize(batch)[0], reference(graph, batch)[0]
        for text, a, b in zip(batch, ours, theirs):
            total += len(b)
            if a == b:
                matched += len(b)
                continue
            assert "…" in text or "ß" in text, text
            matched += sum(
                block.size
                for block in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks()
            )
    assert matched / total >= 0.9997, (matched, total)


def test_tokenizer_options_followed_or_refused():
    """split_special_tokens is followed (eagerly: the same kernels); what the kernels cannot follow
    is refused at export with the option named."""
    import tensorflow as tf

    from tfbert import TFBertTokenizer
    from tfbert.tasks import default_model_path
    from tfbert.tokenizer.tflite_encoding import TFLiteTextOps

    split = TFBertTokenizer.from_pretrained(default_model_path(), split_special_tokens=True)
    texts = tf.constant(["The capital of France is [MASK].", "x[CLS]y"])
    assert (
        TFLiteTextOps(split).encode(texts)["input_ids"].numpy().tolist()
        == split(texts)["input_ids"].numpy().tolist()
    )
    for options, named in (
        ({"added_tokens": ["hello"]}, "hello"),
        ({"strip_accents": False}, "strip_accents"),
        ({"tokenize_chinese_chars": False}, "tokenize_chinese_chars"),
    ):
        with pytest.raises(ValueError, match=named):
            TFLiteTextOps(TFBertTokenizer.from_pretrained(default_model_path(), **options))
