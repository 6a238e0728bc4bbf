"""``ClassificationScores``: logits to scores and the best label, shared by text classification
and next-sentence prediction."""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

FUNCTIONS = ("softmax", "sigmoid", "none")


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
