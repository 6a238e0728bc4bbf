"""Fill-mask: the ``top_k`` tokens for every ``[MASK]``, with the filled-in text."""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfbert")
class FillMaskTopK(keras.layers.Layer):
    """Top-k predictions at each mask position, as transformers' fill-mask pipeline makes them.

    Args:
        mask_token_id, pad_token_id: The tokenizer's ids.
        top_k: Candidates per mask.
        targets: Restrict candidates to these token ids (transformers' ``targets``).

    Returns (call), one row per ``[MASK]`` found, in reading order:
        ``row`` (which input), ``score`` (probability), ``token`` (id), ``token_str`` (the token
        decoded alone) and ``sequence`` (the input decoded with the mask filled: special tokens
        skipped when the input has one mask, kept when it has several), each ``(masks, k)``
        except ``row`` ``(masks,)``.
    """

    needs_tokenizer = True  # a TFBertTokenizer, or TFLiteTextOps in a .tflite (``batch_decode``, ``_special_ids``)

    def __init__(
        self, mask_token_id: int, pad_token_id: int, top_k: int = 5, targets=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.mask_token_id = int(mask_token_id)
        self.pad_token_id = int(pad_token_id)
        self.targets = None if targets is None else [int(t) for t in targets]
        self.top_k = int(top_k) if self.targets is None else min(int(top_k), len(self.targets))

    def call(self, outputs, encoded, tokenizer):
        ids = tf.cast(encoded["input_ids"], tf.int32)
        is_mask = tf.equal(ids, self.mask_token_id)
        positions = tf.where(is_mask)
        rows = positions[:, 0]
        probs = tf.nn.softmax(
            tf.cast(tf.gather_nd(outputs["logits"], positions), tf.float32), axis=-1
        )
        if self.targets is not None:
            probs = tf.gather(probs, self.targets, axis=1)
        scores, candidates = tf.math.top_k(probs, k=self.top_k)
        if self.targets is not None:
            candidates = tf.gather(tf.constant(self.targets, tf.int32), candidates)
        k = self.top_k
        token_str = tf.reshape(tokenizer.batch_decode(tf.reshape(candidates, (-1, 1))), (-1, k))

        # every candidate filled into its own copy of the input row
        filled = tf.repeat(tf.gather(ids, rows), k, axis=0)
        columns = tf.repeat(tf.cast(positions[:, 1], tf.int32), k)
        at_mask = tf.equal(tf.range(tf.shape(filled)[1])[tf.newaxis, :], columns[:, tf.newaxis])
        filled = tf.where(at_mask, tf.reshape(candidates, (-1, 1)), filled)
        # one mask: special tokens skipped (dropped here, so one decode serves both cases)
        single = tf.repeat(tf.gather(tf.reduce_sum(tf.cast(is_mask, tf.int32), 1), rows) == 1, k)
        special = tf.reduce_any(
            tf.equal(tf.expand_dims(filled, -1), tokenizer._special_ids), axis=-1
        )
        filled = tf.ragged.boolean_mask(
            filled, tf.not_equal(filled, self.pad_token_id) & ~(special & single[:, tf.newaxis])
        )
        sequence = tokenizer.batch_decode(filled)
        return {
            "row": rows,
            "score": scores,
            "token": candidates,
            "token_str": token_str,
            "sequence": tf.reshape(sequence, (-1, k)),
        }

    def get_config(self):
        return {
            **super().get_config(),
            "mask_token_id": self.mask_token_id,
            "pad_token_id": self.pad_token_id,
            "top_k": self.top_k,
            "targets": self.targets,
        }
