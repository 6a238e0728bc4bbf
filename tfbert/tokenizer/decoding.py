"""Ids back to text in graph: ``tokenizers``' WordPiece decoder, then transformers' clean-up."""

import re

import tensorflow as tf

from tfbert.tokenizer.normalization import expand_rows

# The WordPiece decoder's clean-up, applied to each token (with its leading space) in order.
TOKEN_CLEANUP = (
    (" .", "."),
    (" ?", "?"),
    (" !", "!"),
    (" ,", ","),
    (" ' ", "'"),
    (" n't", "n't"),
    (" 'm", "'m"),
    (" do not", " don't"),
    (" 's", "'s"),
    (" 've", "'ve"),
    (" 're", "'re"),
)
# transformers' ``clean_up_tokenization``, applied to the whole text when asked for.
TEXT_CLEANUP = tuple(pair for pair in TOKEN_CLEANUP if pair[0] != " do not")


def _replace_all(text: tf.Tensor, pairs) -> tf.Tensor:
    for old, new in pairs:
        text = tf.strings.regex_replace(text, re.escape(old), new.replace("\\", "\\\\"))
    return text


def decode_ids(
    ids: tf.RaggedTensor,
    vocab: tf.Tensor,
    special_ids: tf.Tensor,
    skip_special_tokens: bool,
    clean_up_tokenization_spaces: bool,
    suffix: str = "##",
) -> tf.Tensor:
    """Decodes rows of ids.

    Args:
        ids: ragged ``[batch, tokens]`` integer ids.
        vocab: 1-D string tensor, id to token.
        special_ids: 1-D ids dropped when ``skip_special_tokens``.
        skip_special_tokens: drop special tokens.
        clean_up_tokenization_spaces: also apply transformers' text-level clean-up.
        suffix: the continuing-subword prefix.

    Returns:
        A 1-D string tensor, one text per row.
    """
    ids = tf.cast(ids, tf.int32)
    if skip_special_tokens:
        special = tf.reduce_any(
            ids.values[:, tf.newaxis] == tf.cast(special_ids, tf.int32)[tf.newaxis], 1
        )
        ids = tf.RaggedTensor.from_row_splits(ids.values, ids.row_splits)
        ids = tf.ragged.boolean_mask(ids, ids.with_values(~special))
    tokens = tf.gather(vocab, ids.values)
    later = expand_rows(tf.cast(ids.row_lengths(), tf.int32))[1] > 0
    continues = later & tf.strings.regex_full_match(tokens, "(?s)" + re.escape(suffix) + ".*")
    stripped = tf.strings.regex_replace(tokens, "^" + re.escape(suffix), "", replace_global=False)
    pieces = tf.where(continues, stripped, tf.where(later, tf.strings.join([" ", tokens]), tokens))
    pieces = _replace_all(pieces, TOKEN_CLEANUP)
    text = tf.strings.reduce_join(ids.with_values(pieces), axis=1)
    if clean_up_tokenization_spaces:
        text = _replace_all(text, TEXT_CLEANUP)
    return text
