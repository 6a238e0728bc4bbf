"""tfbert's Python BertTokenizerFast against transformers' BertTokenizerFast on the same files."""

import warnings

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.tokenizer.conftest import HARD_CASES

REFUSALS = (ValueError, tf.errors.InvalidArgumentError)
WORDS = [
    "Hello",
    "world",
    "naïve",
    "café",
    "北京",
    "[MASK]",
    "don't",
    "photosynthesis",
    "x",
    "U.S.A.",
    "😀",
    "e\u0301",
    "straße",
    "a-b",
    "",
    "  ",
    "Ångström",
    "[SEP]x",
    "##ing",
    "12,345",
]


@pytest.fixture(scope="session")
def pair(uncased_dir):
    """(tfbert's BertTokenizerFast, transformers' BertTokenizerFast) on all-MiniLM-L6-v2."""
    from transformers import BertTokenizerFast as Reference

    from tfbert import BertTokenizerFast

    return BertTokenizerFast.from_pretrained(uncased_dir), Reference.from_pretrained(uncased_dir)


def _plain(value):
    return value.tolist() if isinstance(value, np.ndarray) else value


def _rows(enc):
    ids = _plain(enc["input_ids"])
    return len(ids) if ids and isinstance(ids[0], list) else 1


def _ragged(ref, text, text_pair, kwargs):
    """Whether the reference's rows have different lengths (v4 then refused tensors)."""
    if kwargs.get("return_tensors") is None:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ids = ref(text, text_pair, **{**kwargs, "return_tensors": None})["input_ids"]
    return bool(ids) and isinstance(ids[0], list) and len({len(row) for row in ids}) > 1


def compare(ours, ref, text, text_pair=None, **kwargs):
    """Both refuse, or both give the same keys, values, dtypes and per-token details; rows of
    different lengths with ``return_tensors`` are refused, as transformers v4 refused them
    (transformers 5 makes object arrays)."""
    try:
        if _ragged(ref, text, text_pair, kwargs):
            with pytest.raises(ValueError, match="different lengths"):
                ours(text, text_pair, **kwargs)
            return None
    except BaseException as error:  # the reference refuses the call itself: checked below
        if isinstance(
            error, (KeyboardInterrupt, SystemExit, AssertionError)
        ) or "DID NOT RAISE" in str(error):
            raise
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = ref(text, text_pair, **kwargs)
    except BaseException as error:  # tokenizers raises, or panics
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        with pytest.raises(REFUSALS):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ours(text, text_pair, **kwargs)
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mine = ours(text, text_pair, **kwargs)
    assert list(mine) == list(theirs), (kwargs, list(mine), list(theirs))
    for key in theirs:
        a, b = mine[key], theirs[key]
        if isinstance(b, np.ndarray):
            assert isinstance(a, np.ndarray) and a.dtype == b.dtype == np.int64, key
            assert a.shape == b.shape and np.array_equal(a, b), (key, a, b)
        else:
            assert a == b, (key, text, kwargs, a, b)
    for row in range(_rows(theirs)):
        assert mine.tokens(row) == theirs.tokens(row)
        assert mine.word_ids(row) == theirs.word_ids(row), (text, text_pair, kwargs, row)
        assert mine.sequence_ids(row) == theirs.sequence_ids(row)
        for word in range(4):
            assert mine.word_to_tokens(row, word) == _span(theirs.word_to_tokens(row, word))
        for char in range(0, 12, 3):
            assert mine.char_to_token(row, char) == theirs.char_to_token(row, char)
        for token in range(len(mine.tokens(row))):
            assert mine.token_to_chars(row, token) == _span(theirs.token_to_chars(row, token))
    return mine


def _span(span):
    return None if span is None else tuple(span)


# ------------------------------------------------------------------------ hand-picked calls


@pytest.mark.parametrize("return_tensors", [None, "np"])
def test_single_text_all_outputs(pair, return_tensors):
    mine = compare(
        *pair,
        "Hello, world! naïve [MASK]x 北京",
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
        return_length=True,
        return_tensors=return_tensors,
    )
    if return_tensors is None:
        assert isinstance(mine["input_ids"][0], int)  # no batch dimension, as in v4
    else:
        assert mine["input_ids"].shape[0] == 1


def test_hard_cases_batch_padded_with_offsets(pair):
    compare(
        *pair,
        HARD_CASES,
        padding=True,
        truncation=True,
        max_length=48,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
        return_tensors="np",
    )


