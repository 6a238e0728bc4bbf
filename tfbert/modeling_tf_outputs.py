"""transformers v4's ``transformers.modeling_tf_outputs`` names for tfbert's output classes.

Each v4 name is the tfbert class itself (``TFSequenceClassifierOutput is
tfbert.outputs.SequenceClassifierOutput``), so ``isinstance`` checks written against either name
hold. The few v4 outputs tfbert's models do not return (``TFBaseModelOutput``, ...) are declared
here with their v4 fields, for code that builds them itself.

Example:
    >>> out = TFSequenceClassifierOutput(logits=[[0.5, 0.5]])
    >>> out.logits, out.loss, type(out).__name__
    ([[0.5, 0.5]], None, 'SequenceClassifierOutput')
"""

from __future__ import annotations

import optree

from tfbert import outputs as _out
from tfbert.outputs import ModelOutput

TFBaseModelOutputWithPoolingAndCrossAttentions = _out.BaseModelOutputWithPoolingAndCrossAttentions
TFBertForPreTrainingOutput = _out.PreTrainingOutput
TFCausalLMOutputWithCrossAttentions = _out.CausalLMOutputWithCrossAttentions
TFMaskedLMOutput = _out.MaskedLMOutput
TFMultipleChoiceModelOutput = _out.MultipleChoiceModelOutput
TFNextSentencePredictorOutput = _out.NextSentencePredictorOutput
TFQuestionAnsweringModelOutput = _out.QuestionAnsweringModelOutput
TFSequenceClassifierOutput = _out.SequenceClassifierOutput
TFTokenClassifierOutput = _out.TokenClassifierOutput


def _register(cls: type) -> type:
    optree.register_pytree_node_class(cls, namespace="keras")  # a Keras tree node, as in outputs.py
    return cls


@_register
class TFBaseModelOutput(ModelOutput):
    """v4's encoder output without a pooler: ``last_hidden_state``, ``hidden_states``,
    ``attentions``."""

    fields = ("last_hidden_state", "hidden_states", "attentions")


@_register
class TFBaseModelOutputWithPooling(ModelOutput):
    """v4's encoder output with a pooler, without cross-attentions."""

    fields = ("last_hidden_state", "pooler_output", "hidden_states", "attentions")


@_register
class TFBaseModelOutputWithPastAndCrossAttentions(ModelOutput):
    """v4's decoder-stack output: states, key/value cache and attentions."""

    fields = ("last_hidden_state", "past_key_values", "hidden_states", "attentions",
              "cross_attentions")


@_register
class TFCausalLMOutput(ModelOutput):
    """v4's language-model output without cross-attentions."""

    fields = ("loss", "logits", "hidden_states", "attentions")


__all__ = ["ModelOutput", "TFBaseModelOutput", "TFBaseModelOutputWithPastAndCrossAttentions",
           "TFBaseModelOutputWithPooling", "TFBaseModelOutputWithPoolingAndCrossAttentions",
           "TFBertForPreTrainingOutput", "TFCausalLMOutput", "TFCausalLMOutputWithCrossAttentions",
           "TFMaskedLMOutput", "TFMultipleChoiceModelOutput", "TFNextSentencePredictorOutput",
           "TFQuestionAnsweringModelOutput", "TFSequenceClassifierOutput",
           "TFTokenClassifierOutput"]
