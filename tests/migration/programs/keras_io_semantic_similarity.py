# keras.io "Semantic Similarity with BERT" (v4 era): BertTokenizer.batch_encode_plus with
# pad_to_max_length, TFBertModel's main layer (`bert_model.bert`) inside a functional Keras model.
import numpy as np
import tensorflow as tf
import transformers

max_length = 32
batch_size = 4
labels = ["contradiction", "entailment", "neutral"]


class BertSemanticDataGenerator(tf.keras.utils.Sequence):
    def __init__(self, sentence_pairs, labels, batch_size=batch_size, shuffle=True, include_targets=True):
        self.sentence_pairs = sentence_pairs
        self.labels = labels
        self.shuffle = shuffle
        self.batch_size = batch_size
        self.include_targets = include_targets
        self.tokenizer = transformers.BertTokenizer.from_pretrained("bert-base-uncased", do_lower_case=True)
        self.indexes = np.arange(len(self.sentence_pairs))
        self.on_epoch_end()

    def __len__(self):
        return len(self.sentence_pairs) // self.batch_size

    def __getitem__(self, idx):
        indexes = self.indexes[idx * self.batch_size : (idx + 1) * self.batch_size]
        sentence_pairs = self.sentence_pairs[indexes]
        encoded = self.tokenizer.batch_encode_plus(
            sentence_pairs.tolist(),
            add_special_tokens=True,
            max_length=max_length,
            return_attention_mask=True,
            return_token_type_ids=True,
            pad_to_max_length=True,
            return_tensors="tf",
        )
        input_ids = np.array(encoded["input_ids"], dtype="int32")
        attention_masks = np.array(encoded["attention_mask"], dtype="int32")
        token_type_ids = np.array(encoded["token_type_ids"], dtype="int32")
        if self.include_targets:
            labels = np.array(self.labels[indexes], dtype="int32")
            return (input_ids, attention_masks, token_type_ids), labels  # Keras 3: a tuple, see README
        else:
            return [input_ids, attention_masks, token_type_ids]

    def on_epoch_end(self):
        if self.shuffle:
            np.random.RandomState(42).shuffle(self.indexes)


input_ids = tf.keras.layers.Input(shape=(max_length,), dtype=tf.int32, name="input_ids")
attention_masks = tf.keras.layers.Input(shape=(max_length,), dtype=tf.int32, name="attention_masks")
token_type_ids = tf.keras.layers.Input(shape=(max_length,), dtype=tf.int32, name="token_type_ids")
bert_model = transformers.TFBertModel.from_pretrained("bert-base-uncased")
bert_model.trainable = False
bert_output = bert_model.bert(input_ids, attention_mask=attention_masks, token_type_ids=token_type_ids)
sequence_output = bert_output.last_hidden_state
pooled_output = bert_output.pooler_output
bi_lstm = tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(8, return_sequences=True))(sequence_output)
avg_pool = tf.keras.layers.GlobalAveragePooling1D()(bi_lstm)
max_pool = tf.keras.layers.GlobalMaxPooling1D()(bi_lstm)
concat = tf.keras.layers.concatenate([avg_pool, max_pool])
dropout = tf.keras.layers.Dropout(0.3)(concat)
output = tf.keras.layers.Dense(3, activation="softmax")(dropout)
model = tf.keras.models.Model(inputs=[input_ids, attention_masks, token_type_ids], outputs=output)
model.compile(optimizer=tf.keras.optimizers.Adam(), loss="categorical_crossentropy", metrics=["acc"])

train_data = BertSemanticDataGenerator(PAIRS, tf.keras.utils.to_categorical(LABELS, num_classes=3), shuffle=True)
history = model.fit(train_data, epochs=2, verbose=0)

bert_model.trainable = True
model.compile(optimizer=tf.keras.optimizers.Adam(1e-5), loss="categorical_crossentropy", metrics=["accuracy"])
history_fine = model.fit(train_data, epochs=1, verbose=0)


def check_similarity(sentence1, sentence2):
    sentence_pairs = np.array([[str(sentence1), str(sentence2)]])
    test_data = BertSemanticDataGenerator(sentence_pairs, labels=None, batch_size=1, shuffle=False, include_targets=False)
    proba = model.predict(test_data[0], verbose=0)[0]
    idx = np.argmax(proba)
    return labels[idx], f"{proba[idx]: .2f}%"


encoded = BertSemanticDataGenerator(PAIRS[:4], None, shuffle=False, include_targets=False)[0]
RESULTS = {"encoded": encoded, "losses": history.history["loss"] + history_fine.history["loss"],
           "similarity": check_similarity("Two women are observing something together.", "Two women are standing with their eyes closed.")}
