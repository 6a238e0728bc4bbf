"""Strings to WordPiece ids and character offsets, in graph, exactly as BertTokenizerFast.

A text is first cut at the special tokens written in it (``[MASK]`` and friends are matched on
the raw text, leftmost-longest, like ``tokenizers``' added vocabulary). Each remaining piece
then takes one of two roads:

* plain printable ASCII goes straight to tf-text's end-to-end ``FastWordpieceTokenizer``
  (after ASCII lower-casing), where bytes and characters coincide and tf-text's splitting is
  BertPreTokenizer's;
* anything else is decoded to code points, normalised by the measured per-character table
  (:mod:`tfbert.tokenizer.normalization`), cut into words at spaces, and each word given to a
  ``FastWordpieceTokenizer`` that does no splitting of its own; offsets are carried through
  as code point indices.
"""

import re
from typing import NamedTuple, Sequence

import numpy as np
import tensorflow as tf
import tensorflow_text as tf_text

from tfbert.tokenizer.normalization import SPACE, char_table, expand_rows, normalize_code_points

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
        self._table = char_table(lowercase, strip_accents, chinese)
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
        whole = sorted({t for t in keep_whole if t})
        self._pattern = special_pattern(whole) if whole else None
        if whole:
            self._special = tf.lookup.StaticHashTable(
                tf.lookup.KeyValueTensorInitializer(
                    tf.constant(whole), tf.constant([index[t] for t in whole], tf.int32)
                ),
                default_value=-1,
            )

    def __call__(self, texts: tf.Tensor) -> Encoded:
        """Encodes a 1-D ``tf.string`` tensor; see :class:`Encoded`."""
        if self._pattern is None:
            pieces = tf.RaggedTensor.from_tensor(texts[:, tf.newaxis])
            special = tf.fill(tf.shape(texts), -1)
        else:
            # RegexSplit stops at NUL; U+0001 is dropped by the normaliser just the same.
            texts = tf.strings.regex_replace(texts, "\\x00", "\x01")
            pieces, _, _ = tf_text.regex_split_with_offsets(texts, self._pattern, self._pattern)
            special = self._special.lookup(pieces.flat_values)
        flat = pieces.flat_values
        ascii_ = (special < 0) & tf.strings.regex_full_match(flat, PRINTABLE_ASCII)
        groups = [tf.where(ascii_)[:, 0], tf.where((special < 0) & ~ascii_)[:, 0], tf.where(special >= 0)[:, 0]]
        parts = [
            self._encode_ascii(tf.gather(flat, groups[0])),
            self._encode_other(tf.gather(flat, groups[1])),
            self._encode_special(tf.gather(flat, groups[2]), tf.gather(special, groups[2])),
        ]
        inverse = tf.math.invert_permutation(tf.concat(groups, 0))
        ids, starts, ends, chars = (tf.gather(tf.concat(list(p), 0), inverse) for p in zip(*parts))
        # Offsets so far count from the start of each piece; shift them to the start of the text.
        ends_in_text = tf.cumsum(chars)
        row_base = tf.gather(tf.concat([[0], ends_in_text], 0), pieces.row_starts())
        shift = tf.cast(ends_in_text - chars - tf.gather(row_base, pieces.value_rowids()), tf.int32)
        starts, ends = starts + shift[:, tf.newaxis], ends + shift[:, tf.newaxis]
        per_text = lambda r: tf.RaggedTensor.from_row_splits(r, pieces.row_splits).merge_dims(1, 2)
        return Encoded(per_text(ids), per_text(starts), per_text(ends))

    def _encode_ascii(self, texts):
        if self._lowercase:
            texts = tf.strings.lower(texts)
        ids, starts, ends = self._ascii.tokenize_with_offsets(texts)
        as_int = lambda r: tf.cast(r, tf.int32)
        return ids, as_int(starts), as_int(ends), tf.strings.length(texts, unit="BYTE")

    def _encode_special(self, texts, ids):
        column = lambda v: tf.RaggedTensor.from_tensor(v[:, tf.newaxis])
        chars = tf.strings.length(texts, unit="UTF8_CHAR")
        return column(ids), column(tf.zeros_like(ids)), column(chars), chars

    def _encode_other(self, texts):
        chars = tf.strings.unicode_decode(texts, "UTF-8", errors="replace")
        char_piece = tf.cast(chars.value_rowids(), tf.int32)
        normalized, source = normalize_code_points(chars.values, self._table)
        # Words: maximal runs of non-spaces inside one piece.
        keep = normalized != SPACE
        piece = tf.gather(char_piece, source)
        breaks = tf.concat([[True], ~keep[:-1] | (piece[1:] != piece[:-1])], 0)
        kept = tf.where(keep)[:, 0]
        word_starts = tf.cast(tf.gather(breaks, kept), tf.int32)
        words = tf.RaggedTensor.from_value_rowids(
            tf.gather(normalized, kept), tf.cumsum(word_starts) - 1, nrows=tf.reduce_sum(word_starts)
        )
        word_first = tf.cast(words.row_starts(), tf.int32)
        word_chars = tf.cast(words.row_lengths(), tf.int32)
        pieces = self._words.tokenize(tf.strings.unicode_encode(words, "UTF-8"))
        # Words longer than max_chars are one [UNK], as in tokenizers' WordPiece.
        too_long = word_chars > self._max_chars
        counts = tf.where(too_long, 1, tf.cast(pieces.row_lengths(), tf.int32))
        word, position = expand_rows(counts)
        at = tf.gather(tf.cast(pieces.row_starts(), tf.int32), word) + position
        long_token = tf.gather(too_long, word)
        ids = tf.where(long_token, self._unk, tf.gather(pieces.values, tf.where(long_token, 0, at)))
        # Character spans inside the word from the vocabulary's token lengths.
        width = tf.where(position == 0, tf.gather(self._head_chars, ids), tf.gather(self._tail_chars, ids))
        width = tf.where(ids == self._unk, tf.gather(word_chars, word), width)
        before = tf.cumsum(width, exclusive=True)
        first_token = tf.cumsum(counts, exclusive=True)
        offset_in_word = before - tf.gather(tf.gather(before, first_token), word)
        first = tf.gather(word_first, word) + offset_in_word
        original = tf.gather(source, kept)  # kept position -> index in chars.values
        local = original - tf.gather(tf.cast(chars.row_starts(), tf.int32), tf.gather(char_piece, original))
        starts = tf.gather(local, first)
        ends = tf.gather(local, first + width - 1) + 1
        token_piece = tf.gather(tf.gather(piece, kept), tf.gather(word_first, word))
        n = tf.shape(texts, out_type=tf.int64)[0]
        rag = lambda v: tf.RaggedTensor.from_value_rowids(v, tf.cast(token_piece, tf.int64), nrows=n)
        return rag(ids), rag(starts), rag(ends), tf.cast(chars.row_lengths(), tf.int32)
