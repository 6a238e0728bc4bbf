"""The task base class: the registry holds one ``Task`` per task module, and the graph runs the
model and the post-processing through the class's hooks."""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfbert.tasks import TASKS, Task, build_task_graph, get_task
from tfbert.tasks.feature_extraction import FeatureExtraction

READS_STRINGS = {"question-answering", "token-classification", "multiple-choice"}


def test_registry_holds_one_task_per_name_with_a_model_class():
    for name, task in TASKS.items():
        assert isinstance(task, Task) and task.name == name
        assert isinstance(task.model_class, type) and issubclass(task.model_class, keras.Model)
        assert task.model_class.__name__.startswith("TFBert")
        for alias in task.aliases:
            assert get_task(alias) is task
    assert get_task("sentiment-analysis").name == "text-classification"
    assert get_task("ner").name == "token-classification"
    with pytest.raises(ValueError, match="unknown task 'summarization'; tfbert knows"):
        get_task("summarization")


def test_signatures_follow_what_the_post_processing_reads():
    for name, task in TASKS.items():
        expected = (
            ("serving_default",) if name in READS_STRINGS else ("serving_default", "token_ids")
        )
        assert task.signatures() == expected, name
    assert not get_task("multiple-choice").tflite_tokenizes()
    assert get_task("question-answering").tflite_tokenizes()


class ScaledFeatures(FeatureExtraction):
    """A task that runs the model its own way: the forward call, the features scaled."""

    name = "scaled-features"
    graph_options = FeatureExtraction.graph_options + ("scale",)

    def model_options(self, options):
        return {"scale": float(options.pop("scale", 1.0))}

    def run_model(self, model, features, scale=1.0):
        outputs = super().run_model(model, features)
        return {"last_hidden_state": outputs["last_hidden_state"] * scale}


def test_run_model_hook_and_its_options_shape_the_graph(monkeypatch):
    monkeypatch.setitem(TASKS, ScaledFeatures.name, ScaledFeatures())
    texts = tf.constant(["A cat sits.", "Photosynthesis makes sugar."])
    plain, _ = build_task_graph("feature-extraction", max_length=16)
    scaled, rest = build_task_graph("scaled-features", max_length=16, scale=3.0)
    assert rest == {"labels": ["LABEL_0", "LABEL_1"], "mask_token": "[MASK]"}
    assert scaled.get_config()["model_options"] == {"scale": 3.0}
    np.testing.assert_allclose(
        scaled(texts)["features"].numpy(), 3.0 * plain(texts)["features"].numpy(), rtol=1e-5
    )


def test_graph_saves_and_loads_without_keras_build_warnings(tmp_path):
    graph, _ = build_task_graph("sentence-embedding", max_length=16)
    texts = tf.constant(["A cat sits."])
    path = tmp_path / "graph.keras"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        graph.save(path)
        restored = keras.saving.load_model(path)
    assert not [w for w in caught if "built" in str(w.message) or "build" in str(w.message)]
    np.testing.assert_allclose(
        restored(texts)["embeddings"].numpy(), graph(texts)["embeddings"].numpy(), atol=1e-6
    )
