"""Where a pipeline runs and in what precision: transformers' ``device`` / ``dtype`` in TF terms.

transformers' pipelines take ``device`` (``-1``, ``0``, ``"cpu"``, ``"cuda:0"``, a
``torch.device``), ``device_map`` and ``dtype`` (formerly ``torch_dtype``: ``"float16"``,
``torch.bfloat16``, ``"auto"``). tfbert maps them onto TensorFlow and Keras:

- ``device`` becomes a ``tf.device`` scope for loading the weights and for every run: ``-1`` and
  ``"cpu"`` are ``/CPU:0``; ``n >= 0``, ``"cuda"``, ``"cuda:n"``, ``"gpu:n"`` are ``/GPU:n``;
  TensorFlow's own spellings (``"/GPU:0"``, ``"/device:CPU:0"``) pass as they are. Asking for a
  GPU the machine does not have falls back to the CPU with one warning (as TensorFlow's soft
  placement would), so a program written for a GPU still runs on a laptop. Any other value is
  an error naming it. String ops (the tokenizer) always run on the CPU.
- ``device_map`` places the whole model on one device: ``"auto"`` (and accelerate's other
  strategies) mean TensorFlow's default placement; a single device, or a dict that maps
  every module to one device, means that device; a map over several devices is an error.
  Given with ``device``, ``device`` wins (with a warning), as in transformers.
- ``dtype`` becomes the model's Keras dtype policy. ``"float16"`` and ``"bfloat16"`` are
  *mixed* policies (``mixed_float16``, ``mixed_bfloat16``): weights stay float32, matrix
  products run in the low precision, LayerNorm, softmax and the task's post-processing in
  float32. A pure float16 policy would also round the weights and the LayerNorm statistics;
  the mixed one keeps results closest to float32 at the same speed. ``"auto"``, ``None`` and
  ``"float32"`` are float32 (tfbert loads every checkpoint's weights as float32).
"""

from __future__ import annotations

import contextlib
import re
import warnings
from typing import Any

import keras
import tensorflow as tf

_DTYPES = {
    "float32": "float32",
    "fp32": "float32",
    "float": "float32",
    "auto": "float32",
    "float16": "mixed_float16",
    "fp16": "mixed_float16",
    "half": "mixed_float16",
    "bfloat16": "mixed_bfloat16",
    "bf16": "mixed_bfloat16",
}
_POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")
_MAP_STRATEGIES = ("auto", "balanced", "balanced_low_0", "sequential")
_GPU = re.compile(r"(?:cuda|gpu)(?::(\d+))?", re.IGNORECASE)
_TF_DEVICE = re.compile(r"/(?:device:)?(CPU|GPU):(\d+)", re.IGNORECASE)
_warned: set[str] = set()


def resolve_dtype(dtype: Any) -> str:
    """The Keras dtype policy name for transformers' ``dtype`` / ``torch_dtype``.

    Args:
        dtype: ``None``, ``"auto"``, ``"float32"``, ``"float16"``, ``"bfloat16"`` (or ``"fp16"``,
            ``"bf16"``, ``"half"``), a ``torch`` / ``tf`` / numpy dtype of those, a Keras policy
            name (``"mixed_float16"``) or a ``keras.DTypePolicy``.

    Returns:
        ``"float32"``, ``"mixed_float16"`` or ``"mixed_bfloat16"``.

    Raises:
        ValueError: Any other dtype; the message names it and lists the accepted ones.

    Example:
        >>> resolve_dtype("float16"), resolve_dtype(None)
        ('mixed_float16', 'float32')
    """
    if dtype is None:
        return "float32"
    if isinstance(dtype, keras.DTypePolicy):
        name = dtype.name
    elif isinstance(dtype, str):
        name = dtype
    elif isinstance(dtype, type):  # np.float16
        name = _numpy_name(dtype)
    else:  # torch.float16 prints as "torch.float16"; tf and numpy dtypes have a name
        name = getattr(dtype, "name", None) or str(dtype).removeprefix("torch.")
    name = str(name).lower()
    policy = _DTYPES.get(name, name)
    if policy not in _POLICIES:
        raise ValueError(
            f"dtype {dtype!r} is not one of auto, float32, float16, bfloat16 (or "
            f"fp32, fp16, half, bf16, their torch / TF / numpy dtypes, or the Keras "
            f"policies {', '.join(_POLICIES)})"
        )
    return policy


