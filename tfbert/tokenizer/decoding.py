"""Ids back to text in graph: ``tokenizers``' WordPiece decoder, then transformers' clean-up.

The one WordPiece decoder of tfbert: :func:`decoded_pieces` writes each token as the decoder
does (a word-continuing piece glued on, any other later token after a space, then the per-token
clean-up); :func:`decode_ids` joins them per row (``TFBertTokenizer.batch_decode``), token
classification joins them per entity, and the TFLite tokenizer tabulates them per id. The one
definition of "this piece continues a word" is :func:`continues_word`.
"""

import re

import tensorflow as tf

from tfbert.tokenizer.normalization import expand_rows

SUFFIX = "##"  # WordPiece's continuing-subword prefix
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


def continues_word(tokens: tf.Tensor, suffix: str = SUFFIX) -> tf.Tensor:
    """Whether each token continues the word before it: it starts with the ``##`` prefix.

    The one definition (``tokenizers``' WordPiece decoder and transformers' whole-word masking
    use the same); ``TFBertTokenizer.continues_word`` looks it up by id.

    Args:
        tokens: A ``tf.string`` tensor of token texts, any shape.
        suffix: The continuing-subword prefix.

    Returns:
        A bool tensor of the same shape.

    Example:
        >>> continues_word(tf.constant(["photos", "##yn", "#", "##"])).numpy().tolist()
        [False, True, False, True]
    """
    return tf.strings.regex_full_match(tokens, "(?s)" + re.escape(suffix) + ".*")


def _replace_all(text: tf.Tensor, pairs) -> tf.Tensor:
    for old, new in pairs:
        text = tf.strings.regex_replace(text, re.escape(old), new.replace("\\", "\\\\"))
    return text


def decoded_pieces(tokens: tf.Tensor, later: tf.Tensor, suffix: str = SUFFIX) -> tf.Tensor:
    """Each token as the WordPiece decoder writes it, ready to be joined without separator.

    A token that is not its text's first (``later``) loses its ``##`` prefix when it continues a
    word (:func:`continues_word`) and gets a leading space otherwise; then the decoder's
    clean-up (:data:`TOKEN_CLEANUP`: `` .`` -> ``.``, ...) applies to each.

    Args:
        tokens: A ``tf.string`` tensor of token texts.
        later: A bool tensor of the same shape: the token follows another in its text.
        suffix: The continuing-subword prefix.

    Returns:
        A ``tf.string`` tensor of the same shape.

    Example:
        >>> pieces = decoded_pieces(tf.constant(["plants", "##s", ",", "grow"]),
        ...                         tf.constant([False, True, True, True]))
        >>> pieces.numpy().tolist()
        [b'plants', b's', b',', b' grow']
    """
    continues = later & continues_word(tokens, suffix)
    stripped = tf.strings.regex_replace(tokens, "^" + re.escape(suffix), "", replace_global=False)
    pieces = tf.where(continues, stripped, tf.where(later, tf.strings.join([" ", tokens]), tokens))
    return _replace_all(pieces, TOKEN_CLEANUP)


def decode_ids(
    ids: tf.RaggedTensor,
    vocab: tf.Tensor,
    special_ids: tf.Tensor,
    skip_special_tokens: bool,
    clean_up_tokenization_spaces: bool,
    suffix: str = SUFFIX,
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
    text = tf.strings.reduce_join(ids.with_values(decoded_pieces(tokens, later, suffix)), axis=1)
    if clean_up_tokenization_spaces:
        text = _replace_all(text, TEXT_CLEANUP)
    return text
