"""``from_pretrained`` and ``save_pretrained``: Hugging Face checkpoints in and out of tfbert
models."""

from __future__ import annotations

import logging
import os
import warnings

import numpy as np

from tfbert.checkpoint.name_map import (
    is_tied_or_buffer,
    normalise_checkpoint_names,
    tf_to_pt,
    variable_name,
)
from tfbert.checkpoint.readers import SAFETENSORS, read_checkpoint
from tfbert.config import CONFIG_NAME, BertConfig, as_bert_config
from tfbert.files import HUB_ARGS

logger = logging.getLogger(__name__)

_MODEL_ARGS = ("dtype", "name", "trainable", "add_pooling_layer")


def pt_names(model) -> list[tuple[object, str, bool]]:
    """``(variable, pytorch_name, transpose)`` for every weight of a built model, in order."""
    return [(v, *tf_to_pt(variable_name(v))) for v in model.weights]


def state_dict(model) -> dict[str, np.ndarray]:
    """The model's weights as PyTorch-named, PyTorch-layout float arrays (what transformers
    saves)."""
    if not model.built:
        model.build()
    return {
        name: np.ascontiguousarray(np.asarray(v.numpy()).T if transpose else v.numpy())
        for v, name, transpose in pt_names(model)
    }


def load_pretrained(
    cls,
    name_or_path,
    *,
    config=None,
    ignore_mismatched_sizes: bool = False,
    from_pt: bool = False,
    from_tf: bool = False,
    **kwargs,
):
    """Builds ``cls`` from a Hugging Face checkpoint.

    Args:
        cls: A ``TFBert*`` model class.
        name_or_path: Local folder or hub id (resolved by huggingface_hub; the local cache is used
            with ``local_files_only=True`` or ``HF_HUB_OFFLINE=1``).
        config: Use this config instead of the checkpoint's ``config.json``: tfbert's or
            transformers' ``BertConfig``, a ``config.json`` dict, or a folder or file to read.
        from_pt, from_tf: Accepted for transformers v4's programs; tfbert reads every format
            (``model.safetensors``, ``tf_model.h5``, ``pytorch_model.bin``) whatever they say.
        ignore_mismatched_sizes: Initialise weights whose checkpoint shape differs (e.g. a new
            classifier with another ``num_labels``) instead of raising.
        **kwargs: ``revision``, ``cache_dir``, ``local_files_only``, ``token`` for the hub;
            ``dtype``, ``name``, ``trainable`` (and ``add_pooling_layer`` for ``TFBertModel``) for
            the Keras model; anything else overrides config
            fields (``num_labels=5``, ``hidden_dropout_prob=0.2``, ``output_hidden_states=True``).

    Returns:
        The built model with the checkpoint's weights. Weights the checkpoint lacks (a new head)
        are initialised and listed in one warning; checkpoint weights the model does not use
        are listed too.

    Raises:
        FileNotFoundError: No ``config.json`` or no weights; the message names what was looked for.
        ValueError: A weight's shape differs and ``ignore_mismatched_sizes`` is false, or the
            config is for another model type.
    """
    for name, value in (("from_pt", from_pt), ("from_tf", from_tf)):
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be True or False, got {value!r}")
    hub_args = {k: kwargs.pop(k) for k in list(kwargs) if k in HUB_ARGS}
    model_args = {k: kwargs.pop(k) for k in list(kwargs) if k in _MODEL_ARGS}
    if config is None:
        config = BertConfig.from_pretrained(name_or_path, **hub_args, **kwargs)
    elif isinstance(config, (str, os.PathLike)):
        config = BertConfig.from_pretrained(config, **hub_args, **kwargs)
    else:
        config = as_bert_config(config)
        if kwargs:
            config = BertConfig.from_dict(config.to_dict(), **kwargs)
    model = cls(config, **model_args)
    model.build()
    state, filename = read_checkpoint(name_or_path, **hub_args)
    assign_weights(
        model,
        state,
        ignore_mismatched_sizes=ignore_mismatched_sizes,
        source=f"{name_or_path} ({filename})",
    )
    return model


