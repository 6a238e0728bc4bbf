"""``TFBertTokenizer``: the Keras layer users call."""

import warnings
from collections.abc import Sequence
from typing import Any

import keras
import tensorflow as tf

from tfbert.files import HUB_ARGS
from tfbert.tokenizer import files
from tfbert.tokenizer.added import AddedToken
from tfbert.tokenizer.assembly import Layout, assemble
from tfbert.tokenizer.decoding import continues_word, decode_ids
from tfbert.tokenizer.encoding import Encoded, PieceEncoder
from tfbert.tokenizer.inputs import check_unicode
from tfbert.tokenizer.normalization import normalize_text

_TRUNCATIONS = {
    True: "longest_first",
    "longest_first": "longest_first",
    "only_first": "only_first",
    "only_second": "only_second",
    False: None,
    None: None,
    "do_not_truncate": None,
}
_PADDINGS = {
    True: "longest",
    "longest": "longest",
    "max_length": "max_length",
    False: None,
    None: None,
    "do_not_pad": None,
}
_RAGGED_INT = tf.RaggedTensorSpec([None, None], tf.int32, ragged_rank=1, row_splits_dtype=tf.int64)
_CALL_DEFAULTS = dict(
    padding="longest",
    truncation=True,
    max_length=None,
    pad_to_multiple_of=None,
    return_token_type_ids=True,
    return_attention_mask=True,
    return_special_tokens_mask=False,
    return_offsets_mapping=False,
    return_overflowing_tokens=False,
    stride=0,
    padding_side="right",
    truncation_side="right",
)
_SIDES = ("right", "left")


class _GraphCache:
    """Traced assembly graphs by layout; a plain object, so that saving does not track them."""

    def __init__(self):
        self.by_key: dict[tuple, tf.types.experimental.GenericFunction] = {}


def _added_token(item: str | dict[str, Any], special: bool, name: str) -> AddedToken:
    """An ``extra_special_tokens`` / ``added_tokens`` item as an :class:`AddedToken`."""
    defaults = AddedToken(content="", special=special, normalized=not special)
    if isinstance(item, str):
        return defaults._replace(content=item)
    if not isinstance(item, dict) or not isinstance(item.get("content"), str):
        raise ValueError(f"{name} item {item!r} is not a string or a dict with a 'content' string")
    allowed = ("content", "normalized", "lstrip", "rstrip", "single_word")
    unknown = sorted(set(item) - set(allowed) - {"special"})
    if unknown:
        raise ValueError(
            f"{name} item {item!r} has unknown fields {unknown}; expected some of {list(allowed)}"
        )
    return defaults._replace(
        **{k: (item[k] if k == "content" else bool(item[k])) for k in allowed if k in item}
    )


def collect_added_tokens(
    vocab: list[str],
    index: dict[str, int],
    special_tokens: dict[str, str],
    extra_special_tokens: Sequence[str | dict[str, Any]],
    added_tokens: Sequence[str | dict[str, Any]],
) -> list[AddedToken]:
    """Every token matched whole in the text, as ``tokenizers``' ``AddedVocabulary`` holds them:
    the named special tokens in the vocabulary, then ``extra_special_tokens`` and
    ``added_tokens`` (a token listed twice is special if either listing is).

    Raises:
        ValueError: An item that is not a token, or a token not in ``vocab`` (``index`` maps
            its tokens to their ids).
    """
    listed = [(True, t) for t in special_tokens.values() if t in index]
    listed += [(True, t) for t in extra_special_tokens] + [(False, t) for t in added_tokens]
    found: dict[str, AddedToken] = {}
    for special, item in listed:
        name = "extra_special_tokens" if special else "added_tokens"
        token = _added_token(item, special, name)
        if token.content not in index:
            raise ValueError(
                f"{name} {token.content!r} is not in the vocabulary ({len(vocab)} tokens)"
            )
        found[token.content] = token._replace(
            special=found.get(token.content, token).special or special
        )
    return list(found.values())


def texts_and_skipped_ids(
    vocab: list[str], index: dict[str, int], added: list[AddedToken], normal: tuple
) -> tuple[list[str], set[int]]:
    """Each id's text in an encoding, and the ids decoding skips as special.

    ``tokenizers`` shows (and decodes) a token matched on normalised text as its normalised
    content, and skips a special token only where that is its content.

    Args:
        vocab: The tokens by id.
        index: ``token -> id``.
        added: From :func:`collect_added_tokens`.
        normal: ``(lowercase, strip_accents, chinese)`` for :func:`normalize_text`.
    """
    shown = list(vocab)
    for token in added:
        if token.normalized:
            shown[index[token.content]] = normalize_text(token.content, *normal)
    skipped = {
        index[t.content] for t in added if t.special and shown[index[t.content]] == t.content
    }
    return shown, skipped


