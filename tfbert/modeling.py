"""The BERT models: ``TFBertModel`` and the ``TFBertFor*`` task models of transformers v4.

Every model is one :class:`~tfbert.layers.TFBertMainLayer` named ``bert`` plus one head, so its
variables carry transformers v4's TensorFlow names (``bert/encoder/layer_._0/attention/self/
query/kernel``, ``classifier/kernel``) and checkpoints map one to one.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Mapping

import keras
from keras import ops

from tfbert import outputs as out
from tfbert.config import BertConfig, as_bert_config
from tfbert.generation.mixin import GenerationMixin
from tfbert.heads import (
    TFBertClassifier,
    TFBertMLMHead,
    TFBertNSPHead,
    TFBertSpanHead,
    causal_lm_loss,
    masked_cross_entropy,
    sequence_classification_loss,
    span_loss,
)
from tfbert.layers import TFBertMainLayer
from tfbert.layers.common import initializer
from tfbert.model_inputs import (
    LABEL_INPUTS,
    check_input_shapes,
    check_target_shapes,
    merge_labels,
    unpack_inputs,
)


class OwnLossSteps:
    """Keras' train and test steps for models that train on their own loss.

    Compiled without a loss, ``fit(x, y)`` / ``evaluate(x, y)`` put ``y`` into the inputs as the
    labels (as transformers v4's ``train_step`` did); subclasses say how in ``_labels_from_y``.
    During a step, outputs are read by name even when the config asks for tuples.
    """

    def train_step(self, data):
        """Keras' step, with ``fit(x, y)``'s ``y`` as the labels when compiled without a loss."""
        with self._outputs_by_name():
            return super().train_step(self._labels_from_y(data))

    def test_step(self, data):
        """Keras' step, with ``evaluate(x, y)``'s ``y`` as the labels when compiled without a
        loss."""
        with self._outputs_by_name():
            return super().test_step(self._labels_from_y(data))

    @contextlib.contextmanager
    def _outputs_by_name(self):
        """Training reads outputs by name: output objects even if the config asks for tuples."""
        self.__dict__["_in_train_step"] = True
        try:
            yield
        finally:
            self.__dict__["_in_train_step"] = False

    def _labels_from_y(self, data):
        raise NotImplementedError


class TFBertPreTrainedModel(OwnLossSteps, keras.Model):
    """Base of the BERT models: config handling, input unpacking, checkpoints and training loss.

    Subclasses set ``add_pooling_layer`` and ``label_names``, create their head in ``__init__``
    and compute their outputs in ``forward``.

    Args:
        config: tfbert's or transformers' ``BertConfig``, or a ``config.json`` dict.
        **kwargs: Keras ``Model`` arguments (``name``, ``dtype``, ``trainable``).

    Call args (every model):
        input_ids: ``(batch, seq)`` token ids; or a mapping holding any of the arguments below
            (a tokenizer's output, with labels for training); or a list/tuple of tensors in the
            order ``input_ids, attention_mask, token_type_ids, position_ids, head_mask,
            inputs_embeds`` (see :func:`tfbert.model_inputs.unpack_inputs`).
        attention_mask: ``(batch, seq)``, 1 for tokens and 0 for padding.
        token_type_ids: ``(batch, seq)`` segment ids.
        position_ids: ``(batch, seq)`` positions; ``0 .. seq - 1`` by default.
        head_mask: ``(heads,)`` or ``(layers, heads)`` multipliers of attention probabilities.
        inputs_embeds: ``(batch, seq, hidden)`` instead of ``input_ids``.
        output_attentions, output_hidden_states: Also return these; ``None`` takes the config's.
        return_dict: ``False`` returns a tuple of the output fields; ``None`` takes the config's.
        labels, next_sentence_label, start_positions, end_positions: Targets; the output then
            carries transformers' ``loss``.
        training: Dropout on.
    """

    add_pooling_layer = True
    backbone_args: tuple[str, ...] = ()  # call args handed to the backbone as given (a cache)
    label_names: tuple[str, ...] = ()
    fit_label_names: tuple[str, ...] | None = None  # what fit(x, y) maps y to; label_names if None
    per_token_targets: tuple[str, ...] = ()  # targets of shape (batch, seq)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        keras.saving.register_keras_serializable(package="tfbert")(cls)

    def __init__(self, config: BertConfig | dict, **kwargs):
        config = as_bert_config(config)
        if "add_pooling_layer" in kwargs:  # TFBertModel only, as in transformers
            self.add_pooling_layer = bool(kwargs.pop("add_pooling_layer"))
        super().__init__(**kwargs)
        # v4 took any mapping (transformers' BatchEncoding is a UserDict) or Python lists first
        self._allow_non_tensor_positional_args = True
        self.config = config
        self.bert = TFBertMainLayer(
            config, add_pooling_layer=self.add_pooling_layer, name="bert", dtype=self.dtype_policy
        )

    def build(self, input_shape=None):
        """Creates every variable; no forward pass is needed (shapes come from the config)."""
        self.bert.build()
        self.build_head()
        self.built = True

    def build_head(self) -> None:
        """Creates the head's variables."""

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
        output_attentions=None,
        output_hidden_states=None,
        return_dict=None,
        labels=None,
        next_sentence_label=None,
        start_positions=None,
        end_positions=None,
        training=False,
        **kwargs,
    ):
        values = dict(
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            position_ids=position_ids,
            head_mask=head_mask,
            inputs_embeds=inputs_embeds,
            encoder_hidden_states=encoder_hidden_states,
            encoder_attention_mask=encoder_attention_mask,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            return_dict=return_dict,
            labels=labels,
            next_sentence_label=next_sentence_label,
            start_positions=start_positions,
            end_positions=end_positions,
        )
        backbone = {k: kwargs.pop(k) for k in self.backbone_args if k in kwargs}
        if isinstance(input_ids, Mapping) and any(k in input_ids for k in self.backbone_args):
            input_ids = dict(input_ids)
            backbone.update({k: input_ids.pop(k) for k in self.backbone_args if k in input_ids})
        values.update(unpack_inputs(input_ids, kwargs))
        # A decoder's cache (TFBertLMHeadModel) lengthens the mask by the cached length.
        check_input_shapes({**values, **backbone})
        targets = {k: values.pop(k) for k in LABEL_INPUTS}
        targets = {k: v for k, v in targets.items() if v is not None}
        unexpected = sorted(set(targets) - set(self.label_names))
        if unexpected:
            raise ValueError(
                f"{type(self).__name__} takes no {', '.join(unexpected)}; its targets "
                f"are {', '.join(self.label_names) or 'none'}"
            )
        check_target_shapes(targets, values, self.per_token_targets)
        values.update(backbone)
        for flag in ("output_attentions", "output_hidden_states"):
            values[flag] = _flag(values[flag], getattr(self.config, flag))
        return_dict = _flag(
            values.pop("return_dict"), self.config.return_dict
        ) or self.__dict__.get("_in_train_step", False)
        outputs = self.forward(values, targets, training=bool(training))
        return outputs if return_dict else outputs.to_tuple()

    def forward(self, inputs: dict, targets: dict, training: bool) -> out.ModelOutput:
        """Runs the backbone and the head. ``inputs`` are backbone arguments and flags."""
        raise NotImplementedError

    def run_backbone(
        self, inputs: dict, training: bool
    ) -> out.BaseModelOutputWithPoolingAndCrossAttentions:
        """Runs ``self.bert`` on the model inputs; returns its output."""
        return self.bert(**inputs, return_dict=True, training=training)

    @staticmethod
    def extras(backbone: dict) -> dict:
        """The optional fields (hidden states, attentions) to pass through to the output."""
        return {
            k: backbone[k]
            for k in ("hidden_states", "attentions", "cross_attentions")
            if k in backbone
        }

    # -- embeddings ------------------------------------------------------------------------------

    def get_input_embeddings(self) -> keras.layers.Layer:
        """The embeddings layer, as in transformers v4: ``.weight`` is the word-embedding table.

        Example:
            >>> from tfbert import BertConfig, TFBertModel
            >>> model = TFBertModel(BertConfig(vocab_size=50, hidden_size=8, num_hidden_layers=1,
            ...                                num_attention_heads=2, intermediate_size=16))
            >>> tuple(model.get_input_embeddings().weight.shape)
            (50, 8)
        """
        if not self.built:
            self.build()
        return self.bert.get_input_embeddings()

    def set_input_embeddings(self, value) -> None:
        """Replaces the word-embedding table by ``value`` (``(vocab, hidden)``); a tied MLM
        decoder follows (its bias is resized to match) and ``config.vocab_size`` is updated.

        Raises:
            ValueError: ``value`` is not ``(rows, hidden_size)``.
        """
        if not self.built:
            self.build()
        self.bert.set_input_embeddings(value)
        self._vocabulary_resized(int(ops.shape(value)[0]))

    def get_output_embeddings(self) -> keras.layers.Layer | None:
        """The layer holding the vocabulary projection: for the models with an MLM head, the
        embeddings layer its decoder is tied to; ``None`` for the others (as in v4)."""
        return None

    def get_lm_head(self) -> keras.layers.Layer | None:
        """The language-model head layer, or ``None`` for models without one."""
        return None

    def resize_token_embeddings(self, new_num_tokens: int | None = None):
        """Grows or shrinks the vocabulary to ``new_num_tokens`` rows, as transformers v4 did.

        Old rows are kept; new rows are drawn from BERT's truncated normal with
        ``config.initializer_range``; a tied MLM decoder follows and its bias gets zeros for the
        new rows; ``config.vocab_size`` is updated. Resize before ``compile()`` (an optimizer
        built for the old table does not know the new one).

        Args:
            new_num_tokens: The new vocabulary size; ``None`` changes nothing.

        Returns:
            The word-embedding table variable.

        Raises:
            ValueError: ``new_num_tokens`` is not a positive integer.

        Example:
            >>> from tfbert import BertConfig, TFBertForMaskedLM
            >>> model = TFBertForMaskedLM(BertConfig(vocab_size=50, hidden_size=8,
            ...     num_hidden_layers=1, num_attention_heads=2, intermediate_size=16))
            >>> tuple(model.resize_token_embeddings(53).shape), model.config.vocab_size
            ((53, 8), 53)
        """
        embeddings = self.get_input_embeddings()
        if new_num_tokens is None or new_num_tokens == self.config.vocab_size:
            return embeddings.weight
        if (
            isinstance(new_num_tokens, bool)
            or not isinstance(new_num_tokens, int)
            or new_num_tokens <= 0
        ):
            raise ValueError(f"new_num_tokens must be a positive integer, got {new_num_tokens!r}")
        old = ops.convert_to_numpy(embeddings.weight)
        table = ops.convert_to_numpy(
            initializer(self.config)((new_num_tokens, old.shape[1]), dtype=old.dtype)
        )
        keep = min(new_num_tokens, old.shape[0])
        table[:keep] = old[:keep]
        self.set_input_embeddings(table)
        return embeddings.weight

    def _vocabulary_resized(self, vocab_size: int) -> None:
        """Updates the config, the tied head's bias and Keras' traced functions."""
        head = self.get_lm_head()
        if head is not None:
            head.resize_bias(vocab_size)
        self.config.vocab_size = vocab_size
        self.train_function = self.test_function = self.predict_function = None
        self.__dict__.pop("serving", None)

    # -- training --------------------------------------------------------------------------------

    def _labels_from_y(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if self._compile_loss is not None or y is None:
            return data
        names = self.fit_label_names or self.label_names
        return keras.utils.pack_x_y_sample_weight(
            merge_labels(x, y, names, type(self).__name__), y, sample_weight
        )

    def hf_compute_loss(self, labels, logits):
        """transformers v4's ``hf_compute_loss``: the model's own loss from targets and logits.

        The forward pass computes its ``loss`` with it, and v4 programs hand it to Keras:
        ``model.compile(optimizer, loss=model.hf_compute_loss)`` then ``fit(x, y)``. This default
        is the cross-entropy over classes with ``-100`` targets ignored.
        """
        return masked_cross_entropy(labels, logits)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Trains on the model's own loss when ``compile()`` got no loss (transformers' way).

        With labels in the input dict, or given as ``y`` (``fit(x, y)``, as v4's models took
        them), ``model.compile(optimizer)`` then ``model.fit(...)`` minimises the ``loss`` the
        model returns. A loss given to ``compile`` (Keras' way, with ``fit(x, y)``) takes
        precedence; it sees the logits (``(start_logits, end_logits)`` for question answering).
        """
        if self._compile_loss is None and isinstance(y_pred, Mapping) and "loss" in y_pred:
            loss = _per_replica(y_pred["loss"])
            for extra in self.losses:
                loss = loss + self._aggregate_additional_loss(extra)
            return loss
        if self._compile_loss is None and isinstance(y_pred, Mapping) and training:
            raise ValueError(
                f"{type(self).__name__} was compiled without a loss, so it trains on "
                f"its own loss, which needs targets in the input dict: "
                f"{', '.join(self.label_names)} (or given as y in fit(x, y))"
            )
        if isinstance(y_pred, out.ModelOutput):
            y_pred = y_pred.predictions()
        return super().compute_loss(x, y, y_pred, sample_weight, training)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Keras metrics from ``compile(metrics=...)`` see the logits, as the compiled loss does."""
        if isinstance(y_pred, out.ModelOutput):
            y_pred = y_pred.predictions()
        return super().compute_metrics(x, y, y_pred, sample_weight)

    def prepare_tf_dataset(
        self,
        dataset,
        batch_size: int = 8,
        shuffle: bool = True,
        tokenizer=None,
        collate_fn=None,
        collate_fn_args=None,
        drop_remainder=None,
        prefetch: bool = True,
    ):
        """A ``tf.data.Dataset`` of model inputs from a 🤗 ``datasets.Dataset``, as in v4.

        See :func:`tfbert.data_collator.prepare_tf_dataset` for the arguments.
        """
        from tfbert.data_collator import prepare_tf_dataset

        return prepare_tf_dataset(
            self,
            dataset,
            batch_size=batch_size,
            shuffle=shuffle,
            tokenizer=tokenizer,
            collate_fn=collate_fn,
            collate_fn_args=collate_fn_args,
            drop_remainder=drop_remainder,
            prefetch=prefetch,
        )

    # -- serving ---------------------------------------------------------------------------------

    @functools.cached_property
    def serving(self):
        """v4's serving function: ``{"input_ids", "attention_mask", "token_type_ids"}`` (int32
        ``[batch, seq]``) to a dict of the output fields (hidden states and attentions stacked).
        The default signature of ``save_pretrained(saved_model=True)`` and ``export``."""
        from tfbert.checkpoint.saved_model import serving_function

        return serving_function(self)

    def export(
        self, filepath, format: str = "tf_saved_model", verbose=None, input_signature=None, **kwargs
    ):
        """Keras' ``Model.export``; a TF SavedModel without ``input_signature`` gets the
        :attr:`serving` signature (``serve`` and ``serving_default``).

        Args:
            filepath: Output folder.
            format, verbose, input_signature, **kwargs: As for ``keras.Model.export``.
        """
        if format == "tf_saved_model" and input_signature is None and not kwargs:
            from tfbert.checkpoint.saved_model import write_saved_model

            write_saved_model(self, filepath, {"serve": self.serving})
            return
        return super().export(
            filepath, format=format, verbose=verbose, input_signature=input_signature, **kwargs
        )

    # -- serialisation and checkpoints -------------------------------------------------------------

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "config": self.config.to_dict(),
        }

    @classmethod
    def from_config(cls, config, **kwargs):
        """A new model from Keras' ``get_config()`` dict, or (as v4's ``from_config``) from a
        tfbert or transformers ``BertConfig`` or a ``config.json`` dict.

        Raises:
            ValueError: A config of another model type.
        """
        if isinstance(config, Mapping) and isinstance(config.get("config"), Mapping):
            config = dict(config)
            return cls(BertConfig.from_dict(config.pop("config")), **config, **kwargs)
        return cls(as_bert_config(config), **kwargs)

    @classmethod
    def from_pretrained(cls, name_or_path, *args, **kwargs):
        """Loads a Hugging Face checkpoint; see :func:`tfbert.checkpoint.load_pretrained`."""
        from tfbert.checkpoint import load_pretrained

        if args:  # v4 took model_args positionally after the path; tfbert's models take none
            raise TypeError(
                f"{cls.__name__}.from_pretrained takes keyword arguments only after "
                f"the path, got {len(args)} positional"
            )
        return load_pretrained(cls, name_or_path, **kwargs)

    def save_pretrained(
        self, directory, saved_model: bool = False, version: int = 1, signatures=None, **kwargs
    ) -> None:
        """Writes ``config.json`` and ``model.safetensors``, and with ``saved_model=True`` a TF
        SavedModel in ``directory/saved_model/<version>``; see
        :func:`tfbert.checkpoint.save_pretrained`."""
        from tfbert.checkpoint import save_pretrained

        save_pretrained(
            self,
            directory,
            saved_model=saved_model,
            version=version,
            signatures=signatures,
            **kwargs,
        )


def _flag(value, default) -> bool:
    """A call's output switch: the call's value, else the config's."""
    return bool(default) if value is None else bool(value)


def _check_class_labels(labels, num_labels: int) -> None:
    """Sequence-classification labels: ``(batch,)``, ``(batch, 1)`` or ``(batch, num_labels)``."""
    shape = tuple(ops.shape(labels))
    if len(shape) > 2 or (len(shape) == 2 and shape[1] not in (None, 1, num_labels)):
        raise ValueError(
            f"labels has shape {shape}; expected (batch,) class ids, or (batch, "
            f"{num_labels}) for multi-label targets or regression "
            f"(num_labels={num_labels})"
        )


def _default_generation_mask(ids, config):
    """transformers' default attention mask for a prompt: ``ids != pad_token_id`` when the pad id
    occurs in the prompt and is no eos id, else ones."""
    pad, eos = config.pad_token_id, config.eos_token_id
    eos = [] if eos is None else ([eos] if isinstance(eos, int) else list(eos))
    if pad is None or pad in eos:
        return ops.ones_like(ids)
    padded = ops.any(ops.equal(ids, pad))  # a tensor: the same code runs in tf.function
    return ops.cast(ops.logical_or(ops.not_equal(ids, pad), ops.logical_not(padded)), "int32")


def _per_replica(loss):
    """A replica's share of the loss: gradients are summed across ``tf.distribute`` replicas."""
    import tensorflow as tf

    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss if replicas == 1 else loss * (1.0 / replicas)


class TFBertModel(TFBertPreTrainedModel):
    """The bare encoder: ``last_hidden_state`` and ``pooler_output``.

    ``TFBertModel(config, add_pooling_layer=False)`` leaves the pooler out (token features and
    mean-pooled sentence embeddings do not use it).

    Example:
        >>> import numpy as np
        >>> from tfbert import BertConfig, TFBertModel
        >>> config = BertConfig(vocab_size=50, hidden_size=8, num_hidden_layers=1,
        ...                     num_attention_heads=2, intermediate_size=16)
        >>> outputs = TFBertModel(config)(np.array([[2, 5, 7, 3]]))
        >>> tuple(outputs.last_hidden_state.shape), tuple(outputs["pooler_output"].shape)
        ((1, 4, 8), (1, 8))
    """

    def forward(self, inputs, targets, training):
        backbone = self.run_backbone(inputs, training)
        return out.BaseModelOutputWithPoolingAndCrossAttentions(**backbone)

    def get_config(self):
        return {**super().get_config(), "add_pooling_layer": self.add_pooling_layer}


class _MLMModel(TFBertPreTrainedModel):
    """Shared by the models with the tied MLM head (named ``mlm___cls`` as in transformers v4)."""

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.mlm = TFBertMLMHead(config, name="mlm___cls", dtype=self.dtype_policy)

    def build_head(self):
        self.mlm.build()

    def get_lm_head(self):
        return self.mlm.predictions

    def get_output_embeddings(self):
        return self.get_input_embeddings()

    def vocabulary_logits(self, sequence_output):
        return self.mlm(sequence_output, self.bert.embeddings.table)


class TFBertForPreTraining(_MLMModel):
    """MLM and NSP heads (``prediction_logits``, ``seq_relationship_logits``).

    The loss is the MLM loss plus the NSP loss; with only one of ``labels`` and
    ``next_sentence_label`` given, it is that one's loss.
    """

    label_names = ("labels", "next_sentence_label")
    per_token_targets = ("labels",)

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.nsp = TFBertNSPHead(config, name="nsp___cls", dtype=self.dtype_policy)

    def build_head(self):
        super().build_head()
        self.nsp.build()

    def hf_compute_loss(self, labels, logits):
        """Two heads, two targets: train with the targets in the inputs (``compile(optimizer)``,
        no loss), or with ``fit(x, y)`` where ``y`` holds them."""
        raise NotImplementedError(
            f"{type(self).__name__} has two targets; compile without a loss "
            f"and give {', '.join(self.label_names)} in x or as y"
        )

    def forward(self, inputs, targets, training):
        backbone = self.run_backbone(inputs, training)
        prediction_logits = self.vocabulary_logits(backbone["last_hidden_state"])
        nsp_logits = self.nsp(backbone["pooler_output"])
        losses = []
        if "labels" in targets:
            losses.append(masked_cross_entropy(targets["labels"], prediction_logits))
        if "next_sentence_label" in targets:
            losses.append(masked_cross_entropy(targets["next_sentence_label"], nsp_logits))
        return out.PreTrainingOutput(
            loss=sum(losses) if losses else None,
            prediction_logits=prediction_logits,
            seq_relationship_logits=nsp_logits,
            **self.extras(backbone),
        )


class TFBertLMHeadModel(GenerationMixin, _MLMModel):
    """Causal language model (set ``is_decoder=True``); the loss predicts each next token.

    Besides the common call args it takes transformers v4's ``past_key_values`` (per layer
    ``(self_key, self_value[, cross_key, cross_value])``, each ``(batch, heads, past_length,
    head_size)``) and ``use_cache`` (``None``: ``config.use_cache``), and ``cache_index`` for
    fixed-size caches (see :class:`~tfbert.layers.TFBertMainLayer`); the output then carries
    ``past_key_values``. ``generate()`` decodes with the cache (see
    :class:`~tfbert.generation.GenerationMixin`).

    Example:
        >>> import numpy as np
        >>> from tfbert import BertConfig, TFBertLMHeadModel
        >>> model = TFBertLMHeadModel(BertConfig(vocab_size=50, hidden_size=8, num_hidden_layers=1,
        ...     num_attention_heads=2, intermediate_size=16, is_decoder=True))
        >>> first = model(np.array([[2, 5, 7]]))
        >>> step = model(np.array([[9]]), past_key_values=first.past_key_values)
        >>> tuple(step.logits.shape), tuple(step.past_key_values[0][0].shape)
        ((1, 1, 50), (1, 2, 4, 4))
    """

    add_pooling_layer = False
    label_names = ("labels",)
    backbone_args = ("past_key_values", "use_cache", "cache_index")

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
        output_attentions=None,
        output_hidden_states=None,
        return_dict=None,
        labels=None,
        training=False,
        cache_index=None,
        **kwargs,
    ):
        # Every argument is named (not left to **kwargs): Keras refuses a call argument that
        # mixes tensors and other values, as a **kwargs dict holding a cache and flags would.
        return super().call(
            input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            position_ids=position_ids,
            head_mask=head_mask,
            inputs_embeds=inputs_embeds,
            encoder_hidden_states=encoder_hidden_states,
            encoder_attention_mask=encoder_attention_mask,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            return_dict=return_dict,
            labels=labels,
            training=training,
            past_key_values=past_key_values,
            use_cache=use_cache,
            cache_index=cache_index,
            **kwargs,
        )

    def hf_compute_loss(self, labels, logits):
        """Next-token cross-entropy (labels shifted by one; ``-100`` ignored)."""
        return causal_lm_loss(labels, logits)

    def forward(self, inputs, targets, training):
        backbone = self.run_backbone(inputs, training)
        logits = self.vocabulary_logits(backbone["last_hidden_state"])
        loss = self.hf_compute_loss(targets["labels"], logits) if targets else None
        return out.CausalLMOutputWithCrossAttentions(
            loss=loss,
            logits=logits,
            past_key_values=backbone.get("past_key_values"),
            **self.extras(backbone),
        )

    # -- generation hooks (see GenerationMixin) --------------------------------------------------

    _CONTEXT_INPUTS = (
        "encoder_hidden_states",
        "encoder_attention_mask",
        "token_type_ids",
        "position_ids",
    )

    def _generation_inputs(self, inputs, model_kwargs, config):
        if inputs is None:
            inputs = model_kwargs.pop("input_ids", None)
        if inputs is None:
            if config.bos_token_id is None:
                raise ValueError("generate() needs input_ids, or a bos_token_id to start from")
            inputs = [[config.bos_token_id]]
        ids = ops.convert_to_tensor(inputs, "int32")
        if len(ids.shape) != 2:
            raise ValueError(f"input_ids must have shape (batch, seq), got {tuple(ids.shape)}")
        mask = model_kwargs.pop("attention_mask", None)
        if mask is None:
            mask = _default_generation_mask(ids, config)
        context = {
            k: ops.convert_to_tensor(model_kwargs.pop(k))
            for k in self._CONTEXT_INPUTS
            if model_kwargs.get(k) is not None
        }
        mask = ops.cast(mask, "int32")
        # transformers counts positions over the unpadded tokens (left padding starts at 0)
        positions = ops.cumsum(mask, axis=-1) - 1
        context["position_ids"] = ops.where(ops.equal(mask, 0), 0, positions)
        return ids, mask, context

    def _empty_cache(self, rows, max_length):
        shape = (rows, self.config.num_attention_heads, max_length, self.config.head_size)
        zeros = ops.zeros(shape, self.compute_dtype)
        return tuple((zeros, zeros) for _ in range(self.config.num_hidden_layers))

    def _generation_step(self, tokens, attention_mask, cache, cache_index, context):
        context = dict(context)
        token_types, positions = context.pop("token_type_ids", None), context.pop("position_ids")
        prompt_length = positions.shape[1]
        if tokens.shape[1] == 1:  # a new token (or a one-token prompt: the same formula)
            # the last segment, the position after the last one
            positions = positions[:, -1:] + ops.cast(cache_index - prompt_length + 1, "int32")
            token_types = None if token_types is None else token_types[:, -1:]
        output = self(
            tokens,
            attention_mask=attention_mask,
            token_type_ids=token_types,
            position_ids=positions,
            past_key_values=cache,
            cache_index=cache_index,
            use_cache=True,
            return_dict=True,
            **context,
        )
        return output.logits[:, -1], output.past_key_values


