"""The BERT models: ``TFBertModel`` and the ``TFBertFor*`` task models of transformers v4.

Every model is one :class:`~tfbert.layers.TFBertMainLayer` named ``bert`` plus one head, so its
variables carry transformers v4's TensorFlow names (``bert/encoder/layer_._0/attention/self/
query/kernel``, ``classifier/kernel``) and checkpoints map one to one.
"""

from __future__ import annotations

from collections.abc import Mapping

import keras
from keras import ops

from tfbert import outputs as out
from tfbert.config import BertConfig
from tfbert.heads import (TFBertClassifier, TFBertMLMHead, TFBertNSPHead, TFBertSpanHead,
                          causal_lm_loss, masked_cross_entropy, sequence_classification_loss,
                          span_loss)
from tfbert.layers import TFBertMainLayer

MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids", "position_ids", "head_mask",
                "inputs_embeds", "encoder_hidden_states", "encoder_attention_mask")
LABEL_INPUTS = ("labels", "next_sentence_label", "start_positions", "end_positions")
FLAG_INPUTS = ("output_attentions", "output_hidden_states", "return_dict")


class TFBertPreTrainedModel(keras.Model):
    """Base of the BERT models: config handling, input unpacking, checkpoints and training loss.

    Subclasses set ``add_pooling_layer`` and ``label_names``, create their head in ``__init__``
    and compute their outputs in ``forward``.

    Call args (every model):
        input_ids: ``(batch, seq)`` token ids, or a dict holding any of the arguments below
            (what ``TFBertTokenizer`` returns, with labels for training).
        attention_mask: ``(batch, seq)``, 1 for tokens and 0 for padding.
        token_type_ids: ``(batch, seq)`` segment ids.
        position_ids: ``(batch, seq)`` positions; ``0 .. seq - 1`` by default.
        head_mask: ``(heads,)`` or ``(layers, heads)`` multipliers of attention probabilities.
        inputs_embeds: ``(batch, seq, hidden)`` instead of ``input_ids``.
        output_attentions, output_hidden_states: Also return these.
        return_dict: ``False`` returns a tuple of the output fields.
        labels, next_sentence_label, start_positions, end_positions: Targets; the output then
            carries transformers' ``loss``.
        training: Dropout on.
    """

    add_pooling_layer = True
    label_names: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        keras.saving.register_keras_serializable(package="tfbert")(cls)

    def __init__(self, config: BertConfig | dict, **kwargs):
        if isinstance(config, Mapping):
            config = BertConfig.from_dict(dict(config))
        if "add_pooling_layer" in kwargs:  # TFBertModel only, as in transformers
            self.add_pooling_layer = bool(kwargs.pop("add_pooling_layer"))
        super().__init__(**kwargs)
        self.config = config
        self.bert = TFBertMainLayer(config, add_pooling_layer=self.add_pooling_layer, name="bert",
                                    dtype=self.dtype_policy)

    def build(self, input_shape=None):
        """Creates every variable; no forward pass is needed (shapes come from the config)."""
        self.bert.build()
        self.build_head()
        self.built = True

    def build_head(self) -> None:
        """Creates the head's variables."""

    def call(self, input_ids=None, attention_mask=None, token_type_ids=None, position_ids=None,
             head_mask=None, inputs_embeds=None, encoder_hidden_states=None,
             encoder_attention_mask=None, output_attentions=False, output_hidden_states=False,
             return_dict=True, labels=None, next_sentence_label=None, start_positions=None,
             end_positions=None, training=False):
        values = dict(attention_mask=attention_mask, token_type_ids=token_type_ids,
                      position_ids=position_ids, head_mask=head_mask, inputs_embeds=inputs_embeds,
                      encoder_hidden_states=encoder_hidden_states,
                      encoder_attention_mask=encoder_attention_mask,
                      output_attentions=output_attentions,
                      output_hidden_states=output_hidden_states, return_dict=return_dict,
                      labels=labels, next_sentence_label=next_sentence_label,
                      start_positions=start_positions, end_positions=end_positions)
        values.update(_unpack(input_ids))
        targets = {k: values.pop(k) for k in LABEL_INPUTS}
        targets = {k: v for k, v in targets.items() if v is not None}
        unexpected = sorted(set(targets) - set(self.label_names))
        if unexpected:
            raise ValueError(f"{type(self).__name__} takes no {', '.join(unexpected)}; its targets "
                             f"are {', '.join(self.label_names) or 'none'}")
        return_dict = values.pop("return_dict")
        outputs = self.forward(values, targets, training=bool(training))
        return outputs if return_dict is not False else outputs.to_tuple()

    def forward(self, inputs: dict, targets: dict, training: bool) -> out.ModelOutput:
        """Runs the backbone and the head. ``inputs`` are backbone arguments and flags."""
        raise NotImplementedError

    def run_backbone(self, inputs: dict, training: bool) -> dict:
        """Runs ``self.bert`` on the model inputs; returns its output dict."""
        return self.bert(**inputs, training=training)

    @staticmethod
    def extras(backbone: dict) -> dict:
        """The optional fields (hidden states, attentions) to pass through to the output."""
        return {k: backbone[k] for k in ("hidden_states", "attentions", "cross_attentions")
                if k in backbone}

    # -- training --------------------------------------------------------------------------------

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Trains on the model's own loss when ``compile()`` got no loss (transformers' way).

        With labels in the input dict, ``model.compile(optimizer)`` then ``model.fit(dataset)``
        minimises the ``loss`` the model returns. A loss given to ``compile`` (Keras' way, with
        ``fit(x, y)``) takes precedence; it sees the logits (``(start_logits, end_logits)`` for
        question answering).
        """
        if self._compile_loss is None and isinstance(y_pred, Mapping) and "loss" in y_pred:
            loss = _per_replica(y_pred["loss"])
            for extra in self.losses:
                loss = loss + self._aggregate_additional_loss(extra)
            return loss
        if self._compile_loss is None and isinstance(y_pred, Mapping) and training:
            raise ValueError(f"{type(self).__name__} was compiled without a loss, so it trains on "
                             f"its own loss, which needs targets in the input dict: "
                             f"{', '.join(self.label_names)}")
        if isinstance(y_pred, out.ModelOutput):
            y_pred = y_pred.predictions()
        return super().compute_loss(x, y, y_pred, sample_weight, training)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Keras metrics from ``compile(metrics=...)`` see the logits, as the compiled loss does."""
        if isinstance(y_pred, out.ModelOutput):
            y_pred = y_pred.predictions()
        return super().compute_metrics(x, y, y_pred, sample_weight)

    # -- serialisation and checkpoints -------------------------------------------------------------

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable,
                "dtype": keras.dtype_policies.serialize(self.dtype_policy),
                "config": self.config.to_dict()}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(BertConfig.from_dict(config.pop("config")), **config)

    @classmethod
    def from_pretrained(cls, name_or_path, **kwargs):
        """Loads a Hugging Face checkpoint; see :func:`tfbert.checkpoint.load_pretrained`."""
        from tfbert.checkpoint import load_pretrained

        return load_pretrained(cls, name_or_path, **kwargs)

    def save_pretrained(self, directory, **kwargs) -> None:
        """Writes ``config.json`` and ``model.safetensors``; see :func:`tfbert.checkpoint.save_pretrained`."""
        from tfbert.checkpoint import save_pretrained

        save_pretrained(self, directory, **kwargs)


