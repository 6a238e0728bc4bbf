"""The corpus job behind ``tfbert batch``: files of inputs to sharded results on any Beam runner.

Inputs: ``.txt`` files (one input per line; id ``path:line``) and ``.jsonl`` files (one object
per line with an ``id`` and the task's inputs, e.g. ``text`` or ``question``/``context``);
compressed files (``.gz``, ...) are read as Beam reads them. Outputs, in the output folder:
``results-SSSSS-of-NNNNN.{jsonl,parquet,tfrecord}``, each record ``{"id", "result"}``, every input
in the shard its id hashes to, shards in input order (file, line); and
``dead-letter-00000-of-00001.jsonl``, one ``{"input": "path:line", "id", "error"}`` per input that
could not be read or that the task refused. The same inputs give the same files, byte for byte.
"""

from __future__ import annotations

import bisect
import dataclasses
import io
import json
import os
import re
import uuid
import zlib
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.ml.inference.base import ModelHandler, RunInference

from tfbert.beam.handler import DEFAULT_BUCKETS, InferenceFailure, TaskModelHandler, input_length

FORMATS = ("jsonl", "parquet", "tfrecord")
DEAD_LETTER = "dead-letter-00000-of-00001.jsonl"
_NAMESPACE = "tfbert.batch"


@dataclasses.dataclass(frozen=True)
class BatchSummary:
    """What a finished :func:`run_batch_job` wrote.

    Attributes:
        results: Inputs with a result (``None`` where the runner reports no metrics).
        failures: Inputs in the dead-letter file (``None`` likewise).
        files: The result shards' paths, then the dead-letter file's.
    """

    results: int | None
    failures: int | None
    files: list[str]


def expand_braces(pattern: str) -> list[str]:
    """``corpus-*.{txt,jsonl}`` -> ``["corpus-*.txt", "corpus-*.jsonl"]`` (nested braces too)."""
    match = re.search(r"\{([^{}]*)\}", pattern)
    if match is None:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    return [
        expanded
        for choice in match.group(1).split(",")
        for expanded in expand_braces(head + choice + tail)
    ]


def match_inputs(pattern: str) -> list[str]:
    """The files ``pattern`` names (globs and ``{a,b}`` alternatives), sorted.

    Raises:
        ValueError: Nothing matches.
    """
    files = set()
    for one in expand_braces(pattern):
        for result in FileSystems.match([one]):
            files.update(meta.path for meta in result.metadata_list)
    if not files:
        raise ValueError(f"--input {pattern!r} matches no files")
    return sorted(files)


def is_jsonl(path: str) -> bool:
    """Whether ``path`` is JSON Lines by its name (``.jsonl``, also compressed: ``.jsonl.gz``)."""
    name = os.path.basename(path).lower()
    return ".jsonl" in name or ".ndjson" in name


class ReadInputs(beam.DoFn):
    """A file's lines to ``((id, path, line), input)``; unreadable lines to ``dead``.

    Args:
        text_inputs: The task's input names (``("text",)``, ``("question", "context")``, ...).
        choices_input: The input holding a list of strings (multiple choice), if any.
    """

    def __init__(self, text_inputs: tuple[str, ...], choices_input: str | None):
        self.text_inputs = tuple(text_inputs)
        self.choices_input = choices_input

    def process(self, path: str):
        jsonl = is_jsonl(path)
        with FileSystems.open(path) as f:
            for number, raw in enumerate(f, start=1):
                try:
                    line = raw.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError as err:
                    yield _dead(path, number, None, f"not valid UTF-8 ({err.reason})")
                    continue
                if jsonl and not line.strip():
                    continue  # blank lines between records
                try:
                    key, example = self._parse(path, number, line, jsonl)
                except ValueError as err:
                    yield _dead(path, number, getattr(err, "record_id", None), str(err))
                    continue
                yield key, example

    def _parse(self, path: str, number: int, line: str, jsonl: bool):
        names = self.text_inputs
        if not jsonl:
            if len(names) != 1:
                raise ValueError(f"a .txt line holds one text; this task needs {list(names)}")
            _check_text(line, "the line")
            return (f"{path}:{number}", path, number), line
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f"not JSON: {err}") from None
        if not isinstance(record, dict):
            raise ValueError(f"not a JSON object but {type(record).__name__}")
        record_id = record.get("id")
        if isinstance(record_id, bool) or not isinstance(record_id, (str, int)):
            raise ValueError(f"'id' must be a string or an integer, got {record_id!r:.60}")
        record_id = str(record_id)
        try:
            example = {name: self._field(record, name) for name in names}
        except ValueError as err:
            err.record_id = record_id
            raise
        return (record_id, path, number), example if len(names) > 1 else example[names[0]]

    def _field(self, record: dict, name: str):
        if name not in record:
            raise ValueError(f"no {name!r} field (the task needs {list(self.text_inputs)})")
        value = record[name]
        if name == self.choices_input:
            if not isinstance(value, list) or not value:
                raise ValueError(f"{name!r} must be a non-empty list of strings")
            for item in value:
                _check_text(item, repr(name))
            return value
        _check_text(value, repr(name))
        return value


