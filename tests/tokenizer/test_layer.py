"""The layer in use: eager, tf.function, tf.data, Keras models, saving, and bad input."""

import numpy as np
import pytest
import tensorflow as tf

from tests.tokenizer.conftest import reference, to_lists

TEXTS = ["Plants create [MASK] through a process known as photosynthesis.", "naïve café 北京", ""]


def test_single_string_and_list(tok_uncased, ref_uncased):
    assert to_lists(tok_uncased(TEXTS[0]))["input_ids"] == [ref_uncased(TEXTS[0])["input_ids"]]
    assert (
        to_lists(tok_uncased(TEXTS, padding=False))["input_ids"] == ref_uncased(TEXTS)["input_ids"]
    )


def test_empty_batch(tok_uncased):
    out = tok_uncased([], return_offsets_mapping=True)
    assert out["input_ids"].shape[0] == 0
    assert out["offset_mapping"].shape[0] == 0


def test_inside_tf_function(tok_uncased, ref_uncased):
    fn = tf.function(lambda t, p: tok_uncased(t, p, max_length=16, return_offsets_mapping=True))
    out = to_lists(fn(tf.constant(TEXTS), tf.constant(TEXTS[::-1])))
    expected = reference(
        ref_uncased,
        TEXTS,
        TEXTS[::-1],
        padding="longest",
        truncation=True,
        max_length=16,
        return_offsets_mapping=True,
    )
    assert out == expected


def test_inside_dataset_map(tok_uncased, ref_uncased):
    ds = (
        tf.data.Dataset.from_tensor_slices(TEXTS * 2)
        .batch(3)
        .map(lambda t: tok_uncased(t)["input_ids"])
    )
    rows = [r for batch in ds for r in batch.numpy().tolist()]
    expected = [
        r for i in (0, 3) for r in ref_uncased(TEXTS * 2, padding="longest")["input_ids"][i : i + 3]
    ]
    # Each batch is padded to its own longest row, as transformers pads each call.
    assert [[t for t in r if t] for r in rows] == [[t for t in r if t] for r in expected]
    assert [len(r) for r in rows] == [
        len(r) for b in (TEXTS, TEXTS) for r in ref_uncased(b, padding="longest")["input_ids"]
    ]


def test_keras_functional_model_and_keras_file(tok_uncased, ref_uncased, tmp_path):
    import keras

    inputs = keras.Input(shape=(), dtype="string")
    outputs = tok_uncased(inputs, max_length=24)
    model = keras.Model(inputs, outputs)
    expected = ref_uncased(TEXTS, padding="longest", truncation=True, max_length=24)
    got = model(tf.constant(TEXTS))
    assert got["input_ids"].numpy().tolist() == expected["input_ids"]
    path = str(tmp_path / "tok.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    assert (
        restored(tf.constant(TEXTS))["attention_mask"].numpy().tolist()
        == expected["attention_mask"]
    )
    second = keras.Input(shape=(), dtype="string")
    pair_model = keras.Model([inputs, second], tok_uncased(inputs, second, max_length=24))
    got = (
        pair_model([tf.constant(TEXTS), tf.constant(TEXTS[::-1])])["token_type_ids"]
        .numpy()
        .tolist()
    )
    assert (
        got
        == ref_uncased(TEXTS, TEXTS[::-1], padding="longest", truncation=True, max_length=24)[
            "token_type_ids"
        ]
    )


def test_get_config_round_trip_carries_vocabulary(tok_uncased):
    from tfbert import TFBertTokenizer

    config = tok_uncased.get_config()
    assert config["vocab"] == tok_uncased.vocab
    clone = TFBertTokenizer.from_config(config)
    a, b = to_lists(clone(TEXTS)), to_lists(tok_uncased(TEXTS))
    assert a == b


def test_call_defaults_come_from_constructor(uncased_dir, ref_uncased):
    from tfbert import TFBertTokenizer

    tok = TFBertTokenizer.from_pretrained(
        uncased_dir, padding=False, max_length=5, return_special_tokens_mask=True
    )
    out = to_lists(tok(TEXTS))
    assert out["input_ids"] == ref_uncased(TEXTS, truncation=True, max_length=5)["input_ids"]
    assert "special_tokens_mask" in out


def test_model_max_length_is_the_default_max_length(tok_uncased, ref_uncased):
    text = "word " * 600
    out = tok_uncased(text)
    assert out["input_ids"].shape == (1, 512)
    assert out["input_ids"].numpy().tolist() == [ref_uncased(text, truncation=True)["input_ids"]]


