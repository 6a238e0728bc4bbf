"""`GenerationConfig`: how ``generate()`` decodes, read from and written to
``generation_config.json`` in transformers' format (transformers reads tfbert's and the other way
round)."""

from __future__ import annotations

import copy
import json
import os
from typing import Any

GENERATION_CONFIG_NAME = "generation_config.json"

# What an unset field means at generate time (transformers 5's defaults).
DEFAULTS: dict[str, Any] = {
    "max_length": 20,
    "max_new_tokens": None,
    "min_length": 0,
    "min_new_tokens": None,
    "early_stopping": False,
    "do_sample": False,
    "num_beams": 1,
    "temperature": 1.0,
    "top_k": 50,
    "top_p": 1.0,
    "repetition_penalty": 1.0,
    "length_penalty": 1.0,
    "no_repeat_ngram_size": 0,
    "bad_words_ids": None,
    "num_return_sequences": 1,
    "output_scores": False,
    "return_dict_in_generate": False,
    "pad_token_id": None,
    "bos_token_id": None,
    "eos_token_id": None,
    "decoder_start_token_id": None,
    "forced_bos_token_id": None,
    "forced_eos_token_id": None,
    "use_cache": True,
}
_TOKEN_FIELDS = ("pad_token_id", "bos_token_id", "eos_token_id", "decoder_start_token_id")


class GenerationConfig:
    """The decoding options of ``generate()``, field for field transformers'.

    Fields left unset (``None``) take transformers 5's defaults when generating (``max_length``
    20, greedy search, ``top_k`` 50 when sampling, ...); only set fields are written.

    Args:
        **kwargs: Any of ``max_length``, ``max_new_tokens``, ``min_length``, ``min_new_tokens``,
            ``early_stopping`` (``True``, ``False`` or ``"never"``), ``do_sample``, ``num_beams``,
            ``temperature``, ``top_k``, ``top_p``, ``repetition_penalty``, ``length_penalty``,
            ``no_repeat_ngram_size``, ``bad_words_ids``, ``num_return_sequences``,
            ``output_scores``, ``return_dict_in_generate``, ``pad_token_id``, ``bos_token_id``,
            ``eos_token_id`` (one id or a list), ``decoder_start_token_id``,
            ``forced_bos_token_id``, ``forced_eos_token_id``, ``use_cache``; other keys are kept
            and written back unchanged.

    Raises:
        ValueError: An invalid value; the message names the field.

    Example:
        >>> config = GenerationConfig(num_beams=4, max_new_tokens=5)
        >>> config.num_beams, config.get("top_k")
        (4, 50)
        >>> GenerationConfig(top_p=1.5)
        Traceback (most recent call last):
        ...
        ValueError: top_p must be a number in (0, 1], got 1.5
    """

    def __init__(self, **kwargs: Any):
        for key in DEFAULTS:
            setattr(self, key, kwargs.pop(key, None))
        kwargs.pop("transformers_version", None)
        self.extra = kwargs
        self.validate()

    def get(self, key: str) -> Any:
        """The value ``generate()`` uses: the field's, else its default."""
        value = getattr(self, key)
        return DEFAULTS[key] if value is None else value

    def validate(self) -> None:
        """Checks every set field.

        Raises:
            ValueError: An invalid value; the message names the field and what was expected.
        """
        for key in ("max_length", "num_beams", "num_return_sequences"):
            _check_int(key, getattr(self, key), minimum=1)
        for key in (
            "max_new_tokens",
            "top_k",
            "no_repeat_ngram_size",
            "min_length",
            "min_new_tokens",
        ):
            _check_int(key, getattr(self, key), minimum=0)
        top_p = self.top_p
        if top_p is not None and (
            isinstance(top_p, bool) or not isinstance(top_p, (int, float)) or not 0.0 < top_p <= 1.0
        ):
            raise ValueError(f"top_p must be a number in (0, 1], got {top_p!r}")
        for key in ("temperature", "repetition_penalty"):
            value = getattr(self, key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0
            ):
                raise ValueError(f"{key} must be a positive number, got {value!r}")
        if self.early_stopping not in (None, True, False, "never"):
            raise ValueError(
                f"early_stopping must be True, False or 'never', got {self.early_stopping!r}"
            )
        if self.get("num_return_sequences") > self.get("num_beams") and not self.get("do_sample"):
            raise ValueError(
                f"num_return_sequences ({self.num_return_sequences}) must be at most "
                f"num_beams ({self.get('num_beams')}) without sampling"
            )

    @classmethod
    def from_model_config(cls, model_config) -> GenerationConfig:
        """The token ids of a model config (``bos``/``eos``/``pad``/``decoder_start``) as a
        generation config; an encoder-decoder's unset ids come from its decoder config."""
        values = {}
        # an encoder-decoder's own ids first, then its decoder's (as transformers does)
        for source in (model_config, getattr(model_config, "decoder", None)):
            for key in _TOKEN_FIELDS:
                value = None if source is None else getattr(source, key, None)
                if value is None and source is not None:
                    value = getattr(source, "extra", {}).get(key)
                if value is not None:
                    values.setdefault(key, value)
        return cls(**values)

    @classmethod
    def from_pretrained(
        cls, directory: str | os.PathLike, config_file_name: str = GENERATION_CONFIG_NAME
    ) -> GenerationConfig:
        """Reads ``generation_config.json`` from a folder (or the file itself).

        Raises:
            FileNotFoundError: The file does not exist.
            ValueError: The file is not a JSON object or holds an invalid value.
        """
        path = os.fspath(directory)
        if os.path.isdir(path):
            path = os.path.join(path, config_file_name)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no {config_file_name} at {os.fspath(directory)!r}")
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if not isinstance(data, dict):
            raise ValueError(f"{path} must hold a JSON object, got {type(data).__name__}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """The set fields and kept extra keys."""
        values = {k: getattr(self, k) for k in DEFAULTS if getattr(self, k) is not None}
        return copy.deepcopy({**values, **self.extra})

    def to_json_string(self) -> str:
        """``to_dict()`` as indented, key-sorted JSON."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def save_pretrained(
        self, directory: str | os.PathLike, config_file_name: str = GENERATION_CONFIG_NAME
    ) -> None:
        """Writes ``generation_config.json`` into ``directory`` (created if missing); the file
        appears whole or not at all."""
        from tfbert.checkpoint.files import atomic_write_text

        os.makedirs(directory, exist_ok=True)
        atomic_write_text(os.path.join(directory, config_file_name), self.to_json_string())

    def update(self, **kwargs: Any) -> dict[str, Any]:
        """Sets the given fields (validated); returns the keys that are not fields."""
        unused = {k: v for k, v in kwargs.items() if k not in DEFAULTS}
        for key, value in kwargs.items():
            if key in DEFAULTS:
                setattr(self, key, value)
        self.validate()
        return unused

    def __eq__(self, other) -> bool:
        return isinstance(other, GenerationConfig) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"GenerationConfig {self.to_json_string()}"


def _check_int(key: str, value, minimum: int) -> None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int) or value < minimum
    ):
        what = "a positive" if minimum == 1 else "a non-negative"
        raise ValueError(f"{key} must be {what} integer, got {value!r}")
