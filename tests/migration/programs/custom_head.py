# The most common v4 GitHub pattern: a user's own head on TFBertMainLayer, subclassing
# TFBertPreTrainedModel, with transformers' initializer helper and shape_list.
import tensorflow as tf
from transformers import BertConfig, TFBertMainLayer, TFBertPreTrainedModel
from transformers.modeling_tf_utils import get_initializer, shape_list


class TFBertForMultiLabelClassification(TFBertPreTrainedModel):
    def __init__(self, config, *inputs, **kwargs):
        super().__init__(config, *inputs, **kwargs)
        self.num_labels = config.num_labels
        self.bert = TFBertMainLayer(config, name="bert")
        self.dropout = tf.keras.layers.Dropout(config.hidden_dropout_prob)
        self.classifier = tf.keras.layers.Dense(
            config.num_labels, kernel_initializer=get_initializer(config.initializer_range), name="classifier")

    def call(self, inputs, **kwargs):
        outputs = self.bert(inputs, **kwargs)
        pooled_output = outputs[1]
        pooled_output = self.dropout(pooled_output, training=kwargs.get("training", False))
        logits = self.classifier(pooled_output)
        return logits


config = BertConfig.from_pretrained("bert-base-uncased-sst2", num_labels=4)
model = TFBertForMultiLabelClassification.from_pretrained("bert-base-uncased-sst2", config=config)
ids = tf.constant([[101, 7592, 2088, 102, 0]])
mask = tf.constant([[1, 1, 1, 1, 0]])
logits = model({"input_ids": ids, "attention_mask": mask})
batch, seq = shape_list(ids)
pooled = model.bert({"input_ids": ids, "attention_mask": mask})[1]
model.compile(optimizer="adam", loss=tf.keras.losses.BinaryCrossentropy(from_logits=True))
history = model.fit({"input_ids": tf.tile(ids, [4, 1]), "attention_mask": tf.tile(mask, [4, 1])},
                    tf.constant([[1.0, 0.0, 1.0, 0.0]] * 4), epochs=2, verbose=0)
RESULTS = {"logits": logits, "shape": (batch, seq), "losses": history.history["loss"],
           "pooled": pooled}
