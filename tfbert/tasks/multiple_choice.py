"""Multiple choice: which of each input's alternatives (``choices``) best continues its text."""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from tfbert.modeling import TFBertForMultipleChoice
from tfbert.tasks.base import Task
from tfbert.tasks.options import length_option


@keras.saving.register_keras_serializable(package="tfbert")
class ChoiceScores(keras.layers.Layer):
    """Multiple choice: softmax over each input's alternatives.

    Returns (call):
        ``{"logits": (batch, choices), "probabilities": (batch, choices), "choice": (batch,),
        "score": (batch,)}``; ``choice`` is the index of the best alternative.
    """

    def call(self, outputs, encoded):
        logits = ops.cast(outputs["logits"], "float32")
        scores = ops.softmax(logits, axis=-1)
        return {
            "logits": logits,
            "probabilities": scores,
            "choice": tf.argmax(scores, axis=-1, output_type=tf.int32),
            "score": ops.max(scores, axis=-1),
        }


class MultipleChoice(Task):
    """``"multiple-choice"``: ``{"choice", "score", "scores"}`` for each ``{"text", "choices"}``
    (every input of one call with the same number of choices). Options: ``max_length``.

    Each alternative is tokenized as the text's pair; the model sees ``(batch, choices, seq)``.
    """

    name = "multiple-choice"
    model_class = TFBertForMultipleChoice
    architectures = ("BertForMultipleChoice",)
    text_inputs = ("text", "choices")
    choices_input = "choices"

    def build(self, folder, config, tokenizer, options):
        return ChoiceScores(), length_option(options)

    def format(self, result, options):
        return {
            "choice": int(result["choice"]),
            "score": float(result["score"]),
            "scores": [float(p) for p in result["probabilities"]],
        }
