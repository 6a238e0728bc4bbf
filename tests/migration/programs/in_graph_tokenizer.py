# transformers v4's TFBertTokenizer documentation and the TensorFlow blog's end-to-end string model:
# the in-graph tokenizer from a Python tokenizer, a Keras model from strings to logits, exported.
import tensorflow as tf
from transformers import AutoTokenizer, TFAutoModelForSequenceClassification, TFBertTokenizer

tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased-sst2")
tf_tokenizer = TFBertTokenizer.from_tokenizer(tokenizer)


class EndToEndModel(tf.keras.Model):
    def __init__(self, checkpoint):
        super().__init__()
        self.tokenizer = TFBertTokenizer.from_pretrained(checkpoint)
        self.model = TFAutoModelForSequenceClassification.from_pretrained(checkpoint)

    def call(self, inputs):
        tokenized = self.tokenizer(inputs)
        return self.model(**tokenized)


model = EndToEndModel(checkpoint="bert-base-uncased-sst2")
test_inputs = ["This is a test sentence!", "This is another one!"]
predictions = model.predict(tf.constant(test_inputs), verbose=0)
model.export(OUTPUT_DIR, input_signature=[tf.TensorSpec([None], tf.string)])  # Keras 3: see README
python_encoding = tokenizer(test_inputs, padding=True, return_tensors="tf")
graph_encoding = tf_tokenizer(tf.constant(test_inputs))
RESULTS = {"predictions": predictions, "python": python_encoding, "graph": graph_encoding}
