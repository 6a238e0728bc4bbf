"""The pipeline's int8 route: a task's model as a dynamic-range int8 ``.tflite``, run by LiteRT.

``tfbert.pipeline(..., precision="int8")`` keeps the task graph's tokenizer and post-processing
in TensorFlow and runs the model between them on LiteRT's interpreter (the ``ai-edge-litert``
package; XNNPACK on CPU): the model's forward call is converted once, when the pipeline is made,
with TFLite's dynamic-range quantization. Its matmul weights become int8 with one scale per output
channel; each matmul's activations are rounded to int8 per row (token) on the fly, in the same
kernel, and the product is dequantized to float32. Embeddings, LayerNorm, softmax and attention's
own matmuls stay float32.

Why not TensorFlow's own int8 matmul (:mod:`tfbert.quantization`, which ``tfbert export
--quantize int8`` writes into SavedModels): oneDNN's quantized matmul takes one activation scale
per call, so per-row rounding costs a dozen separate TensorFlow ops around each matmul, and they
eat most of its gain; XNNPACK fuses them (``benchmarks/int8_candidates.py``: 2.0x float32 on
token ids where the oneDNN route gives 1.1-1.2x, on the same machine).

Tasks that run their model their own way (text generation's decoding loop) keep the oneDNN route.
"""

from __future__ import annotations

import os
import tempfile
import threading

import numpy as np
import tensorflow as tf

from tfbert.tasks.base import Task
from tfbert.tasks.graph import MODEL_KEYS, TaskGraph, tf_variables

INSTALL_HINT = "pip install 'tfbert[int8]' (the ai-edge-litert package)"


def runs_on_litert(task: Task) -> bool:
    """Whether ``task``'s int8 pipeline runs on LiteRT: its model is one forward call (not text
    generation's loop, which keeps :func:`tfbert.quantization.quantize_int8`).

    Example:
        >>> from tfbert.tasks.registry import get_task
        >>> [runs_on_litert(get_task(name)) for name in ("sentence-embedding", "summarization")]
        [True, False]
    """
    return type(task).run_model is Task.run_model


def convert_model(graph: TaskGraph) -> bytes:
    """``graph``'s model (its forward call, model inputs to outputs by name) as a dynamic-range
    int8 ``.tflite`` flatbuffer of TFLite builtin ops.

    Args:
        graph: A float32 task graph whose task :func:`runs_on_litert`.

    Returns:
        The flatbuffer; its one signature takes ``input_ids``, ``attention_mask`` and
        ``token_type_ids`` (int32, ``(batch, tokens)``, or ``(batch, choices, tokens)`` for
        multiple choice) and returns the model's output tensors by name.
    """
    rank = 3 if graph.choices_input else 2
    specs = {k: tf.TensorSpec([None] * rank, tf.int32, name=k) for k in MODEL_KEYS}

    def forward(**features):
        outputs = graph.spec.run_model(graph.model, features, **graph.model_options)
        return {k: v for k, v in outputs.items() if isinstance(v, tf.Tensor)}

    holder = tf.Module()
    holder.model_variables = tf_variables(graph.model)
    function = tf.function(forward).get_concrete_function(**specs)
    # Through a SavedModel, as tfbert export converts (from the concrete function alone, the
    # converter keeps the variables as READ_VARIABLE ops that nothing initialises).
    with tempfile.TemporaryDirectory(prefix="tfbert-int8-") as folder:
        tf.saved_model.save(holder, folder, signatures={"serving_default": function})
        converter = tf.lite.TFLiteConverter.from_saved_model(folder)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        converter.optimizations = [tf.lite.Optimize.DEFAULT]  # no dataset: dynamic range
        return converter.convert()


def default_threads() -> int:
    """The interpreter's threads: TensorFlow's intra-op setting when one is set (the Beam
    handler's ``threads``), else every CPU this process may use."""
    configured = tf.config.threading.get_intra_op_parallelism_threads()
    if configured:
        return configured
    if hasattr(os, "sched_getaffinity"):  # Linux: the CPUs this process may run on
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class LiteRTModel:
    """A converted model in LiteRT's interpreter: numpy model inputs in, numpy outputs out.

    One interpreter, resized to each call's shapes; calls from several threads take turns.

    Args:
        flatbuffer: From :func:`convert_model`.
        threads: Interpreter threads (:func:`default_threads` when ``None``).

    Raises:
        ImportError: ai-edge-litert is not installed (the message says how to install it).
    """

    def __init__(self, flatbuffer: bytes, threads: int | None = None):
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            raise ImportError(f"precision='int8' runs models on LiteRT: {INSTALL_HINT}") from None
        self.threads = threads or default_threads()
        self._interpreter = Interpreter(model_content=flatbuffer, num_threads=self.threads)
        self._runner = self._interpreter.get_signature_runner()
        self._lock = threading.Lock()

    def __call__(self, features: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        feed = {k: np.asarray(features[k], np.int32) for k in MODEL_KEYS}
        with self._lock:
            return dict(self._runner(**feed))


def litert_runner(graph: TaskGraph, model: LiteRTModel):
    """``graph`` as the pipeline runs it, with ``model`` (LiteRT) in place of its Keras model:
    a callable from the pipeline's dict of string tensors to the graph's dict of results."""
    encode = tf.function(graph.encode, input_signature=[graph.text_specs()])
    finish = tf.function(graph.results, reduce_retracing=True)

    def run(texts: dict) -> dict:
        encoded, strings = encode(texts)
        outputs = model({k: encoded[k].numpy() for k in MODEL_KEYS})
        return finish({k: tf.constant(v) for k, v in outputs.items()}, encoded, strings)

    return run
