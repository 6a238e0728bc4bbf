"""TFEncoderDecoderModel (BERT2BERT) against transformers' PyTorch EncoderDecoderModel on the same
random weights: checkpoints both ways, logits and loss, generate (greedy and beam search); warm
start, training both ways, and clear errors."""

import warnings

import numpy as np
import pytest

import tfbert
from tests.reference import TINY
from tfbert.encoder_decoder import EncoderDecoderConfig, TFEncoderDecoderModel, shift_tokens_right

RNG = np.random.default_rng(21)
SOURCE = RNG.integers(4, 99, (2, 6))
SOURCE_MASK = np.array([[1] * 6, [1, 1, 1, 1, 0, 0]])
LABELS = RNG.integers(4, 99, (2, 5))
LABELS[1, 3:] = -100


def _pt_bert2bert(folder, decoder_hidden=None):
    import torch
    import transformers

    small = {k: v for k, v in TINY.items() if k != "num_labels"}
    encoder = transformers.BertConfig(**small)
    decoder = transformers.BertConfig(
        **{**small, **({"hidden_size": decoder_hidden} if decoder_hidden else {})}
    )
    config = transformers.EncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    config.decoder_start_token_id, config.pad_token_id = 2, 0
    for part in (config, config.encoder, config.decoder):
        part._attn_implementation = "eager"
    torch.manual_seed(1)
    model = transformers.EncoderDecoderModel(config=config).eval()
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("bias") or "LayerNorm" in name:
                param.add_(torch.randn_like(param) * 0.1)
    model.save_pretrained(folder)
    return model


