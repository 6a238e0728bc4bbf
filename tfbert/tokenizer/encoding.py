"""Strings to WordPiece ids and character offsets, in graph, exactly as BertTokenizerFast.

A text is first cut at the added tokens matched on the raw text (``[MASK]`` and friends, and
any added token with ``normalized=False``; see :mod:`tfbert.tokenizer.added`). Each remaining
piece then takes one of two roads:

* plain printable ASCII in which no added token matched on normalised text can be found goes
  straight to tf-text's end-to-end ``FastWordpieceTokenizer`` (after ASCII lower-casing), where
  bytes and characters coincide and tf-text's splitting is BertPreTokenizer's;
* anything else is (without such added tokens) cut at ASCII whitespace, the plain ASCII words
  go the first road, and the rest are decoded to code points, normalised by the measured
  per-character table (:mod:`tfbert.tokenizer.normalization`), searched for the added tokens
  matched on normalised text, cut into words (at spaces, around punctuation and CJK
  ideographs; each added token found is one word), and each word given to a
  ``FastWordpieceTokenizer`` that does no splitting of its own; offsets are carried through as
  code point indices."""

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import tensorflow as tf
import tensorflow_text as tf_text

from tfbert.tokenizer.added import AddedMatcher, AddedToken
from tfbert.tokenizer.normalization import (
    SPACE,
    char_table,
    chinese_bounds,
    expand_rows,
    invert,
    normalize_code_points,
    normalize_text,
    row_ids,
)

PRINTABLE_ASCII = "[\t\n\r -~]*"


class Encoded(NamedTuple):
    """Ragged ``[batch, tokens]`` int32 ids and character offsets into each input string, and
    optionally each token's word: its index among the pre-tokenizer's words (the added tokens
    found, and the words cut at spaces, punctuation and CJK ideographs) as ``tokenizers``
    numbers them for ``word_ids()``."""

    ids: tf.RaggedTensor
    starts: tf.RaggedTensor
    ends: tf.RaggedTensor
    words: tf.RaggedTensor | None = None