def _numpy_name(kind: type) -> str:
    import numpy as np

    try:
        return np.dtype(kind).name
    except TypeError:
        return kind.__name__


def resolve_device(device: Any = None, device_map: Any = None) -> str | None:
    """The TensorFlow device for transformers' ``device`` / ``device_map``.

    Args:
        device: ``None``, an int (``-1`` CPU, ``n`` GPU n), ``"cpu"``, ``"cuda"``, ``"cuda:n"``,
            ``"gpu:n"``, a TensorFlow device string (``"/GPU:0"``) or a ``torch.device``.
        device_map: ``None``, ``"auto"`` (or another accelerate strategy), one device as above,
            or a dict whose values all name one device.

    Returns:
        ``None`` (TensorFlow's default placement) or a device such as ``"/GPU:0"``; a GPU the
        machine lacks becomes ``"/CPU:0"`` with a warning (once per device asked for).

    Raises:
        ValueError: A device that is none of the above, or a ``device_map`` over several devices.

    Example:
        >>> resolve_device(-1), resolve_device("cpu"), resolve_device(None, device_map="auto")
        ('/CPU:0', '/CPU:0', None)
    """
    if device is not None and device_map is not None:
        warnings.warn(
            f"both device={device!r} and device_map={device_map!r} were given; "
            f"device wins, as in transformers",
            stacklevel=3,
        )
        device_map = None
    if device_map is not None:
        return _from_device_map(device_map)
    if device is None:
        return None
    return _available(_parse_device(device))


def _parse_device(device: Any) -> str:
    if isinstance(device, bool):
        raise ValueError(
            f"device {device!r} is not a device: pass -1 / 'cpu' for the CPU, "
            f"n / 'cuda:n' / 'gpu:n' for GPU n"
        )
    if isinstance(device, int):
        if device < -1:
            raise ValueError(f"device {device} is not a device: -1 is the CPU, 0, 1, ... the GPUs")
        return "/CPU:0" if device == -1 else f"/GPU:{device}"
    text = str(device).strip()  # torch.device("cuda:0") prints as "cuda:0"
    if text.lower() == "cpu":
        return "/CPU:0"
    gpu = _GPU.fullmatch(text)
    if gpu:
        return f"/GPU:{int(gpu.group(1) or 0)}"
    tf_device = _TF_DEVICE.fullmatch(text)
    if tf_device:
        return f"/{tf_device.group(1).upper()}:{int(tf_device.group(2))}"
    raise ValueError(
        f"device {device!r} is not a device tfbert knows: pass -1 or 'cpu', "
        f"n, 'cuda:n' or 'gpu:n' (GPU n), or a TensorFlow device such as '/GPU:0'"
    )


def _from_device_map(device_map: Any) -> str | None:
    if isinstance(device_map, str) and device_map in _MAP_STRATEGIES:
        return None
    if isinstance(device_map, dict):
        devices = sorted({_parse_device(d) for d in device_map.values()})
        if len(devices) > 1:
            raise ValueError(
                f"device_map {device_map!r} spreads the model over {devices}; tfbert "
                f"runs a model on one device: pass device= or device_map='auto'"
            )
        return _available(devices[0]) if devices else None
    return _available(_parse_device(device_map))


def _available(device: str) -> str:
    kind, index = device[1:].split(":")
    if kind == "CPU" or int(index) < len(tf.config.list_logical_devices("GPU")):
        return device
    if device not in _warned:
        _warned.add(device)
        warnings.warn(
            f"device {device} asked for, but this machine has "
            f"{len(tf.config.list_logical_devices('GPU'))} GPU(s): running on /CPU:0",
            stacklevel=4,
        )
    return "/CPU:0"


def device_scope(device: str | None) -> contextlib.AbstractContextManager:
    """``tf.device(device)``, or nothing for ``None`` (TensorFlow's default placement)."""
    return contextlib.nullcontext() if device is None else tf.device(device)
