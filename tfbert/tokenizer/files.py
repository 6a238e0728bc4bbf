"""Tokenizer files in and out: ``vocab.txt``, ``tokenizer.json``, ``tokenizer_config.json``.

Files are found through :func:`tfbert.files.resolve_file`, as a model's are: a local folder is
read as is; a hub id is looked up with ``hf_hub_download`` (which honours ``HF_HUB_OFFLINE`` and
``local_files_only``).
"""

from __future__ import annotations

import json
import os
from typing import Any

from tfbert.files import atomic_dir, json_text, resolve_file

SPECIAL_NAMES = ("unk_token", "sep_token", "pad_token", "cls_token", "mask_token")
OPTION_NAMES = (
    "do_lower_case",
    "strip_accents",
    "tokenize_chinese_chars",
    "model_max_length",
    "clean_up_tokenization_spaces",
    "split_special_tokens",
)
SIDE_NAMES = ("padding_side", "truncation_side")
# transformers writes this when a tokenizer has no length limit.
VERY_LARGE = int(1e20)
_EXPECTED = "vocab.txt or tokenizer.json"


def _token_text(value) -> str:
    return value["content"] if isinstance(value, dict) else str(value)


def _read_json(path: str | None) -> dict[str, Any]:
    """A tokenizer JSON file as a dict (``{}`` when ``path`` is ``None``).

    Raises:
        ValueError: The file is not UTF-8 JSON, or holds something else than an object; the
            message names the file (and the line and column of a syntax error).
    """
    if path is None:
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            value = json.load(f)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{path} is not valid JSON: {error.msg} at line {error.lineno} column "
            f"{error.colno}; expected a JSON object"
        ) from None
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path} is not UTF-8 text (byte {error.start}); expected a JSON object"
        ) from None
    if isinstance(value, dict):
        return value
    raise ValueError(f"{path} holds a JSON {type(value).__name__}; expected a JSON object")


def read_vocab_txt(path: str) -> list[str]:
    """Reads ``vocab.txt``: one token a line, the line number is the id.

    Raises:
        ValueError: The file is not UTF-8 text (the message names it), or is empty.
    """
    try:
        with open(path, encoding="utf-8") as f:
            tokens = [line.rstrip("\n") for line in f]
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path} is not UTF-8 text (byte {error.start}); expected one token a line"
        ) from None
    if not tokens:
        raise ValueError(f"{path} is empty; expected one token a line")
    return tokens


def write_vocab_txt(path: str, tokens: list[str]) -> None:
    """Writes ``vocab.txt``: one token a line, in id order."""
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(token + "\n" for token in tokens)


def _vocab_from_tokenizer_json(spec: dict[str, Any]) -> list[str]:
    model = spec.get("model") or {}
    if model.get("type") not in (None, "WordPiece") or "vocab" not in model:
        raise ValueError(
            f"tokenizer.json holds a {model.get('type')!r} model; expected 'WordPiece'"
        )
    vocab = [""] * len(model["vocab"])
    for token, i in model["vocab"].items():
        vocab[i] = token
    return vocab


def added_token_item(token: dict[str, Any], special: bool) -> str | dict[str, Any]:
    """An ``added_tokens`` entry as a ``TFBertTokenizer`` list item: its text when its fields
    are the defaults for a (non-)special token, else a dict of the fields that differ."""
    defaults = dict(normalized=not special, lstrip=False, rstrip=False, single_word=False)
    differ = {k: bool(token.get(k, v)) for k, v in defaults.items() if bool(token.get(k, v)) != v}
    return {"content": token["content"], **differ} if differ else token["content"]


def token_fields(item: str | dict[str, Any], special: bool) -> dict[str, Any]:
    """A ``TFBertTokenizer`` list item as ``tokenizers``' full ``AddedToken`` fields."""
    item = {"content": item} if isinstance(item, str) else item
    defaults = dict(single_word=False, lstrip=False, rstrip=False, normalized=not special)
    return {
        "content": item["content"],
        **{k: bool(item.get(k, v)) for k, v in defaults.items()},
        "special": special,
    }


