"""Checkpoints and results of transformers 4.57, recorded by tests/fixtures/make_v4_fixtures.py:
its TensorFlow classes' tf_model.h5 files load by name and give the same outputs; relative
position embeddings and head_mask (gone from transformers v5) match its PyTorch BertModel."""

import pathlib

import numpy as np
import pytest

import tfbert
from tests.reference import assert_outputs_close

FIXTURES = pathlib.Path(__file__).parent.parent / "fixtures" / "v4"
INPUTS = ("input_ids", "attention_mask", "token_type_ids", "head_mask")
TARGETS = ("labels", "next_sentence_label", "start_positions", "end_positions")
TF_CLASSES = {
    "tf_bert_model": "TFBertModel",
    "tf_bert_for_pre_training": "TFBertForPreTraining",
    "tf_bert_lm_head_model": "TFBertLMHeadModel",
    "tf_bert_for_masked_lm": "TFBertForMaskedLM",
    "tf_bert_for_next_sentence_prediction": "TFBertForNextSentencePrediction",
    "tf_bert_for_sequence_classification": "TFBertForSequenceClassification",
    "tf_bert_for_multiple_choice": "TFBertForMultipleChoice",
    "tf_bert_for_token_classification": "TFBertForTokenClassification",
    "tf_bert_for_question_answering": "TFBertForQuestionAnswering",
    "tf_bert_model_sharded": "TFBertModel",
    "pt_bert_relative_key": "TFBertModel",
    "pt_bert_relative_key_query": "TFBertModel",
    "pt_bert_head_mask": "TFBertModel",
}


def _reference(folder):
    """Inputs, targets and expected outputs from reference.npz; tuple fields regrouped."""
    if folder.name == "tf_bert_model_sharded":  # the same weights as tf_bert_model, in shards
        folder = FIXTURES / "tf_bert_model"
    data = dict(np.load(folder / "reference.npz"))
    inputs = {k: data.pop(k) for k in INPUTS if k in data}
    targets = {k: data.pop(k) for k in TARGETS if k in data}
    loss = data.pop("loss", None)
    expected, layers = {}, {}
    for key, value in data.items():
        field, _, index = key.rpartition("_")
        if key.startswith("past_key_values"):
            continue  # tfbert has no key/value cache yet
        if field in ("hidden_states", "attentions"):
            layers.setdefault(field, {})[int(index)] = value
        else:
            expected[key] = value
    for field, by_index in layers.items():
        expected[field] = tuple(by_index[i] for i in sorted(by_index))
    return inputs, targets, loss, expected


@pytest.mark.parametrize("folder_name", sorted(TF_CLASSES))
def test_v4_checkpoint_gives_v4_outputs(folder_name):
    folder = FIXTURES / folder_name
    model = getattr(tfbert, TF_CLASSES[folder_name]).from_pretrained(folder)
    inputs, targets, loss, expected = _reference(folder)
    ours = model(inputs, output_hidden_states=True, output_attentions=True)
    assert_outputs_close(ours, expected)
    if targets:
        # v4's TF losses are per example for some heads; their mean is transformers' PyTorch loss
        with_loss = model({**inputs, **targets})
        np.testing.assert_allclose(float(with_loss.loss), float(np.mean(loss)), atol=1e-4)


def test_tf_h5_folder_names_the_weights_it_loaded_as_v4_did():
    from tfbert.checkpoint.tf_h5 import read_tf_h5

    folder = FIXTURES / "tf_bert_for_pre_training"
    model = tfbert.TFBertForPreTraining.from_pretrained(folder)
    stored = read_tf_h5(folder / "tf_model.h5")
    for variable in model.weights:
        name = variable.path.split("/", 1)[1]
        np.testing.assert_array_equal(variable.numpy(), stored[name], err_msg=name)
