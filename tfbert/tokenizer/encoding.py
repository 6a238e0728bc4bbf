"""Strings to WordPiece ids and character offsets, in graph, exactly as BertTokenizerFast.

A text is first cut at the special tokens written in it (``[MASK]`` and friends are matched on
the raw text, leftmost-longest, like ``tokenizers``' added vocabulary). Each remaining piece
then takes one of two roads:

* plain printable ASCII goes straight to tf-text's end-to-end ``FastWordpieceTokenizer``
  (after ASCII lower-casing), where bytes and characters coincide and tf-text's splitting is
  BertPreTokenizer's;
* anything else is cut at ASCII whitespace, the plain ASCII words go the first road, and the
  rest are decoded to code points, normalised by the measured per-character table
  (:mod:`tfbert.tokenizer.normalization`), cut into words (at spaces, around punctuation and
  CJK ideographs, and at added tokens), and each word given to a ``FastWordpieceTokenizer``
  that does no splitting of its own; offsets are carried through as code point indices.
"""

import re
from typing import NamedTuple, Sequence

import numpy as np
import tensorflow as tf
import tensorflow_text as tf_text

from tfbert.tokenizer.normalization import (
    SPACE,
    char_table,
    expand_rows,
    invert,
    is_word,
    normalize_code_points,
    normalize_text,
    row_ids,
)

PRINTABLE_ASCII = "[\t\n\r -~]*"


class Encoded(NamedTuple):
    """Ragged ``[batch, tokens]`` int32 ids and character offsets into each input string."""

    ids: tf.RaggedTensor
    starts: tf.RaggedTensor
    ends: tf.RaggedTensor


def special_pattern(tokens: Sequence[str]) -> str:
    """An RE2 pattern matching any of ``tokens``, longest first (so leftmost-longest)."""
    ordered = sorted(set(tokens), key=lambda t: (-len(t), t))
    return "|".join(re.escape(t) for t in ordered)


