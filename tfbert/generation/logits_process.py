"""Logits processors: the rules that change next-token scores while decoding.

Each is called as ``processor(input_ids, scores, cur_len)``, transformers v4's TensorFlow
convention: ``input_ids`` is the ``(batch, max_length)`` token buffer of which the first
``cur_len`` positions are filled (``cur_len`` a Python int or a scalar tensor), ``scores`` the
``(batch, vocab)`` next-token scores; it returns new scores. Shapes never depend on ``cur_len``, so
every processor runs eagerly, in ``tf.function`` and under XLA. Removed tokens get ``-inf``, as in
transformers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import tensorflow as tf

NEG_INF = float("-inf")


def _eos_list(eos_token_id: int | Sequence[int] | None) -> list[int]:
    if eos_token_id is None:
        return []
    return [int(eos_token_id)] if isinstance(eos_token_id, int) else [int(i) for i in eos_token_id]


def _ban(scores, token_ids: Sequence[int], where=True):
    """``scores`` with ``token_ids`` set to ``-inf`` (in the rows where ``where`` holds)."""
    vocab = scores.shape[-1]
    hit = tf.reduce_any(
        tf.one_hot(list(token_ids), vocab, on_value=True, off_value=False, dtype=tf.bool), axis=0
    )
    return tf.where(tf.logical_and(hit[None, :], where), tf.cast(NEG_INF, scores.dtype), scores)


def _only(scores, token_ids: Sequence[int], where):
    """``scores`` with every token but ``token_ids`` at ``-inf`` and those at 0, where ``where``."""
    vocab = scores.shape[-1]
    keep = tf.reduce_any(
        tf.one_hot(list(token_ids), vocab, on_value=True, off_value=False, dtype=tf.bool), axis=0
    )
    forced = tf.where(keep, tf.zeros_like(scores[:1]), tf.cast(NEG_INF, scores.dtype))
    return tf.where(where, tf.broadcast_to(forced, tf.shape(scores)), scores)


def _present(input_ids, cur_len, vocab: int, start=None):
    """``(batch, vocab)`` bool: which tokens occur in ``input_ids[:, start:cur_len]``."""
    batch, length = tf.shape(input_ids)[0], tf.shape(input_ids)[1]
    positions = tf.range(length)[None, :]
    valid = positions < cur_len
    if start is not None:
        valid = tf.logical_and(valid, positions >= tf.cast(start, tf.int32)[:, None])
    rows = tf.broadcast_to(tf.range(batch)[:, None], tf.shape(input_ids))
    ids = tf.clip_by_value(tf.cast(input_ids, tf.int32), 0, vocab - 1)
    indices = tf.stack([rows, ids], axis=-1)
    valid = tf.broadcast_to(valid, tf.shape(input_ids))
    return (
        tf.tensor_scatter_nd_max(
            tf.zeros((batch, vocab), tf.int32), indices, tf.cast(valid, tf.int32)
        )
        > 0
    )


class TFLogitsProcessor:
    """Base class: ``__call__(input_ids, scores, cur_len)`` returns the processed scores."""

    def __call__(self, input_ids, scores, cur_len):
        raise NotImplementedError


TFLogitsWarper = TFLogitsProcessor  # v4's name for the sampling-only processors


class TFLogitsProcessorList(list):
    """Applies its processors in order.

    Example:
        >>> import numpy as np
        >>> processors = TFLogitsProcessorList([TFTemperatureLogitsWarper(2.0)])
        >>> np.asarray(processors(np.array([[1]]), np.array([[2.0, 4.0]]), 1)).tolist()
        [[1.0, 2.0]]
    """

    def __call__(self, input_ids, scores, cur_len):
        scores = tf.convert_to_tensor(scores)
        for processor in self:
            scores = processor(input_ids, scores, cur_len)
        return scores


class TFTemperatureLogitsWarper(TFLogitsProcessor):
    """Divides the scores by ``temperature``.

    Raises:
        ValueError: ``temperature`` is not a positive number.
    """

    def __init__(self, temperature: float):
        if (
            isinstance(temperature, bool)
            or not isinstance(temperature, (int, float))
            or not temperature > 0
        ):
            raise ValueError(f"temperature must be a positive number, got {temperature!r}")
        self.temperature = float(temperature)

    def __call__(self, input_ids, scores, cur_len):
        return scores / self.temperature


class TFTopKLogitsWarper(TFLogitsProcessor):
    """Keeps the ``top_k`` highest scores (at least ``min_tokens_to_keep``).

    Raises:
        ValueError: ``top_k`` is not a positive integer.
    """

    def __init__(self, top_k: int, min_tokens_to_keep: int = 1):
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k <= 0:
            raise ValueError(f"top_k must be a positive integer, got {top_k!r}")
        self.top_k = max(top_k, min_tokens_to_keep)

    def __call__(self, input_ids, scores, cur_len):
        k = min(self.top_k, scores.shape[-1])
        kth = tf.math.top_k(scores, k=k).values[:, -1:]
        return tf.where(scores < kth, tf.cast(NEG_INF, scores.dtype), scores)


class TFTopPLogitsWarper(TFLogitsProcessor):
    """Keeps the smallest set of top tokens whose probabilities reach ``top_p`` (nucleus).

    Raises:
        ValueError: ``top_p`` is outside ``(0, 1]``.
    """

    def __init__(self, top_p: float, min_tokens_to_keep: int = 1):
        if isinstance(top_p, bool) or not isinstance(top_p, (int, float)) or not 0.0 < top_p <= 1.0:
            raise ValueError(f"top_p must be a number in (0, 1], got {top_p!r}")
        self.top_p = float(top_p)
        self.min_tokens_to_keep = min_tokens_to_keep

    def __call__(self, input_ids, scores, cur_len):
        vocab = scores.shape[-1]
        # ascending order, as transformers sorts: drop the low tail holding <= 1 - top_p
        order = tf.argsort(scores, axis=-1, direction="ASCENDING", stable=True)
        sorted_scores = tf.gather(scores, order, batch_dims=1)
        cumulative = tf.cumsum(tf.nn.softmax(sorted_scores, axis=-1), axis=-1)
        remove_sorted = cumulative <= 1.0 - self.top_p
        keep_last = tf.range(vocab) >= vocab - self.min_tokens_to_keep
        remove_sorted = tf.logical_and(remove_sorted, tf.logical_not(keep_last)[None, :])
        rows = tf.broadcast_to(tf.range(tf.shape(scores)[0])[:, None], tf.shape(order))
        remove = tf.scatter_nd(tf.stack([rows, order], -1), remove_sorted, tf.shape(scores))
        return tf.where(remove, tf.cast(NEG_INF, scores.dtype), scores)


class TFMinLengthLogitsProcessor(TFLogitsProcessor):
    """Forbids the end-of-sequence tokens while fewer than ``min_length`` tokens exist (prompt
    included)."""

    def __init__(self, min_length: int, eos_token_id: int | Sequence[int]):
        self.min_length = int(min_length)
        self.eos_token_id = _eos_list(eos_token_id)

    def __call__(self, input_ids, scores, cur_len):
        return _ban(scores, self.eos_token_id, cur_len < self.min_length)


class TFMinNewTokensLengthLogitsProcessor(TFLogitsProcessor):
    """Forbids the end-of-sequence tokens until ``min_new_tokens`` tokens follow the prompt."""

    def __init__(
        self, prompt_length_to_skip: int, min_new_tokens: int, eos_token_id: int | Sequence[int]
    ):
        self.prompt_length_to_skip = int(prompt_length_to_skip)
        self.min_new_tokens = int(min_new_tokens)
        self.eos_token_id = _eos_list(eos_token_id)

    def __call__(self, input_ids, scores, cur_len):
        return _ban(
            scores, self.eos_token_id, cur_len - self.prompt_length_to_skip < self.min_new_tokens
        )


class TFRepetitionPenaltyLogitsProcessor(TFLogitsProcessor):
    """Scores of tokens already present are divided by ``penalty`` (multiplied when negative).

    Args:
        penalty: > 1 discourages repeats.
        prompt_ignore_length: Per row, leading positions to ignore (left padding), or ``None``.

    Raises:
        ValueError: ``penalty`` is not a positive number.
    """

    def __init__(self, penalty: float, prompt_ignore_length=None):
        if isinstance(penalty, bool) or not isinstance(penalty, (int, float)) or not penalty > 0:
            raise ValueError(f"repetition_penalty must be a positive number, got {penalty!r}")
        self.penalty = float(penalty)
        self.prompt_ignore_length = prompt_ignore_length

    def __call__(self, input_ids, scores, cur_len):
        present = _present(input_ids, cur_len, scores.shape[-1], self.prompt_ignore_length)
        penalised = tf.where(scores < 0, scores * self.penalty, scores / self.penalty)
        return tf.where(present, penalised, scores)


class TFNoRepeatNGramLogitsProcessor(TFLogitsProcessor):
    """Forbids a token that would repeat an n-gram of size ``ngram_size`` already in the sequence.

    Raises:
        ValueError: ``ngram_size`` is not a positive integer.
    """

    def __init__(self, ngram_size: int):
        if isinstance(ngram_size, bool) or not isinstance(ngram_size, int) or ngram_size <= 0:
            raise ValueError(f"no_repeat_ngram_size must be a positive integer, got {ngram_size!r}")
        self.ngram_size = ngram_size

    def __call__(self, input_ids, scores, cur_len):
        n = self.ngram_size
        ids = tf.cast(input_ids, tf.int32)
        length, vocab = ids.shape[1], scores.shape[-1]
        if length is None or length < n:
            return scores
        starts = length - n + 1  # windows ids[:, j : j + n]
        # the window's first n - 1 tokens equal the last n - 1 generated ones
        match = tf.ones((tf.shape(ids)[0], starts), tf.bool)
        for k in range(n - 1):
            last = tf.gather(ids, tf.maximum(cur_len - (n - 1) + k, 0), axis=1)
            match = tf.logical_and(match, tf.equal(ids[:, k : k + starts], last[:, None]))
        match = tf.logical_and(match, (tf.range(starts) + n - 1 < cur_len)[None, :])
        rows = tf.broadcast_to(tf.range(tf.shape(ids)[0])[:, None], tf.shape(match))
        following = tf.clip_by_value(ids[:, n - 1 : n - 1 + starts], 0, vocab - 1)
        banned = (
            tf.tensor_scatter_nd_max(
                tf.zeros((tf.shape(ids)[0], vocab), tf.int32),
                tf.stack([rows, following], -1),
                tf.cast(match, tf.int32),
            )
            > 0
        )
        return tf.where(banned, tf.cast(NEG_INF, scores.dtype), scores)


class TFNoBadWordsLogitsProcessor(TFLogitsProcessor):
    """Forbids the token sequences in ``bad_words_ids``: a one-token entry always, a longer one's
    last token when the sequence ends with the others.

    Args:
        bad_words_ids: Lists of token ids.
        eos_token_id: Entries that are exactly one end-of-sequence token are dropped (as in
            transformers).

    Raises:
        ValueError: ``bad_words_ids`` is not a non-empty list of non-empty lists of non-negative
            integers.
    """

    def __init__(self, bad_words_ids: Iterable[Sequence[int]], eos_token_id=None):
        words = (
            [list(w) for w in bad_words_ids] if isinstance(bad_words_ids, (list, tuple)) else None
        )
        if not words or any(
            not w or any(isinstance(t, bool) or not isinstance(t, int) or t < 0 for t in w)
            for w in words
        ):
            raise ValueError(
                "bad_words_ids must be a non-empty list of non-empty lists of token "
                f"ids, got {bad_words_ids!r}"
            )
        eos = _eos_list(eos_token_id)
        self.bad_words_ids = [w for w in words if not (len(w) == 1 and w[0] in eos)]

    def __call__(self, input_ids, scores, cur_len):
        ids = tf.cast(input_ids, tf.int32)
        for word in self.bad_words_ids:
            if len(word) == 1:
                scores = _ban(scores, word)
                continue
            prefix = len(word) - 1
            match = tf.fill(tf.shape(ids)[:1], tf.convert_to_tensor(cur_len) >= prefix)
            for k, token in enumerate(word[:-1]):
                at = tf.maximum(cur_len - prefix + k, 0)
                match = tf.logical_and(match, tf.equal(tf.gather(ids, at, axis=1), token))
            scores = _ban(scores, word[-1:], match[:, None])
        return scores


class TFForcedBOSTokenLogitsProcessor(TFLogitsProcessor):
    """Forces ``bos_token_id`` as the first generated token (when one token exists)."""

    def __init__(self, bos_token_id: int):
        self.bos_token_id = int(bos_token_id)

    def __call__(self, input_ids, scores, cur_len):
        return _only(scores, [self.bos_token_id], tf.equal(cur_len, 1))


class TFForcedEOSTokenLogitsProcessor(TFLogitsProcessor):
    """Forces an end-of-sequence token as the last token when ``max_length`` is reached."""

    def __init__(self, max_length: int, eos_token_id: int | Sequence[int]):
        self.max_length = int(max_length)
        self.eos_token_id = _eos_list(eos_token_id)

    def __call__(self, input_ids, scores, cur_len):
        return _only(scores, self.eos_token_id, tf.equal(cur_len, self.max_length - 1))
