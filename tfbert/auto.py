"""transformers v4's ``TFAuto*``, ``AutoConfig`` and ``AutoTokenizer`` names, for BERT checkpoints.

Each auto class reads the checkpoint's ``config.json`` (``tokenizer_config.json`` for the
tokenizer), checks that it describes BERT and hands over to the tfbert class that serves it::

    model = TFAutoModelForSequenceClassification.from_pretrained("path/to/bert")  # a TFBertFor...

tfbert serves BERT only: any other ``model_type`` is a ``ValueError`` naming it, raised before
any weight is read.
"""

from __future__ import annotations

import json
import os
from typing import Any

from tfbert.checkpoint.files import HUB_ARGS, resolve_file
from tfbert.config import CONFIG_NAME, BertConfig

TOKENIZER_CONFIG_NAME = "tokenizer_config.json"


def _is_bert(model_type: Any, architectures: Any) -> bool:
    if model_type is not None:
        return model_type == "bert"
    return any(str(name).removeprefix("TF").startswith("Bert") for name in architectures or ())


def check_bert_config(values: dict[str, Any], source: str) -> None:
    """Raises unless a ``config.json`` dict describes a BERT model.

    BERT means ``model_type`` ``"bert"`` or, where ``model_type`` is missing, a ``Bert*`` class in
    ``architectures``.

    Args:
        values: The parsed ``config.json``.
        source: Where it came from, for the error message.

    Raises:
        ValueError: Another model type; the message names it.

    Example:
        >>> check_bert_config({"model_type": "bert"}, "here")
        >>> check_bert_config({"model_type": "gpt2"}, "here")
        Traceback (most recent call last):
        ...
        ValueError: here is a 'gpt2' checkpoint; tfbert serves BERT only (model_type 'bert')
    """
    model_type, architectures = values.get("model_type"), values.get("architectures")
    if _is_bert(model_type, architectures):
        return
    what = repr(model_type) if model_type is not None else f"architectures {architectures!r}"
    if model_type is None and not architectures:
        raise ValueError(
            f"{source} names no model_type and no architectures; tfbert serves BERT "
            f"only (model_type 'bert')"
        )
    raise ValueError(
        f"{source} is a {what} checkpoint; tfbert serves BERT only (model_type 'bert')"
    )


def _read_json(
    name_or_path: str | os.PathLike,
    filename: str,
    hub_args: dict,
    *,
    required: bool = True,
    allow_file: bool = False,
) -> tuple[dict | None, str | None]:
    if allow_file and os.path.isfile(name_or_path):
        path = os.fspath(name_or_path)
    else:
        path = resolve_file(name_or_path, filename, required=required, **hub_args)
    if path is None:
        return None, None
    with open(path, encoding="utf-8") as f:
        try:
            return json.load(f), path
        except json.JSONDecodeError as err:
            raise ValueError(f"{path} is not valid JSON: {err}") from None


def _hub_args(kwargs: dict) -> dict:
    return {k: kwargs[k] for k in HUB_ARGS if k in kwargs}


def _check_config_object(config: Any) -> None:
    model_type = getattr(config, "model_type", None)
    if isinstance(config, dict):
        check_bert_config(config, "the config dict")
    elif model_type != "bert":
        raise ValueError(
            f"config is a {type(config).__name__} with model_type {model_type!r}; "
            f"tfbert serves BERT only (a BertConfig)"
        )


