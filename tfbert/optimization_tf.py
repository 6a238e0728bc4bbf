"""transformers v4's ``transformers.optimization_tf``: ``create_optimizer``, ``AdamWeightDecay``
and ``WarmUp`` with v4's arguments, return values and update rule.

v4's recipe: a warmup from 0 to ``init_lr`` (``WarmUp``), then a ``PolynomialDecay`` to
``init_lr * min_lr_ratio``; Adam, or ``AdamWeightDecay`` when ``weight_decay_rate > 0``, which
subtracts ``learning_rate * weight_decay_rate * variable`` from every decayed variable before the
Adam step and does not decay LayerNorm weights and biases. The optimiser is tfbert's
:class:`tfbert.training.AdamWeightDecay` (Keras 3's ``AdamW``) configured the v4 way; tfbert's own
``tfbert.training.create_optimizer`` is the transformers-``Trainer`` recipe instead.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import keras
from keras import ops

from tfbert.training import optimization as _training

LearningRateSchedule = keras.optimizers.schedules.LearningRateSchedule
V4_EXCLUDE_FROM_WEIGHT_DECAY = ("LayerNorm", "layer_norm", "bias")
_PACKAGE = "tfbert.optimization_tf"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class WarmUp(keras.optimizers.schedules.LearningRateSchedule):
    """v4's warmup: ``initial_learning_rate * (step / warmup_steps) ** power`` while
    ``step < warmup_steps``, then ``decay_schedule_fn(step - warmup_steps)``.

    Args:
        initial_learning_rate: The rate reached at the end of the warmup.
        decay_schedule_fn: The schedule after the warmup, called with the steps since its end.
        warmup_steps: Length of the warmup in optimiser steps (>= 1).
        power: Exponent of the warmup curve (1: linear).
        name: Name of the schedule.

    Raises:
        ValueError: ``warmup_steps`` is not a positive integer.

    Example:
        >>> decay = keras.optimizers.schedules.PolynomialDecay(1e-3, decay_steps=8,
        ...                                                    end_learning_rate=0.0)
        >>> schedule = WarmUp(1e-3, decay, warmup_steps=2)
        >>> [round(float(schedule(step)), 6) for step in (0, 1, 2, 6, 10, 20)]
        [0.0, 0.0005, 0.001, 0.0005, 0.0, 0.0]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_schedule_fn: Callable,
        warmup_steps: int,
        power: float = 1.0,
        name: str | None = None,
    ):
        super().__init__()
        if isinstance(warmup_steps, bool) or int(warmup_steps) != warmup_steps or warmup_steps < 1:
            raise ValueError(f"warmup_steps must be an integer >= 1, got {warmup_steps!r}")
        self.initial_learning_rate = initial_learning_rate
        self.decay_schedule_fn = decay_schedule_fn
        self.warmup_steps = int(warmup_steps)
        self.power = power
        self.name = name

    def __call__(self, step):
        step = ops.cast(step, "float32")
        warmup_steps = float(self.warmup_steps)
        warming = self.initial_learning_rate * ops.power(step / warmup_steps, self.power)
        decaying = ops.cast(self.decay_schedule_fn(step - warmup_steps), "float32")
        return ops.where(step < warmup_steps, warming, decaying)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_schedule_fn": keras.optimizers.schedules.serialize(self.decay_schedule_fn),
            "warmup_steps": self.warmup_steps,
            "power": self.power,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config["decay_schedule_fn"], dict):
            config["decay_schedule_fn"] = keras.optimizers.schedules.deserialize(
                config["decay_schedule_fn"]
            )
        return cls(**config)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class AdamWeightDecay(_training.AdamWeightDecay):
    """v4's ``AdamWeightDecay``: Adam with decoupled weight decay applied before the Adam step.

    Each step subtracts ``learning_rate * weight_decay_rate * variable`` from every decayed
    variable, then applies Adam with ``epsilon`` added to ``sqrt(v)`` before bias correction (as
    v4's TensorFlow Adam did). A variable is decayed when one ``include_in_weight_decay`` pattern
    is found in its path, or else when no ``exclude_from_weight_decay`` pattern is (v4 searched
    variable names the same way: ``.../attention/output/LayerNorm/gamma``).

    Args:
        learning_rate: A float or a learning-rate schedule.
        beta_1, beta_2, epsilon: Adam's parameters (v4's defaults: 0.9, 0.999, 1e-7).
        amsgrad: Use the AMSGrad variant.
        weight_decay_rate: The decay rate (0: plain Adam).
        include_in_weight_decay: Regular expressions; matching variables are always decayed.
        exclude_from_weight_decay: Regular expressions; matching variables are not decayed
            (``None``: every variable is).
        name: The optimiser's name.
        **kwargs: Keras optimiser arguments (``clipnorm``, ``global_clipnorm``, ``clipvalue``, ...).

    Raises:
        ValueError: A negative ``weight_decay_rate`` or an invalid pattern.

    Example:
        >>> dense = keras.layers.Dense(2)
        >>> dense.build((None, 3))
        >>> optimizer = AdamWeightDecay(1e-3, weight_decay_rate=0.01,
        ...                             exclude_from_weight_decay=["bias"])
        >>> [optimizer.uses_weight_decay(v) for v in dense.weights]  # kernel, bias
        [True, False]
    """

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        weight_decay_rate: float = 0.0,
        include_in_weight_decay: Sequence[str] | None = None,
        exclude_from_weight_decay: Sequence[str] | None = None,
        name: str = "AdamWeightDecay",
        **kwargs,
    ):
        if not weight_decay_rate >= 0:
            raise ValueError(f"weight_decay_rate must be >= 0, got {weight_decay_rate!r}")
        super().__init__(
            learning_rate=learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
            weight_decay=weight_decay_rate,
            name=name,
            exclude_from_weight_decay=exclude_from_weight_decay or (),
            **kwargs,
        )
        if isinstance(include_in_weight_decay, str):
            raise ValueError(
                f"include_in_weight_decay must be a list of patterns, got the string "
                f"{include_in_weight_decay!r}"
            )
        self.included_patterns = tuple(include_in_weight_decay or ())
        self._included_regex = (
            re.compile("|".join(f"(?:{p})" for p in self.included_patterns))
            if self.included_patterns
            else None
        )

    @property
    def weight_decay_rate(self) -> float:
        """v4's name for the decay rate (Keras' ``weight_decay``)."""
        return self.weight_decay

    def _excluded(self, variable) -> bool:
        if self._included_regex is not None and self._included_regex.search(variable.path):
            return False
        return super()._excluded(variable)

    # v4's Adam step: Keras' own (epsilon before bias correction), not tfbert's torch-style one.
    update_step = keras.optimizers.Adam.update_step

    def get_config(self):
        config = super().get_config()
        config["weight_decay_rate"] = config.pop("weight_decay")
        config["include_in_weight_decay"] = list(self.included_patterns)
        return config


