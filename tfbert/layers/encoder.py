"""The encoder block (attention, optional cross-attention, feed-forward) and the stack of blocks."""

from __future__ import annotations

from tfbert.layers.attention import TFBertAttention
from tfbert.layers.common import ConfiguredLayer
from tfbert.layers.feed_forward import TFBertIntermediate, TFBertOutput


class TFBertLayer(ConfiguredLayer):
    """One transformer block: ``attention``, ``crossattention`` (when ``add_cross_attention``),
    ``intermediate`` and ``output``, named as transformers names them.

    Call args:
        past_key_value: This block's cache, ``(self_key, self_value)`` or ``(self_key,
            self_value, cross_key, cross_value)``, each ``(batch, heads, length, head_size)``;
            or ``None``.
        cache_index: Write position of a fixed-size cache (see ``TFBertSelfAttention``).

    Returns:
        ``(hidden_states, self_attention_probs or None, cross_attention_probs or None,
        present)``: ``present`` is the block's cache after the call, in the layout above.
    """

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.attention = TFBertAttention(config, name="attention", dtype=self.dtype_policy)
        self.crossattention = (
            TFBertAttention(
                config, is_cross_attention=True, name="crossattention", dtype=self.dtype_policy
            )
            if config.add_cross_attention
            else None
        )
        self.intermediate = TFBertIntermediate(config, name="intermediate", dtype=self.dtype_policy)
        self.bert_output = TFBertOutput(config, name="output", dtype=self.dtype_policy)

    def build(self, input_shape=None):
        self.attention.build()
        if self.crossattention is not None:
            self.crossattention.build()
        self.intermediate.build()
        self.bert_output.build((None, None, self.config.intermediate_size))
        self.built = True

    def call(
        self,
        hidden_states,
        attention_mask=None,
        head_mask=None,
        encoder_hidden_states=None,
        encoder_attention_mask=None,
        past_key_value=None,
        cache_index=None,
        output_attentions=False,
        training=False,
    ):
        self_past = None if past_key_value is None else tuple(past_key_value[:2])
        cross_past = (
            None if past_key_value is None or len(past_key_value) < 4 else tuple(past_key_value[2:])
        )
        hidden_states, self_probs, present = self.attention(
            hidden_states,
            attention_mask=attention_mask,
            head_mask=head_mask,
            past_key_value=self_past,
            cache_index=cache_index,
            output_attentions=output_attentions,
            training=training,
        )
        cross_probs = None
        if encoder_hidden_states is not None or cross_past is not None:
            if self.crossattention is None:
                raise ValueError(
                    "encoder_hidden_states were given, but the model has no "
                    "cross-attention layers; set add_cross_attention=True in the config"
                )
            hidden_states, cross_probs, cross_present = self.crossattention(
                hidden_states,
                attention_mask=encoder_attention_mask,
                head_mask=head_mask,
                key_value_states=encoder_hidden_states,
                past_key_value=cross_past,
                output_attentions=output_attentions,
                training=training,
            )
            present = present + cross_present
        output = self.bert_output(
            self.intermediate(hidden_states), hidden_states, training=training
        )
        return output, self_probs, cross_probs, present


class TFBertEncoder(ConfiguredLayer):
    """``num_hidden_layers`` blocks named ``layer_._0``, ``layer_._1``, ... as in transformers v4.

    Call args:
        hidden_states: ``(batch, seq, hidden)`` embeddings.
        attention_mask, encoder_attention_mask: Boolean masks (see ``attention_allowed``).
        head_mask: ``(layers, heads)`` multipliers or ``None``.
        encoder_hidden_states: States to cross-attend to, or ``None``.
        past_key_values: One cache per block (see ``TFBertLayer``), or ``None``.
        use_cache: Return the caches after the call as ``past_key_values``.
        cache_index: Write position of fixed-size caches, or ``None``.
        output_attentions, output_hidden_states: What to collect.

    Returns:
        A dict with ``last_hidden_state`` and, when asked, ``past_key_values``, ``hidden_states``
        (embeddings first), ``attentions`` and ``cross_attentions`` tuples.
    """

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.layer = [
            TFBertLayer(config, name=f"layer_._{i}", dtype=self.dtype_policy)
            for i in range(config.num_hidden_layers)
        ]

    def build(self, input_shape=None):
        for block in self.layer:
            block.build()
        self.built = True

    def call(
        self,
        hidden_states,
        attention_mask=None,
        head_mask=None,
        encoder_hidden_states=None,
        encoder_attention_mask=None,
        past_key_values=None,
        use_cache=False,
        cache_index=None,
        output_attentions=False,
        output_hidden_states=False,
        training=False,
    ):
        if past_key_values is not None and len(past_key_values) != len(self.layer):
            raise ValueError(
                f"past_key_values holds {len(past_key_values)} layers' caches; the "
                f"model has {len(self.layer)} layers"
            )
        all_hidden, all_attentions, all_cross, presents = [], [], [], []
        for i, block in enumerate(self.layer):
            if output_hidden_states:
                all_hidden.append(hidden_states)
            hidden_states, probs, cross, present = block(
                hidden_states,
                attention_mask=attention_mask,
                head_mask=None if head_mask is None else head_mask[i],
                encoder_hidden_states=encoder_hidden_states,
                encoder_attention_mask=encoder_attention_mask,
                past_key_value=None if past_key_values is None else past_key_values[i],
                cache_index=cache_index,
                output_attentions=output_attentions,
                training=training,
            )
            all_attentions.append(probs)
            all_cross.append(cross)
            presents.append(present)
        outputs = {"last_hidden_state": hidden_states}
        if use_cache:
            outputs["past_key_values"] = tuple(presents)
        if output_hidden_states:
            outputs["hidden_states"] = tuple(all_hidden + [hidden_states])
        if output_attentions:
            outputs["attentions"] = tuple(all_attentions)
            if self.config.add_cross_attention and any(c is not None for c in all_cross):
                outputs["cross_attentions"] = tuple(all_cross)
        return outputs
