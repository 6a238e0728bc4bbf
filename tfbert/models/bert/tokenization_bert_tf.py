"""transformers v4's ``transformers.models.bert.tokenization_bert_tf``:
``TFBertTokenizer`` from ``tfbert.tokenizer``."""


def __getattr__(name):
    if name == "TFBertTokenizer":  # imported on first use
        from tfbert import tokenizer

        return getattr(tokenizer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
