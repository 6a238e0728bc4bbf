"""Task graphs out of Python: one SavedModel for TF Serving, one ``.tflite`` per task.

Both carry the task graph (:class:`tfbert.tasks.TaskGraph`: tokenizer, model, post-processing)
behind up to two signatures (see :func:`supported_signatures`):

* ``serving_default``: the graph's string inputs (``text``; ``text``/``text_pair``;
  ``question``/``context``), each a 1-D ``tf.string`` batch, to the task's named results;
* ``token_ids``: ``input_ids``, ``attention_mask`` and ``token_type_ids`` (int32,
  ``[batch, tokens]``) to the same results, for clients that tokenize themselves.

The SavedModel is written with ``tf.saved_model.save`` of a plain ``tf.Module`` holding the
variables, the tokenizer's lookup tables and the concrete functions: it loads with
``tensorflow`` and ``tensorflow_text`` alone (no tfbert, no Keras, nothing to unpickle) and its ops
are TensorFlow core and tf-text ops, the set the TF Serving binary links. The vocabulary is inside
(graph constants) and beside it as ``assets/vocab.txt``.

The ``.tflite`` is converted from a SavedModel of the same signatures whose string work runs on
tf-text's TFLite kernels (``tensorflow_text.tflite_registrar``) and builtin ops:
:class:`tfbert.tokenizer.tflite_encoding.TFLiteTextOps` tokenizes (``FastBertNormalize``,
``FastWordpieceTokenizeWithOffsets``, ``ByteSplit*``), decodes fill-mask's ``token_str`` and
``sequence`` (``NgramsStringJoin``) and cuts question answering's answers
(``ByteSplitByOffsets``). It is converted without TensorFlow select ops, so it runs in
TensorFlow's interpreter and ai-edge-litert with tf-text's kernels registered. Its tokenizer is
tf-text's normaliser and WordPiece, which differ from ``BertTokenizerFast`` on a few characters
(``…``, compatibility and control characters; see ``export/README.md``). Tasks whose
post-processing still needs TensorFlow string ops (token classification: words cut and joined;
multiple choice) are converted with select (Flex) ops instead, with a warning: such a file needs
an interpreter built with the Flex delegate.
"""

from __future__ import annotations

import os
import tempfile
import warnings

import tensorflow as tf

from tfbert.files import atomic_dir, atomic_path
from tfbert.quantization import is_quantized, quantize_int8
from tfbert.tasks.base import SIGNATURES
from tfbert.tasks.graph import MODEL_KEYS, TaskGraph, tf_variables

FORMATS = ("saved_model", "tflite")
QUANTIZATIONS = ("none", "dynamic", "float16", "int8")  # int8: SavedModel (tfbert.quantization)
IDS_SIGNATURE = SIGNATURES[1]  # "token_ids"
_CONTEXT_OPTIONS = ("labels", "mask_token")  # what build_task_graph hands back for formatting
# Custom ops with a TFLite kernel in tensorflow_text.tflite_registrar (tensorflow-text 2.21) that
# tfbert's exports may use.
TFTEXT_TFLITE_KERNELS = frozenset(
    {
        "FastBertNormalize",
        "FastWordpieceTokenizeWithOffsets",
        "RaggedTensorToTensor",
        "TFText>ByteSplitByOffsets",
        "TFText>ByteSplitWithOffsets",
        "TFText>FastWordpieceDetokenize",
        "TFText>NgramsStringJoin",
        "TFText>RoundRobinGenerateMasks",
        "TFText>RoundRobinTrim",
        "TFText>FastSentencepieceTokenize",
        "TFText>FastSentencepieceDetokenize",
    }
)


def supported_signatures(graph: TaskGraph) -> tuple[str, ...]:
    """The signatures an export of ``graph`` can carry: its task's
    :meth:`~tfbert.tasks.base.Task.signatures`.

    ``token_ids`` needs a post-processing that reads ids alone: not question answering or token
    classification (they cut answers and words out of the input strings), not multiple choice
    (three-dimensional ids).

    Args:
        graph: A :class:`TaskGraph`.

    Returns:
        ``("serving_default", "token_ids")`` or ``("serving_default",)``.
    """
    return graph.spec.signatures()


