"""Multi-head attention as BERT does it: self-attention (padding and causal masks, absolute or
relative positions) and cross-attention to encoder states, in one layer, with a key/value cache
for decoding (growing by concatenation, or of fixed size and written in place for XLA)."""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from tfbert.layers.common import ConfiguredLayer, LookupTable, dense, initializer
from tfbert.layers.feed_forward import TFBertOutput

_MASKED = float(np.finfo(np.float32).min)  # the score of a hidden key, as in transformers


def attention_allowed(attention_mask, query_length, key_length, causal: bool = False, past=None):
    """Turns a 0/1 mask into the boolean mask of the keys each query may attend to.

    Args:
        attention_mask: ``(batch, key_length)`` or ``(batch, query_length, key_length)`` with 1 for
            positions to attend to, or ``None`` (attend everywhere).
        query_length, key_length: Sequence lengths.
        causal: Also hide keys after each query (decoders); with ``past`` cached positions,
            query ``i`` sees keys ``<= i + past``.
        past: Positions already in the cache; ``key_length - query_length`` when ``None`` (a
            cache grown by concatenation). A fixed-size cache passes its write position: the
            causal mask then also hides the slots not yet written.

    Returns:
        ``None`` or a boolean tensor broadcastable to ``(batch, heads, query_length, key_length)``.
        (Boolean, not an additive float bias, so Keras' mixed-precision input casting leaves it
        alone and the masked scores stay at the float32 minimum.)
    """
    allowed = None
    if attention_mask is not None:
        attention_mask = ops.cast(attention_mask, "bool")
        # expand_dims, not [:, None]: TFLite has no builtin strided slice with new axes on bools
        if len(attention_mask.shape) == 2:
            allowed = ops.expand_dims(ops.expand_dims(attention_mask, 1), 1)
        elif len(attention_mask.shape) == 3:
            allowed = ops.expand_dims(attention_mask, 1)
        else:
            raise ValueError(
                f"attention_mask must have rank 2 (batch, seq) or 3 (batch, query, key), "
                f"got shape {tuple(attention_mask.shape)}"
            )
    if causal:
        past = key_length - query_length if past is None else past
        rows = ops.expand_dims(ops.arange(query_length), 1) + past
        cols = ops.expand_dims(ops.arange(key_length), 0)
        lower = ops.expand_dims(ops.expand_dims(cols <= rows, 0), 0)
        allowed = lower if allowed is None else ops.logical_and(allowed, lower)
    return allowed


