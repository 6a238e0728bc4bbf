"""int8's quality bars on the real all-MiniLM-L6-v2, on paragraphs none of tfbert's int8 choices
were tuned on (``pydoc_data.topics`` paragraphs 600-1000): sentence embeddings within cosine 0.99
of float32 on every text; a fine-tuned classifier's top-1 labels the same on >= 99% of them; both
by each int8 route (the pipeline's LiteRT model and ``tfbert export --quantize int8``'s oneDNN
SavedModel); the int8 SavedModel loads and runs in a process with only TensorFlow and tf-text."""

import importlib.util
import os
import pathlib

import numpy as np
import pytest

import tfbert
from tests.export.test_tflite_runtime import corpus
from tests.tasks.conftest import minilm_folder  # noqa: F401  (the session fixture)

pytestmark = pytest.mark.slow
HELD_OUT = (600, 1000)
REPO = pathlib.Path(__file__).resolve().parents[2]


def cosines(a, b):
    return np.sum(a * b, axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


@pytest.fixture(scope="module")
def texts():
    return corpus(*HELD_OUT)


ROUTES = ("pipeline", "saved_model")  # LiteRT (tfbert.pipeline); oneDNN (tfbert export)


def int8_outputs(route, task, model, texts, tmp_path, output, **options):
    """``output`` for every text from ``task`` in int8 by ``route``: ``tfbert.pipeline(...,
    precision="int8")``, or ``tfbert export --quantize int8``'s SavedModel loaded here."""
    if route == "pipeline":
        results = tfbert.pipeline(task, model, precision="int8", **options)(texts, batch_size=32)
        return results if output is None else [r[output] for r in results]
    import tensorflow as tf

    from tfbert.export import export_task

    path = export_task(task, model, tmp_path / f"int8-{route}", quantize="int8", **options)
    serve = tf.saved_model.load(path).signatures["serving_default"]
    outputs = [serve(text=tf.constant(texts[i : i + 32])) for i in range(0, len(texts), 32)]
    values = np.concatenate([o[output or "embeddings"].numpy() for o in outputs])
    return values if output is None else [v.decode() for v in values]


@pytest.mark.parametrize("route", ROUTES)
def test_int8_embeddings_stay_within_cosine_0_99_of_float32_on_every_text(route, texts, tmp_path):
    kwargs = dict(max_length=256, normalize=False)
    reference = tfbert.pipeline("sentence-embedding", batch_size=32, **kwargs)(texts)
    int8 = np.asarray(
        int8_outputs(route, "sentence-embedding", None, texts, tmp_path, None, **kwargs)
    )
    assert len(texts) == 400 and int8.shape == reference.shape
    similarity = cosines(int8, reference)
    assert similarity.min() >= 0.99, np.argsort(similarity)[:5]
    assert not np.allclose(int8, reference, atol=1e-4)  # int8 did run


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    recipe = REPO / "benchmarks" / "quantization_agreement.py"  # a script: loaded by its path
    spec = importlib.util.spec_from_file_location("quantization_agreement", recipe)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    folder = tmp_path_factory.mktemp("classifier")
    module.fine_tuned_classifier(folder)
    return str(folder)


@pytest.mark.parametrize("route", ROUTES)
def test_int8_classifier_agrees_with_float32_on_99_percent(route, texts, classifier, tmp_path):
    classify = tfbert.pipeline("text-classification", classifier, max_length=128)
    reference = [r["label"] for r in classify(texts, batch_size=32)]
    labels = int8_outputs(
        route, "text-classification", classifier, texts, tmp_path, "label", max_length=128
    )
    assert len(set(reference)) == 3  # the labels vary: agreement means something
    agreement = np.mean([a == b for a, b in zip(labels, reference)])
    assert len(labels) == len(texts) and agreement >= 0.99


def test_int8_saved_model_runs_with_tensorflow_and_tf_text_only(texts, tmp_path):
    from tests.export.conftest import finish_check, start_check
    from tfbert.export import export_task

    sample = texts[:16]
    path = export_task("sentence-embedding", None, tmp_path / "int8", quantize="int8")
    code, report = finish_check(start_check(path, {"text": sample}))
    assert code == 0 and report["unknown_ops"] == [], report
    assert report["keras_imported_by_loading"] == [] and report["non_generic_objects"] == []
    exported = np.asarray(report["outputs"]["embeddings"])
    embed = tfbert.pipeline("sentence-embedding")
    reference = embed(sample)
    assert cosines(exported, reference).min() >= 0.99
    # int8 kernels on disk: the encoder's 10.6 M matmul weights take a byte each, not four
    size = sum(
        os.path.getsize(os.path.join(root, name))
        for root, _, names in os.walk(os.path.join(path, "variables"))
        for name in names
    )
    float_size = 4 * embed.parts.model.count_params()
    assert size < float_size - 3 * 10_000_000
