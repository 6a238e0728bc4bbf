"""🤗 datasets with tfbert: ``Dataset.to_tf_dataset(collate_fn=<tfbert collator>)`` and v4's
``prepare_tf_dataset``, ending in ``model.fit`` as the Hugging Face course's Keras chapters do."""

import datasets  # a test extra: tfbert itself does not need it
import keras
import numpy as np
import pytest
import tensorflow as tf

import tfbert
from tfbert.data_collator import (
    DataCollatorForLanguageModeling,
    DataCollatorWithPadding,
    prepare_tf_dataset,
)


@pytest.fixture(scope="module")
def tokenized(ref_tokenizer, texts):
    rng = np.random.default_rng(0)
    raw = datasets.Dataset.from_dict(
        {"text": texts[:24], "label": rng.integers(0, 2, 24).tolist(), "idx": list(range(24))}
    )
    return raw.map(
        lambda rows: ref_tokenizer(rows["text"], truncation=True, max_length=24), batched=True
    )


@pytest.mark.parametrize("return_tensors", ["tf", "np"])
def test_to_tf_dataset_with_tfbert_collator(ref_tokenizer, tokenized, return_tensors):
    collator = DataCollatorWithPadding(ref_tokenizer, return_tensors=return_tensors)
    data = tokenized.to_tf_dataset(
        columns=["input_ids", "attention_mask", "token_type_ids"],
        label_cols=["label"],
        batch_size=8,
        shuffle=False,
        collate_fn=collator,
    )
    features, labels = next(iter(data))
    rows = [tokenized[i] for i in range(8)]
    want = collator(
        [
            {k: r[k] for k in ("input_ids", "attention_mask", "token_type_ids", "label")}
            for r in rows
        ]
    )
    for key in ("input_ids", "attention_mask", "token_type_ids"):
        np.testing.assert_array_equal(features[key].numpy(), np.asarray(want[key]))
    np.testing.assert_array_equal(labels.numpy(), np.asarray(want["labels"]))


def test_to_tf_dataset_with_mlm_collator(ref_tokenizer, tokenized):
    collator = DataCollatorForLanguageModeling(ref_tokenizer, return_tensors="np", seed=0)
    data = tokenized.remove_columns(["text", "label", "idx"]).to_tf_dataset(
        columns=["input_ids", "attention_mask", "token_type_ids"],
        label_cols=["labels"],
        batch_size=8,
        shuffle=False,
        collate_fn=collator,
    )
    features, labels = next(iter(data))
    chosen = labels.numpy() != -100
    assert chosen.any() and features["input_ids"].shape == labels.shape


