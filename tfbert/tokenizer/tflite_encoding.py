"""A TFLite-only encode and decode path for a :class:`TFBertTokenizer` (``.tflite`` exports).

:class:`TFBertTokenizer` matches ``BertTokenizerFast`` exactly with TensorFlow string ops
(``RegexSplitWithOffsets``, ``UnicodeDecode``, ``StringLower``, ...) that have no TFLite kernel.
:class:`TFLiteTextOps` does the same job with tf-text's TFLite kernels and dense integer
arithmetic only, so a strings-in ``.tflite`` runs without TensorFlow select (Flex) ops:

* ``FastBertNormalize`` (lower-case, NFD, strip accents; control characters to spaces) with its
  byte offsets back into the raw text;
* ``FastWordpieceTokenizeWithOffsets`` end to end (it splits at whitespace, punctuation and CJK
  ideographs, as ``BertPreTokenizer`` does);
* ``ByteSplitWithOffsets`` for the raw bytes: special tokens written in the text (``[MASK]``) are
  found by comparing bytes at token starts and their pieces collapsed into the special id, and
  byte offsets are turned into character offsets by counting UTF-8 lead bytes;
* the tokenizer's own assembly (:func:`tfbert.tokenizer.assembly.assemble`: pairs, truncation,
  overflow windows, padding), whose ops are all TFLite builtins (``RaggedTensorToTensor`` runs on
  tf-text's kernel);
* decoding by per-token lookup tables and ``NgramsStringJoin``, and substrings by
  ``ByteSplitByOffsets``.

Known differences from ``BertTokenizerFast`` (measured in ``export/README.md``): the normaliser
is tf-text's, not ``tokenizers``' -- it turns ``…`` into ``...`` and other compatibility
characters (``²``, ``ﬁ``, full-width forms) into their NFKD forms and ``ß`` into ``ss``, makes
control characters and NUL spaces where BERT drops them (so ``a\\x01b`` is two words, not one),
makes each invalid UTF-8 byte ``[UNK]`` where BERT drops it, and keeps private-use and
unassigned code points; words are cut to ``[UNK]`` above ``max_input_chars_per_word`` *bytes*, not
characters; a special token is recognised only where it starts a token (always so for ``[...]``
tokens, which start with punctuation).
"""

from __future__ import annotations

import tensorflow as tf
import tensorflow_text as tf_text
from tensorflow_text.python.ops.ngrams_op import gen_ngrams_op

from tfbert.tokenizer.decoding import SUFFIX, decoded_pieces
from tfbert.tokenizer.encoding import Encoded
from tfbert.tokenizer.normalization import row_ids


def _flat_index(ragged: tf.RaggedTensor) -> tf.Tensor:
    """Where each row of ``ragged`` starts in its flat values, as int32."""
    return tf.cast(ragged.row_starts(), tf.int32)


