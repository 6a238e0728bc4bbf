"""BERT's position-wise feed-forward network and the residual output block."""

from __future__ import annotations

import keras
from keras import ops

from tfbert.layers.activations import get_activation
from tfbert.layers.common import ConfiguredLayer, dense, layer_norm


class TFBertIntermediate(ConfiguredLayer):
    """``act(dense(x))``, widening to ``intermediate_size``; variable ``dense``."""

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.dense = dense(config, config.intermediate_size, "dense", self.dtype_policy)
        self.activation = get_activation(config.hidden_act)

    def build(self, input_shape=None):
        self.dense.build((None, None, self.config.hidden_size))
        self.built = True

    def call(self, hidden_states):
        # On 2-D rows, so that the matmul, bias and activation are one pattern that TensorFlow's
        # oneDNN remapper fuses (about 2% of a BERT-base forward pass on CPU).
        rows = ops.reshape(hidden_states, (-1, self.config.hidden_size))
        widened = self.activation(self.dense(rows))
        return ops.reshape(widened, (*ops.shape(hidden_states)[:-1], self.config.intermediate_size))


class TFBertOutput(ConfiguredLayer):
    """``LayerNorm(dropout(dense(x)) + residual)``, back to ``hidden_size``.

    Serves as both transformers' ``BertSelfOutput`` (after attention) and ``BertOutput`` (after
    the feed-forward network); variables ``dense`` and ``LayerNorm``.
    """

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.dense = dense(config, config.hidden_size, "dense", self.dtype_policy)
        self.LayerNorm = layer_norm(config, "LayerNorm", self.dtype_policy)
        self.dropout = keras.layers.Dropout(config.hidden_dropout_prob, dtype=self.dtype_policy)

    def build(self, input_shape=None):
        self.dense.build(input_shape or (None, None, self.config.hidden_size))
        self.LayerNorm.build((None, None, self.config.hidden_size))
        self.built = True

    def call(self, hidden_states, residual, training=False):
        hidden_states = self.dropout(self.dense(hidden_states), training=training)
        return self.LayerNorm(ops.add(hidden_states, residual))  # ops.add promotes mixed dtypes
