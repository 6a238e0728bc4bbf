"""Small building blocks shared by the BERT layers: initialisers, dtypes, the id-checked lookup table."""

from __future__ import annotations

import contextlib

import keras
import tensorflow as tf
from keras import ops


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


class ConfiguredLayer(keras.layers.Layer):
    """Base of the BERT layers: holds a :class:`tfbert.BertConfig` and serialises it.

    Subclasses are registered with Keras, so ``.keras`` files load without ``custom_objects``.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        keras.saving.register_keras_serializable(package="tfbert")(cls)

    def __init__(self, config, **kwargs):
        from tfbert.config import as_bert_config

        super().__init__(**kwargs)
        self.config = as_bert_config(config)  # transformers' BertConfig too, as v4 took it

    def get_config(self):
        return {**super().get_config(), "config": self.config.to_dict()}

    @classmethod
    def from_config(cls, config):
        from tfbert.config import BertConfig

        config = dict(config)
        return cls(BertConfig.from_dict(config.pop("config")), **config)


@keras.saving.register_keras_serializable(package="tfbert")
class LookupTable(keras.layers.Layer):
    """An embedding table whose variable is named as transformers v4 named it.

    Unlike ``tf.gather`` on a GPU, which returns zeros for an out-of-range id, a lookup of an id
    outside ``[0, input_dim)`` raises an error naming the bad id (in eager mode and graphs;
    under XLA the checks are compiled out).

    Args:
        input_dim: Number of rows.
        output_dim: Width of a row.
        weight_name: Name of the table variable (``"weight"`` or ``"embeddings"``).
        what: What the ids are, for error messages (``"input_ids"``).
        embeddings_initializer: Initialiser of the table.

    Example:
        >>> import numpy as np
        >>> table = LookupTable(4, 2, weight_name="weight", what="input_ids", name="word_embeddings")
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

    def call(self, ids):
        ids = check_ids(ids, self.input_dim, self.what)
        return ops.take(self.table, ids, axis=0)

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "weight_name": self.weight_name,
            "what": self.what,
            "embeddings_initializer": keras.initializers.serialize(self.embeddings_initializer),
        }


def check_ids(ids, size: int, what: str):
    """Returns ``ids`` as int32, with graph assertions that every id is in ``[0, size)``."""
    ids = tf.convert_to_tensor(ids)
    if not ids.dtype.is_integer:
        if tf.executing_eagerly():
            raise TypeError(f"{what} must be integers, got dtype {ids.dtype.name}")
        # Keras builds distributed models on a batch it averaged across replicas (floats), as
        # keras.layers.Embedding does, take the values as ids; the range checks still hold.
        ids = tf.cast(ids, tf.int32)
    checks = [
        tf.debugging.assert_non_negative(ids, message=f"{what} must be >= 0; got"),
        tf.debugging.assert_less(
            ids,
            tf.constant(size, ids.dtype),
            message=f"{what} must be < {size} (the table size); got",
        ),
    ]
    with tf.control_dependencies(checks):
        return tf.identity(tf.cast(ids, tf.int32))
