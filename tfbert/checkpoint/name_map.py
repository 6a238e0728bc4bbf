"""The one name map between tfbert's Keras variables and Hugging Face checkpoint names.

tfbert's variables carry transformers v4's TensorFlow names (which ``tf_model.h5`` files store);
``model.safetensors`` and ``pytorch_model.bin`` use PyTorch names. The rules are transformers v4's
(``convert_tf_weight_name_to_pt_weight_name``):

- a name scope ``x___y`` is PyTorch's ``y`` (``mlm___cls`` -> ``cls``);
- ``layer_._3`` is ``layer.3``; ``/`` is ``.``;
- ``kernel`` is ``weight``, transposed; ``gamma`` / ``embeddings`` are ``weight``; ``beta`` is
  ``bias``.
"""

from __future__ import annotations

_LEAF_NAMES = {"kernel": "weight", "gamma": "weight", "beta": "bias", "embeddings": "weight"}

# Checkpoint entries that are not variables of their own: the decoder is tied to the word
# embeddings (its bias is ``cls.predictions.bias``), and position_ids is a buffer.
TIED_OR_BUFFERS = (
    "cls.predictions.decoder.weight",
    "cls.predictions.decoder.bias",
    "embeddings.position_ids",
)


def tf_to_pt(tf_name: str) -> tuple[str, bool]:
    """Maps a v4 TensorFlow weight name to its PyTorch name.

    Args:
        tf_name: A name without the model's own scope and ``:0``, e.g.
            ``"bert/encoder/layer_._0/attention/self/query/kernel"``.

    Returns:
        ``(pytorch_name, transpose)``: ``transpose`` is true for Dense kernels, stored
        ``(in, out)`` in TensorFlow and ``(out, in)`` in PyTorch.

    Example:
        >>> tf_to_pt("mlm___cls/predictions/transform/dense/kernel")
        ('cls.predictions.transform.dense.weight', True)
        >>> tf_to_pt("bert/encoder/layer_._11/output/LayerNorm/gamma")
        ('bert.encoder.layer.11.output.LayerNorm.weight', False)
    """
    parts = [part.split("___")[-1] for part in tf_name.split("/")]
    leaf = parts[-1]
    parts[-1] = _LEAF_NAMES.get(leaf, leaf)
    return ".".join(parts).replace("_._", "."), leaf == "kernel"


def variable_name(variable) -> str:
    """A Keras variable's v4 TensorFlow name: its path without the model's own scope."""
    return variable.path.split("/", 1)[1]


def normalise_checkpoint_names(state: dict, expected: set[str]) -> dict:
    """Renames checkpoint entries the way transformers does on load.

    Old conversions name LayerNorm parameters ``gamma``/``beta``; a base ``BertModel``
    checkpoint lacks the ``bert.`` prefix that task models expect, and the reverse.

    Args:
        state: PyTorch-named arrays from a checkpoint.
        expected: The PyTorch names the model wants.

    Returns:
        The renamed dict.
    """
    renamed = {}
    for name, value in state.items():
        if name.endswith(".gamma"):
            name = name[: -len("gamma")] + "weight"
        elif name.endswith(".beta"):
            name = name[: -len("beta")] + "bias"
        renamed[name] = value
    has_prefix = any(name.startswith("bert.") for name in renamed)
    wants_prefix = any(name.startswith("bert.") for name in expected)
    if wants_prefix and not has_prefix:
        renamed = {
            (name if name.startswith("cls.") else f"bert.{name}"): value
            for name, value in renamed.items()
        }
    elif has_prefix and not wants_prefix:
        renamed = {
            name[len("bert.") :] if name.startswith("bert.") else name: value
            for name, value in renamed.items()
        }
    return renamed


def is_tied_or_buffer(pt_name: str) -> bool:
    """Whether a checkpoint entry is a tied copy or a buffer rather than a weight of its own."""
    return pt_name.endswith(TIED_OR_BUFFERS)
