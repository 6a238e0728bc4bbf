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
    want = ref_tokenizer(
        texts[:32], truncation=True, max_length=48, padding=True, return_tensors="np"
    )
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
    features = [
        dict(f) for f in (ref_tokenizer(t, truncation=True, max_length=32) for t in texts[:8])
    ]
    got = DataCollatorWithPadding(tokenizer, return_tensors="np")(features)
    want = transformers.DataCollatorWithPadding(ref_tokenizer, return_tensors="np")(features)
    for key in want:
        np.testing.assert_array_equal(got[key], want[key], err_msg=key)


@pytest.mark.parametrize("use_fast", [True, False])
@pytest.mark.slow
def test_prepare_tf_dataset_with_tfberts_tokenizer(vocab_dir, texts, tiny_config, use_fast):
    import datasets

    tokenizer = tfbert.AutoTokenizer.from_pretrained(vocab_dir, use_fast=use_fast)
    data = datasets.Dataset.from_dict({"text": texts[:8], "label": [0, 1] * 4}).map(
        lambda rows: tokenizer(rows["text"], truncation=True, max_length=16), batched=True
    )
    model = tfbert.TFBertForSequenceClassification(tiny_config)
    features, labels = next(iter(model.prepare_tf_dataset(data, batch_size=4, tokenizer=tokenizer)))
    assert features["input_ids"].shape[0] == 4 and labels.shape == (4,)


@pytest.mark.slow
def test_course_chapter_3_with_tfberts_auto_tokenizer(texts, tiny_checkpoint):
    """The course's Keras fine-tuning program, every import from tfbert."""
    import datasets
    import keras

    from tfbert import (
        AutoTokenizer,
        DataCollatorWithPadding,
        TFAutoModelForSequenceClassification,
        create_optimizer,
    )

    tokenizer = AutoTokenizer.from_pretrained(tiny_checkpoint)
    raw = datasets.Dataset.from_dict(
        {"sentence1": texts[:16], "sentence2": texts[16:32], "label": [0, 1] * 8}
    )
    tokenized = raw.map(
        lambda e: tokenizer(e["sentence1"], e["sentence2"], truncation=True, max_length=32),
        batched=True,
    )
    data_collator = DataCollatorWithPadding(tokenizer=tokenizer, return_tensors="tf")
    tf_train_dataset = tokenized.to_tf_dataset(
        columns=["attention_mask", "input_ids", "token_type_ids"],
        label_cols=["labels"],
        shuffle=True,
        collate_fn=data_collator,
        batch_size=8,
    )
    model = TFAutoModelForSequenceClassification.from_pretrained(tiny_checkpoint, num_labels=2)
    optimizer, _ = create_optimizer(
        init_lr=5e-5, num_warmup_steps=0, num_train_steps=len(tf_train_dataset)
    )
    model.compile(
        optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    history = model.fit(tf_train_dataset, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
