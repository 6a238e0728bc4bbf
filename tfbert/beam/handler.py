"""``TaskModelHandler``: a task (checkpoint or exported SavedModel) behind Beam's ``RunInference``.

The checkpoint route runs :func:`tfbert.pipeline` itself, so its results are the pipeline's. The
SavedModel route (a folder written by ``tfbert export``) calls the ``serving_default`` signature
and formats its outputs with the task's own formatting, the one the pipeline uses.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from apache_beam.ml.inference.base import ModelHandler, PredictionResult

DEFAULT_BUCKETS = (16, 32, 64, 128, 256, 512, 1024, 2048)  # characters per input


@dataclasses.dataclass(frozen=True)
class InferenceFailure:
    """What :class:`TaskModelHandler` returns, with ``isolate_failures=True``, for an input the
    task refused: the error on one line.

    Attributes:
        error: ``"ValueError: fill-mask input 'x' has no [MASK] token"``, ...
    """

    error: str


def user_errors() -> tuple[type[BaseException], ...]:
    """The errors an input can cause (a refused value, text TensorFlow cannot take)."""
    import tensorflow as tf

    return (ValueError, TypeError, KeyError, IndexError, tf.errors.OpError)


def one_line(err: BaseException) -> str:
    """``"TypeName: message"`` on one line (TensorFlow's messages span several)."""
    text = str(getattr(err, "message", "") or err) or type(err).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return f"{type(err).__name__}: {' '.join(lines)[:1000]}"


def input_length(element: Any) -> int:
    """Characters in one element (a string, a dict of strings, or a keyed ``(key, input)``).

    The length Beam's length-aware batching buckets by.
    """
    if isinstance(element, tuple) and len(element) == 2:  # KeyedModelHandler's (key, input)
        element = element[1]
    if isinstance(element, str):
        return len(element)
    if isinstance(element, dict):
        return sum(input_length(v) for v in element.values())
    if isinstance(element, (list, tuple)):
        return sum(input_length(v) for v in element)
    return 0


def find_saved_model(path: str) -> str | None:
    """The SavedModel at ``path``: the folder itself, or (a ``tfbert export`` output folder) its
    highest numeric version folder, as TF Serving picks it; ``None`` when there is none."""
    from apache_beam.io.filesystems import FileSystems

    def holds_one(folder: str) -> bool:
        return FileSystems.exists(FileSystems.join(folder, "saved_model.pb"))

    if holds_one(path):
        return path
    if not os.path.isdir(path):
        return None
    versions = sorted((int(name) for name in os.listdir(path) if name.isdigit()), reverse=True)
    for version in versions:
        folder = os.path.join(path, str(version))
        if holds_one(folder):
            return folder
    return None


class TaskModelHandler(ModelHandler[Any, Any, Callable]):
    """Runs one tfbert task on batches of inputs for ``apache_beam.ml.inference.RunInference``.

    Inputs are what :func:`tfbert.pipeline` takes one at a time: a string (``text``) or a dict of
    the task's inputs (``{"question": ..., "context": ...}``). Each ``PredictionResult`` holds the
    input and the pipeline's result for it (an embedding vector, ``{"label", "score"}``, ...).
    Wrap the handler in ``KeyedModelHandler`` to carry ids: ``(id, input)`` in,
    ``(id, PredictionResult)`` out.

    Args:
        task: A task name (``"sentence-embedding"``, ``"text-classification"``, ...).
        model: A checkpoint folder or hub id (the task graph is built on each worker, as
            :func:`tfbert.pipeline` builds it), or a SavedModel written by ``tfbert export`` (the
            version folder or the folder above it). ``None``: the embedding tasks' default model.
        options: The task's options (``{"top_k": 3}``, ``{"normalize": False}``, ...). A
            SavedModel has its graph options built in; only format options (text-classification's
            ``top_k``) apply to it.
        labels: Label names by id, for text-classification's ``top_k`` on a SavedModel (it holds
            only the best label's name); a checkpoint has them in its config.
        min_batch_size: Fewest inputs Beam puts in one batch.
        max_batch_size: Most inputs in one batch; also the pipeline's batch size.
        length_buckets: Character-length boundaries for length-aware batching (inputs of similar
            length batched together: less padding); ``()`` for :data:`DEFAULT_BUCKETS`. Needs a
            Beam with ``batch_length_fn`` (2026 releases, e.g. 2.77); batches then wait at most
            ``max_batch_duration_secs`` (10 by default) to fill.
        max_batch_duration_secs: Longest a batch waits to fill (Beam's stateful batching).
        isolate_failures: When a batch fails, run its inputs one by one and return an
            :class:`InferenceFailure` for each input the task refuses, instead of failing the
            whole batch.
        mask_token: The mask token named in fill-mask's errors on a SavedModel.
        threads: TensorFlow's intra- and inter-op threads in each worker process (``None``: TF's
            default, every core): with several worker processes on one machine, cores divided by
            workers avoids oversubscription. Applies only where TensorFlow has not run yet in the
            process (a warning otherwise).
        precision: ``"float32"`` or ``"int8"`` (:func:`tfbert.pipeline`'s ``precision``: the
            model in int8 on LiteRT; needs ``tfbert[int8]`` on the workers). A SavedModel's
            precision was fixed by its export (``tfbert export --quantize int8``).

    Raises:
        ValueError: Bad batch sizes, ``threads`` or ``precision``, an option a SavedModel cannot
            apply, length buckets on a Beam that cannot batch by length.

    Example:
        >>> import apache_beam as beam
        >>> from apache_beam.ml.inference.base import KeyedModelHandler, RunInference
        >>> from tfbert.beam import TaskModelHandler
        >>> from apache_beam.testing.util import assert_that, equal_to
        >>> handler = KeyedModelHandler(TaskModelHandler("sentence-embedding"))
        >>> with beam.Pipeline() as p:  # (id, text) in, (id, PredictionResult) out
        ...     shapes = (
        ...         p
        ...         | beam.Create([("a", "A cat sits."), ("b", "A dog runs.")])
        ...         | RunInference(handler)
        ...         | beam.Map(lambda kv: (kv[0], kv[1].inference.shape))
        ...     )
        ...     _ = assert_that(shapes, equal_to([("a", (384,)), ("b", (384,))]))
    """

    def __init__(
        self,
        task: str,
        model: str | None = None,
        *,
        options: dict | None = None,
        labels: Sequence[str] | None = None,
        min_batch_size: int = 1,
        max_batch_size: int = 32,
        length_buckets: Sequence[int] | None = None,
        max_batch_duration_secs: int | None = None,
        isolate_failures: bool = False,
        mask_token: str = "[MASK]",
        threads: int | None = None,
        precision: str = "float32",
    ):
        from tfbert.quantization import check_precision
        from tfbert.tasks import get_task

        self.task = get_task(task)
        self.precision = check_precision(precision)
        sizes = (("min_batch_size", min_batch_size), ("max_batch_size", max_batch_size))
        for name, value in (*sizes, *([("threads", threads)] if threads is not None else [])):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} {value!r} must be a positive integer")
        if min_batch_size > max_batch_size:
            raise ValueError(
                f"min_batch_size {min_batch_size} is larger than max_batch_size {max_batch_size}"
            )
        batching = {}
        if length_buckets is not None:
            if "batch_length_fn" not in inspect.signature(ModelHandler.__init__).parameters:
                raise ValueError(
                    "length_buckets needs an apache-beam with length-aware batching "
                    "(batch_length_fn: 2026 releases, e.g. 2.77); upgrade it or leave "
                    "length_buckets out"
                )
            batching = {
                "batch_length_fn": input_length,
                "batch_bucket_boundaries": list(length_buckets or DEFAULT_BUCKETS),
                "max_batch_duration_secs": max_batch_duration_secs or 10,
            }
        elif max_batch_duration_secs is not None:
            batching = {"max_batch_duration_secs": max_batch_duration_secs}
        super().__init__(min_batch_size=min_batch_size, max_batch_size=max_batch_size, **batching)
        self.model = None if model is None else os.fspath(model)
        self.options = dict(options or {})
        self.labels = None if labels is None else list(labels)
        self.isolate_failures = isolate_failures
        self.mask_token = mask_token
        self.threads = threads
        self.saved_model = None if self.model is None else find_saved_model(self.model)
        if self.saved_model is not None and precision != "float32":
            raise ValueError(
                f"{self.saved_model} is an exported SavedModel: its precision was fixed by its "
                f"export, so precision={precision!r} cannot apply (export it with --quantize "
                f"int8, or give the checkpoint)"
            )
        if self.saved_model is not None:
            baked = sorted(set(self.options) - set(self.task.format_options))
            if baked:
                raise ValueError(
                    f"{self.saved_model} is an exported SavedModel: its graph options are built "
                    f"in, so options {baked} cannot apply (export again with them, or give the "
                    f"checkpoint)"
                )

    def load_model(self) -> Callable[[list], list]:
        """The task on this worker: a callable from a list of inputs to a list of results."""
        if self.threads is not None:
            _set_threads(self.threads)
        if self.saved_model is not None:
            return SavedModelRunner(
                self.task.name, self.saved_model, self.options, self.labels, self.mask_token
            )
        from tfbert.tasks import pipeline

        runner = pipeline(
            self.task.name,
            self.model,
            batch_size=self.batch_elements_kwargs()["max_batch_size"],
            precision=self.precision,
            **self.options,
        )
        return lambda items: list(runner(items))

    def run_inference(
        self,
        batch: Sequence[Any],
        model: Callable[[list], list],
        inference_args: dict[str, Any] | None = None,
    ) -> Iterable[PredictionResult]:
        """Runs the task on ``batch``; with ``isolate_failures``, a refused input gets an
        :class:`InferenceFailure` and the others their results."""
        self.validate_inference_args(inference_args)
        items = list(batch)
        try:
            results = model(items)
        except user_errors() as err:
            if not self.isolate_failures:
                raise
            if len(items) == 1:
                results = [InferenceFailure(one_line(err))]
            else:
                results = [_alone(model, item) for item in items]
        return [PredictionResult(item, result) for item, result in zip(items, results)]

    def validate_inference_args(self, inference_args: dict[str, Any] | None) -> None:
        """Refuses inference args: the task's options go to the handler (``options=``).

        Raises:
            ValueError: ``inference_args`` is not empty.
        """
        if inference_args:
            raise ValueError(
                f"TaskModelHandler takes no inference_args (got {sorted(inference_args)}); "
                f"give the task's options as TaskModelHandler(..., options={{...}})"
            )

    def get_metrics_namespace(self) -> str:
        """``"tfbert.<task>"``."""
        return f"tfbert.{self.task.name}"


