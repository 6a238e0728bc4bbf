"""v4's ``create_optimizer`` / ``AdamWeightDecay`` / ``WarmUp``: the schedule against v4's
documented formula, updates against v4's rule computed in numpy, which BERT variables are decayed,
and a fit."""

import keras
import numpy as np
import pytest

import tfbert
from tfbert.optimization_tf import AdamWeightDecay, WarmUp, create_optimizer


def v4_rate(step, init_lr, total, warmup, min_lr_ratio=0.0, power=1.0):
    """v4's schedule: linear warmup, then PolynomialDecay to init_lr * min_lr_ratio."""
    if warmup and step < warmup:
        return init_lr * step / warmup
    end = init_lr * min_lr_ratio
    decay_steps = total - warmup
    t = min(step - warmup, decay_steps)
    return (init_lr - end) * (1 - t / decay_steps) ** power + end


@pytest.mark.parametrize(
    "total,warmup,ratio,power",
    [(20, 5, 0.0, 1.0), (10, 0, 0.1, 1.0), (30, 3, 0.2, 2.0), (7, 6, 0.0, 0.5)],
)
def test_schedule_follows_v4_formula(total, warmup, ratio, power):
    _, schedule = create_optimizer(3e-4, total, warmup, min_lr_ratio=ratio, power=power)
    steps = range(total + 5)  # past the end: stays at the final rate
    got = [float(schedule(step)) for step in steps]
    expected = [v4_rate(step, 3e-4, total, warmup, ratio, power) for step in steps]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-12)


def test_schedule_type_and_optimizer_kind_as_v4():
    optimizer, schedule = create_optimizer(1e-3, 10, 0)
    assert type(optimizer) is keras.optimizers.Adam  # no weight decay: plain Adam, as v4
    assert isinstance(schedule, keras.optimizers.schedules.PolynomialDecay)
    optimizer, schedule = create_optimizer(1e-3, 10, 2, weight_decay_rate=0.01, adam_clipnorm=1.0)
    assert isinstance(optimizer, AdamWeightDecay) and isinstance(schedule, WarmUp)
    assert optimizer.weight_decay_rate == 0.01 and optimizer.clipnorm == 1.0
    assert optimizer.epsilon == 1e-8 and optimizer.beta_1 == 0.9 and optimizer.beta_2 == 0.999
    assert tfbert.create_optimizer is create_optimizer and tfbert.WarmUp is WarmUp


def test_warmup_covering_every_step_is_finite():
    _, schedule = create_optimizer(1e-3, 4, 4)
    values = [float(schedule(step)) for step in range(8)]
    assert np.all(np.isfinite(values))
    np.testing.assert_allclose(values[:4], [v4_rate(s, 1e-3, 4, 4) for s in range(4)], rtol=1e-6)


def _v4_numpy_steps(weights, grads, decayed, schedule, rate, beta_1=0.9, beta_2=0.999, eps=1e-8):
    """v4's AdamWeightDecay: w -= lr * rate * w (decayed variables), then TF Adam's step."""
    weights = [w.astype(np.float64) for w in weights]
    m = [np.zeros_like(w) for w in weights]
    v = [np.zeros_like(w) for w in weights]
    for t, step_grads in enumerate(grads, start=1):
        lr = schedule(t - 1)
        for i, g in enumerate(step_grads):
            if decayed[i]:
                weights[i] = weights[i] - lr * rate * weights[i]
            m[i] = beta_1 * m[i] + (1 - beta_1) * g
            v[i] = beta_2 * v[i] + (1 - beta_2) * g * g
            alpha = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
            weights[i] = weights[i] - alpha * m[i] / (np.sqrt(v[i]) + eps)
    return weights


@pytest.mark.parametrize("rate", [0.0, 0.1])
def test_updates_equal_v4_rule(rate):
    rng = np.random.default_rng(0)
    dense = keras.layers.Dense(3, name="dense")
    dense.build((None, 4))
    start = [w.numpy().copy() for w in dense.weights]
    # Tiny kernel gradients make epsilon's place (before Adam's bias correction, as in v4) count.
    grads = [
        [
            (rng.normal(size=w.shape) * scale).astype("float32")
            for w, scale in zip(start, (1e-7, 1.0))
        ]
        for _ in range(4)
    ]
    optimizer, _ = create_optimizer(1e-2, 6, 2, weight_decay_rate=rate)
    for step_grads in grads:
        optimizer.apply_gradients(zip(step_grads, dense.weights))
    expected = _v4_numpy_steps(start, grads, [True, False], lambda s: v4_rate(s, 1e-2, 6, 2), rate)
    for got, want in zip(dense.weights, expected):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-7)


