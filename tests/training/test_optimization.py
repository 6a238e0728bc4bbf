"""BERT's optimiser against transformers' PyTorch training set-up: the schedule value by value,
which variables are decayed, and whole AdamW updates (clipping, decay, accumulation) step by
step."""

import keras
import numpy as np
import pytest
import torch
import transformers
from transformers import Trainer

import tfbert
from tests.reference import make_reference
from tfbert.checkpoint.name_map import tf_to_pt, variable_name
from tfbert.training import AdamWeightDecay, LinearWarmupLinearDecay, create_optimizer


def _torch_schedule(learning_rate, num_train_steps, num_warmup_steps, steps):
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=learning_rate)
    scheduler = transformers.get_linear_schedule_with_warmup(
        optimizer, num_warmup_steps, num_train_steps
    )
    values = []
    for _ in range(steps):
        values.append(scheduler.get_last_lr()[0])
        optimizer.step()
        scheduler.step()
    return np.array(values)


@pytest.mark.parametrize("total,warmup", [(20, 5), (10, 0), (7, 7), (1, 0), (1000, 100)])
def test_schedule_equals_transformers_linear_schedule_with_warmup(total, warmup):
    steps = total + 5  # past the end too: the rate stays 0
    expected = _torch_schedule(3e-4, total, warmup, steps)
    schedule = LinearWarmupLinearDecay(3e-4, num_train_steps=total, num_warmup_steps=warmup)
    got = np.array([float(schedule(step)) for step in range(steps)])
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-12)


def test_schedule_and_optimizer_serialise():
    schedule = LinearWarmupLinearDecay(2e-5, num_train_steps=100, num_warmup_steps=10)
    again = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule))
    assert type(again) is LinearWarmupLinearDecay and again.get_config() == schedule.get_config()
    optimizer = create_optimizer(
        2e-5,
        100,
        10,
        exclude_from_weight_decay=["LayerNorm", "bias"],
        gradient_accumulation_steps=4,
    )
    loaded = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert type(loaded) is AdamWeightDecay
    assert loaded.excluded_patterns == ("LayerNorm", "bias")
    assert loaded.global_clipnorm == 1.0 and loaded.weight_decay == 0.01
    assert loaded.gradient_accumulation_steps == 4
    for step in (0, 5, 10, 55, 100):
        assert float(loaded._learning_rate(step)) == float(schedule(step))


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(num_train_steps=0), "num_train_steps must be an integer >= 1, got 0"),
        (
            dict(num_warmup_steps=11),
            r"num_warmup_steps must be an integer in \[0, num_train_steps=10\], got 11",
        ),
        (dict(learning_rate=-1.0), "learning_rate must be a finite number >= 0, got -1.0"),
        (dict(weight_decay=-0.1), "weight_decay must be >= 0, got -0.1"),
        (dict(global_clipnorm=0), "global_clipnorm must be > 0 or None, got 0"),
        (
            dict(gradient_accumulation_steps=1),
            "gradient_accumulation_steps must be an integer >= 2 or None, got 1",
        ),
        (
            dict(exclude_from_weight_decay=["bias("]),
            "pattern 'bias\\(' is not a valid regular expression",
        ),
        (
            dict(exclude_from_weight_decay="bias"),
            "must be a list of patterns, got the string 'bias'",
        ),
    ],
)
def test_bad_arguments_name_the_value(kwargs, message):
    arguments = dict(learning_rate=1e-3, num_train_steps=10, num_warmup_steps=2)
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        create_optimizer(**arguments)


@pytest.fixture(scope="module")
def pretraining_pair(tmp_path_factory):
    pt_model, folder = make_reference("BertForPreTraining", tmp_path_factory)
    return pt_model, tfbert.TFBertForPreTraining.from_pretrained(folder)


def _pt_names(model):
    return [tf_to_pt(variable_name(v))[0] for v in model.trainable_variables]