def _check_text(value, what: str) -> None:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string, got {type(value).__name__} {value!r:.60}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise ValueError(f"{what} is not valid Unicode ({err.reason})") from None


def _dead(path: str, number: int, record_id, error: str):
    return beam.pvalue.TaggedOutput(
        "dead", {"input": f"{path}:{number}", "id": record_id, "error": error}
    )


class SplitResults(beam.DoFn):
    """``((id, path, line), PredictionResult)`` to a record, or to ``dead`` for a refused input."""

    def process(self, element):
        (record_id, path, number), prediction = element
        if isinstance(prediction.inference, InferenceFailure):
            yield _dead(path, number, record_id, prediction.inference.error)
            return
        yield {
            "id": record_id,
            "result": to_plain(prediction.inference),
            "_at": [path, number],
        }


def to_plain(value: Any) -> Any:
    """A result as JSON's types: arrays to lists, numpy scalars to Python numbers."""
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return value.tolist()
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


# Model batches per chunk of inputs handed to the pipeline at once: it sorts a chunk by token
# count, so a chunk of several batches pads less than batches cut by character length.
CHUNK_BATCHES = 8


def batch_group(key: tuple, example, boundaries: tuple[int, ...], groups: int) -> tuple[int, int]:
    """The batch group of an input: its length bucket, and its id's hash among ``groups``."""
    return bisect.bisect_right(boundaries, input_length(example)), shard_of(key[0], groups)


def form_batches(group, size: int):
    """A group's inputs, ordered by (length, id, file, line), in chunks of ``size``.

    Chunks made from the inputs alone, not from how a runner bundles them: a rerun runs the same
    inputs together, so its floats come out the same to the last bit. The pipeline then sorts
    each chunk by token count into model batches (:data:`CHUNK_BATCHES` per chunk).
    """
    _, items = group
    items = sorted(items, key=lambda kv: (input_length(kv[1]), kv[0]))
    for start in range(0, len(items), size):
        yield items[start : start + size]


class PreBatchedHandler(ModelHandler):
    """Runs a :class:`TaskModelHandler` on batches formed before ``RunInference`` (lists of
    ``(key, input)``), one batch per call, as they are: ``(key, PredictionResult)`` out.

    Args:
        handler: The task's handler.
    """

    def __init__(self, handler: TaskModelHandler):
        super().__init__(min_batch_size=1, max_batch_size=1)
        self.handler = handler

    def load_model(self):
        """The task's model (:meth:`TaskModelHandler.load_model`)."""
        return self.handler.load_model()

    def run_inference(self, batch, model, inference_args=None):
        """Each pre-formed batch through the task; results keyed as their inputs."""
        for items in batch:
            keys = [key for key, _ in items]
            predictions = self.handler.run_inference([x for _, x in items], model, inference_args)
            yield from zip(keys, predictions)

    def get_metrics_namespace(self) -> str:
        """The task handler's namespace."""
        return self.handler.get_metrics_namespace()


