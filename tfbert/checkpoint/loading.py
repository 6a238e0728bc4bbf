"""``from_pretrained`` and ``save_pretrained``: Hugging Face checkpoints in and out of tfbert models."""

from __future__ import annotations

import logging
import os
import warnings

import numpy as np

from tfbert.checkpoint.files import HUB_ARGS, atomic_path
from tfbert.checkpoint.name_map import (is_tied_or_buffer, normalise_checkpoint_names, tf_to_pt,
                                        variable_name)
from tfbert.checkpoint.readers import SAFETENSORS, read_checkpoint
from tfbert.config import BertConfig

logger = logging.getLogger(__name__)

_MODEL_ARGS = ("dtype", "name", "trainable", "add_pooling_layer")


def pt_names(model) -> list[tuple[object, str, bool]]:
    """``(variable, pytorch_name, transpose)`` for every weight of a built model, in order."""
    return [(v, *tf_to_pt(variable_name(v))) for v in model.weights]


def state_dict(model) -> dict[str, np.ndarray]:
    """The model's weights as PyTorch-named, PyTorch-layout float arrays (what transformers saves)."""
    if not model.built:
        model.build()
    return {name: np.ascontiguousarray(np.asarray(v.numpy()).T if transpose else v.numpy())
            for v, name, transpose in pt_names(model)}


def load_pretrained(cls, name_or_path, *, config: BertConfig | None = None,
                    ignore_mismatched_sizes: bool = False, **kwargs):
    """Builds ``cls`` from a Hugging Face checkpoint.

    Args:
        cls: A ``TFBert*`` model class.
        name_or_path: Local folder or hub id (resolved by huggingface_hub; the local cache is used
            with ``local_files_only=True`` or ``HF_HUB_OFFLINE=1``).
        config: Use this config instead of the checkpoint's ``config.json``.
        ignore_mismatched_sizes: Initialise weights whose checkpoint shape differs (e.g. a new
            classifier with another ``num_labels``) instead of raising.
        **kwargs: ``revision``, ``cache_dir``, ``local_files_only``, ``token`` for the hub;
            ``dtype``, ``name``, ``trainable`` (and ``add_pooling_layer`` for ``TFBertModel``) for
            the Keras model; anything else overrides config
            fields (``num_labels=5``, ``hidden_dropout_prob=0.2``).

    Returns:
        The built model with the checkpoint's weights. Weights the checkpoint lacks (a new head)
        are initialised and listed in one warning; checkpoint weights the model does not use
        are listed too.

    Raises:
        FileNotFoundError: No ``config.json`` or no weights; the message names what was looked for.
        ValueError: A weight's shape differs and ``ignore_mismatched_sizes`` is false.
    """
    hub_args = {k: kwargs.pop(k) for k in list(kwargs) if k in HUB_ARGS}
    model_args = {k: kwargs.pop(k) for k in list(kwargs) if k in _MODEL_ARGS}
    if config is None:
        config = BertConfig.from_pretrained(name_or_path, **hub_args, **kwargs)
    elif kwargs:
        config = BertConfig.from_dict(config.to_dict(), **kwargs)
    model = cls(config, **model_args)
    model.build()
    state, filename = read_checkpoint(name_or_path, **hub_args)
    assign_weights(model, state, ignore_mismatched_sizes=ignore_mismatched_sizes,
                   source=f"{name_or_path} ({filename})")
    return model


def assign_weights(model, state: dict[str, np.ndarray], *, ignore_mismatched_sizes: bool = False,
                   source: str = "checkpoint") -> None:
    """Copies PyTorch-named arrays into a built model's variables.

    Raises:
        ValueError: Shape mismatch (unless ``ignore_mismatched_sizes``), naming the weight and
            both shapes.
    """
    targets = pt_names(model)
    state = normalise_checkpoint_names(state, {name for _, name, _ in targets})
    missing, mismatched = [], []
    for variable, name, transpose in targets:
        if name not in state:
            missing.append(name)
            continue
        stored = tuple(state[name].shape)
        wanted = tuple(reversed(variable.shape)) if transpose else tuple(variable.shape)
        if stored != wanted:
            if not ignore_mismatched_sizes:
                raise ValueError(f"{name} has shape {stored} in {source} but {type(model).__name__} "
                                 f"needs {wanted} (its {variable_name(variable)}); pass "
                                 f"ignore_mismatched_sizes=True to initialise it instead")
            mismatched.append(f"{name}: {stored} -> {wanted}")
            continue
        value = state[name].T if transpose else state[name]
        variable.assign(value.astype(variable.dtype))
    used = {name for _, name, _ in targets}
    unused = sorted(k for k in state if k not in used and not is_tied_or_buffer(k)
                    and not (".pooler." in f".{k}" and not model.add_pooling_layer))
    if missing or mismatched:
        warnings.warn(f"{type(model).__name__}: weights initialised, not loaded from {source}: "
                      f"{', '.join(missing + mismatched)}. Train the model before using it.",
                      stacklevel=3)
    if unused:
        logger.warning("%s: checkpoint weights not used by %s: %s", source, type(model).__name__,
                       ", ".join(unused))


def save_pretrained(model, directory, *, safe_serialization: bool = True) -> None:
    """Writes ``config.json`` and ``model.safetensors`` that transformers' PyTorch classes load.

    Each file is written to a temporary path and renamed, so a failure never leaves a
    half-written file where a good one stood.

    Args:
        model: A tfbert model.
        directory: Output folder (created if missing).
        safe_serialization: Must be true; safetensors is the only format written.
    """
    if not safe_serialization:
        raise ValueError("tfbert writes model.safetensors only (safe_serialization=True)")
    from safetensors.numpy import save_file

    os.makedirs(directory, exist_ok=True)
    weights = state_dict(model)
    config = BertConfig.from_dict(model.config.to_dict())
    pt_class = type(model).__name__.removeprefix("TF")
    config.extra["architectures"] = [pt_class]
    with atomic_path(os.path.join(directory, SAFETENSORS)) as tmp:
        save_file(weights, tmp, metadata={"format": "pt"})
    config.save_pretrained(directory)
