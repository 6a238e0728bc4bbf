"""The key/value cache: step-by-step logits equal the full sequence's, and transformers' PyTorch
BertLMHeadModel (same weights) gives the same cache and the same logits with its cache."""

import pathlib

import numpy as np
import pytest
import tensorflow as tf

import tfbert
from tests.reference import make_reference

V4_LM = pathlib.Path(__file__).parent.parent / "fixtures" / "v4" / "tf_bert_lm_head_model"
ENCODER = np.random.default_rng(3).normal(size=(2, 5, 32)).astype(np.float32)
ENCODER_MASK = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])


_TWINS = {}


def _twins(kind, tmp_path_factory):
    """(PyTorch model, tfbert model, extra inputs) on the same random weights, made once."""
    if kind not in _TWINS:
        overrides, extra = {"is_decoder": True}, {}
        if kind == "cross":
            overrides["add_cross_attention"] = True
            extra = {"encoder_hidden_states": ENCODER, "encoder_attention_mask": ENCODER_MASK}
        pt_model, folder = make_reference("BertLMHeadModel", tmp_path_factory, **overrides)
        _TWINS[kind] = pt_model, tfbert.TFBertLMHeadModel.from_pretrained(folder), extra
    return _TWINS[kind]


@pytest.fixture(scope="session", params=["self", "cross"])
def twins(request, tmp_path_factory):
    return _twins(request.param, tmp_path_factory)


@pytest.fixture(scope="session", params=["self", "cross", "relative_key", "relative_key_query"])
def decoder(request, tmp_path_factory):
    """A tfbert decoder and its extra inputs; relative positions (gone from transformers 5's
    PyTorch BERT) on random weights."""
    if request.param in ("self", "cross"):
        return _twins(request.param, tmp_path_factory)[1:]
    config = tfbert.BertConfig(
        vocab_size=99,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=37,
        max_position_embeddings=64,
        is_decoder=True,
        position_embedding_type=request.param,
    )
    return tfbert.TFBertLMHeadModel(config), {}


def _ids_and_mask():
    ids = np.random.default_rng(1).integers(1, 99, (2, 9))
    mask = np.ones((2, 9), np.int64)
    mask[1, :2] = 0  # left padding, as generation uses
    return ids, mask


def _stepwise(model, ids, mask, extra, prefix=4):
    """Logits of the prefix at once, then one token at a time through the cache."""
    first = model(ids[:, :prefix], attention_mask=mask[:, :prefix], use_cache=True, **extra)
    logits, past = [np.asarray(first.logits)], first.past_key_values
    for t in range(prefix, ids.shape[1]):
        step = model(
            ids[:, t : t + 1],
            attention_mask=mask[:, : t + 1],
            past_key_values=past,
            use_cache=True,
            **extra,
        )
        logits.append(np.asarray(step.logits))
        past = step.past_key_values
    return np.concatenate(logits, axis=1), past


def test_cached_steps_equal_the_full_sequence(decoder):
    model, extra = decoder
    ids, mask = _ids_and_mask()
    full = model(ids, attention_mask=mask, **extra)
    stepwise, past = _stepwise(model, ids, mask, extra)
    real = mask.astype(bool)  # a padding query sees no key: its output depends on the key count
    np.testing.assert_allclose(stepwise[real], np.asarray(full.logits)[real], atol=1e-5, rtol=0)
    assert np.abs(stepwise[real]).max() > 0.1  # not trivially equal
    assert len(past) == 2 and len(past[0]) == (4 if extra else 2)
    assert tuple(past[0][0].shape) == (2, 4, 9, 8)