def serving_functions(
    graph: TaskGraph, signatures=SIGNATURES
) -> dict[str, tf.types.experimental.ConcreteFunction]:
    """The signatures of an export, as concrete functions.

    Args:
        graph: A :class:`TaskGraph`.
        signatures: Which to trace, some of ``("serving_default", "token_ids")``.

    Returns:
        ``{"serving_default": strings -> results, "token_ids": ids -> results}`` (those asked for).
    """
    functions = {}
    if "serving_default" in signatures:
        functions["serving_default"] = graph.serving_function()
    if IDS_SIGNATURE in signatures:
        functions[IDS_SIGNATURE] = _ids_function(graph)
    return functions


def _ids_function(graph: TaskGraph, text_ops=None) -> tf.types.experimental.ConcreteFunction:
    """The ``token_ids`` signature: int32 ``[batch, tokens]`` model inputs to the task's results."""
    ids_spec = {k: tf.TensorSpec([None, None], tf.int32, name=k) for k in MODEL_KEYS}
    ids_fn = tf.function(lambda **features: graph.run_on_ids(features, text_ops=text_ops))
    return ids_fn.get_concrete_function(**ids_spec)


def tflite_functions(graph: TaskGraph, signatures=SIGNATURES):
    """The signatures of a ``.tflite``, as concrete functions whose string work (tokenizing,
    decoding, cutting answers) uses tf-text's TFLite kernels.

    Args:
        graph: A :class:`TaskGraph`.
        signatures: Which to trace, some of ``("serving_default", "token_ids")``.

    Returns:
        ``(text_ops, functions)``: the :class:`~tfbert.tokenizer.tflite_encoding.TFLiteTextOps`
        the functions use, and ``{name: concrete function}``.

    Raises:
        ValueError: The tokenizer's options are ones tf-text's kernels cannot follow.
    """
    from tfbert.tokenizer.tflite_encoding import TFLiteTextOps

    text_ops = TFLiteTextOps(graph.tokenizer, max_length=graph.tokenizer_options.get("max_length"))
    functions = {}
    if "serving_default" in signatures:
        if not graph.spec.tflite_tokenizes():  # e.g. several alternatives per input
            functions["serving_default"] = graph.serving_function()
        else:

            def serve(**texts):
                values = [texts[name] for name in graph.text_inputs]
                encoded = text_ops.encode(*values, **graph.tokenizer_options)
                return graph.run_on_ids(encoded, values, text_ops=text_ops)

            spec = {name: tf.TensorSpec([None], tf.string, name=name) for name in graph.text_inputs}
            functions["serving_default"] = tf.function(serve).get_concrete_function(**spec)
    if IDS_SIGNATURE in signatures:
        functions[IDS_SIGNATURE] = _ids_function(graph, text_ops)
    return text_ops, functions


def _resources(graph: TaskGraph) -> list:
    """The TensorFlow state the graph captures besides Keras variables (the tokenizer's tables)."""
    import keras

    found = []
    for layer in graph._flatten_layers(include_self=True):
        for value in vars(layer).values():
            keras_object = isinstance(value, (keras.layers.Layer, keras.Variable))
            if isinstance(value, tf.Module) and not keras_object:
                found.append(value)
    return found


def _servable(
    graph: TaskGraph, vocab_file: str, signatures, for_tflite: bool = False
) -> tuple[tf.Module, dict]:
    """A Keras-free ``tf.Module`` holding what the signatures need, and the signatures."""
    root = tf.Module(name=graph.name)
    if for_tflite:
        root.text_ops, functions = tflite_functions(graph, signatures)
    else:
        functions = serving_functions(graph, signatures)
    root.model_variables = tf_variables(graph)  # not Keras' wrappers (see tf_variables)
    if "serving_default" in functions:  # the tokenizer's tables; the ids signature has none
        root.resources = _resources(graph)
    root.vocabulary = tf.saved_model.Asset(vocab_file)
    # Attributes named after the signatures, but not ``serve``: the TFLite converter takes a
    # ``serve`` attribute for Keras' ``model.export`` default endpoint and drops the others.
    for name, function in functions.items():
        setattr(root, f"signature_{name}", function)
    return root, functions