def test_weight_decay_skips_layernorm_and_biases_as_transformers_trainer_does(pretraining_pair):
    pt_model, model = pretraining_pair
    model = tfbert.TFBertForPreTraining(model.config)
    model.build()
    before = [v.numpy().copy() for v in model.trainable_variables]
    learning_rate, weight_decay = 0.1, 0.5
    optimizer = create_optimizer(learning_rate, num_train_steps=10, weight_decay=weight_decay)
    # zero gradients: Adam moves nothing, so every change is weight decay
    optimizer.apply_gradients([(keras.ops.zeros_like(v), v) for v in model.trainable_variables])
    decayed_by_trainer = set(Trainer.get_decay_parameter_names(None, pt_model))
    names = _pt_names(model)
    assert set(names) <= {name for name, _ in pt_model.named_parameters()}
    decayed, kept = [], []
    for name, variable, old in zip(names, model.trainable_variables, before):
        if name in decayed_by_trainer:
            np.testing.assert_allclose(
                variable.numpy(), old * (1 - learning_rate * weight_decay), rtol=1e-6, err_msg=name
            )
            decayed.append(name)
        else:
            np.testing.assert_array_equal(variable.numpy(), old, err_msg=name)
            kept.append(name)
    assert "bert.embeddings.word_embeddings.weight" in decayed
    assert "bert.encoder.layer.0.attention.self.query.weight" in decayed
    assert {
        "bert.embeddings.LayerNorm.weight",
        "bert.embeddings.LayerNorm.bias",
        "cls.predictions.bias",
        "cls.predictions.transform.LayerNorm.weight",
        "bert.encoder.layer.1.output.dense.bias",
    } <= set(kept)
    assert [optimizer.uses_weight_decay(v) for v in model.trainable_variables] == [
        name in decayed_by_trainer for name in names
    ]


