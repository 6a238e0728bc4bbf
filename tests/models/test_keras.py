"""The models are Keras citizens: config round trips, .keras files, summary(), dtype policies,
and compile(optimizer) without a loss training on the model's own loss."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfbert
from tests.reference import TINY
from tfbert import BertConfig

ALL_CLASSES = [
    getattr(tfbert, name)
    for name in (
        "TFBertModel",
        "TFBertForPreTraining",
        "TFBertLMHeadModel",
        "TFBertForMaskedLM",
        "TFBertForNextSentencePrediction",
        "TFBertForSequenceClassification",
        "TFBertForMultipleChoice",
        "TFBertForTokenClassification",
        "TFBertForQuestionAnswering",
    )
]


def _inputs(cls, batch):
    if cls.__name__ == "TFBertForMultipleChoice":
        return {k: np.stack([v, v], axis=1) for k, v in batch.items()}
    return batch


def _first_tensor(outputs):
    return np.asarray(next(iter(outputs.values())))


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.slow
def test_keras_file_round_trip(cls, batch, tmp_path):
    model = cls(BertConfig(**TINY, is_decoder=cls.__name__ == "TFBertLMHeadModel"))
    model.build()
    expected = model(_inputs(cls, batch))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is cls and loaded.config == model.config
    assert [v.path for v in loaded.weights] == [v.path for v in model.weights]
    got = loaded(_inputs(cls, batch))
    assert list(got) == list(expected)
    for key in expected:
        np.testing.assert_allclose(np.asarray(got[key]), np.asarray(expected[key]), atol=1e-6)


def test_get_config_round_trip_and_summary(batch):
    model = tfbert.TFBertForTokenClassification(BertConfig(**TINY), name="tagger")
    model.build()
    clone = tfbert.TFBertForTokenClassification.from_config(model.get_config())
    clone.build()
    clone.set_weights(model.get_weights())
    assert clone.name == "tagger"
    np.testing.assert_allclose(clone(batch).logits, model(batch).logits, atol=1e-6)
    lines = []
    model.summary(print_fn=lines.append)
    assert "bert" in "\n".join(lines) and "classifier" in "\n".join(lines)


def test_built_and_loaded_models_have_the_same_variables(tmp_path):
    model = tfbert.TFBertForMaskedLM(BertConfig(**TINY))
    model.build()
    model.save_pretrained(tmp_path)
    loaded = tfbert.TFBertForMaskedLM.from_pretrained(tmp_path)

    def names(m):  # without the model's own (uniquified) scope
        return [(v.path.split("/", 1)[1], tuple(v.shape)) for v in m.weights]

    assert names(loaded) == names(model)
    assert [name for name, _ in names(model)][:2] == [
        "bert/embeddings/word_embeddings/weight",
        "bert/embeddings/token_type_embeddings/embeddings",
    ]


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_keeps_softmax_and_layernorm_in_float32(policy, batch):
    config = BertConfig(**TINY)
    full = tfbert.TFBertForSequenceClassification(config)
    full.build()
    mixed = tfbert.TFBertForSequenceClassification(config, dtype=policy)
    mixed.build()
    mixed.set_weights(full.get_weights())
    out = mixed(batch, output_attentions=True)
    assert out.logits.dtype == tf.as_dtype(policy.split("_")[1])
    norms = [
        layer
        for layer in mixed._flatten_layers()
        if isinstance(layer, keras.layers.LayerNormalization)
    ]
    assert norms and all(layer.compute_dtype == "float32" for layer in norms)
    assert all(v.dtype == "float32" for v in mixed.weights)  # variables stay float32
    # probabilities were computed in float32: each row sums to 1 within the half-precision rounding
    sums = tf.reduce_sum(tf.cast(out.attentions[0], tf.float32), axis=-1)
    np.testing.assert_allclose(sums, 1.0, atol=2e-2)
    np.testing.assert_allclose(tf.cast(out.logits, tf.float32), full(batch).logits, atol=5e-2)


@pytest.mark.slow
def test_compile_without_loss_trains_on_the_models_own_loss(batch):
    keras.utils.set_random_seed(0)
    model = tfbert.TFBertForSequenceClassification(BertConfig(**TINY, hidden_dropout_prob=0.0))
    model.compile(optimizer=keras.optimizers.Adam(5e-3))
    data = {**batch, "labels": np.array([2, 0])}
    history = model.fit(data, epochs=15, batch_size=2, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0] * 0.5, losses


def test_fit_without_labels_and_without_loss_says_what_is_missing(batch):
    model = tfbert.TFBertForSequenceClassification(BertConfig(**TINY))
    model.compile(optimizer="adam")
    with pytest.raises(ValueError, match="needs targets in the input dict: labels"):
        model.fit(batch, epochs=1, verbose=0)


@pytest.mark.slow
def test_keras_style_compile_with_loss_and_metrics_on_x_y(batch):
    keras.utils.set_random_seed(0)
    model = tfbert.TFBertForSequenceClassification(BertConfig(**TINY, hidden_dropout_prob=0.0))
    model.compile(
        optimizer=keras.optimizers.Adam(5e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = model.fit(batch, np.array([2, 0]), epochs=15, batch_size=2, verbose=0).history
    assert history["loss"][-1] < history["loss"][0] * 0.5, history["loss"]
    assert history["accuracy"][-1] == 1.0
    # the compiled loss saw the logits: it equals the model's own loss on the same batch
    own = float(model({**batch, "labels": np.array([2, 0])}).loss)
    np.testing.assert_allclose(
        model.evaluate(batch, np.array([2, 0]), verbose=0)[0], own, rtol=1e-5
    )


@pytest.mark.slow
def test_keras_style_question_answering_takes_start_and_end_targets(batch):
    model = tfbert.TFBertForQuestionAnswering(BertConfig(**TINY))
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer="adam", loss=[loss, loss])
    history = model.fit(batch, (np.array([1, 2]), np.array([3, 4])), epochs=2, verbose=0).history
    assert np.isfinite(history["loss"]).all()
