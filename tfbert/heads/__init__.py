"""Task heads of BERT and their losses."""

from tfbert.heads.classification import TFBertClassifier, TFBertSpanHead
from tfbert.heads.lm import (
    TFBertLMPredictionHead,
    TFBertMLMHead,
    TFBertNSPHead,
    TFBertPredictionHeadTransform,
)
from tfbert.heads.losses import (
    causal_lm_loss,
    masked_cross_entropy,
    sequence_classification_loss,
    span_loss,
)

__all__ = [
    "TFBertClassifier",
    "TFBertLMPredictionHead",
    "TFBertMLMHead",
    "TFBertNSPHead",
    "TFBertPredictionHeadTransform",
    "TFBertSpanHead",
    "causal_lm_loss",
    "masked_cross_entropy",
    "sequence_classification_loss",
    "span_loss",
]
