"""Text classification: scores by the config's problem type, labels by ``id2label``."""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

FUNCTIONS = ("softmax", "sigmoid", "none")


def default_function(config) -> str:
    """transformers' ``function_to_apply`` default for a classification config."""
    if config.problem_type == "regression":
        return "none"
    if config.problem_type == "multi_label_classification" or config.num_labels == 1:
        return "sigmoid"
    return "softmax"


@keras.saving.register_keras_serializable(package="tfbert")
class ClassificationScores(keras.layers.Layer):
    """Logits to ``probabilities`` (softmax, sigmoid or none), the top ``label`` and its ``score``.

    Args:
        labels: Label names by id (the config's ``id2label``).
        function: ``"softmax"``, ``"sigmoid"`` or ``"none"`` (transformers' ``function_to_apply``).

    Returns (call):
        ``{"logits": (batch, labels), "probabilities": (batch, labels), "label": (batch,) string,
        "score": (batch,)}``.
    """

    def __init__(self, labels, function: str = "softmax", **kwargs):
        super().__init__(**kwargs)
        if function not in FUNCTIONS:
            raise ValueError(f"function_to_apply {function!r} is not one of {', '.join(FUNCTIONS)}")
        self.labels = list(labels)
        self.function = function

    def call(self, outputs, encoded):
        logits = ops.cast(outputs["logits"], "float32")
        if self.function == "softmax":
            scores = ops.softmax(logits, axis=-1)
        elif self.function == "sigmoid":
            scores = ops.sigmoid(logits)
        else:
            scores = logits
        best = tf.argmax(scores, axis=-1)  # keras' argmax adds bit ops TFLite has no builtin for
        return {
            "logits": logits,
            "probabilities": scores,
            "label": tf.gather(tf.constant(self.labels), best),
            "score": ops.max(scores, axis=-1),
        }

    def get_config(self):
        return {**super().get_config(), "labels": self.labels, "function": self.function}


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
