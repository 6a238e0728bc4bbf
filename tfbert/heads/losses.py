"""The losses of transformers' BERT heads, written with ``keras.ops`` (computed in float32).

Each returns a scalar: the mean over the positions that count. Where every label is ignored the
loss is 0 (PyTorch would give NaN).
"""

from __future__ import annotations

from keras import ops

IGNORE_INDEX = -100


def masked_cross_entropy(labels, logits, ignore_index=IGNORE_INDEX):
    """Mean softmax cross-entropy over positions whose label is not ``ignore_index``.

    Args:
        labels: Integer class ids of any shape.
        logits: ``labels.shape + (classes,)``.
        ignore_index: Label value (or scalar tensor) that does not count.

    Example:
        >>> import numpy as np
        >>> round(float(masked_cross_entropy(np.array([1, -100]), np.zeros((2, 2)))), 4)
        0.6931
    """
    labels = ops.cast(labels, "int32")
    logits = ops.cast(logits, "float32")
    valid = ops.not_equal(labels, ops.cast(ignore_index, "int32"))
    safe_labels = ops.where(valid, labels, 0)
    losses = ops.sparse_categorical_crossentropy(safe_labels, logits, from_logits=True)
    valid = ops.cast(valid, "float32")
    return ops.sum(losses * valid) / ops.maximum(ops.sum(valid), 1.0)


def causal_lm_loss(labels, logits):
    """Next-token loss: position ``t``'s logits predict label ``t + 1``; ``-100`` is ignored."""
    return masked_cross_entropy(labels[:, 1:], logits[:, :-1])


def sequence_classification_loss(labels, logits, problem_type=None):
    """transformers' loss for ``BertForSequenceClassification``.

    ``problem_type`` ``None`` is inferred as transformers does: one label column means
    ``"regression"`` (mean squared error), integer labels ``"single_label_classification"``
    (cross-entropy), float labels ``"multi_label_classification"`` (sigmoid cross-entropy).

    Raises:
        ValueError: ``problem_type`` is unknown.
    """
    num_labels = logits.shape[-1]
    if problem_type is None:
        if num_labels == 1:
            problem_type = "regression"
        elif "int" in str(ops.convert_to_tensor(labels).dtype):
            problem_type = "single_label_classification"
        else:
            problem_type = "multi_label_classification"
    logits = ops.cast(logits, "float32")
    if problem_type == "regression":
        labels = ops.cast(labels, "float32")
        if num_labels == 1:
            return ops.mean(ops.square(ops.reshape(logits, (-1,)) - ops.reshape(labels, (-1,))))
        return ops.mean(ops.square(logits - labels))
    if problem_type == "single_label_classification":
        return masked_cross_entropy(
            ops.reshape(labels, (-1,)), ops.reshape(logits, (-1, num_labels))
        )
    if problem_type == "multi_label_classification":
        labels = ops.cast(labels, "float32")
        return ops.mean(ops.binary_crossentropy(labels, logits, from_logits=True))
    raise ValueError(f"unknown problem_type {problem_type!r}")


def span_loss(start_positions, end_positions, start_logits, end_logits):
    """Question-answering loss: mean of the start and end cross-entropies.

    As in transformers, positions outside the sequence are clamped to ``seq_length``, an index that
    is then ignored.
    """
    seq_length = ops.shape(start_logits)[1]

    def one(positions, logits):
        positions = ops.clip(ops.reshape(ops.cast(positions, "int32"), (-1,)), 0, seq_length)
        return masked_cross_entropy(positions, logits, ignore_index=seq_length)

    return (one(start_positions, start_logits) + one(end_positions, end_logits)) / 2.0