@pytest.fixture(scope="module")
def tiny_model():
    config = tfbert.BertConfig(
        vocab_size=40,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        num_labels=2,
    )
    model = tfbert.TFBertForSequenceClassification(config)
    model.build()
    return model


@pytest.mark.parametrize("include", [None, ["LayerNorm"]])
def test_bert_variables_decayed_as_v4_names_them(tiny_model, include):
    """Zero gradients leave Adam's step at 0, so each variable moves by the decay alone."""
    import re

    optimizer, schedule = create_optimizer(
        1e-1, 10, 0, weight_decay_rate=0.5, include_in_weight_decay=include
    )
    variables = tiny_model.trainable_variables
    before = [v.numpy().copy() for v in variables]
    optimizer.apply_gradients([(np.zeros(v.shape, "float32"), v) for v in variables])
    lr = float(schedule(0))
    decayed_paths = []
    for variable, old in zip(variables, before):
        v4_decays = (
            include is not None and any(re.search(p, variable.path) for p in include)
        ) or not any(re.search(p, variable.path) for p in ("LayerNorm", "layer_norm", "bias"))
        want = old * (1 - lr * 0.5) if v4_decays else old
        np.testing.assert_allclose(variable.numpy(), want, rtol=1e-6, err_msg=variable.path)
        if v4_decays:
            decayed_paths.append(variable.path)
    assert any(p.endswith("kernel") for p in decayed_paths)
    assert any("LayerNorm" in p for p in decayed_paths) == (include is not None)
    for variable, old in zip(variables, before):
        variable.assign(old)


def test_optimizer_serialises_with_v4_arguments():
    optimizer, _ = create_optimizer(
        1e-3, 10, 2, weight_decay_rate=0.02, include_in_weight_decay=["pooler"]
    )
    config = keras.optimizers.serialize(optimizer)
    again = keras.optimizers.deserialize(config)
    assert type(again) is AdamWeightDecay and again.weight_decay_rate == 0.02
    assert again.included_patterns == ("pooler",)
    assert list(again.excluded_patterns) == ["LayerNorm", "layer_norm", "bias"]
    assert isinstance(again._learning_rate, WarmUp)
    assert float(again._learning_rate(1)) == pytest.approx(v4_rate(1, 1e-3, 10, 2))


def test_v4_constructor_defaults():
    optimizer = AdamWeightDecay()
    assert optimizer.epsilon == 1e-7 and optimizer.weight_decay_rate == 0.0
    assert optimizer.name == "AdamWeightDecay" and optimizer.excluded_patterns == ()


@pytest.mark.slow
def test_fit_trains_with_v4_optimizer(tiny_model):
    optimizer, _ = create_optimizer(
        5e-3, num_train_steps=6, num_warmup_steps=1, weight_decay_rate=0.01
    )
    model = tfbert.TFBertForSequenceClassification(tiny_model.config)
    model.compile(optimizer=optimizer)
    rng = np.random.default_rng(1)
    data = {"input_ids": rng.integers(1, 40, size=(8, 6)), "labels": np.arange(8) % 2}
    history = model.fit(data, batch_size=4, epochs=3, verbose=0)
    assert int(optimizer.iterations) == 6
    assert np.isfinite(history.history["loss"]).all()


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(init_lr=-1.0, num_train_steps=10, num_warmup_steps=0), "init_lr"),
        (dict(init_lr=1e-3, num_train_steps=0, num_warmup_steps=0), "num_train_steps"),
        (dict(init_lr=1e-3, num_train_steps=10, num_warmup_steps=11), "num_warmup_steps"),
        (
            dict(init_lr=1e-3, num_train_steps=10, num_warmup_steps=1, weight_decay_rate=-0.1),
            "weight_decay_rate",
        ),
        (
            dict(init_lr=1e-3, num_train_steps=10, num_warmup_steps=1, min_lr_ratio=-1),
            "min_lr_ratio",
        ),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        create_optimizer(**kwargs)


def test_warmup_rejects_zero_steps():
    with pytest.raises(ValueError, match="warmup_steps"):
        WarmUp(1e-3, lambda step: 1e-3, warmup_steps=0)
