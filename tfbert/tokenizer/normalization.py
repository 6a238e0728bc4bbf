"""BertNormalizer + BertPreTokenizer as one per-code-point table, applied in graph.

Everything BertTokenizerFast does before WordPiece acts on one character at a time: clean-up
(control characters dropped, whitespace made a space), Chinese characters padded with spaces,
NFD with accents stripped, lower-casing, and punctuation isolated. So each code point maps to a
fixed sequence of code points, with spaces where words must break. The table is measured from
``tokenizers`` itself (see :mod:`tfbert.tokenizer.tables`) and held as a dense ``int32`` array
over all of Unicode, so applying it is one gather per character.
"""

import functools
from typing import NamedTuple

import numpy as np
import tensorflow as tf

from tfbert.tokenizer.tables import unicode_table

SPACE = 0x20
NUM_CODE_POINTS = 0x110000
# Flag bit on table values: this character is a word of its own (punctuation, CJK).
ISOLATED = 1 << 21


class CharTable(NamedTuple):
    """What each code point becomes.

    ``packed[c] == -1`` means "itself, unchanged, part of a word" (most of Unicode); otherwise
    code point ``c`` becomes ``values[start:start + length]`` with
    ``packed[c] == start << 2 | length`` (``length`` is 0 to 3), each value a code point plus
    :data:`ISOLATED` when it is a word of its own.
    """

    packed: np.ndarray
    values: np.ndarray


@functools.lru_cache(maxsize=1)
def _measured():
    return unicode_table()


@functools.lru_cache(maxsize=8)
def char_table(lowercase: bool, strip_accents: bool, chinese: bool) -> CharTable:
    """Builds the code point table for one set of BertNormalizer options.

    Args:
        lowercase: ``do_lower_case``.
        strip_accents: the effective ``strip_accents`` (``None`` already resolved to
            ``lowercase``, as BertNormalizer does).
        chinese: ``tokenize_chinese_chars``.

    Returns:
        A :class:`CharTable`; whitespace comes out as a space, punctuation and (with
        ``chinese``) CJK ideographs flagged :data:`ISOLATED`, so that cutting at spaces and
        around isolated characters gives BertPreTokenizer's words.
    """
    measured = _measured()
    changed = measured["normalized"][f"{int(lowercase)},{int(strip_accents)}"]
    punctuation = frozenset(measured["punctuation"])
    padded = frozenset(measured["chinese"]) if chinese else frozenset()
    packed = np.full(NUM_CODE_POINTS, -1, np.int32)
    values = []
    for c in sorted(set(changed) | punctuation | padded):
        out = [
            ord(ch) | (ISOLATED if ord(ch) in punctuation or c in padded else 0)
            for ch in changed.get(c, chr(c))
        ]
        if out != [c]:
            assert len(out) <= 3, (c, out)
            packed[c] = len(values) << 2 | len(out)
            values += out
    return CharTable(packed, np.asarray(values, np.int32))


def normalize_text(text: str, lowercase: bool, strip_accents: bool, chinese: bool) -> str:
    """BertNormalizer on a Python string, from the measured table (for added tokens' contents)."""
    measured = _measured()
    changed = measured["normalized"][f"{int(lowercase)},{int(strip_accents)}"]
    padded = frozenset(measured["chinese"]) if chinese else frozenset()
    return "".join(
        (" " + changed.get(ord(ch), ch) + " ") if ord(ch) in padded else changed.get(ord(ch), ch)
        for ch in text
    )


def chinese_bounds() -> np.ndarray:
    """The code points BertNormalizer pads with spaces (``tokenize_chinese_chars``) as sorted
    range bounds: ``c`` is one iff an odd number of bounds are ``<= c``."""
    bounds = []
    for c in sorted(_measured()["chinese"]):
        if bounds and bounds[-1] == c:
            bounds[-1] = c + 1
        else:
            bounds += [c, c + 1]
    return np.asarray(bounds, np.int32)


def expand_rows(lengths: tf.Tensor):
    """For rows of the given lengths laid end to end: each element's row and position in it.

    Args:
        lengths: 1-D int32, the length of each row.

    Returns:
        ``(row, position)``, two 1-D int32 tensors of length ``sum(lengths)``.
    """
    # Linear in the total (tf.repeat costs the longest row times the number of rows): mark
    # where each non-empty row starts with the step in row number, then add up.
    starts = tf.cumsum(lengths, exclusive=True)
    total = tf.reduce_sum(lengths)
    filled = tf.cast(tf.where(lengths > 0)[:, 0], tf.int32)
    step = filled - tf.concat([[0], filled[:-1]], 0)
    marks = tf.math.unsorted_segment_sum(step, tf.gather(starts, filled), total)
    row = tf.cumsum(marks)
    position = tf.range(total) - tf.gather(starts, row)
    return row, position


def row_ids(ragged: tf.RaggedTensor) -> tf.Tensor:
    """``ragged.value_rowids()`` as int32, linear in the number of values (see
    :func:`expand_rows`)."""
    return expand_rows(tf.cast(ragged.row_lengths(), tf.int32))[0]


def invert(order: tf.Tensor) -> tf.Tensor:
    """The inverse of a permutation (``tf.math.invert_permutation``, with ops TFLite has)."""
    order = tf.cast(order, tf.int32)
    return tf.math.unsorted_segment_sum(tf.range(tf.size(order)), order, tf.size(order))


def normalize_code_points(code_points: tf.Tensor, table: CharTable):
    """Applies a :class:`CharTable` to a flat run of code points.

    Args:
        code_points: 1-D int32 code points.
        table: from :func:`char_table`, as numpy arrays or (better, created once outside the
            graph and captured) tensors.

    Returns:
        ``(normalized, isolated, source)``: the normalised code points (spaces mark word
        breaks), whether each is a word of its own, and the index in ``code_points`` of the
        character it came from.
    """
    packed, values = table
    entry = tf.gather(packed, code_points)
    lengths = tf.where(entry >= 0, tf.math.floormod(entry, 4), 1)

    def one_to_one():  # the usual case: nothing dropped or expanded
        return tf.range(tf.size(code_points)), tf.zeros_like(code_points), entry, code_points

    def expanded():
        source, position = expand_rows(lengths)
        return source, position, tf.gather(entry, source), tf.gather(code_points, source)

    source, position, entry, original = tf.cond(tf.reduce_all(lengths == 1), one_to_one, expanded)
    replaced = tf.gather(values, tf.maximum(tf.bitwise.right_shift(entry, 2), 0) + position)
    value = tf.where(entry >= 0, replaced, original)
    return tf.math.floormod(value, ISOLATED), value >= ISOLATED, source
