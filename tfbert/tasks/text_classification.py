"""Text classification: scores by the config's problem type, labels by ``id2label``."""

from __future__ import annotations

import numpy as np

from tfbert.modeling import TFBertForSequenceClassification
from tfbert.tasks.base import Task
from tfbert.tasks.classification import ClassificationScores
from tfbert.tasks.options import positive, tokenizer_kwargs


def default_function(config) -> str:
    """transformers' ``function_to_apply`` default for a classification config."""
    if config.problem_type == "regression":
        return "none"
    if config.problem_type == "multi_label_classification" or config.num_labels == 1:
        return "sigmoid"
    return "softmax"


class TextClassification(Task):
    """``"text-classification"`` (alias ``"sentiment-analysis"``): the best label and its score,
    or with ``top_k`` the ranked labels.

    Options: ``function_to_apply`` (``"softmax"``, ``"sigmoid"``, ``"none"``; default by the
    config's problem type), ``max_length``, ``truncation``, ``padding``; when formatting,
    ``top_k`` (absent: the best label, wrapped in a list for one input as transformers does;
    ``None``: all).
    """

    name = "text-classification"
    aliases = ("sentiment-analysis",)
    model_class = TFBertForSequenceClassification
    architectures = ("BertForSequenceClassification",)
    graph_options = ("function_to_apply", "max_length", "truncation", "padding")
    format_options = ("top_k",)

    def build(self, folder, config, tokenizer, options):
        function = options.pop("function_to_apply", None) or default_function(config)
        labels = [config.id2label[i] for i in range(config.num_labels)]
        layer = ClassificationScores(labels, function=str(function).lower())
        return layer, tokenizer_kwargs(options)

    def check(self, rows, graph, options):
        top_k = options.get("top_k")
        if top_k is not None and not (isinstance(top_k, str) and top_k == "legacy"):
            positive("text-classification top_k", top_k)

    def format(self, result, options):
        top_k = options.get("top_k", "legacy")
        scores = result["probabilities"]
        labels = options["labels"]
        if top_k == "legacy":
            best = int(np.argmax(scores))
            return {"label": labels[best], "score": float(scores[best])}
        ranked = sorted(
            ({"label": labels[i], "score": float(s)} for i, s in enumerate(scores)),
            key=lambda item: item["score"],
            reverse=True,
        )
        return ranked if top_k is None else ranked[:top_k]

    def collect(self, results, options, single):
        if single and options.get("top_k", "legacy") == "legacy":
            return results  # transformers wraps a single input's best label in a list
        return results[0] if single else results
