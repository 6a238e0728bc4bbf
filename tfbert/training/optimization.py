"""BERT's optimiser: AdamW with linear warmup and linear decay, as transformers' ``Trainer`` uses.

The schedule is transformers' ``get_linear_schedule_with_warmup``: the learning rate rises from 0
to its peak over ``num_warmup_steps`` optimiser updates, then falls linearly to 0 at
``num_train_steps``. Weight decay is decoupled (AdamW) and skips LayerNorm weights and biases;
gradients are clipped by their global norm.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import keras
from keras import ops

from tfbert import _backend  # noqa: F401  (TensorFlow backend before Keras is used)

# What transformers' Trainer does not decay: LayerNorm weights (``.../output/LayerNorm/gamma``,
# ``beta``; Keras' own ``layer_normalization`` layers too) and every bias (``.../dense/bias``).
# Searched in variable paths, anchored at the end, so a model's own name cannot match.
DEFAULT_EXCLUDE_FROM_WEIGHT_DECAY = (
    r"LayerNorm/(gamma|beta)$",
    r"layer_norm[^/]*/(gamma|beta)$",
    r"bias$",
)


@keras.saving.register_keras_serializable(package="tfbert")
class LinearWarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warmup from 0 to ``learning_rate``, then linear decay to 0 at ``num_train_steps``.

    The value at optimiser step ``step`` (the number of updates already applied) is
    transformers' ``get_linear_schedule_with_warmup``::

        if step < num_warmup_steps:
            learning_rate * step / max(1, num_warmup_steps)
        else:
            learning_rate * max(0, (num_train_steps - step)
                                   / max(1, num_train_steps - num_warmup_steps))

    Args:
        learning_rate: The peak learning rate, reached at the end of the warmup.
        num_train_steps: Total number of optimiser updates; the rate is 0 from there on.
        num_warmup_steps: Number of warmup updates (0 for none).

    Raises:
        ValueError: A negative or non-finite learning rate, ``num_train_steps`` below 1, or
            ``num_warmup_steps`` outside ``[0, num_train_steps]``.

    Example:
        >>> schedule = LinearWarmupLinearDecay(1e-3, num_train_steps=10, num_warmup_steps=2)
        >>> [round(float(schedule(step)), 6) for step in (0, 1, 2, 6, 10, 12)]
        [0.0, 0.0005, 0.001, 0.0005, 0.0, 0.0]
    """

    def __init__(self, learning_rate: float, num_train_steps: int, num_warmup_steps: int = 0):
        learning_rate = float(learning_rate)
        if not learning_rate >= 0 or learning_rate == float("inf"):
            raise ValueError(f"learning_rate must be a finite number >= 0, got {learning_rate}")
        if int(num_train_steps) != num_train_steps or num_train_steps < 1:
            raise ValueError(f"num_train_steps must be an integer >= 1, got {num_train_steps!r}")
        if (
            int(num_warmup_steps) != num_warmup_steps
            or not 0 <= num_warmup_steps <= num_train_steps
        ):
            raise ValueError(
                f"num_warmup_steps must be an integer in [0, num_train_steps="
                f"{int(num_train_steps)}], got {num_warmup_steps!r}"
            )
        self.learning_rate = learning_rate
        self.num_train_steps = int(num_train_steps)
        self.num_warmup_steps = int(num_warmup_steps)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        warmup = float(self.num_warmup_steps)
        warming = self.learning_rate * step / max(1.0, warmup)
        decaying = self.learning_rate * ops.maximum(
            0.0, (self.num_train_steps - step) / max(1.0, float(self.num_train_steps) - warmup)
        )
        return ops.where(step < warmup, warming, decaying)

    def get_config(self):
        return {
            "learning_rate": self.learning_rate,
            "num_train_steps": self.num_train_steps,
            "num_warmup_steps": self.num_warmup_steps,
        }


