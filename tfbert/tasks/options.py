"""Which options a task takes, where, and the key of a graph-option set.

A task's options are of two kinds (see :class:`tfbert.tasks.base.Task`): graph options shape
the in-graph post-processing and tokenizer settings; format options act in Python. Both may be
given to ``tfbert.pipeline(...)`` (the pipeline's defaults) and to each call (that call only),
as transformers' pipelines take them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

import numpy as np

# what tfbert.pipeline(...) takes besides the task's own options
LOAD_OPTIONS = ("tokenizer", "device", "device_map", "dtype", "torch_dtype")
RUN_OPTIONS = ("batch_size",)  # also per call, as transformers' pipelines take it


def check_options(task, options: Iterable[str], where: str, extra: tuple[str, ...] = ()) -> None:
    """Raises for options ``task`` does not know.

    Args:
        task: A :class:`tfbert.tasks.base.Task`.
        options: The option names given.
        where: Where they were given, for the message (``"tfbert.pipeline(...)"``, ``"a call"``).
        extra: Further names accepted there (``batch_size``, ``device``, ...).

    Raises:
        ValueError: Names the unknown options, suggests close known names, and lists the known ones.

    Example:
        >>> from tfbert.tasks.registry import get_task
        >>> check_options(get_task("fill-mask"), ["top_k"], "a call")
        >>> check_options(get_task("fill-mask"), ["top_kk"], "a call")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: fill-mask does not take ['top_kk'] in a call (did you mean top_k?); ...
    """
    known = sorted(set(task.graph_options) | set(task.format_options) | set(extra))
    unknown = sorted(set(options) - set(known))
    if not unknown:
        return
    guesses = [match for name in unknown for match in difflib.get_close_matches(name, known, n=1)]
    hint = f" (did you mean {', '.join(guesses)}?)" if guesses else ""
    raise ValueError(
        f"{task.name} does not take {unknown} in {where}{hint}; it takes {', '.join(known)}"
    )


def graph_key(options: dict[str, Any]) -> tuple:
    """A hashable key of a graph-option set (lists become tuples), to cache one graph per set.

    Example:
        >>> graph_key({"targets": ["a", "b"], "top_k": 2})
        (('targets', ('a', 'b')), ('top_k', 2))
    """
    return tuple(sorted((name, _frozen(value)) for name, value in options.items()))


def _frozen(value):
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(map(repr, value)))
    if isinstance(value, dict):
        return graph_key(value)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


PADDINGS = (True, False, "longest", "max_length", "do_not_pad")
TRUNCATIONS = (True, False, "longest_first", "only_first", "do_not_truncate")  # one text: no pair


def positive(name: str, value: Any) -> int:
    """``value`` as an int; raises naming ``name`` unless it is a positive integer.

    Example:
        >>> positive("top_k", 0)
        Traceback (most recent call last):
        ...
        ValueError: top_k 0 must be a positive integer
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} {value!r} must be a positive integer")
    return int(value)


def count(name: str, value: Any) -> int:
    """``value`` as an int; raises naming ``name`` unless it is a non-negative integer."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} {value!r} must be a non-negative integer")
    return int(value)


def flag(name: str, value: Any) -> bool:
    """``value`` as a bool; raises naming ``name`` unless it is ``True`` or ``False``."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ValueError(f"{name} {value!r} must be True or False")


def length_option(options: dict[str, Any]) -> dict[str, int]:
    """Pops ``max_length`` from ``options``: ``{"max_length": n}`` or ``{}`` when absent."""
    max_length = options.pop("max_length", None)
    return {} if max_length is None else {"max_length": positive("max_length", max_length)}


def tokenizer_kwargs(options: dict[str, Any]) -> dict[str, Any]:
    """``max_length`` and the tokenizer arguments transformers' pipeline passes on: ``truncation``;
    ``padding`` is checked and changes nothing (each batch is padded and masked anyway).

    Raises:
        ValueError: A ``truncation`` or ``padding`` value transformers does not take.
    """
    kwargs = length_option(options)
    if "truncation" in options:
        truncation = options.pop("truncation")
        known = (truncation is v if isinstance(v, bool) else truncation == v for v in TRUNCATIONS)
        if not any(known):
            raise ValueError(
                f"truncation {truncation!r} is not one of {', '.join(map(repr, TRUNCATIONS))}"
            )
        kwargs["truncation"] = truncation
    padding = options.pop("padding", True)
    if padding not in PADDINGS:
        raise ValueError(f"padding {padding!r} is not one of {', '.join(map(repr, PADDINGS))}")
    return kwargs
