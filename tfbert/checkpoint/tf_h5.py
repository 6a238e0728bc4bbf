"""transformers-v4 TensorFlow checkpoints (``tf_model.h5``) in and out, with h5py only.

transformers v4 wrote TF weights in one of two HDF5 layouts:

* **Keras 2 weights file** (``model.save_weights``, the usual ``tf_model.h5``). The root attribute
  ``layer_names`` lists the model's top-level layers (``bert``, ``mlm___cls``, ``nsp___cls``,
  ``classifier``, ``dropout_37``...). Each has a group whose attribute ``weight_names`` lists its
  weights by full TF name (``tf_bert_model/bert/pooler/dense/kernel:0``); each weight is the dataset
  at that name below the group, so the slashes make nested groups. A layer that holds another layer
  lists that layer's weights too: the MLM head lists the tied embeddings, so a weight can be stored
  in two groups. Weightless layers have empty groups, and ``top_level_model_weights`` is empty.
* **Sharded checkpoint** (``tf_model.h5.index.json`` + ``tf_model-0000i-of-0000n.h5``). Each
  shard's root attribute ``layer_names`` lists weight names *without* the model name
  (``bert/pooler/dense/kernel:0``), each the path of its dataset. The index's ``weight_map`` names
  each weight's shard.

Either way a list attribute longer than HDF5's 64 KiB header limit is split into ``name0``,
``name1``...

Here a weight's name is its TF name without the leading model name and the ``:0`` suffix, such as
``bert/encoder/layer_._0/attention/self/query/kernel``; arrays stay as stored (kernels
``(in, out)``).
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Mapping
from pathlib import Path

import h5py
import numpy as np

from tfbert.files import atomic_path

TF_WEIGHTS_NAME = "tf_model.h5"
TF_WEIGHTS_INDEX_NAME = "tf_model.h5.index.json"
# The tf-keras release whose layout write_tf_h5 reproduces (Keras reads no version as legacy "1").
KERAS_VERSION = "2.21.0"
_HDF5_OBJECT_HEADER_LIMIT = 64512
_DEVICE_SUFFIX = re.compile(r":\d+$")
_EMBEDDINGS_SCOPE = "bert/embeddings/"

__all__ = ["TF_WEIGHTS_INDEX_NAME", "TF_WEIGHTS_NAME", "read_tf_h5", "write_tf_h5"]


def read_tf_h5(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read every weight of a transformers-v4 TensorFlow checkpoint.

    Args:
        path: a ``tf_model.h5`` file, a sharded checkpoint's ``tf_model.h5.index.json``, or a
            folder holding one of them (the single file is preferred when both are there).

    Returns:
        ``{name: array}`` in file order, names without the model name and ``:0``
        (``bert/pooler/dense/kernel``, ``mlm___cls/predictions/bias``), arrays exactly as stored.
        A weight stored twice (the tied embeddings in the MLM head's group) appears once; should
        the copies differ, the last one wins (with a warning), as in transformers v4.

    Raises:
        FileNotFoundError: ``path``, or a shard its index names, does not exist.
        ValueError: a file is not HDF5, not in either layout above, or the index is not a shard
            index.

    Example:
        >>> import os, tempfile, numpy as np
        >>> path = os.path.join(tempfile.mkdtemp(), "tf_model.h5")
        >>> kernel = np.zeros((4, 4), np.float32)
        >>> write_tf_h5({"bert/pooler/dense/kernel": kernel}, path, "tf_bert_model")
        >>> read_tf_h5(path)["bert/pooler/dense/kernel"].shape
        (4, 4)
    """
    path = Path(path)
    if path.is_dir():
        single, index = path / TF_WEIGHTS_NAME, path / TF_WEIGHTS_INDEX_NAME
        if single.is_file():
            return _read_file(single)
        if index.is_file():
            return _read_sharded(index)
        raise FileNotFoundError(
            f"{path} holds neither {TF_WEIGHTS_NAME} nor {TF_WEIGHTS_INDEX_NAME}"
        )
    if path.name.endswith(".index.json"):
        if not path.is_file():
            raise FileNotFoundError(f"sharded TF checkpoint index {path} does not exist")
        return _read_sharded(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"TF checkpoint {path} does not exist (expected a Keras h5 weights file)"
        )
    return _read_file(path)


