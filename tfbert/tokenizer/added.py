"""Added tokens found in strings, in graph, as ``tokenizers``' ``AddedVocabulary`` finds them.

``tokenizers`` looks for the contents of all added tokens at once, leftmost-longest (an
Aho-Corasick automaton), and for each match found:

* ``single_word``: drops the match unless the characters just before and after it are not
  word characters (Unicode ``\\w``) or the string's edges; the text it covered stays text and no
  other token is looked for inside it;
* ``encode_special_tokens`` (transformers' ``split_special_tokens``): drops every match of a
  special token, in the same way;
* ``lstrip`` / ``rstrip``: widens the match over the whitespace (Unicode ``\\s``) before / after
  it, not into the previous match; the token's offsets then cover that whitespace.

Here one RE2 alternation does the search: the contents sorted longest first, so at the leftmost
position the longest one wins. ``single_word`` is then checked on the neighbouring pieces,
dropped matches are joined back to the text around them, and the stripping tokens take the
whitespace from the text beside them.
"""

import functools
from collections.abc import Sequence
from typing import NamedTuple

import tensorflow as tf
import tensorflow_text as tf_text

from tfbert.tokenizer.normalization import row_ids
from tfbert.tokenizer.tables import space_ranges, word_ranges


class AddedToken(NamedTuple):
    """One added token as ``tokenizers`` describes it (``tokenizer.json``'s ``added_tokens``)."""

    content: str
    special: bool = False
    normalized: bool = True
    lstrip: bool = False
    rstrip: bool = False
    single_word: bool = False


def literal(text: str) -> str:
    """An RE2 pattern matching ``text`` exactly (every character not an ASCII letter or digit
    written as ``\\x{...}``)."""
    return "".join(c if c.isascii() and c.isalnum() else f"\\x{{{ord(c):x}}}" for c in text)


def _char_class(ranges) -> str:
    """An RE2 class of half-open code point ranges."""
    return (
        "["
        + "".join(f"\\x{{{a:x}}}" + (f"-\\x{{{b - 1:x}}}" if b - 1 > a else "") for a, b in ranges)
        + "]"
    )


@functools.cache
def word_class() -> str:
    """RE2 class of ``tokenizers``' word characters (measured; see ``_match_gen.py``)."""
    return _char_class(word_ranges())


@functools.cache
def space_class() -> str:
    """RE2 class of ``tokenizers``' whitespace for ``lstrip``/``rstrip``."""
    return _char_class(space_ranges())


def _before(values, edge):
    """Each element's predecessor (``edge`` for the first), empty inputs included."""
    return tf.concat([[edge], values], 0)[:-1]


def _space_length(strings, edge, unit="BYTE"):
    """Length of the whitespace each string starts (``edge="^"``) or ends (``"$"``) with."""
    pattern = "^" + space_class() + "+" if edge == "^" else space_class() + "+$"
    length = lambda s: tf.strings.length(s, unit=unit)
    return length(strings) - length(tf.strings.regex_replace(strings, pattern, ""))


def _after(values, edge):
    """Each element's successor (``edge`` for the last)."""
    return tf.concat([values, [edge]], 0)[1:]


class Found(NamedTuple):
    """Strings cut at the added tokens in them, flat, in string order.

    ``pieces`` are the cuts (a token with any whitespace it strips, or the text between
    tokens), ``begin`` their byte offsets in their string, ``owner`` the string each comes from,
    ``token`` the token id of a token piece (-1 for text) and ``overhang`` how many characters
    after its piece the token's offsets cover too: an ``rstrip`` token right before a token
    whose contents start with whitespace strips that whitespace as well, and ``tokenizers``
    lets the two share it.
    """

    pieces: tf.Tensor
    begin: tf.Tensor
    owner: tf.Tensor
    token: tf.Tensor
    overhang: tf.Tensor