class TFBertForMaskedLM(_MLMModel):
    """Masked language model: vocabulary ``logits`` per token; ``-100`` labels are ignored."""

    add_pooling_layer = False
    label_names = ("labels",)
    per_token_targets = ("labels",)

    def forward(self, inputs, targets, training):
        backbone = self.run_backbone(inputs, training)
        logits = self.vocabulary_logits(backbone["last_hidden_state"])
        loss = self.hf_compute_loss(targets["labels"], logits) if targets else None
        return out.MaskedLMOutput(loss=loss, logits=logits, **self.extras(backbone))


class TFBertForNextSentencePrediction(TFBertPreTrainedModel):
    """Two ``logits``: 0 = the second segment follows the first, 1 = it is random.

    Targets: ``next_sentence_label`` (transformers v4 TF) or ``labels`` (transformers PyTorch).
    """

    label_names = ("labels", "next_sentence_label")
    fit_label_names = ("next_sentence_label",)

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.nsp = TFBertNSPHead(config, name="nsp___cls", dtype=self.dtype_policy)

    def build_head(self):
        self.nsp.build()

    def forward(self, inputs, targets, training):
        backbone = self.run_backbone(inputs, training)
        logits = self.nsp(backbone["pooler_output"])
        label = targets.get("next_sentence_label", targets.get("labels"))
        loss = self.hf_compute_loss(label, logits) if label is not None else None
        return out.NextSentencePredictorOutput(loss=loss, logits=logits, **self.extras(backbone))