def _per_replica(loss):
    """A replica's share of the loss: gradients are summed across ``tf.distribute`` replicas."""
    import tensorflow as tf

    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss if replicas == 1 else loss * (1.0 / replicas)


def _unpack(first):
    """Arguments given as a dict in the first position (transformers' and Keras' habit)."""
    if first is None:
        return {}
    if not isinstance(first, Mapping):
        return {"input_ids": first}
    known = set(MODEL_INPUTS) | set(LABEL_INPUTS) | set(FLAG_INPUTS)
    unknown = sorted(set(first) - known)
    if unknown:
        raise ValueError(f"unexpected input keys {unknown}; expected some of {sorted(known)}")
    return dict(first)


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

    def vocabulary_logits(self, sequence_output):
        return self.mlm(sequence_output, self.bert.embeddings.table)


class TFBertForPreTraining(_MLMModel):
    """MLM and NSP heads (``prediction_logits``, ``seq_relationship_logits``).

    The loss is the MLM loss plus the NSP loss; with only one of ``labels`` and
    ``next_sentence_label`` given, it is that one's loss.
    """

    label_names = ("labels", "next_sentence_label")

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.nsp = TFBertNSPHead(config, name="nsp___cls", dtype=self.dtype_policy)

    def build_head(self):
        super().build_head()
        self.nsp.build()

    def forward(self, inputs, targets, training):
        backbone = self.run_backbone(inputs, training)
        prediction_logits = self.vocabulary_logits(backbone["last_hidden_state"])
        nsp_logits = self.nsp(backbone["pooler_output"])
        losses = []
        if "labels" in targets:
            losses.append(masked_cross_entropy(targets["labels"], prediction_logits))
        if "next_sentence_label" in targets:
            losses.append(masked_cross_entropy(targets["next_sentence_label"], nsp_logits))
        return out.PreTrainingOutput(loss=sum(losses) if losses else None,
                                     prediction_logits=prediction_logits,
                                     seq_relationship_logits=nsp_logits, **self.extras(backbone))


class TFBertLMHeadModel(_MLMModel):
    """Causal language model (set ``is_decoder=True``); the loss predicts each next token."""

    add_pooling_layer = False
    label_names = ("labels",)

    def forward(self, inputs, targets, training):
        backbone = self.run_backbone(inputs, training)
        logits = self.vocabulary_logits(backbone["last_hidden_state"])
        loss = causal_lm_loss(targets["labels"], logits) if targets else None
        return out.CausalLMOutputWithCrossAttentions(loss=loss, logits=logits, **self.extras(backbone))


