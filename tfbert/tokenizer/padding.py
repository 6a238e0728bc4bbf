"""Padding already encoded examples in Python, as transformers v4's ``tokenizer.pad`` (what data
collators call): ``input_ids``, ``attention_mask``, ``token_type_ids`` and
``special_tokens_mask`` are padded, other keys are left as they are."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

_PADDINGS = {
    True: "longest",
    "longest": "longest",
    "max_length": "max_length",
    False: None,
    "do_not_pad": None,
}


def _as_lists(value: Any) -> Any:
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_as_lists(v) for v in value]
    return value.item() if isinstance(value, np.generic) else value


def _pad_row(row: dict[str, Any], length: int, left: bool, fills: dict[str, int]) -> dict[str, Any]:
    missing = length - len(row["input_ids"])
    if missing <= 0:
        return row
    out = dict(row)
    for key, fill in fills.items():
        if key in row:
            pad = [fill] * missing
            out[key] = pad + list(row[key]) if left else list(row[key]) + pad
    return out


def pad_features(
    features: Any,
    padding: Any,
    max_length: int | None,
    model_max_length: int | None,
    pad_to_multiple_of: int | None,
    padding_side: str,
    pad_id: int,
    pad_type_id: int,
    attention_mask: bool,
    extra_fills: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], bool]:
    """Pads examples to one length.

    Args:
        features: a mapping of lists (batched or one example) or a list of mappings.
        padding: ``True``/``"longest"``, ``"max_length"`` or ``False``/``"do_not_pad"``.
        max_length: the ``"max_length"`` length; ``None``: ``model_max_length``.
        model_max_length: the tokenizer's limit, ``None`` if none.
        pad_to_multiple_of: round the length up to a multiple of this.
        padding_side: ``"right"`` or ``"left"``.
        pad_id: the padding token's id.
        pad_type_id: the padding ``token_type_ids`` value.
        attention_mask: add an ``attention_mask`` where there is none.
        extra_fills: padding values of more per-token keys.

    Returns:
        ``(data, batched)``: a dict of (nested) lists, and whether it holds a batch.

    Raises:
        ValueError: no ``input_ids``, or a bad option.
    """
    if isinstance(features, (list, tuple)) and features and isinstance(features[0], Mapping):
        features = {key: [example[key] for example in features] for key in features[0]}
    if not isinstance(features, Mapping) or "input_ids" not in features:
        keys = list(features) if isinstance(features, Mapping) else type(features).__name__
        raise ValueError(
            f"pad needs examples with 'input_ids' (a mapping or a list of mappings); got {keys}"
        )
    try:
        strategy = _PADDINGS[padding]
    except (KeyError, TypeError):
        raise ValueError(
            f"padding={padding!r} is not one of {sorted(map(repr, _PADDINGS))}"
        ) from None
    if padding_side not in ("right", "left"):
        raise ValueError(f"padding_side={padding_side!r} is not one of ['right', 'left']")
    data = {key: _as_lists(value) for key, value in features.items()}
    ids = data["input_ids"]
    batched = bool(ids) and isinstance(ids[0], (list, tuple))
    if not ids:
        return data, True
    rows = [{k: v[i] for k, v in data.items()} for i in range(len(ids))] if batched else [data]
    if attention_mask:
        rows = [
            r if "attention_mask" in r else {**r, "attention_mask": [1] * len(r["input_ids"])}
            for r in rows
        ]
    if strategy == "max_length":
        max_length = model_max_length if max_length is None else max_length
        strategy = None if max_length is None else strategy
    if strategy == "longest":
        max_length = max(len(r["input_ids"]) for r in rows)
    if strategy and pad_to_multiple_of and max_length % pad_to_multiple_of:
        max_length = (max_length // pad_to_multiple_of + 1) * pad_to_multiple_of
    if strategy:
        fills = {
            "input_ids": pad_id,
            "token_type_ids": pad_type_id,
            "special_tokens_mask": 1,
            **(extra_fills or {}),
        }
        if attention_mask:
            fills["attention_mask"] = 0
        rows = [_pad_row(r, max_length, padding_side == "left", fills) for r in rows]
    if not batched:
        return rows[0], False
    return {key: [r[key] for r in rows] for key in rows[0]}, True