class TFBertForSequenceClassification(TFBertPreTrainedModel):
    """``num_labels`` logits from the pooled output; loss by ``config.problem_type``."""

    label_names = ("labels",)

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.classifier = TFBertClassifier(
            self.config, self.config.num_labels, dtype=self.dtype_policy
        )

    def build_head(self):
        self.classifier.build((None, self.config.hidden_size))

    def hf_compute_loss(self, labels, logits):
        """The loss of ``config.problem_type`` (mean squared error, cross-entropy, or binary
        cross-entropy per label), inferred from the labels when unset, as transformers does.
        With ``num_labels > 1``, ``(batch,)`` labels are class ids even when Keras' compiled loss
        hands them over as floats (as v4's TF loss read them)."""
        problem = self.config.problem_type
        if problem is None and len(labels.shape) == 1 and self.config.num_labels > 1:
            problem, labels = "single_label_classification", ops.cast(labels, "int32")
        return sequence_classification_loss(labels, logits, problem)

    def forward(self, inputs, targets, training):
        backbone = self.run_backbone(inputs, training)
        logits = self.classifier(backbone["pooler_output"], training=training)
        if targets:
            _check_class_labels(targets["labels"], self.config.num_labels)
        loss = self.hf_compute_loss(targets["labels"], logits) if targets else None
        return out.SequenceClassifierOutput(loss=loss, logits=logits, **self.extras(backbone))