class TFBertForMaskedLM(_MLMModel):
    """Masked language model: vocabulary ``logits`` per token; ``-100`` labels are ignored."""

    add_pooling_layer = False
    label_names = ("labels",)

    def forward(self, inputs, targets, training):
        backbone = self.run_backbone(inputs, training)
        logits = self.vocabulary_logits(backbone["last_hidden_state"])
        loss = masked_cross_entropy(targets["labels"], logits) if targets else None
        return out.MaskedLMOutput(loss=loss, logits=logits, **self.extras(backbone))


class TFBertForNextSentencePrediction(TFBertPreTrainedModel):
    """Two ``logits``: 0 = the second segment follows the first, 1 = it is random.

    Targets: ``next_sentence_label`` (transformers v4 TF) or ``labels`` (transformers PyTorch).
    """

    label_names = ("labels", "next_sentence_label")

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.nsp = TFBertNSPHead(config, name="nsp___cls", dtype=self.dtype_policy)

    def build_head(self):
        self.nsp.build()

    def forward(self, inputs, targets, training):
        backbone = self.run_backbone(inputs, training)
        logits = self.nsp(backbone["pooler_output"])
        label = targets.get("next_sentence_label", targets.get("labels"))
        loss = masked_cross_entropy(label, logits) if label is not None else None
        return out.NextSentencePredictorOutput(loss=loss, logits=logits, **self.extras(backbone))


class TFBertForSequenceClassification(TFBertPreTrainedModel):
    """``num_labels`` logits from the pooled output; loss by ``config.problem_type``."""

    label_names = ("labels",)

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.classifier = TFBertClassifier(self.config, self.config.num_labels, dtype=self.dtype_policy)

    def build_head(self):
        self.classifier.build((None, self.config.hidden_size))

    def forward(self, inputs, targets, training):
        backbone = self.run_backbone(inputs, training)
        logits = self.classifier(backbone["pooler_output"], training=training)
        loss = (sequence_classification_loss(targets["labels"], logits, self.config.problem_type)
                if targets else None)
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
        reference = inputs["input_ids"] if inputs.get("input_ids") is not None else inputs["inputs_embeds"]
        if len(reference.shape) < 3:
            raise ValueError("TFBertForMultipleChoice takes inputs of shape (batch, num_choices, seq), "
                             f"got {tuple(reference.shape)}")
        num_choices = ops.shape(reference)[1]
        flat = dict(inputs)
        for key in ("input_ids", "attention_mask", "token_type_ids", "position_ids"):
            if flat.get(key) is not None:
                flat[key] = ops.reshape(flat[key], (-1, ops.shape(flat[key])[-1]))
        if flat.get("inputs_embeds") is not None:
            shape = ops.shape(flat["inputs_embeds"])
            flat["inputs_embeds"] = ops.reshape(flat["inputs_embeds"], (-1, shape[-2], shape[-1]))
        backbone = self.run_backbone(flat, training)
        logits = ops.reshape(self.classifier(backbone["pooler_output"], training=training),
                             (-1, num_choices))
        loss = masked_cross_entropy(targets["labels"], logits) if targets else None
        return out.MultipleChoiceModelOutput(loss=loss, logits=logits, **self.extras(backbone))


class TFBertForTokenClassification(TFBertPreTrainedModel):
    """``num_labels`` logits per token (NER, POS); ``-100`` labels are ignored."""

    add_pooling_layer = False
    label_names = ("labels",)

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.classifier = TFBertClassifier(self.config, self.config.num_labels, dtype=self.dtype_policy)

    def build_head(self):
        self.classifier.build((None, None, self.config.hidden_size))

    def forward(self, inputs, targets, training):
        backbone = self.run_backbone(inputs, training)
        logits = self.classifier(backbone["last_hidden_state"], training=training)
        loss = masked_cross_entropy(targets["labels"], logits) if targets else None
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

    def forward(self, inputs, targets, training):
        backbone = self.run_backbone(inputs, training)
        start_logits, end_logits = self.qa_outputs(backbone["last_hidden_state"], training=training)
        loss = None
        if targets:
            if len(targets) != 2:
                raise ValueError("question answering needs both start_positions and end_positions")
            loss = span_loss(targets["start_positions"], targets["end_positions"], start_logits,
                             end_logits)
        return out.QuestionAnsweringModelOutput(loss=loss, start_logits=start_logits,
                                                end_logits=end_logits, **self.extras(backbone))


MODEL_CLASSES = (TFBertModel, TFBertForPreTraining, TFBertLMHeadModel, TFBertForMaskedLM,
                 TFBertForNextSentencePrediction, TFBertForSequenceClassification,
                 TFBertForMultipleChoice, TFBertForTokenClassification, TFBertForQuestionAnswering)
