"""generate() on TFBertLMHeadModel: token-identical to transformers 5's PyTorch generate on the
same random weights (greedy, beam search, with the logits processors), scores within 1e-4;
seeded sampling reproducible; eager, tf.function and XLA agree; bad options are clear errors."""

import numpy as np
import pytest
import tensorflow as tf

import tfbert
from tests.reference import make_reference
from tfbert.generation import GenerationConfig

PROMPT = np.random.default_rng(5).integers(1, 99, (2, 4))


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    pt_model, folder = make_reference("BertLMHeadModel", tmp_path_factory, is_decoder=True)
    return pt_model, tfbert.TFBertLMHeadModel.from_pretrained(folder)


@pytest.fixture(scope="module")
def eos(twins):
    """An end token greedy search reaches after a few steps (so sequences end early)."""
    import torch

    with torch.no_grad():
        ids = twins[0].generate(torch.tensor(PROMPT), max_new_tokens=6, do_sample=False)
    return int(ids[0, PROMPT.shape[1] + 2])


def _reference(pt_model, prompt, mask=None, **options):
    import torch

    kwargs = {} if mask is None else {"attention_mask": torch.tensor(mask)}
    with torch.no_grad():
        return pt_model.generate(
            torch.tensor(prompt),
            return_dict_in_generate=True,
            output_scores=True,
            **kwargs,
            **options,
        )


def _assert_same(ours, reference, beams=False):
    np.testing.assert_array_equal(np.asarray(ours.sequences), reference.sequences.numpy())
    assert len(ours.scores) == len(reference.scores)
    for got, want in zip(ours.scores, reference.scores):
        np.testing.assert_allclose(np.asarray(got), want.numpy(), atol=1e-4, rtol=0)
    if beams:
        np.testing.assert_allclose(
            np.asarray(ours.sequences_scores), reference.sequences_scores.numpy(), atol=1e-4, rtol=0
        )


