"""decode / batch_decode against BertTokenizerFast.decode."""

import pytest
import tensorflow as tf


def _texts(out):
    return [t.decode("utf-8") for t in out.numpy().tolist()]


@pytest.mark.parametrize("skip_special_tokens", [False, True])
@pytest.mark.parametrize("clean_up", [False, True])
def test_batch_decode_matches_reference(
    tok_uncased, ref_uncased, corpus, hard_cases, skip_special_tokens, clean_up
):
    texts = hard_cases + corpus[:200]
    rows = ref_uncased(texts, truncation=True, max_length=128)["input_ids"]
    ours = _texts(tok_uncased.batch_decode(tf.ragged.constant(rows), skip_special_tokens, clean_up))
    theirs = ref_uncased.batch_decode(
        rows, skip_special_tokens=skip_special_tokens, clean_up_tokenization_spaces=clean_up
    )
    assert ours == theirs


def test_decode_of_padded_dense_ids_and_lists(tok_uncased, ref_uncased):
    out = tok_uncased(["Hello , world ! it 's", "a"], padding="longest")
    ids = out["input_ids"]
    for row in ids.numpy().tolist():
        expected = ref_uncased.decode(row, skip_special_tokens=True)
        assert tok_uncased.decode(row, skip_special_tokens=True).numpy().decode() == expected
    assert _texts(tok_uncased.batch_decode(ids)) == ref_uncased.batch_decode(ids.numpy().tolist())


def test_decode_inside_tf_function(tok_uncased, ref_uncased):
    decode = tf.function(lambda ids: tok_uncased.batch_decode(ids, skip_special_tokens=True))
    ids = tok_uncased(["Plants create [MASK] through photosynthesis.", "naïve café"])["input_ids"]
    assert _texts(decode(ids)) == ref_uncased.batch_decode(
        ids.numpy().tolist(), skip_special_tokens=True
    )
