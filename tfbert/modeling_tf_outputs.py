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

from typing import Any

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


class TFBaseModelOutput(ModelOutput):
    """v4's encoder output without a pooler: ``last_hidden_state``, ``hidden_states``,
    ``attentions``."""

    last_hidden_state: Any
    hidden_states: Any
    attentions: Any


class TFBaseModelOutputWithPooling(ModelOutput):
    """v4's encoder output with a pooler, without cross-attentions."""

    last_hidden_state: Any
    pooler_output: Any
    hidden_states: Any
    attentions: Any


class TFBaseModelOutputWithPastAndCrossAttentions(ModelOutput):
    """v4's decoder-stack output: states, key/value cache and attentions."""

    last_hidden_state: Any
    past_key_values: Any
    hidden_states: Any
    attentions: Any
    cross_attentions: Any


class TFCausalLMOutput(ModelOutput):
    """v4's language-model output without cross-attentions."""

    loss: Any
    logits: Any
    hidden_states: Any
    attentions: Any


__all__ = [
    "ModelOutput",
    "TFBaseModelOutput",
    "TFBaseModelOutputWithPastAndCrossAttentions",
    "TFBaseModelOutputWithPooling",
    "TFBaseModelOutputWithPoolingAndCrossAttentions",
    "TFBertForPreTrainingOutput",
    "TFCausalLMOutput",
    "TFCausalLMOutputWithCrossAttentions",
    "TFMaskedLMOutput",
    "TFMultipleChoiceModelOutput",
    "TFNextSentencePredictorOutput",
    "TFQuestionAnsweringModelOutput",
    "TFSequenceClassifierOutput",
    "TFTokenClassifierOutput",
]
