"""``AutoTokenizer`` and the tokenizer module paths: tfbert's Python tokenizers, equal to
transformers' ``BertTokenizerFast`` on the same vocabulary. (Needs ``tfbert.tokenizer``'s
``BertTokenizer`` / ``BertTokenizerFast``, from the Python-tokenizer part of the migration.)"""

import numpy as np
import pytest

import tfbert


def test_auto_tokenizer_is_tfberts_fast_tokenizer(vocab_dir, ref_tokenizer, texts):
    from tfbert.tokenizer import BertTokenizerFast

    tokenizer = tfbert.AutoTokenizer.from_pretrained(vocab_dir)
    assert isinstance(tokenizer, BertTokenizerFast)
    got = tokenizer(texts[:32], truncation=True, max_length=48, padding=True, return_tensors="np")
    want = ref_tokenizer(texts[:32], truncation=True, max_length=48, padding=True,
                         return_tensors="np")
    for key in want:
        np.testing.assert_array_equal(got[key], want[key], err_msg=key)


def test_use_fast_false_gives_bert_tokenizer(vocab_dir):
    from tfbert.tokenizer import BertTokenizer

    tokenizer = tfbert.AutoTokenizer.from_pretrained(vocab_dir, use_fast=False)
    assert isinstance(tokenizer, BertTokenizer)


def test_tokenizer_module_paths():
    from tfbert.models.bert.tokenization_bert import BertTokenizer
    from tfbert.models.bert.tokenization_bert_fast import BertTokenizerFast
    from tfbert.tokenizer import BertTokenizer as python_slow
    from tfbert.tokenizer import BertTokenizerFast as python_fast

    assert BertTokenizer is python_slow is tfbert.BertTokenizer
    assert BertTokenizerFast is python_fast is tfbert.BertTokenizerFast


def test_collators_work_with_tfberts_tokenizer(vocab_dir, ref_tokenizer, texts):
    import transformers

    from tfbert.data_collator import DataCollatorWithPadding

    tokenizer = tfbert.AutoTokenizer.from_pretrained(vocab_dir)
    features = [dict(f) for f in (ref_tokenizer(t, truncation=True, max_length=32)
                                  for t in texts[:8])]
    got = DataCollatorWithPadding(tokenizer, return_tensors="np")(features)
    want = transformers.DataCollatorWithPadding(ref_tokenizer, return_tensors="np")(features)
    for key in want:
        np.testing.assert_array_equal(got[key], want[key], err_msg=key)


@pytest.mark.parametrize("use_fast", [True, False])
def test_prepare_tf_dataset_with_tfberts_tokenizer(vocab_dir, texts, tiny_config, use_fast):
    import datasets

    tokenizer = tfbert.AutoTokenizer.from_pretrained(vocab_dir, use_fast=use_fast)
    data = datasets.Dataset.from_dict({"text": texts[:8], "label": [0, 1] * 4}).map(
        lambda rows: tokenizer(rows["text"], truncation=True, max_length=16), batched=True)
    model = tfbert.TFBertForSequenceClassification(tiny_config)
    features, labels = next(iter(model.prepare_tf_dataset(data, batch_size=4, tokenizer=tokenizer)))
    assert features["input_ids"].shape[0] == 4 and labels.shape == (4,)
