"""The first training step equals transformers' PyTorch one: for the same weights and batch, the
loss and the gradient of every variable (the tied decoder's share included in the word
embeddings)."""

from types import SimpleNamespace

import numpy as np
import pytest
import tensorflow as tf
import torch

import tfbert
from tests.reference import make_reference
from tfbert.checkpoint.name_map import tf_to_pt, variable_name
from tfbert.training import create_optimizer

NO_DROPOUT = dict(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)


def _targets(name, batch):
    rng = np.random.default_rng(3)
    shape = batch["input_ids"].shape
    mlm = rng.integers(0, 99, shape)
    mlm[:, 1::2] = -100
    return {
        "BertForSequenceClassification": {"labels": np.array([2, 0])},
        "BertForTokenClassification": {"labels": np.where(mlm >= 0, mlm % 3, -100)},
        "BertForQuestionAnswering": {
            "start_positions": np.array([1, 3]),
            "end_positions": np.array([4, 3]),
        },
        "BertForPreTraining": {"labels": mlm, "next_sentence_label": np.array([1, 0])},
    }[name]


CLASSES = [
    "BertForSequenceClassification",
    "BertForTokenClassification",
    "BertForQuestionAnswering",
    "BertForPreTraining",
]


@pytest.fixture(scope="module", params=CLASSES)
def step(request, tmp_path_factory):
    """The PyTorch loss and gradients, and ours, for one class on the tiny batch."""
    from tests.reference import tiny_batch

    name = request.param
    overrides = {**NO_DROPOUT, **({"num_labels": 2} if name == "BertForQuestionAnswering" else {})}
    pt_model, folder = make_reference(name, tmp_path_factory, **overrides)
    model = getattr(tfbert, "TF" + name).from_pretrained(folder)
    inputs = {**tiny_batch(), **_targets(name, tiny_batch())}

    pt_model.train()  # dropout 0: the training forward pass is deterministic
    pt_model.zero_grad()
    pt_loss = pt_model(**{k: torch.tensor(v) for k, v in inputs.items()}).loss
    pt_loss.backward()
    # tied parameters appear under each of their names, with the one shared gradient
    pt_grads = {
        n: p.grad.numpy()
        for n, p in pt_model.named_parameters(remove_duplicate=False)
        if p.grad is not None
    }

    with tf.GradientTape() as tape:
        loss = model(inputs, training=True).loss
    grads = tape.gradient(loss, model.trainable_variables)
    ours = {}
    for variable, grad in zip(model.trainable_variables, grads):
        pt_name, transpose = tf_to_pt(variable_name(variable))
        grad = tf.convert_to_tensor(grad).numpy()  # word embeddings: IndexedSlices + decoder
        ours[pt_name] = grad.T if transpose else grad
    return SimpleNamespace(
        name=name,
        model=model,
        inputs=inputs,
        pt_loss=pt_loss.item(),
        pt_grads=pt_grads,
        pt_parameters={n for n, _ in pt_model.named_parameters()},
        loss=float(loss),
        grads=ours,
    )


def test_loss_equals_transformers(step):
    np.testing.assert_allclose(step.loss, step.pt_loss, atol=1e-5, rtol=0)


def test_every_gradient_equals_transformers(step):
    assert set(step.grads) == step.pt_parameters, "one variable per PyTorch parameter, and back"
    for pt_name, grad in step.grads.items():
        assert np.abs(step.pt_grads[pt_name]).max() > 0, pt_name  # the parameter takes part
        np.testing.assert_allclose(grad, step.pt_grads[pt_name], atol=1e-4, rtol=0, err_msg=pt_name)
    if step.name == "BertForPreTraining":
        # the word-embedding gradient carries the tied decoder's share: rows of ids that are not
        # in the batch get gradient only through the decoder
        unused = sorted(set(range(99)) - set(step.inputs["input_ids"].ravel()))
        assert np.abs(step.grads["bert.embeddings.word_embeddings.weight"][unused]).max() > 1e-4


@pytest.mark.slow
def test_fit_trains_on_the_same_first_loss(step):
    model = type(step.model).from_config(step.model.get_config())
    model.build()
    model.set_weights(step.model.get_weights())
    model.compile(optimizer=create_optimizer(1e-3, num_train_steps=10))
    logs = model.train_on_batch(step.inputs, return_dict=True)
    np.testing.assert_allclose(logs["loss"], step.pt_loss, atol=1e-5, rtol=0)
    assert any(
        not np.array_equal(a, b) for a, b in zip(model.get_weights(), step.model.get_weights())
    )
