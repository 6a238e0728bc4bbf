"""Bad input to ``tfbert.export`` and the deployment kit's check script: one row per case, with the
error type and the words its message must hold; nothing is written at the target."""

import atexit
import functools
import pathlib
import shutil
import subprocess
import sys
import tempfile

import pytest

from tests.bad_input.table import Row, check

REPO = pathlib.Path(__file__).resolve().parents[2]


@functools.cache
def scratch() -> pathlib.Path:
    folder = pathlib.Path(tempfile.mkdtemp(prefix="bad_export_"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    (folder / "a-file").write_text("not a folder")
    (folder / "busy").mkdir()
    (folder / "busy" / "notes.txt").write_text("mine")
    return folder


@functools.cache
def graph():
    from tfbert.tasks import build_task_graph

    return build_task_graph("sentence-embedding", max_length=16)[0]


def export_graph(output, **kwargs):
    from tfbert.export import export_graph as export

    return export(graph(), output, **kwargs)


def export_task(task, output, model=None, **kwargs):
    from tfbert.export import export_task as export

    return export(task, model, output, **kwargs)


@functools.cache
def classifier() -> str:
    from tests.bad_input.test_pipelines import checkpoint

    return checkpoint("cls")


def out(name="out"):
    return str(scratch() / name)


def kit(*args):
    """The kit's check script in its own process: its exit code and last line of output."""
    child = subprocess.run(
        [sys.executable, str(REPO / "export" / "check_saved_model.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = (child.stderr or child.stdout).strip().splitlines()
    if child.returncode == 2 and lines:  # the kit's one-line error
        raise ValueError(lines[-1])
    raise AssertionError(f"exit {child.returncode}: {lines[-3:]}")


def nothing_written(name="out"):
    assert not (scratch() / name).exists()


ROWS = [
    # --- export_task: checked before anything loads
    Row(
        "unknown-task",
        lambda: export_task("summarize", out()),
        (ValueError, ["unknown task 'summarize'", "tfbert knows"]),
    ),
    Row(
        "task-version-string",
        lambda: export_task("sentence-embedding", out(), version="1"),
        (ValueError, ["version '1' must be a positive integer"]),
    ),
    Row(
        "task-version-zero",
        lambda: export_task("sentence-embedding", out(), version=0),
        (ValueError, ["version 0 must be a positive integer"]),
    ),
    Row(
        "task-version-bool",
        lambda: export_task("sentence-embedding", out(), version=True),
        (ValueError, ["version True must be a positive integer"]),
    ),
    Row(
        "task-version-float",
        lambda: export_task("sentence-embedding", out(), version=1.0),
        (ValueError, ["version 1.0 must be a positive integer"]),
    ),
    Row(
        "task-output-is-a-file",
        lambda: export_task("sentence-embedding", out("a-file")),
        (ValueError, ["a-file is a file; a SavedModel export needs a folder"]),
    ),
    Row(
        "task-output-under-a-file",
        lambda: export_task("sentence-embedding", out("a-file/model")),
        (ValueError, ["which is a file, not a folder"]),
    ),
    Row(
        "task-output-empty",
        lambda: export_task("sentence-embedding", ""),
        (ValueError, ["output '' must be a non-empty path"]),
    ),
    Row(
        "task-output-none",
        lambda: export_task("sentence-embedding", None),
        (ValueError, ["output None must be a non-empty path"]),
    ),
    Row(
        "task-format-unknown",
        lambda: export_task("sentence-embedding", out(), format="onnx"),
        (ValueError, ["format 'onnx' is not one of saved_model, tflite"]),
    ),
    Row(
        "task-tflite-without-suffix",
        lambda: export_task("sentence-embedding", out(), format="tflite"),
        (ValueError, ["must be a .tflite file path"]),
    ),
    Row(
        "task-quantize-saved-model",
        lambda: export_task("sentence-embedding", out(), quantize="dynamic"),
        (ValueError, ["quantize='dynamic' applies to format='tflite'"]),
    ),
    Row(
        "task-signature-unknown",
        lambda: export_task("sentence-embedding", out(), signatures=["serve"]),
        (ValueError, ["signature 'serve' is not one of serving_default, token_ids"]),
    ),
    Row(
        "task-signatures-int",
        lambda: export_task("sentence-embedding", out(), signatures=5),
        (ValueError, ["signatures 5 must be a list of names"]),
    ),
    Row(
        "task-max-length-zero",
        lambda: export_task("sentence-embedding", out(), max_length=0),
        (ValueError, ["max_length 0 must be a positive integer or None"]),
    ),
    # --- export_task: after loading the checkpoint
    Row(
        "task-option-unknown",
        lambda: export_task("sentence-embedding", out(), bogus=1),
        (ValueError, ["sentence-embedding does not take ['bogus']"]),
    ),
    Row(
        "task-head-missing",
        lambda: export_task("fill-mask", out(), model=classifier()),
        (ValueError, ["without the head fill-mask needs"]),
    ),
    Row(
        "task-bad-graph-option",
        lambda: export_task("sentence-embedding", out(), normalize="yes"),
        (ValueError, ["normalize 'yes' must be True or False"]),
    ),
    Row(
        "task-format-option",
        lambda: export_task("text-classification", out(), model=classifier(), top_k=2),
        (ValueError, ["text-classification export does not take options ['top_k']"]),
    ),
    # --- export_graph
    Row(
        "graph-signatures-empty",
        lambda: export_graph(out(), signatures=[]),
        (ValueError, ["signatures is empty"]),
    ),
    Row(
        "graph-signature-as-string",
        lambda: export_graph(out(), signatures="serve"),
        (ValueError, ["signature 'serve' is not one of"]),
    ),
    Row(
        "graph-quantize-unknown",
        lambda: export_graph(out(), format="tflite", quantize="int4"),
        (ValueError, ["quantize 'int4' is not one of none, dynamic, float16"]),
    ),
    Row(
        "graph-folder-not-versions",
        lambda: export_graph(out("busy")),
        (FileExistsError, ["holds ['notes.txt']", "overwrite=True"]),
    ),
    Row(
        "graph-output-a-number",
        lambda: export_graph(42),
        (ValueError, ["output 42 must be a non-empty path"]),
    ),
    # --- the kit's check script (no tfbert there): one line, exit code 2
    Row(
        "kit-missing-folder",
        lambda: kit(out("nowhere")),
        (ValueError, ["nowhere", "no saved_model.pb"]),
    ),
    Row(
        "kit-not-a-saved-model",
        lambda: kit(out("busy")),
        (ValueError, ["busy", "no saved_model.pb"]),
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
@pytest.mark.slow
def test_bad_input(row):
    check(row)
    nothing_written()


def test_rows_are_unique():
    assert len({row.id for row in ROWS}) == len(ROWS)