@pytest.mark.parametrize("use_tokenizer", [True, False])
@pytest.mark.slow
def test_prepare_tf_dataset_feeds_fit(ref_tokenizer, tokenized, tiny_config, use_tokenizer):
    model = tfbert.TFBertForSequenceClassification(tiny_config)
    data = tokenized
    if not use_tokenizer:  # DefaultDataCollator: examples must already have equal lengths
        data = tokenized.map(
            lambda rows: ref_tokenizer(
                rows["text"], truncation=True, max_length=24, padding="max_length"
            ),
            batched=True,
        )
    tf_data = prepare_tf_dataset(
        model, data, batch_size=8, shuffle=True, tokenizer=ref_tokenizer if use_tokenizer else None
    )
    assert isinstance(tf_data, tf.data.Dataset)
    features, labels = next(iter(tf_data))
    assert sorted(features) == ["attention_mask", "input_ids", "token_type_ids"]  # no text, idx
    assert labels.shape == (8,)
    # (compile without a loss plus fit(x, y) is the models' part of the migration)
    model.compile(
        optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    history = model.fit(tf_data, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert tf_data.cardinality().numpy() == 3  # 24 rows, drop_remainder follows shuffle


def test_prepare_tf_dataset_rejects_other_inputs(tiny_config):
    model = tfbert.TFBertForSequenceClassification(tiny_config)
    with pytest.raises(TypeError, match="datasets.Dataset"):
        prepare_tf_dataset(model, {"input_ids": [[1, 2]]})


@pytest.mark.slow
def test_course_chapter_3_keras_program(ref_tokenizer, texts, tiny_checkpoint):
    """The Hugging Face course's Keras fine-tuning program with ``transformers`` replaced by
    ``tfbert`` in its imports (except the tokenizer: transformers 5's here, tfbert's in
    test_auto_tokenizer.py)."""
    from tfbert import (
        DataCollatorWithPadding,
        TFAutoModelForSequenceClassification,
        create_optimizer,
    )

    raw = datasets.Dataset.from_dict(
        {
            "sentence1": texts[:32],
            "sentence2": texts[32:64],
            "label": [0, 1] * 16,
            "idx": list(range(32)),
        }
    )
    tokenized = raw.map(
        lambda e: ref_tokenizer(e["sentence1"], e["sentence2"], truncation=True, max_length=32),
        batched=True,
    )
    data_collator = DataCollatorWithPadding(tokenizer=ref_tokenizer, return_tensors="tf")
    tf_train_dataset = tokenized.to_tf_dataset(
        columns=["attention_mask", "input_ids", "token_type_ids"],
        label_cols=["labels"],
        shuffle=True,
        collate_fn=data_collator,
        batch_size=8,
    )
    model = TFAutoModelForSequenceClassification.from_pretrained(tiny_checkpoint, num_labels=2)
    num_epochs = 2
    num_train_steps = len(tf_train_dataset) * num_epochs
    optimizer, schedule = create_optimizer(
        init_lr=5e-5, num_warmup_steps=0, num_train_steps=num_train_steps
    )
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    history = model.fit(tf_train_dataset, epochs=num_epochs, verbose=0)
    assert len(history.history["loss"]) == 2 and int(optimizer.iterations) == num_train_steps
    assert float(schedule(num_train_steps)) == 0.0
    preds = model.predict(tf_train_dataset, verbose=0)["logits"]
    assert preds.shape == (32, 2)


@pytest.mark.parametrize("task", ["token_classification", "masked_lm"])
@pytest.mark.slow
def test_prepare_tf_dataset_with_tf_collators_as_the_course_does(
    ref_tokenizer, texts, tiny_config, task
):
    """The course's NER and masked-LM chapters: a collator with return_tensors="tf" passed to
    prepare_tf_dataset, then fit (the course compiles without a loss, which is the models' part
    of the migration; here a Keras loss ignoring -100)."""
    from tfbert import DataCollatorForTokenClassification, create_optimizer

    data = datasets.Dataset.from_dict({"text": texts[:16]}).map(
        lambda rows: ref_tokenizer(rows["text"], truncation=True, max_length=20),
        batched=True,
        remove_columns=["text"],
    )
    if task == "token_classification":
        data = data.map(lambda row: {"labels": [-100] + [1] * (len(row["input_ids"]) - 2) + [-100]})
        collator = DataCollatorForTokenClassification(tokenizer=ref_tokenizer, return_tensors="tf")
        model = tfbert.TFBertForTokenClassification(tiny_config)
    else:
        collator = DataCollatorForLanguageModeling(
            tokenizer=ref_tokenizer, mlm_probability=0.15, return_tensors="tf"
        )
        model = tfbert.TFBertForMaskedLM(tiny_config)
    tf_data = prepare_tf_dataset(model, data, collate_fn=collator, shuffle=True, batch_size=8)
    features, labels = next(iter(tf_data))
    assert features["input_ids"].shape == labels.shape
    assert (labels.numpy() == -100).any()
    optimizer, _ = create_optimizer(
        init_lr=2e-5, num_warmup_steps=0, num_train_steps=len(tf_data), weight_decay_rate=0.01
    )
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-100),
    )
    history = model.fit(tf_data, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
