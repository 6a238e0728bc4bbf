"""Tiny models and checkpoint folders shared by the model, checkpoint and CLI rows."""

import functools
import hashlib
import os
import shutil
import tempfile

import numpy as np

CONFIG = dict(
    vocab_size=50,
    hidden_size=8,
    num_hidden_layers=1,
    num_attention_heads=2,
    intermediate_size=16,
    max_position_embeddings=16,
    type_vocab_size=2,
)
IDS = np.array([[2, 5, 7, 3], [2, 9, 4, 3]], np.int32)


def config(**overrides):
    from tfbert import BertConfig

    return BertConfig(**{**CONFIG, **overrides})


@functools.cache
def model(name: str = "TFBertModel", **overrides):
    """A built tiny model of class ``name`` (cached: rows must not change it)."""
    import keras

    import tfbert

    keras.utils.set_random_seed(0)
    built = getattr(tfbert, name)(config(**overrides))
    built.build()
    return built


def fresh_dir() -> str:
    return tempfile.mkdtemp(prefix="tfbert-bad-input-")


@functools.cache
def _saved(name: str) -> str:
    folder = os.path.join(fresh_dir(), "checkpoint")
    model(name).save_pretrained(folder)
    return folder


def checkpoint(name: str = "TFBertForSequenceClassification") -> str:
    """A fresh copy of a saved tiny checkpoint folder (config.json + model.safetensors)."""
    target = os.path.join(fresh_dir(), "checkpoint")
    shutil.copytree(_saved(name), target)
    return target


def snapshot(folder: str) -> dict[str, str]:
    """``{relative path: sha256}`` of every file under ``folder`` (hidden leftovers included)."""
    found = {}
    for root, _, files in os.walk(folder):
        for file in files:
            path = os.path.join(root, file)
            with open(path, "rb") as f:
                found[os.path.relpath(path, folder)] = hashlib.sha256(f.read()).hexdigest()
    return found


def leftovers(folder: str) -> list[str]:
    """Temporary entries an atomic write left beside ``folder``."""
    parent, name = os.path.split(os.path.abspath(folder))
    return [e for e in os.listdir(parent) if e.startswith(f".{name}.")]
