"""BERT's input embeddings: word + token type + absolute position, then LayerNorm and dropout."""

from __future__ import annotations

import keras
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

    Ids are checked in every mode (:func:`tfbert.layers.common.checked_ids`): an id outside its
    table (``input_ids`` >= ``vocab_size`` or negative, ``token_type_ids`` >= ``type_vocab_size``,
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
            inputs_embeds = self.word_embeddings(input_ids)
        elif inputs_embeds.shape[-1] not in (None, self.config.hidden_size):
            raise ValueError(
                f"inputs_embeds has shape {tuple(inputs_embeds.shape)}; its last axis "
                f"must be the hidden size {self.config.hidden_size}"
            )
        shape = ops.shape(inputs_embeds)[:2]
        if token_type_ids is None:
            token_type_ids = ops.zeros(shape, dtype="int32")
        embeddings = inputs_embeds + self.token_type_embeddings(token_type_ids)
        if self.config.position_embedding_type == "absolute":
            hint = ""
            if position_ids is None:
                position_ids = ops.expand_dims(ops.arange(past_length, past_length + shape[1]), 0)
                hint = (
                    "; the default positions run to the length of input_ids, which must not "
                    "exceed max_position_embeddings"
                )
            embeddings = embeddings + self.position_embeddings(position_ids, hint=hint)
        embeddings = self.LayerNorm(embeddings)
        return self.dropout(embeddings, training=training)
