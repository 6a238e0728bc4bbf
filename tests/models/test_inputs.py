"""Inputs: the other ways transformers takes them, and clear errors for bad ones."""

import numpy as np
import pytest
import tensorflow as tf
import torch

import tfbert
from tests.reference import TINY, assert_outputs_close, make_reference, run_reference


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    pt_model, folder = make_reference("BertModel", tmp_path_factory)
    return pt_model, tfbert.TFBertModel.from_pretrained(folder)


def test_inputs_embeds_and_position_ids_match(encoder, batch):
    pt_model, model = encoder
    embeds = pt_model.embeddings.word_embeddings(torch.tensor(batch["input_ids"])).detach().numpy()
    positions = np.array([[3, 4, 5, 6, 7, 8, 9]] * 2)
    inputs = {
        "inputs_embeds": embeds,
        "attention_mask": batch["attention_mask"],
        "token_type_ids": batch["token_type_ids"],
        "position_ids": positions,
    }
    assert_outputs_close(model(**inputs), run_reference(pt_model, inputs))


def test_positional_dict_keyword_and_tuple_calls_agree(encoder, batch):
    _, model = encoder
    by_dict = model(batch)
    by_keywords = model(**batch)
    as_tuple = model(batch, return_dict=False)
    np.testing.assert_array_equal(by_dict.last_hidden_state, by_keywords["last_hidden_state"])
    np.testing.assert_array_equal(as_tuple[0], by_dict.last_hidden_state)
    assert by_dict[1] is by_dict.pooler_output


def test_default_mask_and_token_types(encoder, batch):
    pt_model, model = encoder
    ids = batch["input_ids"]
    assert_outputs_close(model(ids), run_reference(pt_model, {"input_ids": ids}))


@pytest.mark.parametrize(
    "bad,message",
    [
        (np.array([[5, 99, 3]]), "input_ids must be < 99"),
        (np.array([[5, -1, 3]]), "input_ids must be >= 0"),
    ],
)
def test_out_of_range_ids_raise_instead_of_zero_vectors(encoder, bad, message):
    _, model = encoder
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        model(bad)
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        tf.function(lambda ids: model(ids).last_hidden_state)(tf.constant(bad))


def test_out_of_range_token_types_and_long_sequences(encoder):
    _, model = encoder
    with pytest.raises(tf.errors.InvalidArgumentError, match="token_type_ids must be < 2"):
        model(np.array([[1, 2]]), token_type_ids=np.array([[0, 2]]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="position_ids must be < 64"):
        model(np.ones((1, 65), np.int32))


@pytest.mark.parametrize(
    "kwargs,error,message",
    [
        ({}, ValueError, "give exactly one of input_ids and inputs_embeds, got neither"),
        (
            {
                "input_ids": np.ones((1, 3), np.int32),
                "inputs_embeds": np.ones((1, 3, 32), np.float32),
            },
            ValueError,
            "got both",
        ),
        ({"input_ids": np.ones((3,), np.int32)}, ValueError, r"shape \(batch, seq\), got \(3,\)"),
        (
            {"input_ids": np.ones((1, 3), np.float32)},
            TypeError,
            "input_ids must be integers, got dtype float32",
        ),
        (
            {"input_ids": np.ones((1, 3), np.int32), "head_mask": np.ones((3,))},
            ValueError,
            r"head_mask must have shape \(4,\) or \(2, 4\), got \(3,\)",
        ),
        (
            {
                "input_ids": {
                    "input_ids": np.ones((1, 3), np.int32),
                    "input_idz": np.ones((1, 3), np.int32),
                }
            },
            ValueError,
            "unexpected input keys \\['input_idz'\\]",
        ),
        (
            {
                "input_ids": np.ones((1, 3), np.int32),
                "encoder_hidden_states": np.ones((1, 2, 32), np.float32),
            },
            ValueError,
            "add_cross_attention=True",
        ),
    ],
)
def test_bad_inputs_get_clear_errors(encoder, kwargs, error, message):
    _, model = encoder
    with pytest.raises(error, match=message):
        model(**kwargs)


def test_multiple_choice_needs_three_dimensional_inputs(batch):
    model = tfbert.TFBertForMultipleChoice(tfbert.BertConfig(**TINY))
    with pytest.raises(ValueError, match=r"\(batch, num_choices, seq\), got \(2, 7\)"):
        model(batch)


def test_cross_attention_decoder_matches_transformers(tmp_path_factory, batch):
    pt_model, folder = make_reference(
        "BertLMHeadModel", tmp_path_factory, is_decoder=True, add_cross_attention=True
    )
    model = tfbert.TFBertLMHeadModel.from_pretrained(folder)
    rng = np.random.default_rng(3)
    inputs = {
        **batch,
        "encoder_hidden_states": rng.normal(size=(2, 5, 32)).astype(np.float32),
        "encoder_attention_mask": np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]),
        "labels": batch["input_ids"],
    }
    reference = run_reference(pt_model, inputs, output_attentions=True, output_hidden_states=True)
    ours = model(inputs, output_attentions=True, output_hidden_states=True)
    assert "cross_attentions" in reference
    assert_outputs_close(ours, reference)
