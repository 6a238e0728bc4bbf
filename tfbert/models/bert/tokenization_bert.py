"""transformers v4's ``transformers.models.bert.tokenization_bert``:
``BertTokenizer`` from ``tfbert.tokenizer``."""


def __getattr__(name):
    if name == "BertTokenizer":  # imported on first use
        from tfbert import tokenizer

        return getattr(tokenizer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