def shard_of(record_id: str, num_shards: int) -> int:
    """The shard an id goes to: stable across runs, processes and machines (CRC-32)."""
    return zlib.crc32(record_id.encode("utf-8")) % num_shards


class WriteShard(beam.DoFn):
    """``(shard, records)`` to one file, records in input order, written whole (a temporary
    name, then a rename).

    Args:
        output: The output folder.
        format: ``"jsonl"``, ``"parquet"`` or ``"tfrecord"``.
        num_shards: Shards in all (the file name says ``-of-NNNNN``).
    """

    def __init__(self, output: str, format: str, num_shards: int):
        self.output, self.format, self.num_shards = output, format, num_shards
        self.count = Metrics.counter(_NAMESPACE, "results")

    def process(self, element):
        shard, records = element
        records = sorted((r for r in records if r is not None), key=lambda r: tuple(r["_at"]))
        self.count.inc(len(records))
        records = [{k: v for k, v in r.items() if k != "_at"} for r in records]
        name = f"results-{shard:05d}-of-{self.num_shards:05d}.{self.format}"
        yield write_whole(FileSystems.join(self.output, name), ENCODERS[self.format](records))


class WriteDeadLetters(beam.DoFn):
    """All dead letters to one JSON Lines file (always written, empty when none), in input order."""

    def __init__(self, output: str):
        self.output = output
        self.count = Metrics.counter(_NAMESPACE, "failures")

    def process(self, element):
        _, letters = element
        letters = sorted((d for d in letters if d is not None), key=_input_order)
        self.count.inc(len(letters))
        yield write_whole(FileSystems.join(self.output, DEAD_LETTER), encode_jsonl(letters))


def _input_order(letter: dict):
    path, _, number = letter["input"].rpartition(":")
    return path, int(number)


def write_whole(path: str, data: bytes) -> str:
    """Writes ``data`` under a temporary name beside ``path`` and renames it into place."""
    folder, name = path.rsplit("/", 1) if "/" in path else ("", path)
    scratch = FileSystems.join(folder, f".{name}.{uuid.uuid4().hex}.partial") if folder else name
    with FileSystems.create(scratch) as f:
        f.write(data)
    if FileSystems.exists(path):
        FileSystems.delete([path])
    FileSystems.rename([scratch], [path])
    return path


def encode_jsonl(records: list[dict]) -> bytes:
    """One JSON object per line, UTF-8."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def encode_parquet(records: list[dict]) -> bytes:
    """A Parquet file of columns ``id`` (string) and ``result`` (the results' own types)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "id": pa.array([r["id"] for r in records], pa.string()),
            "result": pa.array([r["result"] for r in records]),
        }
    )
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def encode_tfrecord(records: list[dict]) -> bytes:
    """``tf.train.Example`` records: ``id`` (bytes) and ``result`` (a float list for a vector
    result such as an embedding, JSON bytes otherwise)."""
    import tempfile

    import tensorflow as tf

    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "shard.tfrecord")
        with tf.io.TFRecordWriter(path) as writer:
            for r in records:
                writer.write(_example(r).SerializeToString())
        with open(path, "rb") as f:
            return f.read()


def _example(record: dict):
    import tensorflow as tf

    result = record["result"]
    vector = isinstance(result, list) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in result
    )
    feature = (
        tf.train.Feature(float_list=tf.train.FloatList(value=result))
        if vector
        else tf.train.Feature(
            bytes_list=tf.train.BytesList(value=[json.dumps(result, ensure_ascii=False).encode()])
        )
    )
    record_id = tf.train.Feature(bytes_list=tf.train.BytesList(value=[record["id"].encode()]))
    return tf.train.Example(
        features=tf.train.Features(feature={"id": record_id, "result": feature})
    )


ENCODERS = {"jsonl": encode_jsonl, "parquet": encode_parquet, "tfrecord": encode_tfrecord}


