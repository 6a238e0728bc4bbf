"""`BertConfig`: the hyper-parameters of a BERT model, read from and written to `config.json`.

The file format is transformers' own, so transformers reads the configs tfbert writes and tfbert
reads theirs. Keys tfbert does not use (``architectures``, ``transformers_version``, ...) are kept
and written back unchanged.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from typing import Any

from tfbert.files import HUB_ARGS, atomic_write_text, json_text, resolve_file

ACTIVATIONS = (
    "gelu",
    "gelu_new",
    "gelu_fast",
    "gelu_pytorch_tanh",
    "quick_gelu",
    "relu",
    "silu",
    "swish",
    "tanh",
    "mish",
)
POSITION_EMBEDDING_TYPES = ("absolute", "relative_key", "relative_key_query")
PROBLEM_TYPES = ("regression", "single_label_classification", "multi_label_classification")

CONFIG_NAME = "config.json"

_DEFAULTS: dict[str, Any] = {
    "vocab_size": 30522,
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-12,
    "pad_token_id": 0,
    "position_embedding_type": "absolute",
    "use_cache": True,
    "classifier_dropout": None,
    "is_decoder": False,
    "add_cross_attention": False,
    "problem_type": None,
}
# transformers' generic output switches (``PretrainedConfig``): defaults of every model call.
_OUTPUT_FLAGS: dict[str, bool] = {
    "output_hidden_states": False,
    "output_attentions": False,
    "return_dict": True,
}
_POSITIVE_INTS = (
    "vocab_size",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "max_position_embeddings",
    "type_vocab_size",
)
_PROBABILITIES = ("hidden_dropout_prob", "attention_probs_dropout_prob", "classifier_dropout")


class BertConfig:
    """Configuration of a BERT model, field for field transformers' ``BertConfig``.

    Args:
        vocab_size: Number of token ids.
        hidden_size: Width of the hidden states; divisible by ``num_attention_heads``.
        num_hidden_layers: Number of encoder blocks.
        num_attention_heads: Attention heads per block.
        intermediate_size: Width of the feed-forward layer.
        hidden_act: Feed-forward activation, by transformers' name (``"gelu"`` is exact GELU).
        hidden_dropout_prob: Dropout on embeddings and block outputs.
        attention_probs_dropout_prob: Dropout on attention probabilities.
        max_position_embeddings: Longest sequence the position table covers.
        type_vocab_size: Number of token type (segment) ids.
        initializer_range: Standard deviation of the truncated-normal weight initialiser.
        layer_norm_eps: LayerNorm epsilon.
        pad_token_id: Id of ``[PAD]``.
        position_embedding_type: ``"absolute"``, ``"relative_key"`` or ``"relative_key_query"``.
        use_cache: Whether decoders return key/value caches.
        classifier_dropout: Dropout before classification heads; ``None`` uses
            ``hidden_dropout_prob``.
        is_decoder: Causal self-attention (for ``TFBertLMHeadModel``).
        add_cross_attention: Add cross-attention to encoder states in every block.
        num_labels: Number of labels of classification heads (defaults to ``len(id2label)`` or 2).
        id2label: Label names by id; keys may be ints or strings of ints.
        label2id: Ids by label name.
        problem_type: ``"regression"``, ``"single_label_classification"`` or
            ``"multi_label_classification"``; ``None`` infers it from the labels like transformers.
        output_hidden_states, output_attentions: What models return when a call does not say.
        return_dict: ``False`` makes models return tuples when a call does not say (transformers'
            ``use_return_dict``).
        **kwargs: Other keys of ``config.json``, kept and written back unchanged.

    Raises:
        ValueError: A field has an invalid value; the message names the field.

    Example:
        >>> config = BertConfig(hidden_size=64, num_attention_heads=4, num_labels=3)
        >>> config.id2label[2]
        'LABEL_2'
        >>> BertConfig(hidden_size=50, num_attention_heads=3)
        Traceback (most recent call last):
        ...
        ValueError: hidden_size 50 is not divisible by num_attention_heads 3
    """

    model_type = "bert"

    def __init__(
        self,
        *,
        num_labels: int | None = None,
        id2label: dict | None = None,
        label2id: dict | None = None,
        **kwargs: Any,
    ):
        if "use_return_dict" in kwargs:  # a transformers property; some callers pass it
            kwargs.setdefault("return_dict", kwargs.pop("use_return_dict"))
        known = {**_DEFAULTS, **_OUTPUT_FLAGS}
        values = dict(known)
        values.update({k: v for k, v in kwargs.items() if k in known})
        for key, value in values.items():
            setattr(self, key, value)
        self.extra = {k: v for k, v in kwargs.items() if k not in known and k != "model_type"}
        self.id2label, self.label2id = _labels(num_labels, id2label, label2id)
        self.validate()

    @property
    def num_labels(self) -> int:
        """Number of labels of classification heads: ``len(id2label)``."""
        return len(self.id2label)

    @property
    def use_return_dict(self) -> bool:
        """Whether models return output objects (not tuples) by default; ``return_dict``."""
        return bool(self.return_dict)

    @property
    def head_size(self) -> int:
        """Width of one attention head."""
        return self.hidden_size // self.num_attention_heads

    def validate(self) -> None:
        """Checks every field.

        Raises:
            ValueError: naming the first invalid field, its value and what was expected.
        """
        for name in _POSITIVE_INTS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(
                f"hidden_size {self.hidden_size} is not divisible by "
                f"num_attention_heads {self.num_attention_heads}"
            )
        for name in _PROBABILITIES:
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and 0 <= value < 1):
                raise ValueError(f"{name} must be a probability in [0, 1), got {value!r}")
        if self.hidden_act not in ACTIVATIONS:
            raise ValueError(
                f"hidden_act {self.hidden_act!r} is not one of {', '.join(ACTIVATIONS)}"
            )
        if self.position_embedding_type not in POSITION_EMBEDDING_TYPES:
            raise ValueError(
                f"position_embedding_type {self.position_embedding_type!r} is not one "
                f"of {', '.join(POSITION_EMBEDDING_TYPES)}"
            )
        if self.problem_type is not None and self.problem_type not in PROBLEM_TYPES:
            raise ValueError(
                f"problem_type {self.problem_type!r} is not None or one of "
                f"{', '.join(PROBLEM_TYPES)}"
            )
        if not (isinstance(self.layer_norm_eps, (int, float)) and self.layer_norm_eps > 0):
            raise ValueError(
                f"layer_norm_eps must be a positive number, got {self.layer_norm_eps!r}"
            )
        if not (isinstance(self.initializer_range, (int, float)) and self.initializer_range >= 0):
            raise ValueError(
                f"initializer_range must be a non-negative number, got {self.initializer_range!r}"
            )
        if self.pad_token_id is not None and not 0 <= self.pad_token_id < self.vocab_size:
            raise ValueError(
                f"pad_token_id {self.pad_token_id!r} is outside the vocabulary "
                f"[0, {self.vocab_size})"
            )
        for name in _OUTPUT_FLAGS:
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.add_cross_attention and not self.is_decoder:
            raise ValueError("add_cross_attention=True needs is_decoder=True")

    # -- dict and file round trips -------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """All fields as a JSON-ready dict, in transformers' ``config.json`` layout."""
        out = copy.deepcopy(self.extra)
        out.update({key: getattr(self, key) for key in (*_DEFAULTS, *_OUTPUT_FLAGS)})
        out["model_type"] = self.model_type
        out["id2label"] = {str(i): label for i, label in self.id2label.items()}
        out["label2id"] = dict(self.label2id)
        return dict(sorted(out.items()))

    @classmethod
    def from_dict(cls, values: dict[str, Any], **overrides: Any) -> BertConfig:
        """Builds a config from a ``config.json`` dict, ``overrides`` taking precedence.

        Raises:
            ValueError: The dict is for another model type, or a field is invalid.
        """
        values = {**values, **overrides}
        model_type = values.get("model_type", cls.model_type)
        if model_type != cls.model_type:
            raise ValueError(f"config model_type {model_type!r} is not 'bert'")
        if "num_labels" in overrides and "id2label" not in overrides:
            values.pop("id2label", None)
            values.pop("label2id", None)
        return cls(**values)

    def to_json_string(self) -> str:
        """The config as indented JSON text."""
        return json_text(self.to_dict(), CONFIG_NAME, sort_keys=True)

    def save_pretrained(self, directory: str | os.PathLike) -> str:
        """Writes ``config.json`` into ``directory`` (created if missing) atomically.

        Returns:
            The path of the written file.

        Raises:
            TypeError: A field holds a value JSON cannot hold (named); nothing is written.
        """
        text = self.to_json_string()
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, CONFIG_NAME)
        atomic_write_text(path, text)
        return path

    @classmethod
    def from_json_file(cls, path: str | os.PathLike, **overrides: Any) -> BertConfig:
        """Reads a ``config.json`` file.

        Raises:
            ValueError: The file is not valid JSON or holds an invalid config (the message
                names the file).
            TypeError: A field has the wrong type (the message names the file).
        """
        with open(path, encoding="utf-8") as f:
            try:
                values = json.load(f)
            except (json.JSONDecodeError, UnicodeDecodeError) as err:
                raise ValueError(f"{path} is not valid JSON: {err}") from None
        if not isinstance(values, dict):
            raise ValueError(
                f"{path} holds a JSON {type(values).__name__}; expected an object "
                f'of config fields ({{"model_type": "bert", ...}})'
            )
        try:
            return cls.from_dict(values, **overrides)
        except (ValueError, TypeError) as err:
            raise type(err)(f"{path}: {err}") from None

    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike, **kwargs: Any) -> BertConfig:
        """Reads ``config.json`` from a local folder, a file, or a Hugging Face hub id.

        Args:
            name_or_path: Folder, ``config.json`` path, or hub id.
            **kwargs: ``revision``, ``cache_dir``, ``local_files_only``, ``token``; other keys
                override config fields.
        """
        hub_args = {k: kwargs.pop(k) for k in list(kwargs) if k in HUB_ARGS}
        if os.path.isfile(name_or_path):
            return cls.from_json_file(name_or_path, **kwargs)
        return cls.from_json_file(resolve_file(name_or_path, CONFIG_NAME, **hub_args), **kwargs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BertConfig) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"BertConfig {self.to_json_string()}"


