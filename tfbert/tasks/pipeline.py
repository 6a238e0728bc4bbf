"""``tfbert.pipeline``: task graphs behind transformers' ``pipeline`` interface."""

from __future__ import annotations

import collections
from collections.abc import Iterable
from typing import Any

import numpy as np
import tensorflow as tf

from tfbert.quantization import check_precision, quantize_int8
from tfbert.tasks.building import (
    TaskParts,
    assemble_graph,
    build_task_graph,
    default_model_path,
    load_task_parts,
)
from tfbert.tasks.graph import TaskGraph
from tfbert.tasks.litert_int8 import LiteRTModel, convert_model, litert_runner, runs_on_litert
from tfbert.tasks.options import LOAD_OPTIONS, RUN_OPTIONS, check_options, graph_key
from tfbert.tasks.placement import device_scope, resolve_device, resolve_dtype
from tfbert.tasks.registry import get_task
from tfbert.tokenizer.inputs import check_unicode

__all__ = ["Pipeline", "build_task_graph", "default_model_path", "pipeline"]

MAX_GRAPHS = 16  # graphs kept per pipeline besides the default one (least recently used go)


class Pipeline:
    """Runs a task's graphs on Python strings and returns transformers-shaped results.

    Inputs are sorted by token count into batches (less padding, so faster on real text) and
    results come back in input order. Options given to a call override the pipeline's for that call;
    the pipeline keeps one graph per distinct set of graph options, all on the same tokenizer
    and model (a new set costs one trace, never a reload).

    Args:
        parts: The loaded tokenizer and model (:func:`tfbert.tasks.building.load_task_parts`).
        options: The task's options, the defaults of every call.
        batch_size: Inputs per graph call.
        progress: Show a tqdm progress bar over batches.
        litert: ``None``, or the model converted for LiteRT
            (:class:`~tfbert.tasks.litert_int8.LiteRTModel`, the int8 route): the graphs then run
            their tokenizer and post-processing in TensorFlow and the model on it.

    Raises:
        ValueError: An option the task does not take, or a bad option value.
    """

    def __init__(
        self,
        parts: TaskParts,
        options: dict | None = None,
        batch_size: int = 8,
        progress: bool = False,
        litert: LiteRTModel | None = None,
    ):
        self.parts = parts
        self.litert = litert
        self.task = parts.task
        self.device = parts.device
        self.options = dict(options or {})
        check_options(self.task, self.options, "tfbert.pipeline(...)")
        self.batch_size = batch_size
        self.progress = progress
        self._graphs: collections.OrderedDict = collections.OrderedDict()
        self._default_key = graph_key(self._graph_options(self.options))
        self.graph: TaskGraph = self._graph(self.options)[0]  # built now: bad options fail here

    def _graph_options(self, options: dict) -> dict:
        return {k: v for k, v in options.items() if k in self.task.graph_options}

    def _graph(self, options: dict) -> tuple[TaskGraph, Any]:
        """The graph (and its traced runner) for these options' graph options, cached."""
        graph_options = self._graph_options(options)
        key = graph_key(graph_options)
        if key not in self._graphs:
            graph, _ = assemble_graph(self.parts, graph_options)
            run = _runner(graph) if self.litert is None else litert_runner(graph, self.litert)
            self._graphs[key] = graph, run
            others = [k for k in self._graphs if k != self._default_key]  # oldest first
            for old in others[: max(len(others) - MAX_GRAPHS, 0)]:
                del self._graphs[old]
        self._graphs.move_to_end(key)
        return self._graphs[key]

    def __call__(self, inputs: str | dict | Iterable | None = None, **options) -> Any:
        """Runs the task on one input or many.

        Args:
            inputs: A string, a dict of the task's inputs (``{"question", "context"}``, ...), or
                an iterable of them; the task's inputs may also come as keywords
                (``qa(question=..., context=...)``).
            **options: The task's options for this call only, and ``batch_size``.

        Returns:
            What transformers' pipeline returns for the task: one result for one input, a list
            for several.

        Raises:
            ValueError: Bad input, an option the task does not take, or a bad option value.
        """
        names = self.parts.task.text_inputs
        if inputs is None and all(
            name in options for name in names
        ):  # qa(question=..., context=...)
            inputs = _from_keywords(self.task.name, {name: options.pop(name) for name in names})
        check_options(self.task, options, "a call", extra=RUN_OPTIONS)
        batch_size = options.pop("batch_size", self.batch_size)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size {batch_size!r} must be a positive integer")
        options = {**self.options, **options}
        graph, run = self._graph(options)
        options.update(self.parts.context)
        single = isinstance(inputs, (str, dict))
        items = [inputs] if single else _as_list(self.task, inputs)
        rows = [self._as_row(item, i) for i, item in enumerate(items)]
        self.task.check(rows, graph, options)
        if graph.choices_input:
            counts = sorted({len(row[graph.choices_input]) for row in rows})
            if len(counts) > 1:
                raise ValueError(
                    f"every input of one {self.task.name} call needs the same number "
                    f"of choices; got {counts}"
                )
        counts = _token_counts(graph.tokenizer, rows)
        order = sorted(range(len(rows)), key=lambda i: counts[i])
        results: list[Any] = [None] * len(rows)
        batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        if self.progress:
            from tqdm.auto import tqdm

            batches = tqdm(batches, desc=self.task.name, unit="batch")
        for batch in batches:
            texts = {name: tf.constant([rows[i][name] for i in batch]) for name in names}
            with device_scope(self.device):
                outputs = {k: np.asarray(v) for k, v in run(texts).items()}
            for i, result in zip(batch, split_rows(outputs, len(batch))):
                text = rows[i] if len(rows[i]) > 1 else next(iter(rows[i].values()))
                results[i] = self.task.format(result, {**options, "text": text})
        return self.task.collect(results, options, single)

    def _as_row(self, item, index) -> dict:
        names, choices = self.task.text_inputs, self.task.choices_input
        if isinstance(item, str):
            if len(names) != 1:
                raise ValueError(
                    f"{self.task.name} takes {list(names)} for each input, got a string "
                    f"at input {index}"
                )
            check_unicode(item, f"{self.task.name} input", index)
            return {names[0]: item}
        if isinstance(item, dict) and set(item) == set(names):
            for name in names:
                value = item[name]
                fits = (
                    isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
                    if name == choices
                    else isinstance(value, str)
                )
                if not fits:
                    raise ValueError(
                        f"{self.task.name} input {index}'s {name!r} must be "
                        f"{'a list of strings' if name == choices else 'a string'}, "
                        f"got {type(value).__name__} {value!r:.60}"
                    )
                if name == choices and not value:
                    raise ValueError(
                        f"{self.task.name} input {index}'s {name!r} is empty; "
                        f"expected at least one choice"
                    )
            row = {name: list(item[name]) if name == choices else item[name] for name in names}
            for name, value in row.items():
                for text in [value] if isinstance(value, str) else value:
                    check_unicode(text, f"{self.task.name} input {index}'s {name!r}")
            return row
        got = (
            f"a dict with keys {sorted(map(str, item))}"
            if isinstance(item, dict)
            else type(item).__name__
        )
        raise ValueError(
            f"{self.task.name} input {index} must be "
            f"{'a string' if len(names) == 1 else 'a dict with ' + str(list(names))}, "
            f"got {got}"
        )


