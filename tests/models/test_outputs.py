"""Output objects and tuples in transformers' field order; output switches from the config.

The tuples are compared with transformers' PyTorch classes called with ``return_dict=False`` on
the same weights, so an order that differs from transformers' fails."""

import json

import numpy as np
import pytest
import tensorflow as tf
import torch

import tfbert
from tests.reference import make_reference
from tfbert import outputs as out

CLASSES = [
    "BertModel",
    "BertForPreTraining",
    "BertForMaskedLM",
    "BertForSequenceClassification",
    "BertForQuestionAnswering",
]


def _present(values):
    """transformers' tuple without what tfbert leaves out: ``None`` and the empty
    ``cross_attentions`` tuple transformers gives for encoders."""
    return tuple(v for v in values if v is not None and not (isinstance(v, tuple) and not v))


def _assert_tuples_close(ours, theirs, path="out"):
    assert isinstance(ours, tuple) and isinstance(theirs, tuple), path
    assert len(ours) == len(theirs), f"{path}: {len(ours)} fields, transformers has {len(theirs)}"
    for i, (got, expected) in enumerate(zip(ours, theirs)):
        if isinstance(expected, tuple):
            _assert_tuples_close(got, expected, f"{path}[{i}]")
        else:
            np.testing.assert_allclose(
                np.asarray(got), expected.numpy(), atol=1e-4, rtol=0, err_msg=f"{path}[{i}]"
            )


@pytest.fixture(scope="module", params=CLASSES)
def pair(request, tmp_path_factory):
    pt_model, folder = make_reference(
        request.param,
        tmp_path_factory,
        **({"num_labels": 2} if "Question" in request.param else {}),
    )
    return pt_model, folder, getattr(tfbert, "TF" + request.param).from_pretrained(folder)


@pytest.mark.parametrize("hidden,attentions", [(True, False), (False, True), (True, True)])
@pytest.mark.slow
def test_return_dict_false_tuples_match_transformers_order(pair, batch, hidden, attentions):
    pt_model, _, model = pair
    with torch.no_grad():
        theirs = pt_model(
            **{k: torch.tensor(v) for k, v in batch.items()},
            return_dict=False,
            output_hidden_states=hidden,
            output_attentions=attentions,
        )
    theirs = _present(theirs)
    ours = model(
        batch, return_dict=False, output_hidden_states=hidden, output_attentions=attentions
    )
    _assert_tuples_close(ours, theirs)
    # indexing the output object gives the same order
    obj = model(batch, output_hidden_states=hidden, output_attentions=attentions)
    assert len(obj) == len(theirs)
    _assert_tuples_close(obj[1:], theirs[1:])
    np.testing.assert_allclose(obj[0], theirs[0].numpy(), atol=1e-4)


@pytest.mark.slow
def test_hidden_states_from_config_json_and_from_pretrained_kwargs(pair, batch, tmp_path):
    pt_model, folder, _ = pair
    cls = type(pair[2])
    with torch.no_grad():
        theirs = pt_model(
            **{k: torch.tensor(v) for k, v in batch.items()},
            return_dict=False,
            output_hidden_states=True,
        )
    theirs = _present(theirs)
    # from_pretrained keywords
    model = cls.from_pretrained(folder, output_hidden_states=True, return_dict=False)
    _assert_tuples_close(model(batch), theirs)
    # config.json
    config = json.loads((folder / "config.json").read_text())
    for name in ("config.json", "model.safetensors"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    (tmp_path / "config.json").write_text(json.dumps({**config, "output_hidden_states": True}))
    from_file = cls.from_pretrained(tmp_path)
    assert len(from_file(batch).hidden_states) == 3
    # call arguments override the config
    assert from_file(batch, output_hidden_states=False).hidden_states is None
    assert isinstance(model(batch, return_dict=True), out.ModelOutput)


def test_config_switches_on_bertconfig_and_main_layer(batch):
    config = tfbert.BertConfig(
        vocab_size=99,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=37,
        output_attentions=True,
        output_hidden_states=True,
    )
    model = tfbert.TFBertModel(config)
    result = model(batch)
    assert list(result) == ["last_hidden_state", "pooler_output", "hidden_states", "attentions"]
    assert len(result.attentions) == 2 and len(result.hidden_states) == 3
    backbone = model.bert(**batch)
    assert isinstance(backbone, out.BaseModelOutputWithPoolingAndCrossAttentions)
    assert list(backbone) == list(result)
    np.testing.assert_array_equal(backbone.last_hidden_state, backbone["last_hidden_state"])
    np.testing.assert_array_equal(backbone[1], result.pooler_output)
    assert isinstance(model.bert(**batch, return_dict=False), tuple)
    plain = tfbert.TFBertModel(
        tfbert.BertConfig(
            **{
                **config.to_dict(),
                "return_dict": False,
                "output_attentions": False,
                "output_hidden_states": False,
            }
        )
    )
    assert isinstance(plain(batch), tuple) and len(plain(batch)) == 2
    assert plain.config.use_return_dict is False


def test_output_objects_follow_declared_order_whatever_the_given_order():
    result = out.BaseModelOutputWithPoolingAndCrossAttentions(
        hidden_states=(1, 2), last_hidden_state="h", attentions=None, pooler_output="p"
    )
    assert list(result) == ["last_hidden_state", "pooler_output", "hidden_states"]
    assert result.to_tuple() == ("h", "p", (1, 2)) and result[2] == (1, 2)
    assert result[:2] == ("h", "p") and len(result) == 3 and result.attentions is None
    result["attentions"] = "a"
    result.cross_attentions = "c"
    assert list(result) == [
        "last_hidden_state",
        "pooler_output",
        "hidden_states",
        "attentions",
        "cross_attentions",
    ]
    with pytest.raises(TypeError, match="has no field 'logits'"):
        out.BaseModelOutputWithPoolingAndCrossAttentions(logits=1)
    with pytest.raises(AttributeError, match="has no field 'logits'"):
        result.logits  # noqa: B018
    assert out.QuestionAnsweringModelOutput.fields == (
        "loss",
        "start_logits",
        "end_logits",
        "hidden_states",
        "attentions",
    )


def test_outputs_survive_tf_nest_and_tf_function(batch):
    result = out.SequenceClassifierOutput(logits=tf.ones((2, 3)), loss=tf.constant(1.0))
    mapped = tf.nest.map_structure(lambda t: t * 2, result)
    assert type(mapped) is out.SequenceClassifierOutput and list(mapped) == ["loss", "logits"]
    traced = tf.function(
        lambda: out.SequenceClassifierOutput(logits=tf.ones((1,)), loss=tf.zeros(()))
    )()
    assert type(traced) is out.SequenceClassifierOutput and list(traced) == ["loss", "logits"]
