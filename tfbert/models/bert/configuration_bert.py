"""transformers v4's ``transformers.models.bert.configuration_bert``."""

from tfbert.config import BertConfig

__all__ = ["BertConfig"]