def _expected(task) -> str:
    names = task.text_inputs
    one = "a string" if len(names) == 1 else f"a dict with {list(names)}"
    return f"{one} or a list of them"


def _as_list(task, inputs) -> list:
    """The inputs of a call as a list; raises naming what came instead of strings or dicts."""
    if inputs is None or isinstance(inputs, (bytes, bytearray)) or not hasattr(inputs, "__iter__"):
        hint = " (decode bytes to str first)" if isinstance(inputs, (bytes, bytearray)) else ""
        raise ValueError(
            f"{task.name} inputs must be {_expected(task)}, got "
            f"{type(inputs).__name__} {inputs!r:.60}{hint}"
        )
    if isinstance(inputs, np.ndarray) and inputs.ndim != 1:
        raise ValueError(
            f"{task.name} inputs must be {_expected(task)}; got an array of shape "
            f"{inputs.shape} (a 1-D array of strings is taken as a list)"
        )
    return [item.item() if isinstance(item, np.generic) else item for item in inputs]


def _from_keywords(task: str, values: dict) -> dict | list[dict]:
    """``qa(question=..., context=...)``: strings, or lists of the same length."""
    names = list(values)
    if isinstance(values[names[0]], str):  # one input; its values are checked as any dict's
        return values
    lists = {name: v for name, v in values.items() if isinstance(v, (list, tuple))}
    if len(lists) != len(values):
        raise ValueError(
            f"{task} takes {names} as keywords either all strings or all lists of the "
            f"same length; got " + ", ".join(f"{n}: {type(v).__name__}" for n, v in values.items())
        )
    lengths = {name: len(v) for name, v in lists.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"{task} keyword inputs differ in length: {lengths}; they must match")
    return [dict(zip(names, row)) for row in zip(*values.values())]


