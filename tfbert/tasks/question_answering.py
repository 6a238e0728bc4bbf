"""Extractive question answering over long contexts, as transformers 4.57's pipeline does it.

The context is cut into overlapping windows by the tokenizer (``max_seq_len`` 384, ``doc_stride``
128); in each window the start and end probabilities are taken over the context tokens, spans
up to ``max_answer_len`` tokens are scored (start x end probability) and widened to whole words;
the same answer text found twice (overlapping windows) sums its scores; the best ``top_k``
answers per question come out. All in graph.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

_MASKED_LOGIT = -10000.0


@keras.saving.register_keras_serializable(package="tfbert")
class AnswerSpans(keras.layers.Layer):
    """The ``top_k`` answers of each question from the windows' start and end logits.

    Args:
        vocab: The tokenizer's tokens by id (to tell word-continuing pieces, ``##...``).
        top_k: Answers per question.
        max_answer_len: Longest answer, in tokens.
        handle_impossible_answer: Also offer the empty answer, scored from ``[CLS]``.

    Call args:
        outputs, encoded: The model's logits and the tokenizer's output (with offsets).
        texts: The ``(question, context)`` strings.
        text_ops: ``None`` (TensorFlow string ops), or an object with ``substrings(texts, start,
            end)`` and ``same_text(texts, start, end)`` on character spans
            (:class:`tfbert.tokenizer.tflite_encoding.TFLiteTextOps`: TFLite kernels, answers
            grouped up to ASCII case only).

    Returns (call), each ``(questions, top_k)``:
        ``answer`` (text), ``score``, ``start``, ``end`` (character offsets in the context);
        rows with fewer answers end in score ``-inf``.
    """

    needs_texts = True
    takes_text_ops = True  # its string work also runs on TFLite kernels (``text_ops``)

    def __init__(
        self,
        vocab,
        top_k: int = 1,
        max_answer_len: int = 15,
        handle_impossible_answer: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for name, value in (("max_answer_len", max_answer_len), ("top_k", top_k)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(
                    f"{name} must be >= 1, got {value!r} (expected a positive integer)"
                )
        self.vocab = list(vocab)
        self.top_k = int(top_k)
        self.max_answer_len = int(max_answer_len)
        self.handle_impossible_answer = bool(handle_impossible_answer)
        self._continues = tf.constant([t.startswith("##") and len(t) > 2 for t in self.vocab])

    def call(self, outputs, encoded, texts, text_ops=None):
        contexts = texts[1]
        windows = tf.cast(encoded["overflow_to_sample_mapping"], tf.int32)
        length = tf.shape(encoded["input_ids"])[1]
        position = tf.range(length)[tf.newaxis, :]
        context_token = (
            tf.equal(tf.cast(encoded["token_type_ids"], tf.int32), 1)
            & tf.equal(tf.cast(encoded["special_tokens_mask"], tf.int32), 0)
            & tf.equal(tf.cast(encoded["attention_mask"], tf.int32), 1)
        )
        allowed = context_token | tf.equal(position, 0)  # [CLS] stands for "no answer"

        def probabilities(logits):
            logits = tf.where(allowed, tf.cast(logits, tf.float32), _MASKED_LOGIT)
            return tf.nn.softmax(logits, axis=-1)

        start_p, end_p = (
            probabilities(outputs["start_logits"]),
            probabilities(outputs["end_logits"]),
        )
        null_score = start_p[:, 0] * end_p[:, 0]
        not_cls = tf.cast(tf.not_equal(position, 0), tf.float32)
        start_p, end_p = start_p * not_cls, end_p * not_cls

        # every span (i, j) with i <= j < i + max_answer_len, scored start_p[i] * end_p[j]
        span = tf.range(length)
        gap = span[tf.newaxis, :] - span[:, tf.newaxis]  # end - start
        band = (gap >= 0) & (gap < self.max_answer_len)
        spans = (
            tf.expand_dims(start_p, 2) * tf.expand_dims(end_p, 1) * tf.cast(band, tf.float32)
        )  # (TFLite: no 3-D newaxis)
        candidates = tf.minimum(self.top_k * 2 + 10, length * length)  # transformers' pre-top-k
        scores, flat = tf.math.top_k(tf.reshape(spans, (tf.shape(spans)[0], -1)), k=candidates)
        starts, ends = flat // length, flat % length
        desired = tf.gather(allowed, starts, batch_dims=1) & tf.gather(allowed, ends, batch_dims=1)

        word_start, word_end = _word_spans(encoded, self._continues, context_token)
        char_start = tf.gather(word_start, starts, batch_dims=1)
        char_end = tf.gather(word_end, ends, batch_dims=1)

        sample = tf.repeat(windows[:, tf.newaxis], candidates, axis=1)
        pick = lambda x: tf.boolean_mask(x, desired)  # noqa: E731  (window-major, best first)
        sample, scores, char_start, char_end = (
            pick(sample),
            pick(scores),
            pick(char_start),
            pick(char_end),
        )

        # one entry per (question, case-insensitive answer), scores summed, first position kept
        first, group, groups = _same_answers(contexts, sample, char_start, char_end, text_ops)
        total = tf.math.unsorted_segment_sum(scores, group, groups)
        sample, char_start, char_end = (
            tf.gather(sample, first),
            tf.gather(char_start, first),
            tf.gather(char_end, first),
        )

        questions = tf.shape(contexts)[0]
        if self.handle_impossible_answer:  # the empty answer: context[0:0]
            null = tf.math.unsorted_segment_min(null_score, windows, questions)
            sample = tf.concat([sample, tf.range(questions)], 0)
            total = tf.concat([total, null], 0)
            char_start = tf.concat([char_start, tf.zeros([questions], tf.int32)], 0)
            char_end = tf.concat([char_end, tf.zeros([questions], tf.int32)], 0)

        # each question's best top_k (ties keep the earlier answer first, like a stable sort)
        mine = tf.equal(sample[tf.newaxis, :], tf.range(questions)[:, tf.newaxis])
        board = tf.where(mine, total[tf.newaxis, :], float("-inf"))
        board = tf.pad(board, [[0, 0], [0, self.top_k]], constant_values=float("-inf"))
        best_score, best = tf.math.top_k(board, k=self.top_k)
        take = lambda x: tf.gather(  # noqa: E731  (missing answers: context[0:0] of question 0)
            tf.concat([x, tf.zeros([self.top_k], x.dtype)], 0), best
        )
        char_start, char_end = take(char_start), take(char_end)
        cut = [tf.reshape(x, [-1]) for x in (take(sample), char_start, char_end)]
        if text_ops is None:
            answers = tf.strings.substr(
                tf.gather(contexts, cut[0]), cut[1], cut[2] - cut[1], unit="UTF8_CHAR"
            )
        else:
            answers = text_ops.substrings(tf.gather(contexts, cut[0]), cut[1], cut[2])
        return {
            "answer": tf.reshape(answers, tf.shape(best)),
            "score": best_score,
            "start": char_start,
            "end": char_end,
        }

    def get_config(self):
        return {
            **super().get_config(),
            "vocab": self.vocab,
            "top_k": self.top_k,
            "max_answer_len": self.max_answer_len,
            "handle_impossible_answer": self.handle_impossible_answer,
        }


def _same_answers(contexts, sample, char_start, char_end, text_ops):
    """Groups candidate answers by (question, case-insensitive text), in order of first appearance.

    Returns:
        ``(first, group, groups)``: each group's first candidate, each candidate's group, the
        number of groups.
    """
    if text_ops is None:
        answers = tf.strings.substr(
            tf.gather(contexts, sample), char_start, char_end - char_start, unit="UTF8_CHAR"
        )
        keys = tf.strings.join(
            [tf.strings.as_string(sample), tf.strings.lower(answers, encoding="utf-8")],
            separator="\x00",
        )
        unique_keys, group = tf.unique(keys)
        groups = tf.shape(unique_keys)[0]
        first = tf.math.unsorted_segment_min(tf.range(tf.shape(keys)[0]), group, groups)
        return first, group, groups
    same = text_ops.same_text(tf.gather(contexts, sample), char_start, char_end)
    same &= tf.equal(sample[:, tf.newaxis], sample[tf.newaxis, :])
    earliest = tf.argmax(tf.cast(same, tf.int32), axis=1, output_type=tf.int32)  # first equal one
    leads = tf.equal(earliest, tf.range(tf.size(sample)))
    first = tf.cast(tf.where(leads)[:, 0], tf.int32)
    group = tf.gather(tf.cumsum(tf.cast(leads, tf.int32)) - 1, earliest)
    return first, group, tf.size(first)


def _word_spans(encoded, continuing, context_token):
    """Character span of the whole word each context token belongs to.

    A word is a piece followed by its ``##`` continuations (what the tokenizer's pre-tokenizer
    calls a word); other tokens keep their own offsets.
    """
    ids = tf.cast(encoded["input_ids"], tf.int32)
    offsets = tf.cast(encoded["offset_mapping"], tf.int32)
    continues = context_token & tf.gather(continuing, ids)  # ``##...`` pieces, by id
    word = tf.cumsum(tf.cast(~continues, tf.int32), axis=1) - 1  # word index within the row
    rows, length = tf.shape(ids)[0], tf.shape(ids)[1]
    segment = word + tf.range(rows)[:, tf.newaxis] * length
    count = rows * length
    starts = tf.math.unsorted_segment_min(offsets[:, :, 0], segment, count)
    ends = tf.math.unsorted_segment_max(offsets[:, :, 1], segment, count)
    return tf.gather(starts, segment), tf.gather(ends, segment)
