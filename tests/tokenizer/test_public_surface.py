"""``TFBertTokenizer``'s public surface that tasks, TFLite and training use, against
``BertTokenizerFast``."""

import pytest
import tensorflow as tf

from tfbert.tokenizer.decoding import continues_word


@pytest.fixture(scope="module")
def texts(corpus, hard_cases):
    return corpus[:150] + hard_cases


def test_continues_word_is_the_reference_word_split(tok_uncased, ref_uncased, texts):
    """A piece continues a word exactly where ``tokenizers`` puts it in the previous token's
    word."""
    pieces = tok_uncased.encode_pieces(texts)
    ours = tok_uncased.continues_word(pieces.ids).to_list()
    for text, row in zip(texts, ours):
        words = ref_uncased(text, add_special_tokens=False).word_ids()
        assert row == [i > 0 and w == words[i - 1] for i, w in enumerate(words)], text
    dense = tok_uncased.continues_word(pieces.ids.to_tensor())
    assert dense.shape == pieces.ids.to_tensor().shape


def test_the_table_is_the_one_definition(tok_uncased):
    by_id = tok_uncased.continues_word(tf.range(tok_uncased.vocab_size)).numpy()
    by_text = continues_word(tf.constant(tok_uncased.vocab)).numpy()
    assert by_id.tolist() == by_text.tolist() and 0 < by_id.sum() < len(by_id)


@pytest.mark.parametrize(
    "options",
    [{}, {"max_length": 12, "stride": 3, "return_overflowing_tokens": True}, {"padding": False}],
)
def test_inputs_from_pieces_equal_the_call(tok_uncased, texts, options):
    first, second = texts[:8], texts[8:16]
    options = {"return_offsets_mapping": True, "return_special_tokens_mask": True, **options}
    ours = tok_uncased.inputs_from_pieces(
        tok_uncased.encode_pieces(first), tok_uncased.encode_pieces(second), **options
    )
    call = tok_uncased(first, second, **options)
    assert set(ours) == set(call)
    for key in call:
        a, b = ours[key], call[key]
        a = a.to_list() if isinstance(a, tf.RaggedTensor) else a.numpy().tolist()
        b = b.to_list() if isinstance(b, tf.RaggedTensor) else b.numpy().tolist()
        assert a == b, key


def test_vocabulary_and_special_ids_match_the_reference(tok_uncased, ref_uncased):
    assert tok_uncased.get_vocab() == ref_uncased.get_vocab()
    added = {token.content for token in tok_uncased.added_vocabulary}
    assert added == set(ref_uncased.get_added_vocab())
    skipped = tok_uncased.skipped_special_ids.numpy().tolist()
    assert skipped == sorted(ref_uncased.all_special_ids)
    row = [ref_uncased.cls_token_id, 2023, ref_uncased.mask_token_id, ref_uncased.sep_token_id]
    ours = tok_uncased.batch_decode([row], skip_special_tokens=True).numpy()[0].decode()
    assert ours == ref_uncased.decode(row, skip_special_tokens=True)