def _strings(row: dict) -> list[str]:
    return [t for value in row.values() for t in ([value] if isinstance(value, str) else value)]


def _token_counts(tokenizer, rows: list[dict]) -> list[int]:
    """Word pieces per input (all its strings), to batch inputs of like length together.

    Sorting by tokens rather than characters matters on real text: code and symbols make
    characters a poor guide (on Python's documentation, 44% of a character-sorted batch was
    padding, 15% of a token-sorted one). Tokenizing twice costs little next to the model.
    """
    strings = [_strings(row) for row in rows]
    flat = [text for texts in strings for text in texts]
    if not flat:
        return [0] * len(rows)
    lengths = tokenizer.encode_pieces(flat).ids.row_lengths().numpy().tolist()
    counts, start = [], 0
    for texts in strings:
        counts.append(sum(lengths[start : start + len(texts)]))
        start += len(texts)
    return counts


def split_rows(outputs: dict[str, np.ndarray], batch: int) -> list[dict[str, Any]]:
    """Splits a batch's graph outputs into one dict per input (a ``row`` output, as fill-mask's
    one row per mask, says which input each row belongs to)."""
    if "row" in outputs:
        rows = outputs["row"]
        return [{k: v[rows == i] for k, v in outputs.items() if k != "row"} for i in range(batch)]
    return [{k: v[i] for k, v in outputs.items()} for i in range(batch)]


def _runner(graph: TaskGraph):
    """``graph`` as a ``tf.function`` of 1-D string tensors (2-D for multiple choice's choices)."""
    return tf.function(lambda texts: graph(texts), input_signature=[graph.text_specs()])


