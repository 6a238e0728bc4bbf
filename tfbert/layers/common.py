"""Small building blocks shared by the BERT layers: initialisers, dtypes, the id-checked lookup
table."""

from __future__ import annotations

import contextlib
from typing import Any

import keras
import tensorflow as tf
from keras import ops

from tfbert.config import BertConfig, as_bert_config


def initializer(config) -> keras.initializers.Initializer:
    """The truncated-normal initialiser BERT uses for every kernel and table."""
    return keras.initializers.TruncatedNormal(stddev=config.initializer_range)


def float32_policy_for(dtype_policy) -> str | keras.DTypePolicy:
    """The policy for numerically sensitive layers (LayerNorm): float32 under mixed precision."""
    policy = (
        keras.dtype_policies.get(dtype_policy)
        if dtype_policy is not None
        else keras.config.dtype_policy()
    )
    if policy.compute_dtype in ("float16", "bfloat16"):
        return "float32"
    return policy


def layer_norm(config, name: str, dtype=None) -> keras.layers.LayerNormalization:
    """A LayerNorm named as transformers names it, computed in float32 under mixed precision."""
    return keras.layers.LayerNormalization(
        epsilon=config.layer_norm_eps, name=name, dtype=float32_policy_for(dtype)
    )


def dense(config, units: int, name: str, dtype=None, activation=None) -> keras.layers.Dense:
    """A Dense layer with BERT's initialiser."""
    return keras.layers.Dense(
        units, kernel_initializer=initializer(config), name=name, dtype=dtype, activation=activation
    )


def replace_variable(layer: keras.layers.Layer, attribute: str, value) -> keras.Variable:
    """Swaps ``layer.<attribute>`` for a new variable holding ``value`` (a new shape allowed).

    The new variable takes the old one's path (so checkpoint names stay) and its place in the
    layer's variable list (so the model's variable order stays).

    Args:
        layer: A built layer.
        attribute: Name of the variable attribute (``"table"``, ``"bias"``).
        value: The new value, any array-like.

    Returns:
        The new variable.
    """
    old = getattr(layer, attribute)
    scope, name = old.path.rsplit("/", 1)
    with contextlib.ExitStack() as stack:
        for part in scope.split("/"):
            stack.enter_context(keras.name_scope(part))
        new = keras.Variable(
            ops.convert_to_tensor(value, old.dtype),
            dtype=old.dtype,
            trainable=old.trainable,
            name=name,
        )
    store = layer._trainable_variables if old.trainable else layer._non_trainable_variables
    index = next(i for i, v in enumerate(store) if v is old)
    layer._untrack_variable(old)
    locked = layer._tracker.locked
    layer._tracker.unlock()
    object.__setattr__(layer, attribute, new)
    store.insert(index, new)
    if locked:
        layer._tracker.lock()
    return new


class FromBertConfig:
    """Mixin: ``from_config`` for a layer whose ``get_config()`` holds its
    :class:`tfbert.BertConfig` as a dict under ``"config"`` and its other arguments beside it."""

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> FromBertConfig:
        config = dict(config)
        return cls(BertConfig.from_dict(config.pop("config")), **config)


