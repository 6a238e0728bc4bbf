"""A model's TF SavedModel, as transformers v4's ``save_pretrained(saved_model=True)`` wrote it.

The SavedModel holds the model's variables and one or more signatures; its default signature
(:func:`serving_function`) takes ``input_ids``, ``attention_mask`` and ``token_type_ids`` (int32
``[batch, seq]``) and returns the output fields. It loads with ``tensorflow`` alone.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import tensorflow as tf

from tfbert.files import atomic_dir
from tfbert.model_inputs import ENCODED_INPUTS


def serving_function(model) -> tf.types.experimental.GenericFunction:
    """v4's ``model.serving``: a ``tf.function`` of one dict of int32 ``[batch, seq]`` inputs.

    Args:
        model: A tfbert model.

    Returns:
        The function; it returns a dict of the output fields, tuples (hidden states,
        attentions) stacked into one tensor each as v4's ``serving_output`` did.
    """
    spec = {name: tf.TensorSpec([None, None], tf.int32, name=name) for name in ENCODED_INPUTS}
    if type(model).__name__ == "TFBertForMultipleChoice":
        spec = {
            name: tf.TensorSpec([None, None, None], tf.int32, name=name) for name in ENCODED_INPUTS
        }

    @tf.function(input_signature=[spec])
    def serving(inputs):
        outputs = model(inputs, return_dict=True, training=False)
        return {
            key: tf.stack(value) if isinstance(value, tuple) else value
            for key, value in outputs.items()
        }

    return serving


def write_saved_model(model, path: str | os.PathLike, signatures=None, atomic: bool = True) -> None:
    """Writes ``model`` as a TF SavedModel at ``path`` (replacing it atomically).

    Args:
        model: A tfbert model.
        path: The SavedModel folder.
        signatures: ``None`` (``model.serving`` as ``serving_default``), one ``tf.function``
            with an input signature, or ``{name: tf.function}``; the first is the default.
        atomic: ``False`` writes straight to ``path``, for callers that stage a whole folder
            themselves (``save_pretrained``).
    """
    from keras.export import ExportArchive

    if not model.built:
        model.build()
    if signatures is None:
        signatures = {"serving_default": model.serving}
    elif not isinstance(signatures, Mapping):
        signatures = {"serving_default": signatures}
    archive = ExportArchive()
    archive.track(model)
    for name, function in signatures.items():
        archive.add_endpoint(name, function)
    if not atomic:
        archive.write_out(os.fspath(path), verbose=False)
        return
    with atomic_dir(path) as tmp:
        archive.write_out(tmp, verbose=False)
