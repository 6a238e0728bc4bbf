"""precision="int8" in tfbert.pipeline and quantize="int8" in tfbert.export (tiny checkpoint)."""

import numpy as np
import pytest

import tfbert
from tests.tasks.conftest import make_checkpoint, minilm_folder  # noqa: F401  (the fixture)

TEXTS = ["I loved it.", "Terrible, do not watch.", "An average film with a good cast."]


@pytest.fixture(scope="module")
def classifier(tiny_classifier):
    return str(tiny_classifier[1])


def test_pipeline_int8_runs_the_model_on_litert_close_to_float32(classifier):
    results = {}
    for precision in ("float32", "int8"):
        classify = tfbert.pipeline("text-classification", classifier, precision=precision)
        assert (classify.litert is not None) == (precision == "int8")
        results[precision] = classify(TEXTS, top_k=None)
    for ours, reference in zip(results["int8"], results["float32"]):
        scores = {r["label"]: r["score"] for r in reference}
        assert {r["label"] for r in ours} == set(scores)
        np.testing.assert_allclose(
            [r["score"] for r in ours], [scores[r["label"]] for r in ours], atol=0.02
        )


@pytest.mark.slow
def test_export_int8_saved_model_is_quantized_and_close(classifier, tmp_path):
    import tensorflow as tf

    from tfbert.export import export_task

    path = export_task("text-classification", classifier, tmp_path / "int8", quantize="int8")
    served = tf.saved_model.load(path).signatures["serving_default"]
    probabilities = served(text=tf.constant(TEXTS))["probabilities"].numpy()
    reference = tfbert.pipeline("text-classification", classifier)(TEXTS, top_k=None)
    expected = [
        [{r["label"]: r["score"] for r in row}[k] for k in ("NEG", "NEU", "POS")]
        for row in reference
    ]
    np.testing.assert_allclose(probabilities, expected, atol=0.02)


def test_bad_precision_and_quantize_are_named(tmp_path):
    from tfbert.export import export_task

    with pytest.raises(ValueError, match="precision 'int4' is not one of float32, int8"):
        tfbert.pipeline("sentence-embedding", precision="int4")
    with pytest.raises(ValueError, match="quantize='int8' is for SavedModels"):
        export_task(
            "sentence-embedding", None, tmp_path / "m.tflite", format="tflite", quantize="int8"
        )
    with pytest.raises(ValueError, match="a SavedModel takes 'none' or 'int8'"):
        export_task("sentence-embedding", None, tmp_path / "m", quantize="dynamic")