def check_job_arguments(format: str, num_shards: int, length_buckets=None) -> None:
    """Raises ``ValueError`` naming a bad ``format``, ``num_shards`` or ``length_buckets``."""
    if format not in FORMATS:
        raise ValueError(f"format {format!r} is not one of {', '.join(FORMATS)}")
    if isinstance(num_shards, bool) or not isinstance(num_shards, int) or num_shards < 1:
        raise ValueError(f"num_shards {num_shards!r} must be a positive integer")
    if length_buckets is not None and (
        not all(isinstance(b, int) and not isinstance(b, bool) and b > 0 for b in length_buckets)
        or list(length_buckets) != sorted(length_buckets)
    ):
        raise ValueError(f"length_buckets {length_buckets!r} must be increasing positive integers")


def add_batch_job(
    pipeline: beam.Pipeline,
    handler: TaskModelHandler,
    files: list[str],
    output: str,
    format: str = "jsonl",
    num_shards: int = 8,
    length_buckets: list[int] | None = None,
):
    """Adds the job's transforms to ``pipeline``: ``files`` through ``handler`` to ``output``.

    Inputs are grouped by length bucket and id hash (``num_shards`` groups per bucket) and
    chunked in (length, id) order within a group, so batches, and so results, do not depend on the
    runner (see :func:`form_batches`).

    Args:
        pipeline: A Beam pipeline (any runner).
        handler: A :class:`TaskModelHandler`; failures are isolated whatever it was given.
        files: Input files (:func:`match_inputs`).
        output: The output folder.
        format: ``"jsonl"``, ``"parquet"`` or ``"tfrecord"``.
        num_shards: Result files to write.
        length_buckets: Character-length boundaries of the batch groups (default
            ``DEFAULT_BUCKETS``).

    Returns:
        The PCollection of paths written.

    Raises:
        ValueError: A bad ``format``, ``num_shards`` or ``length_buckets``.
    """
    check_job_arguments(format, num_shards, length_buckets)
    handler.isolate_failures = True
    task = handler.task
    boundaries = tuple(length_buckets or DEFAULT_BUCKETS)
    batch_size = handler.batch_elements_kwargs()["max_batch_size"]
    read = (
        pipeline
        | "Files" >> beam.Create(files)
        | "SpreadFiles" >> beam.Reshuffle()
        | "Read"
        >> beam.ParDo(ReadInputs(task.text_inputs, task.choices_input)).with_outputs(
            "dead", main="inputs"
        )
    )
    inferred = (
        read.inputs
        | "Group" >> beam.Map(lambda kv: (batch_group(*kv, boundaries, num_shards), kv))
        | "GroupByLength" >> beam.GroupByKey()
        | "Batch" >> beam.FlatMap(form_batches, batch_size * CHUNK_BATCHES)
        | "SpreadBatches" >> beam.Reshuffle()
        | "Infer" >> RunInference(PreBatchedHandler(handler))
        | "Split" >> beam.ParDo(SplitResults()).with_outputs("dead", main="results")
    )
    placeholders = pipeline | "Shards" >> beam.Create([(i, None) for i in range(num_shards)])
    written = (
        (
            inferred.results | "Key" >> beam.Map(lambda r: (shard_of(r["id"], num_shards), r)),
            placeholders,
        )
        | "AllShards" >> beam.Flatten()
        | "GroupShards" >> beam.GroupByKey()
        | "Write" >> beam.ParDo(WriteShard(output, format, num_shards))
    )
    dead_placeholder = pipeline | "DeadShard" >> beam.Create([(0, None)])
    dead = (
        (read.dead, inferred.dead)
        | "AllDead" >> beam.Flatten()
        | "KeyDead" >> beam.Map(lambda d: (0, d))
    )
    dead_written = (
        (dead, dead_placeholder)
        | "DeadAndPlaceholder" >> beam.Flatten()
        | "GroupDead" >> beam.GroupByKey()
        | "WriteDead" >> beam.ParDo(WriteDeadLetters(output))
    )
    return (written, dead_written) | "Written" >> beam.Flatten()