def test_pairs_as_list_of_tuples_equal_text_and_text_pair(pair):
    ours, ref = pair
    firsts, seconds = ["How old are you?", "a b"], ["I'm 6 years old", "c, d e"]
    mine = ours(list(zip(firsts, seconds)), padding=True)
    assert dict(mine) == dict(ref(firsts, seconds, padding=True))
    assert mine.sequence_ids(0) == ref(firsts, seconds, padding=True).sequence_ids(0)


def test_overflow_with_stride(pair):
    compare(
        *pair,
        ["Hello, world! one two three four five six", "a b c d e f"],
        ["x y", "z"],
        padding=True,
        truncation="only_first",
        max_length=9,
        return_overflowing_tokens=True,
        stride=2,
        return_offsets_mapping=True,
    )


def test_split_into_words_word_ids_for_label_alignment(pair):
    words = [["Hugging", "Face", "Inc.", "is", "in", "NYC"], ["naïve", "北京欢迎你"]]
    mine = compare(
        *pair, words, is_split_into_words=True, padding=True, return_offsets_mapping=True
    )
    assert set(mine.word_ids(0)) == {None, *range(6)}  # every input word, by its index


def test_max_length_without_truncation_truncates_as_v4(pair):
    compare(*pair, "some text that is a little longer", max_length=5)


def test_no_special_tokens(pair):
    compare(
        *pair,
        ["Hello world", "x"],
        ["a b", "c"],
        add_special_tokens=False,
        padding="max_length",
        max_length=10,
        truncation=True,
    )


# ------------------------------------------------------------------------ generated calls

texts = st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=10).map(" ".join)
word_lists = st.lists(
    st.sampled_from(WORDS) | st.text(min_size=1, max_size=5), min_size=0, max_size=6
)
options = st.fixed_dictionaries(
    {
        "padding": st.sampled_from([False, True, "longest", "max_length", "do_not_pad"]),
        "truncation": st.sampled_from(
            [None, False, True, "longest_first", "only_first", "only_second", "do_not_truncate"]
        ),
        "max_length": st.sampled_from([None, 4, 6, 9, 16]),
        "stride": st.sampled_from([0, 0, 1, 2]),
        "pad_to_multiple_of": st.sampled_from([None, None, 4]),
        "add_special_tokens": st.booleans(),
        "return_token_type_ids": st.sampled_from([None, True, False]),
        "return_attention_mask": st.sampled_from([None, True, False]),
        "return_special_tokens_mask": st.booleans(),
        "return_offsets_mapping": st.booleans(),
        "return_overflowing_tokens": st.booleans(),
        "return_length": st.booleans(),
        "padding_side": st.sampled_from(["right", "left"]),
        "return_tensors": st.sampled_from([None, "np"]),
    }
)


@st.composite
def calls(draw):
    split = draw(st.booleans())
    batched = draw(st.booleans())
    one = word_lists if split else texts
    size = draw(st.integers(1, 3))
    text = draw(st.lists(one, min_size=size, max_size=size)) if batched else draw(one)
    text_pair = None
    if draw(st.booleans()):
        text_pair = draw(st.lists(one, min_size=size, max_size=size)) if batched else draw(one)
    if split and not batched and not text:
        text = ["x"]  # an empty word list reads as an empty batch
    return text, text_pair, dict(draw(options), is_split_into_words=split)


@pytest.mark.slow
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(call=calls())
def test_generated_calls_equal_reference(pair, call):
    text, text_pair, kwargs = call
    compare(*pair, text, text_pair, **kwargs)


# ------------------------------------------------------------------------ tensors and models


def test_return_tensors_tf_int32(pair):
    ours, ref = pair
    mine = ours(["Hello world", "a"], padding=True, return_tensors="tf")
    theirs = ref(["Hello world", "a"], padding=True, return_tensors="np")
    for key in theirs:
        assert mine[key].dtype == tf.int32
        np.testing.assert_array_equal(mine[key].numpy(), theirs[key])


def test_ragged_rows_refuse_tensors_naming_padding(pair):
    with pytest.raises(ValueError, match="padding=True"):
        pair[0](["a", "b c d"], return_tensors="np")
    with pytest.raises(ValueError, match="return_tensors='pt'"):
        pair[0]("a", return_tensors="pt")


def test_batch_encoding_is_a_dict_with_attributes(pair):
    from tfbert import BatchEncoding

    enc = pair[0]("Hello")
    assert isinstance(enc, BatchEncoding) and isinstance(enc, dict)
    assert enc.input_ids == enc["input_ids"] == enc.data["input_ids"]
    with pytest.raises(AttributeError, match="nope"):
        _ = enc.nope
    assert enc.is_fast and enc.n_sequences == 1


