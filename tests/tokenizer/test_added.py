"""Added tokens as BertTokenizerFast matches them: several words, raw or normalised text,
lstrip / rstrip / single_word, special or not; single texts, pairs, overflow, both sides."""

import json

import pytest

from tests.tokenizer.conftest import assert_same, assert_same_or_both_refuse

ALL_OUTPUTS = dict(return_special_tokens_mask=True, return_offsets_mapping=True)


def _tokens():
    from tokenizers import AddedToken

    plain = [
        "foo.bar",
        "New York",
        "York City",
        "<unused-x>",
        "北京",
        "naïve café",
        "ab",
        "abc",
        "x-ray",
        AddedToken("zz", lstrip=True, rstrip=True),
        AddedToken("ww", single_word=True),
        AddedToken("q_q", single_word=True, lstrip=True),
        AddedToken("Raw Tok", normalized=False),
        AddedToken("raw.", normalized=False, single_word=True, rstrip=True),
        AddedToken("Ĳ ǅ", normalized=False, lstrip=True),
    ]
    special = [
        AddedToken("<s x>", lstrip=True, special=True),
        AddedToken("[E1]", rstrip=True, special=True),
        AddedToken("<ent>", single_word=True, special=True),
        AddedToken("<Norm Sp>", normalized=True, special=True),
    ]
    return plain, special


TEXTS = [
    "I moved to New York City from new york city. NEW\tYORK\u3000CITY! NewYork New  York",
    "foo.bar foo.barx xfoo.bar foo . bar foo.bar.foo.bar FOO.BAR",
    "<unused-x><unused-x>New York<unused-x> <UNUSED-X>",
    "北京欢迎你 在北京 北 京 北京北京",
    "ww www xww ww. (ww) ww_ ww\u0301 _ww ww",
    "  zz  zz\tzz\u2000zz\u3000 x zzz zz\n",
    "Raw Tok raw tok RAW TOK Raw Tokx xRaw Tok",
    "raw. raw.x raw.   raw.\t\nend raw.raw.",
    "q_q  q_q x q_qx  q_q",
    "<s x>   <s x><s x> a<s x>",
    "[E1]   [E1]\t[E1]x",
    "<ent> x<ent> <ent>x <ent>. <ent><ent>",
    "<norm sp> <NORM SP> <Norm Sp>",
    "naïve café NAÏVE CAFÉ naive cafe naïve  café",
    "ab abc abcd xabcx ababab x-rays X-RAY",
    "[MASK]New York[SEP]foo.bar[CLS] [mask]",
    "Ĳ ǅ  Ĳ ǅ Ĳǅ ĳ ǆ",
    "",
    "zz",
    "New York",
    "   ",
]


def _pair(base_dir, tmp_path, name, **kwargs):
    """BertTokenizerFast with the added tokens, and TFBertTokenizer loaded from its save."""
    from transformers import BertTokenizerFast

    from tfbert import TFBertTokenizer

    ref = BertTokenizerFast.from_pretrained(base_dir, **kwargs)
    plain, special = _tokens()
    ref.add_tokens(plain)
    ref.add_special_tokens({"additional_special_tokens": special})
    directory = str(tmp_path / name)
    ref.save_pretrained(directory)
    return TFBertTokenizer.from_pretrained(directory), ref


@pytest.fixture(scope="module", params=["uncased", "cased"])
def added(request, tmp_path_factory):
    base = request.getfixturevalue(f"{request.param}_dir")
    return _pair(base, tmp_path_factory.mktemp("added"), request.param)


def test_added_tokens_match_reference(added, corpus, hard_cases):
    tok, ref = added
    texts = TEXTS + hard_cases + corpus[:40] + [" ".join(TEXTS)]
    assert_same(tok, ref, texts, padding=False, truncation=False, **ALL_OUTPUTS)


def test_added_tokens_in_every_route(added):
    """Each text alone (its own batch), so routes taken by one text are not hidden by others."""
    tok, ref = added
    for text in TEXTS:
        assert_same(tok, ref, [text], padding=False, truncation=False, **ALL_OUTPUTS)
    assert_same(tok, ref, ["", ""], padding=False, truncation=False, **ALL_OUTPUTS)
    assert tok([], padding=False, return_offsets_mapping=True)["offset_mapping"].shape[0] == 0


@pytest.mark.parametrize("truncation", [True, "only_first", "only_second"])
def test_added_tokens_in_pairs_with_truncation(added, truncation):
    tok, ref = added
    kwargs = dict(padding="longest", truncation=truncation, max_length=14, **ALL_OUTPUTS)
    assert_same_or_both_refuse(tok, ref, TEXTS, TEXTS[::-1], **kwargs)