def _write_saved_model(
    graph: TaskGraph, path: str, scratch: str, signatures=SIGNATURES, for_tflite: bool = False
) -> None:
    vocab_file = os.path.join(scratch, "vocab.txt")
    with open(vocab_file, "w", encoding="utf-8") as f:
        f.write("".join(token + "\n" for token in graph.tokenizer.vocab))
    root, functions = _servable(graph, vocab_file, signatures, for_tflite)
    try:
        tf.saved_model.save(root, path, signatures=functions)
    except AssertionError as error:  # TensorFlow's "untracked resource" report
        raise ValueError(
            f"{graph.task}: the graph uses TensorFlow state tfbert.export does not "
            f"find on its layers: {error}"
        ) from None


def _converter(
    saved_model: str, quantize: str, signatures, select_ops: bool = False
) -> tf.lite.TFLiteConverter:
    converter = tf.lite.TFLiteConverter.from_saved_model(
        saved_model, signature_keys=list(signatures)
    )
    # Without SELECT_TF_OPS, RaggedTensorToTensor goes to tf-text's kernel rather than Flex.
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS] + (
        [tf.lite.OpsSet.SELECT_TF_OPS] if select_ops else []
    )
    converter.allow_custom_ops = True  # tf-text ops, run by tensorflow_text.tflite_registrar
    if quantize != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":
        converter.target_spec.supported_types = [tf.float16]
    return converter


def tflite_ops(flatbuffer: bytes) -> dict[str, list[str]]:
    """The ops a ``.tflite`` holds, by what runs them.

    Args:
        flatbuffer: The model's bytes.

    Returns:
        ``{"builtin": [...], "tftext": [...], "other": [...]}``: TFLite builtins, custom ops
        with a kernel in ``tensorflow_text.tflite_registrar`` (:data:`TFTEXT_TFLITE_KERNELS`), and
        the rest: ``Flex*`` select ops and TensorFlow ops the converter could not lower.
    """
    from tensorflow.lite.python import schema_py_generated as schema

    model = schema.Model.GetRootAsModel(flatbuffer, 0)
    names = {
        code: name
        for name, code in vars(schema.BuiltinOperator).items()
        if not name.startswith("_")
    }
    found = {"builtin": set(), "tftext": set(), "other": set()}
    for i in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(i)
        builtin = names.get(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()))
        if builtin != "CUSTOM":
            found["builtin"].add(builtin)
        else:
            custom = code.CustomCode().decode()
            found["tftext" if custom in TFTEXT_TFLITE_KERNELS else "other"].add(custom)
    return {kind: sorted(ops) for kind, ops in found.items()}


def _check_choice(name: str, value: str, choices) -> None:
    if value not in choices:
        raise ValueError(f"{name} {value!r} is not one of {', '.join(choices)}")


def _check_target(output, format: str, quantize: str, version) -> str:
    """Checks the export arguments that need nothing loaded; returns ``output`` as a str.

    Raises:
        ValueError: Names the argument and what was expected.
    """
    _check_choice("format", format, FORMATS)
    _check_choice("quantize", quantize, QUANTIZATIONS)
    if not isinstance(output, (str, os.PathLike)) or not os.fspath(output):
        raise ValueError(
            f"output {output!r} must be a non-empty path (a folder for a SavedModel, "
            f"a .tflite file for TFLite)"
        )
    output = os.fspath(output)
    parent = os.path.dirname(os.path.abspath(output))
    while parent and not os.path.exists(parent):
        parent = os.path.dirname(parent) if os.path.dirname(parent) != parent else ""
    if parent and not os.path.isdir(parent):
        raise ValueError(f"output {output} lies under {parent}, which is a file, not a folder")
    if format == "tflite":
        if quantize == "int8":
            raise ValueError("quantize='int8' is for SavedModels; a .tflite takes 'dynamic'")
        if not output.endswith(".tflite"):
            raise ValueError(f"output {output!r} must be a .tflite file path for format='tflite'")
        return output
    if quantize not in ("none", "int8"):
        raise ValueError(
            f"quantize={quantize!r} applies to format='tflite'; a SavedModel takes 'none' or 'int8'"
        )
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(
            f"version {version!r} must be a positive integer (TF Serving's version folder)"
        )
    if os.path.isfile(output):
        raise ValueError(f"output {output} is a file; a SavedModel export needs a folder")
    return output


