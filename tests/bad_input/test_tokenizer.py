"""Bad input to the tokenizers (``TFBertTokenizer``, ``BertTokenizerFast``, ``BertTokenizer``):
one row per case, with the exact result (the reference ``transformers.BertTokenizerFast`` on the
same vocabulary) or the error type and the words its message must hold."""

import atexit
import functools
import pathlib
import shutil
import tempfile

import numpy as np
import pytest

from tests.bad_input._subprocess import outcome, run_cases
from tests.bad_input.table import Row, check
from tests.tokenizer.conftest import _model_dir

FORMS = "expected a str, a list of str"


@functools.cache
def layer():
    from tfbert import TFBertTokenizer

    return TFBertTokenizer.from_pretrained(_model_dir())


@functools.cache
def fast():
    from tfbert import BertTokenizerFast

    return BertTokenizerFast.from_pretrained(_model_dir())


@functools.cache
def slow():
    from tfbert import BertTokenizer

    return BertTokenizer.from_pretrained(_model_dir())


@functools.cache
def reference():
    from transformers import BertTokenizerFast

    return BertTokenizerFast.from_pretrained(_model_dir())


@functools.cache
def scratch() -> pathlib.Path:
    folder = pathlib.Path(tempfile.mkdtemp(prefix="bad_tokenizer_"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def folder_with(name: str, **files: bytes) -> str:
    """A copy of the real tokenizer folder with ``files`` (name -> bytes) replaced."""
    target = scratch() / name
    if not target.exists():
        shutil.copytree(
            _model_dir(), target, ignore=shutil.ignore_patterns("*.safetensors", "*.bin", "onnx")
        )
        for filename, data in files.items():
            (target / filename.replace("__", ".")).write_bytes(data)
    return str(target)


def same_as_reference(*args, **kwargs):
    """Checker: the result's input_ids equal the reference tokenizer's on the same call."""

    def checker(result):
        expected = reference()(*args, **kwargs)["input_ids"]
        got = result["input_ids"]
        got = got.numpy().tolist() if hasattr(got, "numpy") else got
        assert got == expected, (got, expected)
        return True

    return checker


def equals(expected):
    def checker(result):
        value = result.numpy().tolist() if hasattr(result, "numpy") else result
        assert value == expected, (value, expected)
        return True

    return checker


def layer_ids(*args, **kwargs):
    return layer()(*args, **kwargs)["input_ids"].numpy().tolist()


# Cases that could take the interpreter down (tf-text kernels on hostile bytes, huge sizes) run
# in one child process.
CHILD_SETUP = f"""
from tfbert import TFBertTokenizer, BertTokenizerFast
from transformers import BertTokenizerFast as Reference
FOLDER = {_model_dir()!r}
layer = TFBertTokenizer.from_pretrained(FOLDER)
fast = BertTokenizerFast.from_pretrained(FOLDER)
ref = Reference.from_pretrained(FOLDER)
"""
CHILD_CASES = (
    (
        "invalid-utf8-bytes",
        (
            'ok(layer([b"\\xff\\xfe ok", b"caf\\xc3"])["input_ids"].numpy().tolist() == '
            'layer(["\\ufffd\\ufffd ok", "caf\\ufffd"])["input_ids"].numpy().tolist())'
        ),
    ),
    (
        "one-megabyte-text",
        (
            'text = "naïve café 東京 " * 70000\n'
            'ok(fast(text)["input_ids"] == ref(text)["input_ids"])'
        ),
    ),
    (
        "nul-and-controls",
        (
            'text = "\\x00nul\\x00 \\x01\\x7f ctrl \\u200b"\n'
            'ok(fast(text)["input_ids"] == ref(text)["input_ids"])'
        ),
    ),
    ("max-length-past-int32", 'layer("hi there", max_length=2**40)'),
    ("stride-past-int32", 'fast("hi there", max_length=8, stride=2**40, truncation=True)'),
    ("decode-int64-max", "fast.decode([101, 2**63 - 1])"),
    (
        "one-word-of-100k-chars",
        ('word = "x" * 100000\nok(fast(word)["input_ids"] == ref(word)["input_ids"])'),
    ),
)


def child(case):
    return lambda: outcome(run_cases(CHILD_CASES, CHILD_SETUP), case)


ROWS = [
    # --- None, wrong types, nesting
    Row("layer-none", lambda: layer()(None), (TypeError, ["text is None", "expected a string"])),
    Row("fast-none", lambda: fast()(None), (TypeError, ["text is required: a str, a list of str"])),
    Row("slow-none", lambda: slow()(None), (TypeError, ["text is required: a str, a list of str"])),
    Row(
        "layer-none-in-batch",
        lambda: layer()(["a", None]),
        (TypeError, ["must hold strings", "NoneType", "text[1]"]),
    ),
    Row(
        "fast-none-in-batch",
        lambda: fast()(["a", None]),
        (TypeError, ["text[1]", "NoneType", FORMS]),
    ),
    Row("fast-int", lambda: fast()(5), (TypeError, ["text is of type int", FORMS])),
    Row("fast-float", lambda: fast()(1.5), (TypeError, ["text is of type float"])),
    Row("fast-dict", lambda: fast()({"text": "a"}), (TypeError, ["text is of type dict"])),
    Row(
        "layer-dict",
        lambda: layer()({"text": "a"}),
        (TypeError, ["text is a dict", "expected a string"]),
    ),
    Row("fast-bytes", lambda: fast()(b"hi"), (TypeError, ["bytes", FORMS])),
    Row(
        "fast-numpy-array", lambda: fast()(np.array(["hi", "yo"])), (TypeError, ["ndarray", FORMS])
    ),
    Row(
        "fast-nested-three-deep", lambda: fast()([[["a"]]]), (TypeError, ["text[0]", "list", FORMS])
    ),
    Row("fast-text-pair-int", lambda: fast()("a", 5), (TypeError, ["text_pair is of type int"])),
    Row(
        "layer-int-tensor",
        lambda: layer()(__import__("tensorflow").constant([1, 2])),
        (TypeError, ["text must be a string tensor", "int32"]),
    ),
    Row(
        "layer-2d-tensor",
        lambda: layer()(__import__("tensorflow").constant([["a"]])),
        (ValueError, ["1-D batch of strings", "(1, 1)"]),
    ),
    # --- lone surrogates: BertTokenizerFast refuses them too
    Row(
        "reference-refuses-surrogates",
        lambda: reference()("a\ud800b"),
        (TypeError, ["TextEncodeInput"]),
    ),
    Row(
        "layer-surrogate",
        lambda: layer()("a\ud800b"),
        (ValueError, ["text holds a lone surrogate U+D800 at character 1", "UTF-8"]),
    ),
    Row(
        "layer-surrogate-in-batch",
        lambda: layer()(["ok", "xy\udfff"]),
        (ValueError, ["text[1]", "U+DFFF at character 2"]),
    ),
    Row(
        "fast-surrogate-in-batch",
        lambda: fast()(["ok", "b\ud800"]),
        (ValueError, ["text[1]", "surrogate"]),
    ),
    Row(
        "fast-surrogate-in-pair",
        lambda: fast()("a", "b\ud800"),
        (ValueError, ["text_pair", "surrogate"]),
    ),
    Row(
        "slow-surrogate",
        lambda: slow()("\udc80"),
        (ValueError, ["text holds a lone surrogate U+DC80"]),
    ),
    Row(
        "fast-surrogate-in-words",
        lambda: fast()(["a", "b\ud800"], is_split_into_words=True),
        (ValueError, ["text", "surrogate U+D800"]),
    ),
    # --- text_pair and lengths
    Row(
        "fast-pair-length-mismatch",
        lambda: fast()(["a", "b"], ["c"]),
        (ValueError, ["text has 2 items but text_pair has 1"]),
    ),
    Row(
        "layer-pair-length-mismatch",
        lambda: layer()(["a", "b"], ["c"]),
        (ValueError, ["text has 2 items but text_pair has 1"]),
    ),
    Row(
        "fast-max-length-zero",
        lambda: fast()("hello world", max_length=0, truncation=True),
        (ValueError, ["max_length=0", "2 special tokens"]),
    ),
    Row(
        "layer-max-length-two-pair",
        lambda: layer()("hello world", "foo bar", max_length=2),
        (ValueError, ["max_length=2", "3 special tokens"]),
    ),
    Row(
        "fast-max-length-negative",
        lambda: fast()("hi", max_length=-1, truncation=True),
        (ValueError, ["max_length=-1", "non-negative int"]),
    ),
    Row(
        "fast-max-length-string",
        lambda: fast()("hi", max_length="8", truncation=True),
        (ValueError, ["max_length='8'", "non-negative int"]),
    ),
    Row(
        "slow-max-length-float",
        lambda: slow()("hi", max_length=1.5),
        (ValueError, ["max_length=1.5"]),
    ),
    Row(
        "fast-max-length-bool",
        lambda: fast()("hi", max_length=True),
        (ValueError, ["max_length=True"]),
    ),
    Row(
        "fast-stride-equals-room",
        lambda: fast()(
            "hello world foo bar baz",
            max_length=4,
            stride=2,
            truncation=True,
            return_overflowing_tokens=True,
        ),
        (ValueError, ["stride=2", "smaller than max_length"]),
    ),
    Row("fast-stride-negative", lambda: fast()("a", stride=-1), (ValueError, ["stride=-1"])),
    Row(
        "fast-pad-to-multiple-negative",
        lambda: fast()("a", padding=True, pad_to_multiple_of=-2),
        (ValueError, ["pad_to_multiple_of=-2"]),
    ),
    # --- options of the wrong value or name
    Row(
        "fast-truncation-unknown",
        lambda: fast()("hi", truncation="sideways"),
        (ValueError, ["truncation='sideways' is not one of"]),
    ),
    Row("slow-truncation-int", lambda: slow()("hi", truncation=5), (ValueError, ["truncation=5"])),
    Row(
        "fast-padding-unknown",
        lambda: fast()("hi", padding="x"),
        (ValueError, ["padding='x' is not one of"]),
    ),
    Row(
        "fast-padding-side",
        lambda: fast()("a", padding_side="middle"),
        (ValueError, ["padding_side='middle'", "'right', 'left'"]),
    ),
    Row(
        "fast-return-tensors-pt",
        lambda: fast()("hi", return_tensors="pt"),
        (ValueError, ["return_tensors='pt'", "'np' or 'tf'"]),
    ),
    Row(
        "fast-unknown-argument",
        lambda: fast()("hi", bogus=1),
        (TypeError, ["unexpected arguments ['bogus']"]),
    ),
    Row(
        "layer-unknown-argument",
        lambda: layer()("hi", return_tensors="tf"),
        (TypeError, ["unexpected arguments ['return_tensors']"]),
    ),
    # --- ids back to text
    Row("fast-decode-none", lambda: fast().decode(None), (TypeError, ["token ids", "NoneType"])),
    Row(
        "fast-decode-negative",
        lambda: fast().decode([101, -1]),
        (ValueError, ["id -1 (row 0) is out of range", "0 to 30521"]),
    ),
    Row(
        "fast-decode-past-vocabulary",
        lambda: fast().batch_decode([[101], [30522]]),
        (ValueError, ["id 30522 (row 1)", "30522"]),
    ),
    Row("fast-decode-float", lambda: fast().decode([1.5]), (TypeError, ["token ids", "float"])),
    Row(
        "layer-decode-past-vocabulary",
        lambda: layer().batch_decode([[5, 99999]]),
        (ValueError, ["id 99999 (row 0) is out of range"]),
    ),
    Row(
        "fast-convert-ids-past-vocabulary",
        lambda: fast().convert_ids_to_tokens([10**6]),
        (IndexError, ["id 1000000 is out of range"]),
    ),
    Row(
        "fast-convert-tokens-none",
        lambda: fast().convert_tokens_to_ids(None),
        (TypeError, ["tokens None", "a string or a list of strings"]),
    ),
    Row("fast-add-tokens-int", lambda: fast().add_tokens(5), (TypeError, ["new_tokens 5"])),
    # --- files
    Row(
        "config-not-json",
        lambda: __import__("tfbert").TFBertTokenizer.from_pretrained(
            folder_with("notjson", tokenizer_config__json=b'{"do_lower_case": tr')
        ),
        (ValueError, ["tokenizer_config.json is not valid JSON", "line 1"]),
    ),
    Row(
        "fast-config-not-json",
        lambda: __import__("tfbert").BertTokenizerFast.from_pretrained(
            folder_with("notjson", tokenizer_config__json=b'{"do_lower_case": tr')
        ),
        (ValueError, ["notjson/tokenizer_config.json is not valid JSON"]),
    ),
    Row(
        "config-a-list",
        lambda: __import__("tfbert").TFBertTokenizer.from_pretrained(
            folder_with("alist", tokenizer_config__json=b"[1, 2]")
        ),
        (ValueError, ["tokenizer_config.json holds a JSON list", "expected a JSON object"]),
    ),
    Row(
        "special-map-not-json",
        lambda: __import__("tfbert").TFBertTokenizer.from_pretrained(
            folder_with("badmap", special_tokens_map__json=b"\x00\x01")
        ),
        (ValueError, ["special_tokens_map.json is not valid JSON"]),
    ),
    Row(
        "vocab-not-utf8",
        lambda: __import__("tfbert").TFBertTokenizer.from_pretrained(
            folder_with("latin1", vocab__txt="[PAD]\n[UNK]\ncafé\n".encode("latin-1"))
        ),
        (ValueError, ["vocab.txt is not UTF-8 text"]),
    ),
    Row(
        "missing-folder",
        lambda: __import__("tfbert").BertTokenizerFast.from_pretrained("/nonexistent/tok"),
        (FileNotFoundError, ["'/nonexistent/tok' is not a folder", "vocab.txt"]),
    ),
    Row(
        "path-is-a-file",
        lambda: __import__("tfbert").TFBertTokenizer.from_pretrained(
            folder_with("plain") + "/vocab.txt"
        ),
        (FileNotFoundError, ["vocab.txt' is not a folder"]),
    ),
    # --- what holds: exact results
    Row("empty-string", lambda: fast()(""), ("ok", same_as_reference(""))),
    Row("whitespace-only", lambda: fast()(" \t\n "), ("ok", same_as_reference(" \t\n "))),
    Row("empty-batch", lambda: fast()([]), ("ok", lambda result: result["input_ids"] == [])),
    Row(
        "layer-empty-batch",
        lambda: layer()([])["input_ids"].shape.as_list(),
        ("ok", equals([0, 0])),
    ),
    Row(
        "pad-to-multiple-zero",
        lambda: fast()(["hi", "hello there"], padding=True, pad_to_multiple_of=0),
        ("ok", same_as_reference(["hi", "hello there"], padding=True, pad_to_multiple_of=0)),
    ),
    Row(
        "pairs-as-tuples",
        lambda: fast()([("a b", "c"), ("d", "e f")]),
        ("ok", same_as_reference([("a b", "c"), ("d", "e f")])),
    ),
    Row(
        "layer-bytes-are-utf8",
        lambda: layer_ids(["café".encode(), b"ok"]),
        ("ok", equals(layer_ids(["café", "ok"]))),
    ),
    Row(
        "layer-numpy-strings",
        lambda: layer_ids(np.array(["hi", "yo there"])),
        ("ok", equals(layer_ids(["hi", "yo there"]))),
    ),
    # --- in a child process
    Row("child-invalid-utf8-bytes", child("invalid-utf8-bytes"), ("ok", lambda same: same is True)),
    Row("child-one-megabyte-text", child("one-megabyte-text"), ("ok", lambda same: same is True)),
    Row("child-nul-and-controls", child("nul-and-controls"), ("ok", lambda same: same is True)),
    Row(
        "child-one-word-of-100k-chars",
        child("one-word-of-100k-chars"),
        ("ok", lambda same: same is True),
    ),
    Row(
        "child-max-length-past-int32",
        child("max-length-past-int32"),
        (ValueError, ["max_length=1099511627776", "below 2**31"]),
    ),
    Row(
        "child-stride-past-int32",
        child("stride-past-int32"),
        (ValueError, ["stride=1099511627776"]),
    ),
    Row(
        "child-decode-int64-max",
        child("decode-int64-max"),
        (ValueError, ["id 9223372036854775807 (row 0) is out of range"]),
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
@pytest.mark.slow
def test_bad_input(row):
    check(row)


def test_rows_are_unique():
    assert len({row.id for row in ROWS}) == len(ROWS)