class PieceEncoder(tf.Module):
    """Turns a 1-D string tensor into ids and offsets (no special tokens added).

    Args:
        vocab: the WordPiece vocabulary, index = id.
        unk_token: the unknown token; must be in ``vocab``.
        keep_whole: tokens kept whole wherever they appear in the raw text (special tokens).
        added: tokens matched on the normalised text (``tokenizers``' added tokens with
            ``normalized=True``); each must normalise to a single word.
        lowercase: ``do_lower_case``.
        strip_accents: effective ``strip_accents``.
        chinese: ``tokenize_chinese_chars``.
        max_chars: ``max_input_chars_per_word``; longer words become ``unk_token``.
        suffix: the continuing-subword prefix.
    """

    def __init__(
        self,
        vocab: Sequence[str],
        unk_token: str,
        keep_whole: Sequence[str],
        added: Sequence[str],
        lowercase: bool,
        strip_accents: bool,
        chinese: bool,
        max_chars: int = 100,
        suffix: str = "##",
    ):
        super().__init__(name="piece_encoder")
        index = {token: i for i, token in enumerate(vocab)}
        self._unk = index[unk_token]
        self._lowercase = lowercase
        self._max_chars = max_chars
        # Eager tensors, captured by the traced graph rather than copied into it.
        self._table = tuple(tf.constant(a) for a in char_table(lowercase, strip_accents, chinese))
        common = dict(
            vocab=list(vocab), suffix_indicator=suffix, token_out_type=tf.int32, unknown_token=unk_token
        )
        self._ascii = tf_text.FastWordpieceTokenizer(max_bytes_per_word=max_chars, **common)
        self._words = tf_text.FastWordpieceTokenizer(
            max_bytes_per_word=4 * max_chars + 4, no_pretokenization=True, **common
        )
        lengths = np.array([len(t) for t in vocab], np.int32)
        self._head_chars = tf.constant(lengths)
        self._tail_chars = tf.constant(
            np.where([t.startswith(suffix) for t in vocab], lengths - len(suffix), lengths).astype(np.int32)
        )
        # Added tokens are matched after normalisation, like tokenizers' normalized trie.
        normal = {normalize_text(t, lowercase, strip_accents, chinese): index[t] for t in added}
        for token, content in zip(added, normal):
            if not is_word(content):
                raise ValueError(
                    f"added token {token!r} normalises to {content!r}, which is not one word; "
                    "TFBertTokenizer matches added tokens without spaces, punctuation or CJK only"
                )
        self._added_pattern = special_pattern(normal) if normal else None
        if normal:
            self._added_tokens = tf.constant(list(normal))
            self._added_ids = tf.constant(list(normal.values()), tf.int32)
        whole = sorted({t for t in keep_whole if t})
        self._pattern = special_pattern(whole) if whole else None
        if whole:
            self._special_tokens = tf.constant(whole)
            self._special_ids = tf.constant([index[t] for t in whole], tf.int32)

    def __call__(self, texts: tf.Tensor) -> Encoded:
        """Encodes a 1-D ``tf.string`` tensor; see :class:`Encoded`."""
        # RegexSplit stops at NUL; U+0001 is dropped by the normaliser just the same.
        texts = tf.strings.regex_replace(texts, "\\x00", "\x01")
        units, text_of, begin, special = self._units(texts)
        plain = special < 0
        ascii_ = plain & tf.strings.regex_full_match(units, PRINTABLE_ASCII)
        if self._added_pattern is not None:  # units with an added token take the slow road
            lowered = tf.strings.lower(units) if self._lowercase else units
            ascii_ &= ~tf.strings.regex_full_match(lowered, f"(?s).*(?:{self._added_pattern}).*")
        groups = [tf.where(ascii_)[:, 0], tf.where(plain & ~ascii_)[:, 0], tf.where(~plain)[:, 0]]
        parts = [
            self._encode_ascii(tf.gather(units, groups[0])),
            self._encode_other(tf.gather(units, groups[1])),
            self._encode_special(tf.gather(units, groups[2]), tf.gather(special, groups[2])),
        ]
        # Each part is (ids, starts, ends, tokens per unit, characters per unit), flat and in
        # group order; put the tokens back in unit order with one gather.
        ids, starts, ends, counts, chars = (tf.concat(list(p), 0) for p in zip(*parts))
        inverse = invert(tf.concat(groups, 0))
        first = tf.gather(tf.cumsum(counts, exclusive=True), inverse)
        counts, chars = tf.gather(counts, inverse), tf.gather(chars, inverse)
        unit, position = expand_rows(counts)
        source = tf.gather(first, unit) + position
        # Offsets so far count characters from the start of each unit. A unit starts `begin`
        # bytes into its text; what lies between units is ASCII, so the characters before it
        # are `begin` less the surplus bytes of the units before it in the same text.
        surplus = tf.cumsum(tf.strings.length(units) - chars, exclusive=True)
        units_per_text = tf.math.unsorted_segment_sum(tf.ones_like(text_of), text_of, tf.size(texts))
        first_of_text = tf.cumsum(units_per_text, exclusive=True)  # == size(units) for trailing empty texts
        text_surplus = tf.gather(tf.concat([surplus, [0]], 0), first_of_text)
        shift = tf.gather(begin - surplus + tf.gather(text_surplus, text_of), unit)
        per_text = tf.math.unsorted_segment_sum(counts, text_of, tf.size(texts))
        rows = lambda v: tf.RaggedTensor.from_row_lengths(v, tf.cast(per_text, tf.int64), validate=False)
        return Encoded(
            rows(tf.gather(ids, source)),
            rows(tf.gather(starts, source) + shift),
            rows(tf.gather(ends, source) + shift),
        )

    def _units(self, texts):
        """Cuts texts into units: special tokens, and the text between them, where that text is
        not plain ASCII, further cut at ASCII whitespace (always a word break) so that only the
        words that need it take the slow road.

        Returns:
            ``(units, text, begin, special)``: the unit strings in text order, the text each
            comes from, its byte offset there, and its special token id (-1 if none).
        """
        if self._pattern is None:
            pieces = tf.RaggedTensor.from_uniform_row_length(texts, 1)
            piece_begin = tf.zeros_like(texts, tf.int64)
            special = tf.fill(tf.shape(texts), -1)
        else:
            pieces, piece_begin, _ = tf_text.regex_split_with_offsets(texts, self._pattern, self._pattern)
            piece_begin = piece_begin.flat_values
            matches = tf.equal(pieces.flat_values[:, tf.newaxis], self._special_tokens[tf.newaxis])
            special = tf.reduce_max(tf.where(matches, self._special_ids, -1), axis=1)
        flat = pieces.flat_values
        text_of = row_ids(pieces)
        mixed = (special < 0) & ~tf.strings.regex_full_match(flat, PRINTABLE_ASCII)
        whole, cut = tf.where(~mixed)[:, 0], tf.where(mixed)[:, 0]
        chunks, chunk_begin, _ = tf_text.regex_split_with_offsets(tf.gather(flat, cut), "[ \t\n\r]+")
        sizes = tf.tensor_scatter_nd_update(
            tf.ones_like(text_of), cut[:, tf.newaxis], tf.cast(chunks.row_lengths(), tf.int32)
        )
        first_unit = tf.cumsum(sizes, exclusive=True)
        chunk_row, chunk_position = expand_rows(tf.cast(chunks.row_lengths(), tf.int32))
        chunk_piece = tf.gather(cut, chunk_row)
        chunk_unit = tf.gather(first_unit, chunk_piece) + chunk_position
        order = invert(tf.concat([tf.gather(first_unit, whole), chunk_unit], 0))
        stitch = lambda whole_values, chunk_values: tf.gather(tf.concat([whole_values, chunk_values], 0), order)
        return (
            stitch(tf.gather(flat, whole), chunks.values),
            stitch(tf.gather(text_of, whole), tf.gather(text_of, chunk_piece)),
            tf.cast(
                stitch(tf.gather(piece_begin, whole), tf.gather(piece_begin, chunk_piece) + chunk_begin.values),
                tf.int32,
            ),
            stitch(tf.gather(special, whole), -tf.ones_like(chunk_unit)),
        )

    def _encode_ascii(self, texts):
        if self._lowercase:
            texts = tf.strings.lower(texts)
        ids, starts, ends = self._ascii.tokenize_with_offsets(texts)
        as_int = lambda t: tf.cast(t, tf.int32)
        counts = as_int(ids.row_lengths())
        return ids.values, as_int(starts.values), as_int(ends.values), counts, tf.strings.length(texts)

    def _encode_special(self, texts, ids):
        chars = tf.strings.length(texts, unit="UTF8_CHAR")
        return ids, tf.zeros_like(ids), chars, tf.ones_like(ids), chars

    def _split_added(self, word_first, word_text):
        """Cuts words at the added tokens in them (leftmost-longest); each cut is a word."""
        subs, _, _ = tf_text.regex_split_with_offsets(word_text, self._added_pattern, self._added_pattern)
        text = subs.values
        chars = tf.strings.length(text, unit="UTF8_CHAR")
        of_word = row_ids(subs)
        before = tf.cumsum(chars, exclusive=True)
        first_sub = tf.cast(subs.row_starts(), tf.int32)
        within = before - tf.gather(tf.gather(tf.concat([before, [0]], 0), first_sub), of_word)
        matches = tf.equal(text[:, tf.newaxis], self._added_tokens[tf.newaxis])
        added_id = tf.reduce_max(tf.where(matches, self._added_ids, -1), axis=1)
        return tf.gather(word_first, of_word) + within, chars, text, added_id

    def _encode_other(self, texts):
        chars = tf.strings.unicode_decode(texts, "UTF-8", errors="replace")
        char_piece = row_ids(chars)
        normalized, isolated, source = normalize_code_points(chars.values, self._table)
        # Words: maximal runs of non-spaces inside one piece, isolated characters on their own.
        keep = normalized != SPACE
        piece = tf.gather(char_piece, source)
        after_break = ~keep[:-1] | isolated[:-1] | isolated[1:] | (piece[1:] != piece[:-1])
        breaks = tf.concat([[True], after_break], 0)
        kept = tf.where(keep)[:, 0]
        word_starts = tf.cast(tf.gather(breaks, kept), tf.int32)
        word_of = tf.cumsum(word_starts) - 1
        word_lengths = tf.math.unsorted_segment_sum(tf.ones_like(word_of), word_of, tf.reduce_sum(word_starts))
        words = tf.RaggedTensor.from_row_lengths(tf.gather(normalized, kept), word_lengths, validate=False)
        word_first = tf.cast(words.row_starts(), tf.int32)
        word_chars = tf.cast(words.row_lengths(), tf.int32)
        word_text = tf.strings.unicode_encode(words, "UTF-8")
        whole_id = tf.fill(tf.shape(word_text), -1)
        if self._added_pattern is not None:
            word_first, word_chars, word_text, whole_id = self._split_added(word_first, word_text)
        pieces = self._words.tokenize(word_text)
        # Words longer than max_chars are one [UNK], as in tokenizers' WordPiece; added tokens one id.
        whole_id = tf.where((whole_id < 0) & (word_chars > self._max_chars), self._unk, whole_id)
        whole = whole_id >= 0
        counts = tf.where(whole, 1, tf.cast(pieces.row_lengths(), tf.int32))
        word, position = expand_rows(counts)
        at = tf.gather(tf.cast(pieces.row_starts(), tf.int32), word) + position
        whole_token = tf.gather(whole, word)
        ids = tf.where(whole_token, tf.gather(whole_id, word), tf.gather(pieces.values, tf.where(whole_token, 0, at)))
        # Character spans inside the word from the vocabulary's token lengths.
        width = tf.where(position == 0, tf.gather(self._head_chars, ids), tf.gather(self._tail_chars, ids))
        width = tf.where(whole_token | (ids == self._unk), tf.gather(word_chars, word), width)
        before = tf.cumsum(width, exclusive=True)
        first_token = tf.cumsum(counts, exclusive=True)
        offset_in_word = before - tf.gather(tf.gather(before, first_token), word)
        first = tf.gather(word_first, word) + offset_in_word
        original = tf.gather(source, kept)  # kept position -> index in chars.values
        local = original - tf.gather(tf.cast(chars.row_starts(), tf.int32), tf.gather(char_piece, original))
        starts = tf.gather(local, first)
        ends = tf.gather(local, first + width - 1) + 1
        token_piece = tf.gather(tf.gather(piece, kept), tf.gather(word_first, word))
        counts = tf.math.unsorted_segment_sum(tf.ones_like(token_piece), token_piece, tf.size(texts))
        return ids, starts, ends, counts, tf.cast(chars.row_lengths(), tf.int32)