def create_optimizer(
    init_lr: float,
    num_train_steps: int,
    num_warmup_steps: int,
    min_lr_ratio: float = 0.0,
    adam_beta1: float = 0.9,
    adam_beta2: float = 0.999,
    adam_epsilon: float = 1e-8,
    adam_clipnorm: float | None = None,
    adam_global_clipnorm: float | None = None,
    weight_decay_rate: float = 0.0,
    power: float = 1.0,
    include_in_weight_decay: Sequence[str] | None = None,
) -> tuple[keras.optimizers.Optimizer, keras.optimizers.schedules.LearningRateSchedule]:
    """v4's ``create_optimizer``: warmup, then polynomial decay; Adam or ``AdamWeightDecay``.

    The learning rate rises linearly from 0 to ``init_lr`` over ``num_warmup_steps``, then
    decays as ``(init_lr - end) * (1 - t / decay_steps) ** power + end`` with
    ``t = step - num_warmup_steps``, ``decay_steps = num_train_steps - num_warmup_steps`` and
    ``end = init_lr * min_lr_ratio``, staying at ``end`` afterwards. (Where the warmup takes
    every step, the rate is ``end`` from ``num_train_steps`` on; v4 computed 0 / 0 there.)

    Args:
        init_lr: The learning rate at the end of the warmup.
        num_train_steps: Total number of optimiser steps.
        num_warmup_steps: Steps of warmup (0: none).
        min_lr_ratio: The final rate as a fraction of ``init_lr``.
        adam_beta1, adam_beta2, adam_epsilon: Adam's parameters.
        adam_clipnorm: Clip each gradient to this norm (``None``: no clipping).
        adam_global_clipnorm: Clip the gradients' global norm to this (``None``: no clipping).
        weight_decay_rate: Decay rate; above 0 the optimiser is an :class:`AdamWeightDecay` that
            skips variables matching ``LayerNorm``, ``layer_norm`` or ``bias``.
        power: Exponent of the polynomial decay (1: linear).
        include_in_weight_decay: Patterns of variables decayed even when excluded above.

    Returns:
        ``(optimizer, lr_schedule)``: the optimiser to pass to ``model.compile`` and its schedule.

    Raises:
        ValueError: A negative or non-finite ``init_lr``, ``num_train_steps`` below 1,
            ``num_warmup_steps`` outside ``[0, num_train_steps]``, or a negative
            ``min_lr_ratio`` or ``weight_decay_rate``.

    Example:
        >>> optimizer, schedule = create_optimizer(2e-5, num_train_steps=100, num_warmup_steps=10,
        ...                                        weight_decay_rate=0.01)
        >>> type(optimizer).__name__, [round(float(schedule(s)), 9) for s in (5, 10, 55, 100)]
        ('AdamWeightDecay', [1e-05, 2e-05, 1e-05, 0.0])
    """
    _check_schedule(init_lr, num_train_steps, num_warmup_steps, min_lr_ratio)
    if not weight_decay_rate >= 0:
        raise ValueError(f"weight_decay_rate must be >= 0, got {weight_decay_rate!r}")
    lr_schedule = keras.optimizers.schedules.PolynomialDecay(
        initial_learning_rate=init_lr,
        decay_steps=max(1, num_train_steps - num_warmup_steps),
        end_learning_rate=init_lr * min_lr_ratio,
        power=power,
    )
    if num_warmup_steps:
        lr_schedule = WarmUp(
            initial_learning_rate=init_lr,
            decay_schedule_fn=lr_schedule,
            warmup_steps=num_warmup_steps,
        )
    adam_args = {
        "learning_rate": lr_schedule,
        "beta_1": adam_beta1,
        "beta_2": adam_beta2,
        "epsilon": adam_epsilon,
        "clipnorm": adam_clipnorm,
        "global_clipnorm": adam_global_clipnorm,
    }
    if weight_decay_rate > 0.0:
        optimizer = AdamWeightDecay(
            weight_decay_rate=weight_decay_rate,
            exclude_from_weight_decay=list(V4_EXCLUDE_FROM_WEIGHT_DECAY),
            include_in_weight_decay=include_in_weight_decay,
            **adam_args,
        )
    else:
        optimizer = keras.optimizers.Adam(**adam_args)
    return optimizer, lr_schedule


def _check_schedule(init_lr, num_train_steps, num_warmup_steps, min_lr_ratio) -> None:
    if not (isinstance(init_lr, (int, float)) and math.isfinite(init_lr) and init_lr >= 0):
        raise ValueError(f"init_lr must be a finite number >= 0, got {init_lr!r}")
    for name, value in (
        ("num_train_steps", num_train_steps),
        ("num_warmup_steps", num_warmup_steps),
    ):
        if isinstance(value, bool) or int(value) != value:
            raise ValueError(f"{name} must be an integer, got {value!r}")
    if num_train_steps < 1:
        raise ValueError(f"num_train_steps must be >= 1, got {num_train_steps!r}")
    if not 0 <= num_warmup_steps <= num_train_steps:
        raise ValueError(
            f"num_warmup_steps must be in [0, num_train_steps={num_train_steps}], "
            f"got {num_warmup_steps!r}"
        )
    if not min_lr_ratio >= 0:
        raise ValueError(f"min_lr_ratio must be >= 0, got {min_lr_ratio!r}")


__all__ = ["V4_EXCLUDE_FROM_WEIGHT_DECAY", "AdamWeightDecay", "WarmUp", "create_optimizer"]
