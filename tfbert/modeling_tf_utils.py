"""transformers v4's ``transformers.modeling_tf_utils`` names that BERT programs import.

``TFPreTrainedModel`` is tfbert's BERT base model class; ``shape_list``, ``get_initializer`` and
the loss mixins serve user layers and models written against v4; ``unpack_inputs`` is v4's
decorator for ``call`` methods, a no-op here because tfbert models unpack their inputs
themselves; ``keras`` is Keras 3.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Union

import keras
import numpy as np
import tensorflow as tf

from tfbert.heads.losses import (
    IGNORE_INDEX,
    masked_cross_entropy,
    sequence_classification_loss,
    span_loss,
)
from tfbert.modeling import TFBertPreTrainedModel as TFPreTrainedModel

# v4's alias for what a model's first argument may be.
TFModelInputType = Union[list, dict, np.ndarray, tf.Tensor]  # noqa: UP007


def shape_list(tensor) -> list:
    """The shape of ``tensor`` as a list: static sizes as ints, unknown ones as scalar tensors.

    Args:
        tensor: A tensor or array.

    Returns:
        One entry per dimension.

    Example:
        >>> shape_list(np.zeros((2, 3)))
        [2, 3]
    """
    if isinstance(tensor, np.ndarray):
        return list(tensor.shape)
    dynamic = tf.shape(tensor)
    if tensor.shape == tf.TensorShape(None):
        return dynamic
    return [dynamic[i] if size is None else size for i, size in enumerate(tensor.shape.as_list())]


def get_initializer(initializer_range: float = 0.02) -> keras.initializers.Initializer:
    """v4's weight initialiser: a truncated normal with standard deviation ``initializer_range``.

    Example:
        >>> get_initializer(0.05).stddev
        0.05
    """
    return keras.initializers.TruncatedNormal(stddev=initializer_range)


def unpack_inputs(func: Callable) -> Callable:
    """v4's ``call`` decorator; tfbert models unpack dict inputs themselves, so it changes nothing.

    Example:
        >>> @unpack_inputs
        ... def call(self, input_ids=None):
        ...     return input_ids
        >>> call(None, input_ids=3)
        3
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


class TFSequenceClassificationLoss:
    """Mixin: ``hf_compute_loss`` as v4's sequence classifiers computed it: mean squared error
    for one logit column, else cross-entropy ignoring labels ``-100``."""

    def hf_compute_loss(self, labels, logits):
        """The mean loss over the batch (a scalar).

        Example:
            >>> loss = TFSequenceClassificationLoss().hf_compute_loss(
            ...     np.array([1, 0]), np.zeros((2, 2), "float32"))
            >>> round(float(loss), 4)
            0.6931
        """
        one_column = len(logits.shape) == 1 or logits.shape[-1] == 1
        if len(logits.shape) == 1:
            logits = keras.ops.expand_dims(logits, -1)
        problem_type = "regression" if one_column else "single_label_classification"
        return sequence_classification_loss(labels, logits, problem_type=problem_type)


class TFTokenClassificationLoss:
    """Mixin: ``hf_compute_loss`` as v4's token classifiers computed it (``-100`` ignored)."""

    def hf_compute_loss(self, labels, logits):
        """The mean cross-entropy over tokens whose label is not ``-100`` (a scalar)."""
        return masked_cross_entropy(labels, logits, ignore_index=IGNORE_INDEX)


class TFMaskedLanguageModelingLoss(TFTokenClassificationLoss):
    """Mixin: ``hf_compute_loss`` for masked language models (labels ``-100`` ignored)."""


class TFQuestionAnsweringLoss:
    """Mixin: ``hf_compute_loss`` for span heads: mean of the start and end cross-entropies."""

    def hf_compute_loss(self, labels, logits):
        """Args: ``labels`` a dict with ``start_position`` and ``end_position`` (v4's keys);
        ``logits`` a pair ``(start_logits, end_logits)``."""
        return span_loss(labels["start_position"], labels["end_position"], logits[0], logits[1])


__all__ = [
    "TFMaskedLanguageModelingLoss",
    "TFModelInputType",
    "TFPreTrainedModel",
    "TFQuestionAnsweringLoss",
    "TFSequenceClassificationLoss",
    "TFTokenClassificationLoss",
    "get_initializer",
    "keras",
    "shape_list",
    "unpack_inputs",
]
