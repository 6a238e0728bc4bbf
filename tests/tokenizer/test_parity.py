"""Token-for-token parity with transformers' BertTokenizerFast on real and hard text."""

import pytest

from tests.tokenizer.conftest import assert_same, assert_same_or_both_refuse, reference, to_lists

ALL_OUTPUTS = dict(return_special_tokens_mask=True, return_offsets_mapping=True)


def test_corpus_uncased_ragged(tok_uncased, ref_uncased, corpus):
    assert_same(tok_uncased, ref_uncased, corpus, padding=False, truncation=False, **ALL_OUTPUTS)


def test_hard_cases_uncased(tok_uncased, ref_uncased, hard_cases):
    assert_same(
        tok_uncased, ref_uncased, hard_cases, padding=False, truncation=False, **ALL_OUTPUTS
    )


def test_fill_mask_example_keeps_mask_whole(tok_uncased, ref_uncased):
    text = "Plants create [MASK] through a process known as photosynthesis."
    ids = tok_uncased(text)["input_ids"].numpy().tolist()[0]
    assert ids.count(ref_uncased.mask_token_id) == 1
    assert ids == ref_uncased(text)["input_ids"]


def test_padded_batch_with_truncation(tok_uncased, ref_uncased, corpus):
    batch = corpus[:64]
    assert_same(
        tok_uncased,
        ref_uncased,
        batch,
        padding="longest",
        truncation=True,
        max_length=64,
        **ALL_OUTPUTS,
    )


@pytest.mark.parametrize("pad_to_multiple_of", [None, 8])
def test_padding_max_length(tok_uncased, ref_uncased, hard_cases, pad_to_multiple_of):
    assert_same(
        tok_uncased,
        ref_uncased,
        hard_cases,
        padding="max_length",
        truncation=True,
        max_length=32,
        pad_to_multiple_of=pad_to_multiple_of,
        **ALL_OUTPUTS,
    )


def test_padding_multiple_must_divide_max_length_like_the_reference(tok_uncased, ref_uncased):
    kwargs = dict(padding="max_length", truncation=True, max_length=30, pad_to_multiple_of=8)
    with pytest.raises(ValueError, match="multiple"):
        ref_uncased("a", **kwargs)
    with pytest.raises(ValueError, match="max_length=30 is not a multiple of pad_to_multiple_of=8"):
        tok_uncased("a", **kwargs)


PAIRS = (
    ["What is a list?", "short", "a b c d e f g h i j", "", "[MASK] here", "x y"],
    [
        "A list is a mutable sequence of items.",
        "a b c d e f g h i j k l m n",
        "one two",
        "",
        "q",
        "naïve 北京 ok",
    ],
)


@pytest.mark.parametrize("truncation", [True, "longest_first", "only_second", False])
@pytest.mark.parametrize("max_length", [8, 13])
def test_pairs_truncation_strategies(tok_uncased, ref_uncased, truncation, max_length):
    kwargs = dict(padding="longest", truncation=truncation, max_length=max_length, **ALL_OUTPUTS)
    assert_same_or_both_refuse(tok_uncased, ref_uncased, *PAIRS, **kwargs)


def test_only_first(tok_uncased, ref_uncased):
    first = ["a b c d e f g h i j k l", "long " * 20]
    second = ["x", "y z"]
    assert_same(
        tok_uncased,
        ref_uncased,
        first,
        second,
        truncation="only_first",
        max_length=9,
        **ALL_OUTPUTS,
    )


@pytest.mark.parametrize(
    "truncation, max_length, stride",
    [
        ("longest_first", 9, 1),
        ("longest_first", 3, 0),
        ("only_second", 12, 3),
        ("only_first", 9, 2),
        (True, 6, 2),
    ],
)
def test_overflow_windows(tok_uncased, ref_uncased, truncation, max_length, stride):
    first = ["a b c d e f g h", "What is a list?", "short", "a b c d e f g h i j k", "w " * 12, "q"]
    second = [
        "x y z w v u",
        "A list is a mutable sequence of items, written in brackets.",
        "s t u v w x y z",
        "o n e",
        "t w o",
        "p a i r s t u v w x y z",
    ]
    if max_length == 6:
        second = None
    assert_same_or_both_refuse(
        tok_uncased,
        ref_uncased,
        first,
        second,
        padding=False,
        truncation=truncation,
        max_length=max_length,
        stride=stride,
        return_overflowing_tokens=True,
        **ALL_OUTPUTS,
    )


def test_overflow_on_corpus_for_question_answering(tok_uncased, ref_uncased, corpus):
    contexts = [p for p in corpus if len(p) > 1500][:20]
    questions = ["How does this work, and what does it return?"] * len(contexts)
    assert_same(
        tok_uncased,
        ref_uncased,
        questions,
        contexts,
        padding="max_length",
        truncation="only_second",
        max_length=128,
        stride=32,
        return_overflowing_tokens=True,
        **ALL_OUTPUTS,
    )


@pytest.fixture(scope="module")
def left_tokenizers(uncased_dir):
    """(TFBertTokenizer, BertTokenizerFast) that pad and truncate on the left."""
    from transformers import BertTokenizerFast

    from tfbert import TFBertTokenizer

    sides = dict(padding_side="left", truncation_side="left")
    return TFBertTokenizer.from_pretrained(uncased_dir, **sides), BertTokenizerFast.from_pretrained(
        uncased_dir, **sides
    )


@pytest.mark.parametrize("padding", ["longest", "max_length"])
@pytest.mark.parametrize("truncation", [True, "only_first", "only_second"])
def test_left_padding_and_truncation_with_pairs(left_tokenizers, padding, truncation):
    tok, ref = left_tokenizers
    kwargs = dict(
        padding=padding, truncation=truncation, max_length=10, pad_to_multiple_of=5, **ALL_OUTPUTS
    )
    assert_same_or_both_refuse(tok, ref, *PAIRS, **kwargs)
    assert_same(tok, ref, PAIRS[0], padding=padding, truncation=True, max_length=7, **ALL_OUTPUTS)


@pytest.mark.parametrize(
    "truncation, max_length, stride",
    [("longest_first", 9, 1), ("only_second", 12, 3), (True, 6, 2)],
)
@pytest.mark.parametrize("padding", [False, "longest"])
def test_left_truncation_overflow_windows(left_tokenizers, truncation, max_length, stride, padding):
    tok, ref = left_tokenizers
    first = ["a b c d e f g h", "What is a list?", "short", "a b c d e f g h i j k", "w " * 12, "q"]
    second = [
        "x y z w v u",
        "A list is a mutable sequence of items, written in brackets.",
        "s t u v w x y z",
        "o n e",
        "t w o",
        "p a i r s t u v w x y z",
    ]
    assert_same_or_both_refuse(
        tok,
        ref,
        first,
        None if max_length == 6 else second,
        padding=padding,
        truncation=truncation,
        max_length=max_length,
        stride=stride,
        return_overflowing_tokens=True,
        **ALL_OUTPUTS,
    )


def test_sides_as_call_arguments(tok_uncased, left_tokenizers, corpus):
    _, ref = left_tokenizers
    kwargs = dict(padding="longest", truncation=True, max_length=24, **ALL_OUTPUTS)
    ours = to_lists(tok_uncased(corpus[:20], padding_side="left", truncation_side="left", **kwargs))
    assert ours == reference(ref, corpus[:20], **kwargs)


def test_bad_side_is_a_clear_error(tok_uncased):
    with pytest.raises(ValueError, match="padding_side='up' is not one of \\['right', 'left'\\]"):
        tok_uncased("a", padding_side="up")
