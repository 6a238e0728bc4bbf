"""BERT tokenizers: the in-graph ``TFBertTokenizer`` and the Python ``BertTokenizer(Fast)``.

Modules, one job each: ``files`` (vocabulary and config files), ``normalization`` (the
per-character BertNormalizer/BertPreTokenizer table), ``encoding`` (special tokens, WordPiece,
offsets, word indices), ``assembly`` (pairs, truncation, overflow, padding), ``decoding`` (ids
to text), ``layer`` (the Keras layer), and for the Python tokenizers on the same engine:
``inputs`` (what a call's arguments mean), ``padding`` (``pad``), ``batch_encoding``
(``BatchEncoding``) and ``python`` (``BertTokenizerFast``, ``BertTokenizer``).
"""

from tfbert.tokenizer.batch_encoding import BatchEncoding
from tfbert.tokenizer.layer import TFBertTokenizer
from tfbert.tokenizer.python import BertTokenizer, BertTokenizerFast

__all__ = ["BatchEncoding", "BertTokenizer", "BertTokenizerFast", "TFBertTokenizer"]
