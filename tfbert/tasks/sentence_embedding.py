"""Sentence embeddings: pooled (and normalised) token vectors, as sentence-transformers makes
them, with the pooling, normalisation and length of a sentence-transformers folder."""

from __future__ import annotations

import json
import os

import keras
import numpy as np
from keras import ops

from tfbert.modeling import TFBertModel
from tfbert.tasks.base import Task
from tfbert.tasks.options import flag, positive

POOLING_MODES = ("mean", "cls", "max")
_POOLING_KEYS = {
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
}


@keras.saving.register_keras_serializable(package="tfbert")
class SentencePooling(keras.layers.Layer):
    """Pools token vectors into one vector per text, as sentence-transformers' ``Pooling`` does.

    Args:
        mode: ``"mean"`` (over the attention mask), ``"cls"`` (first token) or ``"max"``.
        normalize: L2-normalise the vectors (sentence-transformers' ``Normalize`` module).

    Returns (call):
        ``{"embeddings": (batch, hidden)}``.
    """

    def __init__(self, mode: str = "mean", normalize: bool = True, **kwargs):
        super().__init__(**kwargs)
        if mode not in POOLING_MODES:
            raise ValueError(f"pooling mode {mode!r} is not one of {', '.join(POOLING_MODES)}")
        self.mode = mode
        self.normalize = normalize

    def call(self, outputs, encoded):
        tokens = ops.cast(outputs["last_hidden_state"], "float32")
        mask = ops.expand_dims(ops.cast(encoded["attention_mask"], "float32"), -1)
        if self.mode == "mean":
            vectors = ops.sum(tokens * mask, axis=1) / ops.maximum(ops.sum(mask, axis=1), 1e-9)
        elif self.mode == "cls":
            vectors = tokens[:, 0]
        else:
            vectors = ops.max(ops.where(mask > 0, tokens, -1e9), axis=1)
        if self.normalize:
            vectors = vectors / ops.maximum(ops.norm(vectors, axis=-1, keepdims=True), 1e-12)
        return {"embeddings": vectors}

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "normalize": self.normalize}


def sentence_transformers_settings(folder: str) -> dict:
    """Reads a sentence-transformers folder's pooling, normalisation and ``max_seq_length``.

    Args:
        folder: A local folder with ``modules.json`` (and ``1_Pooling/config.json``,
            ``sentence_bert_config.json``).

    Returns:
        ``{"mode", "normalize", "max_length"}``; sentence-transformers' defaults (mean pooling,
        no normalisation, no length) where a file is missing.

    Raises:
        ValueError: The pooling config asks for a mode tfbert does not implement.
    """
    settings = {"mode": "mean", "normalize": False, "max_length": None}
    modules_path = os.path.join(folder, "modules.json")
    if not os.path.isfile(modules_path):
        return settings
    with open(modules_path, encoding="utf-8") as f:
        modules = json.load(f)
    for module in modules:
        kind = module.get("type", "")
        if kind.endswith("Pooling"):
            with open(os.path.join(folder, module["path"], "config.json"), encoding="utf-8") as f:
                pooling = json.load(f)
            modes = [mode for key, mode in _POOLING_KEYS.items() if pooling.get(key)]
            others = [
                k
                for k, v in pooling.items()
                if k.startswith("pooling_mode") and v and k not in _POOLING_KEYS
            ]
            if len(modes) != 1 or others:
                raise ValueError(
                    f"sentence-transformers pooling {pooling} is not one of "
                    f"{', '.join(POOLING_MODES)} alone"
                )
            settings["mode"] = modes[0]
        elif kind.endswith("Normalize"):
            settings["normalize"] = True
    bert_config = os.path.join(folder, "sentence_bert_config.json")
    if os.path.isfile(bert_config):
        with open(bert_config, encoding="utf-8") as f:
            settings["max_length"] = json.load(f).get("max_seq_length")
    return settings


class SentenceEmbedding(Task):
    """``"sentence-embedding"``: one vector per text (``(inputs, hidden)`` for a call).

    Options: ``normalize``, ``pooling`` (``"mean"``, ``"cls"``, ``"max"``) and ``max_length``;
    their defaults come from a sentence-transformers folder (mean, no normalisation, no limit
    otherwise).
    """

    name = "sentence-embedding"
    model_class = TFBertModel
    model_kwargs = {"add_pooling_layer": False}
    architectures = None  # any checkpoint with the encoder fits
    graph_options = ("normalize", "pooling", "max_length")

    def build(self, folder, config, tokenizer, options):
        settings = (
            sentence_transformers_settings(folder)
            if os.path.isdir(folder)
            else {"mode": "mean", "normalize": False, "max_length": None}
        )
        normalize = flag("normalize", options.pop("normalize", settings["normalize"]))
        max_length = options.pop("max_length", None)
        if max_length is None:
            max_length = settings["max_length"]
        else:
            max_length = positive("max_length", max_length)
        layer = SentencePooling(mode=options.pop("pooling", settings["mode"]), normalize=normalize)
        return layer, ({"max_length": max_length} if max_length else {})

    def format(self, result, options):
        return result["embeddings"]

    def collect(self, results, options, single):
        if single:
            return results[0]
        return np.stack(results) if results else np.zeros((0, 0), np.float32)
