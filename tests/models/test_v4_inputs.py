"""transformers v4's ways into a model: its BertConfig objects, list/tuple positional inputs, any
mapping first, tokenizer outputs the model does not take."""

import collections
import warnings

import keras
import numpy as np
import pytest
import transformers

import tfbert
from tests.reference import TINY, assert_outputs_close, make_reference, run_reference


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    pt_model, folder = make_reference("BertModel", tmp_path_factory)
    return pt_model, folder, tfbert.TFBertModel.from_pretrained(folder)


def test_transformers_config_accepted_everywhere(encoder, batch):
    pt_model, folder, _ = encoder
    theirs = transformers.BertConfig.from_pretrained(folder)
    reference = run_reference(pt_model, batch)
    loaded = tfbert.TFBertModel.from_pretrained(folder, config=theirs)
    assert_outputs_close(loaded(batch), reference)
    built = tfbert.TFBertForSequenceClassification(theirs)
    assert built.config.hidden_size == TINY["hidden_size"] and built.config.num_labels == 3
    from_config = tfbert.TFBertForMaskedLM.from_config(theirs)
    assert from_config.config.vocab_size == TINY["vocab_size"]
    assert tfbert.TFBertModel.from_config(theirs.to_dict()).config.hidden_size == 32
    with_flag = tfbert.TFBertModel.from_pretrained(
        folder, config=transformers.BertConfig.from_pretrained(folder, output_hidden_states=True)
    )
    assert len(with_flag(batch).hidden_states) == TINY["num_hidden_layers"] + 1


def test_non_bert_config_is_a_clear_error():
    config = transformers.GPT2Config(n_embd=32, n_layer=1, n_head=4)
    for make in (tfbert.TFBertModel, tfbert.TFBertModel.from_config):
        with pytest.raises(ValueError, match="model_type 'gpt2'"):
            make(config)
    with pytest.raises(TypeError, match="config must be a BertConfig"):
        tfbert.TFBertModel(42)


def test_list_and_tuple_positional_inputs_in_v4_order(encoder, batch):
    pt_model, _, model = encoder
    reference = run_reference(pt_model, batch)
    ids, mask, types = batch["input_ids"], batch["attention_mask"], batch["token_type_ids"]
    assert_outputs_close(model([ids, mask, types]), reference)
    assert_outputs_close(model((ids, mask, types)), reference)
    assert_outputs_close(
        model([ids, mask]), run_reference(pt_model, {"input_ids": ids, "attention_mask": mask})
    )
    with pytest.raises(ValueError, match="got 9 positional inputs"):
        model([ids] * 9)
    # a Python list of id lists is ids, not positional inputs
    np.testing.assert_allclose(
        model(ids.tolist()).last_hidden_state, model(ids).last_hidden_state, atol=1e-6
    )


def test_functional_model_with_named_list_inputs(encoder, batch):
    pt_model, _, model = encoder
    ids = keras.Input((None,), dtype="int32", name="input_ids")
    mask = keras.Input((None,), dtype="int32", name="attention_mask")
    pooled = model([ids, mask])[1]
    functional = keras.Model([ids, mask], pooled)
    expected = run_reference(
        pt_model, {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
    )
    np.testing.assert_allclose(
        functional([batch["input_ids"], batch["attention_mask"]]),
        expected["pooler_output"],
        atol=1e-4,
    )


class AttrDict(dict):  # a tokenizer output with attribute access
    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class NotADict(collections.UserDict):  # what transformers' BatchEncoding is
    pass


def test_any_mapping_first_and_tokenizer_extras_ignored_with_one_warning(encoder, batch):
    pt_model, _, model = encoder
    reference = run_reference(pt_model, batch)
    assert_outputs_close(model(AttrDict(batch)), reference)
    assert_outputs_close(model(NotADict(batch)), reference)
    extras = {
        "offset_mapping": np.zeros((2, 7, 2), np.int32),
        "length": np.array([7, 5]),
        "special_tokens_mask": np.zeros((2, 7), np.int32),
        "overflow_to_sample_mapping": np.array([0, 1]),
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert_outputs_close(model({**batch, **extras}), reference)
    messages = [str(w.message) for w in caught if "tokenizer outputs" in str(w.message)]
    assert messages == [
        "ignoring tokenizer outputs the model does not take: length, "
        "offset_mapping, overflow_to_sample_mapping, special_tokens_mask"
    ]
    with pytest.warns(UserWarning, match="offset_mapping"):
        assert_outputs_close(model(**batch, offset_mapping=extras["offset_mapping"]), reference)
    with pytest.raises(ValueError, match=r"unexpected input keys \['input_idz'\]"):
        model({**batch, "input_idz": batch["input_ids"]})
    with pytest.raises(ValueError, match=r"unexpected input keys \['colour'\]"):
        model(**batch, colour=1)