CASES = {
    "greedy": {},
    "greedy_processors": dict(
        repetition_penalty=1.4,
        no_repeat_ngram_size=2,
        min_new_tokens=3,
        bad_words_ids=[[5], [7, 8]],
        forced_eos_token_id=3,
    ),
    "beam": dict(num_beams=3),
    "beam_returns_two": dict(num_beams=3, num_return_sequences=2, length_penalty=0.6),
    "beam_early_stopping": dict(num_beams=4, early_stopping=True, num_return_sequences=4),
    "beam_never": dict(num_beams=2, early_stopping="never", length_penalty=2.0),
    "beam_processors": dict(
        num_beams=3,
        repetition_penalty=0.8,
        no_repeat_ngram_size=3,
        min_length=8,
        forced_bos_token_id=11,
        bad_words_ids=[[11, 12]],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.slow
def test_generate_matches_transformers(twins, eos, case):
    pt_model, model = twins
    options = dict(max_new_tokens=9, eos_token_id=eos, do_sample=False, **CASES[case])
    reference = _reference(pt_model, PROMPT, **options)
    ours = model.generate(PROMPT, return_dict_in_generate=True, output_scores=True, **options)
    _assert_same(ours, reference, beams="beam" in case)


def test_several_end_tokens_and_left_padding(twins, eos):
    pt_model, model = twins
    prompt = np.concatenate([np.zeros((2, 2), np.int64), PROMPT], axis=1)
    prompt[0, :2] = [4, 9]  # row 1 is left-padded
    mask = (prompt != 0).astype(np.int64)
    for options in ({}, {"num_beams": 2}):
        options = dict(max_new_tokens=7, eos_token_id=[eos, 17], do_sample=False, **options)
        reference = _reference(pt_model, prompt, mask, **options)
        ours = model.generate(
            prompt, attention_mask=mask, return_dict_in_generate=True, output_scores=True, **options
        )
        _assert_same(ours, reference, beams="num_beams" in options)


def test_plain_ids_and_default_length(twins):
    pt_model, model = twins
    import torch

    with torch.no_grad():
        reference = pt_model.generate(torch.tensor(PROMPT), do_sample=False)
    ours = model.generate(PROMPT)
    np.testing.assert_array_equal(np.asarray(ours), reference.numpy())
    assert ours.shape[1] == PROMPT.shape[1] + 20


def test_seeded_sampling_is_reproducible(twins):
    _, model = twins
    options = dict(
        do_sample=True,
        max_new_tokens=8,
        top_k=5,
        top_p=0.9,
        temperature=0.8,
        return_dict_in_generate=True,
        output_scores=True,
    )
    first = model.generate(PROMPT, seed=7, **options)
    again = model.generate(PROMPT, seed=7, **options)
    other = model.generate(PROMPT, seed=8, **options)
    np.testing.assert_array_equal(np.asarray(first.sequences), np.asarray(again.sequences))
    assert not np.array_equal(np.asarray(first.sequences), np.asarray(other.sequences))
    # every drawn token survived top-k/top-p filtering
    for step, scores in enumerate(first.scores):
        drawn = np.asarray(first.sequences)[:, PROMPT.shape[1] + step]
        kept = np.isfinite(np.asarray(scores))
        assert kept[np.arange(2), drawn].all() and (kept.sum(-1) <= 5).all()
    beams = model.generate(PROMPT, seed=3, num_beams=2, do_sample=True, max_new_tokens=5)
    np.testing.assert_array_equal(
        np.asarray(beams),
        np.asarray(model.generate(PROMPT, seed=3, num_beams=2, do_sample=True, max_new_tokens=5)),
    )


@pytest.mark.parametrize("jit_compile", [False, True])
@pytest.mark.slow
def test_compiled_generate_matches_eager(twins, eos, jit_compile):
    _, model = twins
    for options in ({}, {"num_beams": 3}):
        options = dict(max_new_tokens=9, eos_token_id=eos, **options)
        eager = np.asarray(model.generate(PROMPT, **options))
        compiled = tf.function(
            lambda ids, options=options: model.generate(ids, **options), jit_compile=jit_compile
        )
        padded = np.asarray(compiled(tf.constant(PROMPT)))
        assert padded.shape == (2, PROMPT.shape[1] + 9)  # XLA needs a fixed length
        np.testing.assert_array_equal(padded[:, : eager.shape[1]], eager)
        compiled(tf.constant(PROMPT + 1))
        assert compiled.experimental_get_tracing_count() == 1  # once per shape, not per step


def test_generation_config_round_trips_with_transformers(tmp_path):
    import transformers

    model = tfbert.TFBertLMHeadModel(
        tfbert.BertConfig(
            vocab_size=50,
            hidden_size=8,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=16,
            is_decoder=True,
        )
    )
    config = GenerationConfig(
        num_beams=4, eos_token_id=[3, 4], max_new_tokens=12, early_stopping="never"
    )
    config.save_pretrained(tmp_path)
    theirs = transformers.GenerationConfig.from_pretrained(tmp_path)
    assert (theirs.num_beams, theirs.eos_token_id, theirs.early_stopping) == (4, [3, 4], "never")
    theirs.top_k, theirs.do_sample = 7, True
    theirs.save_pretrained(tmp_path / "back")
    back = GenerationConfig.from_pretrained(tmp_path / "back")
    assert (back.top_k, back.do_sample, back.max_new_tokens, back.num_beams) == (7, True, 12, 4)
    model.generation_config = back
    model.save_pretrained(tmp_path / "model")
    loaded = tfbert.TFBertLMHeadModel.from_pretrained(tmp_path / "model")
    assert loaded.generation_config == back


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(max_length=3), r"max_length \(3\) must be greater than the prompt length \(4\)"),
        (dict(num_beams=0), "num_beams must be a positive integer, got 0"),
        (dict(top_p=0.0), r"top_p must be a number in \(0, 1\], got 0.0"),
        (dict(top_p=1.5), r"top_p must be a number in \(0, 1\], got 1.5"),
        (dict(temperature=0), "temperature must be a positive number, got 0"),
        (dict(num_beams=2, num_return_sequences=3), r"num_return_sequences \(3\) must be at most"),
        (dict(early_stopping="soon"), "early_stopping must be True, False or 'never'"),
        (dict(bad_words_ids=[[]]), "bad_words_ids must be a non-empty list"),
        (dict(max_new_tokens=2, head_mask=1), r"unexpected keyword arguments \['head_mask'\]"),
    ],
)
def test_bad_options_are_clear_errors(twins, options, message):
    with pytest.raises(ValueError, match=message):
        twins[1].generate(PROMPT, **options)
