"""compile(optimizer) without a loss, then fit(x, y): y is the labels, as in transformers v4's
train_step; the loss Keras reports is the model's own loss."""

import keras
import numpy as np
import pytest

import tfbert
from tests.reference import TINY
from tfbert import BertConfig

NO_DROPOUT = dict(TINY, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)


@pytest.mark.slow
def test_fit_x_y_trains_on_own_loss_with_y_as_labels(batch):
    keras.utils.set_random_seed(0)
    model = tfbert.TFBertForSequenceClassification(BertConfig(**NO_DROPOUT))
    model.compile(optimizer=keras.optimizers.Adam(5e-3))
    labels = np.array([2, 0])
    losses = model.fit(batch, labels, epochs=15, batch_size=2, verbose=0).history["loss"]
    assert losses[-1] < losses[0] * 0.5, losses
    own = float(model({**batch, "labels": labels}).loss)
    np.testing.assert_allclose(model.evaluate(batch, labels, verbose=0), own, rtol=1e-5)
    # ids alone as x (not a dict), and a tf.data pipeline of (x, y)
    import tensorflow as tf

    data = tf.data.Dataset.from_tensor_slices((dict(batch), labels)).batch(2)
    assert np.isfinite(model.fit(data, epochs=1, verbose=0).history["loss"]).all()
    ids_only = float(model({"input_ids": batch["input_ids"], "labels": labels}).loss)
    np.testing.assert_allclose(
        model.evaluate(batch["input_ids"], labels, verbose=0), ids_only, rtol=1e-5
    )


@pytest.mark.slow
def test_fit_when_the_config_asks_for_tuples(batch):
    model = tfbert.TFBertForTokenClassification(BertConfig(**NO_DROPOUT, return_dict=False))
    model.compile(optimizer="adam")
    labels = np.where(batch["attention_mask"] == 1, 1, -100)
    assert isinstance(model(batch), tuple)
    own = float(model({**batch, "labels": labels})[0])
    np.testing.assert_allclose(model.evaluate(batch, labels, verbose=0), own, rtol=1e-5)
    assert np.isfinite(model.fit(batch, labels, epochs=1, verbose=0).history["loss"]).all()


@pytest.mark.slow
def test_question_answering_y_dict_and_tuple(batch):
    keras.utils.set_random_seed(0)
    model = tfbert.TFBertForQuestionAnswering(BertConfig(**NO_DROPOUT))
    model.compile(optimizer=keras.optimizers.Adam(5e-3))
    y = {"start_positions": np.array([1, 2]), "end_positions": np.array([3, 4])}
    losses = model.fit(batch, y, epochs=10, batch_size=2, verbose=0).history["loss"]
    assert losses[-1] < losses[0] * 0.5, losses
    own = float(model({**batch, **y}).loss)
    np.testing.assert_allclose(model.evaluate(batch, y, verbose=0), own, rtol=1e-5)
    as_tuple = model.evaluate(batch, (y["start_positions"], y["end_positions"]), verbose=0)
    np.testing.assert_allclose(as_tuple, own, rtol=1e-5)


@pytest.mark.slow
def test_pretraining_y_dict(batch):
    keras.utils.set_random_seed(0)
    model = tfbert.TFBertForPreTraining(BertConfig(**NO_DROPOUT))
    model.compile(optimizer=keras.optimizers.Adam(5e-3))
    mlm = np.where(np.arange(7) % 2, batch["input_ids"], -100)
    y = {"labels": mlm, "next_sentence_label": np.array([0, 1])}
    losses = model.fit(batch, y, epochs=10, batch_size=2, verbose=0).history["loss"]
    assert losses[-1] < losses[0] * 0.5, losses
    np.testing.assert_allclose(
        model.evaluate(batch, y, verbose=0), float(model({**batch, **y}).loss), rtol=1e-5
    )


def test_next_sentence_prediction_y_is_next_sentence_label(batch):
    model = tfbert.TFBertForNextSentencePrediction(BertConfig(**NO_DROPOUT))
    model.compile(optimizer="adam")
    y = np.array([1, 0])
    np.testing.assert_allclose(
        model.evaluate(batch, y, verbose=0),
        float(model({**batch, "next_sentence_label": y}).loss),
        rtol=1e-5,
    )


@pytest.mark.parametrize(
    "cls,y,message",
    [
        ("TFBertForQuestionAnswering", np.array([1, 2]), "takes several targets"),
        ("TFBertForSequenceClassification", {"label": np.array([1, 2])}, r"keys \['label'\]"),
        ("TFBertModel", np.array([1, 2]), "TFBertModel has no loss of its own"),
    ],
)
def test_bad_y_gets_a_clear_error(batch, cls, y, message):
    model = getattr(tfbert, cls)(BertConfig(**TINY))
    model.compile(optimizer="adam")
    with pytest.raises(ValueError, match=message):
        model.fit(batch, y, epochs=1, verbose=0)


@pytest.mark.parametrize(
    "name, labels",
    [
        ("TFBertForSequenceClassification", np.array([2, 0])),
        (
            "TFBertForTokenClassification",
            np.array([[1, 2, 0, 1, 2, 0, 1], [0, 1, 2, 0, 1, -100, -100]]),
        ),
    ],
)
@pytest.mark.slow
def test_compile_with_hf_compute_loss_as_v4_programs_did(name, labels, batch):
    """v4's ``compile(optimizer, loss=model.hf_compute_loss)`` with ``fit(x, y)``: Keras computes
    the loss from the logits, and it is the model's own loss."""
    keras.utils.set_random_seed(0)
    model = getattr(tfbert, name)(BertConfig(**NO_DROPOUT))
    model.compile(optimizer=keras.optimizers.Adam(5e-3), loss=model.hf_compute_loss)
    losses = model.fit(batch, labels, epochs=10, batch_size=2, verbose=0).history["loss"]
    assert losses[-1] < losses[0], losses
    own = float(model({**batch, "labels": labels}).loss)
    np.testing.assert_allclose(model.evaluate(batch, labels, verbose=0), own, rtol=1e-5)


def test_hf_compute_loss_of_two_target_models_says_how_to_train():
    model = tfbert.TFBertForQuestionAnswering(BertConfig(**NO_DROPOUT))
    with pytest.raises(NotImplementedError, match="start_positions"):
        model.hf_compute_loss(None, None)