@keras.saving.register_keras_serializable(package="tfbert")
class AdamWeightDecay(keras.optimizers.AdamW):
    """Keras' ``AdamW`` updating as ``torch.optim.AdamW``, with weight-decay exclusions by path.

    Three differences from Keras' ``AdamW``:

    - ``epsilon`` is added after Adam's bias correction, as ``torch.optim.AdamW`` (and so
      transformers' training) adds it; Keras adds it before, which early in training damps small
      gradients as an epsilon up to 31.6x larger would.
    - A learning-rate schedule is evaluated at the number of optimiser updates
      (``optimizer.iterations``), not of batches, which differ under gradient accumulation.
    - Weight-decay exclusions are regular expressions searched in ``variable.path``
      (``.../attention/output/LayerNorm/gamma``), as transformers v4's ``AdamWeightDecay``
      searched TensorFlow variable names, and ``get_config`` carries them. Keras' own
      ``exclude_from_weight_decay(var_names=...)`` searches only a variable's last name and is
      not part of the config, so it is lost when a compiled model is saved and loaded; it still
      works on top.

    Args:
        exclude_from_weight_decay: Regular expressions; a variable whose path matches one is not
            decayed. Default: LayerNorm weights and every bias.
        **kwargs: Keras ``AdamW`` arguments (``learning_rate``, ``weight_decay``, ``beta_1``,
            ``beta_2``, ``epsilon``, ``global_clipnorm``, ``gradient_accumulation_steps``, ...).

    Raises:
        ValueError: A pattern is not a valid regular expression.

    Example:
        >>> import keras
        >>> optimizer = AdamWeightDecay(learning_rate=1e-3, weight_decay=0.1)
        >>> dense = keras.layers.Dense(2)
        >>> dense.build((None, 3))
        >>> [optimizer.uses_weight_decay(v) for v in dense.weights]  # kernel, bias
        [True, False]
    """

    def __init__(
        self,
        exclude_from_weight_decay: Sequence[str] | None = DEFAULT_EXCLUDE_FROM_WEIGHT_DECAY,
        **kwargs,
    ):
        super().__init__(**kwargs)
        patterns = tuple(exclude_from_weight_decay or ())
        if isinstance(exclude_from_weight_decay, str):
            raise ValueError(
                f"exclude_from_weight_decay must be a list of patterns, got the string "
                f"{exclude_from_weight_decay!r}"
            )
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(
                    f"exclude_from_weight_decay pattern {pattern!r} is not a valid "
                    f"regular expression: {error}"
                ) from None
        self.excluded_patterns = patterns
        self._excluded_regex = re.compile("|".join(patterns)) if patterns else None

    def uses_weight_decay(self, variable) -> bool:
        """Whether ``variable`` (a Keras variable of the model) is decayed: ``weight_decay`` is
        set and no pattern matches its path."""
        if not self.weight_decay or self._excluded(variable):
            return False
        return super()._use_weight_decay(variable)

    def _excluded(self, variable) -> bool:
        return self._excluded_regex is not None and bool(self._excluded_regex.search(variable.path))

    def build(self, variables):
        # The TensorFlow backend asks ``_use_weight_decay`` about raw ``tf.Variable``s, which have
        # no path, so the patterns are resolved here, on the Keras variables, into Keras' own
        # set of excluded variable keys.
        excluded = {self._var_key(v) for v in variables if self._excluded(v)}
        self._exclude_from_weight_decay = (
            set(getattr(self, "_exclude_from_weight_decay", ())) | excluded
        )
        self._exclude_from_weight_decay_cache = {}
        super().build(variables)

    def _get_current_learning_rate(self):
        # Keras evaluates schedules at the batch count; transformers (and ``num_train_steps``)
        # count optimiser updates, which differ under gradient accumulation.
        if isinstance(self._learning_rate, keras.optimizers.schedules.LearningRateSchedule):
            return self._learning_rate(self.iterations)
        return super()._get_current_learning_rate()

    def update_step(self, gradient, variable, learning_rate):
        """Adam's update with ``epsilon`` added after bias correction, as ``torch.optim.AdamW``.

        Keras adds ``epsilon`` to the uncorrected ``sqrt(v)``, which early in training acts like an
        epsilon ``1 / sqrt(1 - beta_2 ** t)`` times larger (31.6x at the first step) and damps
        small gradients that transformers' training would not.
        """
        lr = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        step = ops.cast(self.iterations + 1, variable.dtype)
        beta_1_power = ops.power(ops.cast(self.beta_1, variable.dtype), step)
        beta_2_power = ops.power(ops.cast(self.beta_2, variable.dtype), step)
        m = self._momentums[self._get_variable_index(variable)]
        v = self._velocities[self._get_variable_index(variable)]
        self.assign_add(m, ops.multiply(ops.subtract(gradient, m), 1 - self.beta_1))
        self.assign_add(v, ops.multiply(ops.subtract(ops.square(gradient), v), 1 - self.beta_2))
        if self.amsgrad:
            v_hat = self._velocity_hats[self._get_variable_index(variable)]
            self.assign(v_hat, ops.maximum(v_hat, v))
            v = v_hat
        denominator = ops.add(ops.divide(ops.sqrt(v), ops.sqrt(1 - beta_2_power)), self.epsilon)
        self.assign_sub(variable, ops.divide(ops.multiply(m, lr / (1 - beta_1_power)), denominator))

    def get_config(self):
        return {**super().get_config(), "exclude_from_weight_decay": list(self.excluded_patterns)}