def write_tf_h5(
    weights: Mapping[str, np.ndarray], path: str | os.PathLike, model_name: str
) -> None:
    """Write weights as a Keras 2 h5 weights file, the layout transformers v4 reads.

    Each weight goes to the group of its name's first component (``bert``, ``mlm___cls``,
    ``classifier``) under the full TF name ``{model_name}/{name}:0``. As Keras 2 did, an MLM head's
    group (one holding ``predictions/bias``) also lists a copy of every ``bert/embeddings/...``
    weight, the layer its decoder is tied to; without that copy transformers v4 loads the model
    right but reports those weights missing. Weightless layers, which Keras lists with empty groups
    (a classifier's ``dropout_37``), are not written: the weights do not name them, and
    transformers v4 ignores missing dropout layers. The file is written beside ``path`` under a
    temporary name and renamed over it at the end, so ``path`` never holds a half-written file.

    Args:
        weights: ``{name: array}`` with names as :func:`read_tf_h5` returns them
            (``bert/pooler/dense/kernel``).
        path: the file to write, usually ``.../tf_model.h5``.
        model_name: the Keras name of the model, the first component of every stored name;
            transformers v4 uses the class name in snake case
            (``tf_bert_for_sequence_classification``) and ignores it when reading.

    Raises:
        ValueError: ``weights`` is empty, a name has no layer component (no ``/``), has an empty
            component or a ``:N`` suffix, a value is not numeric, or ``model_name`` is empty or
            holds ``/`` or ``:``.

    Example:
        >>> import os, tempfile, numpy as np
        >>> path = os.path.join(tempfile.mkdtemp(), "tf_model.h5")
        >>> write_tf_h5({"classifier/bias": np.zeros(3, np.float32)}, path, "tf_bert_model")
        >>> sorted(read_tf_h5(path))
        ['classifier/bias']
    """
    if not isinstance(model_name, str) or not model_name or "/" in model_name or ":" in model_name:
        raise ValueError(
            f"model_name {model_name!r} is not a Keras model name (non-empty, without '/' or ':')"
        )
    if not weights:
        raise ValueError(f"no weights to write to {path}: expected at least one {{name: array}}")
    groups: dict[str, list[tuple[str, np.ndarray]]] = {}
    for name, value in weights.items():
        _check_weight_name(name)
        array = np.asarray(value)
        if array.dtype.kind not in "biufc":
            raise ValueError(f"weight {name!r} has dtype {array.dtype}; expected a numeric array")
        groups.setdefault(name.split("/", 1)[0], []).append((f"{model_name}/{name}:0", array))
    # Keras 2 lists a layer's tracked sub-layers' weights in its group too: an MLM head holds the
    # embeddings layer (its decoder is the tied word embeddings).
    embeddings = [
        (f"{model_name}/{name}:0", np.asarray(value))
        for name, value in weights.items()
        if name.startswith(_EMBEDDINGS_SCOPE)
    ]
    for layer, entries in groups.items():
        if any(full_name == f"{model_name}/{layer}/predictions/bias:0" for full_name, _ in entries):
            entries.extend(embeddings)

    with atomic_path(path) as temporary, h5py.File(temporary, "w") as file:
        _write_str_attr(file, "layer_names", list(groups))
        file.attrs["backend"] = b"tensorflow"
        file.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
        # Keras creates the groups sorted by name (no group is created after one it prefixes).
        for layer in sorted(groups):
            group = file.create_group(layer)
            _write_str_attr(group, "weight_names", [full_name for full_name, _ in groups[layer]])
            for full_name, array in groups[layer]:
                group.create_dataset(full_name, data=array)
        file.create_group("top_level_model_weights").attrs["weight_names"] = np.asarray([])


def _check_weight_name(name: object) -> None:
    if not isinstance(name, str) or "/" not in name or "" in name.split("/"):
        raise ValueError(
            f"weight name {name!r} is not 'layer/.../variable' (e.g. 'bert/pooler/dense/kernel')"
        )
    if _DEVICE_SUFFIX.search(name):
        raise ValueError(
            f"weight name {name!r} ends in a ':N' suffix; give it without (write_tf_h5 adds ':0')"
        )


