"""transformers v4's data collators with ``return_tensors="tf"`` and ``"np"``, and v4's
``prepare_tf_dataset`` for 🤗 ``datasets``.

A collator turns a list of tokenized examples (dicts of lists) into one batch dict: padded with
the tokenizer's ``pad``, labels under ``"labels"``, and for language modelling masked as BERT was
pretrained (15% of tokens chosen; of those 80% become ``[MASK]``, 10% a random token, 10% stay;
``labels`` is ``-100`` wherever nothing is predicted). They use only the tokenizer's v4 methods
(``pad``, ``get_special_tokens_mask``, ``convert_ids_to_tokens``, ``mask_token_id``, ``len()``),
so tfbert's tokenizers and transformers' serve alike. Arrays are built in numpy and, for
``"tf"``, converted to ``tf.Tensor`` with the same dtypes (``int64`` ids).
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from tfbert.heads.losses import IGNORE_INDEX

RETURN_TENSORS = ("tf", "np")
LABEL_KEYS = ("label", "label_ids", "labels")


def _check_return_tensors(value: Any) -> str:
    if value not in RETURN_TENSORS:
        raise ValueError(f"return_tensors must be 'tf' or 'np', got {value!r}")
    return value


def _convert(batch: dict[str, Any], return_tensors: str) -> dict[str, Any]:
    batch = {key: np.asarray(value) for key, value in batch.items()}
    if _check_return_tensors(return_tensors) == "np":
        return batch
    import tensorflow as tf

    return {key: tf.convert_to_tensor(value) for key, value in batch.items()}


def _pad(tokenizer, features: Sequence[Mapping], **kwargs) -> dict[str, np.ndarray]:
    """``tokenizer.pad`` to numpy arrays (tfbert's and transformers' tokenizers alike)."""
    batch = tokenizer.pad([dict(f) for f in features], return_tensors="np", **kwargs)
    return {key: np.asarray(value) for key, value in batch.items()}


def _pad_rows(rows: Sequence[np.ndarray], length: int, fill: int, tokenizer) -> np.ndarray:
    """Stacks ``rows`` (first axis up to ``length``) into ``int64``, filling on the tokenizer's
    ``padding_side``."""
    out = np.full((len(rows), length, *rows[0].shape[1:]), fill, dtype=np.int64)
    left = getattr(tokenizer, "padding_side", "right") == "left"
    for i, row in enumerate(rows):
        if left:
            out[i, length - len(row) :] = row
        else:
            out[i, : len(row)] = row
    return out


def _pad_with_rows(
    tokenizer, features: Sequence[Mapping], key: str, fill: int, width: int | None = None, **kwargs
) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """Pads ``features`` with ``tokenizer.pad`` (``**kwargs``), the per-token field ``key``
    (which ``pad`` does not know) set aside and padded to the same length with ``fill``.

    Args:
        tokenizer: The tokenizer; its ``padding_side`` decides where ``key`` is padded too.
        features: The examples; ``key`` may be missing from all of them.
        key: The per-token field (``labels``, ``offset_mapping``).
        fill: Its padding value.
        width: Each token's number of values in ``key`` (2 for offsets); ``None``: one value.

    Returns:
        ``(batch, rows)``: the padded batch without ``key``, and ``key`` as an ``int64``
        ``(batch, length[, width])`` array (``None`` when the examples have no ``key``).
    """
    given = key in features[0]
    rows = [f[key] for f in features] if given else None
    batch = _pad(tokenizer, [{k: v for k, v in f.items() if k != key} for f in features], **kwargs)
    if rows is None:
        return batch, None
    arrays = [np.asarray(row, dtype=np.int64) for row in rows]
    if width is not None:
        arrays = [array.reshape(-1, width) for array in arrays]
    return batch, _pad_rows(arrays, batch["input_ids"].shape[1], fill, tokenizer)


@dataclasses.dataclass
class _PaddingOptions:
    """The fields v4's padding collators share, in v4's order, and their ``tokenizer.pad``
    arguments."""

    tokenizer: Any
    padding: bool | str = True
    max_length: int | None = None
    pad_to_multiple_of: int | None = None

    def __post_init__(self):
        _check_return_tensors(self.return_tensors)

    def _pad_kwargs(self) -> dict[str, Any]:
        return dict(
            padding=self.padding,
            max_length=self.max_length,
            pad_to_multiple_of=self.pad_to_multiple_of,
        )


def _rename_labels(batch: dict) -> dict:
    for key in ("label", "label_ids"):
        if key in batch:
            batch["labels"] = batch.pop(key)
    return batch


@dataclasses.dataclass
class DefaultDataCollator:
    """Stacks examples that need no padding; ``label`` / ``label_ids`` (and for ``"tf"``
    ``labels``) become ``labels`` (``int64`` for integers, else ``float32``, as v4 chose per
    tensor type); string fields are dropped.

    Args:
        return_tensors: ``"tf"`` or ``"np"``.

    Raises:
        ValueError: ``return_tensors`` is neither.

    Example:
        >>> batch = DefaultDataCollator(return_tensors="np")([
        ...     {"input_ids": [2, 5, 3], "label": 1}, {"input_ids": [2, 6, 3], "label": 0}])
        >>> batch["labels"], batch["input_ids"].shape
        (array([1, 0]), (2, 3))
    """

    return_tensors: str = "tf"

    def __post_init__(self):
        _check_return_tensors(self.return_tensors)

    def __call__(self, features: Sequence[Any], return_tensors: str | None = None) -> dict:
        return_tensors = _check_return_tensors(return_tensors or self.return_tensors)
        if not isinstance(features[0], Mapping):
            features = [vars(f) for f in features]
        first, batch = features[0], {}
        # v4's label keys: "tf" also takes "labels"; "np" stacks "labels" as a plain field.
        label_keys = LABEL_KEYS if return_tensors == "tf" else LABEL_KEYS[:2]
        label_key = next((k for k in label_keys if first.get(k) is not None), None)
        if label_key is not None:
            values = np.stack([np.asarray(f[label_key]) for f in features])
            dtype = _label_dtype(first[label_key], label_key, return_tensors)
            batch["labels"] = values.astype(dtype)
        for key, value in first.items():
            if key not in label_keys and value is not None and not isinstance(value, str):
                batch[key] = np.stack([np.asarray(f[key]) for f in features])
        return _convert(batch, return_tensors)


def _label_dtype(value: Any, key: str, return_tensors: str) -> type:
    """v4's label dtype: ``int64`` for integer labels, else ``float32``. For ``"np"``, v4 (and
    transformers 5) count a list under ``label`` as float (multi-label targets)."""
    array = np.asarray(value)
    if return_tensors == "np" and key == "label" and array.ndim:
        return np.float32
    return np.int64 if np.issubdtype(array.dtype, np.integer) else np.float32


@dataclasses.dataclass
class DataCollatorWithPadding(_PaddingOptions):
    """Pads examples with ``tokenizer.pad``; ``label`` / ``label_ids`` become ``labels``.

    Args:
        tokenizer: A BERT tokenizer (tfbert's or transformers').
        padding: ``True`` / ``"longest"``, ``"max_length"`` or ``False`` / ``"do_not_pad"``.
        max_length: Length for ``"max_length"`` padding.
        pad_to_multiple_of: Round the padded length up to a multiple of this.
        return_tensors: ``"tf"`` or ``"np"``.

    Raises:
        ValueError: ``return_tensors`` is neither ``"tf"`` nor ``"np"``.

    Example:
        >>> import os, tempfile
        >>> from transformers import BertTokenizerFast
        >>> vocab = os.path.join(tempfile.mkdtemp(), "vocab.txt")
        >>> _ = open(vocab, "w").write("[PAD]\\n[UNK]\\n[CLS]\\n[SEP]\\n[MASK]\\nhello\\nworld\\n")
        >>> tokenizer = BertTokenizerFast(vocab)
        >>> collator = DataCollatorWithPadding(tokenizer, return_tensors="np")
        >>> batch = collator([{**tokenizer("hello world"), "label": 1},
        ...                   {**tokenizer("hello"), "label": 0}])
        >>> batch["input_ids"].tolist(), batch["labels"].tolist()
        ([[2, 5, 6, 3], [2, 5, 3, 0]], [1, 0])
    """

    return_tensors: str = "tf"

    def __call__(self, features: Sequence[Mapping], return_tensors: str | None = None) -> dict:
        batch = _pad(self.tokenizer, features, **self._pad_kwargs())
        return _convert(_rename_labels(batch), return_tensors or self.return_tensors)


@dataclasses.dataclass
class DataCollatorForTokenClassification(_PaddingOptions):
    """Pads examples and their per-token ``labels`` (with ``label_pad_token_id``), all ``int64``.

    Args:
        tokenizer: A BERT tokenizer; its ``padding_side`` decides where labels are padded.
        padding, max_length, pad_to_multiple_of: As for :class:`DataCollatorWithPadding`.
        label_pad_token_id: Label of padding positions (-100: ignored by the loss).
        return_tensors: ``"tf"`` or ``"np"``.

    Raises:
        ValueError: ``return_tensors`` is neither ``"tf"`` nor ``"np"``.

    Example:
        >>> import os, tempfile
        >>> from transformers import BertTokenizerFast
        >>> vocab = os.path.join(tempfile.mkdtemp(), "vocab.txt")
        >>> _ = open(vocab, "w").write("[PAD]\\n[UNK]\\n[CLS]\\n[SEP]\\n[MASK]\\nhello\\nworld\\n")
        >>> tokenizer = BertTokenizerFast(vocab)
        >>> collator = DataCollatorForTokenClassification(tokenizer)  # "tf" tensors
        >>> batch = collator([{**tokenizer("hello world"), "labels": [-100, 1, 2, -100]},
        ...                   {**tokenizer("hello"), "labels": [-100, 1, -100]}])
        >>> batch["labels"].numpy().tolist()
        [[-100, 1, 2, -100], [-100, 1, -100, -100]]
    """

    label_pad_token_id: int = IGNORE_INDEX
    return_tensors: str = "tf"

    def __call__(self, features: Sequence[Mapping], return_tensors: str | None = None) -> dict:
        label_key = "label" if "label" in features[0] else "labels"
        batch, labels = _pad_with_rows(
            self.tokenizer, features, label_key, self.label_pad_token_id, **self._pad_kwargs()
        )
        batch = {key: np.asarray(value, dtype=np.int64) for key, value in batch.items()}
        if labels is not None:
            batch["labels"] = labels
        return _convert(batch, return_tensors or self.return_tensors)


@dataclasses.dataclass
class DataCollatorForLanguageModeling:
    """Pads examples and masks them for masked (``mlm=True``) or causal language modelling.

    Masked LM: each word (a token, or with ``whole_word_mask`` a whole word) that is not a special
    token is chosen with probability ``mlm_probability``; each token of a chosen word becomes
    ``[MASK]`` with probability ``mask_replace_prob``, else a random token with probability
    ``random_replace_prob / (1 - mask_replace_prob)``, else stays. ``labels`` holds the original
    id at chosen tokens and -100 elsewhere. Causal LM: ``labels`` is the input with padding at
    -100.

    Whole words are found from ``offset_mapping`` when the examples carry it (tokens that touch
    form a word, as transformers 5 does), else from WordPiece's ``##`` continuation prefix (as
    v4's ``DataCollatorForWholeWordMask`` and BERT's pretraining did). Unlike transformers 5,
    ``mask_replace_prob`` and ``random_replace_prob`` also apply to whole words (v4's behaviour).

    Args (in v4's order):
        tokenizer: A BERT tokenizer (tfbert's or transformers').
        mlm: Masked (``True``) or causal (``False``) language modelling.
        mlm_probability: Probability of choosing each word.
        mask_replace_prob, random_replace_prob: The 80/10/10 split (their sum at most 1).
        pad_to_multiple_of: Round the padded length up to a multiple of this.
        tf_experimental_compile: Accepted for v4 programs; masking runs in numpy, so it has no
            effect.
        return_tensors: ``"tf"`` or ``"np"``.
        seed: Seed of the masking's random generator (``None``: fresh randomness).
        whole_word_mask: Choose whole words rather than tokens.

    Raises:
        ValueError: A probability outside [0, 1], their sum above 1, no mask token with
            ``mlm=True``, ``whole_word_mask`` without ``mlm``, or a bad ``return_tensors``.

    Example:
        >>> class Tok:  # the few tokenizer methods the collator uses
        ...     mask_token_id, pad_token_id, padding_side = 4, 0, "right"
        ...     def get_special_tokens_mask(self, ids, already_has_special_tokens=True):
        ...         return [int(i in (0, 2, 3)) for i in ids]
        ...     def __len__(self):
        ...         return 10
        >>> collator = DataCollatorForLanguageModeling(Tok(), mlm_probability=1.0,
        ...     mask_replace_prob=1.0, random_replace_prob=0.0, return_tensors="np")
        >>> batch = collator([[2, 7, 8, 3], [2, 9, 3]])
        >>> batch["input_ids"].tolist(), batch["labels"].tolist()
        ([[2, 4, 4, 3], [2, 4, 3, 0]], [[-100, 7, 8, -100], [-100, 9, -100, -100]])
    """

    tokenizer: Any
    mlm: bool = True
    mlm_probability: float = 0.15
    mask_replace_prob: float = 0.8
    random_replace_prob: float = 0.1
    pad_to_multiple_of: int | None = None
    tf_experimental_compile: bool = False
    return_tensors: str = "tf"
    seed: int | None = None
    whole_word_mask: bool = False

    def __post_init__(self):
        _check_return_tensors(self.return_tensors)
        names = ("mlm_probability",) * bool(self.mlm) + ("mask_replace_prob", "random_replace_prob")
        for name in names:
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 <= value <= 1):
                raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}")
        if self.mask_replace_prob + self.random_replace_prob > 1:
            raise ValueError(
                f"mask_replace_prob + random_replace_prob must be at most 1, got "
                f"{self.mask_replace_prob} + {self.random_replace_prob}"
            )
        if self.mlm and getattr(self.tokenizer, "mask_token_id", None) is None:
            raise ValueError(
                "mlm=True needs a tokenizer with a mask token; pass mlm=False for "
                "causal language modelling"
            )
        if self.whole_word_mask and not self.mlm:
            raise ValueError("whole_word_mask=True needs mlm=True")
        self.generator = np.random.default_rng(self.seed)

    def __call__(self, examples: Sequence[Any], return_tensors: str | None = None) -> dict:
        offset_mapping = None
        if isinstance(examples[0], Mapping):
            batch, offset_mapping = _pad_with_rows(
                self.tokenizer,
                examples,
                "offset_mapping",
                0,
                width=2,
                pad_to_multiple_of=self.pad_to_multiple_of,
            )
        else:
            batch = {"input_ids": self._collate_ids(examples)}
        special_tokens_mask = batch.pop("special_tokens_mask", None)
        input_ids = np.array(batch["input_ids"], dtype=np.int64)
        if self.mlm:
            batch["input_ids"], batch["labels"] = self.mask_tokens(
                input_ids, special_tokens_mask=special_tokens_mask, offset_mapping=offset_mapping
            )
        else:
            pad_id = getattr(self.tokenizer, "pad_token_id", None)
            batch["labels"] = (
                np.where(input_ids == pad_id, IGNORE_INDEX, input_ids)
                if pad_id is not None
                else input_ids.copy()
            )
        return _convert(batch, return_tensors or self.return_tensors)

    def _collate_ids(self, examples: Sequence[Sequence[int]]) -> np.ndarray:
        rows = [np.asarray(e, dtype=np.int64) for e in examples]
        length = max(len(r) for r in rows)
        multiple = self.pad_to_multiple_of
        if multiple:
            length = -(-length // multiple) * multiple
        if all(len(r) == length for r in rows):
            return np.stack(rows)
        pad_id = getattr(self.tokenizer, "pad_token_id", None)
        if pad_id is None:
            raise ValueError(
                f"examples of different lengths need padding, but the tokenizer "
                f"{type(self.tokenizer).__name__} has no pad token"
            )
        return _pad_rows(rows, length, pad_id, self.tokenizer)

    def mask_tokens(
        self, inputs: np.ndarray, special_tokens_mask: Any = None, offset_mapping: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Masks a padded ``(batch, seq)`` id array; returns ``(masked_inputs, labels)``.

        Args:
            inputs: The ids (not modified).
            special_tokens_mask: 1 where a token may not be chosen; by default the tokenizer's
                ``get_special_tokens_mask(..., already_has_special_tokens=True)``.
            offset_mapping: ``(batch, seq, 2)`` character offsets, for whole words.

        Returns:
            ``(inputs, labels)``: the ids with chosen tokens replaced, and the original ids at
            chosen tokens with -100 elsewhere.
        """
        inputs = np.array(inputs, dtype=np.int64)
        labels = inputs.copy()
        if special_tokens_mask is None:
            special_tokens_mask = [
                self.tokenizer.get_special_tokens_mask(row, already_has_special_tokens=True)
                for row in inputs.tolist()
            ]
        special = np.asarray(special_tokens_mask, dtype=bool)
        words = self._word_ids(inputs, special, offset_mapping)
        rng = self.generator
        previous = np.pad(words, ((0, 0), (1, 0)), constant_values=-1)[:, :-1]
        starts = (words >= 0) & (words != previous)  # a word's first token
        chosen_starts = starts & (rng.random(inputs.shape) < self.mlm_probability)
        chosen_word = np.zeros((inputs.shape[0], inputs.shape[1] + 1), dtype=bool)  # by word id
        rows, columns = np.nonzero(chosen_starts)
        chosen_word[rows, words[rows, columns]] = True
        batch_index = np.arange(inputs.shape[0])[:, None]
        masked = chosen_word[batch_index, np.maximum(words, 0)] & (words >= 0)
        labels[~masked] = IGNORE_INDEX
        replaced = masked & (rng.random(inputs.shape) < self.mask_replace_prob)
        inputs[replaced] = self.tokenizer.mask_token_id
        remaining = 1.0 - self.mask_replace_prob
        if self.random_replace_prob > 0 and remaining > 0:
            scaled = self.random_replace_prob / remaining
            randomised = masked & ~replaced & (rng.random(inputs.shape) < scaled)
            inputs[randomised] = rng.integers(0, len(self.tokenizer), size=int(randomised.sum()))
        return inputs, labels

    def _word_ids(self, inputs: np.ndarray, special: np.ndarray, offsets: Any) -> np.ndarray:
        """``(batch, seq)`` word numbers, increasing along each row; -1 at special tokens."""
        if not self.whole_word_mask:
            new_word = ~special
        elif offsets is not None:
            offsets = np.asarray(offsets)
            previous_end = np.pad(offsets[:, :-1, 1], ((0, 0), (1, 0)), constant_values=-1)
            previous_special = np.pad(special[:, :-1], ((0, 0), (1, 0)), constant_values=False)
            new_word = ~special & ((offsets[:, :, 0] != previous_end) | previous_special)
        else:
            continues = np.array(
                [
                    [token.startswith("##") for token in self.tokenizer.convert_ids_to_tokens(row)]
                    for row in inputs.tolist()
                ],
                dtype=bool,
            ).reshape(inputs.shape)
            previous_special = np.pad(special[:, :-1], ((0, 0), (1, 0)), constant_values=True)
            new_word = ~special & (~continues | previous_special)
        return np.where(special, -1, np.cumsum(new_word, axis=1))


@dataclasses.dataclass
class DataCollatorForWholeWordMask(DataCollatorForLanguageModeling):
    """v4's whole-word masking collator: :class:`DataCollatorForLanguageModeling` with
    ``whole_word_mask=True`` (words by WordPiece's ``##`` prefix, or by offsets when given).

    Differs from v4 in how many words are drawn: each word is chosen with probability
    ``mlm_probability`` (transformers 5's way), where v4 drew a fixed count of
    ``round(mlm_probability * tokens)`` tokens' worth of words.

    Example:
        >>> import os, tempfile
        >>> from transformers import BertTokenizerFast
        >>> vocab = os.path.join(tempfile.mkdtemp(), "vocab.txt")
        >>> _ = open(vocab, "w").write("[PAD]\\n[UNK]\\n[CLS]\\n[SEP]\\n[MASK]\\nhello\\nworld\\n")
        >>> tokenizer = BertTokenizerFast(vocab)
        >>> collator = DataCollatorForWholeWordMask(tokenizer, mlm_probability=1.0,
        ...                                         return_tensors="np", seed=0)
        >>> collator([tokenizer("hello world")["input_ids"]])["labels"].tolist()
        [[-100, 5, 6, -100]]
    """

    whole_word_mask: bool = True

    def __post_init__(self):
        if not self.whole_word_mask or not self.mlm:
            raise ValueError(
                "DataCollatorForWholeWordMask masks whole words: whole_word_mask and "
                "mlm must stay True"
            )
        super().__post_init__()


def prepare_tf_dataset(
    model,
    dataset,
    batch_size: int = 8,
    shuffle: bool = True,
    tokenizer=None,
    collate_fn: Callable | None = None,
    collate_fn_args: dict | None = None,
    drop_remainder: bool | None = None,
    prefetch: bool = True,
):
    """v4's ``TFPreTrainedModel.prepare_tf_dataset``: a 🤗 ``datasets.Dataset`` as a
    ``tf.data.Dataset`` of ``(features, labels)`` batches that ``model.fit`` takes.

    Columns the model's ``call`` does not take are dropped; the model's targets (``labels``,
    ``start_positions``, ...) become the labels, the rest the features (a single tensor where
    only one column remains, as in v4).

    Args:
        model: A tfbert model (its ``call`` signature and ``label_names`` choose the columns).
        dataset: A tokenized ``datasets.Dataset``.
        batch_size: Examples per batch.
        shuffle: Shuffle the examples.
        tokenizer: Pad batches with ``DataCollatorWithPadding(tokenizer)``; without it (and
            without ``collate_fn``) examples are stacked with ``DefaultDataCollator``.
        collate_fn: A collator to use instead, called with ``**collate_fn_args``.
        collate_fn_args: Keyword arguments for ``collate_fn``.
        drop_remainder: Drop the last incomplete batch (default: ``shuffle``).
        prefetch: Prefetch batches.

    Returns:
        The ``tf.data.Dataset``.

    Raises:
        TypeError: ``dataset`` is not a ``datasets.Dataset``.

    Example:
        >>> import os, tempfile
        >>> from transformers import BertTokenizerFast
        >>> vocab = os.path.join(tempfile.mkdtemp(), "vocab.txt")
        >>> _ = open(vocab, "w").write("[PAD]\\n[UNK]\\n[CLS]\\n[SEP]\\n[MASK]\\nhello\\nworld\\n")
        >>> tokenizer = BertTokenizerFast(vocab)
        >>> import datasets
        >>> from tfbert import BertConfig, TFBertForSequenceClassification
        >>> model = TFBertForSequenceClassification(BertConfig(
        ...     vocab_size=7, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
        ...     intermediate_size=16))
        >>> data = datasets.Dataset.from_dict({"text": ["hello", "hello world"] * 4,
        ...                                    "label": [0, 1] * 4})
        >>> data = data.map(lambda rows: tokenizer(rows["text"]), batched=True)
        >>> tf_data = prepare_tf_dataset(model, data, batch_size=4, tokenizer=tokenizer)
        >>> features, labels = next(iter(tf_data))
        >>> sorted(features), labels.shape
        (['attention_mask', 'input_ids', 'token_type_ids'], TensorShape([4]))
    """
    import datasets

    if not isinstance(dataset, datasets.Dataset):
        raise TypeError(f"dataset must be a datasets.Dataset, got {type(dataset).__name__}")
    if collate_fn is None:
        collate_fn = (
            DataCollatorWithPadding(tokenizer, return_tensors="np")
            if tokenizer
            else DefaultDataCollator(return_tensors="np")
        )
    collate_fn_args = collate_fn_args or {}
    from tfbert.modeling import LABEL_INPUTS

    label_names = list(getattr(model, "label_names", ("labels",)))
    # v4 read the model's inputs from its call signature; tfbert's models share one signature, so
    # targets of other heads (start_positions for a classifier) are left out here.
    model_inputs = [
        p
        for p in inspect.signature(model.call).parameters
        if p != "training" and (p not in LABEL_INPUTS or p in label_names)
    ]
    signature, _ = dataset._get_output_signature(
        dataset,
        batch_size=None,
        collate_fn=collate_fn,
        collate_fn_args=collate_fn_args,
        cols_to_retain=model_inputs,
    )
    columns = [c for c in signature if c in model_inputs and c not in label_names]
    label_cols = [c for c in signature if c in label_names]
    if drop_remainder is None:
        drop_remainder = shuffle
    return dataset.to_tf_dataset(
        columns=columns[0] if len(columns) == 1 else columns,
        label_cols=label_cols[0] if len(label_cols) == 1 else label_cols,
        batch_size=batch_size,
        shuffle=shuffle,
        drop_remainder=drop_remainder,
        collate_fn=collate_fn,
        collate_fn_args=collate_fn_args,
        prefetch=prefetch,
    )


__all__ = [
    "DataCollatorForLanguageModeling",
    "DataCollatorForTokenClassification",
    "DataCollatorForWholeWordMask",
    "DataCollatorWithPadding",
    "DefaultDataCollator",
    "prepare_tf_dataset",
]
