"""The tfbert command line, run as a user runs it."""

import pathlib
import subprocess
import sys

import numpy as np

import tfbert
from tests.reference import run_reference

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "v4"


def _tfbert(*args):
    return subprocess.run([sys.executable, "-m", "tfbert.cli", *args], capture_output=True, text=True,
                          timeout=300)


def test_convert_tf_h5_to_safetensors_that_transformers_v5_loads(tmp_path):
    import transformers

    result = _tfbert("convert", str(FIXTURES / "tf_bert_for_masked_lm"), str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "TFBertForMaskedLM" in result.stdout
    reference = dict(np.load(FIXTURES / "tf_bert_for_masked_lm" / "reference.npz"))
    inputs = {k: reference[k] for k in ("input_ids", "attention_mask", "token_type_ids")}
    theirs = transformers.BertForMaskedLM.from_pretrained(tmp_path / "out").eval()
    np.testing.assert_allclose(run_reference(theirs, inputs)["logits"], reference["logits"], atol=1e-4)


def test_convert_errors_and_version(tmp_path):
    result = _tfbert("convert", str(tmp_path / "nowhere"), str(tmp_path / "out"), "--offline")
    assert result.returncode == 1 and "is neither a local folder nor a valid Hugging Face hub id" in result.stderr
    assert not (tmp_path / "out").exists()
    result = _tfbert("--version")
    assert result.returncode == 0 and tfbert.__version__ in result.stdout
