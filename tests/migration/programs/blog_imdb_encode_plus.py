# The classic v4-era "BERT on IMDB with TensorFlow 2" blog program: encode_plus with
# pad_to_max_length, lists into tf.data, a dict of features and a label, a Keras loss and metric.
import tensorflow as tf
from transformers import BertTokenizer, TFBertForSequenceClassification

tokenizer = BertTokenizer.from_pretrained("bert-base-uncased", do_lower_case=True)
max_length = 24
batch_size = 4


def convert_example_to_feature(review):
    return tokenizer.encode_plus(review, add_special_tokens=True, max_length=max_length,
                                 pad_to_max_length=True, return_attention_mask=True, truncation=True)


def map_example_to_dict(input_ids, attention_masks, token_type_ids, label):
    return {"input_ids": input_ids, "token_type_ids": token_type_ids, "attention_mask": attention_masks}, label


def encode_examples(ds, limit=-1):
    input_ids_list, token_type_ids_list, attention_mask_list, label_list = [], [], [], []
    if limit > 0:
        ds = ds[:limit]
    for review, label in ds:
        bert_input = convert_example_to_feature(review)
        input_ids_list.append(bert_input["input_ids"])
        token_type_ids_list.append(bert_input["token_type_ids"])
        attention_mask_list.append(bert_input["attention_mask"])
        label_list.append([label])
    return tf.data.Dataset.from_tensor_slices(
        (input_ids_list, attention_mask_list, token_type_ids_list, label_list)).map(map_example_to_dict)


ds_train_encoded = encode_examples(TRAIN).shuffle(100).batch(batch_size)
ds_test_encoded = encode_examples(TEST).batch(batch_size)

learning_rate = 2e-5
number_of_epochs = 2
model = TFBertForSequenceClassification.from_pretrained("bert-base-uncased")
optimizer = tf.keras.optimizers.Adam(learning_rate=learning_rate, epsilon=1e-08)
loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
metric = tf.keras.metrics.SparseCategoricalAccuracy("accuracy")
model.compile(optimizer=optimizer, loss=loss, metrics=[metric])
bert_history = model.fit(ds_train_encoded, epochs=number_of_epochs, validation_data=ds_test_encoded, verbose=0)
evaluation = model.evaluate(ds_test_encoded, verbose=0)
first = convert_example_to_feature(TEST[0][0])
RESULTS = {"history": bert_history.history, "evaluation": evaluation, "first": first}