@pytest.fixture(scope="module", params=[None, 48], ids=["same_size", "projected"])
def twins(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bert2bert")
    pt_model = _pt_bert2bert(folder, request.param)
    return pt_model, TFEncoderDecoderModel.from_pretrained(folder)


def _pt_forward(pt_model, **inputs):
    import torch

    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return pt_model(**{k: torch.tensor(v) for k, v in inputs.items()}, use_cache=False)


def test_loads_transformers_checkpoint_to_the_same_logits_and_loss(twins):
    pt_model, model = twins
    reference = _pt_forward(pt_model, input_ids=SOURCE, attention_mask=SOURCE_MASK, labels=LABELS)
    ours = model({"input_ids": SOURCE, "attention_mask": SOURCE_MASK, "labels": LABELS})
    np.testing.assert_allclose(np.asarray(ours.logits), reference.logits.numpy(), atol=1e-4, rtol=0)
    np.testing.assert_allclose(float(ours.loss), float(reference.loss), atol=1e-5)
    np.testing.assert_allclose(
        np.asarray(ours.encoder_last_hidden_state),
        reference.encoder_last_hidden_state.numpy(),
        atol=1e-4,
        rtol=0,
    )


def test_transformers_loads_what_tfbert_saves(twins, tmp_path):
    import transformers

    _, model = twins
    model.save_pretrained(tmp_path)
    pt_model = transformers.EncoderDecoderModel.from_pretrained(tmp_path).eval()
    decoder_ids = np.asarray(shift_tokens_right(LABELS, 0, 2))
    reference = _pt_forward(
        pt_model, input_ids=SOURCE, attention_mask=SOURCE_MASK, decoder_input_ids=decoder_ids
    )
    ours = model(SOURCE, attention_mask=SOURCE_MASK, decoder_input_ids=decoder_ids)
    np.testing.assert_allclose(np.asarray(ours.logits), reference.logits.numpy(), atol=1e-4, rtol=0)
    again = TFEncoderDecoderModel.from_pretrained(tmp_path)
    np.testing.assert_allclose(
        np.asarray(again(SOURCE, decoder_input_ids=decoder_ids).logits),
        np.asarray(model(SOURCE, decoder_input_ids=decoder_ids).logits),
        atol=1e-6,
        rtol=0,
    )


@pytest.mark.parametrize(
    "options",
    [
        dict(),
        dict(num_beams=3),
        dict(num_beams=2, num_return_sequences=2, length_penalty=0.5),
        dict(no_repeat_ngram_size=2, repetition_penalty=1.3, min_new_tokens=2),
    ],
    ids=["greedy", "beam", "beam_two", "processors"],
)
@pytest.mark.slow
def test_generate_matches_transformers(twins, options):
    import torch

    pt_model, model = twins
    options = dict(max_new_tokens=8, eos_token_id=7, do_sample=False, **options)
    with torch.no_grad():
        reference = pt_model.generate(
            torch.tensor(SOURCE),
            attention_mask=torch.tensor(SOURCE_MASK),
            return_dict_in_generate=True,
            output_scores=True,
            **options,
        )
    ours = model.generate(
        SOURCE,
        attention_mask=SOURCE_MASK,
        return_dict_in_generate=True,
        output_scores=True,
        **options,
    )
    np.testing.assert_array_equal(np.asarray(ours.sequences), reference.sequences.numpy())
    assert len(ours.scores) == len(reference.scores)
    for got, want in zip(ours.scores, reference.scores):
        np.testing.assert_allclose(np.asarray(got), want.numpy(), atol=1e-4, rtol=0)
    if "num_beams" in options:
        np.testing.assert_allclose(
            np.asarray(ours.sequences_scores), reference.sequences_scores.numpy(), atol=1e-4, rtol=0
        )


def test_labels_become_shifted_decoder_inputs():
    shifted = np.asarray(shift_tokens_right(np.array([[5, 6, -100, -100]]), 0, 2))
    assert shifted.tolist() == [[2, 5, 6, 0]]
    with pytest.raises(ValueError, match="decoder_start_token_id is not set"):
        shift_tokens_right(np.array([[5]]), 0, None)


def _small(**overrides):
    return tfbert.BertConfig(
        **{
            **dict(
                vocab_size=40,
                hidden_size=16,
                num_hidden_layers=1,
                num_attention_heads=2,
                intermediate_size=24,
            ),
            **overrides,
        }
    )


def test_built_from_two_models_and_clear_errors():
    encoder = tfbert.TFBertModel(_small())
    decoder = tfbert.TFBertLMHeadModel(_small(is_decoder=True, add_cross_attention=True))
    model = TFEncoderDecoderModel(encoder=encoder, decoder=decoder)
    assert model.encoder is encoder and model.decoder is decoder
    with pytest.raises(ValueError, match="decoder_start_token_id is not set"):
        model(SOURCE % 40, labels=LABELS % 40)
    with pytest.raises(ValueError, match="decoder_start_token_id is not set"):
        model.generate(SOURCE % 40, max_new_tokens=2)
    with pytest.raises(ValueError, match="needs is_decoder=True and add_cross_attention=True"):
        TFEncoderDecoderModel(encoder=encoder, decoder=tfbert.TFBertLMHeadModel(_small()))
    mismatched = EncoderDecoderConfig.from_encoder_decoder_configs(
        _small(), _small(hidden_size=8, cross_attention_hidden_size=16)
    )
    with pytest.raises(ValueError, match=r"hidden_size \(16\) differs from the decoder's \(8\)"):
        TFEncoderDecoderModel(mismatched)


def test_warm_start_lists_the_new_weights_once(tmp_path):
    from tfbert.checkpoint import state_dict

    tfbert.TFBertModel(_small()).save_pretrained(tmp_path / "enc")
    tfbert.TFBertForMaskedLM(_small()).save_pretrained(tmp_path / "dec")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = TFEncoderDecoderModel.from_encoder_decoder_pretrained(
            tmp_path / "enc", tmp_path / "dec", decoder_start_token_id=2, pad_token_id=0
        )
    messages = [str(w.message) for w in caught if "initialised" in str(w.message)]
    assert len(messages) == 1 and "crossattention" in messages[0]
    assert "cls.predictions" not in messages[0]  # the MLM head was loaded
    assert model.config.decoder.is_decoder and model.config.decoder.add_cross_attention
    saved = tfbert.TFBertModel.from_pretrained(tmp_path / "enc")
    table = "bert.embeddings.word_embeddings.weight"
    np.testing.assert_array_equal(state_dict(model.encoder)[table], state_dict(saved)[table])


@pytest.mark.parametrize("keras_loss", [False, True])
@pytest.mark.slow
def test_fit_with_own_loss_and_with_a_keras_loss(keras_loss):
    import keras

    config = EncoderDecoderConfig.from_encoder_decoder_configs(
        _small(), _small(), decoder_start_token_id=2, pad_token_id=0
    )
    model = TFEncoderDecoderModel(config)
    x = {"input_ids": SOURCE % 40, "attention_mask": SOURCE_MASK}
    labels = np.where(LABELS == -100, -100, LABELS % 40)
    if keras_loss:
        model.compile(
            optimizer=keras.optimizers.Adam(1e-2),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-100),
        )
    else:
        model.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = model.fit(x, labels, epochs=8, batch_size=2, verbose=0)
    losses = history.history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < 0.8 * losses[0]
    if not keras_loss:
        own = model.fit({**x, "labels": labels}, epochs=1, batch_size=2, verbose=0)
        assert own.history["loss"][0] < losses[0]


@pytest.mark.slow
def test_compiled_generate_matches_eager(twins):
    import tensorflow as tf

    _, model = twins
    for options in ({}, {"num_beams": 2}):
        options = dict(max_new_tokens=6, eos_token_id=7, **options)
        eager = np.asarray(model.generate(SOURCE, attention_mask=SOURCE_MASK, **options))
        compiled = tf.function(
            lambda ids, mask, options=options: model.generate(ids, attention_mask=mask, **options),
            jit_compile=True,
        )
        padded = np.asarray(compiled(tf.constant(SOURCE), tf.constant(SOURCE_MASK)))
        assert padded.shape == (2, 1 + 6)
        np.testing.assert_array_equal(padded[:, : eager.shape[1]], eager)
