"""Reading checkpoint files into PyTorch-named numpy arrays, whatever their format."""

from __future__ import annotations

import json
import os
import re

import numpy as np

from tfbert.checkpoint.name_map import tf_to_pt
from tfbert.files import resolve_file

SAFETENSORS = "model.safetensors"
SAFETENSORS_INDEX = "model.safetensors.index.json"
TF_H5 = "tf_model.h5"
TF_H5_INDEX = "tf_model.h5.index.json"
PYTORCH_BIN = "pytorch_model.bin"
PYTORCH_BIN_INDEX = "pytorch_model.bin.index.json"
WEIGHT_FILES = (SAFETENSORS, SAFETENSORS_INDEX, TF_H5, TF_H5_INDEX, PYTORCH_BIN, PYTORCH_BIN_INDEX)


def read_checkpoint(name_or_path, **hub_args) -> tuple[dict[str, np.ndarray], str]:
    """Reads the weights of a folder or hub repository, in the first format found.

    Formats, in order of preference: ``model.safetensors`` (or its sharded index),
    ``tf_model.h5`` (transformers v4 TensorFlow, or its sharded index), ``pytorch_model.bin``
    (only where torch is installed).

    Args:
        name_or_path: Local folder or hub id.
        **hub_args: ``revision``, ``cache_dir``, ``local_files_only``, ``token``.

    Returns:
        ``(state, filename)``: arrays by PyTorch name in PyTorch layout, and the file read.

    Raises:
        FileNotFoundError: No weight file is there; the message lists the formats looked for.
        ImportError: Only ``pytorch_model.bin`` is there and torch is not installed.
    """
    for filename in WEIGHT_FILES:
        path = resolve_file(name_or_path, filename, required=False, **hub_args)
        if path is None:
            continue
        shards = (
            shard_files(name_or_path, path, **hub_args)
            if filename.endswith(".index.json")
            else [path]
        )
        state = {}
        for shard in shards:
            state.update(_read(filename.replace(".index.json", ""), shard))
        return state, filename
    raise FileNotFoundError(
        f"no weights found for {name_or_path!r}: looked for {', '.join(WEIGHT_FILES)}"
    )


def _read(kind: str, path: str) -> dict[str, np.ndarray]:
    """One weight file through its reader; any failure becomes an error naming the file."""
    import pickle

    from safetensors import SafetensorError

    try:
        return _READERS[kind](path)
    except CheckpointError:
        raise
    except (
        SafetensorError,
        ValueError,
        OSError,
        RuntimeError,
        KeyError,
        TypeError,
        EOFError,
        pickle.UnpicklingError,
    ) as err:
        if isinstance(err, (FileNotFoundError, IsADirectoryError, PermissionError)):
            raise
        detail = str(err).replace(str(path), os.path.basename(path)) or type(err).__name__
        raise CheckpointError(f"{path} is not a readable {_KINDS[kind]}: {detail}") from err


class CheckpointError(ValueError):
    """A weight file or shard index that cannot be read; the message names the file."""


def shard_files(
    name_or_path: str | os.PathLike, index_path: str | os.PathLike, **hub_args
) -> list[str]:
    """The local paths of the shards a sharded checkpoint's index names (the one shard reader
    of tfbert: safetensors, ``tf_model.h5`` and ``pytorch_model.bin`` indexes alike).

    Args:
        name_or_path: The folder or hub id the index came from; the shards are found there.
        index_path: The local path of the index (``model.safetensors.index.json``, ...).
        **hub_args: ``revision``, ``cache_dir``, ``local_files_only``, ``token``.

    Returns:
        The shard files, each once, sorted by name.

    Raises:
        CheckpointError: The index is not JSON with a ``weight_map`` of shard file names, or
            names a shard outside its folder.
        FileNotFoundError: A shard is missing (the message names it).
    """
    expected = 'a JSON object with a "weight_map" of {weight name: shard file}'
    try:
        with open(index_path, encoding="utf-8") as f:
            index = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError(
            f"shard index {index_path} is not valid JSON ({err}); expected {expected}"
        ) from None
    weight_map = index.get("weight_map") if isinstance(index, dict) else None
    if (
        not isinstance(weight_map, dict)
        or not weight_map
        or not all(isinstance(v, str) for v in weight_map.values())
    ):
        found = sorted(index)[:5] if isinstance(index, dict) else type(index).__name__
        raise CheckpointError(
            f'shard index {index_path} has no usable "weight_map" (found '
            f"{found}); expected {expected}"
        )
    shards = sorted(set(weight_map.values()))
    for shard in shards:
        if os.path.isabs(shard) or ".." in shard.replace("\\", "/").split("/"):
            raise CheckpointError(f"shard index {index_path} names {shard!r}, outside its folder")
    return [resolve_file(name_or_path, shard, **hub_args) for shard in shards]


