"""Normaliser options, cased and uncased vocabularies, against BertTokenizerFast."""

import pytest

from tests.tokenizer.conftest import assert_same

OPTIONS = [
    dict(do_lower_case=False),
    dict(do_lower_case=False, strip_accents=True),
    dict(do_lower_case=False, strip_accents=False, tokenize_chinese_chars=False),
    dict(do_lower_case=True, strip_accents=False),
    dict(do_lower_case=True, tokenize_chinese_chars=False),
]


@pytest.fixture(scope="module")
def texts(corpus, hard_cases):
    """Hard cases, every non-ASCII paragraph, and a slice of plain ones."""
    return hard_cases + [p for p in corpus if not p.isascii()] + corpus[:150]


@pytest.mark.parametrize("vocab", ["cased", "uncased"])
@pytest.mark.parametrize(
    "options", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items())
)
@pytest.mark.slow
def test_options_match_reference(request, texts, vocab, options):
    from transformers import BertTokenizerFast

    from tfbert import TFBertTokenizer

    directory = request.getfixturevalue(f"{vocab}_dir")
    tok = TFBertTokenizer.from_pretrained(directory, **options)
    ref = BertTokenizerFast.from_pretrained(directory, **options)
    assert_same(
        tok,
        ref,
        texts,
        padding=False,
        truncation=False,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
    )


def test_cased_default_keeps_case(cased_dir, corpus):
    from transformers import BertTokenizerFast

    from tfbert import TFBertTokenizer

    tok, ref = (
        TFBertTokenizer.from_pretrained(cased_dir),
        BertTokenizerFast.from_pretrained(cased_dir),
    )
    assert tok.options["do_lower_case"] is False
    assert_same(
        tok,
        ref,
        corpus,
        padding="longest",
        truncation=True,
        max_length=256,
        return_offsets_mapping=True,
    )