def _signature_names(signatures) -> tuple[str, ...]:
    if isinstance(signatures, str):  # one name, not its characters
        return (signatures,)
    if isinstance(signatures, (list, tuple, set, frozenset)):
        return tuple(signatures)
    raise ValueError(
        f"signatures {signatures!r} must be a list of names, some of {', '.join(SIGNATURES)}"
    )


def _check_free(path: str, overwrite: bool, what: str) -> None:
    if os.path.isdir(path) and os.listdir(path) and not overwrite:
        raise FileExistsError(
            f"{what} {path} exists and is not empty; pass overwrite=True "
            f"(--overwrite) to replace it"
        )
    if os.path.isfile(path) and not overwrite:
        raise FileExistsError(
            f"{what} {path} exists; pass overwrite=True (--overwrite) to replace it"
        )


def export_graph(
    graph: TaskGraph,
    output: str,
    format: str = "saved_model",
    quantize: str = "none",
    version: int = 1,
    overwrite: bool = False,
    signatures=None,
) -> str:
    """Writes a task graph as a TF Serving SavedModel or a ``.tflite`` file.

    Args:
        graph: A :class:`TaskGraph` (from :func:`tfbert.tasks.build_task_graph`).
        output: For ``"saved_model"``, the model folder TF Serving watches: the SavedModel goes to
            ``output/<version>/`` (other versions already there are kept). For ``"tflite"``, the
            ``.tflite`` file to write.
        format: ``"saved_model"`` or ``"tflite"``.
        quantize: ``"none"``, ``"dynamic"`` (int8 weights) or ``"float16"`` (TFLite);
            ``"int8"`` (SavedModel: the encoder's matmuls in int8 on oneDNN, see
            :mod:`tfbert.quantization`; ``graph``'s model is quantized in place).
        version: The SavedModel's version folder, a positive integer.
        overwrite: Replace what is at the target; otherwise a non-empty target is an error.
        signatures: The signatures to write, some of ``("serving_default", "token_ids")``;
            ``None`` writes all that the task supports (:func:`supported_signatures`). A
            ``.tflite`` of ``("token_ids",)`` alone leaves the tokenizer out, so it needs no
            tf-text kernels (see ``export/README.md``).

    A ``.tflite`` tokenizes, decodes and cuts answers with
    :class:`~tfbert.tokenizer.tflite_encoding.TFLiteTextOps` (tf-text's TFLite kernels; a few
    characters differ from ``BertTokenizerFast``, see ``export/README.md``) and is converted
    without TensorFlow select ops; a task whose post-processing still needs them
    (token classification, multiple choice) is converted with them, with a warning.

    Returns:
        The path written: ``output/<version>`` or the ``.tflite`` file.

    Raises:
        ValueError: Unknown ``format``, ``quantize`` or signature, a signature the task cannot
            carry, quantization asked of a
            SavedModel, a bad ``version``, a ``.tflite`` path without that suffix, ``output``
            not a path, a file (SavedModel) or under a file, or (``.tflite``) tokenizer options
            tf-text's kernels cannot follow.
        FileExistsError: The target exists and is not empty, and ``overwrite`` is false.

    Nothing is left half-written at the target: the export is built in a temporary folder beside
    it and renamed into place when complete.
    """
    output = _check_target(output, format, quantize, version)
    supported = supported_signatures(graph)
    signatures = supported if signatures is None else _signature_names(signatures)
    for name in signatures:
        _check_choice("signature", name, SIGNATURES)
        if name not in supported:
            raise ValueError(
                f"{graph.task} cannot carry the {name} signature: its results are "
                f"cut out of the input strings (or its ids are per choice)"
            )
    if not signatures:
        raise ValueError(f"signatures is empty; expected some of {', '.join(SIGNATURES)}")
    if format == "saved_model":
        if os.path.isdir(output) and not overwrite:
            others = [name for name in os.listdir(output) if not name.isdigit()]
            if others:
                raise FileExistsError(
                    f"output folder {output} is not empty and holds {sorted(others)}, "
                    f"not TF Serving version folders; pass overwrite=True "
                    f"(--overwrite) or choose an empty folder"
                )
        target = os.path.join(output, str(version))
        _check_free(target, overwrite, "version folder")
        if quantize == "int8" and not is_quantized(graph.model):
            quantize_int8(graph.model)
        # built beside OUTPUT, then merged in: other version folders stay, this one is replaced
        with tempfile.TemporaryDirectory() as scratch, atomic_dir(output, merge=1) as built:
            _write_saved_model(graph, os.path.join(built, str(version)), scratch, signatures)
        return target

    _check_free(output, overwrite, "output")
    with tempfile.TemporaryDirectory() as scratch:
        saved = os.path.join(scratch, "saved_model")
        _write_saved_model(graph, saved, scratch, signatures, for_tflite=True)
        flatbuffer = _converter(saved, quantize, signatures).convert()
        missing = tflite_ops(flatbuffer)["other"]
        if missing:
            warnings.warn(
                f"{graph.task}: the .tflite needs TensorFlow select (Flex) ops for "
                f"{', '.join(missing)}; it runs only in an interpreter built with the Flex "
                f"delegate (see export/README.md)",
                stacklevel=2,
            )
            flatbuffer = _converter(saved, quantize, signatures, select_ops=True).convert()
    with atomic_path(output) as built:
        with open(built, "wb") as f:
            f.write(flatbuffer)
    return output


