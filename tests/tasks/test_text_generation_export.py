"""The generation tasks out of Python: one SavedModel whose ``serving_default`` takes strings and
returns generated texts (loaded in a clean process with only tensorflow and tensorflow_text), the
strings-in ``.tflite`` of text2text generation, and ``tfbert run``; each gives the pipeline's
texts."""

import json
import subprocess
import sys

import numpy as np
import pytest

import tfbert
from tests.export.conftest import finish_check, interpreter, start_check
from tests.tasks.test_text_generation import (  # noqa: F401  (session fixtures)
    PROMPTS,
    SOURCES,
    bert2bert_folder,
    lm_folder,
)
from tfbert.export import export_task, tflite_ops

pytestmark = pytest.mark.slow  # each exports (and converts or runs a process): 20-40 s

OPTIONS = {  # task -> graph options of the export and the pipeline
    "text-generation": dict(max_new_tokens=5, prompt_length=16),
    "text2text-generation": dict(max_new_tokens=5, num_beams=2),
}


def _folder(task, lm_folder, bert2bert_folder):  # noqa: F811
    return lm_folder if task == "text-generation" else bert2bert_folder


def _tflite(task, folder, tmp_path):
    return export_task(task, str(folder), str(tmp_path / "model.tflite"), "tflite", **OPTIONS[task])


def _pipeline_texts(task, folder, texts):
    results = tfbert.pipeline(task, model=str(folder), **OPTIONS[task])(texts)
    results = [r if isinstance(r, list) else [r] for r in results]
    return [[item["generated_text"] for item in result] for result in results]


@pytest.mark.parametrize("task", sorted(OPTIONS))
def test_saved_model_in_a_clean_process_gives_the_pipelines_texts(
    task,
    lm_folder,  # noqa: F811
    bert2bert_folder,  # noqa: F811
    tmp_path,
):
    folder = _folder(task, lm_folder, bert2bert_folder)
    texts = PROMPTS if task == "text-generation" else SOURCES
    path = export_task(task, str(folder), str(tmp_path / task), **OPTIONS[task])
    code, report = finish_check(start_check(path, {"text": texts}))
    assert code == 0, report
    assert report["signatures"]["serving_default"]["outputs"] == ["generated_text"]
    assert report["keras_imported_by_loading"] == []
    assert report["outputs"]["generated_text"] == _pipeline_texts(task, folder, texts)


def test_text2text_tflite_runs_on_builtins_and_tf_text_kernels(
    bert2bert_folder,  # noqa: F811
    tmp_path,
):
    path = _tflite("text2text-generation", bert2bert_folder, tmp_path)
    with open(path, "rb") as f:
        assert tflite_ops(f.read())["other"] == []  # no select (Flex) op: the loop is WHILE
    run = interpreter(path).get_signature_runner("serving_default")
    out = run(text=np.array(SOURCES, object))["generated_text"]
    texts = [[t.decode("utf-8") for t in row] for row in out]
    assert texts == _pipeline_texts("text2text-generation", bert2bert_folder, SOURCES)


def test_tfbert_run_generates_one_json_line_per_input(bert2bert_folder):  # noqa: F811
    result = subprocess.run(
        [sys.executable, "-m", "tfbert.cli", "run", "--task", "summarization"]
        + ["--model", str(bert2bert_folder)],
        input="\n".join(SOURCES).encode() + b"\n",
        capture_output=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    expected = tfbert.pipeline("summarization", model=str(bert2bert_folder))(SOURCES)
    assert lines == expected  # one result per line (the flattened list of a list call)


def test_text_generation_tflite_needs_select_ops_and_says_so(lm_folder, tmp_path):  # noqa: F811
    with pytest.warns(UserWarning, match=r"select \(Flex\) ops for .*Substr"):
        path = _tflite("text-generation", lm_folder, tmp_path)
    with open(path, "rb") as f:
        assert "FlexSubstr" in tflite_ops(f.read())["other"]