def create_optimizer(
    learning_rate: float,
    num_train_steps: int,
    num_warmup_steps: int = 0,
    *,
    weight_decay: float = 0.01,
    global_clipnorm: float | None = 1.0,
    gradient_accumulation_steps: int | None = None,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-8,
    exclude_from_weight_decay: Sequence[str] | None = DEFAULT_EXCLUDE_FROM_WEIGHT_DECAY,
    **kwargs,
) -> AdamWeightDecay:
    """BERT's fine-tuning and pretraining optimiser, with transformers ``Trainer``'s defaults.

    AdamW (decoupled weight decay, as ``torch.optim.AdamW``) on a
    :class:`LinearWarmupLinearDecay` schedule; LayerNorm weights and biases are not decayed;
    gradients are clipped to a global norm (``torch.nn.utils.clip_grad_norm_``).

    Args:
        learning_rate: Peak learning rate, reached after the warmup.
        num_train_steps: Total number of optimiser *updates*. With gradient accumulation over
            ``N`` batches that is the number of batches divided by ``N``.
        num_warmup_steps: Updates of linear warmup from 0.
        weight_decay: Decoupled weight decay rate (0 for none).
        global_clipnorm: Clip gradients so that their global norm is at most this (``None``:
            no clipping). Under gradient accumulation the averaged gradient is clipped.
        gradient_accumulation_steps: Apply the average gradient of this many batches (>= 2), or
            ``None`` to update on every batch.
        beta_1, beta_2, epsilon: Adam's moment decay rates and epsilon.
        exclude_from_weight_decay: Regular expressions searched in variable paths; matching
            variables are not decayed (see :class:`AdamWeightDecay`).
        **kwargs: Further Keras optimiser arguments (``use_ema``, ``name``, ...).

    Returns:
        An :class:`AdamWeightDecay` (a ``keras.optimizers.AdamW``) to pass to ``model.compile``.

    Raises:
        ValueError: A bad schedule (see :class:`LinearWarmupLinearDecay`), a negative
            ``weight_decay``, a ``global_clipnorm`` that is not positive, or
            ``gradient_accumulation_steps`` that is not an integer >= 2.

    Example:
        >>> import numpy as np
        >>> from tfbert import BertConfig, TFBertForSequenceClassification
        >>> config = BertConfig(vocab_size=50, hidden_size=8, num_hidden_layers=1,
        ...                     num_attention_heads=2, intermediate_size=16, num_labels=2)
        >>> model = TFBertForSequenceClassification(config)
        >>> optimizer = create_optimizer(3e-5, num_train_steps=100, num_warmup_steps=10)
        >>> model.compile(optimizer=optimizer)  # no loss: trains on the model's own loss
        >>> data = {"input_ids": np.array([[2, 5, 7, 3]] * 4), "labels": np.array([0, 1, 0, 1])}
        >>> history = model.fit(data, batch_size=2, epochs=1, verbose=0)
        >>> int(optimizer.iterations), round(float(optimizer.learning_rate), 8)
        (2, 6e-06)
    """
    if not weight_decay >= 0:
        raise ValueError(f"weight_decay must be >= 0, got {weight_decay!r}")
    if global_clipnorm is not None and not global_clipnorm > 0:
        raise ValueError(f"global_clipnorm must be > 0 or None, got {global_clipnorm!r}")
    if gradient_accumulation_steps is not None and (
        int(gradient_accumulation_steps) != gradient_accumulation_steps
        or gradient_accumulation_steps < 2
    ):
        raise ValueError(
            f"gradient_accumulation_steps must be an integer >= 2 or None, got "
            f"{gradient_accumulation_steps!r}"
        )
    schedule = LinearWarmupLinearDecay(learning_rate, num_train_steps, num_warmup_steps)
    return AdamWeightDecay(
        learning_rate=schedule,
        weight_decay=weight_decay,
        beta_1=beta_1,
        beta_2=beta_2,
        epsilon=epsilon,
        global_clipnorm=global_clipnorm,
        gradient_accumulation_steps=int(gradient_accumulation_steps)
        if gradient_accumulation_steps
        else None,
        exclude_from_weight_decay=exclude_from_weight_decay,
        **kwargs,
    )