def as_bert_config(config: Any) -> BertConfig:
    """A :class:`BertConfig` from whatever a v4 program passes where a config goes.

    Args:
        config: A tfbert ``BertConfig``; transformers' ``BertConfig`` (or any object with
            ``to_dict()`` and ``model_type`` ``"bert"``); or a ``config.json`` dict.

    Returns:
        The tfbert config (``config`` itself when it already is one).

    Raises:
        ValueError: The config is for another model type; the message names it.
        TypeError: ``config`` is none of the above.

    Example:
        >>> as_bert_config({"hidden_size": 64, "num_attention_heads": 4}).hidden_size
        64
    """
    if isinstance(config, BertConfig):
        return config
    if isinstance(config, Mapping):
        return BertConfig.from_dict(dict(config))
    if callable(getattr(config, "to_dict", None)):
        model_type = getattr(config, "model_type", None)
        if model_type != BertConfig.model_type:
            raise ValueError(
                f"{type(config).__name__} has model_type {model_type!r}; tfbert's "
                f"models take BERT configs (model_type 'bert')"
            )
        return BertConfig.from_dict(config.to_dict())
    raise TypeError(
        f"config must be a BertConfig (tfbert's or transformers'), or a config.json "
        f"dict, got {type(config).__name__}"
    )


def _labels(num_labels, id2label, label2id):
    if id2label is not None:
        id2label = {int(k): v for k, v in id2label.items()}
        if num_labels is not None and num_labels != len(id2label):
            raise ValueError(
                f"num_labels {num_labels} does not match id2label with {len(id2label)} entries"
            )
        if sorted(id2label) != list(range(len(id2label))):
            raise ValueError(
                f"id2label keys must be 0..{len(id2label) - 1}, got {sorted(id2label)}"
            )
    else:
        if num_labels is None:
            num_labels = 2
        if isinstance(num_labels, bool) or not isinstance(num_labels, int) or num_labels <= 0:
            raise ValueError(f"num_labels must be a positive integer, got {num_labels!r}")
        id2label = {i: f"LABEL_{i}" for i in range(num_labels)}
    if label2id is None or len(label2id) != len(id2label):
        label2id = {label: i for i, label in id2label.items()}
    return id2label, {k: int(v) for k, v in label2id.items()}