def assign_weights(
    model,
    state: dict[str, np.ndarray],
    *,
    ignore_mismatched_sizes: bool = False,
    source: str = "checkpoint",
) -> None:
    """Copies PyTorch-named arrays into a built model's variables.

    Raises:
        ValueError: Shape mismatch (unless ``ignore_mismatched_sizes``), naming the weight and
            both shapes; or none of the checkpoint's weights is one of the model's (another
            architecture), naming a few of the names found.
    """
    targets = pt_names(model)
    state = normalise_checkpoint_names(state, {name for _, name, _ in targets})
    if not any(name in state for _, name, _ in targets):
        found = sorted(state)
        raise ValueError(
            f"{source} holds no BERT weights: none of its {len(found)} weights is one of "
            f"{type(model).__name__}'s (found {', '.join(found[:4]) or 'nothing'}"
            f"{', ...' if len(found) > 4 else ''}; expected names like "
            f"{targets[0][1]}); it is not a BERT checkpoint"
        )
    missing, mismatched = [], []
    for variable, name, transpose in targets:
        if name not in state:
            missing.append(name)
            continue
        stored = tuple(state[name].shape)
        wanted = tuple(reversed(variable.shape)) if transpose else tuple(variable.shape)
        if stored != wanted:
            if not ignore_mismatched_sizes:
                raise ValueError(
                    f"{name} has shape {stored} in {source} but {type(model).__name__} "
                    f"needs {wanted} (its {variable_name(variable)}); pass "
                    f"ignore_mismatched_sizes=True to initialise it instead"
                )
            mismatched.append(f"{name}: {stored} -> {wanted}")
            continue
        value = state[name].T if transpose else state[name]
        variable.assign(value.astype(variable.dtype))
    used = {name for _, name, _ in targets}
    unused = sorted(
        k
        for k in state
        if k not in used
        and not is_tied_or_buffer(k)
        and not (".pooler." in f".{k}" and not model.add_pooling_layer)
    )
    if missing or mismatched:
        warnings.warn(
            f"{type(model).__name__}: weights initialised, not loaded from {source}: "
            f"{', '.join(missing + mismatched)}. Train the model before using it.",
            stacklevel=3,
        )
    if unused:
        logger.warning(
            "%s: checkpoint weights not used by %s: %s",
            source,
            type(model).__name__,
            ", ".join(unused),
        )


def save_pretrained(
    model,
    directory,
    *,
    safe_serialization: bool = True,
    saved_model: bool = False,
    version: int = 1,
    signatures=None,
) -> None:
    """Writes ``config.json`` and the weights, and optionally a TF SavedModel (v4's layout).

    The complete new set is built in a temporary folder beside ``directory`` and moved in only
    when every file is written (:func:`tfbert.files.atomic_dir`): whatever fails, the
    old files stay whole. Other files in ``directory`` (a tokenizer's) are kept.

    Args:
        model: A tfbert model.
        directory: Output folder (created if missing).
        safe_serialization: ``True`` writes ``model.safetensors`` (transformers' PyTorch classes
            and tfbert load it); ``False`` writes ``tf_model.h5`` as transformers v4's
            TensorFlow classes did.
        saved_model: Also write a TF SavedModel to ``directory/saved_model/<version>``.
        version: The SavedModel's version folder (TF Serving's layout).
        signatures: The SavedModel's signatures (see
            :func:`tfbert.checkpoint.saved_model.write_saved_model`); ``model.serving`` by default.

    Raises:
        ValueError: ``version`` is not a non-negative integer.
        TypeError: A config field holds a value JSON cannot hold (named); nothing is written.
        NotADirectoryError: ``directory`` is a file.
    """
    from tfbert.files import atomic_dir

    if saved_model and (isinstance(version, bool) or not isinstance(version, int) or version < 0):
        raise ValueError(f"version must be a non-negative integer, got {version!r}")
    config = BertConfig.from_dict(model.config.to_dict())
    pt_class = type(model).__name__.removeprefix("TF")
    config.extra["architectures"] = [pt_class]
    config_text = config.to_json_string()  # refuses unwritable values before anything is touched
    if not model.built:
        model.build()
    with atomic_dir(directory, merge=2) as tmp:
        _write_weights(model, tmp, safe_serialization)
        if saved_model:
            from tfbert.checkpoint.saved_model import write_saved_model

            write_saved_model(
                model, os.path.join(tmp, "saved_model", str(version)), signatures, atomic=False
            )
        with open(os.path.join(tmp, CONFIG_NAME), "w", encoding="utf-8") as f:
            f.write(config_text)


def _write_weights(model, folder: str, safe_serialization: bool) -> None:
    if safe_serialization:
        from safetensors.numpy import save_file

        save_file(state_dict(model), os.path.join(folder, SAFETENSORS), metadata={"format": "pt"})
    else:
        from tfbert.checkpoint.tf_h5 import TF_WEIGHTS_NAME, write_tf_h5

        weights = {variable_name(v): np.asarray(v.numpy()) for v in model.weights}
        write_tf_h5(weights, os.path.join(folder, TF_WEIGHTS_NAME), _snake(type(model).__name__))


def _snake(name: str) -> str:
    """``TFBertForMaskedLM`` -> ``tf_bert_for_masked_lm`` (Keras 2's default model name)."""
    import re

    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name.replace("TF", "Tf", 1)).lower()