def load_settings(name_or_path: str, **hub_kwargs) -> dict[str, Any]:
    """Reads a tokenizer folder or hub repository into :class:`TFBertTokenizer` arguments.

    Added tokens come from ``added_tokens.json``, ``tokenizer_config.json``'s
    ``added_tokens_decoder`` and ``tokenizer.json``'s ``added_tokens`` (the later ones winning).

    Args:
        name_or_path: a local folder or a hub id.
        **hub_kwargs: passed to :func:`tfbert.files.resolve_file` (``revision``,
            ``cache_dir``, ``local_files_only``, ``token``, ``subfolder``).

    Returns:
        Keyword arguments for ``TFBertTokenizer``: ``vocab`` (the id-ordered token list, with
        added tokens placed at their ids), ``model_vocab_size`` (how many of them are the
        WordPiece vocabulary), the special tokens, ``extra_special_tokens``,
        ``added_tokens`` (each its text, or a dict of the ``AddedToken`` fields that are not
        the defaults) and the normaliser options found.

    Raises:
        FileNotFoundError: neither ``vocab.txt`` nor ``tokenizer.json`` is there, or
            ``name_or_path`` is neither a folder nor a hub id (the message of
            :func:`tfbert.files.resolve_file`, as for a model).
        ValueError: ``tokenizer.json`` is not a WordPiece tokenizer, or a file is not what it
            should be (JSON that does not parse, a vocabulary that is not UTF-8): the message
            names the file.
    """
    fetch = lambda filename: resolve_file(
        name_or_path, filename, required=False, expected=_EXPECTED, **hub_kwargs
    )
    config = _read_json(fetch("tokenizer_config.json"))
    special_map = _read_json(fetch("special_tokens_map.json"))
    vocab_path, json_path = fetch("vocab.txt"), fetch("tokenizer.json")
    spec = _read_json(json_path)
    if vocab_path is None and json_path is None:
        raise FileNotFoundError(f"{name_or_path!r} has neither vocab.txt nor tokenizer.json")
    vocab = read_vocab_txt(vocab_path) if vocab_path else _vocab_from_tokenizer_json(spec)
    model_vocab_size = len(vocab)  # the WordPiece vocabulary; added tokens may come after it

    settings: dict[str, Any] = {}
    normalizer = spec.get("normalizer") or {}
    if normalizer.get("type") == "BertNormalizer":
        settings.update(
            do_lower_case=normalizer.get("lowercase", True),
            strip_accents=normalizer.get("strip_accents"),
            tokenize_chinese_chars=normalizer.get("handle_chinese_chars", True),
        )
    model = spec.get("model") or {}
    if "max_input_chars_per_word" in model:
        settings["max_input_chars_per_word"] = model["max_input_chars_per_word"]
    settings.update({k: config[k] for k in OPTION_NAMES if k in config})
    settings.update({k: config[k] for k in SIDE_NAMES if k in config})
    if settings.get("model_max_length", 0) >= VERY_LARGE:
        settings["model_max_length"] = None
    for name in SPECIAL_NAMES:
        value = special_map.get(name, config.get(name))
        if value is not None:
            settings[name] = _token_text(value)

    extra = [
        _token_text(t)
        for key in ("extra_special_tokens", "additional_special_tokens")
        for source in (config, special_map)
        for t in (source.get(key) or [])
    ]
    # Oldest first, so that the newer files' fields win: added_tokens.json (content -> id),
    # tokenizer_config.json's added_tokens_decoder, tokenizer.json's added_tokens.
    legacy = _read_json(fetch("added_tokens.json"))
    added = {int(i): {"content": c, "special": c in extra} for c, i in legacy.items()}
    added.update({int(i): v for i, v in (config.get("added_tokens_decoder") or {}).items()})
    added.update({t["id"]: t for t in spec.get("added_tokens", [])})
    listed = []
    for i, token in sorted(added.items()):
        special = bool(token.get("special", False))
        if i >= len(vocab):
            vocab += [""] * (i + 1 - len(vocab))
        vocab[i] = token["content"]
        listed.append((special, added_token_item(token, special)))
    named = {settings.get(n) for n in SPECIAL_NAMES}
    # Named special tokens with their default fields need no entry; others keep theirs.
    listed = [(s, t) for s, t in listed if not (isinstance(t, str) and t in named)]
    settings["added_tokens"] = [t for s, t in listed if not s]
    extra += [t for s, t in listed if s]
    contents = [t if isinstance(t, str) else t["content"] for t in extra]
    # One entry a token, at its first place, the most detailed form winning.
    last = {c: t for c, t in sorted(zip(contents, extra), key=lambda ct: isinstance(ct[1], dict))}
    settings["extra_special_tokens"] = [
        last[c] for c in dict.fromkeys(contents) if not (isinstance(last[c], str) and c in named)
    ]
    settings["vocab"] = vocab
    settings["model_vocab_size"] = model_vocab_size
    return settings


