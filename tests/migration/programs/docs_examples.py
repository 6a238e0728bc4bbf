# transformers v4's documentation examples for the TF BERT classes (modeling_tf_bert docstrings),
# one after the other, as a v4 user ran them.
import tensorflow as tf
from transformers import AutoTokenizer, TFBertForMaskedLM, TFBertForMultipleChoice, TFBertForNextSentencePrediction
from transformers import TFBertForQuestionAnswering, TFBertForSequenceClassification, TFBertForTokenClassification
from transformers import TFBertModel

RESULTS = {}
tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")

# TFBertModel
model = TFBertModel.from_pretrained("bert-base-uncased")
inputs = tokenizer("Hello, my dog is cute", return_tensors="tf")
outputs = model(inputs)
last_hidden_states = outputs.last_hidden_state
RESULTS["model"] = (inputs, last_hidden_states)

# TFBertForMaskedLM
model = TFBertForMaskedLM.from_pretrained("bert-base-uncased")
inputs = tokenizer("The capital of France is [MASK].", return_tensors="tf")
logits = model(**inputs).logits
mask_token_index = tf.where((inputs.input_ids == tokenizer.mask_token_id)[0])
selected_logits = tf.gather_nd(logits[0], indices=mask_token_index)
predicted_token_id = tf.math.argmax(selected_logits, axis=-1)
decoded = tokenizer.decode(predicted_token_id)
labels = tokenizer("The capital of France is Paris.", return_tensors="tf")["input_ids"]
labels = tf.where(inputs.input_ids == tokenizer.mask_token_id, labels, -100)
outputs = model(**inputs, labels=labels)
RESULTS["mlm"] = (inputs, labels, logits, decoded, predicted_token_id, round(float(outputs.loss), 2))

# TFBertForNextSentencePrediction
model = TFBertForNextSentencePrediction.from_pretrained("bert-base-uncased")
prompt = "In Italy, pizza served in formal settings, such as at a restaurant, is presented unsliced."
next_sentence = "The sky is blue due to the shorter wavelength of blue light."
encoding = tokenizer(prompt, next_sentence, return_tensors="tf")
logits = model(encoding["input_ids"], token_type_ids=encoding["token_type_ids"])[0]
RESULTS["nsp"] = (encoding, logits)

# TFBertForSequenceClassification
model = TFBertForSequenceClassification.from_pretrained("bert-base-uncased-sst2")
inputs = tokenizer("Hello, my dog is cute", return_tensors="tf")
logits = model(**inputs).logits
predicted_class_id = int(tf.math.argmax(logits, axis=-1)[0])
label = model.config.id2label[predicted_class_id]
num_labels = len(model.config.id2label)
model = TFBertForSequenceClassification.from_pretrained("bert-base-uncased-sst2", num_labels=num_labels)
labels = tf.constant(1)
loss = model(**inputs, labels=labels).loss
RESULTS["classification"] = (inputs, logits, label, float(tf.reduce_mean(loss)))

# TFBertForMultipleChoice
model = TFBertForMultipleChoice.from_pretrained("bert-base-uncased")
prompt = "In Italy, pizza served in formal settings, such as at a restaurant, is presented unsliced."
choice0 = "It is eaten with a fork and a knife."
choice1 = "It is eaten while held in the hand."
encoding = tokenizer([prompt, prompt], [choice0, choice1], return_tensors="tf", padding=True)
inputs = {k: tf.expand_dims(v, 0) for k, v in encoding.items()}
outputs = model(inputs)
logits = outputs.logits
RESULTS["multiple_choice"] = (inputs, logits)

# TFBertForTokenClassification
model = TFBertForTokenClassification.from_pretrained("bert-base-ner")
inputs = tokenizer("HuggingFace is a company based in Paris and New York", add_special_tokens=False, return_tensors="tf")
logits = model(**inputs).logits
predicted_token_class_ids = tf.math.argmax(logits, axis=-1)
predicted_tokens_classes = [model.config.id2label[t] for t in predicted_token_class_ids[0].numpy().tolist()]
labels = predicted_token_class_ids
loss = tf.math.reduce_mean(model(**inputs, labels=labels).loss)
RESULTS["token_classification"] = (inputs, logits, predicted_tokens_classes, float(loss))

# TFBertForQuestionAnswering
model = TFBertForQuestionAnswering.from_pretrained("bert-base-uncased-squad")
question, text = "Who was Jim Henson?", "Jim Henson was a nice puppet"
inputs = tokenizer(question, text, return_tensors="tf")
outputs = model(**inputs)
answer_start_index = int(tf.math.argmax(outputs.start_logits, axis=-1)[0])
answer_end_index = int(tf.math.argmax(outputs.end_logits, axis=-1)[0])
predict_answer_tokens = inputs.input_ids[0, answer_start_index : answer_end_index + 1]
answer = tokenizer.decode(predict_answer_tokens)
target_start_index = tf.constant([8])
target_end_index = tf.constant([9])
outputs = model(**inputs, start_positions=target_start_index, end_positions=target_end_index)
loss = tf.math.reduce_mean(outputs.loss)
RESULTS["qa"] = (inputs, outputs.start_logits, outputs.end_logits, answer, float(loss))
