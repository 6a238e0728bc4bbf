"""Activation functions by transformers' names, written with ``keras.ops``."""

from __future__ import annotations

import math
from collections.abc import Callable

from keras import ops

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def gelu(x):
    """Exact GELU, ``0.5 x (1 + erf(x / sqrt 2))``: transformers' ``"gelu"``."""
    return ops.gelu(x, approximate=False)


def gelu_new(x):
    """The tanh approximation of GELU (transformers' ``"gelu_new"``, ``"gelu_pytorch_tanh"``)."""
    return 0.5 * x * (1.0 + ops.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * ops.power(x, 3))))


def gelu_fast(x):
    """transformers' ``"gelu_fast"``: the tanh approximation, factored."""
    return 0.5 * x * (1.0 + ops.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x)))


def quick_gelu(x):
    """``x * sigmoid(1.702 x)``: transformers' ``"quick_gelu"``."""
    return x * ops.sigmoid(1.702 * x)


def mish(x):
    """``x * tanh(softplus(x))``."""
    return x * ops.tanh(ops.softplus(x))


ACT2FN: dict[str, Callable] = {
    "gelu": gelu,
    "gelu_new": gelu_new,
    "gelu_pytorch_tanh": gelu_new,
    "gelu_fast": gelu_fast,
    "quick_gelu": quick_gelu,
    "relu": ops.relu,
    "silu": ops.silu,
    "swish": ops.silu,
    "tanh": ops.tanh,
    "mish": mish,
}


def get_activation(name: str) -> Callable:
    """Returns the activation function transformers calls ``name``.

    Raises:
        ValueError: ``name`` is not a known activation.

    Example:
        >>> float(get_activation("relu")(-1.0))
        0.0
    """
    try:
        return ACT2FN[name]
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; expected one of {', '.join(ACT2FN)}"
        ) from None