class TFBertForMultipleChoice(TFBertPreTrainedModel):
    """Scores ``num_choices`` candidates; inputs are ``(batch, num_choices, seq)``."""

    label_names = ("labels",)

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.classifier = TFBertClassifier(self.config, 1, dtype=self.dtype_policy)

    def build_head(self):
        self.classifier.build((None, self.config.hidden_size))

    def forward(self, inputs, targets, training):
        reference = (
            inputs["input_ids"] if inputs.get("input_ids") is not None else inputs["inputs_embeds"]
        )
        if len(reference.shape) < 3:
            raise ValueError(
                "TFBertForMultipleChoice takes inputs of shape (batch, num_choices, seq), "
                f"got {tuple(reference.shape)}"
            )
        num_choices = ops.shape(reference)[1]
        flat = dict(inputs)
        for key in ("input_ids", "attention_mask", "token_type_ids", "position_ids"):
            if flat.get(key) is not None:
                flat[key] = ops.reshape(flat[key], (-1, ops.shape(flat[key])[-1]))
        if flat.get("inputs_embeds") is not None:
            shape = ops.shape(flat["inputs_embeds"])
            flat["inputs_embeds"] = ops.reshape(flat["inputs_embeds"], (-1, shape[-2], shape[-1]))
        backbone = self.run_backbone(flat, training)
        logits = ops.reshape(
            self.classifier(backbone["pooler_output"], training=training), (-1, num_choices)
        )
        loss = self.hf_compute_loss(targets["labels"], logits) if targets else None
        return out.MultipleChoiceModelOutput(loss=loss, logits=logits, **self.extras(backbone))


