"""Model outputs: dicts that also answer attribute access and indexing, with transformers' fields.

Each output class declares its fields, in transformers' order, as annotations. ``out.logits`` and
``out["logits"]`` are the same tensor; fields a call did not produce (``loss`` without labels,
``attentions`` unless asked) are absent from the dict and ``None`` as attributes, as in
transformers. Whatever order the fields are given in, the dict, ``to_tuple()``, ``out[0]``,
``out[1:]`` and iteration follow the declared order (``return_dict=False`` returns
``to_tuple()``). Outputs are Keras tree nodes and ``tf.nest`` mappings, so ``model.fit``,
``model.predict`` and ``tf.function`` pass them through.
"""

from __future__ import annotations

from typing import Any

import optree  # Keras' tree library; registering here makes outputs Keras tree nodes


class ModelOutput(dict):
    """Base output: a dict of the fields the model produced, in the declared order.

    Subclasses declare their fields as annotations (no defaults), in transformers' order.

    Args:
        *args: A mapping or ``(field, value)`` pairs.
        **kwargs: Field values; ``None`` values are left out.

    Raises:
        TypeError: A field the class does not declare.

    Example:
        >>> out = SequenceClassifierOutput(logits=1.0, loss=0.5)
        >>> out.logits, out["logits"], out[0], list(out), out.to_tuple()
        (1.0, 1.0, 0.5, ['loss', 'logits'], (0.5, 1.0))
        >>> SequenceClassifierOutput(logits=1.0).loss is None
        True
    """

    fields: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        own = tuple(cls.__dict__.get("__annotations__", {}))
        cls.fields = tuple(f for f in cls.fields if f not in own) + own
        optree.register_pytree_node_class(cls, namespace="keras")

    def __init__(self, *args, **kwargs):
        values = dict(*args, **kwargs)
        unknown = [k for k in values if k not in self.fields]
        if unknown:
            raise TypeError(
                f"{type(self).__name__} has no field {unknown[0]!r}; its fields are "
                f"{', '.join(self.fields)}"
            )
        super().__init__((k, values[k]) for k in self.fields if values.get(k) is not None)

    def __getattr__(self, name: str) -> Any:
        if name in self:
            return self[name]
        if name in type(self).fields:
            return None
        raise AttributeError(
            f"{type(self).__name__} has no field {name!r}; it has {', '.join(self) or 'none'}"
        )

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in type(self).fields:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}")
        self[name] = value

    def __setitem__(self, key: str, value: Any) -> None:
        if key not in self.fields:
            raise KeyError(f"{type(self).__name__} has no field {key!r}")
        values = {**self, key: value}
        self.clear()
        super().update((k, values[k]) for k in self.fields if values.get(k) is not None)

    def __getitem__(self, key):
        if isinstance(key, (int, slice)):
            return self.to_tuple()[key]
        return super().__getitem__(key)

    def __reduce__(self):
        return type(self), (dict(self),)

    def predictions(self):
        """What a Keras loss or metric compares with ``y``: the logits (a tuple for two heads).

        Hidden states, attentions and the model's own loss are left out.
        """
        values = tuple(
            v
            for k, v in self.items()
            if k not in ("loss", "hidden_states", "attentions", "cross_attentions")
        )
        return values[0] if len(values) == 1 else values

    def to_tuple(self) -> tuple:
        """The produced fields' values, in the declared order (``return_dict=False``)."""
        return tuple(self.values())

    def tree_flatten(self):
        return list(self.values()), list(self.keys()), list(self.keys())

    @classmethod
    def tree_unflatten(cls, keys, values):
        return cls(zip(keys, values))


class BaseModelOutputWithPoolingAndCrossAttentions(ModelOutput):
    """Output of ``TFBertModel`` and of its ``bert`` layer (transformers v4's
    ``TFBaseModelOutputWithPoolingAndCrossAttentions``)."""

    last_hidden_state: Any
    pooler_output: Any
    past_key_values: Any
    hidden_states: Any
    attentions: Any
    cross_attentions: Any


class PreTrainingOutput(ModelOutput):
    """Output of ``TFBertForPreTraining`` (v4's ``TFBertForPreTrainingOutput``)."""

    loss: Any
    prediction_logits: Any
    seq_relationship_logits: Any
    hidden_states: Any
    attentions: Any


class CausalLMOutputWithCrossAttentions(ModelOutput):
    """Output of ``TFBertLMHeadModel``."""

    loss: Any
    logits: Any
    past_key_values: Any
    hidden_states: Any
    attentions: Any
    cross_attentions: Any


class MaskedLMOutput(ModelOutput):
    """Output of ``TFBertForMaskedLM``."""

    loss: Any
    logits: Any
    hidden_states: Any
    attentions: Any


class NextSentencePredictorOutput(ModelOutput):
    """Output of ``TFBertForNextSentencePrediction``."""

    loss: Any
    logits: Any
    hidden_states: Any
    attentions: Any


class SequenceClassifierOutput(ModelOutput):
    """Output of ``TFBertForSequenceClassification``."""

    loss: Any
    logits: Any
    hidden_states: Any
    attentions: Any


class MultipleChoiceModelOutput(ModelOutput):
    """Output of ``TFBertForMultipleChoice``."""

    loss: Any
    logits: Any
    hidden_states: Any
    attentions: Any


class TokenClassifierOutput(ModelOutput):
    """Output of ``TFBertForTokenClassification``."""

    loss: Any
    logits: Any
    hidden_states: Any
    attentions: Any


class QuestionAnsweringModelOutput(ModelOutput):
    """Output of ``TFBertForQuestionAnswering``."""

    loss: Any
    start_logits: Any
    end_logits: Any
    hidden_states: Any
    attentions: Any