class TFLiteTextOps(tf.Module):
    """A :class:`TFBertTokenizer`'s encoding and decoding with TFLite kernels only.

    Args:
        tokenizer: The ``TFBertTokenizer`` whose vocabulary, special tokens and options to use.
        max_length: The longest row :meth:`batch_decode` joins (default: the tokenizer's
            ``model_max_length``, else 512).

    Raises:
        ValueError: Options tf-text's kernels cannot follow: ``do_lower_case`` without
            ``strip_accents`` (or the reverse), ``tokenize_chinese_chars=False``, added
            (non-special) tokens, or special tokens with ``normalized``, ``lstrip``, ``rstrip``
            or ``single_word``.

    Example:
        >>> import tensorflow as tf
        >>> from tfbert import TFBertTokenizer
        >>> from tfbert.tasks import default_model_path
        >>> tokenizer = TFBertTokenizer.from_pretrained(default_model_path())
        >>> ops = TFLiteTextOps(tokenizer)
        >>> texts = tf.constant(["Plants create [MASK] through photosynthesis."])
        >>> ids = ops.encode(texts)["input_ids"].numpy().tolist()
        >>> ids == tokenizer(texts)["input_ids"].numpy().tolist()
        True
        >>> ops.batch_decode(tf.ragged.constant([[4264, 3443, 1012]])).numpy().tolist()
        [b'plants create.']
    """

    def __init__(self, tokenizer, max_length: int | None = None):
        super().__init__(name="tflite_text_ops")
        options = tokenizer.options
        lower = options["do_lower_case"]
        strip = lower if options["strip_accents"] is None else bool(options["strip_accents"])
        if lower != strip:
            raise ValueError(
                f"do_lower_case={lower} with strip_accents={options['strip_accents']}: "
                f"tf-text's FastBertNormalizer lower-cases and strips accents together or not "
                f"at all"
            )
        if not options["tokenize_chinese_chars"]:
            raise ValueError(
                "tokenize_chinese_chars=False: tf-text's FastWordpieceTokenizer always "
                "splits CJK ideographs"
            )
        added = tokenizer.added_vocabulary  # every token matched whole
        unusual = [
            t.content
            for t in added
            if not t.special or t.normalized or t.lstrip or t.rstrip or t.single_word
        ]
        if unusual:
            raise ValueError(
                f"added tokens {unusual}: the TFLite encoder keeps only special tokens "
                f"matched on the raw text (no normalized, lstrip, rstrip or single_word) whole"
            )
        self.tokenizer = tokenizer
        vocab = list(tokenizer.vocab)
        self.max_length = int(max_length or options["model_max_length"] or 512)
        self._normalizer = tf_text.FastBertNormalizer(lower_case_nfd_strip_accents=lower)
        self._wordpiece = tf_text.FastWordpieceTokenizer(
            vocab=vocab[: tokenizer.model_vocab_size],  # the ids after: added tokens only
            suffix_indicator=SUFFIX,
            token_out_type=tf.int32,
            unknown_token=tokenizer.special_tokens["unk_token"],
            max_bytes_per_word=options["max_input_chars_per_word"],
        )
        self._bytes = tf_text.ByteSplitter()
        whole = [] if options["split_special_tokens"] else [t.content for t in added]
        # Longest first: at one start, the longest special token wins (leftmost-longest).
        self._special = sorted(
            ((t.encode("utf-8"), tokenizer.token_to_id(t)) for t in set(whole)),
            key=lambda s: -len(s[0]),
        )

        # Decoding tables, one entry per id plus a last one ("") for padding: the WordPiece
        # decoder's form of each token as a text's first piece, then as a later piece, in one
        # string table (strings have no select).
        tokens = tf.constant(vocab)
        first, later = (
            decoded_pieces(tokens, tf.fill([len(vocab)], follows)).numpy().tolist()
            for follows in (False, True)
        )
        self._pieces = tf.constant(first + [b""] + later + [b""])
        self.skipped_special_ids = tokenizer.skipped_special_ids  # what skip_special_tokens drops
        skipped = set(tokenizer.skipped_special_ids.numpy().tolist())
        self._is_special = tf.constant([i in skipped for i in range(len(vocab))] + [True])
        self._padding_id = len(vocab)

    # ------------------------------------------------------------------------------ encoding

    def encode_texts(self, texts: tf.Tensor) -> Encoded:
        """WordPiece ids and character offsets of a 1-D ``tf.string`` batch, no special tokens
        added (:class:`tfbert.tokenizer.encoding.Encoded`, ragged)."""
        normalized, to_raw = self._normalizer.normalize_with_offsets(texts)
        pieces, starts, ends = self._wordpiece.tokenize_with_offsets(normalized)
        row = row_ids(pieces)
        base = tf.gather(_flat_index(to_raw), row)
        to_raw_flat = tf.cast(to_raw.values, tf.int32)
        start = tf.gather(to_raw_flat, base + tf.cast(starts.values, tf.int32))  # raw byte offsets
        # (past the token's last byte's source, not at the next byte's source: accents stripped
        # after a token are not part of it, as in tokenizers)
        end = tf.gather(to_raw_flat, base + tf.cast(ends.values, tf.int32) - 1) + 1
        ids = pieces.values

        raw, _, _ = self._bytes.split_with_offsets(texts)
        raw_bytes = tf.cast(raw.values, tf.int32)
        text_start = tf.gather(_flat_index(raw), row)
        text_bytes = tf.gather(tf.cast(raw.row_lengths(), tf.int32), row)
        past = tf.size(raw_bytes)
        padded = tf.concat([raw_bytes, [-1]], 0)  # index `past` reads -1, matching no byte

        # Special tokens written in the text: the bytes at a token's start spell one.
        found = tf.fill(tf.shape(ids), -1)
        found_end = end
        for token, token_id in self._special:
            reach = start[:, tf.newaxis] + tf.range(len(token))[tf.newaxis]
            at = tf.where(
                reach < text_bytes[:, tf.newaxis], text_start[:, tf.newaxis] + reach, past
            )
            spelled = tf.gather(padded, at) == tf.constant(list(token), tf.int32)[tf.newaxis]
            hit = (tf.reduce_min(tf.cast(spelled, tf.int32), axis=1) > 0) & (found < 0)
            found = tf.where(hit, token_id, found)
            found_end = tf.where(hit, start + len(token), found_end)
        # The pieces after a special token's first that lie inside it are dropped.
        hit = found >= 0
        hits = tf.cast(tf.where(hit)[:, 0], tf.int32)
        last_hit = tf.cumsum(tf.cast(hit, tf.int32)) - 1
        owner = tf.gather(tf.concat([hits, [0]], 0), tf.maximum(last_hit, 0))
        inside = (
            (last_hit >= 0)
            & ~hit
            & (tf.gather(row, owner) == row)
            & (start < tf.gather(found_end, owner))
        )
        keep = tf.cast(tf.where(~inside)[:, 0], tf.int32)
        ids = tf.gather(tf.where(hit, found, ids), keep)
        start, end = tf.gather(start, keep), tf.gather(tf.where(hit, found_end, end), keep)
        row = tf.gather(row, keep)

        # Byte offsets to character offsets: count the UTF-8 lead bytes before them.
        lead = tf.cast((raw_bytes < 0x80) | (raw_bytes >= 0xC0), tf.int32)
        chars_before = tf.concat([tf.cumsum(lead, exclusive=True), [tf.reduce_sum(lead)]], 0)
        first_byte = tf.gather(_flat_index(raw), row)
        chars = lambda offset: (
            tf.gather(chars_before, first_byte + offset) - tf.gather(chars_before, first_byte)
        )  # noqa: E731
        counts = tf.math.unsorted_segment_sum(tf.ones_like(row), row, tf.size(texts))
        rows = lambda v: tf.RaggedTensor.from_row_lengths(
            v, tf.cast(counts, tf.int64), validate=False
        )  # noqa: E731
        return Encoded(rows(ids), rows(chars(start)), rows(chars(end)))

    def encode(self, text, text_pair=None, **options) -> dict:
        """Model inputs for ``text`` (and ``text_pair``), laid out as ``TFBertTokenizer.__call__``
        lays them out with the same ``options`` (``max_length``, ``truncation``, ``padding``,
        ``stride``, the ``return_*`` flags)."""
        a = self.encode_texts(text)
        b = None if text_pair is None else self.encode_texts(text_pair)
        return self.tokenizer.inputs_from_pieces(a, b, **options)

    # ------------------------------------------------------------------------------ decoding

    def batch_decode(self, ids, skip_special_tokens: bool = False) -> tf.Tensor:
        """Rows of ids to text, as ``TFBertTokenizer.batch_decode`` without text-level clean-up.

        Args:
            ids: ``[batch, tokens]`` ids, ragged or dense, each row at most ``max_length`` long.
            skip_special_tokens: Drop special tokens.

        Returns:
            A 1-D ``tf.string`` tensor.
        """
        if isinstance(ids, tf.RaggedTensor):
            ids = ids.to_tensor(self._padding_id, shape=[None, self.max_length])
        else:
            ids = tf.pad(
                ids,
                [[0, 0], [0, self.max_length - tf.shape(ids)[1]]],
                constant_values=self._padding_id,
            )
        ids = tf.cast(ids, tf.int32)
        shown = ids < self._padding_id
        if skip_special_tokens:
            shown &= ~tf.gather(self._is_special, ids)
        ids = tf.where(shown, ids, self._padding_id)
        first = tf.equal(tf.cumsum(tf.cast(shown, tf.int32), axis=1), 1) & shown
        pieces = tf.gather(self._pieces, tf.where(first, ids, ids + self._padding_id + 1))
        # The op itself: tf_text.ngrams also builds a sliding window of `max_length` slices.
        joined, _ = gen_ngrams_op.tf_text_ngrams_string_join(
            input_values=pieces,
            input_row_splits=[],
            width=self.max_length,
            axis=-1,
            string_separator="",
        )
        return tf.reshape(joined, [-1])

    def continues_word(self, ids: tf.Tensor) -> tf.Tensor:
        """Whether each id is a word-continuing piece: the tokenizer's
        :meth:`~tfbert.tokenizer.layer.TFBertTokenizer.continues_word` (a table lookup)."""
        return self.tokenizer.continues_word(ids)

    def substrings(self, texts: tf.Tensor, start: tf.Tensor, end: tf.Tensor) -> tf.Tensor:
        """``texts[i][start[i]:end[i]]`` in characters (code points), with ``ByteSplitByOffsets``.

        Args:
            texts: 1-D ``tf.string``.
            start, end: 1-D int32 character offsets, one pair per text.
        """
        raw, _, _ = self._bytes.split_with_offsets(texts)
        raw_bytes = tf.cast(raw.values, tf.int32)
        lead = (raw_bytes < 0x80) | (raw_bytes >= 0xC0)
        byte_of_char = tf.cast(tf.where(lead)[:, 0], tf.int32)  # flat byte index of each character
        char_row = tf.gather(row_ids(raw), byte_of_char)
        chars = tf.math.unsorted_segment_sum(tf.ones_like(char_row), char_row, tf.size(texts))
        first_char = tf.cumsum(chars, exclusive=True)
        text_bytes = tf.cast(raw.row_lengths(), tf.int32)
        first_byte = _flat_index(raw)

        def to_byte(offset):
            at = first_char + offset
            inside = offset < chars
            flat = tf.gather(
                tf.concat([byte_of_char, [0]], 0), tf.where(inside, at, tf.size(byte_of_char))
            )
            return tf.where(inside, flat - first_byte, text_bytes)

        begin, stop = to_byte(tf.cast(start, tf.int32)), to_byte(tf.cast(end, tf.int32))
        one_each = tf.range(tf.size(texts, out_type=tf.int64) + 1)  # (uniform rows need FloorDiv)
        cut = self._bytes.split_by_offsets(
            texts,
            tf.RaggedTensor.from_row_splits(begin, one_each, validate=False),
            tf.RaggedTensor.from_row_splits(stop, one_each, validate=False),
        )
        return tf.reshape(cut.flat_values, [-1])

    def same_text(self, texts: tf.Tensor, start: tf.Tensor, end: tf.Tensor) -> tf.Tensor:
        """Which character spans spell the same text up to ASCII case: ``[n, n]`` bool, for
        spans ``texts[i][start[i]:end[i]]``."""
        raw, _, _ = self._bytes.split_with_offsets(texts)
        raw_bytes = tf.cast(raw.values, tf.int32)
        upper = (raw_bytes >= 0x41) & (raw_bytes <= 0x5A)
        folded = tf.concat([tf.where(upper, raw_bytes + 32, raw_bytes), [-1]], 0)
        lead = (raw_bytes < 0x80) | (raw_bytes >= 0xC0)
        byte_of_char = tf.concat([tf.cast(tf.where(lead)[:, 0], tf.int32), [tf.size(raw_bytes)]], 0)
        char_row = tf.gather(row_ids(raw), byte_of_char[:-1])
        chars = tf.math.unsorted_segment_sum(tf.ones_like(char_row), char_row, tf.size(texts))
        first_char = tf.cumsum(chars, exclusive=True)
        # Flat byte ranges of each span (one past the text's end reads the next text's first
        # byte index, which is that text's end).
        begin = tf.gather(byte_of_char, first_char + tf.cast(start, tf.int32))
        stop = tf.gather(byte_of_char, first_char + tf.cast(end, tf.int32))
        length = stop - begin
        width = tf.reduce_max(tf.concat([length, [0]], 0))
        reach = begin[:, tf.newaxis] + tf.range(width)[tf.newaxis]
        spelled = tf.gather(
            folded, tf.where(reach < stop[:, tf.newaxis], reach, tf.size(raw_bytes))
        )
        same_bytes = tf.reduce_min(
            tf.cast(tf.equal(spelled[:, tf.newaxis], spelled[tf.newaxis]), tf.int32), 2
        )
        return (same_bytes > 0) & tf.equal(length[:, tf.newaxis], length[tf.newaxis])