class TFBertSelfAttention(ConfiguredLayer):
    """Scaled dot-product attention over ``num_attention_heads`` heads.

    Variables: ``query``, ``key``, ``value`` (Dense) and, for relative positions,
    ``distance_embedding/embeddings``.

    Args:
        config: A :class:`tfbert.BertConfig`.
        is_cross_attention: Keys and values come from ``key_value_states`` (encoder states);
            relative positions are not used then, as in transformers.

    Call args:
        hidden_states: ``(batch, query_length, hidden)``.
        attention_mask: Boolean mask from :func:`attention_allowed`, or ``None``.
        head_mask: ``(heads,)`` multipliers of each head's probabilities, or ``None``.
        key_value_states: ``(batch, key_length, hidden)`` for cross-attention.
        past_key_value: ``(key, value)`` cache, each ``(batch, heads, length, head_size)``, or
            ``None``. Self-attention appends the new keys and values to it (or, with
            ``cache_index``, writes them at that position of a fixed-size cache);
            cross-attention reuses it instead of projecting ``key_value_states`` again.
        cache_index: Write position in a fixed-size self-attention cache (a scalar tensor), or
            ``None`` for a cache grown by concatenation.
        output_attentions: Also return the attention probabilities.

    Returns:
        ``(context, probabilities or None, (key, value))``; context is ``(batch, query_length,
        hidden)``; ``(key, value)`` is the cache after this call, in transformers' layout.
    """

    def __init__(self, config, is_cross_attention: bool = False, **kwargs):
        super().__init__(config, **kwargs)
        self.is_cross_attention = is_cross_attention
        self.num_heads = config.num_attention_heads
        self.head_size = config.head_size
        size = config.hidden_size
        self.query = dense(config, size, "query", self.dtype_policy)
        self.key = dense(config, size, "key", self.dtype_policy)
        self.value = dense(config, size, "value", self.dtype_policy)
        self.dropout = keras.layers.Dropout(
            config.attention_probs_dropout_prob, dtype=self.dtype_policy
        )
        self.relative = (
            None
            if is_cross_attention or config.position_embedding_type == "absolute"
            else config.position_embedding_type
        )
        if self.relative:
            self.distance_embedding = LookupTable(
                2 * config.max_position_embeddings - 1,
                self.head_size,
                what="relative distances",
                embeddings_initializer=initializer(config),
                name="distance_embedding",
                dtype=self.dtype_policy,
            )

    def build(self, input_shape=None):
        shape = (None, None, self.config.hidden_size)
        for layer in (self.query, self.key, self.value):
            layer.build(shape)
        if self.relative:
            self.distance_embedding.build()
        self.built = True

    def _split_heads(self, x):
        batch, length = ops.shape(x)[0], ops.shape(x)[1]
        x = ops.reshape(x, (batch, length, self.num_heads, self.head_size))
        return ops.transpose(x, (0, 2, 1, 3))

    def call(
        self,
        hidden_states,
        attention_mask=None,
        head_mask=None,
        key_value_states=None,
        past_key_value=None,
        cache_index=None,
        output_attentions=False,
        training=False,
    ):
        query = self._split_heads(self.query(hidden_states))
        key, value = self._keys_and_values(
            hidden_states, key_value_states, past_key_value, cache_index
        )

        scores = ops.matmul(query, ops.transpose(key, (0, 1, 3, 2)))
        if self.relative:
            scores = scores + self._relative_scores(query, key, cache_index)
        scores = ops.cast(scores, "float32") * (1.0 / math.sqrt(self.head_size))
        if attention_mask is not None:
            scores = ops.where(attention_mask, scores, _MASKED)
        probs = ops.cast(ops.softmax(scores, axis=-1), self.compute_dtype)
        probs = self.dropout(probs, training=training)
        if head_mask is not None:
            probs = probs * ops.cast(ops.reshape(head_mask, (1, -1, 1, 1)), probs.dtype)

        context = ops.matmul(probs, value)
        context = ops.transpose(context, (0, 2, 1, 3))
        batch, length = ops.shape(context)[0], ops.shape(context)[1]
        context = ops.reshape(context, (batch, length, self.config.hidden_size))
        return context, (probs if output_attentions else None), (key, value)

    def _keys_and_values(self, hidden_states, key_value_states, past_key_value, cache_index):
        """The keys and values to attend to: projected, taken from the cache, or both."""
        if self.is_cross_attention and past_key_value is not None:
            return tuple(past_key_value)  # the encoder states do not change while decoding
        source = hidden_states if key_value_states is None else key_value_states
        key = self._split_heads(self.key(source))
        value = self._split_heads(self.value(source))
        if past_key_value is None:
            return key, value
        past_key, past_value = past_key_value
        if cache_index is None:
            return ops.concatenate([past_key, key], axis=2), ops.concatenate([past_value, value], 2)
        start = (0, 0, cache_index, 0)
        return (
            ops.slice_update(past_key, start, ops.cast(key, past_key.dtype)),
            ops.slice_update(past_value, start, ops.cast(value, past_value.dtype)),
        )

    def _relative_scores(self, query, key, cache_index=None):
        query_length, key_length = ops.shape(query)[2], ops.shape(key)[2]
        past = key_length - query_length if cache_index is None else cache_index
        distance = (ops.arange(query_length)[:, None] + past) - ops.arange(key_length)[None, :]
        table = self.distance_embedding(distance + self.config.max_position_embeddings - 1)
        table = ops.cast(table, query.dtype)
        scores = ops.einsum("bhld,lrd->bhlr", query, table)
        if self.relative == "relative_key_query":
            scores = scores + ops.einsum("bhrd,lrd->bhlr", key, table)
        return scores

    def get_config(self):
        return {**super().get_config(), "is_cross_attention": self.is_cross_attention}


class TFBertAttention(ConfiguredLayer):
    """Attention followed by its output projection, dropout, residual and LayerNorm.

    Sub-layers ``self`` (:class:`TFBertSelfAttention`) and ``output`` (:class:`TFBertOutput`), the
    names transformers gives them. Call args as :class:`TFBertSelfAttention`'s.

    Returns:
        ``(hidden_states, probabilities or None, (key, value) cache)``.
    """

    def __init__(self, config, is_cross_attention: bool = False, **kwargs):
        super().__init__(config, **kwargs)
        self.is_cross_attention = is_cross_attention
        self.self_attention = TFBertSelfAttention(
            config, is_cross_attention, name="self", dtype=self.dtype_policy
        )
        self.dense_output = TFBertOutput(config, name="output", dtype=self.dtype_policy)

    def build(self, input_shape=None):
        self.self_attention.build()
        self.dense_output.build((None, None, self.config.hidden_size))
        self.built = True

    def call(
        self,
        hidden_states,
        attention_mask=None,
        head_mask=None,
        key_value_states=None,
        past_key_value=None,
        cache_index=None,
        output_attentions=False,
        training=False,
    ):
        context, probs, present = self.self_attention(
            hidden_states,
            attention_mask=attention_mask,
            head_mask=head_mask,
            key_value_states=key_value_states,
            past_key_value=past_key_value,
            cache_index=cache_index,
            output_attentions=output_attentions,
            training=training,
        )
        return self.dense_output(context, hidden_states, training=training), probs, present

    def get_config(self):
        return {**super().get_config(), "is_cross_attention": self.is_cross_attention}
