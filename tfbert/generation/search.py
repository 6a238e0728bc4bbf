"""The decoding loops: greedy search and sampling, and beam search, as transformers 5 runs them.

Both loops work on a token buffer of fixed size ``(batch, max_length)`` and a model cache of
fixed size (written in place at the current position), inside ``tf.while_loop``: one program
for eager execution, ``tf.function`` and XLA (``jit_compile=True``), which then compiles once
per input shape, not once per step.

``step(tokens, cache, cache_index)`` runs the model on ``tokens`` (``(rows, 1)``) written at
``cache_index`` and returns ``(next-token logits (rows, vocab), cache)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import tensorflow as tf

_LARGE = 1.0e9  # transformers' "very negative" beam score


class Decoding(NamedTuple):
    """The fixed options of one ``generate()`` call."""

    max_length: int
    prompt_length: int
    eos_token_id: tuple[int, ...]
    pad_token_id: int | None
    do_sample: bool
    output_scores: bool
    num_beams: int = 1
    num_return_sequences: int = 1
    length_penalty: float = 1.0
    early_stopping: bool | str = False


def _is_eos(tokens, eos: Sequence[int]):
    hit = tf.zeros_like(tokens, tf.bool)
    for token in eos:
        hit = tf.logical_or(hit, tf.equal(tokens, token))
    return hit


def _write(buffer, position, values):
    """``buffer[..., position] = values`` for a buffer of fixed length (last axis)."""
    at = tf.equal(tf.range(tf.shape(buffer)[-1]), position)
    return tf.where(at, tf.expand_dims(tf.cast(values, buffer.dtype), -1), buffer)


def _seed(seed, cur_len):
    return tf.stack([tf.cast(seed[0], tf.int32), tf.cast(seed[1], tf.int32) + cur_len])


def greedy_or_sample(
    step: Callable, logits, cache, sequences, processors, options: Decoding, seed=None
):
    """Greedy search (``do_sample=False``) or multinomial sampling.

    Args:
        step: The model step (see the module docstring).
        logits: ``(batch, vocab)`` scores of the token after the prompt.
        cache: The model cache after the prompt.
        sequences: ``(batch, max_length)`` int32, the prompt in the first ``prompt_length``
            positions.
        processors: A ``TFLogitsProcessorList``.
        options: The call's :class:`Decoding`.
        seed: Two int32 values for sampling.

    Returns:
        ``(sequences, cur_len, scores)``: the filled buffer (finished rows padded with
        ``pad_token_id``), the length reached, and the processed scores per step (a
        ``(max_length - prompt_length, batch, vocab)`` tensor, or ``None``).
    """
    steps = options.max_length - options.prompt_length
    batch = tf.shape(sequences)[0]
    eos = options.eos_token_id
    scores_ta = _scores_array(steps, logits, options)

    def body(cur_len, sequences, unfinished, logits, cache, scores_ta):
        scores = processors(sequences, tf.cast(logits, tf.float32), cur_len)
        if options.output_scores:
            scores_ta = scores_ta.write(cur_len - options.prompt_length, scores)
        if options.do_sample:
            tokens = tf.random.stateless_categorical(
                scores, 1, _seed(seed, cur_len), dtype=tf.int32
            )[:, 0]
        else:
            tokens = tf.argmax(scores, axis=-1, output_type=tf.int32)
        if eos:
            tokens = tf.where(unfinished, tokens, options.pad_token_id)
            unfinished = tf.logical_and(unfinished, tf.logical_not(_is_eos(tokens, eos)))
        sequences = _write(sequences, cur_len, tokens)
        cur_len = cur_len + 1
        go_on = tf.logical_and(cur_len < options.max_length, tf.reduce_any(unfinished))
        logits, cache = tf.cond(
            go_on, lambda: step(tokens[:, None], cache, cur_len - 1), lambda: (logits, cache)
        )
        return cur_len, sequences, unfinished, logits, cache, scores_ta

    def cond(cur_len, sequences, unfinished, *_):
        return tf.logical_and(cur_len < options.max_length, tf.reduce_any(unfinished))

    state = (
        tf.constant(options.prompt_length),
        sequences,
        tf.ones((batch,), tf.bool),
        logits,
        cache,
        scores_ta,
    )
    cur_len, sequences, _, _, _, scores_ta = tf.while_loop(
        cond, body, state, maximum_iterations=steps
    )
    return sequences, cur_len, scores_ta.stack() if options.output_scores else None


def _scores_array(steps: int, logits, options: Decoding):
    """Where each step's processed scores go: a ``TensorArray`` with ``output_scores``, else an
    empty placeholder (no tensor list in the loop, which TFLite's builtins cannot hold)."""
    if not options.output_scores:
        return tf.zeros([0], tf.float32)
    return tf.TensorArray(tf.float32, size=steps, element_shape=logits.shape)


def _gather(tensor, indices):
    """Per batch row, the beams ``indices`` (``(batch, k)``) of ``tensor`` (``(batch, beams,
    ...)``)."""
    return tf.gather(tensor, indices, batch_dims=1)


def beam_search(step: Callable, logits, cache, sequences, processors, options: Decoding, seed=None):
    """Beam search (beam sampling with ``do_sample=True``), transformers 5's vectorised form.

    Args:
        step, cache, processors, options, seed: As for :func:`greedy_or_sample`.
        logits: ``(batch * num_beams, vocab)`` scores after the prompt.
        sequences: ``(batch * num_beams, max_length)`` int32, each prompt repeated per beam.

    Returns:
        ``(sequences, sequences_scores, lengths, scores, cur_len)``: the best
        ``num_return_sequences`` finished beams per row (``(batch * num_return_sequences,
        max_length)``), their length-penalised scores, the number of tokens each generated, the
        processed log-probabilities per step (``(steps, batch * num_beams, vocab)``) or ``None``,
        and the length the loop reached.
    """
    beams, prompt, max_length = options.num_beams, options.prompt_length, options.max_length
    eos = options.eos_token_id
    keep = max(2, 1 + len(eos)) * beams
    vocab = logits.shape[-1]
    batch = tf.shape(sequences)[0] // beams
    steps = max_length - prompt
    running = tf.reshape(sequences, (batch, beams, max_length))
    top_beams = tf.range(keep) < beams
    scores_ta = _scores_array(steps, logits, options)
    penalty, early = options.length_penalty, options.early_stopping

    def body(
        cur_len,
        alive,
        running,
        running_scores,
        finished,
        finished_scores,
        is_finished,
        lengths,
        unsatisfied,
        logits,
        cache,
        scores_ta,
    ):
        flat = tf.reshape(running, (-1, max_length))
        log_probs = processors(flat, tf.nn.log_softmax(tf.cast(logits, tf.float32)), cur_len)
        if options.output_scores:
            scores_ta = scores_ta.write(cur_len - prompt, log_probs)
        total = tf.reshape(log_probs, (batch, beams, vocab)) + running_scores[:, :, None]
        total = tf.reshape(total, (batch, beams * vocab))
        top_scores, top_index = _top_continuations(total, keep, options.do_sample, seed, cur_len)
        source = top_index // vocab
        top_sequences = _write(_gather(running, source), cur_len, top_index % vocab)
        hits = tf.logical_or(_is_eos(top_index % vocab, eos), cur_len + 1 >= max_length)

        # the best num_beams unfinished continuations run on
        running_candidates = top_scores - _LARGE * tf.cast(hits, tf.float32)
        chosen = tf.math.top_k(running_candidates, k=beams).indices
        running = _gather(top_sequences, chosen)
        running_scores = _gather(running_candidates, chosen)
        running_source = _gather(source, chosen)

        # finished continuations join the finished beams if they score higher
        finalised = top_scores / tf.cast(cur_len + 1 - prompt, tf.float32) ** penalty
        full = tf.logical_and(tf.reduce_all(is_finished, axis=-1, keepdims=True), early is True)
        just_finished = tf.logical_and(hits, top_beams[None, :])
        finalised -= _LARGE * (
            tf.cast(full, tf.float32)
            + tf.cast(tf.logical_not(unsatisfied), tf.float32)
            + tf.cast(tf.logical_not(just_finished), tf.float32)
        )
        merged_scores = tf.concat([finished_scores, finalised], axis=1)
        best = tf.math.top_k(merged_scores, k=beams).indices
        finished = _gather(tf.concat([finished, top_sequences], axis=1), best)
        finished_scores = _gather(merged_scores, best)
        is_finished = _gather(tf.concat([is_finished, just_finished], axis=1), best)
        new_lengths = tf.fill(tf.shape(just_finished), cur_len + 1 - prompt)
        lengths = _gather(tf.concat([lengths, new_lengths], axis=1), best)

        cur_len = cur_len + 1
        unsatisfied = _check_early_stop(
            unsatisfied, running_scores, finished_scores, is_finished, cur_len, options
        )
        alive = tf.reduce_any(unsatisfied)
        if early is True:
            alive = tf.logical_and(alive, tf.logical_not(tf.reduce_all(is_finished)))
        alive = tf.logical_and(alive, tf.logical_not(tf.reduce_all(hits)))

        rows = tf.reshape(running_source + tf.range(batch)[:, None] * beams, (-1,))
        tokens = tf.reshape(running[:, :, :], (-1, max_length))

        def advance():
            reordered = tf.nest.map_structure(
                lambda t: tf.ensure_shape(tf.gather(t, rows), t.shape), cache
            )
            last = tf.gather(tokens, cur_len - 1, axis=1)[:, None]
            return step(last, reordered, cur_len - 1)

        logits, cache = tf.cond(alive, advance, lambda: (logits, cache))
        return (
            cur_len,
            alive,
            running,
            running_scores,
            finished,
            finished_scores,
            is_finished,
            lengths,
            unsatisfied,
            logits,
            cache,
            scores_ta,
        )

    initial_scores = tf.tile(
        tf.concat([[0.0], tf.fill([beams - 1], -_LARGE)], 0)[None, :], [batch, 1]
    )
    state = (
        tf.constant(prompt),
        tf.constant(True),
        running,
        initial_scores,
        running,
        tf.fill((batch, beams), -_LARGE),
        tf.zeros((batch, beams), tf.bool),
        tf.zeros((batch, beams), tf.int32),
        tf.ones((batch, 1), tf.bool),
        logits,
        cache,
        scores_ta,
    )
    state = tf.while_loop(lambda cur_len, alive, *_: alive, body, state, maximum_iterations=steps)
    finished, finished_scores, lengths, scores_ta = state[4], state[5], state[7], state[11]
    returned = options.num_return_sequences
    sequences = tf.reshape(finished[:, :returned], (-1, max_length))
    sequences_scores = tf.reshape(finished_scores[:, :returned], (-1,))
    lengths = tf.reshape(lengths[:, :returned], (-1,))
    scores = scores_ta.stack() if options.output_scores else None
    return sequences, sequences_scores, lengths, scores, state[0]


def _top_continuations(total, keep: int, do_sample: bool, seed, cur_len):
    """The ``keep`` best (or, sampling, drawn without replacement) continuations per row, by
    score, highest first."""
    if not do_sample:
        top = tf.math.top_k(total, k=keep)
        return top.values, top.indices
    # Gumbel top-k: a draw without replacement from softmax(total)
    uniform = tf.random.stateless_uniform(
        tf.shape(total), _seed(seed, cur_len), minval=1e-20, maxval=1.0
    )
    index = tf.math.top_k(total - tf.math.log(-tf.math.log(uniform)), k=keep).indices
    values = tf.gather(total, index, batch_dims=1)
    order = tf.argsort(values, axis=-1, direction="DESCENDING", stable=True)
    return tf.gather(values, order, batch_dims=1), tf.gather(index, order, batch_dims=1)


def _check_early_stop(
    unsatisfied, running_scores, finished_scores, is_finished, cur_len, options: Decoding
):
    """Whether each row's best running beam could still beat its worst finished beam."""
    if options.early_stopping == "never" and options.length_penalty > 0.0:
        best_length = options.max_length - options.prompt_length
    else:
        best_length = cur_len - options.prompt_length
    best_length = tf.cast(best_length, tf.float32)
    best_possible = running_scores[:, :1] / best_length**options.length_penalty
    worst = tf.where(is_finished, tf.reduce_min(finished_scores, axis=1, keepdims=True), -_LARGE)
    return tf.logical_and(unsatisfied, tf.reduce_any(best_possible > worst, axis=-1, keepdims=True))
