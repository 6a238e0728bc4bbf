"""BERT's input embeddings: word + token type + absolute position, then LayerNorm and dropout."""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from tfbert.layers.common import ConfiguredLayer, LookupTable, initializer, layer_norm


class TFBertEmbeddings(ConfiguredLayer):
    """Sums the word, token-type and (for ``"absolute"`` positions) position embeddings.

    Variable names follow transformers v4: ``word_embeddings/weight``,
    ``token_type_embeddings/embeddings``, ``position_embeddings/embeddings``, ``LayerNorm/gamma``.

    Args:
        config: A :class:`tfbert.BertConfig`.

    Call args:
        input_ids: ``(batch, seq)`` ids, or ``None`` when ``inputs_embeds`` is given.
        token_type_ids: ``(batch, seq)``; zeros when ``None``.
        position_ids: ``(batch, seq)``; ``past_length .. past_length + seq - 1`` when ``None``.
        inputs_embeds: ``(batch, seq, hidden)`` vectors used instead of looking up ``input_ids``.
        past_length: Number of positions already consumed (decoding with a cache).

    Ids are checked in every mode (:func:`checked_ids`): an id outside its table
    (``input_ids`` >= ``vocab_size`` or negative, ``token_type_ids`` >= ``type_vocab_size``,
    positions >= ``max_position_embeddings``) or a float id with a fraction raises an error
    naming the argument, eagerly and in graphs (``tf.function``, ``fit``/``predict``, a
    SavedModel). Under XLA (``jit_compile=True``), which compiles assertions out, the bad
    token's embedding is NaN instead, so every output that depends on it (in BERT, its whole
    sequence) is NaN: never numbers.
    """

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        init = initializer(config)
        self.word_embeddings = LookupTable(
            config.vocab_size,
            config.hidden_size,
            weight_name="weight",
            what="input_ids",
            embeddings_initializer=init,
            name="word_embeddings",
            dtype=self.dtype_policy,
        )
        self.token_type_embeddings = LookupTable(
            config.type_vocab_size,
            config.hidden_size,
            what="token_type_ids",
            embeddings_initializer=init,
            name="token_type_embeddings",
            dtype=self.dtype_policy,
        )
        self.position_embeddings = LookupTable(
            config.max_position_embeddings,
            config.hidden_size,
            what="position_ids",
            embeddings_initializer=init,
            name="position_embeddings",
            dtype=self.dtype_policy,
        )
        self.LayerNorm = layer_norm(config, "LayerNorm", self.dtype_policy)
        self.dropout = keras.layers.Dropout(config.hidden_dropout_prob, dtype=self.dtype_policy)

    def build(self, input_shape=None):
        for table in (self.word_embeddings, self.token_type_embeddings, self.position_embeddings):
            table.build()
        self.LayerNorm.build((None, None, self.config.hidden_size))
        self.built = True

    @property
    def table(self):
        """The word-embedding matrix, shared with the tied MLM decoder."""
        return self.word_embeddings.table

    @property
    def weight(self):
        """The word-embedding matrix under transformers v4's name (``embeddings.weight``)."""
        if not self.built:
            self.build()
        return self.word_embeddings.table

    @property
    def vocab_size(self) -> int:
        """Rows of the word-embedding matrix."""
        return self.word_embeddings.input_dim

    def set_table(self, value) -> None:
        """Replaces the word-embedding matrix by ``value`` (``(vocab, hidden)``).

        Raises:
            ValueError: ``value`` is not ``(rows, hidden_size)``.
        """
        if not self.built:
            self.build()
        self.word_embeddings.set_table(value)

    def call(
        self,
        input_ids=None,
        token_type_ids=None,
        position_ids=None,
        inputs_embeds=None,
        past_length=0,
        training=False,
    ):
        if inputs_embeds is None:
            inputs_embeds = _lookup(self.word_embeddings, input_ids, "input_ids")
        elif inputs_embeds.shape[-1] not in (None, self.config.hidden_size):
            raise ValueError(
                f"inputs_embeds has shape {tuple(inputs_embeds.shape)}; its last axis "
                f"must be the hidden size {self.config.hidden_size}"
            )
        shape = ops.shape(inputs_embeds)[:2]
        if token_type_ids is None:
            token_type_ids = ops.zeros(shape, dtype="int32")
        embeddings = inputs_embeds + _lookup(
            self.token_type_embeddings, token_type_ids, "token_type_ids"
        )
        if self.config.position_embedding_type == "absolute":
            hint = ""
            if position_ids is None:
                position_ids = ops.expand_dims(ops.arange(past_length, past_length + shape[1]), 0)
                hint = (
                    "; the default positions run to the length of input_ids, which must not "
                    "exceed max_position_embeddings"
                )
            embeddings = embeddings + _lookup(
                self.position_embeddings, position_ids, "position_ids", hint
            )
        embeddings = self.LayerNorm(embeddings)
        return self.dropout(embeddings, training=training)


def _lookup(table, ids, what: str, hint: str = ""):
    """``table``'s rows for ``ids``, NaN where an id is invalid (see :func:`checked_ids`)."""
    safe, valid = checked_ids(ids, table.input_dim, what, hint)
    rows = table(safe)
    # expand_dims, not valid[..., None]: a new-axis slice is a Flex op in TFLite.
    return tf.where(tf.expand_dims(valid, -1), rows, tf.constant(float("nan"), rows.dtype))


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
