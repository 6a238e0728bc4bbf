"""Every tfbert model equals transformers' PyTorch class on the same weights, to 1e-4 in float32:
outputs with padding and token types, all hidden states and attentions, and the loss."""

import numpy as np
import pytest

import tfbert
from tests.reference import assert_outputs_close, make_reference, run_reference

B, L, C = 2, 7, 3


def _labels(rng):
    mlm = rng.integers(0, 99, (B, L))
    mlm[:, ::2] = -100
    return {
        "BertModel": {},
        "BertForPreTraining": {"labels": mlm, "next_sentence_label": np.array([0, 1])},
        "BertLMHeadModel": {"labels": mlm},
        "BertForMaskedLM": {"labels": mlm},
        "BertForNextSentencePrediction": {"labels": np.array([1, 0])},
        "BertForSequenceClassification": {"labels": np.array([2, 0])},
        "BertForMultipleChoice": {"labels": np.array([1, 2])},
        "BertForTokenClassification": {"labels": np.where(mlm >= 0, mlm % 3, -100)},
        # 9 is past the sequence: clamped and ignored, as in transformers
        "BertForQuestionAnswering": {
            "start_positions": np.array([1, 9]),
            "end_positions": np.array([3, 4]),
        },
    }


CLASSES = list(_labels(np.random.default_rng(0)))
OVERRIDES = {"BertLMHeadModel": {"is_decoder": True}, "BertForQuestionAnswering": {"num_labels": 2}}


def _inputs(name, batch):
    if name != "BertForMultipleChoice":
        return dict(batch)
    # (batch, choices, seq): the same rows shifted per choice
    return {
        k: np.stack([np.roll(v, i, axis=0) for i in range(C)], axis=1) for k, v in batch.items()
    }


@pytest.fixture(scope="module", params=CLASSES)
def pair(request, tmp_path_factory):
    name = request.param
    pt_model, folder = make_reference(name, tmp_path_factory, **OVERRIDES.get(name, {}))
    return name, pt_model, getattr(tfbert, "TF" + name).from_pretrained(folder)


def test_outputs_hidden_states_and_attentions_match(pair, batch):
    name, pt_model, model = pair
    inputs = _inputs(name, batch)
    reference = run_reference(pt_model, inputs, output_hidden_states=True, output_attentions=True)
    ours = model(**inputs, output_hidden_states=True, output_attentions=True)
    assert "loss" not in ours
    assert_outputs_close(ours, reference)


def test_loss_matches(pair, batch):
    name, pt_model, model = pair
    labels = _labels(np.random.default_rng(1))[name]
    if name == "BertModel":  # no head, so no targets: labels are refused by name
        with pytest.raises(ValueError, match="TFBertModel takes no labels"):
            model({**batch, "labels": batch["input_ids"]})
        return
    inputs = {**_inputs(name, batch), **labels}
    reference = run_reference(pt_model, inputs)
    ours = model(inputs)  # one dict, as TFBertTokenizer output plus labels would come
    assert_outputs_close(ours, reference)
    assert np.isfinite(float(ours.loss)) and float(ours.loss) > 0


@pytest.mark.parametrize(
    "problem_type,labels",
    [
        ("regression", np.array([[0.5, -1.0, 2.0], [1.0, 0.0, 0.25]], np.float32)),
        ("multi_label_classification", np.array([[1, 0, 1], [0, 0, 1]], np.float32)),
        ("single_label_classification", np.array([1, 2])),
    ],
)
def test_sequence_classification_loss_by_problem_type(
    problem_type, labels, batch, tmp_path_factory
):
    pt_model, folder = make_reference(
        "BertForSequenceClassification", tmp_path_factory, problem_type=problem_type
    )
    model = tfbert.TFBertForSequenceClassification.from_pretrained(folder)
    inputs = {**batch, "labels": labels}
    assert_outputs_close(model(inputs), run_reference(pt_model, inputs))


def test_single_output_regression_loss(batch, tmp_path_factory):
    pt_model, folder = make_reference(
        "BertForSequenceClassification", tmp_path_factory, num_labels=1
    )
    model = tfbert.TFBertForSequenceClassification.from_pretrained(folder)
    inputs = {**batch, "labels": np.array([0.3, -1.2], np.float32)}
    reference = run_reference(pt_model, inputs)
    assert_outputs_close(model(inputs), reference)