def _torch_updates(pt_model, gradient_steps, learning_rate, total, warmup, weight_decay, clip):
    """transformers Trainer's update: clip_grad_norm_, AdamW with its decay groups, linear
    schedule."""
    decay = set(Trainer.get_decay_parameter_names(None, pt_model))
    parameters = dict(pt_model.named_parameters())
    groups = [
        {"params": [p for n, p in parameters.items() if n in decay], "weight_decay": weight_decay},
        {"params": [p for n, p in parameters.items() if n not in decay], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=learning_rate, betas=(0.9, 0.999), eps=1e-8)
    scheduler = transformers.get_linear_schedule_with_warmup(optimizer, warmup, total)
    for gradients in gradient_steps:
        for name, parameter in parameters.items():
            parameter.grad = torch.tensor(gradients[name]) if name in gradients else None
        torch.nn.utils.clip_grad_norm_(list(parameters.values()), clip)
        optimizer.step()
        scheduler.step()
    return {name: p.detach().numpy() for name, p in parameters.items()}


@pytest.mark.parametrize("accumulation", [None, 3])
def test_updates_equal_torch_adamw_with_clipping_and_schedule(accumulation, tmp_path_factory):
    pt_model, folder = make_reference("BertForSequenceClassification", tmp_path_factory)
    model = tfbert.TFBertForSequenceClassification.from_pretrained(folder)
    names = _pt_names(model)
    rng = np.random.default_rng(0)
    # gradients of changing size: the large steps are clipped (global norm >> 1), the small not
    scales = [1.0, 0.01, 3.0, 0.02, 0.5, 0.05]
    steps = len(scales)
    batches = [
        {
            n: (rng.standard_normal(v.shape) * s).astype(np.float32)
            for n, v in zip(names, model.trainable_variables)
        }
        for s in scales
        for _ in range(accumulation or 1)
    ]
    assert np.sqrt(sum((g**2).sum() for g in batches[0].values())) > 10  # clipping engages
    settings = dict(learning_rate=1e-2, total=steps + 2, warmup=2, weight_decay=0.1, clip=1.0)
    optimizer = create_optimizer(
        settings["learning_rate"],
        settings["total"],
        settings["warmup"],
        weight_decay=settings["weight_decay"],
        global_clipnorm=settings["clip"],
        gradient_accumulation_steps=accumulation,
    )
    for batch in batches:
        optimizer.apply_gradients([(batch[n], v) for n, v in zip(names, model.trainable_variables)])
    assert int(optimizer.iterations) == steps
    transposed = {
        n for n, v in zip(names, model.trainable_variables) if tf_to_pt(variable_name(v))[1]
    }
    averaged = [
        {
            n: np.mean(
                [b[n].T if n in transposed else b[n] for b in batches[i : i + (accumulation or 1)]],
                axis=0,
            )
            for n in names
        }
        for i in range(0, len(batches), accumulation or 1)
    ]
    initial = {n: p.detach().numpy().copy() for n, p in pt_model.named_parameters()}
    expected = _torch_updates(pt_model, averaged, **settings)
    for name, variable in zip(names, model.trainable_variables):
        transpose = tf_to_pt(variable_name(variable))[1]
        got = variable.numpy().T if transpose else variable.numpy()
        moved = np.abs(expected[name] - initial[name]).max()
        assert moved > 1e-3, name  # every variable moved
        np.testing.assert_allclose(got, expected[name], atol=2e-6, rtol=0, err_msg=name)


@pytest.mark.slow
def test_fit_with_gradient_accumulation_equals_the_larger_batch():
    """Two accumulated batches of 2 make the update one batch of 4 makes (the mean of means)."""
    from tests.reference import TINY

    config = tfbert.BertConfig(**TINY, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    rng = np.random.default_rng(0)
    data = {"input_ids": rng.integers(1, 99, (8, 6)), "labels": rng.integers(0, 3, (8,))}
    keras.utils.set_random_seed(0)
    initial = tfbert.TFBertForSequenceClassification(config)
    initial.build()
    trained = []
    for batch_size, accumulation in ((4, None), (2, 2)):
        model = tfbert.TFBertForSequenceClassification(config)
        model.build()
        model.set_weights(initial.get_weights())
        model.compile(
            optimizer=create_optimizer(
                1e-2,
                num_train_steps=4,
                num_warmup_steps=1,
                gradient_accumulation_steps=accumulation,
            )
        )
        model.fit(data, batch_size=batch_size, epochs=2, shuffle=False, verbose=0)
        assert int(model.optimizer.iterations) == 4  # updates, not batches
        trained.append(model.get_weights())
    for big, accumulated, _start in zip(*trained, initial.get_weights()):
        np.testing.assert_allclose(accumulated, big, atol=2e-6, rtol=0)
    assert max(np.abs(b - s).max() for b, s in zip(trained[0], initial.get_weights())) > 1e-2


def test_default_exclusions_match_layer_norms_and_biases_not_model_names():
    class Probe(keras.Model):
        def __init__(self):
            super().__init__(name="bias_layer_norm_probe")  # a name the patterns must not match
            self.dense = keras.layers.Dense(3, name="dense")  # fixed names: other tests'
            self.norm = keras.layers.LayerNormalization(name="layer_normalization")  # layers count

        def call(self, x):
            return self.norm(self.dense(x))

    model = Probe()
    model(np.zeros((1, 4), np.float32))
    optimizer = create_optimizer(1e-3, num_train_steps=10)
    decays = {v.path: optimizer.uses_weight_decay(v) for v in model.weights}
    assert decays == {
        "bias_layer_norm_probe/dense/kernel": True,
        "bias_layer_norm_probe/dense/bias": False,
        "bias_layer_norm_probe/layer_normalization/gamma": False,
        "bias_layer_norm_probe/layer_normalization/beta": False,
    }
    assert not create_optimizer(1e-3, 10, weight_decay=0.0).uses_weight_decay(model.weights[0])