@pytest.mark.parametrize("max_length, stride", [(9, 2), (16, 4)])
def test_added_tokens_with_overflow(added, max_length, stride):
    tok, ref = added
    kwargs = dict(
        padding=False,
        truncation="longest_first",
        max_length=max_length,
        stride=stride,
        return_overflowing_tokens=True,
        **ALL_OUTPUTS,
    )
    assert_same_or_both_refuse(tok, ref, TEXTS, TEXTS[::-1], min_accepted=5, **kwargs)


def test_added_tokens_with_left_padding_and_truncation(uncased_dir, tmp_path):
    tok, ref = _pair(uncased_dir, tmp_path, "left", padding_side="left", truncation_side="left")
    assert (ref.padding_side, ref.truncation_side) == ("left", "left")
    assert_same(
        tok, ref, TEXTS, padding="max_length", truncation=True, max_length=12, **ALL_OUTPUTS
    )
    kwargs = dict(
        padding="longest",
        truncation="only_second",
        max_length=16,
        stride=3,
        return_overflowing_tokens=True,
        **ALL_OUTPUTS,
    )
    assert_same_or_both_refuse(tok, ref, TEXTS, TEXTS[::-1], min_accepted=5, **kwargs)


@pytest.mark.parametrize("skip_special_tokens", [False, True])
def test_decode_added_tokens(added, skip_special_tokens):
    tok, ref = added
    rows = ref(TEXTS)["input_ids"]
    ours = [
        t.decode()
        for t in tok.batch_decode(rows, skip_special_tokens=skip_special_tokens).numpy().tolist()
    ]
    assert ours == ref.batch_decode(rows, skip_special_tokens=skip_special_tokens)


def test_save_pretrained_writes_added_tokens_transformers_and_tokenizers_load(
    added, tmp_path, corpus
):
    from tokenizers import Tokenizer
    from transformers import BertTokenizerFast

    tok, ref = added
    tok.save_pretrained(str(tmp_path / "saved"))
    again = BertTokenizerFast.from_pretrained(str(tmp_path / "saved"))
    assert again.added_tokens_decoder == ref.added_tokens_decoder
    assert_same(tok, again, TEXTS + corpus[:20], padding=False, truncation=False, **ALL_OUTPUTS)
    raw = Tokenizer.from_file(str(tmp_path / "saved" / "tokenizer.json"))
    assert [e.ids for e in raw.encode_batch(TEXTS)] == ref(TEXTS)["input_ids"]
    # tokenizer.json alone, and tokenizer_config.json's added_tokens_decoder alone, carry them too.
    from tfbert import TFBertTokenizer

    (tmp_path / "saved" / "vocab.txt").unlink()
    drop_name = lambda c: {k: v for k, v in c.items() if k != "name"}
    assert drop_name(
        TFBertTokenizer.from_pretrained(str(tmp_path / "saved")).get_config()
    ) == drop_name(tok.get_config())
    spec = json.loads((tmp_path / "saved" / "tokenizer.json").read_text())
    tok.save_pretrained(str(tmp_path / "config_only"))
    (tmp_path / "config_only" / "tokenizer.json").unlink()
    from_config = TFBertTokenizer.from_pretrained(str(tmp_path / "config_only"))
    assert_same(from_config, ref, TEXTS, padding=False, truncation=False, **ALL_OUTPUTS)
    assert spec["added_tokens"] == [
        dict(id=int(i), **t)
        for i, t in sorted(
            json.loads((tmp_path / "config_only" / "tokenizer_config.json").read_text())[
                "added_tokens_decoder"
            ].items(),
            key=lambda kv: int(kv[0]),
        )
    ]


def test_constructor_takes_added_token_dicts(uncased_dir, tmp_path):
    from tokenizers import AddedToken
    from transformers import BertTokenizerFast

    from tfbert import TFBertTokenizer

    ref = BertTokenizerFast.from_pretrained(uncased_dir)
    ref.add_tokens(["New York", AddedToken("zz", lstrip=True, single_word=True)])
    ref.add_special_tokens(
        {"additional_special_tokens": [AddedToken("<ent>", rstrip=True, special=True)]}
    )
    ref.add_special_tokens({"mask_token": AddedToken("[MASK]", lstrip=True, special=True)})
    vocab = [t for t, _ in sorted(ref.get_vocab().items(), key=lambda kv: kv[1])]
    tok = TFBertTokenizer(
        vocab,
        extra_special_tokens=[
            {"content": "<ent>", "rstrip": True},
            {"content": "[MASK]", "lstrip": True},
        ],
        added_tokens=["New York", {"content": "zz", "lstrip": True, "single_word": True}],
    )
    texts = ["a [MASK] b  [MASK]<ent>  new york zz xzz  zz.", "  [MASK]"]
    assert_same(tok, ref, texts, padding=False, truncation=False, **ALL_OUTPUTS)
    tok.save_pretrained(str(tmp_path / "saved"))
    assert (
        BertTokenizerFast.from_pretrained(str(tmp_path / "saved")).added_tokens_decoder
        == ref.added_tokens_decoder
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            dict(added_tokens=[{"content": "ab", "strip": True}]),
            "added_tokens item .* has unknown fields \\['strip'\\]; "
            "expected some of \\['content', 'normalized', ",
        ),
        (
            dict(added_tokens=[3]),
            "added_tokens item 3 is not a string or a dict with a 'content' string",
        ),
        (
            dict(extra_special_tokens=[{"lstrip": True}]),
            "extra_special_tokens item .* is not a string or a dict",
        ),
        (
            dict(added_tokens=["not-there"]),
            "added_tokens 'not-there' is not in the vocabulary \\(7 tokens\\)",
        ),
    ],
)
def test_bad_added_tokens_are_clear_errors(kwargs, match):
    from tfbert import TFBertTokenizer

    with pytest.raises(ValueError, match=match):
        TFBertTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "ab"], **kwargs)


