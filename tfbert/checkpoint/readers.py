"""Reading checkpoint files into PyTorch-named numpy arrays, whatever their format."""

from __future__ import annotations

import json
import os

import numpy as np

from tfbert.checkpoint.files import resolve_file
from tfbert.checkpoint.name_map import tf_to_pt

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
        shards = _shards(name_or_path, path, hub_args) if filename.endswith(".index.json") else [path]
        state = {}
        for shard in shards:
            state.update(_READERS[filename.replace(".index.json", "")](shard))
        return state, filename
    raise FileNotFoundError(f"no weights found for {name_or_path!r}: looked for "
                            f"{', '.join(WEIGHT_FILES)}")


def _shards(name_or_path, index_path, hub_args) -> list[str]:
    with open(index_path, encoding="utf-8") as f:
        weight_map = json.load(f)["weight_map"]
    return [resolve_file(name_or_path, shard, **hub_args) for shard in sorted(set(weight_map.values()))]


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
    dtypes = {"F32": np.float32, "F16": np.float16, "BF16": ml_dtypes.bfloat16, "F64": np.float64,
              "I64": np.int64, "I32": np.int32}
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
        raise ImportError(f"the only weights found are {os.path.basename(path)}, a PyTorch pickle, and "
                          f"torch is not installed; install torch (pip install torch==2.13.0 for "
                          f"the CPU build), or use a model.safetensors or tf_model.h5 checkpoint") from None
    state = torch.load(path, map_location="cpu", weights_only=True)
    return {k: v.float().numpy() if v.is_floating_point() else v.numpy() for k, v in state.items()}


_READERS = {SAFETENSORS: read_safetensors, TF_H5: read_tf_h5_as_pt, PYTORCH_BIN: read_pytorch_bin}
