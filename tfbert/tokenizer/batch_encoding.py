"""``BatchEncoding``: what the Python tokenizers return, a ``dict`` with transformers v4's methods.

A ``dict`` subclass (not transformers' ``UserDict``), so that Keras 3 takes it as a model's
positional input; keys also read as attributes (``enc.input_ids``). The per-token details
(tokens, words, sequences, character spans) that transformers reads from ``tokenizers``'
``Encoding`` objects are kept beside the data as plain lists.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

_TENSOR_TYPES = ("np", "tf")


class CharSpan(NamedTuple):
    """A span of characters in the original string: ``start`` inclusive, ``end`` exclusive."""

    start: int
    end: int


class TokenSpan(NamedTuple):
    """A span of tokens: ``start`` inclusive, ``end`` exclusive."""

    start: int
    end: int


class Details(NamedTuple):
    """Per row and token: the token text, its word (None off words), its sequence (None for
    special tokens and padding) and its character span."""

    tokens: list[list[str]]
    words: list[list[int | None]]
    sequences: list[list[int | None]]
    offsets: list[list[tuple[int, int]]]


def check_tensor_type(value: Any) -> str | None:
    """Checks ``return_tensors``: ``None``, ``"np"`` or ``"tf"`` (also transformers' enum).

    Raises:
        ValueError: any other value (``"pt"``, ``"jax"``, ...).
    """
    value = getattr(value, "value", value)
    if value is not None and value not in _TENSOR_TYPES:
        raise ValueError(f"return_tensors={value!r} is not supported; expected None, 'np' or 'tf'")
    return value


def as_tensor(key: str, value: Any, kind: str) -> Any:
    """One output as a NumPy int64 array (``"np"``) or an int32 ``tf.Tensor`` (``"tf"``), as
    transformers v4 made them from Python lists.

    Raises:
        ValueError: rows of different lengths (``padding`` was off).
    """
    try:
        array = np.asarray(value)
        if array.dtype == object:
            raise ValueError
    except ValueError:
        raise ValueError(
            f"cannot make a {kind!r} tensor of {key!r}: its rows have different lengths; pass "
            f"padding=True (or padding='max_length') and truncation=True to get rows of one length"
        ) from None
    if array.size == 0:  # no tokens at all: still integers
        array = array.astype(np.int64)
    if kind == "np":
        return array.astype(np.int64) if array.dtype.kind in "iub" else array
    import tensorflow as tf

    return tf.constant(array.astype(np.int32) if array.dtype.kind in "iub" else array)


class BatchEncoding(dict):
    """A tokenizer's outputs: a ``dict`` of ``input_ids``, ``token_type_ids``, ... whose keys
    also read as attributes, with transformers v4's per-token lookups.

    Args:
        data: the outputs.
        tensor_type: ``None``, ``"np"`` or ``"tf"``: convert the values.
        prepend_batch_axis: add a batch axis when converting (an unbatched encoding).
        details: per-token details (:class:`Details`), batched; ``None`` for encodings not made
            by a tokenizer call (then the lookups raise).
        n_sequences: 1 for single texts, 2 for pairs.

    Example:
        >>> from tfbert import BatchEncoding
        >>> data = {"input_ids": [[101, 102]], "attention_mask": [[1, 1]]}
        >>> enc = BatchEncoding(data, tensor_type="np")
        >>> enc.input_ids.dtype, enc["attention_mask"].shape
        (dtype('int64'), (1, 2))
    """

    def __init__(
        self,
        data: dict[str, Any] | None = None,
        tensor_type: str | None = None,
        prepend_batch_axis: bool = False,
        details: Details | None = None,
        n_sequences: int | None = None,
    ):
        super().__init__(data or {})
        self._details = details
        self._n_sequences = n_sequences
        self.convert_to_tensors(tensor_type, prepend_batch_axis)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name not in self:
            raise AttributeError(
                f"BatchEncoding has no attribute or key {name!r}; keys: {list(self)}"
            )
        return self[name]

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, slice):
            return {key: value[item] for key, value in self.items()}
        if isinstance(item, int):
            raise KeyError(
                f"BatchEncoding[{item}]: transformers returns a tokenizers Encoding there; "
                f"tfbert has none. "
                f"Use enc.tokens({item}), enc.word_ids({item}) or enc['input_ids'][{item}]"
            )
        return super().__getitem__(item)

    def __getstate__(self):
        return {"data": dict(self), "details": self._details, "n_sequences": self._n_sequences}

    def __setstate__(self, state):
        self.update(state["data"])
        self._details, self._n_sequences = state["details"], state["n_sequences"]

    @property
    def data(self) -> dict[str, Any]:
        """The outputs as a plain ``dict``."""
        return dict(self)

    @property
    def is_fast(self) -> bool:
        """Whether the per-token lookups are available (made by a tokenizer call)."""
        return self._details is not None

    @property
    def n_sequences(self) -> int | None:
        """1 for single texts, 2 for pairs; ``None`` when not made by a tokenizer call."""
        return self._n_sequences

    def convert_to_tensors(
        self, tensor_type: str | None = None, prepend_batch_axis: bool = False
    ) -> BatchEncoding:
        """Converts the values in place to ``"np"`` (int64) or ``"tf"`` (int32) tensors.

        Args:
            tensor_type: ``None`` (nothing to do), ``"np"`` or ``"tf"``.
            prepend_batch_axis: wrap each value in a batch of one first.

        Returns:
            ``self``.

        Raises:
            ValueError: an unsupported ``tensor_type``, or rows of different lengths.
        """
        kind = check_tensor_type(tensor_type)
        if kind is None:
            return self
        for key, value in list(self.items()):
            if prepend_batch_axis:
                value = [value]
            self[key] = as_tensor(key, value, kind)
        return self

    # --------------------------------------------------------------------------- lookups

    def _row(self, field: str, batch_index: int) -> list:
        if self._details is None:
            raise ValueError(
                f"{field} needs the per-token details a tokenizer call keeps; this "
                f"BatchEncoding was "
                f"built from data alone"
            )
        rows = getattr(self._details, field)
        if not -len(rows) <= batch_index < len(rows):
            raise IndexError(
                f"batch_index {batch_index} is out of range for a batch of {len(rows)}"
            )
        return rows[batch_index]

    def _indices(self, first: int, second: int | None) -> tuple[int, int]:
        if second is not None:
            return first, second
        if self._details is not None and len(self._details.tokens) > 1:
            raise ValueError("this encoding holds a batch: give the batch index and the index")
        return 0, first

    def tokens(self, batch_index: int = 0) -> list[str]:
        """The token texts of row ``batch_index``, special tokens and padding included."""
        return list(self._row("tokens", batch_index))

    def word_ids(self, batch_index: int = 0) -> list[int | None]:
        """Each token's word index in its sequence (``None`` for special tokens and padding).

        Words are the pre-tokenizer's (split at spaces, punctuation, CJK ideographs and added
        tokens) or, with ``is_split_into_words=True``, the input words.
        """
        return list(self._row("words", batch_index))

    def words(self, batch_index: int = 0) -> list[int | None]:
        """The same as :meth:`word_ids` (transformers' older name)."""
        return self.word_ids(batch_index)

    def sequence_ids(self, batch_index: int = 0) -> list[int | None]:
        """Each token's sequence: 0 for ``text``, 1 for ``text_pair``, ``None`` for special
        tokens and padding."""
        return list(self._row("sequences", batch_index))

    def token_to_sequence(
        self, batch_or_token_index: int, token_index: int | None = None
    ) -> int | None:
        """The sequence of a token (see :meth:`sequence_ids`)."""
        batch, token = self._indices(batch_or_token_index, token_index)
        return self._row("sequences", batch)[token]

    def token_to_word(
        self, batch_or_token_index: int, token_index: int | None = None
    ) -> int | None:
        """The word of a token (see :meth:`word_ids`)."""
        batch, token = self._indices(batch_or_token_index, token_index)
        return self._row("words", batch)[token]

    def token_to_chars(
        self, batch_or_token_index: int, token_index: int | None = None
    ) -> CharSpan | None:
        """The characters a token covers in its sequence's string; ``None`` for special tokens."""
        batch, token = self._indices(batch_or_token_index, token_index)
        if self._row("sequences", batch)[token] is None:
            return None
        return CharSpan(*self._row("offsets", batch)[token])

    def word_to_tokens(
        self, batch_or_word_index: int, word_index: int | None = None, sequence_index: int = 0
    ) -> TokenSpan | None:
        """The tokens of a word in sequence ``sequence_index``; ``None`` if it has none."""
        batch, word = self._indices(batch_or_word_index, word_index)
        at = [
            i
            for i, (w, s) in enumerate(
                zip(self._row("words", batch), self._row("sequences", batch))
            )
            if w == word and s == sequence_index
        ]
        return TokenSpan(at[0], at[-1] + 1) if at else None

    def word_to_chars(
        self, batch_or_word_index: int, word_index: int | None = None, sequence_index: int = 0
    ) -> CharSpan | None:
        """The characters of a word in sequence ``sequence_index``; ``None`` if it has no tokens."""
        batch, word = self._indices(batch_or_word_index, word_index)
        span = self.word_to_tokens(batch, word, sequence_index)
        if span is None:
            return None
        offsets = self._row("offsets", batch)
        return CharSpan(offsets[span.start][0], offsets[span.end - 1][1])

    def char_to_token(
        self, batch_or_char_index: int, char_index: int | None = None, sequence_index: int = 0
    ) -> int | None:
        """The token covering character ``char_index`` of sequence ``sequence_index``; ``None``
        when no token does (a space, or past the end)."""
        batch, char = self._indices(batch_or_char_index, char_index)
        rows = zip(self._row("offsets", batch), self._row("sequences", batch))
        for i, ((start, end), sequence) in enumerate(rows):
            if sequence == sequence_index and start <= char < end:
                return i
        return None

    def char_to_word(
        self, batch_or_char_index: int, char_index: int | None = None, sequence_index: int = 0
    ) -> int | None:
        """The word covering character ``char_index`` of sequence ``sequence_index``, or
        ``None``."""
        batch, char = self._indices(batch_or_char_index, char_index)
        token = self.char_to_token(batch, char, sequence_index)
        return None if token is None else self._row("words", batch)[token]


def from_rows(
    rows: dict[str, list],
    keys: list[str],
    token_texts: list[str],
    n_sequences: int,
    unbatch: bool,
    tensor_type: str | None,
) -> BatchEncoding:
    """A tokenizer call's :class:`BatchEncoding` from the engine's rows (as lists).

    Args:
        rows: every output of ``TFBertTokenizer.assemble_pieces`` as nested lists, padded.
        keys: the outputs asked for, in transformers' order (``length``: each row's length).
        token_texts: each id's token text.
        n_sequences: 1 for single texts, 2 for pairs.
        unbatch: drop the batch dimension (one text, no tensors, no overflow rows).
        tensor_type: ``None``, ``"np"`` or ``"tf"``.

    Returns:
        The encoding, with its per-token details.
    """
    offsets = [[tuple(o) for o in row] for row in rows["offset_mapping"]]
    made = {"offset_mapping": offsets, "length": [len(row) for row in rows["input_ids"]]}
    data = {key: made[key] if key in made else rows[key] for key in keys}
    words = [[None if w < 0 else w for w in row] for row in rows["word_ids"]]
    details = Details(
        tokens=[[token_texts[i] for i in row] for row in rows["input_ids"]],
        words=words,
        sequences=[
            [None if w is None else t for w, t in zip(row, types)]
            for row, types in zip(words, rows["token_type_ids"])
        ],
        offsets=offsets,
    )
    if unbatch:
        data = {k: v[0] if v and isinstance(v[0], list) else v for k, v in data.items()}
    return BatchEncoding(data, tensor_type, details=details, n_sequences=n_sequences)


def _register_with_keras() -> None:
    """Lets Keras 3 see through a ``BatchEncoding`` as through a ``dict``: its ``tree``
    utilities, on ``optree``, treat unregistered ``dict`` subclasses as leaves and refuse them
    as a model's positional input. Mapped over, it becomes a plain ``dict``."""
    try:
        import optree
    except ImportError:  # Keras on dm-tree treats every Mapping as nested already
        return

    def flatten(encoding):  # children by sorted key, as optree flattens a dict
        keys = sorted(encoding)
        return [dict.__getitem__(encoding, k) for k in keys], (keys, list(encoding)), keys

    def unflatten(metadata, values):  # a plain dict, keys in their own order: what a model's
        keys, order = metadata  # input structure (a dict) matches
        found = dict(zip(keys, values))
        return {k: found[k] for k in order}

    try:
        optree.register_pytree_node(BatchEncoding, flatten, unflatten, namespace="keras")
    except ValueError:  # already registered (a module reload)
        pass


_register_with_keras()
