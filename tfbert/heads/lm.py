"""Language-model heads: the MLM/LM prediction head (decoder tied to the word embeddings) and
NSP."""

from __future__ import annotations

import numpy as np
from keras import ops

from tfbert.layers.activations import get_activation
from tfbert.layers.common import ConfiguredLayer, dense, layer_norm, replace_variable


class TFBertPredictionHeadTransform(ConfiguredLayer):
    """``LayerNorm(act(dense(x)))`` before the vocabulary projection; variables ``dense``,
    ``LayerNorm``."""

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.dense = dense(config, config.hidden_size, "dense", self.dtype_policy)
        self.activation = get_activation(config.hidden_act)
        self.LayerNorm = layer_norm(config, "LayerNorm", self.dtype_policy)

    def build(self, input_shape=None):
        self.dense.build((None, None, self.config.hidden_size))
        self.LayerNorm.build((None, None, self.config.hidden_size))
        self.built = True

    def call(self, hidden_states):
        return self.LayerNorm(self.activation(self.dense(hidden_states)))


class TFBertLMPredictionHead(ConfiguredLayer):
    """Vocabulary logits: ``transform(x) @ word_embeddings.T + bias``.

    The decoder matrix is the word-embedding table, passed at call time, so the weights stay tied
    (one variable) through training and checkpoints.
    """

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.transform = TFBertPredictionHeadTransform(
            config, name="transform", dtype=self.dtype_policy
        )

    def build(self, input_shape=None):
        self.transform.build()
        self.bias = self.add_weight(
            name="bias", shape=(self.config.vocab_size,), initializer="zeros"
        )
        self.built = True

    def resize_bias(self, vocab_size: int) -> None:
        """Follows a resized word-embedding table: old entries kept, new ones zero (as v4)."""
        if not self.built:
            self.build()
        old = ops.convert_to_numpy(self.bias)
        bias = np.zeros((vocab_size,), old.dtype)
        keep = min(vocab_size, old.shape[0])
        bias[:keep] = old[:keep]
        replace_variable(self, "bias", bias)

    def call(self, hidden_states, embedding_table):
        hidden_states = self.transform(hidden_states)
        table = ops.cast(embedding_table, hidden_states.dtype)
        logits = ops.matmul(hidden_states, ops.transpose(table))
        return logits + ops.cast(self.bias, logits.dtype)


class TFBertMLMHead(ConfiguredLayer):
    """transformers' ``cls`` MLM head: one ``predictions`` sub-layer."""

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.predictions = TFBertLMPredictionHead(
            config, name="predictions", dtype=self.dtype_policy
        )

    def build(self, input_shape=None):
        self.predictions.build()
        self.built = True

    def call(self, sequence_output, embedding_table):
        return self.predictions(sequence_output, embedding_table)


class TFBertNSPHead(ConfiguredLayer):
    """Next-sentence prediction: two logits (is-next, is-random) from the pooled output."""

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.seq_relationship = dense(config, 2, "seq_relationship", self.dtype_policy)

    def build(self, input_shape=None):
        self.seq_relationship.build((None, self.config.hidden_size))
        self.built = True

    def call(self, pooled_output):
        return self.seq_relationship(pooled_output)
