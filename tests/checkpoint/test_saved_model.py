"""save_pretrained(saved_model=True), model.serving and model.export: SavedModels that load in a
clean process with tensorflow alone; from_pt / from_tf accepted; tf_model.h5 written on request."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tfbert
from tests.reference import TINY, make_reference

CLEAN_RUN = textwrap.dedent("""
    import json, sys
    import numpy as np
    import tensorflow as tf
    path, inputs = sys.argv[1], json.loads(sys.argv[2])
    loaded = tf.saved_model.load(path)
    fn = loaded.signatures["serving_default"]
    result = fn(**{k: tf.constant(v, tf.int32) for k, v in inputs.items()})
    print(json.dumps({k: np.asarray(v).tolist() for k, v in result.items()}))
    ours = ("tfbert", "transformers")
    print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ours)))
""")


def _run_clean(path, inputs):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CLEAN_RUN,
            str(path),
            json.dumps({k: v.tolist() for k, v in inputs.items()}),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd="/",
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert json.loads(lines[-1]) == []  # nothing of tfbert or transformers was imported
    return {k: np.array(v) for k, v in json.loads(lines[-2]).items()}


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    folder = make_reference("BertForSequenceClassification", tmp_path_factory)[1]
    return folder, tfbert.TFBertForSequenceClassification.from_pretrained(folder)


@pytest.mark.slow
def test_save_pretrained_saved_model_loads_in_a_clean_process(classifier, batch, tmp_path):
    _, model = classifier
    model.save_pretrained(tmp_path, saved_model=True, version=3)
    assert sorted(os.listdir(tmp_path)) == ["config.json", "model.safetensors", "saved_model"]
    assert os.listdir(tmp_path / "saved_model") == ["3"]
    inputs = {k: v.astype(np.int32) for k, v in batch.items()}
    served = _run_clean(tmp_path / "saved_model" / "3", inputs)
    assert sorted(served) == ["logits"]
    np.testing.assert_allclose(served["logits"], model(batch).logits, atol=1e-5)
    # the in-process serving function is the same signature
    np.testing.assert_allclose(model.serving(inputs)["logits"], model(batch).logits, atol=1e-5)
    # saving again over it replaces it whole
    model.save_pretrained(tmp_path, saved_model=True, version=3)
    assert sorted(os.listdir(tmp_path / "saved_model")) == ["3"]


@pytest.mark.slow
def test_custom_signatures_and_hidden_states_stacked(batch, tmp_path):
    import tensorflow as tf

    model = tfbert.TFBertModel(tfbert.BertConfig(**TINY, output_hidden_states=True))
    model.build()
    inputs = {k: v.astype(np.int32) for k, v in batch.items()}
    served = model.serving(inputs)
    assert sorted(served) == ["hidden_states", "last_hidden_state", "pooler_output"]
    assert tuple(served["hidden_states"].shape) == (3, 2, 7, 32)

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32, name="input_ids")])
    def pooled(input_ids):
        return {"pooled": model(input_ids).pooler_output}

    model.save_pretrained(tmp_path, saved_model=True, signatures=pooled)
    result = _run_clean(tmp_path / "saved_model" / "1", {"input_ids": inputs["input_ids"]})
    np.testing.assert_allclose(result["pooled"], model(batch["input_ids"]).pooler_output, atol=1e-5)


@pytest.mark.slow
def test_export_on_a_bare_model_loads_in_a_clean_process(batch, tmp_path):
    model = tfbert.TFBertModel(tfbert.BertConfig(**TINY))
    model.build()
    model.export(tmp_path / "exported")
    inputs = {k: v.astype(np.int32) for k, v in batch.items()}
    served = _run_clean(tmp_path / "exported", inputs)
    np.testing.assert_allclose(
        served["last_hidden_state"], model(batch).last_hidden_state, atol=1e-5
    )


def test_from_pt_from_tf_and_tf_h5_on_request(classifier, batch, tmp_path):
    folder, model = classifier
    expected = model(batch).logits
    for flags in ({"from_pt": True}, {"from_tf": False}, {"from_pt": False, "from_tf": True}):
        loaded = tfbert.TFBertForSequenceClassification.from_pretrained(folder, **flags)
        np.testing.assert_allclose(loaded(batch).logits, expected, atol=1e-6)
    model.save_pretrained(tmp_path, safe_serialization=False)
    assert sorted(os.listdir(tmp_path)) == ["config.json", "tf_model.h5"]
    loaded = tfbert.TFBertForSequenceClassification.from_pretrained(tmp_path, from_tf=True)
    np.testing.assert_allclose(loaded(batch).logits, expected, atol=1e-6)
    with pytest.raises(TypeError, match="from_pt must be True or False, got 'yes'"):
        tfbert.TFBertForSequenceClassification.from_pretrained(folder, from_pt="yes")
    with pytest.raises(ValueError, match="version must be a non-negative integer, got 'v1'"):
        model.save_pretrained(tmp_path, saved_model=True, version="v1")
