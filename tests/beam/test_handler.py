"""TaskModelHandler: the checkpoint and SavedModel routes give tfbert.pipeline's results."""

import numpy as np
import pytest

from tests.beam.conftest import assert_same_classification, sentences

pytestmark = pytest.mark.slow  # a task graph per Beam handler

TEXTS = sentences(40, seed=1) + ["", "Ünïcödé 🙂 " * 30]


def run(handler, items):
    """The handler as RunInference drives it, in batches of its max_batch_size."""
    model = handler.load_model()
    size = handler.batch_elements_kwargs()["max_batch_size"]
    out = []
    for start in range(0, len(items), size):
        out += list(handler.run_inference(items[start : start + size], model))
    return out


@pytest.fixture(scope="module")
def classifier_pipeline(classifier_folder):
    import tfbert

    return tfbert.pipeline("text-classification", model=classifier_folder)


def test_checkpoint_route_equals_pipeline(classifier_folder, classifier_pipeline):
    from tfbert.beam import TaskModelHandler

    handler = TaskModelHandler("text-classification", classifier_folder, max_batch_size=16)
    predictions = run(handler, TEXTS)
    assert [p.example for p in predictions] == TEXTS
    for prediction, expected in zip(predictions, classifier_pipeline(TEXTS)):
        assert_same_classification(prediction.inference, expected)


def test_checkpoint_route_int8_equals_the_int8_pipeline(classifier_folder):
    import tfbert
    from tfbert.beam import TaskModelHandler

    handler = TaskModelHandler(
        "text-classification", classifier_folder, max_batch_size=16, precision="int8"
    )
    expected = tfbert.pipeline("text-classification", classifier_folder, precision="int8")(TEXTS)
    for prediction, reference in zip(run(handler, TEXTS), expected):
        assert_same_classification(prediction.inference, reference)


def test_saved_model_route_equals_pipeline(classifier_export, classifier_pipeline):
    from tfbert.beam import TaskModelHandler

    handler = TaskModelHandler("sentiment-analysis", classifier_export, max_batch_size=16)
    for prediction, expected in zip(run(handler, TEXTS), classifier_pipeline(TEXTS)):
        assert_same_classification(prediction.inference, expected)


def test_saved_model_top_k_needs_the_labels(classifier_export, classifier_pipeline):
    from tfbert.beam import TaskModelHandler

    options = {"top_k": None}
    handler = TaskModelHandler(
        "text-classification", classifier_export, options=options, labels=["NEG", "NEU", "POS"]
    )
    expected = classifier_pipeline(TEXTS[:5], top_k=None)
    for prediction, ranked in zip(run(handler, TEXTS[:5]), expected):
        assert [r["label"] for r in prediction.inference] == [r["label"] for r in ranked]
        np.testing.assert_allclose(
            [r["score"] for r in prediction.inference], [r["score"] for r in ranked], atol=1e-5
        )
    unlabelled = TaskModelHandler("text-classification", classifier_export, options=options)
    with pytest.raises(ValueError, match="needs the label names"):
        unlabelled.load_model()


def test_saved_model_embeddings_equal_pipeline(encoder_folder, encoder_export):
    import tfbert
    from tfbert.beam import TaskModelHandler

    expected = tfbert.pipeline("sentence-embedding", model=encoder_folder)(TEXTS)
    handler = TaskModelHandler("sentence-embedding", encoder_export + "/1", max_batch_size=8)
    vectors = np.stack([p.inference for p in run(handler, TEXTS)])
    np.testing.assert_allclose(vectors, expected, atol=1e-5, rtol=0)


def test_saved_model_refuses_graph_options_and_other_tasks(encoder_export):
    from tfbert.beam import TaskModelHandler

    with pytest.raises(ValueError, match=r"options \['normalize'\] cannot apply"):
        TaskModelHandler("sentence-embedding", encoder_export, options={"normalize": False})
    with pytest.raises(ValueError, match="exported for another task"):
        TaskModelHandler("question-answering", encoder_export).load_model()
    with pytest.raises(ValueError, match="precision was fixed by its export"):
        TaskModelHandler("sentence-embedding", encoder_export, precision="int8")


def test_a_refused_input_fails_alone(mlm_folder):
    import tfbert
    from tfbert.beam import InferenceFailure, TaskModelHandler

    texts = ["The [MASK] sits.", "no mask here", "A [MASK] runs.", "Go [MASK] now."]
    handler = TaskModelHandler("fill-mask", mlm_folder, isolate_failures=True)
    predictions = run(handler, texts)
    failure = predictions[1].inference
    assert isinstance(failure, InferenceFailure)
    assert "no [MASK] token" in failure.error and "no mask here" in failure.error
    fill = tfbert.pipeline("fill-mask", model=mlm_folder)
    for prediction, text in zip(predictions, texts):
        if text != "no mask here":
            assert [r["token_str"] for r in prediction.inference] == [
                r["token_str"] for r in fill(text)
            ]
    strict = TaskModelHandler("fill-mask", mlm_folder)
    with pytest.raises(ValueError, match=r"no \[MASK\] token"):
        run(strict, texts)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"max_batch_size": 0}, "max_batch_size 0 must be a positive integer"),
        ({"min_batch_size": 9, "max_batch_size": 4}, "min_batch_size 9 is larger"),
        ({"task": "translation"}, "unknown task 'translation'"),
        ({"threads": 0}, "threads 0 must be a positive integer"),
        ({"precision": "int4"}, "precision 'int4' is not one of float32, int8"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    from tfbert.beam import TaskModelHandler

    kwargs = {"task": "sentence-embedding", **kwargs}
    with pytest.raises(ValueError, match=message):
        TaskModelHandler(**kwargs)


def test_inference_args_are_refused():
    from tfbert.beam import TaskModelHandler

    with pytest.raises(ValueError, match="options="):
        TaskModelHandler("sentence-embedding").validate_inference_args({"top_k": 2})


def test_length_buckets_reach_beams_batching():
    from apache_beam.transforms.util import BatchElements

    from tfbert.beam import TaskModelHandler
    from tfbert.beam.handler import input_length

    kwargs = TaskModelHandler(
        "sentence-embedding", length_buckets=[8, 64], max_batch_duration_secs=2
    ).batch_elements_kwargs()
    assert kwargs["bucket_boundaries"] == [8, 64] and kwargs["max_batch_duration_secs"] == 2
    assert kwargs["length_fn"](("id-1", "four")) == 4 == input_length({"text": "four"})
    BatchElements(**kwargs)  # Beam takes them
