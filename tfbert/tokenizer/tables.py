"""The measured Unicode tables, read for the tokenizer at run time.

``_unicode_data.py`` (what BertNormalizer and BertPreTokenizer do to each code point) and
``_match_data.py`` (which code points added-token matching takes as word characters and as
spaces) are measured from ``tokenizers`` by their generators, ``python -m
tfbert.tokenizer._unicode_gen`` and ``python -m tfbert.tokenizer._match_gen``; each records the
``tokenizers`` version it was measured with (``TOKENIZERS_VERSION``), which the test extra of
``pyproject.toml`` pins and a test checks. The runtime reads the tables through this module and
never imports a generator.

Every code point range in both tables is half-open, ``(start, stop)`` holding
``start <= c < stop``, as Python's ``range``.
"""

from __future__ import annotations

import base64
import itertools
import json
import zlib
from typing import Any

from tfbert.tokenizer import _match_data, _unicode_data

Ranges = tuple[tuple[int, int], ...]


def decode(blob: str) -> dict[str, Any]:
    """Unpacks the ``_unicode_data.BLOB`` format (the inverse of the generator's ``encode``).

    Args:
        blob: base85 text of the zlib-compressed JSON payload.

    Returns:
        ``{"normalized": {"lower,strip": {code point: its normalised text}}, "punctuation":
        [code points], "chinese": [code points]}``, code points as ints.

    Example:
        >>> table = decode(_unicode_data.BLOB)
        >>> sorted(table), table["normalized"]["1,0"][ord("A")]
        (['chinese', 'normalized', 'punctuation'], 'a')
    """
    payload = json.loads(zlib.decompress(base64.b85decode(blob)).decode("utf-8"))
    normalized = {}
    for key, part in payload["normalized"].items():
        changed = {c: "" for start, stop in part["removed"] for c in range(start, stop)}
        points = itertools.accumulate(part["delta"])
        replacements = part["replacement"].split("\x01") if part["delta"] else []
        changed.update(zip(points, replacements))
        normalized[key] = changed
    table: dict[str, Any] = {"normalized": normalized}
    for key in ("punctuation", "chinese"):
        table[key] = [c for start, stop in payload[key] for c in range(start, stop)]
    return table


def unicode_table() -> dict[str, Any]:
    """The shipped per-code-point table (:func:`decode` of ``_unicode_data.BLOB``)."""
    return decode(_unicode_data.BLOB)


def word_ranges() -> Ranges:
    """Half-open ranges of the characters ``tokenizers`` takes as word characters (``\\w``)."""
    return _match_data.WORD


def space_ranges() -> Ranges:
    """Half-open ranges of the characters ``tokenizers`` takes as spaces (``\\s``)."""
    return _match_data.SPACE
