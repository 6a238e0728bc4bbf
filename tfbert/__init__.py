"""tfbert: BERT for TensorFlow and Keras 3.

The public names match transformers v4's TensorFlow classes, so migrating is one changed import::

    from tfbert import TFBertForSequenceClassification  # was: from transformers import ...

Names are imported lazily: ``import tfbert`` is cheap, the first use of a class imports TensorFlow.
"""

from tfbert import _backend  # noqa: F401  (selects the TensorFlow backend first)

__version__ = "0.1.0"

_MODELS = ("TFBertPreTrainedModel", "TFBertModel", "TFBertForPreTraining", "TFBertLMHeadModel",
           "TFBertForMaskedLM", "TFBertForNextSentencePrediction", "TFBertForSequenceClassification",
           "TFBertForMultipleChoice", "TFBertForTokenClassification", "TFBertForQuestionAnswering")
_EXPORTS = {
    "BertConfig": "tfbert.config",
    "TFBertTokenizer": "tfbert.tokenizer",
    **{name: "tfbert.modeling" for name in _MODELS},
    "pipeline": "tfbert.tasks",
}


_SUBMODULES = ("checkpoint", "export", "heads", "layers", "tasks", "tokenizer", "training")


def __getattr__(name):
    import importlib

    if name in _SUBMODULES:  # tfbert.export.export_task(...) without importing tfbert.export first
        return importlib.import_module(f"tfbert.{name}")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tfbert' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + list(_EXPORTS))


__all__ = sorted(_EXPORTS)