def test_models_take_the_encoding_positionally_and_as_keywords(pair):
    import keras

    from tfbert import BertConfig, TFBertModel

    ours = pair[0]
    enc = ours(["Hello world", "a"], padding=True, return_tensors="tf")
    model = TFBertModel(
        BertConfig(
            vocab_size=len(ours),
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=32,
        )
    )
    by_position = model(enc).last_hidden_state
    by_keywords = model(**enc).last_hidden_state
    np.testing.assert_allclose(by_position.numpy(), by_keywords.numpy(), atol=1e-6)
    assert by_position.shape[:2] == enc["input_ids"].shape

    inputs = {
        k: keras.Input((None,), dtype="int32", name=k) for k in ("input_ids", "attention_mask")
    }
    embedded = keras.layers.Embedding(len(ours), 4)(inputs["input_ids"])
    mask = keras.ops.expand_dims(keras.ops.cast(inputs["attention_mask"], "float32"), -1)
    functional = keras.Model(inputs, keras.ops.sum(embedded * mask, axis=1))
    enc = ours(["Hello world", "a"], padding=True, return_tensors="np", return_token_type_ids=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no "structure doesn't match" warning either
        np.testing.assert_allclose(functional(enc), functional(dict(enc)))
    np.testing.assert_allclose(functional.predict(enc, verbose=0), functional(dict(enc)), atol=1e-6)


# ------------------------------------------------------------------------ the other methods


def test_vocabulary_and_special_tokens(pair):
    ours, ref = pair
    assert ours.vocab == ref.vocab and ours.get_vocab() == ref.get_vocab()
    assert (ours.vocab_size, len(ours), ours.model_max_length) == (
        ref.vocab_size,
        len(ref),
        ref.model_max_length,
    )
    assert ours.all_special_tokens == ref.all_special_tokens
    assert ours.all_special_ids == ref.all_special_ids
    for name in ("cls", "sep", "pad", "unk", "mask"):
        assert getattr(ours, f"{name}_token") == getattr(ref, f"{name}_token")
        assert getattr(ours, f"{name}_token_id") == getattr(ref, f"{name}_token_id")
    assert ours.is_fast and ours.padding_side == ref.padding_side
    for pair_ in (False, True):
        assert ours.num_special_tokens_to_add(pair_) == ref.num_special_tokens_to_add(pair_)
    assert ours.max_len_single_sentence == ref.max_len_single_sentence
    assert ours.max_len_sentences_pair == ref.max_len_sentences_pair
    assert ours.get_added_vocab() == ref.get_added_vocab()
    assert ours.special_tokens_map == ref.special_tokens_map
    assert ours.name_or_path == ref.name_or_path


@pytest.mark.parametrize("text", HARD_CASES[:12])
def test_encode_tokenize_decode(pair, text):
    ours, ref = pair
    assert ours.encode(text) == ref.encode(text)
    assert ours.encode(text, "a pair", add_special_tokens=False) == ref.encode(
        text, "a pair", add_special_tokens=False
    )
    assert ours.tokenize(text) == ref.tokenize(text)
    ids = ref.encode(text)
    for skip in (False, True):
        assert ours.decode(ids, skip_special_tokens=skip) == ref.decode(
            ids, skip_special_tokens=skip
        )
        assert ours.decode(np.array(ids), skip_special_tokens=skip) == ref.decode(
            ids, skip_special_tokens=skip
        )
    tokens = ref.convert_ids_to_tokens(ids)
    assert ours.convert_ids_to_tokens(ids) == tokens
    assert ours.convert_tokens_to_ids(tokens) == ref.convert_tokens_to_ids(tokens)
    assert ours.convert_tokens_to_string(tokens) == ref.convert_tokens_to_string(tokens)


def test_batch_decode_and_single_ids(pair):
    ours, ref = pair
    rows = ref(["Hello world!", "a"], padding=True)["input_ids"]
    assert ours.batch_decode(rows) == ref.batch_decode(rows)
    assert ours.batch_decode(tf.constant(rows), skip_special_tokens=True) == ref.batch_decode(
        rows, skip_special_tokens=True
    )
    assert ours.decode(7592) == ref.decode(7592)
    assert ours.convert_ids_to_tokens(7592) == ref.convert_ids_to_tokens(7592)
    assert ours.convert_tokens_to_ids("not-a-token") == ref.convert_tokens_to_ids("not-a-token")


@pytest.mark.parametrize(
    "padding, max_length, multiple, side",
    [
        (True, None, None, "right"),
        ("max_length", 12, None, "left"),
        (True, None, 8, "right"),
        (False, None, None, "right"),
    ],
)
def test_pad_as_collators_call_it(pair, padding, max_length, multiple, side):
    ours, ref = pair
    features = [
        dict(ref(t, return_special_tokens_mask=True)) for t in ("Hello world, again", "a", "b c")
    ]
    kwargs = dict(
        padding=padding, max_length=max_length, pad_to_multiple_of=multiple, padding_side=side
    )
    for tensors in (None, "np") if padding else (None,):
        mine = ours.pad(features, return_tensors=tensors, **kwargs)
        theirs = ref.pad(features, return_tensors=tensors, **kwargs)
        assert list(mine) == list(theirs)
        for key in theirs:
            assert _plain(mine[key]) == _plain(theirs[key]), key
    one = dict(ref("Hello world"))
    one.pop("attention_mask")
    assert dict(ours.pad(one, padding="max_length", max_length=6)) == dict(
        ref.pad(one, padding="max_length", max_length=6)
    )
    batch = ours(["a", "b c d"])
    assert _plain(ours.pad(batch, return_tensors="np")["input_ids"]) == _plain(
        ref.pad(ref(["a", "b c d"]), return_tensors="np")["input_ids"]
    )
    arrays = [{k: np.array(v) for k, v in f.items()} for f in features]
    mine, theirs = ours.pad(arrays), ref.pad(arrays)
    assert all(
        isinstance(mine[k], np.ndarray) and np.array_equal(mine[k], theirs[k]) for k in theirs
    )
    with pytest.raises(ValueError, match="input_ids"):
        ours.pad({"attention_mask": [1]})


def test_special_token_helpers(pair):
    ours, ref = pair
    first, second = "Hello world", "naïve!"
    a, b = ref.encode(first, add_special_tokens=False), ref.encode(second, add_special_tokens=False)
    for pair_ids, texts in (((a, b), (first, second)), ((a,), (first,))):
        full = ref(*texts, return_special_tokens_mask=True)
        assert ours.build_inputs_with_special_tokens(*pair_ids) == full["input_ids"]
        assert ours.create_token_type_ids_from_sequences(*pair_ids) == full["token_type_ids"]
        assert ours.get_special_tokens_mask(*pair_ids) == full["special_tokens_mask"]
    ids = ref.encode(first, second)
    assert ours.get_special_tokens_mask(
        ids, already_has_special_tokens=True
    ) == ref.get_special_tokens_mask(ids, already_has_special_tokens=True)


def test_add_tokens_then_encode(uncased_dir):
    from transformers import BertTokenizerFast as Reference

    from tfbert import BertTokenizerFast

    ours, ref = (
        BertTokenizerFast.from_pretrained(uncased_dir),
        Reference.from_pretrained(uncased_dir),
    )
    new = ["covid19", "hello", "naïveté"]
    assert ours.add_tokens(new) == ref.add_tokens(new)
    assert ours.add_tokens(["covid19"]) == ref.add_tokens(["covid19"]) == 0
    assert ours.add_special_tokens(
        {"additional_special_tokens": ["<ent>"]}
    ) == ref.add_special_tokens({"additional_special_tokens": ["<ent>"]})
    assert len(ours) == len(ref) and ours.vocab == ref.vocab
    assert ours.all_special_tokens == ref.all_special_tokens
    text = "covid19 is hellohello <ent>x naïveté!"
    compare(ours, ref, [text, "plain"], padding=True, return_offsets_mapping=True)
    ids = ref.encode(text)
    assert ours.decode(ids, skip_special_tokens=True) == ref.decode(ids, skip_special_tokens=True)


def test_save_pretrained_loads_identically_in_transformers(pair, tmp_path):
    from transformers import BertTokenizerFast as Reference

    from tfbert import BertTokenizerFast

    ours = pair[0]
    paths = ours.save_pretrained(str(tmp_path))
    assert isinstance(paths, tuple) and (tmp_path / "vocab.txt").is_file()
    assert (tmp_path / "vocab.txt").read_text(encoding="utf-8").splitlines() == ours.engine.vocab
    loaded = Reference.from_pretrained(str(tmp_path))
    compare(
        ours,
        loaded,
        HARD_CASES,
        padding=True,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
    )
    again = BertTokenizerFast.from_pretrained(str(tmp_path))
    assert again.vocab == ours.vocab and again.model_max_length == ours.model_max_length


def test_save_vocabulary(pair, tmp_path):
    ours, ref = pair
    (path,) = ours.save_vocabulary(str(tmp_path), filename_prefix="x")
    assert path == str(tmp_path / "x-vocab.txt")
    lines = (tmp_path / "x-vocab.txt").read_text(encoding="utf-8").splitlines()
    assert lines == [t for t, _ in sorted(ref.get_vocab().items(), key=lambda kv: kv[1])]


def test_constructor_from_vocab_file_and_slow_alias(pair, uncased_dir):
    import os

    from transformers import BertTokenizerFast as Reference

    from tfbert import BertTokenizer, BertTokenizerFast

    vocab = os.path.join(uncased_dir, "vocab.txt")
    ours, ref = BertTokenizerFast(vocab), Reference(vocab)
    compare(ours, ref, ["Hello World", "ÉCOLE"], padding=True)
    cased, ref_cased = (
        BertTokenizer(vocab, do_lower_case=False),
        Reference(vocab, do_lower_case=False),
    )
    compare(cased, ref_cased, "Hello World ÉCOLE")
    assert isinstance(cased, BertTokenizerFast)


def test_in_graph_tokenizer_from_python_tokenizers(pair):
    from tfbert import TFBertTokenizer

    ours, ref = pair
    texts = HARD_CASES[:8]
    expected = ref(texts, padding=True, return_tensors="np")["input_ids"]
    for source in (ours, ref):
        layer = TFBertTokenizer.from_tokenizer(source)
        np.testing.assert_array_equal(layer(texts)["input_ids"].numpy(), expected)
    with pytest.raises(TypeError, match="save_pretrained"):
        TFBertTokenizer.from_tokenizer(object())


def test_layer_public_surface(tok_uncased, ref_uncased):
    tok, ref = tok_uncased, ref_uncased
    assert tok.vocab_size == len(ref)
    assert tok.token_to_id("hello") == ref.convert_tokens_to_ids("hello")
    assert tok.token_to_id("not-a-token") is None
    assert tok.id_to_token(7592) == "hello"
    with pytest.raises(IndexError, match="out of range"):
        tok.id_to_token(len(ref))
    assert (
        tok.cls_token_id,
        tok.sep_token_id,
        tok.pad_token_id,
        tok.unk_token_id,
        tok.mask_token_id,
    ) == (ref.cls_token_id, ref.sep_token_id, ref.pad_token_id, ref.unk_token_id, ref.mask_token_id)
    assert (
        tok.all_special_tokens == ref.all_special_tokens
        and tok.all_special_ids == ref.all_special_ids
    )
    pieces = tok.encode_pieces(["Hello, naïve world!"])
    expected = ref("Hello, naïve world!", add_special_tokens=False, return_offsets_mapping=True)
    assert pieces.ids.to_list() == [expected["input_ids"]]
    assert (
        list(zip(pieces.starts[0].numpy().tolist(), pieces.ends[0].numpy().tolist()))
        == expected["offset_mapping"]
    )


def test_batch_encoding_in_tf_data_and_pickle(pair):
    import pickle

    enc = pair[0](["Hello world", "a"], padding=True, return_tensors="np")
    dataset = tf.data.Dataset.from_tensor_slices((enc, np.array([0, 1]))).batch(2)
    features, labels = next(iter(dataset))
    np.testing.assert_array_equal(features["input_ids"].numpy(), enc["input_ids"])
    again = pickle.loads(pickle.dumps(enc))
    assert again.word_ids(1) == enc.word_ids(1) and np.array_equal(again.input_ids, enc.input_ids)


def test_sides_and_model_max_length_set_on_the_tokenizer(pair):
    ours, ref = pair
    texts = ["one two three four five six seven", "a"]
    try:
        for tok in pair:
            tok.truncation_side, tok.padding_side, tok.model_max_length = "left", "left", 6
        compare(ours, ref, texts, padding=True, truncation=True, return_offsets_mapping=True)
        compare(
            ours, ref, texts, padding="max_length", return_overflowing_tokens=True, truncation=True
        )
    finally:
        for tok in pair:
            tok.truncation_side, tok.padding_side, tok.model_max_length = "right", "right", 512


def test_constructor_adds_missing_special_tokens(uncased_dir):
    import os

    from transformers import BertTokenizerFast as Reference

    from tfbert import BertTokenizerFast

    vocab = os.path.join(uncased_dir, "vocab.txt")
    kwargs = dict(additional_special_tokens=["<ent>"])
    ours, ref = BertTokenizerFast(vocab, **kwargs), Reference(vocab, **kwargs)
    assert len(ours) == len(ref) and ours.vocab == ref.vocab
    assert ours.all_special_ids == ref.all_special_ids
    compare(ours, ref, ["an <ent>x here", "no"], padding=True, return_special_tokens_mask=True)