def _check_known(kwargs):
    unknown = set(kwargs) - set(_CALL_DEFAULTS)
    if unknown:
        raise TypeError(
            f"unexpected arguments {sorted(unknown)}; expected some of {sorted(_CALL_DEFAULTS)}"
        )


def _choice(table, name, value):
    try:
        return table[value]
    except (KeyError, TypeError):
        raise ValueError(f"{name}={value!r} is not one of {sorted(map(repr, table))}") from None


@keras.saving.register_keras_serializable(package="tfbert")
class TFBertTokenizer(keras.layers.Layer):
    """An in-graph BERT tokenizer that matches transformers' ``BertTokenizerFast`` exactly.

    Strings go in, model inputs come out, inside ``tf.function``, ``tf.data`` and Keras models
    alike; everything is TensorFlow and tf-text ops.

    Args:
        vocab: the WordPiece vocabulary (id-ordered tokens) or a path to ``vocab.txt``.
        do_lower_case: lower-case the text.
        strip_accents: strip accents; ``None`` follows ``do_lower_case``.
        tokenize_chinese_chars: give every CJK ideograph its own word.
        unk_token: token for what the vocabulary cannot spell; also the other special tokens
            ``sep_token``, ``pad_token``, ``cls_token``, ``mask_token``.
        sep_token: separator and end token.
        pad_token: padding token.
        cls_token: first token.
        mask_token: masked-LM token.
        extra_special_tokens: more special tokens kept whole wherever they appear in the raw
            text (BertTokenizerFast's added special tokens); each must be in ``vocab``. An item
            is the token's text, or a dict of ``tokenizers``' ``AddedToken`` fields
            (``content`` and any of ``normalized``, ``lstrip``, ``rstrip``, ``single_word``); a
            dict for one of the named special tokens sets that token's fields.
        added_tokens: tokens matched on the normalised text wherever they appear, even inside
            words, several words long or not (transformers' ``add_tokens``); each must be in
            ``vocab``. Items as for ``extra_special_tokens`` (``normalized=False`` matches the
            raw text).
        never_split: accepted for compatibility and, as in BertTokenizerFast, ignored (a
            warning says so); use ``extra_special_tokens``.
        max_input_chars_per_word: longer words become ``unk_token``.
        model_vocab_size: how many of ``vocab`` are WordPiece pieces; the ids after them are
            added tokens only (as ``tokenizers`` keeps them apart). ``None``: all of them.
        model_max_length: the default ``max_length``; ``None`` for no limit.
        clean_up_tokenization_spaces: ``decode``'s default for transformers' text clean-up.
        split_special_tokens: tokenize special tokens written in the text as text (the
            ``[CLS]``/``[SEP]`` the layer adds stay special).
        **kwargs: call defaults (``padding``, ``truncation``, ``max_length``, ``stride``,
            ``padding_side``, ``truncation_side``, the ``return_*`` flags; see :meth:`call`) and
            Keras layer arguments.

    Raises:
        ValueError: a special token is missing from the vocabulary, or an option is invalid.

    Example:
        >>> from tfbert import TFBertTokenizer
        >>> from tfbert.tasks import default_model_path
        >>> path = default_model_path()
        >>> tok = TFBertTokenizer.from_pretrained(path)
        >>> out = tok(["Plants create [MASK] through photosynthesis."])
        >>> out["input_ids"].numpy().tolist()
        [[101, 4264, 3443, 103, 2083, 7760, 6038, 25078, 1012, 102]]
        >>> tok.batch_decode(out["input_ids"]).numpy().tolist()
        [b'[CLS] plants create [MASK] through photosynthesis. [SEP]']
    """

    def __init__(
        self,
        vocab: Sequence[str] | str,
        do_lower_case: bool = True,
        strip_accents: bool | None = None,
        tokenize_chinese_chars: bool = True,
        unk_token: str = "[UNK]",
        sep_token: str = "[SEP]",
        pad_token: str = "[PAD]",
        cls_token: str = "[CLS]",
        mask_token: str = "[MASK]",
        extra_special_tokens: Sequence[str | dict[str, Any]] = (),
        added_tokens: Sequence[str | dict[str, Any]] = (),
        never_split: Sequence[str] | None = None,
        max_input_chars_per_word: int = 100,
        model_vocab_size: int | None = None,
        model_max_length: int | None = 512,
        clean_up_tokenization_spaces: bool = False,
        split_special_tokens: bool = False,
        **kwargs,
    ):
        defaults = {k: kwargs.pop(k, v) for k, v in _CALL_DEFAULTS.items()}
        super().__init__(**kwargs)
        if isinstance(vocab, str):
            vocab = files.read_vocab_txt(vocab)
        self.vocab: list[str] = list(vocab)
        if never_split:
            warnings.warn(
                "never_split has no effect, as in transformers' BertTokenizerFast; "
                "pass the tokens as extra_special_tokens to keep them whole",
                stacklevel=2,
            )
        self.special_tokens = dict(
            unk_token=unk_token,
            sep_token=sep_token,
            pad_token=pad_token,
            cls_token=cls_token,
            mask_token=mask_token,
        )
        named = set(self.special_tokens.values())
        self.extra_special_tokens = [
            t for t in extra_special_tokens if not (isinstance(t, str) and t in named)
        ]
        index = {t: i for i, t in enumerate(self.vocab)}
        required = [("unk_token", unk_token), ("sep_token", sep_token), ("cls_token", cls_token)]
        self.added_tokens = list(added_tokens)
        for name, token in required:
            if token not in index:
                raise ValueError(
                    f"{name} {token!r} is not in the vocabulary ({len(self.vocab)} tokens)"
                )
        self._added = collect_added_tokens(
            self.vocab, index, self.special_tokens, self.extra_special_tokens, self.added_tokens
        )
        size = len(self.vocab) if model_vocab_size is None else int(model_vocab_size)
        if not 0 < size <= len(self.vocab):
            raise ValueError(
                f"model_vocab_size={model_vocab_size!r}; expected 1 to the vocabulary's "
                f"{len(self.vocab)}"
            )
        self.model_vocab_size = size
        self.options = dict(
            do_lower_case=bool(do_lower_case),
            strip_accents=strip_accents,
            tokenize_chinese_chars=bool(tokenize_chinese_chars),
            max_input_chars_per_word=int(max_input_chars_per_word),
            model_max_length=model_max_length,
            clean_up_tokenization_spaces=bool(clean_up_tokenization_spaces),
            split_special_tokens=bool(split_special_tokens),
        )
        self.call_defaults = defaults
        self.check_call_args(**defaults)
        self._ids = {name: index.get(token, -1) for name, token in self.special_tokens.items()}
        self._index = index
        # tokenizers decodes a token matched on normalised text to its normalised content.
        effective_strip = do_lower_case if strip_accents is None else bool(strip_accents)
        normal = (
            self.options["do_lower_case"],
            effective_strip,
            self.options["tokenize_chinese_chars"],
        )
        shown, skipped = texts_and_skipped_ids(self.vocab, index, self._added, normal)
        self._special_ids = tf.constant(sorted(skipped), tf.int32)
        self._shown = tuple(shown)
        self._vocab_tensor = tf.constant(shown)
        self._continues = continues_word(tf.constant(self.vocab))  # by id, built once
        self._encoder = PieceEncoder(
            self.vocab,
            unk_token,
            self._added,
            model_vocab_size=size,
            split_special=self.options["split_special_tokens"],
            lowercase=self.options["do_lower_case"],
            strip_accents=effective_strip,
            chinese=self.options["tokenize_chinese_chars"],
            max_chars=self.options["max_input_chars_per_word"],
        )
        self._encode = tf.function(
            self._encoder.__call__,
            input_signature=[tf.TensorSpec([None], tf.string)],
            autograph=False,
        )
        self._graphs = _GraphCache()
        # No weights: built from the start, so a Keras model holding the tokenizer is never
        # "built" by a trial call on float placeholders (Keras 3 does that for unbuilt layers).
        self.built = True

    # ----------------------------------------------------------------------------- vocabulary

    @property
    def vocab_size(self) -> int:
        """How many ids there are: the WordPiece vocabulary and the added tokens after it."""
        return len(self.vocab)

    def token_to_id(self, token: str) -> int | None:
        """The id of ``token``, or ``None`` when it is not in the vocabulary."""
        return self._index.get(token)

    def id_to_token(self, id: int) -> str:
        """The token with id ``id``.

        Raises:
            IndexError: ``id`` is not in ``range(vocab_size)``.
        """
        if not 0 <= int(id) < len(self.vocab):
            last = len(self.vocab) - 1
            raise IndexError(f"id {id} is out of range; the vocabulary has ids 0 to {last}")
        return self.vocab[int(id)]

    def token_text(self, id: int) -> str:
        """The text ``tokenizers`` gives token ``id`` in an encoding: :meth:`id_to_token`,
        except that an added token matched on normalised text shows its normalised form."""
        self.id_to_token(id)
        return self._shown[int(id)]

    def get_vocab(self) -> dict[str, int]:
        """The vocabulary as ``{token: id}`` (a copy; added tokens included)."""
        return dict(self._index)

    @property
    def token_texts(self) -> tuple[str, ...]:
        """:meth:`token_text` of every id, by id."""
        return self._shown

    @property
    def added_vocabulary(self) -> list[AddedToken]:
        """Every token matched whole in the text, as ``tokenizers``' ``AddedVocabulary`` holds
        them: the special tokens in the vocabulary, ``extra_special_tokens`` and
        ``added_tokens``, each an :class:`~tfbert.tokenizer.added.AddedToken`."""
        return list(self._added)

    @property
    def skipped_special_ids(self) -> tf.Tensor:
        """The ids ``skip_special_tokens`` drops when decoding: 1-D int32, sorted (the special
        tokens whose text in an encoding is their content)."""
        return self._special_ids

    def continues_word(self, ids: tf.Tensor) -> tf.Tensor:
        """Whether each id is a piece that continues the word before it (``##...``).

        The one definition (:func:`tfbert.tokenizer.decoding.continues_word`), tabulated once
        per vocabulary; works in graph and in a ``.tflite``.

        Args:
            ids: Integer ids of any shape.

        Returns:
            A bool tensor of the same shape.

        Example:
            >>> from tfbert import TFBertTokenizer
            >>> from tfbert.tasks import default_model_path
            >>> path = default_model_path()
            >>> tok = TFBertTokenizer.from_pretrained(path)
            >>> ids = tok.encode_pieces(["Photosynthesis"]).ids
            >>> tok.continues_word(ids).to_list()
            [[False, True, True]]
        """
        if isinstance(ids, tf.RaggedTensor):
            return ids.with_flat_values(self.continues_word(ids.flat_values))
        return tf.gather(self._continues, tf.cast(ids, tf.int32))

    def _special_id(self, name: str) -> int | None:
        return None if self._ids[name] < 0 else self._ids[name]

    cls_token_id = property(lambda self: self._special_id("cls_token"), doc="The id of ``[CLS]``.")
    sep_token_id = property(lambda self: self._special_id("sep_token"), doc="The id of ``[SEP]``.")
    pad_token_id = property(lambda self: self._special_id("pad_token"), doc="[PAD]'s id or None.")
    unk_token_id = property(lambda self: self._special_id("unk_token"), doc="The id of ``[UNK]``.")
    mask_token_id = property(
        lambda self: self._special_id("mask_token"), doc="[MASK]'s id or None."
    )
    cls_token = property(lambda self: self.special_tokens["cls_token"], doc="The first token.")
    sep_token = property(lambda self: self.special_tokens["sep_token"], doc="The separator token.")
    pad_token = property(lambda self: self.special_tokens["pad_token"], doc="The padding token.")
    unk_token = property(lambda self: self.special_tokens["unk_token"], doc="The unknown token.")
    mask_token = property(lambda self: self.special_tokens["mask_token"], doc="The [MASK] token.")

    @property
    def all_special_tokens(self) -> list[str]:
        """The special tokens in the vocabulary, in transformers' order: ``unk``, ``sep``,
        ``pad``, ``cls``, ``mask``, then the extra special tokens."""
        extra = [t if isinstance(t, str) else t["content"] for t in self.extra_special_tokens]
        tokens = dict.fromkeys([*self.special_tokens.values(), *extra])
        return [t for t in tokens if t in self._index]

    @property
    def all_special_ids(self) -> list[int]:
        """The ids of :attr:`all_special_tokens`, in the same order."""
        return [self._index[t] for t in self.all_special_tokens]

    # ------------------------------------------------------------------------- the engine

    def encode_pieces(self, text: str | Sequence[str] | tf.Tensor, words: bool = False) -> Encoded:
        """Runs the engine on strings: WordPiece ids and character offsets, no special tokens.

        Args:
            text: a string, a list of strings or a 1-D ``tf.string`` tensor.
            words: also give each token's word index (``Encoded.words``), as ``tokenizers``
                numbers the pre-tokenizer's words for ``word_ids()``.

        Returns:
            An :class:`~tfbert.tokenizer.encoding.Encoded` of ragged ``[batch, tokens]`` int32
            tensors; offsets count characters (code points) of each string.

        Example:
            >>> from tfbert import TFBertTokenizer
            >>> from tfbert.tasks import default_model_path
            >>> path = default_model_path()
            >>> tok = TFBertTokenizer.from_pretrained(path)
            >>> pieces = tok.encode_pieces(["Photosynthesis, plants."], words=True)
            >>> [tok.id_to_token(i) for i in pieces.ids[0].numpy()]
            ['photos', '##yn', '##thesis', ',', 'plants', '.']
            >>> pieces.words.to_list()
            [[0, 0, 0, 1, 2, 3]]
        """
        texts = self._as_strings(text, "text")
        if not words:
            return self._encode(texts)
        if "words" not in self._graphs.by_key:
            self._graphs.by_key["words"] = tf.function(
                lambda t: self._encoder(t, words=True),
                input_signature=[tf.TensorSpec([None], tf.string)],
                autograph=False,
            )
        return self._graphs.by_key["words"](texts)

    def assemble_pieces(
        self, a: Encoded, b: Encoded | None = None, add_special_tokens: bool = True, **kwargs
    ) -> dict[str, tf.Tensor | tf.RaggedTensor]:
        """Lays encoded pieces out as model inputs: special tokens, pairs, truncation, overflow
        windows and padding, as :meth:`call` lays them out.

        Args:
            a: the encoded texts (:meth:`encode_pieces`).
            b: the encoded second texts, or ``None``.
            add_special_tokens: add ``[CLS]`` and ``[SEP]``.
            **kwargs: :meth:`call`'s layout options (``padding``, ``truncation``,
                ``max_length``, ``stride``, ``pad_to_multiple_of``, ``padding_side``,
                ``truncation_side``, ``return_overflowing_tokens``); the ``return_*`` flags
                are ignored.

        Returns:
            Every output, whatever the flags: ``input_ids``, ``token_type_ids``,
            ``attention_mask``, ``special_tokens_mask``, ``offset_mapping``,
            ``overflow_to_sample_mapping``, and ``word_ids`` (-1 off words) when ``a``
            carries words; ragged without padding.

        Raises:
            TypeError: an unknown option.
            ValueError: bad options.
        """
        _check_known(kwargs)
        if b is not None and (a.words is None) != (b.words is None):
            raise ValueError("a and b must both carry words or neither")
        args = {**self.call_defaults, **kwargs}
        layout = self.layout(b is not None, args, add_special=add_special_tokens)
        return self._assemble_eagerly(layout, [a] if b is None else [a, b])

    # ----------------------------------------------------------------------------------- call

    def check_call_args(self, **args):
        """Checks a call's padding, truncation, lengths, stride and sides (every one of
        :attr:`call_defaults` given); raises ``ValueError`` naming a bad one."""
        _choice(_PADDINGS, "padding", args["padding"])
        _choice(_TRUNCATIONS, "truncation", args["truncation"])
        for name in ("max_length", "pad_to_multiple_of"):
            value = args[name]
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31
            ):
                raise ValueError(
                    f"{name}={value!r}; expected a non-negative int (below 2**31) or None"
                )
        stride = args["stride"]
        if isinstance(stride, bool) or not isinstance(stride, int) or not 0 <= stride < 2**31:
            raise ValueError(f"stride={args['stride']!r}; expected a non-negative int")
        for name in ("padding_side", "truncation_side"):
            if args[name] not in _SIDES:
                raise ValueError(f"{name}={args[name]!r} is not one of {list(_SIDES)}")

    def layout(self, pair: bool, args, add_special: bool = True) -> Layout:
        """Checks a call's arguments and resolves them to the :class:`Layout` the encoder
        follows (truncation, padding, stride, sides), as ``tokenizers`` would.

        Args:
            pair: Whether the call has a ``text_pair``.
            args: The call's arguments, over :attr:`call_defaults`.
            add_special: Whether ``[CLS]``/``[SEP]`` are added.

        Raises:
            ValueError: A bad argument, named with what was expected.
        """
        self.check_call_args(**args)
        truncation = _choice(_TRUNCATIONS, "truncation", args["truncation"])
        padding = _choice(_PADDINGS, "padding", args["padding"])
        max_length = args["max_length"]
        if max_length is None and (truncation or padding == "max_length"):
            max_length = self.options["model_max_length"]
        if max_length is None:
            truncation = None
            padding = "longest" if padding == "max_length" else padding
        n_special = (3 if pair else 2) if add_special else 0
        if truncation == "only_second" and not pair:
            raise ValueError("truncation='only_second' needs text_pair; there is only text")
        limit = None
        if truncation:
            limit = max_length - n_special
            if limit < 0:
                raise ValueError(
                    f"max_length={max_length} cannot hold the {n_special} special tokens a "
                    f"{'pair' if pair else 'single text'} needs; use max_length >= {n_special}"
                )
            if args["stride"] and args["stride"] >= max(limit, 1):
                raise ValueError(
                    f"stride={args['stride']} must be smaller than max_length minus the special "
                    f"tokens ({limit})"
                )
        multiple = args["pad_to_multiple_of"]
        if truncation and padding and multiple and max_length % multiple:
            raise ValueError(
                f"truncation and padding are both on, but max_length={max_length} is not a "
                f"multiple of pad_to_multiple_of={multiple}"
            )
        return Layout(
            truncation=truncation,
            limit=limit,
            stride=args["stride"],
            overflow=bool(args["return_overflowing_tokens"]),
            padding=padding,
            max_length=max_length,
            pad_to_multiple_of=args["pad_to_multiple_of"],
            truncate_left=args["truncation_side"] == "left",
            pad_left=args["padding_side"] == "left",
            add_special=add_special,
        )

    @staticmethod
    def _as_strings(value, name):
        if value is None:
            raise TypeError(
                f"{name} is None; expected a string, a list of strings or a 1-D tf.string tensor"
            )
        single = isinstance(value, (str, bytes))
        if not single and isinstance(value, (dict, set, int, float)):
            raise TypeError(
                f"{name} is a {type(value).__name__}; expected a string, a list of "
                f"strings or a 1-D tf.string tensor"
            )
        if single:
            value = [value]
        if isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                if not isinstance(item, (str, bytes)):
                    raise TypeError(
                        f"{name} must hold strings; got an item of type "
                        f"{type(item).__name__} at {name}[{index}]"
                    )
                if isinstance(item, str):
                    check_unicode(item, name, None if single else index)
        if isinstance(value, (list, tuple)) and not value:
            value = tf.constant([], tf.string)
        tensor = (
            value
            if isinstance(value, (tf.Tensor, tf.RaggedTensor))
            else tf.convert_to_tensor(value)
        )
        if tensor.dtype != tf.string:
            raise TypeError(f"{name} must be a string tensor; got dtype {tensor.dtype.name}")
        if tensor.shape.rank not in (None, 0, 1):
            raise ValueError(
                f"{name} must be a string or a 1-D batch of strings; got shape {tensor.shape}"
            )
        return tf.reshape(tensor, [-1])

    def __call__(self, text, text_pair=None, **kwargs):
        # Keras only takes tensors positionally; turn Python strings into them first.
        if not isinstance(text, keras.KerasTensor):
            text = self._as_strings(text, "text")
        if text_pair is not None and not isinstance(text_pair, keras.KerasTensor):
            text_pair = self._as_strings(text_pair, "text_pair")
        if text_pair is not None:
            kwargs["text_pair"] = text_pair
        return super().__call__(text, **kwargs)

    def call(self, text, text_pair=None, **kwargs):
        """Tokenizes a batch of texts (or of text pairs).

        Args:
            text: a string, a list of strings, or a 0-D/1-D ``tf.string`` tensor.
            text_pair: the second sequences, same length as ``text``, or ``None``.
            padding: ``"longest"`` (default), ``"max_length"`` or ``False`` (ragged outputs).
            truncation: ``True``/``"longest_first"`` (default), ``"only_first"``,
                ``"only_second"`` or ``False``.
            max_length: the length to truncate/pad to; defaults to ``model_max_length``.
            pad_to_multiple_of: round the padded length up to a multiple of this.
            return_token_type_ids: include ``token_type_ids``.
            return_attention_mask: include ``attention_mask``.
            return_special_tokens_mask: include ``special_tokens_mask``.
            return_offsets_mapping: include ``offset_mapping``, ``[batch, tokens, 2]`` character
                (code point) offsets into the input strings.
            return_overflowing_tokens: keep the truncated rest as more rows, and include
                ``overflow_to_sample_mapping``.
            stride: overlap between overflow windows.
            padding_side: ``"right"`` (default) or ``"left"``.
            truncation_side: ``"right"`` (default) or ``"left"``: keep the end of a sequence
                (overflow windows then run from the end, as ``tokenizers`` cuts them).

        Returns:
            A dict of int32 tensors named as transformers names them.

        Raises:
            TypeError: the input is not strings.
            ValueError: bad options, ``text``/``text_pair`` of different lengths, or a
                ``max_length`` too small for the special tokens.
        """
        _check_known(kwargs)
        args = {**self.call_defaults, **kwargs}
        texts = self._as_strings(text, "text")
        pairs = None if text_pair is None else self._as_strings(text_pair, "text_pair")
        layout = self.layout(pairs is not None, args)
        if pairs is not None:
            n, m = texts.shape[0], pairs.shape[0]
            if n is not None and m is not None and n != m:
                raise ValueError(f"text has {n} items but text_pair has {m}; they must match")
            tf.debugging.assert_equal(
                tf.size(texts), tf.size(pairs), message="text and text_pair lengths differ"
            )
        inputs = [texts] if pairs is None else [texts, pairs]
        # The encoder's graph is traced once per layer and called from every graph that needs it.
        encoded = [self._encode(t) for t in inputs]
        return self._inputs(layout, encoded, args)

    def inputs_from_pieces(
        self, a: Encoded, b: Encoded | None = None, **kwargs
    ) -> dict[str, tf.Tensor | tf.RaggedTensor]:
        """What :meth:`call` returns for texts already encoded (by :meth:`encode_pieces` or
        another engine with the same vocabulary, such as the TFLite tokenizer): special tokens,
        pairs, truncation, overflow windows and padding, then the outputs the ``return_*``
        flags ask for.

        Args:
            a: The encoded texts.
            b: The encoded second texts, or ``None``.
            **kwargs: :meth:`call`'s options (the tokenizer's call defaults otherwise).

        Returns:
            A dict of int32 tensors named as transformers names them.

        Raises:
            TypeError: An unknown option.
            ValueError: Bad options.

        Example:
            >>> from tfbert import TFBertTokenizer
            >>> from tfbert.tasks import default_model_path
            >>> path = default_model_path()
            >>> tok = TFBertTokenizer.from_pretrained(path)
            >>> out = tok.inputs_from_pieces(tok.encode_pieces(["a tiny test"]))
            >>> out["input_ids"].numpy().tolist()
            [[101, 1037, 4714, 3231, 102]]
        """
        _check_known(kwargs)
        args = {**self.call_defaults, **kwargs}
        layout = self.layout(b is not None, args)
        return self._inputs(layout, [a] if b is None else [a, b], args)

    def _inputs(self, layout: Layout, encoded: list[Encoded], args) -> dict[str, Any]:
        if not tf.executing_eagerly():  # already in a graph: build the assembly inline
            return self._select(self._assemble(layout, *encoded), args)
        return self._select(self._assemble_eagerly(layout, encoded), args)

    def _assemble_eagerly(self, layout: Layout, encoded: list[Encoded]) -> dict[str, Any]:
        """Each layout traces only the small assembly graph, once."""
        fields = 3 if encoded[0].words is None else 4
        key = (layout, len(encoded), fields)
        if key not in self._graphs.by_key:
            self._graphs.by_key[key] = tf.function(
                lambda *flat: self._assemble(
                    layout, *(Encoded(*flat[i : i + fields]) for i in range(0, len(flat), fields))
                ),
                input_signature=[_RAGGED_INT] * (fields * len(encoded)),
                autograph=False,
            )
        flat = [tf.cast(r, tf.int32) for e in encoded for r in e if r is not None]
        return self._graphs.by_key[key](*flat)

    def _assemble(self, layout: Layout, a: Encoded, b: Encoded | None = None):
        ids = self._ids
        return assemble(a, b, ids["cls_token"], ids["sep_token"], max(ids["pad_token"], 0), layout)

    @staticmethod
    def _select(out, args):
        keep = {"input_ids"}
        flags = {
            "return_token_type_ids": "token_type_ids",
            "return_attention_mask": "attention_mask",
            "return_special_tokens_mask": "special_tokens_mask",
            "return_offsets_mapping": "offset_mapping",
            "return_overflowing_tokens": "overflow_to_sample_mapping",
        }
        keep |= {name for flag, name in flags.items() if args[flag]}
        return {k: v for k, v in out.items() if k in keep}

    def compute_output_spec(self, text, text_pair=None, **kwargs):
        args = {**self.call_defaults, **kwargs}
        ragged = _choice(_PADDINGS, "padding", args["padding"]) is None
        if ragged:
            raise ValueError(
                "padding=False gives ragged tensors, which Keras functional models cannot carry"
            )
        batch = None
        spec = lambda shape: keras.KerasTensor(shape, dtype="int32")
        out = {
            k: spec((batch, None))
            for k in ("input_ids", "token_type_ids", "attention_mask", "special_tokens_mask")
        }
        out["offset_mapping"] = spec((batch, None, 2))
        out["overflow_to_sample_mapping"] = spec((batch,))
        return self._select(out, args)

    # --------------------------------------------------------------------------------- decode

    def batch_decode(
        self,
        ids,
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool | None = None,
    ) -> tf.Tensor:
        """Turns rows of ids back into text, in graph.

        Args:
            ids: ``[batch, tokens]`` ids (dense, ragged, or nested lists).
            skip_special_tokens: drop ``[CLS]``, ``[SEP]``, ``[PAD]``, ``[MASK]``, ``[UNK]``
                and the extra special tokens.
            clean_up_tokenization_spaces: transformers' text clean-up; defaults to the
                tokenizer's setting.

        Returns:
            A 1-D ``tf.string`` tensor.

        Raises:
            ValueError: (eagerly) an id outside the vocabulary, named with its row.
            TypeError: ids that are not integers.
        """
        if not isinstance(ids, tf.RaggedTensor):
            ids = (
                tf.ragged.constant(ids)
                if isinstance(ids, (list, tuple))
                else tf.RaggedTensor.from_tensor(ids)
            )
        if tf.executing_eagerly():  # in a graph, tf.gather refuses them (on CPU)
            self._check_ids(ids)
        if clean_up_tokenization_spaces is None:
            clean_up_tokenization_spaces = self.options["clean_up_tokenization_spaces"]
        return decode_ids(
            ids,
            self._vocab_tensor,
            self._special_ids,
            skip_special_tokens,
            clean_up_tokenization_spaces,
        )

    def _check_ids(self, ids: tf.RaggedTensor) -> None:
        if not ids.dtype.is_integer and ids.flat_values.shape[0]:  # [[]] comes as float32
            raise TypeError(f"ids must be integers; got dtype {ids.dtype.name}")
        values = ids.flat_values.numpy()
        bad = (values < 0) | (values >= len(self.vocab))
        if bad.any():
            position = int(bad.argmax())
            row = int(ids.value_rowids()[position]) if ids.ragged_rank == 1 else None
            self.refuse_id(int(values[position]), row)

    def refuse_id(self, value: Any, row: int | None = None) -> None:
        """Raises for an id ``value`` outside the vocabulary (found in row ``row``).

        Raises:
            ValueError: Always; names the id, its row and the valid range.
        """
        where = "" if row is None else f" (row {row})"
        raise ValueError(
            f"id {value!r}{where} is out of range; expected ids 0 to "
            f"{len(self.vocab) - 1} (the vocabulary's size is {len(self.vocab)})"
        )

    def decode(
        self,
        ids,
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool | None = None,
    ):
        """Decodes one row of ids; see :meth:`batch_decode`. Returns a 0-D string tensor."""
        if isinstance(ids, (list, tuple)):
            ids = [ids]
        else:
            ids = tf.convert_to_tensor(ids)[tf.newaxis]
        return self.batch_decode(ids, skip_special_tokens, clean_up_tokenization_spaces)[0]

    # --------------------------------------------------------------------------------- config

    def get_config(self):
        config = super().get_config()
        config.update(
            vocab=list(self.vocab),
            **self.special_tokens,
            extra_special_tokens=list(self.extra_special_tokens),
            added_tokens=list(self.added_tokens),
            model_vocab_size=self.model_vocab_size,
            **self.options,
            **self.call_defaults,
        )
        return config

    @classmethod
    def from_pretrained(cls, name_or_path: str, **kwargs) -> "TFBertTokenizer":
        """Loads a tokenizer from a folder or hub id with ``vocab.txt`` or ``tokenizer.json``.

        ``tokenizer_config.json`` and ``special_tokens_map.json`` supply ``do_lower_case``,
        ``strip_accents``, ``tokenize_chinese_chars``, ``model_max_length`` (the default
        ``max_length``) and the special tokens.

        Args:
            name_or_path: a local folder or a hub id (found in the local hub cache when
                ``HF_HUB_OFFLINE`` is set or ``local_files_only=True``).
            **kwargs: ``revision``, ``cache_dir``, ``local_files_only`` and ``token`` go to
                ``huggingface_hub``; anything else overrides the loaded settings.

        Returns:
            A ``TFBertTokenizer``.

        Raises:
            FileNotFoundError: no vocabulary found.
            ValueError: unsupported or inconsistent files.
        """
        hub = {k: kwargs.pop(k) for k in HUB_ARGS if k in kwargs}
        settings = files.load_settings(name_or_path, **hub)
        settings.update(kwargs)
        return cls(**settings)

    @classmethod
    def from_tokenizer(cls, tokenizer: Any, **kwargs) -> "TFBertTokenizer":
        """Builds the in-graph tokenizer from a Python one, as transformers 4.57 did.

        Args:
            tokenizer: tfbert's ``BertTokenizer``/``BertTokenizerFast``, or any tokenizer with a
                ``save_pretrained(directory)`` that writes BERT tokenizer files (transformers'
                ``BertTokenizerFast``): its vocabulary, added tokens, special tokens and
                normaliser options are read from those files.
            **kwargs: override the settings read (``do_lower_case``, ``padding``, ...).

        Returns:
            A ``TFBertTokenizer``.

        Raises:
            TypeError: ``tokenizer`` has no ``save_pretrained``.

        Example:
            >>> from tfbert import BertTokenizerFast, TFBertTokenizer
            >>> from tfbert.tasks import default_model_path
            >>> path = default_model_path()
            >>> tok = TFBertTokenizer.from_tokenizer(BertTokenizerFast.from_pretrained(path))
            >>> tok(["a tiny test"])["input_ids"].numpy().tolist()
            [[101, 1037, 4714, 3231, 102]]
        """
        import tempfile

        engine = getattr(tokenizer, "engine", None)
        if isinstance(engine, TFBertTokenizer):
            config = engine.get_config()
            config = {k: v for k, v in config.items() if k not in ("name", "trainable", "dtype")}
            return cls(**{**config, **kwargs})
        if not callable(getattr(tokenizer, "save_pretrained", None)):
            raise TypeError(
                f"tokenizer of type {type(tokenizer).__name__} has no save_pretrained; expected "
                f"a BERT tokenizer (tfbert's or transformers')"
            )
        with tempfile.TemporaryDirectory() as directory:
            tokenizer.save_pretrained(directory)
            return cls.from_pretrained(directory, **kwargs)

    def save_pretrained(self, directory: str) -> list[str]:
        """Writes ``vocab.txt``, ``tokenizer.json``, ``tokenizer_config.json`` and
        ``special_tokens_map.json``.

        transformers' ``BertTokenizerFast.from_pretrained(directory)`` and ``tokenizers``'
        ``Tokenizer.from_file(directory + "/tokenizer.json")`` load the same tokenizer.

        Args:
            directory: the folder (created if missing).

        Returns:
            The paths written.
        """
        return files.save_settings(directory, self.get_config())
