"""User errors in ``tfbert run``, ``convert`` and ``export``: one line naming the problem on
stderr, no traceback, a non-zero exit status; a failed convert leaves the old output whole."""

import contextlib
import io
import os
import subprocess
import sys
import warnings
from unittest import mock

import pytest

from tests.bad_input import _kit
from tests.bad_input.table import Row, check, params
from tests.bad_input.test_checkpoints import (
    SAFE,
    a_file,
    non_bert_folder,
    sharded,
    tokenizer,
    truncated_safetensors,
    with_file,
)


def cli(*args, stdin: bytes = b""):
    """``tfbert.cli.main(args)`` in this process: ``(status, stdout, stderr)``."""
    from tfbert import cli as module

    out, err = io.StringIO(), io.StringIO()
    fake_stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    shown = warnings.showwarning
    try:
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            mock.patch.object(sys, "stdin", fake_stdin),
        ):
            status = module.main(list(args))
    finally:
        warnings.showwarning = shown
    return status, out.getvalue(), err.getvalue()


def cli_subprocess(*args):
    result = subprocess.run(
        [sys.executable, "-m", "tfbert.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    stderr = "\n".join(
        line
        for line in result.stderr.splitlines()
        if line.startswith("tfbert ") or "Traceback" in line
    )
    return result.returncode, result.stdout, stderr


def one_line(*words, status=1):
    """The command failed with ``status`` and one error line holding every word."""

    def checker(result):
        code, _, stderr = result
        errors = [line for line in stderr.splitlines() if line.strip() and ": warning:" not in line]
        assert code == status, (code, stderr)
        assert "Traceback" not in stderr, stderr
        assert len(errors) == 1, stderr
        assert all(w.lower() in errors[0].lower() for w in words), errors[0]

    return checker


def out_dir():
    return os.path.join(_kit.fresh_dir(), "out")


def with_tokenizer(folder):
    tokenizer().save_pretrained(folder)
    return folder


def corrupt_model_with_tokenizer():
    return with_tokenizer(truncated_safetensors())


def convert_fails_midway():
    """Converts over an existing output while the weights writer fails; snapshots around it."""
    target = _kit.checkpoint()
    before = _kit.snapshot(target)

    def fail(state, path, metadata=None):
        with open(path, "wb") as f:
            f.write(b"half")
        raise OSError("No space left on device")

    with mock.patch("safetensors.numpy.save_file", fail):
        result = cli("convert", _kit.checkpoint(), target)
    return result, before, _kit.snapshot(target), target


def convert_left_old_output(outcome):
    result, before, after, target = outcome
    one_line("convert", "No space left on device")(result)
    assert after == before and not _kit.leftovers(target)


def config_not_json():
    return with_file("config.json", "{oops")


ROWS = [
    # -- convert -----------------------------------------------------------------------------
    Row(
        "convert-missing-source",
        lambda: cli("convert", os.path.join(_kit.fresh_dir(), "none"), out_dir(), "--offline"),
        ("ok", one_line("neither a local folder")),
    ),
    Row(
        "convert-truncated-safetensors",
        lambda: cli("convert", truncated_safetensors(), out_dir()),
        ("ok", one_line(SAFE, "not a readable safetensors")),
    ),
    Row(
        "convert-random-safetensors",
        lambda: cli("convert", with_file(SAFE, os.urandom(512)), out_dir()),
        ("ok", one_line(SAFE, "not a readable safetensors")),
    ),
    Row(
        "convert-config-not-json",
        lambda: cli("convert", config_not_json(), out_dir()),
        ("ok", one_line("config.json", "not valid JSON")),
    ),
    Row(
        "convert-non-bert-weights",
        lambda: cli("convert", non_bert_folder(), out_dir()),
        ("ok", one_line("no BERT weights", SAFE)),
    ),
    Row(
        "convert-index-without-weight-map",
        lambda: cli("convert", sharded({"metadata": {}}), out_dir()),
        ("ok", one_line("weight_map", "model.safetensors.index.json")),
    ),
    Row(
        "convert-unknown-model-class",
        lambda: cli("convert", _kit.checkpoint(), out_dir(), "--model-class", "TFBertForNothing"),
        ("ok", one_line("unknown model class", "TFBertForNothing", status=2)),
    ),
    Row(
        "convert-model-class-other-head-same-shapes",
        lambda: cli(
            "convert", _kit.checkpoint(), out_dir(), "--model-class", "TFBertForTokenClassification"
        ),
        (
            "ok",
            lambda result: (
                result[0] == 0
                and "TFBertForTokenClassification" in result[1]
                or pytest.fail(result[2])
            ),
        ),
    ),
    Row(
        "convert-output-is-a-file",
        lambda: cli("convert", _kit.checkpoint(), a_file()),
        ("ok", one_line("is a file")),
    ),
    Row(
        "convert-output-unwritable",
        lambda: cli("convert", _kit.checkpoint(), "/proc/tfbert-convert"),
        ("ok", one_line("/proc")),
    ),
    Row(
        "convert-writer-fails-keeps-old-output",
        convert_fails_midway,
        ("ok", convert_left_old_output),
    ),
    # -- export ------------------------------------------------------------------------------
    Row(
        "export-corrupt-model",
        lambda: cli(
            "export",
            "--task",
            "text-classification",
            "--model",
            corrupt_model_with_tokenizer(),
            "--output",
            out_dir(),
        ),
        ("ok", one_line(SAFE, "not a readable safetensors")),
    ),
    Row(
        "export-unknown-task",
        lambda: cli(
            "export",
            "--task",
            "text-summarisation",
            "--model",
            with_tokenizer(_kit.checkpoint()),
            "--output",
            out_dir(),
        ),
        ("ok", one_line("text-summarisation")),
    ),
    Row(
        "export-missing-model",
        lambda: cli(
            "export",
            "--task",
            "text-classification",
            "--model",
            os.path.join(_kit.fresh_dir(), "none"),
            "--output",
            out_dir(),
        ),
        ("ok", one_line("none")),
    ),
    Row(
        "export-model-without-tokenizer",
        lambda: cli(
            "export",
            "--task",
            "text-classification",
            "--model",
            _kit.checkpoint(),
            "--output",
            out_dir(),
        ),
        ("ok", one_line("vocab.txt")),
    ),
    # -- run ---------------------------------------------------------------------------------
    Row(
        "run-unknown-task",
        lambda: cli("run", "--task", "text-summarisation"),
        ("ok", one_line("text-summarisation")),
    ),
    Row(
        "run-missing-model",
        lambda: cli(
            "run",
            "--task",
            "text-classification",
            "--model",
            os.path.join(_kit.fresh_dir(), "none"),
        ),
        ("ok", one_line("none")),
    ),
    Row(
        "run-corrupt-model",
        lambda: cli(
            "run",
            "--task",
            "text-classification",
            "--model",
            corrupt_model_with_tokenizer(),
            stdin=b"hello world\n",
        ),
        ("ok", one_line(SAFE, "not a readable safetensors")),
    ),
    Row(
        "run-config-not-json",
        lambda: cli(
            "run",
            "--task",
            "text-classification",
            "--model",
            with_tokenizer(config_not_json()),
            stdin=b"hello\n",
        ),
        ("ok", one_line("config.json", "not valid JSON")),
    ),
    # -- as a user runs it: a separate interpreter, nothing caught by the test ----------------
    Row(
        "subprocess-convert-truncated",
        lambda: cli_subprocess("convert", truncated_safetensors(), out_dir()),
        ("ok", one_line(SAFE, "not a readable safetensors")),
    ),
    Row(
        "subprocess-run-unknown-task",
        lambda: cli_subprocess("run", "--task", "text-summarisation"),
        ("ok", one_line("text-summarisation")),
    ),
]


@pytest.mark.parametrize("row", params(ROWS))
@pytest.mark.slow
def test_cli_bad_input(row):
    check(row)


def test_rows_are_unique():
    assert len({row.id for row in ROWS}) == len(ROWS)
