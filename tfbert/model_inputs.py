"""How the BERT models take their inputs: every form transformers v4's TF models took.

A call's first argument may be the ids, a mapping of inputs (a dict, a tokenizer's output, any
``Mapping``), or a list/tuple of tensors in v4's positional order. ``fit(x, y)`` on a model
compiled without a loss puts ``y`` into the inputs as the labels (:func:`merge_labels`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

# The inputs a tokenizer encodes text into (and serving signatures take), in v4's order.
ENCODED_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Every input a model call takes, in v4's positional order.
MODEL_INPUTS = (
    *ENCODED_INPUTS,
    "position_ids",
    "head_mask",
    "inputs_embeds",
    "encoder_hidden_states",
    "encoder_attention_mask",
)
LABEL_INPUTS = ("labels", "next_sentence_label", "start_positions", "end_positions")
FLAG_INPUTS = ("output_attentions", "output_hidden_states", "return_dict")
# What a tokenizer returns besides model inputs; v4's models ignored them.
TOKENIZER_EXTRAS = ("offset_mapping", "special_tokens_mask", "length", "overflow_to_sample_mapping")
KNOWN_INPUTS = frozenset(MODEL_INPUTS + LABEL_INPUTS + FLAG_INPUTS)


def unpack_inputs(first: Any, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The inputs given in a call's first argument (and as unknown keywords), by name.

    Args:
        first: ``None``; the ids; a ``Mapping`` of inputs; or a list/tuple of tensors or arrays
            in v4's order (``input_ids``, ``attention_mask``, ``token_type_ids``,
            ``position_ids``, ``head_mask``, ``inputs_embeds``, ...). A list of Python lists is
            ids.
        extra: Keywords the call did not declare (tokenizer extras arrive this way with
            ``model(**encoding)``).

    Returns:
        ``{name: value}``; tokenizer extras (``offset_mapping``, ``special_tokens_mask``,
        ``length``, ``overflow_to_sample_mapping``) are dropped with one warning naming them.

    Raises:
        ValueError: An unknown key, or more positional inputs than there are inputs.

    Example:
        >>> sorted(unpack_inputs([[[1, 2]], [[1, 1]]]))
        ['input_ids']
        >>> import numpy as np
        >>> sorted(unpack_inputs([np.ones((1, 2)), np.ones((1, 2))]))
        ['attention_mask', 'input_ids']
    """
    values = dict(extra or {})
    if first is None:
        pass
    elif isinstance(first, Mapping):
        values.update(first)
    elif isinstance(first, (list, tuple)) and any(hasattr(v, "shape") for v in first):
        values.update(_positional(first))
    else:
        values["input_ids"] = first
    ignored = sorted(k for k in values if k in TOKENIZER_EXTRAS)
    if ignored:
        warnings.warn(
            f"ignoring tokenizer outputs the model does not take: {', '.join(ignored)}",
            stacklevel=4,
        )
        values = {k: v for k, v in values.items() if k not in TOKENIZER_EXTRAS}
    unknown = sorted(set(values) - KNOWN_INPUTS)
    if unknown:
        raise ValueError(
            f"unexpected input keys {unknown}; expected some of {sorted(KNOWN_INPUTS)}"
        )
    return {
        k: _array(k, v) if isinstance(v, (list, tuple)) and k not in FLAG_INPUTS else v
        for k, v in values.items()
    }


def _array(name: str, value: list | tuple) -> np.ndarray:
    """A (nested) list as an array; ragged lists get an error naming the input."""
    try:
        return np.asarray(value)
    except ValueError:
        lengths = sorted({len(row) for row in value if isinstance(row, (list, tuple))})
        raise ValueError(
            f"{name} holds rows of different lengths {lengths}; pad them to one "
            f"length (a tokenizer's padding=True does) and give an "
            f"attention_mask"
        ) from None


def _positional(items) -> dict[str, Any]:
    if len(items) > len(MODEL_INPUTS):
        raise ValueError(
            f"got {len(items)} positional inputs; the model takes at most "
            f"{len(MODEL_INPUTS)}: {', '.join(MODEL_INPUTS)}"
        )
    # By position only: v4 also matched Keras tensors by name, but a Keras 3 functional model
    # runs its layers on unnamed tensors, so names would hold while tracing and not when running.
    return dict(zip(MODEL_INPUTS, items))


