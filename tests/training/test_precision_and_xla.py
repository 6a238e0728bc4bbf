"""Training steps under mixed precision (bfloat16; float16 with loss scaling) and XLA: each trains
a tiny model with ``fit`` and the loss falls; XLA reproduces the float32 graph's losses."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfbert
from tests.reference import TINY
from tfbert import BertConfig
from tfbert.training import AdamWeightDecay, create_optimizer

pytestmark = pytest.mark.slow  # XLA compiles and mixed-precision training

CONFIG = BertConfig(
    **{**TINY, "num_labels": 2}, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0
)
EPOCHS, BATCH = 12, 8


def _data():
    """16 sequences; the label is whether token 1 is above the vocabulary's middle."""
    rng = np.random.default_rng(0)
    ids = rng.integers(1, TINY["vocab_size"], (16, 10))
    mask = np.ones_like(ids)
    mask[::3, 7:] = 0
    return {"input_ids": ids, "attention_mask": mask, "labels": (ids[:, 1] > 49).astype(np.int64)}


def _train(dtype=None, jit_compile=False, weights=None):
    keras.utils.set_random_seed(0)
    model = tfbert.TFBertForSequenceClassification(CONFIG, dtype=dtype)
    model.build()
    if weights is not None:
        model.set_weights(weights)
    steps = EPOCHS * 16 // BATCH
    model.compile(
        optimizer=create_optimizer(5e-3, num_train_steps=steps, num_warmup_steps=2),
        jit_compile=jit_compile,
    )
    history = model.fit(_data(), batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
    return model, history.history["loss"]


@pytest.fixture(scope="module")
def float32_run():
    keras.utils.set_random_seed(0)
    model = tfbert.TFBertForSequenceClassification(CONFIG)
    model.build()
    initial = model.get_weights()
    _, losses = _train(weights=initial)
    return initial, losses


def test_float32_loss_falls(float32_run):
    _, losses = float32_run
    assert losses[-1] < 0.5 * losses[0], losses


def test_mixed_bfloat16_trains(float32_run):
    initial, float32_losses = float32_run
    model, losses = _train("mixed_bfloat16", weights=initial)
    assert model.compute_dtype == "bfloat16"
    assert all(v.dtype == "float32" for v in model.trainable_variables)
    assert np.isfinite(losses).all() and losses[-1] < 0.5 * losses[0], losses
    # the same run to bfloat16's precision at the start
    np.testing.assert_allclose(losses[0], float32_losses[0], atol=3e-2)


def test_mixed_float16_trains_with_loss_scaling(float32_run):
    initial, float32_losses = float32_run
    model, losses = _train("mixed_float16", weights=initial)
    assert model.compute_dtype == "float16"
    # compile wrapped BERT's optimiser in a dynamic loss scale
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(model.optimizer.inner_optimizer, AdamWeightDecay)
    assert np.isfinite(float(model.optimizer.dynamic_scale.numpy()))
    assert int(model.optimizer.inner_optimizer.iterations) > 0
    assert np.isfinite(losses).all() and losses[-1] < 0.5 * losses[0], losses
    np.testing.assert_allclose(losses[0], float32_losses[0], atol=1e-2)


def test_xla_train_step_equals_the_graph_one(float32_run):
    initial, float32_losses = float32_run
    model, losses = _train(jit_compile=True, weights=initial)
    assert model.jit_compile is True  # Keras did not fall back to the plain graph
    assert losses[-1] < 0.5 * losses[0], losses
    np.testing.assert_allclose(losses, float32_losses, rtol=1e-4, atol=1e-5)


def test_id_checks_compile_under_xla():
    """``checked_ids``' assertions do not stop XLA: the training step compiles to HLO."""
    model = tfbert.TFBertForSequenceClassification(CONFIG)
    model.build()
    data = {k: tf.constant(v[:4]) for k, v in _data().items()}

    @tf.function(jit_compile=True)
    def gradient_step(data):
        with tf.GradientTape() as tape:
            loss = model(data, training=True).loss
        return loss, tape.gradient(loss, model.trainable_variables)

    hlo = gradient_step.experimental_get_compiler_ir(data)(stage="hlo")
    assert "HloModule" in hlo
    loss, grads = gradient_step(data)
    assert np.isfinite(float(loss)) and all(
        np.isfinite(tf.convert_to_tensor(g)).all() for g in grads
    )
