"""BERT's pooler: a tanh Dense layer over the first (``[CLS]``) token."""

from __future__ import annotations

from tfbert.layers.common import ConfiguredLayer, dense


class TFBertPooler(ConfiguredLayer):
    """``tanh(dense(hidden_states[:, 0]))``; variable ``dense``."""

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.dense = dense(
            config, config.hidden_size, "dense", self.dtype_policy, activation="tanh"
        )

    def build(self, input_shape=None):
        self.dense.build((None, self.config.hidden_size))
        self.built = True

    def call(self, hidden_states):
        return self.dense(hidden_states[:, 0])
