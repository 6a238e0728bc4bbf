"""Added tokens found in strings, in graph, as ``tokenizers``' ``AddedVocabulary`` finds them.

``tokenizers`` looks for the contents of all added tokens at once, leftmost-longest (an
Aho-Corasick automaton), and for each match found:

* ``single_word``: drops the match unless the characters just before and after it are not
  word characters (Unicode ``\\w``) or the string's edges; the text it covered stays text and no
  other token is looked for inside it;
* ``lstrip`` / ``rstrip``: widens the match over the whitespace (Unicode ``\\s``) before / after
  it, not into the previous match; the token's offsets then cover that whitespace.

Here one RE2 alternation does the search: the contents sorted longest first, so at the leftmost
position the longest one wins, with ``\\s*`` before / after the contents of stripping tokens
(greedy, so it takes the same whitespace). ``single_word`` is then checked on the neighbouring
pieces, and dropped matches are joined back to the text around them.
"""

import functools
from typing import NamedTuple, Sequence

import tensorflow as tf
import tensorflow_text as tf_text

from tfbert.tokenizer import _match_data
from tfbert.tokenizer.normalization import row_ids


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
    return "[" + "".join(f"\\x{{{a:x}}}" + (f"-\\x{{{b:x}}}" if b > a else "") for a, b in ranges) + "]"


@functools.lru_cache(maxsize=None)
def word_class() -> str:
    """RE2 class of ``tokenizers``' word characters (measured; see ``_match_gen.py``)."""
    return _char_class(_match_data.WORD)


@functools.lru_cache(maxsize=None)
def space_class() -> str:
    """RE2 class of ``tokenizers``' whitespace for ``lstrip``/``rstrip``."""
    return _char_class(_match_data.SPACE)


class Found(NamedTuple):
    """Strings cut at the added tokens in them, flat, in string order.

    ``pieces`` are the cuts (a token with any whitespace it strips, or the text between
    tokens), ``begin`` their byte offsets in their string, ``owner`` the string each comes from
    and ``token`` the token id of a token piece (-1 for text).
    """

    pieces: tf.Tensor
    begin: tf.Tensor
    owner: tf.Tensor
    token: tf.Tensor


class AddedMatcher:
    """Finds one set of added tokens (``contents`` as they appear in the searched strings).

    Args:
        contents: the text each token matches.
        ids: their ids.
        tokens: their :class:`AddedToken` flags (``lstrip``, ``rstrip``, ``single_word``).
    """

    def __init__(self, contents: Sequence[str], ids: Sequence[int], tokens: Sequence[AddedToken]):
        order = sorted(range(len(contents)), key=lambda i: (-len(contents[i]), contents[i]))
        self._contents = [contents[i] for i in order]
        self._ids = tf.constant([ids[i] for i in order], tf.int32)
        self._flags = [tokens[i] for i in order]
        space = space_class()
        self._alternatives = [
            (space + "*" if t.lstrip else "") + literal(c) + (space + "*" if t.rstrip else "")
            for c, t in zip(self._contents, self._flags)
        ]
        self.pattern = "|".join(self._alternatives)
        #: Matches strings that hold a token's contents somewhere.
        self.anywhere = "(?s).*(?:" + "|".join(literal(c) for c in self._contents) + ").*"
        self._stripping = any(t.lstrip or t.rstrip for t in self._flags)
        self._single_word = any(t.single_word for t in self._flags)

    def find(self, strings: tf.Tensor) -> Found:
        """Cuts a 1-D string tensor at its added tokens; see :class:`Found`."""
        pieces, begin, _ = tf_text.regex_split_with_offsets(strings, self.pattern, self.pattern)
        owner = row_ids(pieces)
        pieces, begin = pieces.flat_values, tf.cast(begin.flat_values, tf.int32)
        which = self._identify(pieces)
        if self._single_word:
            which = self._drop_joined_words(pieces, owner, which)
            # Join each dropped match with the text around it.
            kept = which >= 0
            first = tf.concat([[True], owner[1:] != owner[:-1]], 0)
            starts = first | kept | tf.concat([[False], kept[:-1]], 0)
            group = tf.cumsum(tf.cast(starts, tf.int32)) - 1
            count = tf.reduce_sum(tf.cast(starts, tf.int32))
            pieces = tf.strings.unsorted_segment_join(pieces, group, count)
            at = tf.cast(tf.where(starts)[:, 0], tf.int32)
            begin, owner, which = tf.gather(begin, at), tf.gather(owner, at), tf.gather(which, at)
        token = tf.where(which >= 0, tf.gather(self._ids, tf.maximum(which, 0)), -1)
        return Found(pieces, begin, owner, token)

    def _identify(self, pieces):
        """Which token (index in the sorted order) each piece is, or -1 for text."""
        if self._stripping:
            hits = [tf.strings.regex_full_match(pieces, a) for a in self._alternatives]
            hits = tf.stack(hits, 1) if hits else tf.zeros([tf.size(pieces), 0], tf.bool)
        else:
            hits = tf.equal(pieces[:, tf.newaxis], tf.constant(self._contents)[tf.newaxis])
        hits = tf.concat([hits, tf.ones_like(hits[:, :1])], 1)  # a last column: "text"
        which = tf.cast(tf.argmax(tf.cast(hits, tf.int32), 1), tf.int32)
        return tf.where(which == len(self._contents), -1, which)

    def _drop_joined_words(self, pieces, owner, which):
        """Drops ``single_word`` matches with a word character just before or after them."""
        word = word_class()
        is_word = lambda chars: tf.strings.regex_full_match(chars, word)
        ends_word = is_word(tf.strings.substr(pieces, -1, 1, unit="UTF8_CHAR"))
        starts_word = is_word(tf.strings.substr(pieces, 0, 1, unit="UTF8_CHAR"))
        same_before = tf.concat([[False], owner[1:] == owner[:-1]], 0)
        same_after = tf.concat([owner[1:] == owner[:-1], [False]], 0)
        before = same_before & tf.concat([[False], ends_word[:-1]], 0)
        after = same_after & tf.concat([starts_word[1:], [False]], 0)
        index = tf.maximum(which, 0)
        if self._stripping:
            # Whitespace a match took in front of (behind) its contents is the character
            # before (after) them, and that is no word character.
            lead = lambda p: tf.strings.length(p) - tf.strings.length(
                tf.strings.regex_replace(p, "^" + space_class() + "+", "")
            )
            trail = lambda p: tf.strings.length(p) - tf.strings.length(
                tf.strings.regex_replace(p, space_class() + "+$", "")
            )
            contents = tf.gather(tf.constant(self._contents), index)
            before &= lead(pieces) <= lead(contents)
            after &= trail(pieces) <= trail(contents)
        single = tf.gather(tf.constant([t.single_word for t in self._flags] + [False]), index)
        drop = (which >= 0) & single & (before | after)
        return tf.where(drop, -1, which)