class AutoConfig:
    """transformers' ``AutoConfig`` for BERT: reads ``config.json`` into a :class:`BertConfig`.

    Example:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> _ = BertConfig(hidden_size=8, num_attention_heads=2).save_pretrained(folder)
        >>> AutoConfig.from_pretrained(folder, num_labels=3).num_labels
        3
        >>> AutoConfig.for_model("bert", hidden_size=16, num_attention_heads=4).hidden_size
        16
    """

    def __init__(self, *args, **kwargs):
        raise OSError(
            "AutoConfig is not instantiated: use AutoConfig.from_pretrained(path) "
            "or AutoConfig.for_model('bert', ...)"
        )

    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike, **kwargs: Any) -> BertConfig:
        """Reads a BERT ``config.json`` from a folder, a file or a hub id.

        Args:
            name_or_path: Folder, ``config.json`` path or hub id.
            **kwargs: ``revision``, ``cache_dir``, ``local_files_only``, ``token`` for the hub;
                anything else overrides config fields.

        Returns:
            The :class:`BertConfig`.

        Raises:
            FileNotFoundError: No ``config.json`` there.
            ValueError: The config is not BERT's (the message names its ``model_type``) or a
                field is invalid.
        """
        hub_args = _hub_args(kwargs)
        overrides = {k: v for k, v in kwargs.items() if k not in hub_args}
        values, path = _read_json(name_or_path, CONFIG_NAME, hub_args, allow_file=True)
        check_bert_config(values, path)
        return BertConfig.from_dict(values, **overrides)

    @classmethod
    def for_model(cls, model_type: str, **kwargs: Any) -> BertConfig:
        """A fresh config of ``model_type`` (only ``"bert"``) with ``kwargs`` as fields.

        Raises:
            ValueError: ``model_type`` is not ``"bert"``.
        """
        if model_type != "bert":
            raise ValueError(
                f"model_type {model_type!r} is not served; tfbert serves BERT only "
                f"(model_type 'bert')"
            )
        return BertConfig(**kwargs)


class _TFAutoModel:
    """Base of the ``TFAuto*`` classes; ``_target`` names the ``tfbert.modeling`` class served."""

    _target = "TFBertModel"

    def __init__(self, *args, **kwargs):
        name = type(self).__name__
        raise OSError(
            f"{name} is not instantiated: use {name}.from_pretrained(path) or "
            f"{name}.from_config(config)"
        )

    @classmethod
    def model_class(cls) -> type:
        """The tfbert model class this auto class builds (e.g. ``TFBertForMaskedLM``)."""
        from tfbert import modeling

        return getattr(modeling, cls._target)

    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike, *model_args: Any, **kwargs: Any):
        """Loads a BERT checkpoint into the model class this auto class serves.

        Args:
            name_or_path: Folder or hub id of a Hugging Face BERT checkpoint.
            *model_args: Not supported (v4 passed them to the model constructor); must be empty.
            **kwargs: As for the model class's ``from_pretrained`` (``config``, ``num_labels``,
                hub arguments, ...).

        Returns:
            The loaded model (e.g. a ``TFBertForSequenceClassification``).

        Raises:
            TypeError: Positional ``model_args`` were given.
            ValueError: The checkpoint is not BERT's; the message names its ``model_type``.
            FileNotFoundError: No ``config.json`` or no weights there.
        """
        if model_args:
            raise TypeError(
                f"{cls.__name__}.from_pretrained takes no positional arguments after "
                f"the path; pass configuration as keywords (got {len(model_args)})"
            )
        config = kwargs.get("config")
        if config is None:
            values, path = _read_json(name_or_path, CONFIG_NAME, _hub_args(kwargs))
            check_bert_config(values, path)
        else:
            _check_config_object(config)
        return cls.model_class().from_pretrained(name_or_path, **kwargs)

    @classmethod
    def from_config(cls, config: BertConfig | dict, **kwargs: Any):
        """A freshly initialised model of this auto class's kind for ``config``.

        Args:
            config: A :class:`BertConfig` (or a ``config.json`` dict).
            **kwargs: Keras model arguments (``name``, ``dtype``, ...).

        Raises:
            ValueError: ``config`` is not a BERT config.
        """
        _check_config_object(config)
        return cls.model_class()(config, **kwargs)


def _auto(name: str, target: str) -> type:
    doc = (
        f"transformers v4's ``{name}`` for BERT: ``from_pretrained`` and ``from_config`` "
        f"build a ``{target}``.\n\n    Example:\n        >>> from tfbert import BertConfig\n"
        f"        >>> config = BertConfig(vocab_size=30, hidden_size=8, num_hidden_layers=1,\n"
        f"        ...                     num_attention_heads=2, intermediate_size=16)\n"
        f"        >>> type({name}.from_config(config)).__name__\n        '{target}'\n    "
    )
    return type(name, (_TFAutoModel,), {"_target": target, "__doc__": doc, "__module__": __name__})


