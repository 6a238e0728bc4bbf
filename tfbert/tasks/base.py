"""``Task``: the base class every task module subclasses.

A task is one module under ``tfbert/tasks/`` holding one subclass of :class:`Task` (and its
post-processing layer, unless two tasks share one) and one line in
:mod:`tfbert.tasks.registry`. The pipeline, the export, the CLI and the TFLite path find
everything about a task through this class: its inputs and options, the model class it loads, how
the model runs, its in-graph post-processing, the formatting of its results, the SavedModel
signatures it supports and its TFLite variant.

The graph of a task (:class:`tfbert.tasks.graph.TaskGraph`)::

    strings --tokenizer--> encoded --run_model--> outputs --postprocess layer--> result tensors
    result tensors --format (one input) / collect (a call)--> what the pipeline returns
"""

from __future__ import annotations

from typing import Any, ClassVar

import keras

from tfbert.config import BertConfig

SIGNATURES = ("serving_default", "token_ids")  # strings in; token ids in


class Task:
    """One task: subclass it in the task's module and add an instance to the registry.

    Class attributes (declare them in the subclass):
        name: The task's name, as transformers names it where it has one.
        aliases: Other names ``get_task`` accepts (``"sentiment-analysis"``).
        model_class: The ``TFBert*`` class (a class) whose head the task reads.
        model_kwargs: Keyword arguments of ``model_class.from_pretrained`` besides the config.
        architectures: transformers architectures whose checkpoints carry that head (``None``:
            any BERT checkpoint fits, and ``model=None`` takes the default model).
        text_inputs: Names of the string inputs; the first is the tokenizer's ``text``, the
            second its ``text_pair``.
        choices_input: The input holding several alternatives (multiple choice), if any.
        graph_options: Options that shape the graph (post-processing, tokenizer settings); a
            pipeline keeps one graph per distinct set of them.
        format_options: Options applied when formatting (Python side).
        needs_tokenizer: The post-processing layer decodes ids: it is called with
            ``tokenizer=`` (the ``TFBertTokenizer``, or in a ``.tflite`` the
            :class:`~tfbert.tokenizer.tflite_encoding.TFLiteTextOps`, which has the same
            ``batch_decode``, ``continues_word`` and ``skipped_special_ids``).
        needs_texts: The post-processing layer reads the input strings: it is called with
            ``texts=`` (the string inputs, in ``text_inputs`` order). Such a task has no
            ``token_ids`` signature.
        takes_text_ops: The layer's string work also runs on TFLite kernels: in a ``.tflite``
            it is called with ``text_ops=`` (a ``TFLiteTextOps``); otherwise its string ops
            need TensorFlow select (Flex) ops there.

    Methods a task overrides: :meth:`build` (always), :meth:`format` (always), and where the
    defaults do not fit :meth:`collect`, :meth:`check`, :meth:`run_model` (with
    :meth:`model_options`), :meth:`load_config`, :meth:`load_model`, :meth:`signatures`,
    :meth:`tflite_tokenizes`.

    Example:
        >>> from tfbert.tasks import get_task
        >>> task = get_task("ner")
        >>> task.name, task.model_class.__name__, task.text_inputs
        ('token-classification', 'TFBertForTokenClassification', ('text',))
        >>> task.signatures()  # its results are cut out of the input strings
        ('serving_default',)
    """

    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    model_class: ClassVar[type]
    model_kwargs: ClassVar[dict[str, Any]] = {}
    architectures: ClassVar[tuple[str, ...] | None] = None
    text_inputs: ClassVar[tuple[str, ...]] = ("text",)
    choices_input: ClassVar[str | None] = None
    graph_options: ClassVar[tuple[str, ...]] = ("max_length",)
    format_options: ClassVar[tuple[str, ...]] = ()
    needs_tokenizer: ClassVar[bool] = False
    needs_texts: ClassVar[bool] = False
    takes_text_ops: ClassVar[bool] = False

    # ------------------------------------------------------------------------- the graph

    def build(
        self, folder: str, config, tokenizer, options: dict[str, Any]
    ) -> tuple[keras.layers.Layer, dict[str, Any]]:
        """The post-processing layer and the tokenizer options for these graph options.

        Args:
            folder: The checkpoint folder or hub id (sentence-transformers settings live there).
            config: The checkpoint's ``BertConfig``.
            tokenizer: The ``TFBertTokenizer``.
            options: The graph options given; the method pops those it reads (those named in
                :attr:`graph_options`).

        Returns:
            ``(layer, tokenizer options)``: the layer is called as ``layer(model_outputs,
            encoded, **extras)`` (extras as the ``needs_*`` flags declare) and returns a dict of
            result tensors; the tokenizer options are keyword arguments of every tokenizer call.

        Raises:
            ValueError: A bad option value (the message names it).
        """
        raise NotImplementedError(f"{type(self).__name__} must define build")

    def model_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """Keyword arguments of :meth:`run_model` taken from the graph options (popping those
        it reads), kept with the graph. The forward call takes none.

        Args:
            options: The graph options left after :meth:`build`.

        Returns:
            A dict (JSON-serialisable: it is part of the graph's Keras config).
        """
        return {}

    def run_model(self, model: keras.Model, features: dict[str, Any], **model_options) -> Any:
        """Runs the model on the tokenizer's features; the graph calls this hook.

        The default is the forward call, ``model(features, training=False, return_dict=True)``.
        A task that runs its model its own way overrides it: text generation runs
        ``model.generate(...)`` with :meth:`model_options` and returns the generated ids for a
        post-processing layer (``needs_tokenizer``) that decodes them to strings.

        Args:
            model: The ``TFBert*`` model.
            features: ``input_ids``, ``attention_mask``, ``token_type_ids`` (int32;
                ``(batch, choices, tokens)`` with :attr:`choices_input`).
            **model_options: From :meth:`model_options`.

        Returns:
            What the post-processing layer reads as ``model_outputs`` (a mapping of tensors).
        """
        return model(features, training=False, return_dict=True)

    def postprocess(
        self, layer, outputs, encoded: dict, texts=None, tokenizer=None, text_ops=None
    ) -> dict:
        """Calls the post-processing ``layer`` with what its ``needs_*`` flags declare.

        Args:
            layer: From :meth:`build`.
            outputs: From :meth:`run_model`.
            encoded: The tokenizer's output.
            texts: The string inputs, in :attr:`text_inputs` order.
            tokenizer: The ``TFBertTokenizer``.
            text_ops: ``None``, or the ``TFLiteTextOps`` of a ``.tflite``: it then stands for
                the tokenizer, and is handed to a layer that ``takes_text_ops``.

        Returns:
            The layer's dict of result tensors.
        """
        extra = {}
        if self.needs_tokenizer:
            extra["tokenizer"] = tokenizer if text_ops is None else text_ops
        if self.needs_texts:
            extra["texts"] = texts
            if text_ops is not None and self.takes_text_ops:
                extra["text_ops"] = text_ops
        return layer(outputs, encoded, **extra)

    # ------------------------------------------------------------------------------ loading

    def load_config(self, source: str) -> BertConfig:
        """The checkpoint's config, checked to carry the head the task reads.

        Args:
            source: The checkpoint folder or hub id.

        Returns:
            Its ``BertConfig``.

        Raises:
            ValueError: The config's ``architectures`` has none of :attr:`architectures`.
        """
        config = BertConfig.from_pretrained(source)
        found = config.extra.get("architectures") or []
        if self.architectures is not None and not set(found) & set(self.architectures):
            raise ValueError(
                f"{source} is a {' / '.join(found) or 'bare BERT'} checkpoint "
                f"without the head {self.name} needs ({', '.join(self.architectures)})"
            )
        return config

    def load_model(self, source: str, config, **kwargs) -> keras.Model:
        """The model of a checkpoint: ``model_class.from_pretrained`` with :attr:`model_kwargs`.

        Args:
            source: The checkpoint folder or hub id.
            config: Its config.
            **kwargs: More ``from_pretrained`` arguments (``dtype``).

        Returns:
            The model.
        """
        return self.model_class.from_pretrained(
            source, config=config, **{**self.model_kwargs, **kwargs}
        )

    # ------------------------------------------------------------------------- Python side

    def check(self, rows: list[dict], graph, options: dict[str, Any]) -> None:
        """Raises for inputs or format options the graph would refuse or misread, before
        anything runs. The default accepts everything.

        Args:
            rows: The inputs, one dict per input named by :attr:`text_inputs`.
            graph: The :class:`~tfbert.tasks.graph.TaskGraph` that will run them.
            options: The call's options.

        Raises:
            ValueError: Names the input or option.
        """

    def format(self, result: dict, options: dict[str, Any]) -> Any:
        """What the pipeline returns for one input.

        Args:
            result: The graph's outputs for this input (NumPy arrays).
            options: The call's options, the formatting context (``labels``, ``mask_token``)
                and ``text``: this input (a string, or a dict of several).

        Returns:
            transformers' result for one input.
        """
        raise NotImplementedError(f"{type(self).__name__} must define format")

    def collect(self, results: list, options: dict[str, Any], single: bool) -> Any:
        """What a pipeline call returns: the one result for one input, else the list."""
        return results[0] if single else results

    # ------------------------------------------------------------------------------- export

    def signatures(self) -> tuple[str, ...]:
        """The SavedModel / ``.tflite`` signatures the task supports.

        ``token_ids`` needs a post-processing that reads ids alone: not a task that
        ``needs_texts`` (it cuts answers and words out of the input strings), nor one with a
        :attr:`choices_input` (three-dimensional ids).

        Returns:
            ``("serving_default", "token_ids")`` or ``("serving_default",)``.
        """
        if self.needs_texts or self.choices_input is not None:
            return SIGNATURES[:1]
        return SIGNATURES

    def tflite_tokenizes(self) -> bool:
        """Whether a ``.tflite``'s strings signature tokenizes with tf-text's TFLite kernels
        (:class:`~tfbert.tokenizer.tflite_encoding.TFLiteTextOps`); otherwise it keeps the
        graph's TensorFlow string ops and needs select (Flex) ops. The default: every task
        without :attr:`choices_input`."""
        return self.choices_input is None

    def __repr__(self) -> str:
        return f"<task {self.name}: {self.model_class.__name__}>"