def run_batch_job(
    task: str,
    model: str | None,
    input: str,
    output: str,
    *,
    format: str = "jsonl",
    num_shards: int = 8,
    options: dict | None = None,
    labels: list[str] | None = None,
    batch_size: int = 32,
    length_buckets: list[int] | None = None,
    threads: int | None = None,
    precision: str = "float32",
    pipeline_args: list[str] | None = None,
) -> BatchSummary:
    """Runs ``task`` over every input in the files ``input`` names; waits for the job to finish.

    Args:
        task: A task name.
        model: Checkpoint folder or hub id, or a SavedModel from ``tfbert export``; ``None``: the
            embedding tasks' default. Every worker must be able to read it.
        input: Files: a glob with ``{a,b}`` alternatives (``"corpus-*.{txt,jsonl}"``), on any
            file system Beam reads (local, ``gs://``, ``s3://``, ``hdfs://``).
        output: The output folder (created; files of the same names in it are replaced).
        format: ``"jsonl"``, ``"parquet"`` or ``"tfrecord"``.
        num_shards: Result files to write (fixed, so a rerun writes the same files).
        options: The task's options (:func:`tfbert.pipeline`'s).
        labels: Label names (text-classification ``top_k`` on a SavedModel).
        batch_size: Inputs per model call (fewer in a length group's last batch).
        length_buckets: Character-length boundaries of the batch groups (inputs of similar length
            run together; default ``DEFAULT_BUCKETS``).
        threads: TensorFlow threads per worker process (see :class:`TaskModelHandler`).
        precision: ``"float32"`` or ``"int8"`` (a checkpoint's model in int8 on LiteRT).
        pipeline_args: Beam pipeline options as command-line arguments (``--runner``,
            ``--direct_num_workers``, ``--project``, ...).

    Returns:
        A :class:`BatchSummary`.

    Raises:
        ValueError: An unknown task, format or option, a bad ``num_shards`` or ``batch_size``, or
            an ``input`` that matches no files.

    Example:
        >>> import os, tempfile
        >>> from tfbert.beam import run_batch_job
        >>> folder = tempfile.mkdtemp()
        >>> with open(os.path.join(folder, "corpus.txt"), "w") as f:
        ...     _ = f.write("A cat sits.\\nA dog runs.\\n")
        >>> summary = run_batch_job(
        ...     "sentence-embedding", None, os.path.join(folder, "*.txt"),
        ...     os.path.join(folder, "out"), num_shards=2,
        ... )
        >>> summary.results, summary.failures
        (2, 0)
        >>> [os.path.basename(path) for path in summary.files][-2:]
        ['results-00001-of-00002.jsonl', 'dead-letter-00000-of-00001.jsonl']
    """
    from apache_beam.options.pipeline_options import PipelineOptions

    check_job_arguments(format, num_shards, length_buckets)
    handler = TaskModelHandler(
        task,
        model,
        options=options,
        labels=labels,
        max_batch_size=batch_size,
        isolate_failures=True,
        threads=threads,
        precision=precision,
    )
    files = match_inputs(input)
    if not FileSystems.exists(output):
        FileSystems.mkdirs(output)
    pipeline = beam.Pipeline(options=PipelineOptions(pipeline_args or []))
    add_batch_job(
        pipeline,
        handler,
        files,
        output,
        format=format,
        num_shards=num_shards,
        length_buckets=length_buckets,
    )
    result = pipeline.run()
    result.wait_until_finish()
    names = [f"results-{i:05d}-of-{num_shards:05d}.{format}" for i in range(num_shards)]
    return BatchSummary(
        _counter(result, "results"),
        _counter(result, "failures"),
        [FileSystems.join(output, name) for name in [*names, DEAD_LETTER]],
    )


def _counter(result, name: str) -> int | None:
    from apache_beam.metrics.metric import MetricsFilter

    try:
        counters = result.metrics().query(
            MetricsFilter().with_namespace(_NAMESPACE).with_name(name)
        )
    except (NotImplementedError, AttributeError, ValueError):  # runners without metrics
        return None
    found = counters.get("counters", [])
    values = [c.committed if c.committed is not None else c.attempted for c in found]
    return sum(v or 0 for v in values) if found else 0