def _tokenizer_json(config: dict[str, Any], added: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The ``tokenizers`` serialisation of the same tokenizer (BertTokenizerFast's pipeline)."""
    vocab = {}
    for i, token in enumerate(config["vocab"][: config["model_vocab_size"]]):
        vocab.setdefault(token, i)
    index = {**vocab, **{t["content"]: int(i) for i, t in added.items()}}
    cls, sep = config["cls_token"], config["sep_token"]
    piece = lambda kind, name, type_id: {kind: {"id": name, "type_id": type_id}}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": int(i), **token} for i, token in sorted(added.items(), key=lambda kv: int(kv[0]))
        ],
        "normalizer": {
            "type": "BertNormalizer",
            "clean_text": True,
            "handle_chinese_chars": config["tokenize_chinese_chars"],
            "strip_accents": config["strip_accents"],
            "lowercase": config["do_lower_case"],
        },
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                piece("SpecialToken", cls, 0),
                piece("Sequence", "A", 0),
                piece("SpecialToken", sep, 0),
            ],
            "pair": [
                piece("SpecialToken", cls, 0),
                piece("Sequence", "A", 0),
                piece("SpecialToken", sep, 0),
                piece("Sequence", "B", 1),
                piece("SpecialToken", sep, 1),
            ],
            "special_tokens": {t: {"id": t, "ids": [index[t]], "tokens": [t]} for t in (cls, sep)},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {
            "type": "WordPiece",
            "unk_token": config["unk_token"],
            "continuing_subword_prefix": "##",
            "max_input_chars_per_word": config["max_input_chars_per_word"],
            "vocab": vocab,
        },
    }


def save_settings(directory: str, config: dict[str, Any]) -> list[str]:
    """Writes ``vocab.txt``, ``tokenizer.json``, ``tokenizer_config.json`` and
    ``special_tokens_map.json``.

    Args:
        directory: created if missing.
        config: ``TFBertTokenizer.get_config()``-style settings.

    The complete set is written to a temporary folder beside ``directory`` and moved in only
    when every file is written (:func:`tfbert.files.atomic_dir`); other files in
    ``directory`` (a model's) are kept, and whatever fails, the old files stay whole.

    Returns:
        The paths written.

    Raises:
        TypeError: A setting holds a value JSON cannot hold (named); nothing is written.
    """
    names = ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json")
    paths = [os.path.join(directory, n) for n in names]
    specials = {name: config[name] for name in SPECIAL_NAMES}
    extra = list(config.get("extra_special_tokens") or [])
    index = {token: i for i, token in enumerate(config["vocab"])}
    decoder = {}
    for special, items in (
        (True, list(specials.values()) + extra),
        (False, config.get("added_tokens") or []),
    ):
        for item in items:
            fields = token_fields(item, special)
            if fields["content"] in index:
                decoder[str(index[fields["content"]])] = fields
    extra = list(dict.fromkeys(t if isinstance(t, str) else t["content"] for t in extra))
    extra = [t for t in extra if t not in specials.values()]
    tokenizer_config = {
        "tokenizer_class": "BertTokenizer",
        "do_lower_case": config["do_lower_case"],
        "strip_accents": config["strip_accents"],
        "tokenize_chinese_chars": config["tokenize_chinese_chars"],
        "model_max_length": config["model_max_length"] or VERY_LARGE,
        "clean_up_tokenization_spaces": config["clean_up_tokenization_spaces"],
        "split_special_tokens": config.get("split_special_tokens", False),
        **{k: config.get(k, "right") for k in SIDE_NAMES},
        "extra_special_tokens": extra,
        "added_tokens_decoder": decoder,
        **specials,
    }
    texts = [
        json_text(tokenizer_config, names[1]),
        json_text({**specials, "additional_special_tokens": extra}, names[2]),
        json_text(_tokenizer_json(config, decoder), names[3]),
    ]
    with atomic_dir(directory, merge=1) as tmp:
        write_vocab_txt(os.path.join(tmp, names[0]), config["vocab"][: config["model_vocab_size"]])
        for name, text in zip(names[1:], texts):
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
                f.write(text)
    return paths