class TFBertForTokenClassification(TFBertPreTrainedModel):
    """``num_labels`` logits per token (NER, POS); ``-100`` labels are ignored."""

    add_pooling_layer = False
    label_names = ("labels",)
    per_token_targets = ("labels",)

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.classifier = TFBertClassifier(
            self.config, self.config.num_labels, dtype=self.dtype_policy
        )

    def build_head(self):
        self.classifier.build((None, None, self.config.hidden_size))

    def forward(self, inputs, targets, training):
        backbone = self.run_backbone(inputs, training)
        logits = self.classifier(backbone["last_hidden_state"], training=training)
        loss = self.hf_compute_loss(targets["labels"], logits) if targets else None
        return out.TokenClassifierOutput(loss=loss, logits=logits, **self.extras(backbone))


class TFBertForQuestionAnswering(TFBertPreTrainedModel):
    """Extractive QA: ``start_logits`` and ``end_logits`` per token."""

    add_pooling_layer = False
    label_names = ("start_positions", "end_positions")

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.qa_outputs = TFBertSpanHead(self.config, dtype=self.dtype_policy)

    def build_head(self):
        self.qa_outputs.build((None, None, self.config.hidden_size))

    def hf_compute_loss(self, labels, logits):
        """Two heads, two targets: train with the targets in the inputs (``compile(optimizer)``,
        no loss), or with ``fit(x, y)`` where ``y`` holds them."""
        raise NotImplementedError(
            f"{type(self).__name__} has two targets; compile without a loss "
            f"and give {', '.join(self.label_names)} in x or as y"
        )

    def forward(self, inputs, targets, training):
        backbone = self.run_backbone(inputs, training)
        start_logits, end_logits = self.qa_outputs(backbone["last_hidden_state"], training=training)
        loss = None
        if targets:
            if len(targets) != 2:
                raise ValueError("question answering needs both start_positions and end_positions")
            loss = span_loss(
                targets["start_positions"], targets["end_positions"], start_logits, end_logits
            )
        return out.QuestionAnsweringModelOutput(
            loss=loss, start_logits=start_logits, end_logits=end_logits, **self.extras(backbone)
        )


MODEL_CLASSES = (
    TFBertModel,
    TFBertForPreTraining,
    TFBertLMHeadModel,
    TFBertForMaskedLM,
    TFBertForNextSentencePrediction,
    TFBertForSequenceClassification,
    TFBertForMultipleChoice,
    TFBertForTokenClassification,
    TFBertForQuestionAnswering,
)
