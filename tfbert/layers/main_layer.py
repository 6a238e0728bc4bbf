"""The BERT backbone: embeddings, encoder stack and pooler (transformers v4's
``TFBertMainLayer``)."""

from __future__ import annotations

from collections.abc import Mapping

from keras import ops

from tfbert.layers.attention import attention_allowed
from tfbert.layers.common import ConfiguredLayer
from tfbert.layers.embeddings import TFBertEmbeddings
from tfbert.layers.encoder import TFBertEncoder
from tfbert.layers.pooler import TFBertPooler
from tfbert.model_inputs import unpack_inputs
from tfbert.outputs import BaseModelOutputWithPoolingAndCrossAttentions


class TFBertMainLayer(ConfiguredLayer):
    """Embeddings, encoder and (optionally) pooler; every ``TFBert*`` model holds one named
    ``bert``.

    Args:
        config: A :class:`tfbert.BertConfig`.
        add_pooling_layer: Build the pooler (heads that read tokens, not ``[CLS]``, leave it out,
            as transformers does).

    Call args:
        input_ids: ``(batch, seq)`` token ids; or give ``inputs_embeds``.
        attention_mask: ``(batch, seq)`` 1 for tokens, 0 for padding (or ``(batch, seq, seq)``).
        token_type_ids, position_ids: ``(batch, seq)``.
        head_mask: ``(heads,)`` or ``(layers, heads)`` multipliers of attention probabilities.
        inputs_embeds: ``(batch, seq, hidden)``.
        encoder_hidden_states, encoder_attention_mask: For cross-attention (decoders).
        past_key_values: Per layer ``(self_key, self_value[, cross_key, cross_value])``, each
            ``(batch, heads, past_length, head_size)`` (transformers' layout); the inputs then
            continue the cached sequence (positions start at ``past_length``, and
            ``attention_mask`` covers ``past_length + seq`` keys).
        use_cache: Return ``past_key_values`` (decoders only); ``None`` takes
            ``config.use_cache`` for decoders, ``False`` otherwise.
        cache_index: With fixed-size caches (XLA decoding): the position (scalar int tensor) at
            which the inputs' keys and values are written; the cache length is then the key
            length and ``attention_mask`` covers it whole.
        output_attentions, output_hidden_states: Also return these; ``None`` takes the config's.
        return_dict: ``False`` returns the output's ``to_tuple()``; ``None`` takes the config's.

    Returns:
        A :class:`~tfbert.outputs.BaseModelOutputWithPoolingAndCrossAttentions` (a dict with
        attribute access) with ``last_hidden_state``, ``pooler_output`` (with the pooler) and,
        when asked, ``past_key_values``, ``hidden_states``, ``attentions``, ``cross_attentions``.

    Raises:
        ValueError: A cache given to a model that is not a decoder.
    """

    def __init__(self, config, add_pooling_layer: bool = True, **kwargs):
        super().__init__(config, **kwargs)
        self.add_pooling_layer = add_pooling_layer
        self.embeddings = TFBertEmbeddings(config, name="embeddings", dtype=self.dtype_policy)
        self.encoder = TFBertEncoder(config, name="encoder", dtype=self.dtype_policy)
        self.pooler = (
            TFBertPooler(config, name="pooler", dtype=self.dtype_policy)
            if add_pooling_layer
            else None
        )

    def build(self, input_shape=None):
        self.embeddings.build()
        self.encoder.build()
        if self.pooler is not None:
            self.pooler.build()
        self.built = True

    def call(
        self,
        input_ids=None,
        attention_mask=None,
        token_type_ids=None,
        position_ids=None,
        head_mask=None,
        inputs_embeds=None,
        encoder_hidden_states=None,
        encoder_attention_mask=None,
        past_key_values=None,
        use_cache=None,
        cache_index=None,
        output_attentions=None,
        output_hidden_states=None,
        return_dict=None,
        training=False,
    ):
        if isinstance(input_ids, (Mapping, list, tuple)):  # v4's layer took a dict or list first
            named = dict(
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
                position_ids=position_ids,
                head_mask=head_mask,
                inputs_embeds=inputs_embeds,
                encoder_hidden_states=encoder_hidden_states,
                encoder_attention_mask=encoder_attention_mask,
                past_key_values=past_key_values,
                use_cache=use_cache,
                cache_index=cache_index,
                output_attentions=output_attentions,
                output_hidden_states=output_hidden_states,
                return_dict=return_dict,
            )
            given = unpack_inputs(input_ids)
            given.update({k: v for k, v in named.items() if v is not None})
            return self.call(**given, training=training)
        use_cache = self._use_cache(use_cache, past_key_values)
        output_attentions = _flag(output_attentions, self.config.output_attentions)
        output_hidden_states = _flag(output_hidden_states, self.config.output_hidden_states)
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError(
                "give exactly one of input_ids and inputs_embeds, got "
                f"{'both' if input_ids is not None else 'neither'}"
            )
        reference = input_ids if input_ids is not None else inputs_embeds[..., 0]
        if len(reference.shape) != 2:
            raise ValueError(
                f"input_ids must have shape (batch, seq), got {tuple(reference.shape)}"
            )
        seq_length = ops.shape(reference)[1]
        past_length, key_length = 0, seq_length
        if past_key_values is not None:
            cache_length = ops.shape(past_key_values[0][0])[2]
            past_length = cache_length if cache_index is None else cache_index
            key_length = cache_length + seq_length if cache_index is None else cache_length
            if position_ids is None and self.config.position_embedding_type == "absolute":
                # past + arange(seq): a range of static length, as XLA needs inside a loop
                position_ids = ops.expand_dims(ops.arange(seq_length) + past_length, 0)
        embeddings = self.embeddings(
            input_ids,
            token_type_ids=token_type_ids,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
            past_length=past_length,
            training=training,
        )
        mask = attention_allowed(
            attention_mask, seq_length, key_length, causal=self.config.is_decoder, past=past_length
        )
        cross_mask = None
        if encoder_hidden_states is not None or encoder_attention_mask is not None:
            cross_mask = attention_allowed(encoder_attention_mask, seq_length, None)
        outputs = self.encoder(
            embeddings,
            attention_mask=mask,
            head_mask=self._head_mask(head_mask),
            encoder_hidden_states=encoder_hidden_states,
            encoder_attention_mask=cross_mask,
            past_key_values=past_key_values,
            use_cache=use_cache,
            cache_index=cache_index,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            training=training,
        )
        if self.pooler is not None:
            outputs["pooler_output"] = self.pooler(outputs["last_hidden_state"])
        outputs = BaseModelOutputWithPoolingAndCrossAttentions(outputs)
        return outputs if _flag(return_dict, self.config.return_dict) else outputs.to_tuple()

    def _use_cache(self, use_cache, past_key_values) -> bool:
        """Whether to return caches: decoders only (as transformers v4's TF models)."""
        if not self.config.is_decoder:
            if past_key_values is not None:
                raise ValueError(
                    "past_key_values were given, but the model is not a decoder; "
                    "set is_decoder=True in the config"
                )
            return False
        return _flag(use_cache, self.config.use_cache)

    def _head_mask(self, head_mask):
        if head_mask is None:
            return None
        head_mask = ops.convert_to_tensor(head_mask)
        layers, heads = self.config.num_hidden_layers, self.config.num_attention_heads
        if tuple(head_mask.shape) == (heads,):
            return ops.broadcast_to(head_mask[None, :], (layers, heads))
        if tuple(head_mask.shape) == (layers, heads):
            return head_mask
        raise ValueError(
            f"head_mask must have shape ({heads},) or ({layers}, {heads}), "
            f"got {tuple(head_mask.shape)}"
        )

    def get_input_embeddings(self):
        """The embeddings layer; its ``weight`` is the word-embedding table (as in v4)."""
        return self.embeddings

    def set_input_embeddings(self, value) -> None:
        """Replaces the word-embedding table by ``value`` (``(vocab, hidden)``)."""
        self.embeddings.set_table(value)

    def get_config(self):
        return {**super().get_config(), "add_pooling_layer": self.add_pooling_layer}


def _flag(value, default: bool) -> bool:
    """A call's output switch: the call's value, else the config's."""
    return bool(default) if value is None else bool(value)
