"""Model outputs: dicts that also answer attribute access, with transformers' field names.

``out.logits`` and ``out["logits"]`` are the same tensor; fields a call did not produce (``loss``
without labels, ``attentions`` unless asked) are absent from the dict and ``None`` as attributes,
as in transformers. Outputs are Keras tree nodes and ``tf.nest`` mappings, so ``model.fit``,
``model.predict`` and ``tf.function`` pass them through.
"""

from __future__ import annotations

import optree  # Keras' tree library; registering here makes outputs Keras tree nodes


class ModelOutput(dict):
    """Base output: a dict of the fields the model produced, in transformers' order.

    Example:
        >>> out = SequenceClassifierOutput(logits=1.0)
        >>> out.logits, out["logits"], out.loss
        (1.0, 1.0, None)
    """

    fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in [k for k, v in self.items() if v is None]:
            del self[key]

    def __getattr__(self, name):
        if name in self:
            return self[name]
        if name in type(self).fields:
            return None
        raise AttributeError(f"{type(self).__name__} has no field {name!r}; it has "
                             f"{', '.join(self) or 'none'}")

    def __getitem__(self, key):
        if isinstance(key, (int, slice)):
            return self.to_tuple()[key]
        return super().__getitem__(key)

    def predictions(self):
        """What a Keras loss or metric compares with ``y``: the logits (a tuple for two heads).

        Hidden states, attentions and the model's own loss are left out.
        """
        values = tuple(v for k, v in self.items()
                       if k not in ("loss", "hidden_states", "attentions", "cross_attentions"))
        return values[0] if len(values) == 1 else values

    def to_tuple(self) -> tuple:
        """The produced fields' values, in order (transformers' ``return_dict=False``)."""
        return tuple(self.values())

    def tree_flatten(self):
        return list(self.values()), list(self.keys()), list(self.keys())

    @classmethod
    def tree_unflatten(cls, keys, values):
        return cls(zip(keys, values))


def _output(name: str, fields: str, doc: str):
    cls = type(name, (ModelOutput,), {"fields": tuple(fields.split()), "__doc__": doc,
                                      "__module__": __name__})
    optree.register_pytree_node_class(cls, namespace="keras")
    return cls


BaseModelOutputWithPoolingAndCrossAttentions = _output(
    "BaseModelOutputWithPoolingAndCrossAttentions",
    "last_hidden_state pooler_output hidden_states attentions cross_attentions",
    "Output of ``TFBertModel``.")
PreTrainingOutput = _output(
    "PreTrainingOutput", "loss prediction_logits seq_relationship_logits hidden_states attentions",
    "Output of ``TFBertForPreTraining``.")
CausalLMOutputWithCrossAttentions = _output(
    "CausalLMOutputWithCrossAttentions", "loss logits hidden_states attentions cross_attentions",
    "Output of ``TFBertLMHeadModel``.")
MaskedLMOutput = _output("MaskedLMOutput", "loss logits hidden_states attentions",
                         "Output of ``TFBertForMaskedLM``.")
NextSentencePredictorOutput = _output("NextSentencePredictorOutput",
                                      "loss logits hidden_states attentions",
                                      "Output of ``TFBertForNextSentencePrediction``.")
SequenceClassifierOutput = _output("SequenceClassifierOutput", "loss logits hidden_states attentions",
                                   "Output of ``TFBertForSequenceClassification``.")
MultipleChoiceModelOutput = _output("MultipleChoiceModelOutput",
                                    "loss logits hidden_states attentions",
                                    "Output of ``TFBertForMultipleChoice``.")
TokenClassifierOutput = _output("TokenClassifierOutput", "loss logits hidden_states attentions",
                                "Output of ``TFBertForTokenClassification``.")
QuestionAnsweringModelOutput = _output(
    "QuestionAnsweringModelOutput", "loss start_logits end_logits hidden_states attentions",
    "Output of ``TFBertForQuestionAnswering``.")
