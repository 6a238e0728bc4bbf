"""Training BERT with Keras: BERT's optimiser and learning-rate schedule.

``create_optimizer`` returns the AdamW set-up transformers' ``Trainer`` uses (linear warmup then
linear decay, weight decay except on LayerNorm weights and biases, global-norm clipping), ready
for ``model.compile(optimizer)``; it also works under mixed precision (``mixed_float16`` wraps it
in a ``LossScaleOptimizer``), ``jit_compile=True`` and ``tf.distribute`` strategies.
"""

from tfbert.training.optimization import (
    DEFAULT_EXCLUDE_FROM_WEIGHT_DECAY,
    AdamWeightDecay,
    LinearWarmupLinearDecay,
    create_optimizer,
)

__all__ = [
    "DEFAULT_EXCLUDE_FROM_WEIGHT_DECAY",
    "AdamWeightDecay",
    "LinearWarmupLinearDecay",
    "create_optimizer",
]