class ConfiguredLayer(FromBertConfig, keras.layers.Layer):
    """Base of the BERT layers: holds a :class:`tfbert.BertConfig` and serialises it.

    Subclasses are registered with Keras, so ``.keras`` files load without ``custom_objects``.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        keras.saving.register_keras_serializable(package="tfbert")(cls)

    def __init__(self, config, **kwargs):
        super().__init__(**kwargs)
        self.config = as_bert_config(config)  # transformers' BertConfig too, as v4 took it

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "config": self.config.to_dict()}


@keras.saving.register_keras_serializable(package="tfbert")
class LookupTable(keras.layers.Layer):
    """An embedding table whose variable is named as transformers v4 named it.

    Unlike ``tf.gather`` on a GPU, which returns zeros for an out-of-range id, a lookup of an id
    outside ``[0, input_dim)`` raises an error naming the bad id (in eager mode and graphs, see
    :func:`checked_ids`); under XLA, which compiles the checks out, its row is NaN instead.

    Args:
        input_dim: Number of rows.
        output_dim: Width of a row.
        weight_name: Name of the table variable (``"weight"`` or ``"embeddings"``).
        what: What the ids are, for error messages (``"input_ids"``).
        embeddings_initializer: Initialiser of the table.

    Example:
        >>> import numpy as np
        >>> table = LookupTable(
        ...     4, 2, weight_name="weight", what="input_ids", name="word_embeddings"
        ... )
        >>> tuple(table(np.array([[0, 3]])).shape)
        (1, 2, 2)
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        *,
        weight_name: str = "embeddings",
        what: str = "ids",
        embeddings_initializer="uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.weight_name = weight_name
        self.what = what
        self.embeddings_initializer = keras.initializers.get(embeddings_initializer)

    def build(self, input_shape=None):
        self.table = self.add_weight(
            name=self.weight_name,
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
        )
        self.built = True

    def set_table(self, value) -> None:
        """Replaces the table by ``value`` (``(rows, output_dim)``); the row count may change.

        Raises:
            ValueError: ``value`` is not ``(rows, output_dim)``.
        """
        shape = tuple(ops.shape(value))
        if len(shape) != 2 or shape[1] != self.output_dim:
            raise ValueError(
                f"{self.name}: a new table must have shape (rows, {self.output_dim}), got {shape}"
            )
        if not self.built:
            self.build()
        replace_variable(self, "table", value)
        self.input_dim = int(shape[0])

    def call(self, ids, hint: str = ""):
        """The rows of ``ids`` (``ids.shape + (output_dim,)``); ``hint`` ends the message about
        an id out of range."""
        safe, valid = checked_ids(ids, self.input_dim, self.what, hint)
        rows = ops.take(self.table, safe, axis=0)
        # expand_dims, not valid[..., None]: a new-axis slice is a Flex op in TFLite.
        return tf.where(tf.expand_dims(valid, -1), rows, tf.constant(float("nan"), rows.dtype))

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "weight_name": self.weight_name,
            "what": self.what,
            "embeddings_initializer": keras.initializers.serialize(self.embeddings_initializer),
        }


def checked_ids(ids, size: int, what: str, hint: str = "") -> tuple[tf.Tensor, tf.Tensor]:
    """Ids made safe to look up in a table of ``size`` rows, and which of them were valid.

    An id is valid when it is a whole number in ``[0, size)``. Eagerly, float ids are refused
    outright; an invalid id raises an error naming ``what`` at once in eager mode and when a
    graph runs (``tf.function``, ``fit``/``predict``, a SavedModel). XLA compiles those
    assertions out, so callers also mark the invalid positions (the embeddings layer makes
    their vectors NaN).

    Args:
        ids: Integer (or, in graphs, whole-number float) ids of any shape.
        size: Rows of the table.
        what: The argument, for messages (``"input_ids"``).
        hint: Added to the out-of-range message.

    Returns:
        ``(safe, valid)``: int32 ids with every invalid one replaced by 0, and a bool tensor of
        the same shape, true where the id was valid.

    Raises:
        TypeError: ``ids`` are not numbers, or are floats in eager mode.
        tf.errors.InvalidArgumentError: An id is negative, ``>= size`` or has a fraction.

    Example:
        >>> safe, valid = checked_ids([[0, 3]], 4, "input_ids")
        >>> safe.numpy().tolist(), valid.numpy().tolist()
        ([[0, 3]], [[True, True]])
        >>> checked_ids([[0, 4]], 4, "input_ids")
        Traceback (most recent call last):
        ...
        tensorflow.python.framework.errors_impl.InvalidArgumentError: ...
    """
    ids = tf.convert_to_tensor(ids)
    if not (ids.dtype.is_integer or ids.dtype.is_floating) or ids.dtype.is_bool:
        raise TypeError(f"{what} must be integer ids, got dtype {ids.dtype.name}")
    checks = []
    if ids.dtype.is_floating:
        if tf.executing_eagerly():
            raise TypeError(f"{what} must be integers, got dtype {ids.dtype.name}")
        # In graphs (fit/predict on float arrays) whole numbers are taken as ids; fractions are not.
        whole = tf.equal(ids, tf.round(ids))
        checks.append(
            tf.debugging.assert_equal(
                ids, tf.round(ids), message=f"{what} must be whole numbers (ids); got a fraction in"
            )
        )
        valid = whole & (ids >= 0) & (ids < size)
    else:
        valid = (ids >= 0) & (ids < tf.constant(size, ids.dtype))
    checks += [
        tf.debugging.assert_non_negative(ids, message=f"{what} must be >= 0; got"),
        tf.debugging.assert_less(
            ids,
            tf.constant(size, ids.dtype),
            message=f"{what} must be < {size} (the table size{hint}); got",
        ),
    ]
    with tf.control_dependencies(checks):
        safe = tf.cast(tf.where(valid, ids, tf.zeros_like(ids)), tf.int32)
    return safe, valid
