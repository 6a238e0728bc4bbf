"""Every code point, and random unicode, against BertTokenizerFast."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.tokenizer.conftest import assert_same, assert_same_or_both_refuse


def test_shipped_table_is_what_tokenizers_does():
    from tfbert.tokenizer import _unicode_data, _unicode_gen

    assert _unicode_gen.decode(_unicode_data.BLOB) == _unicode_gen.measure()


def _every_code_point(per_text=2000):
    points = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    # Each code point inside a word, so joining, splitting and removal all show.
    words = ["x" + chr(c) + "y" for c in points]
    return [" ".join(words[i : i + per_text]) for i in range(0, len(words), per_text)]


@pytest.mark.slow
@pytest.mark.parametrize("vocab", ["uncased", "cased"])
def test_every_code_point(request, vocab):
    from transformers import BertTokenizerFast

    from tfbert import TFBertTokenizer

    directory = request.getfixturevalue(f"{vocab}_dir")
    options = {"uncased": {}, "cased": dict(strip_accents=True, tokenize_chinese_chars=False)}[
        vocab
    ]
    tok = TFBertTokenizer.from_pretrained(directory, **options)
    ref = BertTokenizerFast.from_pretrained(directory, **options)
    assert_same(
        tok, ref, _every_code_point(), padding=False, truncation=False, return_offsets_mapping=True
    )


PIECES = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
    st.text(st.characters(max_codepoint=0x2FFF, exclude_categories=("Cs",)), max_size=12),
    st.sampled_from(
        [
            "[MASK]",
            "[SEP]",
            "[CLS]",
            "[PAD]",
            "[UNK]",
            "[mask]",
            "##",
            " ",
            "\t",
            "é",
            "北京",
            "…",
            "I'm",
        ]
    ),
    st.text("abcXYZ .,!?'-", max_size=8),
)
TEXTS = st.lists(st.lists(PIECES, max_size=10).map("".join), min_size=1, max_size=16)


@settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
@given(texts=TEXTS, kind=st.sampled_from(["uncased", "cased", "added"]))
def test_random_unicode(tok_uncased, ref_uncased, cased_tokenizers, added_tokenizers, texts, kind):
    tok, ref = {
        "uncased": (tok_uncased, ref_uncased),
        "cased": cased_tokenizers,
        "added": added_tokenizers,
    }[kind]
    assert_same(
        tok,
        ref,
        texts,
        padding=False,
        truncation=False,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
    )


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(texts=TEXTS, max_length=st.sampled_from([8, 32]), stride=st.sampled_from([0, 2]))
def test_random_pairs_with_overflow(tok_uncased, ref_uncased, texts, max_length, stride):
    pairs = texts[::-1]
    assert_same_or_both_refuse(  # a stride too long for a truncated length makes tokenizers panic
        tok_uncased,
        ref_uncased,
        texts,
        pairs,
        min_accepted=0,
        padding="longest",
        truncation="longest_first",
        max_length=max_length,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
    )


CONTENTS = st.one_of(
    st.sampled_from(
        [
            "new york",
            "foo.bar",
            "北京",
            "ab",
            "abc",
            "<t x>",
            "x-ray",
            "ww",
            "é",
            "[X]",
            "q_q",
            "Ab",
            "b.",
            "Café au lait",
            "ＡＢ",
            "İ",
            "a\tb",
            "[MASK]x",
        ]
    ),
    st.text(
        st.characters(max_codepoint=0x2FFF, exclude_categories=("Cs", "Cc")), min_size=1, max_size=4
    ),
    st.text("abXY .-_é", min_size=1, max_size=5),
)
ADDED_TOKEN = st.fixed_dictionaries(
    {
        "content": CONTENTS,
        "special": st.booleans(),
        "normalized": st.booleans(),
        "lstrip": st.booleans(),
        "rstrip": st.booleans(),
        "single_word": st.booleans(),
    }
)


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    data=st.data(), vocab=st.sampled_from(["uncased", "cased"]), split_special_tokens=st.booleans()
)
@pytest.mark.slow
def test_random_added_tokens(request, tmp_path_factory, data, vocab, split_special_tokens):
    """Random added tokens (any flags, special or not, raw or normalised) in random text."""
    from tokenizers import AddedToken
    from transformers import BertTokenizerFast

    from tfbert import TFBertTokenizer

    directory = request.getfixturevalue(f"{vocab}_dir")
    ref = BertTokenizerFast.from_pretrained(directory, split_special_tokens=split_special_tokens)
    tokens = data.draw(
        st.lists(ADDED_TOKEN, min_size=1, max_size=5, unique_by=lambda t: t["content"])
    )
    tokens = [t for t in tokens if t["content"].strip()]
    if not tokens:
        return
    ref.add_tokens([AddedToken(**t) for t in tokens])
    saved = str(tmp_path_factory.mktemp("random_added"))
    ref.save_pretrained(saved)
    tok = TFBertTokenizer.from_pretrained(saved)
    contents = [t["content"] for t in tokens]
    variants = st.sampled_from(contents).flatmap(
        lambda c: st.sampled_from(
            [c, c.upper(), c.lower(), " " + c + " ", "\t" + c, c + "\u3000", "x" + c + "_"]
        )
    )
    pieces = st.one_of(
        PIECES, variants, st.sampled_from([" ", "  ", "\t", "\u3000", "x", "_", ".", "北"])
    )
    texts = data.draw(st.lists(st.lists(pieces, max_size=8).map("".join), min_size=1, max_size=8))
    assert_same(
        tok,
        ref,
        texts,
        padding=False,
        truncation=False,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
    )
    pairs = texts[::-1]
    assert_same_or_both_refuse(
        tok,
        ref,
        texts,
        pairs,
        min_accepted=0,
        padding="longest",
        truncation="longest_first",
        max_length=12,
        stride=2,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
    )


@pytest.mark.slow
def test_shipped_match_classes_are_what_tokenizers_does():
    from tfbert.tokenizer import _match_data, _match_gen

    assert _match_gen.measure() == {
        "word": list(_match_data.WORD),
        "space": list(_match_data.SPACE),
    }