def _read_file(path: Path) -> dict[str, np.ndarray]:
    try:
        file = h5py.File(path, "r")
    except OSError as error:
        raise ValueError(
            f"{path} is not an HDF5 file (expected a Keras h5 weights file such as tf_model.h5)"
        ) from error
    with file:
        root = file
        if "layer_names" not in file.attrs and isinstance(file.get("model_weights"), h5py.Group):
            root = file["model_weights"]  # a whole model saved by Keras 2 keeps its weights here
        layer_names = _read_str_attr(root, "layer_names")
        if layer_names is None:
            raise ValueError(
                f"{path} has no 'layer_names' attribute: not a Keras 2 h5 weights file as "
                "transformers v4 writes (a Keras 3 .weights.h5 file has another layout)"
            )
        weights: dict[str, np.ndarray] = {}
        for layer_name in layer_names:
            item = root.get(layer_name)
            if isinstance(item, h5py.Dataset):  # sharded: the entry is the weight, no model name
                _put(weights, _DEVICE_SUFFIX.sub("", layer_name), np.asarray(item[()]), path)
            elif isinstance(item, h5py.Group):
                weight_names = _read_str_attr(item, "weight_names")
                if weight_names is None:
                    raise ValueError(
                        f"{path}: group {layer_name!r} has no 'weight_names' attribute"
                    )
                for weight_name in weight_names:
                    dataset = item.get(weight_name)
                    if not isinstance(dataset, h5py.Dataset):
                        raise ValueError(
                            f"{path}: group {layer_name!r} lists weight {weight_name!r} "
                            "but has no such dataset"
                        )
                    name = _DEVICE_SUFFIX.sub("", weight_name).split("/", 1)[-1]
                    _put(weights, name, np.asarray(dataset[()]), path)
            else:
                raise ValueError(
                    f"{path}: layer_names lists {layer_name!r} "
                    "but the file has no such group or dataset"
                )
    return weights


def _read_sharded(index_path: Path) -> dict[str, np.ndarray]:
    from tfbert.checkpoint.readers import shard_files

    weights: dict[str, np.ndarray] = {}
    for shard in shard_files(index_path.parent, index_path):
        for name, array in _read_file(Path(shard)).items():
            _put(weights, name, array, shard)
    return weights


def _put(weights: dict[str, np.ndarray], name: str, array: np.ndarray, path: Path) -> None:
    earlier = weights.get(name)
    if earlier is not None and (earlier.shape != array.shape or not np.array_equal(earlier, array)):
        warnings.warn(
            f"{path} stores weight {name!r} twice with different values; using the later copy",
            stacklevel=3,
        )
    weights[name] = array


def _read_str_attr(group: h5py.Group, name: str) -> list[str] | None:
    """Strings stored whole under ``name`` or split into ``name0``, ``name1``...; None if absent."""
    names = set(group.attrs.keys())
    if name in names:
        chunks = [group.attrs[name]]
    elif f"{name}0" in names:
        chunks, index = [], 0
        while f"{name}{index}" in names:
            chunks.append(group.attrs[f"{name}{index}"])
            index += 1
    else:
        return None
    return [
        item.decode("utf8") if isinstance(item, bytes) else str(item)
        for chunk in chunks
        for item in chunk
    ]


def _write_str_attr(group: h5py.Group, name: str, values: list[str]) -> None:
    """Store strings, split into ``name0``, ``name1``... past HDF5's header limit, as Keras does."""
    data = np.asarray([value.encode("utf8") for value in values])
    if data.itemsize > _HDF5_OBJECT_HEADER_LIMIT:
        raise ValueError(f"a name of {data.itemsize} bytes cannot be stored as an HDF5 attribute")
    chunks = [data]
    while any(chunk.nbytes > _HDF5_OBJECT_HEADER_LIMIT for chunk in chunks):
        chunks = np.array_split(data, len(chunks) + 1)
    if len(chunks) == 1:
        # A list, not the array: h5py then stores variable-length strings, as Keras's files have.
        group.attrs[name] = [value.encode("utf8") for value in values]
        return
    for index, chunk in enumerate(chunks):
        group.attrs[f"{name}{index}"] = chunk