def merge_labels(x: Any, y: Any, label_names: tuple[str, ...], model_name: str) -> dict[str, Any]:
    """``x`` with ``y`` as its labels, as v4's ``train_step`` did for models without a loss.

    Args:
        x: The inputs, in any form :func:`unpack_inputs` takes.
        y: One tensor (models with one target), a mapping by target name, or a tuple of the
            targets in ``label_names`` order. Targets already in ``x`` are kept.
        label_names: The model's targets, in order (``start_positions``, ``end_positions``).
        model_name: For error messages.

    Returns:
        The inputs as a dict, the targets added.

    Raises:
        ValueError: The model has no targets, ``y`` names one it does not take, or ``y`` is one
            tensor for a model with several targets.

    Example:
        >>> merge_labels({"input_ids": 1}, 2, ("labels",), "TFBertForMaskedLM")
        {'input_ids': 1, 'labels': 2}
    """
    if not label_names:
        raise ValueError(
            f"{model_name} has no loss of its own; compile it with a loss to train it on fit(x, y)"
        )
    x = unpack_inputs(x)
    if isinstance(y, Mapping):
        unknown = sorted(set(y) - set(label_names))
        if unknown:
            raise ValueError(
                f"y has keys {unknown} that {model_name} does not take; its targets "
                f"are {', '.join(label_names)}"
            )
        targets = dict(y)
    elif isinstance(y, (tuple, list)) and len(label_names) > 1:
        if len(y) != len(label_names):
            raise ValueError(
                f"y holds {len(y)} targets; {model_name} takes "
                f"{len(label_names)}: {', '.join(label_names)}"
            )
        targets = dict(zip(label_names, y))
    elif len(label_names) == 1:
        targets = {label_names[0]: y}
    else:
        raise ValueError(
            f"{model_name} takes several targets ({', '.join(label_names)}): give y "
            f"as a dict by name or a tuple in that order"
        )
    return {**x, **{k: v for k, v in targets.items() if k not in x}}


def check_input_shapes(values: Mapping[str, Any]) -> None:
    """Checks ``attention_mask``, ``token_type_ids`` and ``position_ids`` against ``input_ids``.

    Every model's call runs it, so a mask of the wrong batch or length fails with a message
    naming the argument and both shapes instead of a broadcast error deep in the encoder. Known
    sizes are compared at once (eager, tracing, XLA); sizes unknown while tracing are compared
    by graph assertions when the graph runs.

    Accepted: ``token_type_ids`` of ``input_ids``' shape; ``position_ids`` of that shape or
    broadcast to it (``(1, seq)``, ``(seq,)``); ``attention_mask`` of that shape or
    ``(batch, seq, seq)`` for 2-D ids. With ``past_key_values`` the mask's key length
    (``past + seq``) is not compared with ``seq``.

    Args:
        values: The call's inputs by name; ``input_ids`` (or ``inputs_embeds``, whose last axis
            is the hidden size) is the reference.

    Raises:
        ValueError: A shape that does not match, naming the argument and both shapes.

    Example:
        >>> import numpy as np
        >>> check_input_shapes({"input_ids": np.ones((2, 4)), "attention_mask": np.ones((2, 4))})
        >>> bad = {"input_ids": np.ones((2, 4)), "attention_mask": np.ones((2, 5))}
        >>> check_input_shapes(bad)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: attention_mask has shape (2, 5) but input_ids has shape (2, 4); ...
    """
    reference = _reference(values)
    if reference is None:
        return
    ref_name, ref_value, ref_shape = reference
    if len(ref_shape) >= 2 and ref_shape[-1] == 0:
        raise ValueError(
            f"{ref_name} has shape {ref_shape}: no tokens; give at least one token per sequence"
        )
    past = values.get("past_key_values") is not None
    for name in ("attention_mask", "token_type_ids", "position_ids"):
        value = values.get(name)
        if value is None:
            continue
        if name == "attention_mask" and not _is_numeric(value):
            raise TypeError(f"attention_mask must hold 0/1 numbers, got dtype {_dtype_name(value)}")
        shape = _shape(value)
        expected = f"{name} must have {ref_name}' shape {ref_shape}"
        if name == "position_ids":
            expected += " (or (1, seq), (seq,))"
        elif name == "attention_mask" and len(ref_shape) == 2:
            expected += " (or (batch, seq, seq))"
        _compare(
            name,
            value,
            shape,
            ref_name,
            ref_value,
            ref_shape,
            _dims_to_compare(name, shape, ref_shape, past),
            expected,
        )