def test_cache_and_cached_logits_equal_transformers(twins):
    import torch

    pt_model, model, extra = twins
    ids, mask = _ids_and_mask()
    pt_extra = {k: torch.tensor(v) for k, v in extra.items()}
    with torch.no_grad():
        first = pt_model(
            torch.tensor(ids[:, :6]),
            attention_mask=torch.tensor(mask[:, :6]),
            use_cache=True,
            **pt_extra,
        )
        step = pt_model(
            torch.tensor(ids[:, 6:8]),
            attention_mask=torch.tensor(mask[:, :8]),
            cache=first.cache,
            use_cache=True,
            **pt_extra,
        )
    ours_first = model(ids[:, :6], attention_mask=mask[:, :6], use_cache=True, **extra)
    ours = model(
        ids[:, 6:8], attention_mask=mask[:, :8], past_key_values=ours_first.past_key_values, **extra
    )
    np.testing.assert_allclose(np.asarray(ours.logits), step.logits.numpy(), atol=1e-5, rtol=0)
    cache = step.cache
    for i, layer in enumerate(ours.past_key_values):
        self_cache = cache.self_attention_cache.layers[i] if extra else cache.layers[i]
        expected = [self_cache.keys, self_cache.values]
        if extra:
            cross = cache.cross_attention_cache.layers[i]
            expected += [cross.keys, cross.values]
        assert len(layer) == len(expected)
        for got, want in zip(layer, expected):
            np.testing.assert_allclose(np.asarray(got), want.numpy(), atol=1e-5, rtol=0)


@pytest.mark.slow
def test_fixed_size_cache_in_a_compiled_function(decoder):
    """A cache padded to the maximum length, written in place at ``cache_index``, as XLA needs."""
    model, extra = decoder
    ids, mask = _ids_and_mask()
    full = np.asarray(model(ids, attention_mask=mask, **extra).logits)
    length = ids.shape[1]
    first = model(ids[:, :4], attention_mask=mask[:, :4], use_cache=True, **extra)
    pad = [(0, 0), (0, 0), (0, length - 4), (0, 0)]
    past = tuple(
        tuple(np.pad(np.asarray(t), pad) if j < 2 else t for j, t in enumerate(layer))
        for layer in first.past_key_values
    )
    padded_mask = mask.copy()

    @tf.function(jit_compile=True, reduce_retracing=True)
    def step(token, past, index):
        output = model(
            token,
            attention_mask=padded_mask,
            past_key_values=past,
            cache_index=index,
            use_cache=True,
            **extra,
        )
        return output.logits, output.past_key_values

    logits = []
    for t in range(4, length):
        step_logits, past = step(ids[:, t : t + 1], past, tf.constant(t))
        logits.append(np.asarray(step_logits))
    np.testing.assert_allclose(np.concatenate(logits, 1), full[:, 4:], atol=1e-5, rtol=0)
    assert step.experimental_get_tracing_count() == 1


def test_v4_tensorflow_cache():
    """transformers 4.57's TFBertLMHeadModel returned the same past_key_values."""
    data = dict(np.load(V4_LM / "reference.npz"))
    model = tfbert.TFBertLMHeadModel.from_pretrained(V4_LM)
    output = model({k: data[k] for k in ("input_ids", "attention_mask", "token_type_ids")})
    for i, layer in enumerate(output.past_key_values):
        for j, tensor in enumerate(layer):
            np.testing.assert_allclose(
                np.asarray(tensor), data[f"past_key_values_{i}_{j}"], atol=1e-4, rtol=0
            )


def test_no_cache_for_encoders_and_on_request():
    config = dict(
        vocab_size=50,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
    )
    ids = np.array([[2, 5, 7]])
    assert "past_key_values" not in tfbert.TFBertLMHeadModel(tfbert.BertConfig(**config))(ids)
    decoder = tfbert.TFBertLMHeadModel(tfbert.BertConfig(**config, is_decoder=True))
    assert "past_key_values" in decoder(ids)
    assert "past_key_values" not in decoder(ids, use_cache=False)
    past = decoder(ids[:, :1]).past_key_values
    from_dict = decoder({"input_ids": ids[:, 1:], "past_key_values": past})  # v4 took this
    np.testing.assert_allclose(
        np.asarray(from_dict.logits), np.asarray(decoder(ids).logits)[:, 1:], atol=1e-5, rtol=0
    )
    with pytest.raises(ValueError, match="not a decoder"):
        tfbert.TFBertModel(tfbert.BertConfig(**config)).bert(ids, past_key_values=past)
