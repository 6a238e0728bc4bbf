"""Export errors are clear, and a failed export leaves nothing half-written."""

import os
import shutil

import pytest
import tensorflow as tf

from tfbert.export import export_graph, export_task


def test_unknown_task(tmp_path):
    with pytest.raises(ValueError, match="unknown task 'translation'; tfbert knows"):
        export_task("translation", None, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_missing_tokenizer_files(graphs, tmp_path):
    _, folder = graphs["text-classification"]
    bare = tmp_path / "no_tokenizer"
    bare.mkdir()
    for name in ("config.json", "model.safetensors"):
        shutil.copy(os.path.join(folder, name), bare / name)
    with pytest.raises(FileNotFoundError, match="vocab"):
        export_task("text-classification", str(bare), tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"format": "onnx"}, "format 'onnx' is not one of saved_model, tflite"),
        ({"quantize": "int4"}, "quantize 'int4' is not one of none, dynamic, float16"),
        ({"quantize": "dynamic"}, "quantize='dynamic' applies to format='tflite'"),
        ({"version": 0}, "version 0 must be a positive integer"),
        (
            {"signatures": ("serving",)},
            "signature 'serving' is not one of serving_default, token_ids",
        ),
    ],
)
def test_bad_arguments(graphs, tmp_path, kwargs, message):
    graph, _ = graphs["feature-extraction"]
    with pytest.raises(ValueError, match=message):
        export_graph(graph, tmp_path / "out", **kwargs)
    assert not (tmp_path / "out").exists()


def test_tflite_output_must_be_a_tflite_file(graphs, tmp_path):
    graph, _ = graphs["feature-extraction"]
    with pytest.raises(ValueError, match="must be a .tflite file path"):
        export_graph(graph, tmp_path / "model", format="tflite")


def test_option_the_task_does_not_take(graphs, tmp_path):
    _, folder = graphs["text-classification"]
    with pytest.raises(
        ValueError, match=r"text-classification export does not take options \['top_k'\]"
    ):
        export_task("text-classification", folder, tmp_path / "out", top_k=2)
    with pytest.raises(ValueError, match="max_length -3 must be a positive integer"):
        export_task("text-classification", folder, tmp_path / "out", max_length=-3)


@pytest.mark.slow
def test_non_empty_output_needs_overwrite(graphs, tmp_path):
    graph, _ = graphs["feature-extraction"]
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(
        FileExistsError, match=r"out is not empty and holds \['notes.txt'\].*overwrite"
    ):
        export_graph(graph, out)
    assert os.listdir(out) == ["notes.txt"]

    served = tmp_path / "served"
    first = export_graph(graph, served)
    with pytest.raises(FileExistsError, match=r"version folder .*served/1 exists and is not empty"):
        export_graph(graph, served)
    second = export_graph(graph, served, version=2)  # a new version beside the first
    assert sorted(os.listdir(served)) == ["1", "2"]
    assert export_graph(graph, served, overwrite=True) == first
    assert tf.saved_model.load(second).signatures["serving_default"] is not None

    tflite = tmp_path / "model.tflite"
    tflite.write_bytes(b"old")
    with pytest.raises(FileExistsError, match="model.tflite exists; pass overwrite=True"):
        export_graph(graph, tflite, format="tflite")
    assert tflite.read_bytes() == b"old"


def _fail_midway(*args, **kwargs):
    path = args[1]
    os.makedirs(os.path.join(path, "variables"))
    with open(os.path.join(path, "saved_model.pb"), "wb") as f:
        f.write(b"half")
    raise RuntimeError("disk full")


@pytest.mark.slow
def test_failed_export_leaves_nothing_half_written(graphs, tmp_path, monkeypatch):
    graph, _ = graphs["feature-extraction"]
    monkeypatch.setattr(tf.saved_model, "save", _fail_midway)
    with pytest.raises(RuntimeError, match="disk full"):
        export_graph(graph, tmp_path / "out")
    assert os.listdir(tmp_path) == []  # neither OUT nor the scratch folder beside it

    monkeypatch.undo()
    good = export_graph(graph, tmp_path / "out")
    before = sorted(os.listdir(good))
    monkeypatch.setattr(tf.saved_model, "save", _fail_midway)
    with pytest.raises(RuntimeError, match="disk full"):
        export_graph(graph, tmp_path / "out", overwrite=True)
    assert sorted(os.listdir(tmp_path)) == ["out"]
    assert sorted(os.listdir(good)) == before  # the previous export is untouched
    with pytest.raises(RuntimeError, match="disk full"):
        export_graph(graph, tmp_path / "model.tflite", format="tflite")
    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_token_ids_signature_of_a_task_that_reads_the_strings(graphs, tmp_path):
    graph, _ = graphs["question-answering"]
    with pytest.raises(ValueError, match="question-answering cannot carry the token_ids signature"):
        export_graph(graph, tmp_path / "out", signatures=("serving_default", "token_ids"))
    assert not (tmp_path / "out").exists()