def test_added_tokens_json_and_vocab_txt(uncased_dir, tmp_path):
    """The older layout: vocab.txt, added_tokens.json (content -> id) and special tokens by name."""
    import shutil

    from transformers import BertTokenizerFast

    from tfbert import TFBertTokenizer

    shutil.copy(f"{uncased_dir}/vocab.txt", tmp_path / "vocab.txt")
    (tmp_path / "added_tokens.json").write_text(
        json.dumps({"New York": 30522, "foo.bar": 30523, "<ent>": 30524})
    )
    (tmp_path / "tokenizer_config.json").write_text(
        json.dumps({"additional_special_tokens": ["<ent>"]})
    )
    tok, ref = (
        TFBertTokenizer.from_pretrained(str(tmp_path)),
        BertTokenizerFast.from_pretrained(str(tmp_path)),
    )
    assert ref.added_tokens_decoder[30522].content == "New York"
    texts = ["I love NEW YORK, foo.bar<ent>x <ent> new york."] + TEXTS
    assert_same(tok, ref, texts, padding=False, truncation=False, **ALL_OUTPUTS)
    rows = ref(texts)["input_ids"]
    ours = [t.decode() for t in tok.batch_decode(rows, skip_special_tokens=True).numpy().tolist()]
    assert ours == ref.batch_decode(rows, skip_special_tokens=True)


def test_stripping_beside_dropped_matches_and_into_the_next_token(uncased_dir, tmp_path):
    """A match single_word drops stays text, whitespace and all, for the next match to strip;
    rstrip also covers the whitespace a next token starts with (their offsets overlap)."""
    from tokenizers import AddedToken
    from transformers import BertTokenizerFast

    from tfbert import TFBertTokenizer

    ref = BertTokenizerFast.from_pretrained(uncased_dir)
    ref.add_tokens(
        [
            AddedToken("new york", lstrip=True, rstrip=True, single_word=True, special=True),
            AddedToken("北", single_word=True),
            AddedToken("yy", lstrip=True),
            AddedToken("[r]", normalized=False, rstrip=True, single_word=True),
            AddedToken("[l]", normalized=False, lstrip=True),
            AddedToken("zz", rstrip=True),
            "京都",
            AddedToken(" [s]", normalized=False),
        ]
    )
    ref.save_pretrained(str(tmp_path / "saved"))
    tok = TFBertTokenizer.from_pretrained(str(tmp_path / "saved"))
    texts = [
        "¦rnew york\tnew york, x",
        "x北  yy",
        "a 北 yy 北yy",
        "x[r]  [l] [r]\t[l]",
        "[r]  [r][l]",
        "new york  new york",
        "zz京都 zz 京都x zz\t\u3000京都",
        "[r] [s] [r]  [s][r]\t [s]x",
    ]
    assert_same(tok, ref, texts, padding=False, truncation=False, **ALL_OUTPUTS)


def test_split_special_tokens(uncased_dir, tmp_path):
    """split_special_tokens=True: special tokens written in the text are text."""
    from transformers import BertTokenizerFast

    tok, ref = _pair(uncased_dir, tmp_path, "split", split_special_tokens=True)
    assert tok.options["split_special_tokens"] is True
    texts = TEXTS + ["[CLS] a [MASK] b[SEP]", "[UNK]"]
    assert_same(tok, ref, texts, padding=False, truncation=False, **ALL_OUTPUTS)
    tok.save_pretrained(str(tmp_path / "saved"))
    again = BertTokenizerFast.from_pretrained(str(tmp_path / "saved"))
    assert again(texts)["input_ids"] == ref(texts)["input_ids"]
