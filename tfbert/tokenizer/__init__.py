"""The in-graph BERT tokenizer: ``TFBertTokenizer``.

Modules, one job each: ``files`` (vocabulary and config files), ``normalization`` (the
per-character BertNormalizer/BertPreTokenizer table), ``encoding`` (special tokens, WordPiece,
offsets), ``assembly`` (pairs, truncation, overflow, padding), ``decoding`` (ids to text) and
``layer`` (the Keras layer).
"""

from tfbert.tokenizer.layer import TFBertTokenizer

__all__ = ["TFBertTokenizer"]
