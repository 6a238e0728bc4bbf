"""BertNormalizer + BertPreTokenizer as one per-code-point table, applied in graph.

Everything BertTokenizerFast does before WordPiece acts on one character at a time: clean-up
(control characters dropped, whitespace made a space), Chinese characters padded with spaces,
NFD with accents stripped, lower-casing, and punctuation isolated. So each code point maps to a
fixed sequence of code points, with spaces where words must break. The table is measured from
``tokenizers`` itself (see ``_unicode_gen.py``) and held as a dense ``int32`` array over all of
Unicode, so applying it is one gather per character.
"""

import functools
from typing import NamedTuple

import numpy as np
import tensorflow as tf

from tfbert.tokenizer import _unicode_data, _unicode_gen

SPACE = 0x20
NUM_CODE_POINTS = 0x110000


class CharTable(NamedTuple):
    """What each code point becomes: ``values[splits[i]:splits[i + 1]]`` for ``index[c] == i``.

    ``index[c] == -1`` means "itself, unchanged", which is most of Unicode.
    """

    index: np.ndarray
    values: np.ndarray
    splits: np.ndarray


@functools.lru_cache(maxsize=1)
def _measured():
    return _unicode_gen.decode(_unicode_data.BLOB)


@functools.lru_cache(maxsize=8)
def char_table(lowercase: bool, strip_accents: bool, chinese: bool) -> CharTable:
    """Builds the code point table for one set of BertNormalizer options.

    Args:
        lowercase: ``do_lower_case``.
        strip_accents: the effective ``strip_accents`` (``None`` already resolved to
            ``lowercase``, as BertNormalizer does).
        chinese: ``tokenize_chinese_chars``.

    Returns:
        A :class:`CharTable`; punctuation comes out as ``" p "`` and Chinese characters as
        ``" c "``, so that splitting the result on spaces gives BertPreTokenizer's words.
    """
    measured = _measured()
    changed = measured["normalized"][f"{int(lowercase)},{int(strip_accents)}"]
    punctuation = frozenset(measured["punctuation"])
    padded = frozenset(measured["chinese"]) if chinese else frozenset()
    index = np.full(NUM_CODE_POINTS, -1, np.int32)
    values, splits = [], [0]
    for c in sorted(set(changed) | punctuation | padded):
        out = []
        for ch in changed.get(c, chr(c)):
            out += [SPACE, ord(ch), SPACE] if ord(ch) in punctuation else [ord(ch)]
        if c in padded:
            out = [SPACE, *out, SPACE]
        if out != [c]:
            index[c] = len(splits) - 1
            values += out
            splits.append(len(values))
    return CharTable(index, np.asarray(values, np.int32), np.asarray(splits, np.int32))


def expand_rows(lengths: tf.Tensor):
    """For rows of the given lengths laid end to end: each element's row and position in it.

    Args:
        lengths: 1-D int32, the length of each row.

    Returns:
        ``(row, position)``, two 1-D int32 tensors of length ``sum(lengths)``.
    """
    row = tf.repeat(tf.range(tf.size(lengths)), lengths)
    starts = tf.cumsum(lengths, exclusive=True)
    position = tf.range(tf.size(row)) - tf.gather(starts, row)
    return row, position


def normalize_code_points(code_points: tf.Tensor, table: CharTable):
    """Applies a :class:`CharTable` to a flat run of code points.

    Args:
        code_points: 1-D int32 code points.
        table: from :func:`char_table`.

    Returns:
        ``(normalized, source)``: the normalised code points (spaces mark word breaks) and, for
        each, the index in ``code_points`` of the character it came from.
    """
    index = tf.constant(table.index)
    values = tf.constant(table.values)
    splits = tf.constant(table.splits)
    entry = tf.gather(index, code_points)
    mapped = entry >= 0
    entry = tf.maximum(entry, 0)
    starts = tf.gather(splits, entry)
    lengths = tf.where(mapped, tf.gather(splits, entry + 1) - starts, 1)
    source, position = expand_rows(lengths)
    replaced = tf.gather(values, tf.gather(starts, source) + position)
    normalized = tf.where(tf.gather(mapped, source), replaced, tf.gather(code_points, source))
    return normalized, source
