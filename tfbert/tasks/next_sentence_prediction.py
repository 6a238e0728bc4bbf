"""Next-sentence prediction: whether the second text follows the first (BERT's NSP head)."""

from __future__ import annotations

from tfbert.modeling import TFBertForNextSentencePrediction
from tfbert.tasks.base import Task
from tfbert.tasks.classification import ClassificationScores
from tfbert.tasks.options import length_option

NSP_LABELS = ("is_next", "not_next")  # index 0: the second text follows the first


class NextSentencePrediction(Task):
    """``"next-sentence-prediction"``: ``{"label": "is_next" | "not_next", "score"}`` for each
    ``{"text", "text_pair"}``. Options: ``max_length``."""

    name = "next-sentence-prediction"
    model_class = TFBertForNextSentencePrediction
    architectures = ("BertForNextSentencePrediction", "BertForPreTraining")
    text_inputs = ("text", "text_pair")

    def build(self, folder, config, tokenizer, options):
        return ClassificationScores(NSP_LABELS, function="softmax"), length_option(options)

    def format(self, result, options):
        return {"label": result["label"].decode("utf-8"), "score": float(result["score"])}
