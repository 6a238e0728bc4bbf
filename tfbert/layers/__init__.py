"""Keras layers of BERT, written with ``keras.ops`` and named as transformers v4 named them."""

from tfbert.layers.activations import get_activation
from tfbert.layers.attention import TFBertAttention, TFBertSelfAttention, attention_allowed
from tfbert.layers.common import LookupTable
from tfbert.layers.embeddings import TFBertEmbeddings
from tfbert.layers.encoder import TFBertEncoder, TFBertLayer
from tfbert.layers.feed_forward import TFBertIntermediate, TFBertOutput
from tfbert.layers.main_layer import TFBertMainLayer
from tfbert.layers.pooler import TFBertPooler

__all__ = [
    "LookupTable",
    "TFBertAttention",
    "TFBertEmbeddings",
    "TFBertEncoder",
    "TFBertIntermediate",
    "TFBertLayer",
    "TFBertMainLayer",
    "TFBertOutput",
    "TFBertPooler",
    "TFBertSelfAttention",
    "attention_allowed",
    "get_activation",
]
