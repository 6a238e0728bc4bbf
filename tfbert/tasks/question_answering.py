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

from tfbert.modeling import TFBertForQuestionAnswering
from tfbert.tasks.base import Task
from tfbert.tasks.options import count, flag, positive

_MASKED_LOGIT = -10000.0
QA_SPECIAL_TOKENS = 3  # [CLS] question [SEP] context [SEP]


@keras.saving.register_keras_serializable(package="tfbert")
class AnswerSpans(keras.layers.Layer):
    """The ``top_k`` answers of each question from the windows' start and end logits.

    Args:
        top_k: Answers per question.
        max_answer_len: Longest answer, in tokens.
        handle_impossible_answer: Also offer the empty answer, scored from ``[CLS]``.

    Call args:
        outputs, encoded: The model's logits and the tokenizer's output (with offsets).
        tokenizer: What tells word-continuing pieces (``continues_word``): the
            ``TFBertTokenizer``, or in a ``.tflite`` the ``TFLiteTextOps``.
        texts: The ``(question, context)`` strings.
        text_ops: ``None`` (TensorFlow string ops), or an object with ``substrings(texts, start,
            end)`` and ``same_text(texts, start, end)`` on character spans
            (:class:`tfbert.tokenizer.tflite_encoding.TFLiteTextOps`: TFLite kernels, answers
            grouped up to ASCII case only).

    Returns (call), each ``(questions, top_k)``:
        ``answer`` (text), ``score``, ``start``, ``end`` (character offsets in the context);
        rows with fewer answers end in score ``-inf``.
    """

    def __init__(
        self,
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
        self.top_k = int(top_k)
        self.max_answer_len = int(max_answer_len)
        self.handle_impossible_answer = bool(handle_impossible_answer)

    def call(self, outputs, encoded, tokenizer, texts, text_ops=None):
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

        continues = context_token & tokenizer.continues_word(encoded["input_ids"])
        word_start, word_end = _word_spans(encoded, continues)
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


def _word_spans(encoded, continues):
    """Character span of the whole word each context token belongs to.

    A word is a piece followed by its ``##`` continuations (``continues``: the context's
    word-continuing pieces; what the tokenizer's pre-tokenizer calls a word); other tokens keep
    their own offsets.
    """
    ids = encoded["input_ids"]
    offsets = tf.cast(encoded["offset_mapping"], tf.int32)
    word = tf.cumsum(tf.cast(~continues, tf.int32), axis=1) - 1  # word index within the row
    rows, length = tf.shape(ids)[0], tf.shape(ids)[1]
    segment = word + tf.range(rows)[:, tf.newaxis] * length
    count = rows * length
    starts = tf.math.unsorted_segment_min(offsets[:, :, 0], segment, count)
    ends = tf.math.unsorted_segment_max(offsets[:, :, 1], segment, count)
    return tf.gather(starts, segment), tf.gather(ends, segment)


class QuestionAnswering(Task):
    """``"question-answering"``: ``{"score", "start", "end", "answer"}`` (a list with
    ``top_k`` > 1) for each ``{"question", "context"}``.

    Options: ``top_k`` (1), ``max_answer_len`` (15), ``handle_impossible_answer`` (False),
    ``max_seq_len`` (384; also as ``max_length``), ``doc_stride`` (128), ``max_question_len``
    (accepted; as in transformers with a fast tokenizer, the question is never cut).
    """

    name = "question-answering"
    model_class = TFBertForQuestionAnswering
    architectures = ("BertForQuestionAnswering",)
    text_inputs = ("question", "context")
    graph_options = (
        "top_k",
        "max_answer_len",
        "handle_impossible_answer",
        "doc_stride",
        "max_seq_len",
        "max_question_len",
        "max_length",
    )
    needs_tokenizer = True  # tells word-continuing pieces
    needs_texts = True  # cuts the answers out of the contexts
    takes_text_ops = True  # its string work also runs on TFLite kernels

    def build(self, folder, config, tokenizer, options):
        max_length = options.pop("max_length", None)  # tfbert's name for max_seq_len
        max_seq_len = options.pop("max_seq_len", None)
        max_seq_len = max_length if max_seq_len is None else max_seq_len
        max_seq_len = (
            min(tokenizer.options["model_max_length"] or 384, 384)
            if max_seq_len is None
            else positive("max_seq_len", max_seq_len)
        )
        doc_stride = options.pop("doc_stride", None)
        doc_stride = (
            min(max_seq_len // 2, 128) if doc_stride is None else count("doc_stride", doc_stride)
        )
        if doc_stride > max_seq_len:
            raise ValueError(
                f"question-answering doc_stride ({doc_stride}) is larger than "
                f"max_seq_len ({max_seq_len})"
            )
        if doc_stride >= max_seq_len - QA_SPECIAL_TOKENS:
            raise ValueError(
                f"question-answering doc_stride ({doc_stride}) must be smaller than "
                f"max_seq_len ({max_seq_len}) minus the {QA_SPECIAL_TOKENS} special "
                f"tokens; lower doc_stride or raise max_seq_len"
            )
        # transformers reads max_question_len only with slow (Python) tokenizers; with fast
        # ones, as here, the question is never cut and the option changes nothing
        positive("max_question_len", options.pop("max_question_len", 64))
        layer = AnswerSpans(
            top_k=options.pop("top_k", 1),
            max_answer_len=options.pop("max_answer_len", 15),
            handle_impossible_answer=flag(
                "handle_impossible_answer", options.pop("handle_impossible_answer", False)
            ),
        )
        return layer, {
            "truncation": "only_second",
            "max_length": max_seq_len,
            "stride": doc_stride,
            "return_overflowing_tokens": True,
            "return_offsets_mapping": True,
            "return_special_tokens_mask": True,
        }

    def check(self, rows, graph, options):
        """Raises for a question too long to leave each window room for context, naming
        ``max_seq_len`` and the question's length (the tokenizer would refuse it in the graph)."""
        settings = graph.tokenizer_options
        # tokens a window has for context; the graph needs at least one more than the stride
        room = settings["max_length"] - QA_SPECIAL_TOKENS - settings["stride"]
        questions = [row["question"] for row in rows]
        if not questions:
            return
        lengths = graph.tokenizer.encode_pieces(questions).ids.row_lengths().numpy()
        for index in (i for i, length in enumerate(lengths) if length >= room):
            length = int(lengths[index])
            context = rows[index]["context"]
            context = int(graph.tokenizer.encode_pieces([context]).ids.row_lengths()[0])
            if length + context > settings["max_length"] - QA_SPECIAL_TOKENS:  # context is cut
                raise ValueError(
                    f"question-answering question {index} is {length} tokens long, too long "
                    f"for max_seq_len={settings['max_length']} with "
                    f"doc_stride={settings['stride']} (a question may take at most "
                    f"{room - 1} tokens there, leaving room for the context); shorten the "
                    f"question or raise max_seq_len"
                )

    def format(self, result, options):
        question = options["text"]["question"]
        if not question.strip():
            raise ValueError("question-answering got an empty question")
        if not options["text"]["context"].strip():
            raise ValueError(f"question-answering got an empty context for question {question!r}")
        answers = [
            {
                "score": float(score),
                "start": int(start),
                "end": int(end),
                "answer": answer.decode("utf-8"),
            }
            for score, start, end, answer in zip(
                result["score"], result["start"], result["end"], result["answer"]
            )
            if score > float("-inf")
        ]
        return answers[0] if len(answers) == 1 else answers
