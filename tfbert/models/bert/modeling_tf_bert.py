"""transformers v4's ``transformers.models.bert.modeling_tf_bert``: the BERT models, their layers
and outputs under v4's names."""

from tfbert.layers import (
    TFBertAttention,
    TFBertEmbeddings,
    TFBertEncoder,
    TFBertIntermediate,
    TFBertLayer,
    TFBertMainLayer,
    TFBertOutput,
    TFBertPooler,
    TFBertSelfAttention,
)
from tfbert.modeling import (
    TFBertForMaskedLM,
    TFBertForMultipleChoice,
    TFBertForNextSentencePrediction,
    TFBertForPreTraining,
    TFBertForQuestionAnswering,
    TFBertForSequenceClassification,
    TFBertForTokenClassification,
    TFBertLMHeadModel,
    TFBertModel,
    TFBertPreTrainedModel,
)
from tfbert.modeling_tf_outputs import TFBertForPreTrainingOutput

__all__ = [
    "TFBertAttention",
    "TFBertEmbeddings",
    "TFBertEncoder",
    "TFBertForMaskedLM",
    "TFBertForMultipleChoice",
    "TFBertForNextSentencePrediction",
    "TFBertForPreTraining",
    "TFBertForPreTrainingOutput",
    "TFBertForQuestionAnswering",
    "TFBertForSequenceClassification",
    "TFBertForTokenClassification",
    "TFBertIntermediate",
    "TFBertLMHeadModel",
    "TFBertLayer",
    "TFBertMainLayer",
    "TFBertModel",
    "TFBertOutput",
    "TFBertPooler",
    "TFBertPreTrainedModel",
    "TFBertSelfAttention",
]