class PieceEncoder(tf.Module):
    """Turns a 1-D string tensor into ids and offsets (no special tokens added).

    Args:
        vocab: the WordPiece vocabulary, index = id.
        unk_token: the unknown token; must be in ``vocab``.
        added: the added tokens (special ones included): those with ``normalized`` false are
            found in the raw text, the others in the normalised text, each with its
            ``lstrip``/``rstrip``/``single_word``; each ``content`` must be in ``vocab``.
        lowercase: ``do_lower_case``.
        strip_accents: effective ``strip_accents``.
        chinese: ``tokenize_chinese_chars``.
        max_chars: ``max_input_chars_per_word``; longer words become ``unk_token``.
        suffix: the continuing-subword prefix.
        model_vocab_size: ids from here on are added tokens only, never WordPiece pieces.
        split_special: special tokens in the text are text (transformers'
            ``split_special_tokens``).
    """

    def __init__(
        self,
        vocab: Sequence[str],
        unk_token: str,
        added: Sequence[AddedToken],
        lowercase: bool,
        strip_accents: bool,
        chinese: bool,
        max_chars: int = 100,
        suffix: str = "##",
        model_vocab_size: int | None = None,
        split_special: bool = False,
    ):
        super().__init__(name="piece_encoder")
        index = {token: i for i, token in enumerate(vocab)}
        self._unk = index[unk_token]
        self._lowercase = lowercase
        self._max_chars = max_chars
        # Eager tensors, captured by the traced graph rather than copied into it.
        self._table = tuple(tf.constant(a) for a in char_table(lowercase, strip_accents, chinese))
        size = len(vocab) if model_vocab_size is None else model_vocab_size
        # Past the WordPiece vocabulary, entries no word can spell (control characters never
        # reach WordPiece: ASCII words are printable, other words normalised).
        pieces = list(vocab[:size]) + [f"\x01{i}" for i in range(size, len(vocab))]
        common = dict(
            vocab=pieces, suffix_indicator=suffix, token_out_type=tf.int32, unknown_token=unk_token
        )
        self._ascii = tf_text.FastWordpieceTokenizer(max_bytes_per_word=max_chars, **common)
        self._words = tf_text.FastWordpieceTokenizer(
            max_bytes_per_word=4 * max_chars + 4, no_pretokenization=True, **common
        )
        lengths = np.array([len(t) for t in vocab], np.int32)
        self._head_chars = tf.constant(lengths)
        # Only continuing pieces are spelled "##...": no word starts with "#" (punctuation).
        self._suffix_piece = tf.constant([t.startswith(suffix) for t in pieces])
        self._tail_chars = tf.constant(
            np.where([t.startswith(suffix) for t in vocab], lengths - len(suffix), lengths).astype(
                np.int32
            )
        )
        # tokenizers finds the raw-text tokens first, then the normalised ones in what is left.
        raw = [t for t in added if not t.normalized and t.content]
        self._raw = None
        if raw:
            self._raw = AddedMatcher(
                [t.content for t in raw], [index[t.content] for t in raw], raw, split_special
            )
        normal = [
            (normalize_text(t.content, lowercase, strip_accents, chinese), t)
            for t in added
            if t.normalized
        ]
        normal = [(c, t) for c, t in normal if c]
        self._normal = self._chinese = None
        if normal and chinese:
            self._chinese = tf.constant(chinese_bounds())
        if normal:
            self._normal = AddedMatcher(
                [c for c, _ in normal],
                [index[t.content] for _, t in normal],
                [t for _, t in normal],
                split_special,
            )

    def __call__(self, texts: tf.Tensor, words: bool = False) -> Encoded:
        """Encodes a 1-D ``tf.string`` tensor; see :class:`Encoded` (``words`` only if asked)."""
        # RegexSplit stops at NUL; U+0001 is dropped by the normaliser just the same.
        texts = tf.strings.regex_replace(texts, "\\x00", "\x01")
        units, text_of, begin, special, overhang = self._units(texts)
        plain = special < 0
        ascii_ = plain & tf.strings.regex_full_match(units, PRINTABLE_ASCII)
        if self._normal is not None:  # units with an added token take the slow road
            lowered = tf.strings.lower(units) if self._lowercase else units
            lowered = tf.strings.regex_replace(lowered, "[\t\n\r]", " ")  # ASCII's normalisation
            ascii_ &= ~tf.strings.regex_full_match(lowered, self._normal.anywhere)
        groups = [tf.where(ascii_)[:, 0], tf.where(plain & ~ascii_)[:, 0], tf.where(~plain)[:, 0]]
        parts = [
            self._encode_ascii(tf.gather(units, groups[0])),
            self._encode_other(tf.gather(units, groups[1])),
            self._encode_special(
                tf.gather(units, groups[2]),
                tf.gather(special, groups[2]),
                tf.gather(overhang, groups[2]),
            ),
        ]
        # Each part is (ids, starts, ends, tokens per unit, characters per unit, word starts),
        # flat and in group order; put the tokens back in unit order with one gather.
        ids, starts, ends, counts, chars, word_start = (tf.concat(list(p), 0) for p in zip(*parts))
        inverse = invert(tf.concat(groups, 0))
        first = tf.gather(tf.cumsum(counts, exclusive=True), inverse)
        counts, chars = tf.gather(counts, inverse), tf.gather(chars, inverse)
        unit, position = expand_rows(counts)
        source = tf.gather(first, unit) + position
        # Offsets so far count characters from the start of each unit. A unit starts `begin`
        # bytes into its text; what lies between units is ASCII, so the characters before it
        # are `begin` less the surplus bytes of the units before it in the same text.
        surplus = tf.cumsum(tf.strings.length(units) - chars, exclusive=True)
        units_per_text = tf.math.unsorted_segment_sum(
            tf.ones_like(text_of), text_of, tf.size(texts)
        )
        first_of_text = tf.cumsum(
            units_per_text, exclusive=True
        )  # == size(units) for trailing empty texts
        text_surplus = tf.gather(tf.concat([surplus, [0]], 0), first_of_text)
        shift = tf.gather(begin - surplus + tf.gather(text_surplus, text_of), unit)
        per_text = tf.math.unsorted_segment_sum(counts, text_of, tf.size(texts))
        rows = lambda v: tf.RaggedTensor.from_row_lengths(
            v, tf.cast(per_text, tf.int64), validate=False
        )
        word = None
        if words:  # word index = word starts so far in the text, less one
            running = tf.cumsum(tf.gather(word_start, source))
            before = tf.gather(tf.concat([[0], running], 0), tf.cumsum(per_text, exclusive=True))
            word = rows(running - tf.gather(before, row_ids(rows(running))) - 1)
        return Encoded(
            rows(tf.gather(ids, source)),
            rows(tf.gather(starts, source) + shift),
            rows(tf.gather(ends, source) + shift),
            word,
        )

    def _units(self, texts):
        """Cuts texts into units: raw-text added tokens, and the text between them, where that
        text is not plain ASCII, further cut at ASCII whitespace (always a word break) so that
        only the words that need it take the slow road. With normalised added tokens (which
        can span words) the text between raw-text tokens is not cut.

        Returns:
            ``(units, text, begin, special, overhang)``: the unit strings in text order, the
            text each comes from, its byte offset there, its added token id (-1 if none) and
            the characters after it that token's offsets cover too (see ``Found``).
        """
        if self._raw is None:
            flat, text_of = texts, tf.range(tf.size(texts))
            piece_begin = tf.zeros_like(text_of)
            special = tf.fill(tf.shape(texts), -1)
            overhang = tf.zeros_like(text_of)
        else:
            flat, piece_begin, text_of, special, overhang = self._raw.find(texts)
        if self._normal is not None:
            return flat, text_of, piece_begin, special, overhang
        mixed = (special < 0) & ~tf.strings.regex_full_match(flat, PRINTABLE_ASCII)
        whole, cut = tf.where(~mixed)[:, 0], tf.where(mixed)[:, 0]
        chunks, chunk_begin, _ = tf_text.regex_split_with_offsets(
            tf.gather(flat, cut), "[ \t\n\r]+"
        )
        sizes = tf.tensor_scatter_nd_update(
            tf.ones_like(text_of), cut[:, tf.newaxis], tf.cast(chunks.row_lengths(), tf.int32)
        )
        first_unit = tf.cumsum(sizes, exclusive=True)
        chunk_row, chunk_position = expand_rows(tf.cast(chunks.row_lengths(), tf.int32))
        chunk_piece = tf.gather(cut, chunk_row)
        chunk_unit = tf.gather(first_unit, chunk_piece) + chunk_position
        order = invert(tf.concat([tf.gather(first_unit, whole), chunk_unit], 0))
        stitch = lambda whole_values, chunk_values: tf.gather(
            tf.concat([whole_values, chunk_values], 0), order
        )
        return (
            stitch(tf.gather(flat, whole), chunks.values),
            stitch(tf.gather(text_of, whole), tf.gather(text_of, chunk_piece)),
            stitch(
                tf.gather(piece_begin, whole),
                tf.gather(piece_begin, chunk_piece) + tf.cast(chunk_begin.values, tf.int32),
            ),
            stitch(tf.gather(special, whole), -tf.ones_like(chunk_unit)),
            stitch(tf.gather(overhang, whole), tf.zeros_like(chunk_unit)),
        )

    def _encode_ascii(self, texts):
        if self._lowercase:
            texts = tf.strings.lower(texts)
        ids, starts, ends = self._ascii.tokenize_with_offsets(texts)
        as_int = lambda t: tf.cast(t, tf.int32)
        counts = as_int(ids.row_lengths())
        first = tf.cast(~tf.gather(self._suffix_piece, ids.values), tf.int32)
        chars = tf.strings.length(texts)
        return ids.values, as_int(starts.values), as_int(ends.values), counts, chars, first

    def _encode_special(self, texts, ids, overhang):
        chars = tf.strings.length(texts, unit="UTF8_CHAR")
        ones = tf.ones_like(ids)
        return ids, tf.zeros_like(ids), chars + overhang, ones, chars, ones

    def _pad_chinese(self, normalized, isolated, source, code_points):
        """Writes out the spaces BertNormalizer puts around CJK ideographs (the table only marks
        them isolated), so that added tokens are looked for in the text ``tokenizers`` searches;
        the spaces come from the ideograph, as in ``tokenizers``' alignments."""
        original = tf.gather(code_points, source)
        padded = tf.math.floormod(tf.searchsorted(self._chinese, original, side="right"), 2) == 1
        at, position = expand_rows(tf.where(padded, 3, 1))
        space = tf.gather(padded, at) & (position != 1)
        return (
            tf.where(space, SPACE, tf.gather(normalized, at)),
            tf.gather(isolated, at) & ~space,
            tf.gather(source, at),
        )

    def _find_normalized(self, normalized, unit, units):
        """The normalised added tokens in each unit's normalised text.

        Args:
            normalized: the normalised code points of all units, in order.
            unit: the unit each comes from.
            units: the number of units.

        Returns:
            For each normalised character, the token id of the match it is part of (-1 if none),
            which match that is (-1 if none) and the match's ``Found.overhang`` (0 if none).
        """
        text = tf.strings.unicode_encode(
            tf.RaggedTensor.from_value_rowids(normalized, unit, nrows=units, validate=False),
            "UTF-8",
        )
        found = self._normal.find(text)
        at = tf.where(found.token >= 0)[:, 0]
        # Byte offsets in the texts to character positions in `normalized`.
        nbytes = 1 + tf.add_n([tf.cast(normalized >= b, tf.int32) for b in (0x80, 0x800, 0x10000)])
        char_byte = tf.cumsum(nbytes, exclusive=True)
        unit_byte = tf.cumsum(tf.math.unsorted_segment_sum(nbytes, unit, units), exclusive=True)
        start = tf.gather(tf.gather(unit_byte, found.owner) + found.begin, at)
        end = start + tf.gather(tf.strings.length(found.pieces), at)
        first, stop = tf.searchsorted(char_byte, start), tf.searchsorted(char_byte, end)
        overhang = tf.concat([tf.gather(found.overhang, at), [0]], 0)
        label = tf.range(1, tf.size(at) + 1)
        marks = tf.math.unsorted_segment_sum(
            tf.concat([label, -label], 0), tf.concat([first, stop], 0), tf.size(normalized) + 1
        )
        match = tf.cumsum(marks)[:-1] - 1
        tokens = tf.concat([tf.gather(found.token, at), [-1]], 0)  # and -1 outside matches
        of_match = tf.where(match >= 0, match, tf.size(at, tf.int32))
        return tf.gather(tokens, of_match), match, tf.gather(overhang, of_match)

    def _encode_other(self, texts):
        chars = tf.strings.unicode_decode(texts, "UTF-8", errors="replace")
        char_piece = row_ids(chars)
        normalized, isolated, source = normalize_code_points(chars.values, self._table)
        if self._chinese is not None:
            normalized, isolated, source = self._pad_chinese(
                normalized, isolated, source, chars.values
            )
        # Words: maximal runs of non-spaces inside one piece, isolated characters on their own;
        # an added token found in the normalised text is one word, spaces and all.
        keep = normalized != SPACE
        piece = tf.gather(char_piece, source)
        after_break = ~keep[:-1] | isolated[:-1] | isolated[1:] | (piece[1:] != piece[:-1])
        added_id = tf.fill(tf.shape(normalized), -1)
        overhang = tf.zeros_like(added_id)
        if self._normal is not None:
            added_id, match, overhang = self._find_normalized(normalized, piece, tf.size(texts))
            keep |= match >= 0
            either = (match[1:] >= 0) | (match[:-1] >= 0)
            after_break = tf.where(either, match[1:] != match[:-1], after_break)
        breaks = tf.concat([[True], after_break], 0)
        kept = tf.where(keep)[:, 0]
        word_starts = tf.cast(tf.gather(breaks, kept), tf.int32)
        word_of = tf.cumsum(word_starts) - 1
        word_lengths = tf.math.unsorted_segment_sum(
            tf.ones_like(word_of), word_of, tf.reduce_sum(word_starts)
        )
        words = tf.RaggedTensor.from_row_lengths(
            tf.gather(normalized, kept), word_lengths, validate=False
        )
        word_first = tf.cast(words.row_starts(), tf.int32)
        word_chars = tf.cast(words.row_lengths(), tf.int32)
        word_text = tf.strings.unicode_encode(words, "UTF-8")
        whole_id = tf.gather(tf.gather(added_id, kept), word_first)
        whole_overhang = tf.gather(tf.gather(overhang, kept), word_first)
        pieces = self._words.tokenize(word_text)
        # Words longer than max_chars are one [UNK], as in tokenizers' WordPiece; added tokens
        # one id.
        whole_id = tf.where((whole_id < 0) & (word_chars > self._max_chars), self._unk, whole_id)
        whole = whole_id >= 0
        counts = tf.where(whole, 1, tf.cast(pieces.row_lengths(), tf.int32))
        word, position = expand_rows(counts)
        at = tf.gather(tf.cast(pieces.row_starts(), tf.int32), word) + position
        whole_token = tf.gather(whole, word)
        ids = tf.where(
            whole_token,
            tf.gather(whole_id, word),
            tf.gather(pieces.values, tf.where(whole_token, 0, at)),
        )
        # Character spans inside the word from the vocabulary's token lengths.
        width = tf.where(
            position == 0, tf.gather(self._head_chars, ids), tf.gather(self._tail_chars, ids)
        )
        width = tf.where(whole_token | (ids == self._unk), tf.gather(word_chars, word), width)
        before = tf.cumsum(width, exclusive=True)
        first_token = tf.cumsum(counts, exclusive=True)
        offset_in_word = before - tf.gather(tf.gather(before, first_token), word)
        first = tf.gather(word_first, word) + offset_in_word
        original = tf.gather(source, kept)  # kept position -> index in chars.values
        local = original - tf.gather(
            tf.cast(chars.row_starts(), tf.int32), tf.gather(char_piece, original)
        )
        starts = tf.gather(local, first)
        reach = tf.where(
            whole_token, tf.gather(whole_overhang, word), 0
        )  # an rstrip overlapping the next token
        ends = tf.gather(local, first + width - 1 + reach) + 1
        token_piece = tf.gather(tf.gather(piece, kept), tf.gather(word_first, word))
        counts = tf.math.unsorted_segment_sum(
            tf.ones_like(token_piece), token_piece, tf.size(texts)
        )
        chars = tf.cast(chars.row_lengths(), tf.int32)
        return ids, starts, ends, counts, chars, tf.cast(position == 0, tf.int32)
