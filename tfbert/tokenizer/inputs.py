"""What a Python tokenizer call means, as transformers v4 read it: which inputs form a batch
or pairs, and which padding/truncation/length the options resolve to."""

from __future__ import annotations

import warnings
from typing import Any

_FORMS = (
    "a str, a list of str, a list of (text, text_pair) tuples, or with is_split_into_words=True "
    "a list of str (one pre-split example) or a list of lists of str"
)


def _is_words(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(w, str) for w in value)


def check_unicode(value: str, name: str, index: int | None = None) -> None:
    """Raises when ``value`` holds a lone surrogate, which no UTF-8 text can carry.

    ``BertTokenizerFast`` refuses such strings too (with a ``TypeError`` naming no input).

    Args:
        value: One input string.
        name: The argument it came in (``"text"``, ``"text_pair"``).
        index: Its position in the batch, or ``None`` for a single string.

    Raises:
        ValueError: Names the argument, the batch index, the character and its position.

    Example:
        >>> check_unicode("fine", "text")
        >>> check_unicode("a\\ud800b", "text", 3)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: text[3] holds a lone surrogate U+D800 at character 1, which is not valid ...
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        where = name if index is None else f"{name}[{index}]"
        raise ValueError(
            f"{where} holds a lone surrogate U+{ord(value[error.start]):04X} at character "
            f"{error.start}, which is not valid Unicode; expected text that encodes to UTF-8 "
            f"(decode bytes with errors='replace' to keep going)"
        ) from None


def split_inputs(text: Any, text_pair: Any, split: bool) -> tuple[list, list | None, bool]:
    """Reads ``text``/``text_pair`` into texts (or word lists), pairs and whether batched.

    Args:
        text: what the tokenizer was called with.
        text_pair: the second sequences, or ``None``.
        split: ``is_split_into_words``.

    Returns:
        ``(texts, pairs, batched)``: lists of strings (of word lists when ``split``), the
        pairs or ``None``, and whether the input was a batch.

    Raises:
        TypeError: an input of another form, or ``text`` and ``text_pair`` of different forms.
        ValueError: ``text`` and ``text_pair`` batches of different lengths.
    """
    if text is None:
        raise TypeError(f"text is required: {_FORMS}")
    if split:
        batched = (
            isinstance(text, (list, tuple)) and bool(text) and isinstance(text[0], (list, tuple))
        )
        one = _is_words
    else:
        batched = isinstance(text, (list, tuple))
        one = lambda v: isinstance(v, str)  # noqa: E731
    texts = list(text) if batched else [text]
    if (
        text_pair is None
        and batched
        and not split
        and texts
        and all(
            isinstance(t, (list, tuple)) and len(t) == 2 and all(isinstance(s, str) for s in t)
            for t in texts
        )
    ):
        texts, pairs = [t[0] for t in texts], [t[1] for t in texts]
    else:
        # Unbatched, an empty text_pair is no pair at all (as in transformers v4).
        pairs = (
            None
            if (text_pair is None or (not batched and not text_pair))
            else (list(text_pair) if batched else [text_pair])
        )
    for name, values in (("text", texts), ("text_pair", pairs or [])):
        for index, value in enumerate(values):
            if not one(value):
                where = f"{name}[{index}]" if batched else name
                raise TypeError(f"{where} is of type {type(value).__name__}; expected {_FORMS}")
            for word in [value] if isinstance(value, str) else value:
                check_unicode(word, name, index if batched else None)
    if pairs is not None and len(pairs) != len(texts):
        raise ValueError(
            f"text has {len(texts)} items but text_pair has {len(pairs)}; they must match"
        )
    if split:
        texts = [list(t) for t in texts]
        pairs = None if pairs is None else [list(p) for p in pairs]
    return texts, pairs, batched


def resolve_layout(
    padding: Any,
    truncation: Any,
    max_length: int | None,
    pad_to_multiple_of: int | None,
    model_max_length: int,
    unlimited: int,
    verbose: bool,
) -> dict[str, Any]:
    """transformers v4's padding and truncation strategy rules.

    ``truncation=None`` truncates when ``max_length`` is given and padding is off; a missing
    ``max_length`` is ``model_max_length``, and where that is unlimited, nothing is
    truncated and ``"max_length"`` padding pads to the longest row.

    Args:
        padding: the call's ``padding``.
        truncation: the call's ``truncation``.
        max_length: the call's ``max_length``.
        pad_to_multiple_of: the call's ``pad_to_multiple_of``.
        model_max_length: the tokenizer's.
        unlimited: the ``model_max_length`` that means no limit.
        verbose: warn as v4 did.

    Returns:
        ``padding``, ``truncation`` and ``max_length`` for ``TFBertTokenizer.assemble_pieces``.

    Raises:
        ValueError: truncation and padding are both on and ``max_length`` is not a multiple
            of ``pad_to_multiple_of``.
    """
    if truncation is None:
        truncation = max_length is not None and padding is False
        if truncation and verbose:
            warnings.warn(
                "max_length is given without truncation: truncating to max_length "
                "('longest_first'), "
                "as transformers does; pass truncation explicitly to silence this",
                stacklevel=4,
            )
    limit = None if model_max_length >= unlimited else model_max_length
    pad_to_max = padding == "max_length"
    if max_length is None and (pad_to_max or truncation not in (False, "do_not_truncate")):
        max_length = limit
        if max_length is None:
            truncation = False
            padding = "longest" if pad_to_max else padding
    on = lambda value, off: value not in (False, None, off)  # noqa: E731
    if (
        on(truncation, "do_not_truncate")
        and on(padding, "do_not_pad")
        and pad_to_multiple_of
        and max_length
    ):
        if max_length % pad_to_multiple_of:
            raise ValueError(
                f"truncation and padding are both on, but max_length={max_length} is not a "
                f"multiple of "
                f"pad_to_multiple_of={pad_to_multiple_of}"
            )
    return {"padding": padding, "truncation": truncation, "max_length": max_length}
