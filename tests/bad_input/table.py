"""The bad-input table: one row per case, its input and its expected outcome.

A row's ``call`` takes no arguments. ``expect`` is either ``("ok", checker)``, where ``checker``
receives the call's result and asserts on it (or returns ``False`` to fail the row), or
``(ExceptionType, [words])``: the call must raise that type (or a subclass) with every word in
its message (case-insensitive).
"""

from collections import namedtuple
from typing import Any

import pytest

Row = namedtuple("Row", ["id", "call", "expect"])


def check(row: Row) -> Any:
    """Runs ``row.call`` and asserts its outcome is ``row.expect``; returns the result or error."""
    kind, detail = row.expect
    if kind == "ok":
        result = row.call()
        # A checker asserts, or returns a bool: False fails the row as an assertion would.
        if detail is not None:
            assert detail(result) is not False, f"{row.id}: unexpected result {result!r}"
        return result
    with pytest.raises(kind) as info:
        row.call()
    message = str(info.value).lower()
    missing = [word for word in detail if word.lower() not in message]
    assert not missing, f"{row.id}: message lacks {missing}: {info.value}"
    return info.value


def params(rows: list[Row]) -> list[Any]:
    """``pytest.param`` per row with the row's id, for ``@pytest.mark.parametrize("row", ...)``."""
    return [pytest.param(row, id=row.id) for row in rows]


__all__ = ["Row", "check", "params"]