class AddedMatcher:
    """Finds one set of added tokens (``contents`` as they appear in the searched strings).

    Args:
        contents: the text each token matches.
        ids: their ids.
        tokens: their :class:`AddedToken` flags (``lstrip``, ``rstrip``, ``single_word``).
        split_special: drop every match of a special token (``tokenizers``'
            ``encode_special_tokens``, transformers' ``split_special_tokens``), leaving it text.

    Example:
        >>> import tensorflow as tf
        >>> flags = [AddedToken("new york", lstrip=True), AddedToken("ww", single_word=True)]
        >>> matcher = AddedMatcher(["new york", "ww"], [7, 8], flags)
        >>> found = matcher.find(tf.constant(["to  new york", "www ww"]))
        >>> [p.decode() for p in found.pieces.numpy()], found.token.numpy().tolist()
        (['to', '  new york', 'www ', 'ww'], [-1, 7, -1, 8])
    """

    def __init__(
        self,
        contents: Sequence[str],
        ids: Sequence[int],
        tokens: Sequence[AddedToken],
        split_special: bool = False,
    ):
        order = sorted(range(len(contents)), key=lambda i: (-len(contents[i]), contents[i]))
        self._contents = [contents[i] for i in order]
        self._ids = tf.constant([ids[i] for i in order], tf.int32)
        flags = [tokens[i] for i in order]
        # Per token, then a last entry for "text".
        self._lstrip = tf.constant([t.lstrip for t in flags] + [False])
        self._rstrip = tf.constant([t.rstrip for t in flags] + [False])
        self._single = tf.constant([t.single_word for t in flags] + [False])
        self._never = tf.constant([split_special and t.special for t in flags] + [False])
        self.pattern = "|".join(literal(c) for c in self._contents)
        #: Matches strings that hold a token's contents somewhere.
        self.anywhere = "(?s).*(?:" + self.pattern + ").*"
        self._stripping = any(t.lstrip or t.rstrip for t in flags)
        self._dropping = any(t.single_word or (split_special and t.special) for t in flags)

    def find(self, strings: tf.Tensor) -> Found:
        """Cuts a 1-D string tensor at its added tokens; see :class:`Found`."""
        pieces, begin, _ = tf_text.regex_split_with_offsets(strings, self.pattern, self.pattern)
        owner = row_ids(pieces)
        pieces, begin = pieces.flat_values, tf.cast(begin.flat_values, tf.int32)
        matches = tf.equal(pieces[:, tf.newaxis], tf.constant(self._contents)[tf.newaxis])
        which = tf.where(
            tf.reduce_any(matches, 1),
            tf.cast(tf.argmax(tf.cast(matches, tf.int32), 1), tf.int32),
            -1,
        )
        if self._dropping:
            which = self._drop(pieces, owner, which)
        if self._dropping or self._stripping:
            # One text piece for each run of text and dropped matches.
            kept = which >= 0
            starts = (owner != _before(owner, -1)) | kept | _before(kept, False)
            group = tf.cumsum(tf.cast(starts, tf.int32)) - 1
            pieces = tf.strings.unsorted_segment_join(
                pieces, group, tf.reduce_sum(tf.cast(starts, tf.int32))
            )
            at = tf.cast(tf.where(starts)[:, 0], tf.int32)
            begin, owner, which = tf.gather(begin, at), tf.gather(owner, at), tf.gather(which, at)
        overhang = tf.zeros_like(which)
        if self._stripping:
            pieces, begin, owner, which = self._strip(pieces, begin, owner, which)
            overhang = self._overhang(pieces, owner, which)
        token = tf.where(which >= 0, tf.gather(self._ids, tf.maximum(which, 0)), -1)
        return Found(pieces, begin, owner, token, overhang)

    def _drop(self, pieces, owner, which):
        """Drops ``single_word`` matches with a word character just before or after them, and
        with ``split_special`` every match of a special token."""
        is_word = lambda chars: tf.strings.regex_full_match(chars, word_class())
        ends_word = is_word(tf.strings.substr(pieces, -1, 1, unit="UTF8_CHAR"))
        starts_word = is_word(tf.strings.substr(pieces, 0, 1, unit="UTF8_CHAR"))
        before = (owner == _before(owner, -1)) & _before(ends_word, False)
        after = (owner == _after(owner, -1)) & _after(starts_word, False)
        index = tf.where(which >= 0, which, tf.size(self._single) - 1)
        drop = (tf.gather(self._single, index) & (before | after)) | tf.gather(self._never, index)
        return tf.where(drop, -1, which)

    def _overhang(self, pieces, owner, which):
        """``Found.overhang``: for an ``rstrip`` match right before another match, the
        whitespace that one starts with."""
        index = tf.where(which >= 0, which, tf.size(self._rstrip) - 1)
        lead = _space_length(pieces, "^", "UTF8_CHAR")
        before_match = (owner == _after(owner, -1)) & _after(which >= 0, False)
        return tf.where(tf.gather(self._rstrip, index) & before_match, _after(lead, 0), 0)

    def _strip(self, pieces, begin, owner, which):
        """Moves whitespace from text pieces into the ``lstrip``/``rstrip`` matches beside them.

        A match with ``rstrip`` takes the whitespace the text after it starts with; one with
        ``lstrip`` the whitespace the text before it ends with, less what a match before
        that text took already. Text pieces left empty are dropped.
        """
        index = tf.where(which >= 0, which, tf.size(self._lstrip) - 1)
        is_text = which < 0
        same_before, same_after = owner == _before(owner, -1), owner == _after(owner, -1)
        takes_after = same_after & _after(tf.gather(self._lstrip, index), False) & is_text
        takes_before = same_before & _before(tf.gather(self._rstrip, index), False) & is_text
        size = tf.strings.length(pieces)
        # Bytes of each text piece going to the match before it, and to the match after it.
        head = tf.where(takes_before, _space_length(pieces, "^"), 0)
        tail = tf.where(takes_after, tf.minimum(_space_length(pieces, "$"), size - head), 0)
        prefix = tf.where(
            same_before, _before(tf.strings.substr(pieces, size - tail, tail), ""), ""
        )
        suffix = tf.where(
            same_after, _after(tf.strings.substr(pieces, tf.zeros_like(head), head), ""), ""
        )
        middle = tf.strings.substr(pieces, head, size - head - tail)
        pieces = tf.where(is_text, middle, tf.strings.join([prefix, pieces, suffix]))
        begin = tf.where(is_text, begin + head, begin - tf.strings.length(prefix))
        keep = tf.where(tf.strings.length(pieces) > 0)[:, 0]
        return tuple(tf.gather(v, keep) for v in (pieces, begin, owner, which))
