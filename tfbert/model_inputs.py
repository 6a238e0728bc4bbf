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

MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids", "position_ids", "head_mask",
                "inputs_embeds", "encoder_hidden_states", "encoder_attention_mask")
LABEL_INPUTS = ("labels", "next_sentence_label", "start_positions", "end_positions")
FLAG_INPUTS = ("output_attentions", "output_hidden_states", "return_dict")
# What a tokenizer returns besides model inputs; v4's models ignored them.
TOKENIZER_EXTRAS = ("offset_mapping", "special_tokens_mask", "length",
                    "overflow_to_sample_mapping")
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
        warnings.warn(f"ignoring tokenizer outputs the model does not take: {', '.join(ignored)}",
                      stacklevel=4)
        values = {k: v for k, v in values.items() if k not in TOKENIZER_EXTRAS}
    unknown = sorted(set(values) - KNOWN_INPUTS)
    if unknown:
        raise ValueError(f"unexpected input keys {unknown}; expected some of "
                         f"{sorted(KNOWN_INPUTS)}")
    return {k: np.asarray(v) if isinstance(v, (list, tuple)) and k not in FLAG_INPUTS else v
            for k, v in values.items()}


def _positional(items) -> dict[str, Any]:
    if len(items) > len(MODEL_INPUTS):
        raise ValueError(f"got {len(items)} positional inputs; the model takes at most "
                         f"{len(MODEL_INPUTS)}: {', '.join(MODEL_INPUTS)}")
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
        raise ValueError(f"{model_name} has no loss of its own; compile it with a loss to train "
                         f"it on fit(x, y)")
    x = unpack_inputs(x)
    if isinstance(y, Mapping):
        unknown = sorted(set(y) - set(label_names))
        if unknown:
            raise ValueError(f"y has keys {unknown} that {model_name} does not take; its targets "
                             f"are {', '.join(label_names)}")
        targets = dict(y)
    elif isinstance(y, (tuple, list)) and len(label_names) > 1:
        if len(y) != len(label_names):
            raise ValueError(f"y holds {len(y)} targets; {model_name} takes "
                             f"{len(label_names)}: {', '.join(label_names)}")
        targets = dict(zip(label_names, y))
    elif len(label_names) == 1:
        targets = {label_names[0]: y}
    else:
        raise ValueError(f"{model_name} takes several targets ({', '.join(label_names)}): give y "
                         f"as a dict by name or a tuple in that order")
    return {**x, **{k: v for k, v in targets.items() if k not in x}}
