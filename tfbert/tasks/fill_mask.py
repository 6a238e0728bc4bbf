"""Fill-mask: the ``top_k`` tokens for every ``[MASK]``, with the filled-in text."""

from __future__ import annotations

import os

import keras
import tensorflow as tf

from tfbert.modeling import TFBertForMaskedLM
from tfbert.tasks.base import Task
from tfbert.tasks.options import length_option, positive


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

    Call args:
        outputs, encoded: The model's logits and the tokenizer's output.
        tokenizer: A ``TFBertTokenizer``, or in a ``.tflite`` the ``TFLiteTextOps``
            (``batch_decode`` and ``skipped_special_ids``).
    """

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
            tf.equal(tf.expand_dims(filled, -1), tokenizer.skipped_special_ids), axis=-1
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


class FillMask(Task):
    """``"fill-mask"``: the ``top_k`` candidates of every ``[MASK]`` with the filled-in text.

    Options: ``top_k`` (5), ``targets`` (tokens to rank instead of the whole vocabulary),
    ``max_length``.
    """

    name = "fill-mask"
    model_class = TFBertForMaskedLM
    architectures = ("BertForMaskedLM", "BertForPreTraining")
    graph_options = ("top_k", "targets", "max_length")
    needs_tokenizer = True  # decodes the candidates and the filled-in texts

    def build(self, folder, config, tokenizer, options):
        targets = options.pop("targets", None)
        target_ids = None
        if targets is not None:
            targets = [targets] if isinstance(targets, str) else targets
            if not isinstance(targets, (list, tuple)) or not targets:
                raise ValueError(
                    f"fill-mask targets {targets!r} must be a token or a non-empty list "
                    f"of tokens of the vocabulary"
                )
            target_ids = []
            for target in targets:
                if not isinstance(target, str) or tokenizer.token_to_id(target) is None:
                    raise ValueError(
                        f"fill-mask target {target!r} is not a single token of the vocabulary"
                    )
                target_ids.append(tokenizer.token_to_id(target))
        top_k = positive("top_k", options.pop("top_k", 5))
        layer = FillMaskTopK(
            _special_id(tokenizer, "mask_token", folder),
            _special_id(tokenizer, "pad_token", folder),
            top_k=top_k,
            targets=target_ids,
        )
        return layer, length_option(options)

    def format(self, result, options):
        masks = [
            [
                {
                    "score": float(score),
                    "token": int(token),
                    "token_str": token_str.decode("utf-8"),
                    "sequence": sequence.decode("utf-8"),
                }
                for score, token, token_str, sequence in zip(*row)
            ]
            for row in zip(
                result["score"], result["token"], result["token_str"], result["sequence"]
            )
        ]
        if not masks:
            raise ValueError(
                f"fill-mask input {options['text']!r} has no {options['mask_token']} token"
            )
        return masks[0] if len(masks) == 1 else masks


def _special_id(tokenizer, name: str, folder) -> int:
    """The id of the tokenizer's ``name`` token; raises naming it and the files when absent."""
    token = tokenizer.special_tokens.get(name)
    token_id = None if token is None else tokenizer.token_to_id(token)
    if token_id is None:
        files = [
            f
            for f in ("vocab.txt", "tokenizer.json")
            if os.path.isfile(os.path.join(str(folder), f))
        ]
        where = " / ".join(os.path.join(str(folder), f) for f in files) or str(folder)
        raise ValueError(
            f"fill-mask needs the {name} {token!r} in the vocabulary, but {where} "
            f"has no such token ({tokenizer.vocab_size} tokens); set {name} in "
            f"tokenizer_config.json to a token of the vocabulary"
        )
    return token_id