def read_safetensors(path) -> dict[str, np.ndarray]:
    """All tensors of a ``.safetensors`` file as numpy arrays (bfloat16 widened to float32)."""
    from safetensors import safe_open

    state = {}
    try:
        with safe_open(path, framework="np") as f:
            for key in f.keys():
                state[key] = f.get_tensor(key)
    except TypeError:  # bfloat16 has no numpy dtype here: read through ml_dtypes-aware path
        state = _read_safetensors_any_dtype(path)
    return state


def _read_safetensors_any_dtype(path) -> dict[str, np.ndarray]:
    import ml_dtypes

    with open(path, "rb") as f:
        header_size = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(header_size))
        data = f.read()
    dtypes = {
        "F32": np.float32,
        "F16": np.float16,
        "BF16": ml_dtypes.bfloat16,
        "F64": np.float64,
        "I64": np.int64,
        "I32": np.int32,
    }
    state = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(data[start:end], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
        state[key] = array.astype(np.float32) if info["dtype"] == "BF16" else array
    return state


def read_tf_h5_as_pt(path) -> dict[str, np.ndarray]:
    """A transformers v4 ``tf_model.h5`` as PyTorch-named, PyTorch-layout arrays."""
    from tfbert.checkpoint.tf_h5 import read_tf_h5

    state = {}
    for tf_name, array in read_tf_h5(path).items():
        pt_name, transpose = tf_to_pt(tf_name)
        state[pt_name] = array.T if transpose else array
    return state


def read_pytorch_bin(path) -> dict[str, np.ndarray]:
    """A ``pytorch_model.bin`` (needs torch; loaded with ``weights_only=True``)."""
    try:
        import torch
    except ImportError:
        raise ImportError(
            f"the only weights found are {os.path.basename(path)}, a PyTorch pickle, and "
            f"torch is not installed; install torch (pip install torch==2.13.0 for "
            f"the CPU build), or use a model.safetensors or tf_model.h5 checkpoint"
        ) from None
    import pickle

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        found = re.search(r"(?:unsupported|Unsupported global:) GLOBAL ([\w.]+)", str(err))
        if found is None:
            raise  # not a refusal: the file is no pickle torch can read (named by the caller)
        raise CheckpointError(
            f"{path}: refused to load this PyTorch pickle: it holds {found.group(1)}, not only "
            f"tensors, and could run code (tfbert loads pickles with weights_only=True). Convert "
            f"it to model.safetensors where you trust it"
        ) from None
    if not isinstance(state, dict) or not all(
        hasattr(v, "is_floating_point") for v in state.values()
    ):
        raise CheckpointError(
            f"{path} holds a {type(state).__name__}; expected a dict of "
            f"tensors by weight name (a state_dict)"
        )
    return {k: v.float().numpy() if v.is_floating_point() else v.numpy() for k, v in state.items()}


_READERS = {SAFETENSORS: read_safetensors, TF_H5: read_tf_h5_as_pt, PYTORCH_BIN: read_pytorch_bin}
_KINDS = {
    SAFETENSORS: "safetensors file (expected an 8-byte header size, a JSON header, then "
    "the tensor data, as safetensors writes)",
    TF_H5: "Keras h5 weights file (tf_model.h5 as transformers v4 writes)",
    PYTORCH_BIN: "PyTorch state_dict (pytorch_model.bin as torch.save writes)",
}
