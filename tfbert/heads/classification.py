"""Classification heads: dropout then one Dense layer, named as transformers names it.

Each head *is* its Dense layer (``classifier/kernel``, ``qa_outputs/kernel``), so the weight
names match transformers v4 without an extra name scope.
"""

from __future__ import annotations

import keras

from tfbert.layers.common import FromBertConfig, initializer


@keras.saving.register_keras_serializable(package="tfbert")
class TFBertClassifier(FromBertConfig, keras.layers.Dense):
    """``dense(dropout(x))``: the sequence, token and multiple-choice classification head.

    Args:
        config: A :class:`tfbert.BertConfig`; dropout is ``classifier_dropout`` or, when that is
            ``None``, ``hidden_dropout_prob``.
        units: Number of logits (``num_labels``; 1 for multiple choice).
        dropout: Dropout rate before the Dense layer; ``None`` takes it from the config.
    """

    def __init__(
        self, config, units: int, name: str = "classifier", dropout: float | None = None, **kwargs
    ):
        super().__init__(units, kernel_initializer=initializer(config), name=name, **kwargs)
        self.config = config
        if dropout is None:
            dropout = (
                config.hidden_dropout_prob
                if config.classifier_dropout is None
                else config.classifier_dropout
            )
        self.dropout = keras.layers.Dropout(dropout, dtype=self.dtype_policy)

    def call(self, inputs, training=False):
        return super().call(self.dropout(inputs, training=training))

    def get_config(self):
        base = super().get_config()
        return {
            "name": base["name"],
            "dtype": base["dtype"],
            "trainable": base["trainable"],
            "units": self.units,
            "dropout": self.dropout.rate,
            "config": self.config.to_dict(),
        }


@keras.saving.register_keras_serializable(package="tfbert")
class TFBertSpanHead(TFBertClassifier):
    """Question answering: start and end logits per token from a 2-unit Dense named
    ``qa_outputs``."""

    def __init__(
        self, config, units: int = 2, name: str = "qa_outputs", dropout: float = 0.0, **kwargs
    ):
        # transformers applies no dropout before qa_outputs
        super().__init__(config, units, name=name, dropout=dropout, **kwargs)

    def call(self, inputs, training=False):
        logits = super().call(inputs, training=training)
        return logits[..., 0], logits[..., 1]
