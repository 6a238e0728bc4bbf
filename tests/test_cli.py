"""The tfbert command line, run as a user runs it."""

import pathlib
import subprocess
import sys

import numpy as np
import pytest

import tfbert
from tests.reference import run_reference

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "v4"


def _tfbert(*args):
    return subprocess.run(
        [sys.executable, "-m", "tfbert.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_convert_tf_h5_to_safetensors_that_transformers_v5_loads(tmp_path):
    import transformers

    result = _tfbert("convert", str(FIXTURES / "tf_bert_for_masked_lm"), str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "TFBertForMaskedLM" in result.stdout
    reference = dict(np.load(FIXTURES / "tf_bert_for_masked_lm" / "reference.npz"))
    inputs = {k: reference[k] for k in ("input_ids", "attention_mask", "token_type_ids")}
    theirs = transformers.BertForMaskedLM.from_pretrained(tmp_path / "out").eval()
    np.testing.assert_allclose(
        run_reference(theirs, inputs)["logits"], reference["logits"], atol=1e-4
    )


def test_convert_errors_and_version(tmp_path):
    result = _tfbert("convert", str(tmp_path / "nowhere"), str(tmp_path / "out"), "--offline")
    assert (
        result.returncode == 1
        and "is neither a local folder nor a valid Hugging Face hub id" in result.stderr
    )
    assert not (tmp_path / "out").exists()
    result = _tfbert("--version")
    assert result.returncode == 0 and tfbert.__version__ in result.stdout


def _run_cli(args, stdin: bytes):
    return subprocess.run(
        [sys.executable, "-m", "tfbert.cli", "run", *args],
        input=stdin,
        capture_output=True,
        timeout=600,
    )


@pytest.mark.slow
def test_run_fill_mask_lines_with_bad_lines_reported_and_skipped(tmp_path):
    import json

    from tests.tasks.conftest import make_checkpoint
    from tfbert.tasks import default_model_path

    make_checkpoint("BertForMaskedLM", tmp_path, pathlib.Path(default_model_path()))
    lines = [
        b"Plants create [MASK] through a process known as photosynthesis.",
        b"no mask here",
        b"\xff\xfe not utf-8",
        b"The capital of France is [MASK].",
    ]
    result = _run_cli(
        ["--task", "fill-mask", "--model", str(tmp_path), "--top-k", "2"], b"\n".join(lines) + b"\n"
    )
    stderr = result.stderr.decode()
    assert result.returncode == 1
    assert "line 2: fill-mask input 'no mask here' has no [MASK] token" in stderr
    assert "line 3: not valid UTF-8" in stderr
    outputs = [json.loads(line) for line in result.stdout.decode().splitlines()]
    expected = tfbert.pipeline("fill-mask", model=str(tmp_path), top_k=2)(
        [lines[0].decode(), lines[3].decode()]
    )
    assert len(outputs) == 2
    for got, want in zip(outputs, expected):
        assert [r["token_str"] for r in got] == [r["token_str"] for r in want]
        np.testing.assert_allclose([r["score"] for r in got], [r["score"] for r in want], atol=1e-6)


@pytest.mark.slow
def test_run_sentence_embedding_on_the_embedded_default_model():
    import json

    result = _run_cli(["--task", "sentence-embedding"], b"A cat sits.\nA dog runs.\n")
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    vectors = np.array([json.loads(line) for line in result.stdout.decode().splitlines()])
    assert vectors.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    args = ["--task", "sentence-embedding", "--precision", "int8"]
    result = _run_cli(args, b"A cat sits.\nA dog runs.\n")
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    int8 = np.array([json.loads(line) for line in result.stdout.decode().splitlines()])
    assert int8.shape == (2, 384) and not np.allclose(int8, vectors, atol=1e-5)
    assert np.sum(int8 * vectors, axis=1).min() > 0.99  # unit vectors: the cosines


@pytest.mark.slow
def test_run_pairs_need_tabs():
    result = _run_cli(
        ["--task", "question-answering", "--model", str(FIXTURES.parent / "qa")],
        b"Where is it?\tIt is in Paris.\nno tab here\n",
    )
    assert result.returncode == 1
    assert (
        "line 2: question-answering needs 2 tab-separated fields (question<TAB>context), got 1"
        in result.stderr.decode()
    )
    assert len(result.stdout.decode().splitlines()) == 1


@pytest.mark.slow
def test_similarity_prints_the_cosine_matrix():
    result = _tfbert("similarity", "A man is eating food.", "A man is eating bread.", "A violin.")
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [line.split()[-3:] for line in result.stdout.splitlines()[1:]]
    similarity = np.array(rows, dtype=float)
    np.testing.assert_allclose(np.diag(similarity), 1.0, atol=0.01)
    assert similarity[0, 1] > similarity[0, 2] + 0.3  # the two meals are alike, the violin is not


@pytest.mark.slow
def test_export_writes_a_saved_model_and_refuses_to_overwrite(tmp_path):
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (registers the tokenizer's ops, as TF Serving links them)

    out = tmp_path / "embed"
    result = _tfbert(
        "export", "--task", "sentence-embedding", "--output", str(out), "--max-length", "32"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"wrote {out / '1'}" in result.stdout
    served = tf.saved_model.load(str(out / "1")).signatures["serving_default"]
    vectors = served(text=tf.constant(["A cat sits."]))["embeddings"].numpy()
    np.testing.assert_allclose(
        vectors, tfbert.pipeline("sentence-embedding", max_length=32)(["A cat sits."]), atol=1e-4
    )
    again = _tfbert("export", "--task", "sentence-embedding", "--output", str(out))
    assert again.returncode == 1 and "overwrite" in again.stderr


@pytest.fixture(scope="module")
def mlm_folder(tmp_path_factory):
    from tests.tasks.conftest import make_checkpoint
    from tfbert.tasks import default_model_path

    folder = tmp_path_factory.mktemp("mlm")
    make_checkpoint("BertForMaskedLM", folder, pathlib.Path(default_model_path()))
    return folder


@pytest.mark.slow
def test_run_takes_device_and_dtype_as_transformers_cli(mlm_folder):
    import json

    lines = ["The capital of France is [MASK].", "I [MASK] this movie, it was [MASK]!"]
    result = _run_cli(
        [
            "--task",
            "fill-mask",
            "--model",
            str(mlm_folder),
            "--top-k",
            "3",
            "--device",
            "-1",
            "--dtype",
            "bfloat16",
        ],
        "\n".join(lines).encode(),
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    outputs = [json.loads(line) for line in result.stdout.decode().splitlines()]
    expected = tfbert.pipeline(
        "fill-mask", model=str(mlm_folder), top_k=3, device=-1, dtype="bfloat16"
    )(lines)
    assert outputs == json.loads(json.dumps(expected))
    float32 = tfbert.pipeline("fill-mask", model=str(mlm_folder), top_k=3)(lines)
    assert outputs != json.loads(json.dumps(float32))  # bfloat16 really ran (scores differ)


@pytest.mark.slow
def test_run_device_zero_without_a_gpu_warns_and_runs_on_the_cpu(mlm_folder):
    import tensorflow as tf

    gpus = len(tf.config.list_logical_devices("GPU"))
    result = _run_cli(
        ["--task", "fill-mask", "--model", str(mlm_folder), "--device", "0"],
        b"The capital of France is [MASK].\n",
    )
    stderr = result.stderr.decode()
    assert result.returncode == 0, stderr[-2000:]
    assert len(result.stdout.decode().splitlines()) == 1
    warning = f"tfbert run: warning: device /GPU:0 asked for, but this machine has {gpus} GPU(s)"
    assert (warning in stderr) == (gpus == 0)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--device", "tpu"], "tfbert run: device 'tpu' is not a device tfbert knows"),
        (["--dtype", "int8"], "tfbert run: dtype 'int8' is not one of auto, float32, float16"),
    ],
)
@pytest.mark.slow
def test_run_bad_device_or_dtype_is_one_error_line(args, message):
    result = _run_cli(["--task", "sentence-embedding", *args], b"A cat sits.\n")
    stderr = result.stderr.decode()
    assert result.returncode == 1 and message in stderr
    assert "Traceback" not in stderr and result.stdout == b""


def test_option_arguments_are_read_as_json_or_kept_as_strings():
    from tfbert.cli import build_parser

    args = build_parser().parse_args(
        ["run", "--task", "summarization", "--option", "num_beams=4", "--option", "do-sample=true"]
        + ["--option", 'targets=["a", "b"]', "--option", "aggregation_strategy=simple"]
    )
    assert args.option == [
        ("num_beams", 4),
        ("do_sample", True),
        ("targets", ["a", "b"]),
        ("aggregation_strategy", "simple"),
    ]


@pytest.mark.slow
def test_run_passes_option_arguments_to_the_task(mlm_folder):
    import json

    lines = ["The capital of France is [MASK]."]
    argv = ["--task", "fill-mask", "--model", str(mlm_folder), "--option", "top_k=2"]
    result = _run_cli(argv + ["--option", 'targets=["paris", "london", "the"]'], lines[0].encode())
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    expected = tfbert.pipeline(
        "fill-mask", model=str(mlm_folder), top_k=2, targets=["paris", "london", "the"]
    )(lines)
    assert [json.loads(line) for line in result.stdout.decode().splitlines()] == json.loads(
        json.dumps(expected)
    )


@pytest.mark.slow
def test_export_takes_max_length_as_an_option_argument(mlm_folder, tmp_path):
    import tensorflow as tf

    from tfbert.cli import main

    argv = ["export", "--task", "feature-extraction", "--model", str(mlm_folder)]
    assert main(argv + ["--output", str(tmp_path / "out"), "--option", "max_length=8"]) == 0
    serve = tf.saved_model.load(str(tmp_path / "out" / "1")).signatures["serving_default"]
    features = serve(text=tf.constant(["a sentence long enough to be cut at eight tokens"]))
    assert features["features"].shape[1] == 8