def pipeline(
    task: str,
    model: str | None = None,
    *,
    batch_size: int = 8,
    progress: bool = False,
    tokenizer: str | None = None,
    device: Any = None,
    device_map: Any = None,
    dtype: Any = None,
    torch_dtype: Any = None,
    precision: str = "float32",
    **options,
) -> Pipeline:
    """A callable that turns strings into a task's results, like ``transformers.pipeline``.

    Every task option may be given here (the default of every call) or to a call (that call
    only), with the same results, as in transformers: ``fill(text, top_k=2)``.

    Args:
        task: One of the tasks of :data:`tfbert.tasks.TASKS`, with its options:

            - ``"fill-mask"``: ``top_k`` (5), ``targets`` (tokens to rank instead of the whole
              vocabulary).
            - ``"text-classification"`` (alias ``"sentiment-analysis"``): ``top_k`` (absent: the
              best label; ``None``: all), ``function_to_apply`` (``"softmax"``, ``"sigmoid"``,
              ``"none"``; default by the config's problem type), ``truncation`` (on by default),
              ``padding`` (checked; each batch is padded and masked anyway).
            - ``"token-classification"`` (alias ``"ner"``): ``aggregation_strategy``
              (``"none"``, ``"simple"``, ``"first"``, ``"average"``, ``"max"``),
              ``ignore_labels`` (``["O"]``).
            - ``"question-answering"``: ``top_k`` (1), ``max_answer_len`` (15),
              ``handle_impossible_answer`` (False), ``max_seq_len`` (384), ``doc_stride`` (128),
              ``max_question_len`` (accepted; like transformers with a fast tokenizer, the
              question is never cut).
            - ``"feature-extraction"``: token vectors; ``truncation`` (on by default).
            - ``"sentence-embedding"``: ``normalize``, ``pooling`` (``"mean"``, ``"cls"``,
              ``"max"``); defaults from a sentence-transformers folder.
            - ``"next-sentence-prediction"``, ``"multiple-choice"``: no options of their own.
            - ``"text-generation"`` (a ``TFBertLMHeadModel`` checkpoint),
              ``"text2text-generation"`` and ``"summarization"`` (a ``TFEncoderDecoderModel``
              folder): ``generate()``'s options (``max_new_tokens``, ``num_beams``,
              ``do_sample``, ``top_k``, ``top_p``, ``temperature``, ``seed``, ...);
              text-generation also ``return_full_text`` and ``prompt_length`` (32).

            Every task takes ``max_length`` (tokens per input; question-answering's
            ``max_seq_len``).
        model: Checkpoint folder or hub id; the embedding tasks default to all-MiniLM-L6-v2.
        batch_size: Inputs per graph call (a call may give its own).
        progress: A tqdm progress bar over batches.
        tokenizer: Where the tokenizer files are, when not beside the model.
        device: Where the model loads and runs, as transformers takes it: ``-1`` / ``"cpu"``,
            ``n`` / ``"cuda:n"`` / ``"gpu:n"`` (GPU n; the CPU, with a warning, on a machine
            without it), or a TensorFlow device (``"/GPU:0"``). See
            :mod:`tfbert.tasks.placement`.
        device_map: ``"auto"`` (TensorFlow's placement) or one device; the model is never split.
        dtype: ``"float32"`` / ``"auto"`` / ``None`` (float32), ``"float16"`` or ``"bfloat16"``
            (Keras mixed precision: float32 weights, LayerNorm, softmax and post-processing);
            torch and TF dtypes are accepted.
        torch_dtype: transformers' older name of ``dtype``.
        precision: ``"float32"`` or ``"int8"``: the model's matmuls in int8 on CPU, float32
            ``dtype`` only. The model is converted to a dynamic-range int8 ``.tflite`` and run
            by LiteRT (:mod:`tfbert.tasks.litert_int8`; needs ``pip install 'tfbert[int8]'``);
            text generation quantizes its encoder's matmuls in TensorFlow instead
            (:func:`tfbert.quantization.quantize_int8`).
        **options: The task's options (above).

    Returns:
        A :class:`Pipeline`.

    Raises:
        ValueError: Unknown task, an option the task does not take (the message lists those it
            takes), a bad option value, device or dtype, or a checkpoint without the task's head.

    Example:
        >>> import tfbert
        >>> embed = tfbert.pipeline("sentence-embedding", device="cpu")
        >>> vectors = embed(["A cat sits.", "A dog runs."])
        >>> vectors.shape
        (2, 384)
        >>> float(abs(embed("A cat sits.", normalize=False)).sum()) > 1.5  # not unit length now
        True
    """
    spec = get_task(task)
    check_options(
        spec, options, "tfbert.pipeline(...)", extra=LOAD_OPTIONS + RUN_OPTIONS + ("progress",)
    )
    policy = resolve_dtype(torch_dtype if dtype in (None, "auto") else dtype)
    placement = resolve_device(device, device_map)
    check_precision(precision)
    if precision == "int8" and policy != "float32":
        raise ValueError(f"precision='int8' needs float32 weights, not {policy}")
    parts = load_task_parts(spec.name, model, tokenizer=tokenizer, device=placement, dtype=policy)
    litert = None
    if precision == "int8" and runs_on_litert(spec):
        graph_options = {k: v for k, v in options.items() if k in spec.graph_options}
        litert = LiteRTModel(convert_model(assemble_graph(parts, graph_options)[0]))
    elif precision == "int8":
        quantize_int8(parts.model)
    return Pipeline(parts, options, batch_size=batch_size, progress=progress, litert=litert)
