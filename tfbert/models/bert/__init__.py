"""transformers v4's ``transformers.models.bert``: BERT's config, models and tokenizers.

Names resolve lazily, from the modules that define them::

    from tfbert.models.bert import BertConfig, TFBertForMaskedLM, BertTokenizerFast
"""

import importlib

_SUBMODULES = (
    "configuration_bert",
    "modeling_tf_bert",
    "tokenization_bert",
    "tokenization_bert_fast",
    "tokenization_bert_tf",
)


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    import tfbert

    try:
        value = getattr(tfbert, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value
    return value