def check_target_shapes(
    targets: Mapping[str, Any], inputs: Mapping[str, Any], per_token: tuple[str, ...] = ()
) -> None:
    """Checks that each target has the inputs' batch size (and, for per-token targets such as
    a masked LM's ``labels``, their length), naming the target and both shapes.

    Args:
        targets: ``labels``, ``start_positions``, ... by name.
        inputs: The model inputs (``input_ids`` or ``inputs_embeds`` is the reference).
        per_token: Targets with one value per token: ``(batch, seq)``. Others need one value
            or row per sequence; a scalar is taken for a batch of one, as v4 took it.

    Raises:
        ValueError: A target's batch (or length) differs from the inputs'.

    Example:
        >>> import numpy as np
        >>> check_target_shapes(  # doctest: +ELLIPSIS
        ...     {"labels": np.zeros(3)}, {"input_ids": np.ones((2, 4))}
        ... )
        Traceback (most recent call last):
        ...
        ValueError: labels has shape (3,) but input_ids has shape (2, 4); labels must have one ...
    """
    reference = _reference(inputs)
    if reference is None:
        return
    ref_name, ref_value, ref_shape = reference
    for name, value in targets.items():
        shape = _shape(value)
        if name in per_token:
            expected = f"{name} must have one value per token: {ref_shape}"
            pairs = (
                [(i, i) for i in range(len(ref_shape))] if len(shape) == len(ref_shape) else None
            )
        else:
            expected = f"{name} must have one value (or row) per sequence: batch {ref_shape[0]}"
            pairs = [(0, 0)] if len(shape) >= 1 else None
            if not shape and ref_shape[0] in (1, None):  # v4's examples: labels=tf.constant(1)
                continue
        _compare(name, value, shape, ref_name, ref_value, ref_shape, pairs, expected)


def _reference(values: Mapping[str, Any]) -> tuple[str, Any, tuple] | None:
    if values.get("input_ids") is not None:
        return "input_ids", values["input_ids"], _shape(values["input_ids"])
    if values.get("inputs_embeds") is not None:
        return "inputs_embeds", values["inputs_embeds"], _shape(values["inputs_embeds"])[:-1]
    return None


def _compare(name, value, shape, ref_name, ref_value, ref_shape, pairs, expected) -> None:
    """Raises at once where sizes are known; adds graph assertions where they are not."""
    message = f"{name} has shape {shape} but {ref_name} has shape {ref_shape}; {expected}"
    if pairs is None:
        raise ValueError(message)
    for i, j in pairs:
        if shape[i] is not None and ref_shape[j] is not None:
            if shape[i] != ref_shape[j]:
                raise ValueError(message)
        else:
            import tensorflow as tf

            tf.debugging.assert_equal(tf.shape(value)[i], tf.shape(ref_value)[j], message=message)


def _dtype_name(value: Any) -> str:
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        dtype = np.asarray(value).dtype
    return getattr(dtype, "name", str(dtype))


def _is_numeric(value: Any) -> bool:
    name = _dtype_name(value)
    return not (name.startswith(("str", "<U", "object", "bytes")) or name in ("string",))


def _shape(value: Any) -> tuple:
    shape = getattr(value, "shape", None)
    if shape is None:
        return tuple(np.shape(value))
    return tuple(None if d is None else int(d) for d in shape)


def _dims_to_compare(
    name: str, shape: tuple, ref: tuple, past: bool
) -> list[tuple[int, int]] | None:
    """Pairs (axis of the argument, axis of the reference) that must be equal; None: wrong rank."""
    rank, ref_rank = len(shape), len(ref)
    if name == "position_ids":
        if not 1 <= rank <= ref_rank:
            return None
        offset = ref_rank - rank  # broadcast from the right; a leading 1 broadcasts too
        if any(
            shape[i] != 1
            and shape[i] is not None
            and ref[i + offset] is not None
            and shape[i] != ref[i + offset]
            for i in range(rank - 1)
        ):
            return None
        return [(rank - 1, ref_rank - 1)]
    if name == "attention_mask" and rank == ref_rank + 1 == 3:
        pairs = [(0, 0), (1, 1)]
        return pairs if past else pairs + [(2, 1)]
    if rank != ref_rank:
        return None
    pairs = [(i, i) for i in range(rank)]
    return pairs[:-1] if name == "attention_mask" and past else pairs