TFAutoModel = _auto("TFAutoModel", "TFBertModel")
TFAutoModelForPreTraining = _auto("TFAutoModelForPreTraining", "TFBertForPreTraining")
TFAutoModelForMaskedLM = _auto("TFAutoModelForMaskedLM", "TFBertForMaskedLM")
TFAutoModelForCausalLM = _auto("TFAutoModelForCausalLM", "TFBertLMHeadModel")
TFAutoModelForSequenceClassification = _auto(
    "TFAutoModelForSequenceClassification", "TFBertForSequenceClassification"
)
TFAutoModelForTokenClassification = _auto(
    "TFAutoModelForTokenClassification", "TFBertForTokenClassification"
)
TFAutoModelForQuestionAnswering = _auto(
    "TFAutoModelForQuestionAnswering", "TFBertForQuestionAnswering"
)
TFAutoModelForMultipleChoice = _auto("TFAutoModelForMultipleChoice", "TFBertForMultipleChoice")
TFAutoModelForNextSentencePrediction = _auto(
    "TFAutoModelForNextSentencePrediction", "TFBertForNextSentencePrediction"
)


class AutoTokenizer:
    """transformers' ``AutoTokenizer`` for BERT vocabularies: a ``BertTokenizerFast`` (or, with
    ``use_fast=False``, a ``BertTokenizer``) from ``tfbert.tokenizer``.

    The folder's ``tokenizer_config.json`` ``tokenizer_class`` (or else ``config.json``'s
    ``model_type``) must be BERT's.

    Example:
        >>> import json, os, tempfile
        >>> folder = tempfile.mkdtemp()
        >>> with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        ...     json.dump({"tokenizer_class": "GPT2Tokenizer"}, f)
        >>> AutoTokenizer.from_pretrained(folder)
        Traceback (most recent call last):
        ...
        ValueError: ... names tokenizer_class 'GPT2Tokenizer'; tfbert serves BERT only (Bert...
    """

    def __init__(self, *args, **kwargs):
        raise OSError("AutoTokenizer is not instantiated: use AutoTokenizer.from_pretrained(path)")

    @classmethod
    def from_pretrained(
        cls, name_or_path: str | os.PathLike, *inputs: Any, use_fast: bool = True, **kwargs: Any
    ):
        """Loads the BERT tokenizer of a checkpoint folder or hub id.

        Args:
            name_or_path: Folder or hub id holding ``vocab.txt`` (and ``tokenizer_config.json``).
            *inputs, **kwargs: Passed on to the tokenizer class's ``from_pretrained``.
            use_fast: ``True`` for ``BertTokenizerFast``, ``False`` for ``BertTokenizer``.

        Returns:
            The tokenizer.

        Raises:
            ValueError: ``tokenizer_class`` or ``model_type`` is not BERT's; the message names it.
        """
        hub_args = _hub_args(kwargs)
        tokenizer_config, path = _read_json(
            name_or_path, TOKENIZER_CONFIG_NAME, hub_args, required=False
        )
        tokenizer_class = (tokenizer_config or {}).get("tokenizer_class")
        if tokenizer_class is not None:
            if not str(tokenizer_class).startswith("Bert"):
                raise ValueError(
                    f"{path} names tokenizer_class {tokenizer_class!r}; tfbert serves "
                    f"BERT only (BertTokenizer, BertTokenizerFast)"
                )
        else:
            config, config_path = _read_json(name_or_path, CONFIG_NAME, hub_args, required=False)
            if config is not None:
                check_bert_config(config, config_path)
        from tfbert import tokenizer

        target = tokenizer.BertTokenizerFast if use_fast else tokenizer.BertTokenizer
        return target.from_pretrained(name_or_path, *inputs, **kwargs)