@pytest.mark.parametrize(
    "text, pair, kwargs, error, match",
    [
        (tf.constant([1, 2]), None, {}, TypeError, "string tensor; got dtype int32"),
        ([b"ok", 3], None, {}, TypeError, "must hold strings; got an item of type int"),
        (np.array([1.0]), None, {}, TypeError, "dtype float"),
        (["a", "b"], ["c"], {}, ValueError, "text has 2 items but text_pair has 1"),
        (
            "a",
            None,
            dict(max_length=1),
            ValueError,
            "max_length=1 cannot hold the 2 special tokens",
        ),
        ("a", "b", dict(max_length=2), ValueError, "max_length=2 cannot hold the 3 special tokens"),
        ("a", None, dict(truncation="only_second"), ValueError, "only_second' needs text_pair"),
        ("a", None, dict(padding="sideways"), ValueError, "padding='sideways' is not one of"),
        ("a", None, dict(max_length=8, stride=6), ValueError, "stride=6 must be smaller"),
        (
            "a",
            None,
            dict(return_tensors="tf"),
            TypeError,
            "unexpected arguments \\['return_tensors'\\]",
        ),
        ([["a"]], None, {}, TypeError, "must hold strings; got an item of type list"),
        (tf.constant([["a"]]), None, {}, ValueError, "1-D batch of strings; got shape \\(1, 1\\)"),
    ],
)
def test_bad_input_gets_a_clear_error(tok_uncased, text, pair, kwargs, error, match):
    with pytest.raises(error, match=match):
        tok_uncased(text, pair, **kwargs)


def test_mismatched_pair_lengths_in_graph(tok_uncased):
    spec = tf.TensorSpec([None], tf.string)
    fn = tf.function(lambda t, p: tok_uncased(t, p)["input_ids"], input_signature=[spec, spec])
    with pytest.raises(tf.errors.InvalidArgumentError, match="text and text_pair lengths differ"):
        fn(tf.constant(["a", "b"]), tf.constant(["c"]))


@pytest.mark.parametrize("missing", ["[CLS]", "[SEP]", "[UNK]"])
def test_vocabulary_without_required_special_token(missing):
    from tfbert import TFBertTokenizer

    vocab = [t for t in ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a"] if t != missing]
    with pytest.raises(
        ValueError,
        match=f"{missing[1:-1].lower()}_token '\\[{missing[1:-1]}\\]' is not in the vocabulary",
    ):
        TFBertTokenizer(vocab)


@pytest.mark.slow
def test_invalid_utf8_and_megabyte_strings(tok_uncased, ref_uncased):
    raw = [b"caf\xc3\xa9 \xff\xfe bad \xc3 bytes", b"ok\x00nul"]
    out = to_lists(tok_uncased(tf.constant(raw), padding=False, truncation=False))
    decoded = [r.decode("utf-8", errors="replace") for r in raw]
    assert out["input_ids"] == ref_uncased(decoded)["input_ids"]
    big = ("The quick brown fox jumps over the lazy dog. Ünïcödé 北京 [MASK] " * 16000)[:1_000_000]
    got = to_lists(
        tok_uncased(
            [big, big.replace(" ", "")],
            padding=False,
            truncation=False,
            return_offsets_mapping=True,
        )
    )
    theirs = reference(ref_uncased, [big, big.replace(" ", "")], return_offsets_mapping=True)
    assert got["input_ids"] == theirs["input_ids"]
    assert got["offset_mapping"] == theirs["offset_mapping"]
    # One huge text among many short ones: costs stay linear in the characters.
    skewed = ["é" * 1_000_000] + ["ü short"] * 2000
    assert (
        to_lists(tok_uncased(skewed, padding=False, truncation=False))["input_ids"]
        == ref_uncased(skewed)["input_ids"]
    )


def test_saved_model_round_trip(tok_uncased, ref_uncased, tmp_path):
    module = tf.Module()
    module.tok = tok_uncased
    module.serve = tf.function(
        lambda t: tok_uncased(t, max_length=32, return_offsets_mapping=True),
        input_signature=[tf.TensorSpec([None], tf.string)],
    )
    tf.saved_model.save(module, str(tmp_path / "sm"))
    loaded = tf.saved_model.load(str(tmp_path / "sm"))
    out = to_lists(loaded.serve(tf.constant(TEXTS)))
    expected = reference(
        ref_uncased,
        TEXTS,
        padding="longest",
        truncation=True,
        max_length=32,
        return_offsets_mapping=True,
    )
    assert out == expected