def export_task(
    task: str,
    model: str | None,
    output: str,
    format: str = "saved_model",
    quantize: str = "none",
    max_length: int | None = None,
    version: int = 1,
    overwrite: bool = False,
    signatures=None,
    **task_options,
) -> str:
    """Builds ``task``'s graph from a checkpoint and exports it (``tfbert export``).

    Args:
        task: A task name (``"sentence-embedding"``, ``"fill-mask"``, ``"text-classification"``,
            ...; see :data:`tfbert.tasks.TASKS`).
        model: Checkpoint folder or hub id; ``None`` takes the embedding tasks' default
            (all-MiniLM-L6-v2).
        output: See :func:`export_graph`.
        format: ``"saved_model"`` or ``"tflite"``.
        quantize: ``"none"``, ``"dynamic"`` or ``"float16"`` (TFLite), ``"int8"`` (SavedModel).
        max_length: Truncate inputs to this many tokens (default: the task's or tokenizer's).
        version: The SavedModel's version folder.
        overwrite: Replace an existing export.
        signatures: Some of ``("serving_default", "token_ids")``; ``None``: all the task supports
            (see :func:`export_graph`).
        **task_options: The task's graph options (``top_k``, ``targets``, ``function_to_apply``,
            ``normalize``, ``tokenizer``).

    Returns:
        The path written (see :func:`export_graph`).

    Raises:
        ValueError: Unknown task, a checkpoint without the task's head, an option the task's graph
            does not take, or a bad export argument (see :func:`export_graph`).
        FileNotFoundError: No checkpoint or tokenizer files at ``model``.
        FileExistsError: The target exists and is not empty, and ``overwrite`` is false.

    Example:
        >>> import os, tempfile
        >>> import tensorflow as tf
        >>> from tfbert.export import export_task
        >>> out = os.path.join(tempfile.mkdtemp(), "sentence-embedding")
        >>> export_task("sentence-embedding", None, out)  # all-MiniLM-L6-v2  # doctest: +ELLIPSIS
        '.../sentence-embedding/1'
        >>> served = tf.saved_model.load(os.path.join(out, "1")).signatures["serving_default"]
        >>> served(text=tf.constant(["A cat sits.", "A dog runs."]))["embeddings"].shape
        TensorShape([2, 384])
    """
    from tfbert.tasks.pipeline import build_task_graph

    # Check the cheap arguments before loading anything.
    _check_target(output, format, quantize, version)
    if signatures is not None:
        for name in _signature_names(signatures):
            _check_choice("signature", name, SIGNATURES)
    if max_length is not None:
        if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
            raise ValueError(f"max_length {max_length!r} must be a positive integer or None")
        task_options["max_length"] = max_length
    graph, rest = build_task_graph(task, model, **task_options)
    unused = sorted(set(rest) - set(_CONTEXT_OPTIONS))
    if unused:
        raise ValueError(
            f"{graph.task} export does not take options {unused}; its graph options "
            f"are consumed by tfbert.tasks.build_task_graph"
        )
    return export_graph(
        graph,
        output,
        format=format,
        quantize=quantize,
        version=version,
        overwrite=overwrite,
        signatures=signatures,
    )
