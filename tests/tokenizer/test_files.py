"""from_pretrained / save_pretrained: vocab.txt or tokenizer.json alone, hub cache, round trips."""

import json
import shutil

import pytest

from tests.tokenizer.conftest import assert_same

TEXTS = [
    "Plants create [MASK] through a process known as photosynthesis.",
    "naïve CAFÉ 北京 <ent>x</ent> [SEP] done",
    "Hello, World! It's 3.14 — ok…",
]


def _copy(src, dst, names):
    dst.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(f"{src}/{name}", dst / name)
    return str(dst)


def _both(directory, **kwargs):
    from transformers import BertTokenizerFast

    from tfbert import TFBertTokenizer

    return TFBertTokenizer.from_pretrained(directory, **kwargs), BertTokenizerFast.from_pretrained(
        directory, **kwargs
    )


@pytest.mark.parametrize(
    "names",
    [
        ["vocab.txt"],
        ["tokenizer.json"],
        ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json"],
    ],
    ids=["vocab_txt_only", "tokenizer_json_only", "vocab_and_configs"],
)
@pytest.mark.slow
def test_from_pretrained_file_sets(uncased_dir, tmp_path, names):
    tok, ref = _both(_copy(uncased_dir, tmp_path / "m", names))
    assert_same(tok, ref, TEXTS, padding="longest", truncation=True, return_offsets_mapping=True)


def test_from_pretrained_reads_settings(uncased_dir):
    tok, _ = _both(uncased_dir)
    assert tok.options["do_lower_case"] is True
    assert tok.options["model_max_length"] == 512
    assert tok.special_tokens["mask_token"] == "[MASK]"


@pytest.mark.slow
def test_from_pretrained_through_local_hub_cache(uncased_dir, tmp_path):
    sha = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--someone--tiny-bert"
    _copy(uncased_dir, repo / "snapshots" / sha, ["vocab.txt", "tokenizer_config.json"])
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(sha)
    tok, ref = _both("someone/tiny-bert", cache_dir=str(tmp_path / "hub"))
    assert_same(tok, ref, TEXTS, padding="longest", truncation=True)


def test_missing_vocabulary_is_a_clear_error(tmp_path):
    from tfbert import TFBertTokenizer

    (tmp_path / "tokenizer_config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="neither vocab.txt nor tokenizer.json"):
        TFBertTokenizer.from_pretrained(str(tmp_path))


def test_save_pretrained_loads_back_in_transformers(cased_dir, corpus, tmp_path):
    from transformers import BertTokenizerFast

    from tfbert import TFBertTokenizer

    tok = TFBertTokenizer.from_pretrained(
        cased_dir,
        strip_accents=True,
        tokenize_chinese_chars=False,
        model_max_length=64,
        extra_special_tokens=["[MASK]"],
    )
    tok.save_pretrained(str(tmp_path / "saved"))
    ref = BertTokenizerFast.from_pretrained(str(tmp_path / "saved"))
    assert ref.model_max_length == 64
    assert_same(
        tok,
        ref,
        TEXTS + corpus[:100],
        padding="longest",
        truncation=True,
        return_offsets_mapping=True,
    )
    from tokenizers import Tokenizer

    raw = Tokenizer.from_file(str(tmp_path / "saved" / "tokenizer.json"))
    texts = TEXTS + corpus[:100]
    ours = tok(texts, padding=False, truncation=False, return_offsets_mapping=True)
    assert ours["input_ids"].to_list() == [e.ids for e in raw.encode_batch(texts)]
    assert ours["offset_mapping"].to_list() == [
        [list(o) for o in e.offsets] for e in raw.encode_batch(texts)
    ]
    again = TFBertTokenizer.from_pretrained(str(tmp_path / "saved"))
    drop_name = lambda c: {k: v for k, v in c.items() if k != "name"}
    assert drop_name(again.get_config()) == drop_name(tok.get_config())


def test_added_special_tokens_from_transformers(uncased_dir, tmp_path):
    from transformers import BertTokenizerFast

    from tfbert import TFBertTokenizer

    ref = BertTokenizerFast.from_pretrained(uncased_dir)
    ref.add_special_tokens({"additional_special_tokens": ["<ent>", "</ent>"]})
    ref.save_pretrained(str(tmp_path / "added"))
    tok = TFBertTokenizer.from_pretrained(str(tmp_path / "added"))
    assert tok.extra_special_tokens == ["<ent>", "</ent>"]
    assert_same(
        tok,
        ref,
        TEXTS,
        padding=False,
        truncation=False,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
    )
    ids = ref(TEXTS[1])["input_ids"]
    for skip in (False, True):
        assert tok.decode(ids, skip_special_tokens=skip).numpy().decode() == ref.decode(
            ids, skip_special_tokens=skip
        )


def test_added_tokens_matched_on_normalised_text(uncased_dir, tmp_path, corpus):
    from transformers import BertTokenizerFast

    from tfbert import TFBertTokenizer

    ref = BertTokenizerFast.from_pretrained(uncased_dir)
    ref.add_tokens(["HelloThere", "covid19", "naïveté", "ab"])
    ref.save_pretrained(str(tmp_path / "normalized"))
    tok = TFBertTokenizer.from_pretrained(str(tmp_path / "normalized"))
    texts = [
        "HELLOTHEREx hellothere xhellotherey Hello There naïveté NAIVETE covid19s COVID-19 abab",
        "ab" * 70 + " " + "x" * 120 + "covid19" + "y" * 10,
        "[MASK]hellothere[SEP] 北京covid19 ＡＢ",
    ] + corpus[:50]
    assert_same(
        tok,
        ref,
        texts,
        padding=False,
        truncation=False,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
    )
    ids = ref(texts[0])["input_ids"]
    assert tok.decode(ids, skip_special_tokens=True).numpy().decode() == ref.decode(
        ids, skip_special_tokens=True
    )
    tok.save_pretrained(str(tmp_path / "again"))
    again = BertTokenizerFast.from_pretrained(str(tmp_path / "again"))
    assert again(texts)["input_ids"] == ref(texts)["input_ids"]
    (tmp_path / "again" / "vocab.txt").unlink()  # tokenizer.json alone carries the added tokens too
    assert (
        TFBertTokenizer.from_pretrained(str(tmp_path / "again")).get_config()["vocab"] == tok.vocab
    )


def test_padding_and_truncation_sides_come_from_tokenizer_config(uncased_dir, tmp_path):
    directory = tmp_path / "left"
    _copy(uncased_dir, directory, ["vocab.txt"])
    (directory / "tokenizer_config.json").write_text(
        json.dumps({"padding_side": "left", "truncation_side": "left"})
    )
    tok, ref = _both(str(directory))
    assert (ref.padding_side, ref.truncation_side) == ("left", "left")
    assert_same(
        tok,
        ref,
        TEXTS,
        TEXTS[::-1],
        padding="max_length",
        max_length=12,
        truncation=True,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
    )
    tok.save_pretrained(str(tmp_path / "again"))
    _, again = _both(str(tmp_path / "again"))
    assert (again.padding_side, again.truncation_side) == ("left", "left")