def _set_threads(threads: int) -> None:
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow already ran in this process
        warnings.warn(
            f"threads={threads} ignored: TensorFlow has already started in this worker process",
            stacklevel=3,
        )


def _alone(model, item):
    try:
        return model([item])[0]
    except user_errors() as err:
        return InferenceFailure(one_line(err))


class SavedModelRunner:
    """A ``tfbert export`` SavedModel's ``serving_default`` on lists of inputs, formatted as the
    pipeline formats the task's results.

    Args:
        task: The task the SavedModel was exported for.
        path: The SavedModel folder (with ``saved_model.pb``).
        options: Format options (text-classification's ``top_k``).
        labels: Label names by id (text-classification with ``top_k``).
        mask_token: The mask token fill-mask's errors name.
    """

    def __init__(self, task: str, path: str, options: dict, labels, mask_token: str):
        import tensorflow as tf

        from tfbert.tasks import get_task

        self.task = get_task(task)
        self.function = tf.saved_model.load(path).signatures["serving_default"]
        names = sorted(self.function.structured_input_signature[1])
        if names != sorted(self.task.text_inputs):
            raise ValueError(
                f"{path} takes inputs {names}, not {self.task.name}'s "
                f"{list(self.task.text_inputs)}; was it exported for another task?"
            )
        top_k = options.get("top_k", "legacy")
        if self.task.name == "text-classification" and top_k != "legacy" and labels is None:
            raise ValueError(
                f"text-classification top_k={top_k!r} on a SavedModel needs the label names: "
                f"give labels=[...] (the checkpoint's id2label; tfbert batch --labels)"
            )
        self.options = {**options, "labels": labels, "mask_token": mask_token}

    def __call__(self, items: list) -> list:
        import numpy as np
        import tensorflow as tf

        from tfbert.tasks.pipeline import split_rows

        names = self.task.text_inputs
        rows = [self._row(item, index) for index, item in enumerate(items)]
        order = sorted(range(len(rows)), key=lambda i: input_length(rows[i]))  # less padding
        feed = {name: tf.constant([rows[i][name] for i in order]) for name in names}
        outputs = {k: np.asarray(v) for k, v in self.function(**feed).items()}
        results: list[Any] = [None] * len(rows)
        for i, result in zip(order, split_rows(outputs, len(order))):
            options = self.options
            if options["labels"] is None and "label" in result and "probabilities" in result:
                options = {**options, "labels": _best_label_only(result)}
            text = rows[i] if len(names) > 1 else rows[i][names[0]]
            results[i] = self.task.format(result, {**options, "text": text})
        return results

    def _row(self, item, index) -> dict:
        names = self.task.text_inputs
        row = {names[0]: item} if isinstance(item, str) and len(names) == 1 else item
        if not isinstance(row, dict) or set(row) != set(names):
            raise ValueError(
                f"{self.task.name} input {index} must be "
                f"{'a string' if len(names) == 1 else f'a dict with {list(names)}'}, "
                f"got {type(item).__name__} {item!r:.60}"
            )
        for name in names:
            values = row[name] if name == self.task.choices_input else [row[name]]
            if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
                raise ValueError(
                    f"{self.task.name} input {index}'s {name!r} must be text, got {row[name]!r:.60}"
                )
        return row


def _best_label_only(result: dict) -> list[str]:
    """Label names by id where only the best is known: the signature's ``label`` at its index."""
    import numpy as np

    best = int(np.argmax(result["probabilities"]))
    label = result["label"]
    labels = [""] * len(result["probabilities"])
    labels[best] = label.decode("utf-8") if isinstance(label, bytes) else str(label)
    return labels
