# "Add tokens, resize the embeddings, fine-tune, save": the v4 recipe, then a SavedModel for TF Serving.
import tensorflow as tf
from transformers import BertTokenizerFast, TFBertForMaskedLM

tokenizer = BertTokenizerFast.from_pretrained("bert-base-uncased")
model = TFBertForMaskedLM.from_pretrained("bert-base-uncased")
num_added_toks = tokenizer.add_tokens(["new_tok1", "my_new-tok2"])
model.resize_token_embeddings(len(tokenizer))
embeddings = model.get_input_embeddings()

inputs = tokenizer(["hello new_tok1 world [MASK]", "my_new-tok2 is here"], padding=True, return_tensors="tf")
labels = tf.where(inputs["attention_mask"] == 1, inputs["input_ids"], -100)
model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=1e-3))
history = model.fit(dict(inputs), labels, epochs=3, batch_size=2, verbose=0)

model.save_pretrained(OUTPUT_DIR, saved_model=True)
tokenizer.save_pretrained(OUTPUT_DIR)
logits = model(inputs).logits
RESULTS = {"num_added": num_added_toks, "vocab": len(tokenizer), "inputs": inputs, "logits": logits,
           "losses": history.history["loss"]}
