"""Feature extraction: the hidden state of every token, as transformers' pipeline returns it."""

from __future__ import annotations

import keras
from keras import ops

from tfbert.modeling import TFBertModel
from tfbert.tasks.base import Task
from tfbert.tasks.options import tokenizer_kwargs


@keras.saving.register_keras_serializable(package="tfbert")
class TokenFeatures(keras.layers.Layer):
    """Per-token hidden states (``features``) with the ``attention_mask`` that marks real tokens."""

    def call(self, outputs, encoded):
        return {
            "features": ops.cast(outputs["last_hidden_state"], "float32"),
            "attention_mask": encoded["attention_mask"],
        }


class FeatureExtraction(Task):
    """``"feature-extraction"``: ``[[vector per token]]`` per text (special tokens included).

    Options: ``max_length``, ``truncation`` (on by default).
    """

    name = "feature-extraction"
    model_class = TFBertModel
    model_kwargs = {"add_pooling_layer": False}
    architectures = None  # any checkpoint with the encoder fits
    graph_options = ("max_length", "truncation")

    def build(self, folder, config, tokenizer, options):
        return TokenFeatures(), tokenizer_kwargs(options)

    def format(self, result, options):
        length = int(result["attention_mask"].sum())
        return [result["features"][:length].tolist()]
