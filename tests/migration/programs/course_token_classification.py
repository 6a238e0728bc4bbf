# The Hugging Face course, chapter 7 ("Token classification", TensorFlow): word_ids() label alignment,
# DataCollatorForTokenClassification, model.prepare_tf_dataset, create_optimizer, compile without a loss.
import numpy as np
import tensorflow as tf
from datasets import Dataset, DatasetDict
from transformers import AutoTokenizer, DataCollatorForTokenClassification, TFAutoModelForTokenClassification, create_optimizer

raw_datasets = DatasetDict({split: Dataset.from_dict(rows) for split, rows in DATA.items()})
label_names = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
model_checkpoint = "bert-base-cased"
tokenizer = AutoTokenizer.from_pretrained(model_checkpoint)
inputs = tokenizer(raw_datasets["train"][0]["tokens"], is_split_into_words=True)
first_tokens = inputs.tokens()
first_word_ids = inputs.word_ids()


def align_labels_with_tokens(labels, word_ids):
    new_labels = []
    current_word = None
    for word_id in word_ids:
        if word_id != current_word:
            current_word = word_id
            label = -100 if word_id is None else labels[word_id]
            new_labels.append(label)
        elif word_id is None:
            new_labels.append(-100)
        else:
            label = labels[word_id]
            if label % 2 == 1:
                label += 1
            new_labels.append(label)
    return new_labels


def tokenize_and_align_labels(examples):
    tokenized_inputs = tokenizer(examples["tokens"], truncation=True, is_split_into_words=True)
    all_labels = examples["ner_tags"]
    new_labels = []
    for i, labels in enumerate(all_labels):
        word_ids = tokenized_inputs.word_ids(i)
        new_labels.append(align_labels_with_tokens(labels, word_ids))
    tokenized_inputs["labels"] = new_labels
    return tokenized_inputs


tokenized_datasets = raw_datasets.map(
    tokenize_and_align_labels, batched=True, remove_columns=raw_datasets["train"].column_names)
data_collator = DataCollatorForTokenClassification(tokenizer=tokenizer, return_tensors="tf")
collated = data_collator([tokenized_datasets["train"][i] for i in range(2)])

id2label = {i: label for i, label in enumerate(label_names)}
label2id = {v: k for k, v in id2label.items()}
model = TFAutoModelForTokenClassification.from_pretrained(model_checkpoint, id2label=id2label, label2id=label2id)

tf_train_dataset = model.prepare_tf_dataset(
    tokenized_datasets["train"], collate_fn=data_collator, shuffle=True, batch_size=4)
tf_eval_dataset = tokenized_datasets["validation"].to_tf_dataset(
    columns=["attention_mask", "input_ids", "labels", "token_type_ids"],
    collate_fn=data_collator, shuffle=False, batch_size=4)

num_epochs = 3
num_train_steps = len(tf_train_dataset) * num_epochs
optimizer, schedule = create_optimizer(
    init_lr=2e-5, num_warmup_steps=0, num_train_steps=num_train_steps, weight_decay_rate=0.01)
model.compile(optimizer=optimizer)
history = model.fit(tf_train_dataset, validation_data=tf_eval_dataset, epochs=num_epochs, verbose=0)

all_predictions, all_labels = [], []
for batch in tf_eval_dataset:
    logits = model.predict_on_batch(batch)["logits"]
    labels = batch["labels"]
    predictions = np.argmax(logits, axis=-1)
    for prediction, label in zip(predictions, labels):
        for predicted_idx, label_idx in zip(prediction, label):
            if label_idx == -100:
                continue
            all_predictions.append(label_names[predicted_idx])
            all_labels.append(label_names[label_idx])
RESULTS = {"tokens": first_tokens, "word_ids": first_word_ids, "collated": collated, "losses": history.history["loss"],
           "n_predictions": len(all_predictions), "n_labels": len(all_labels)}
