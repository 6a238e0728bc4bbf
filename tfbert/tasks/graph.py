"""``TaskGraph``: one Keras model from raw strings to a task's results, all in graph.

The tokenizer (``TFBertTokenizer``), a ``TFBert*`` model and the task's post-processing layer,
chained. ``tfbert.pipeline`` runs this graph; the export writes this graph. One implementation of
each task serves both.
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from tfbert.model_inputs import ENCODED_INPUTS

MODEL_KEYS = ENCODED_INPUTS  # the model inputs a tokenizer gives: ids, mask, token types


def tf_variables(layer: keras.layers.Layer) -> list[tf.Variable]:
    """``layer``'s variables as the ``tf.Variable``s under Keras' wrappers, for saving beside
    concrete functions: saved as wrappers, each exports as a second variable that the checkpoint
    restores while the functions read the first (TF1-style loaders such as TF Serving, and the
    TFLite converter, then find it uninitialised)."""
    return [v.value if isinstance(v.value, tf.Variable) else v for v in layer.variables]


@keras.saving.register_keras_serializable(package="tfbert")
class TaskGraph(keras.Model):
    """Strings in, a task's results out.

    Args:
        task: The task's name (``"fill-mask"``, ...); the graph finds the task's
            :class:`~tfbert.tasks.base.Task` (``spec``) by it.
        tokenizer: A ``TFBertTokenizer``.
        model: A ``TFBert*`` model whose head fits the task.
        postprocess: The task's layer (:meth:`~tfbert.tasks.base.Task.build`), called by
            :meth:`~tfbert.tasks.base.Task.postprocess` as ``postprocess(model_outputs,
            encoded, **extras)``, where ``encoded`` is the tokenizer's output, returning a dict
            of result tensors.
        text_inputs: Names of the string inputs: ``("text",)``, ``("text", "text_pair")`` or
            ``("question", "context")``; the first is the tokenizer's ``text``, the second its
            ``text_pair``.
        tokenizer_options: Keyword arguments of every tokenizer call (``max_length``, ...).
        choices_input: The name of a 2-D input whose rows hold several alternatives to pair with
            the first input (multiple choice); each alternative is tokenized as the first
            input's pair and the model sees ``(batch, choices, seq)``.
        model_options: Keyword arguments of the task's
            :meth:`~tfbert.tasks.base.Task.run_model` (``{}`` for the forward call).

    Call args:
        inputs: A dict of 1-D ``tf.string`` tensors named by ``text_inputs``, or (one input) a
            1-D string tensor or list of strings.
    """

    def __init__(
        self,
        task: str,
        tokenizer,
        model,
        postprocess,
        text_inputs=("text",),
        tokenizer_options=None,
        choices_input: str | None = None,
        model_options: dict[str, Any] | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.task = task
        self.tokenizer = tokenizer
        self.model = model
        self.postprocess = postprocess
        self.text_inputs = tuple(text_inputs)
        self.tokenizer_options = dict(tokenizer_options or {})
        self.choices_input = choices_input
        self.model_options = dict(model_options or {})
        self.built = True  # its parts arrive built; it has no weights of its own

    @property
    def spec(self):
        """The graph's :class:`~tfbert.tasks.base.Task`."""
        from tfbert.tasks.registry import get_task

        return get_task(self.task)

    def build_from_config(self, config):
        """Nothing to build: the tokenizer, model and layers arrive built (Keras calls this when
        loading a saved graph)."""
        self.built = True

    def call(self, inputs):
        encoded, texts = self.encode(inputs)
        return self.run_on_ids(encoded, texts)

    def encode(self, inputs) -> tuple[dict, list]:
        """The tokenizer's part of the graph: strings to the model's inputs.

        Args:
            inputs: As the graph takes them (a dict of string tensors named by
                ``text_inputs``, or one input's strings).

        Returns:
            ``(encoded, texts)``: the tokenizer's output with the model's inputs shaped for the
            model (``(batch, choices, tokens)`` with a ``choices_input``), and the string inputs
            in ``text_inputs`` order.
        """
        if not isinstance(inputs, dict):
            inputs = {self.text_inputs[0]: inputs}
        missing = [name for name in self.text_inputs if name not in inputs]
        if missing:
            raise ValueError(
                f"{self.task} needs inputs {list(self.text_inputs)}; missing {missing}"
            )
        texts = [inputs[name] for name in self.text_inputs]
        if self.choices_input is None:
            encoded = self.tokenizer(*texts, **self.tokenizer_options)
            features = {k: encoded[k] for k in MODEL_KEYS if k in encoded}
        else:
            choices = tf.convert_to_tensor(inputs[self.choices_input])
            count = tf.shape(choices)[1]
            encoded = self.tokenizer(
                tf.repeat(texts[0], count), tf.reshape(choices, [-1]), **self.tokenizer_options
            )
            features = {
                k: tf.reshape(encoded[k], [-1, count, tf.shape(encoded[k])[-1]])
                for k in MODEL_KEYS
                if k in encoded
            }
        return {**encoded, **features}, texts

    def run_on_ids(self, encoded: dict, texts=None, text_ops=None) -> dict:
        """The model and post-processing on tokenizer output (clients that tokenize themselves).

        Args:
            encoded: ``input_ids``, ``attention_mask``, ``token_type_ids`` and whatever else the
                post-processing reads (offsets, special-token mask).
            texts: The raw inputs, for post-processing that cuts answers out of them.
            text_ops: ``None``, or what does the post-processing's string work instead of the
                tokenizer and TensorFlow's string ops
                (:class:`tfbert.tokenizer.tflite_encoding.TFLiteTextOps`, for ``.tflite``).
        """
        features = {k: encoded[k] for k in MODEL_KEYS if k in encoded}
        outputs = self.spec.run_model(self.model, features, **self.model_options)
        return self.results(outputs, encoded, texts, text_ops)

    def results(self, outputs, encoded: dict, texts=None, text_ops=None) -> dict:
        """The post-processing on the model's outputs (a mapping of tensors by name), as
        :meth:`run_on_ids` ends; a caller that runs the model elsewhere (the int8 pipeline on
        LiteRT) finishes with it."""
        return self.spec.postprocess(
            self.postprocess, outputs, encoded, texts, tokenizer=self.tokenizer, text_ops=text_ops
        )

    def text_specs(self) -> dict[str, tf.TensorSpec]:
        """The string inputs' specs by name: 1-D (2-D for a ``choices_input``)."""
        return {
            name: tf.TensorSpec(
                [None, None] if name == self.choices_input else [None], tf.string, name=name
            )
            for name in self.text_inputs
        }

    def serving_function(self) -> tf.types.experimental.ConcreteFunction:
        """The graph as a concrete function of 1-D string tensors named by ``text_inputs``."""
        return tf.function(lambda **texts: self(texts)).get_concrete_function(**self.text_specs())

    def get_config(self):
        return {
            "name": self.name,
            "task": self.task,
            "text_inputs": list(self.text_inputs),
            "tokenizer_options": self.tokenizer_options,
            "choices_input": self.choices_input,
            "model_options": self.model_options,
            "tokenizer": keras.saving.serialize_keras_object(self.tokenizer),
            "model": keras.saving.serialize_keras_object(self.model),
            "postprocess": keras.saving.serialize_keras_object(self.postprocess),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("tokenizer", "model", "postprocess"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
