"""Each logits processor equals transformers 5's PyTorch one on the same ids and logits, also when
its ids come in a longer fixed-size buffer (the form the decoding loops and XLA use)."""

import numpy as np
import pytest
import tensorflow as tf

from tfbert.generation import logits_process as lp

RNG = np.random.default_rng(11)
VOCAB = 20
IDS = RNG.integers(0, 8, (3, 7))  # small ids: repeats and n-gram matches occur
IDS[1, -2:] = IDS[1, 1:3]  # row 1 ends with a 3-gram seen before
IDS[2, -1] = 7  # row 2 ends with the prefix of the bad word [7, 9]
LOGITS = RNG.normal(size=(3, VOCAB)).astype(np.float32) * 3
EOS = [2, 5]


def _cases():
    import transformers.generation.logits_process as pt

    def pair(ours, theirs, cur_len=IDS.shape[1]):
        return ours, theirs, cur_len

    return {
        "temperature": pair(lp.TFTemperatureLogitsWarper(0.7), pt.TemperatureLogitsWarper(0.7)),
        "top_k": pair(lp.TFTopKLogitsWarper(4), pt.TopKLogitsWarper(4)),
        "top_k_keep": pair(
            lp.TFTopKLogitsWarper(1, min_tokens_to_keep=3),
            pt.TopKLogitsWarper(1, min_tokens_to_keep=3),
        ),
        "top_p": pair(lp.TFTopPLogitsWarper(0.8), pt.TopPLogitsWarper(0.8)),
        "top_p_keep": pair(
            lp.TFTopPLogitsWarper(0.05, min_tokens_to_keep=3),
            pt.TopPLogitsWarper(0.05, min_tokens_to_keep=3),
        ),
        "repetition": pair(
            lp.TFRepetitionPenaltyLogitsProcessor(1.5), pt.RepetitionPenaltyLogitsProcessor(1.5)
        ),
        "repetition_ignore": pair(
            lp.TFRepetitionPenaltyLogitsProcessor(2.0, prompt_ignore_length=tf.constant([0, 3, 6])),
            pt.RepetitionPenaltyLogitsProcessor(2.0, prompt_ignore_length=_torch([0, 3, 6])),
        ),
        "no_repeat_2": pair(
            lp.TFNoRepeatNGramLogitsProcessor(2), pt.NoRepeatNGramLogitsProcessor(2)
        ),
        "no_repeat_3": pair(
            lp.TFNoRepeatNGramLogitsProcessor(3), pt.NoRepeatNGramLogitsProcessor(3)
        ),
        "no_repeat_short": pair(
            lp.TFNoRepeatNGramLogitsProcessor(3), pt.NoRepeatNGramLogitsProcessor(3), cur_len=2
        ),
        "bad_words": pair(
            lp.TFNoBadWordsLogitsProcessor([[3], [7, 9], [2], [1, 1, 4]], EOS),
            pt.NoBadWordsLogitsProcessor([[3], [7, 9], [2], [1, 1, 4]], EOS),
        ),
        "min_length_on": pair(
            lp.TFMinLengthLogitsProcessor(10, EOS), pt.MinLengthLogitsProcessor(10, EOS)
        ),
        "min_length_off": pair(
            lp.TFMinLengthLogitsProcessor(7, EOS), pt.MinLengthLogitsProcessor(7, EOS)
        ),
        "min_new_tokens": pair(
            lp.TFMinNewTokensLengthLogitsProcessor(4, 5, EOS),
            pt.MinNewTokensLengthLogitsProcessor(4, 5, EOS),
        ),
        "forced_bos": pair(
            lp.TFForcedBOSTokenLogitsProcessor(4), pt.ForcedBOSTokenLogitsProcessor(4), cur_len=1
        ),
        "forced_bos_off": pair(
            lp.TFForcedBOSTokenLogitsProcessor(4), pt.ForcedBOSTokenLogitsProcessor(4)
        ),
        "forced_eos": pair(
            lp.TFForcedEOSTokenLogitsProcessor(8, EOS), pt.ForcedEOSTokenLogitsProcessor(8, EOS)
        ),
    }


def _torch(values):
    import torch

    return torch.tensor(values)


@pytest.mark.parametrize("name", sorted(_cases()))
def test_processor_matches_transformers(name):
    import torch

    ours, theirs, cur_len = _cases()[name]
    ids = IDS[:, :cur_len]
    expected = theirs(torch.tensor(ids), torch.tensor(LOGITS)).numpy()
    got = np.asarray(ours(ids, tf.constant(LOGITS), cur_len))
    np.testing.assert_allclose(got, expected, atol=1e-6, rtol=0)
    # in a fixed-size buffer with junk after cur_len, under XLA, with cur_len a tensor
    buffer = np.concatenate([ids, RNG.integers(0, 8, (3, 5))], axis=1)
    compiled = tf.function(lambda b, s, n: ours(b, s, n), jit_compile=True)
    got = np.asarray(compiled(tf.constant(buffer), tf.constant(LOGITS), tf.constant(cur_len)))
    np.testing.assert_allclose(got, expected, atol=1e-6, rtol=0)
    if name not in ("forced_bos_off", "min_length_off", "no_repeat_short"):
        assert not np.array_equal(expected, LOGITS)  # the case changes something


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: lp.TFTopPLogitsWarper(0.0), r"top_p must be a number in \(0, 1\], got 0.0"),
        (lambda: lp.TFTopKLogitsWarper(0), "top_k must be a positive integer, got 0"),
        (lambda: lp.TFTemperatureLogitsWarper(-1.0), "temperature must be a positive number"),
        (
            lambda: lp.TFRepetitionPenaltyLogitsProcessor(0.0),
            "repetition_penalty must be a positive number",
        ),
        (lambda: lp.TFNoRepeatNGramLogitsProcessor(0), "no_repeat_ngram_size must be a positive"),
        (lambda: lp.TFNoBadWordsLogitsProcessor([[1, -2]]), "bad_words_ids must be a non-empty"),
    ],
)
def test_bad_processor_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()
