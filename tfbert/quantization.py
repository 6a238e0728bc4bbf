"""int8 inference on CPU: the encoder's matmuls on oneDNN's u8 x s8 kernels (AVX-512 VNNI).

:func:`quantize_int8` turns a loaded model's encoder ``Dense`` layers (query, key, value,
attention output, intermediate, output) into int8 layers, in place:

* weights: int8 with one scale per output channel (Keras' ``Dense.quantize("int8")``: abs-max,
  the float32 kernel is dropped, so a SavedModel carries int8 kernels);
* activations: rounded on the fly to uint8, each row (token) from its own minimum to its maximum
  (``activations="per-row"``, the default; see :func:`int8_matmul` for the others);
* the product: ``QuantizedMatMulWithBiasAndDequantize``, a TensorFlow core op that TensorFlow's
  oneDNN build runs as a u8 x s8 -> s32 inner product (``brgemm:avx512_core_vnni`` on a CPU with
  VNNI, as ``ONEDNN_VERBOSE=1`` shows), dequantized to float32.

The kernel takes one activation scale per call, so it runs with a step of 1 and each row's step,
its shift (``x - min(x)``, which makes the inputs non-negative) and the per-channel weight scales
are applied to its float32 output (the shift as ``min(x) * column sums of the int8 kernel``).
Embeddings, LayerNorm, attention's own matmuls, softmax, the pooler and the heads stay float32.

Who uses it: ``tfbert export --quantize int8`` (a SavedModel must hold TensorFlow ops) and the
int8 pipeline of text generation (its decoding loop runs in TensorFlow). The other tasks' int8
pipeline runs the model on LiteRT instead (:mod:`tfbert.tasks.litert_int8`), which fuses the
per-row rounding into its matmul kernels and is faster (``benchmarks/int8_candidates.py``).

A SavedModel of a quantized graph holds only TensorFlow core ops: it loads with TensorFlow alone
(and tf-text for its tokenizer); it runs where TensorFlow's oneDNN kernels are on, TensorFlow's
default on x86-64 Linux (``TF_ENABLE_ONEDNN_OPTS=0`` turns them off, and the quantized matmul
with them).
"""

from __future__ import annotations

import types

import keras
import tensorflow as tf

PRECISIONS = ("float32", "int8")
# The encoder's Dense layers, by the last part of their path (transformers' names).
_ENCODER_DENSE = ("query", "key", "value", "dense")
ACTIVATION_MODES = ("per-row", "per-row-symmetric", "per-tensor")
ACTIVATIONS = "per-row"  # the default: see benchmarks/int8_candidates.py


def check_precision(precision: str) -> str:
    """Checks a ``precision`` argument.

    Args:
        precision: ``"float32"`` or ``"int8"``.

    Returns:
        ``precision``.

    Raises:
        ValueError: Anything else.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision {precision!r} is not one of {', '.join(PRECISIONS)}")
    return precision


def encoder_dense_layers(model: keras.Model) -> list[keras.layers.Dense]:
    """The ``Dense`` layers of ``model``'s Transformer encoder (not embeddings, pooler or heads).

    Args:
        model: A built ``TFBert*`` model.

    Returns:
        The layers, in the model's order.
    """
    return [
        layer
        for layer in model._flatten_layers(include_self=False)
        if isinstance(layer, keras.layers.Dense)
        and layer.built
        and "/encoder/" in layer.path
        and layer.path.rsplit("/", 1)[-1] in _ENCODER_DENSE
    ]


def quantize_int8(model: keras.Model, activations: str = ACTIVATIONS) -> int:
    """Quantizes ``model``'s encoder matmuls to int8, in place (see the module's docstring).

    Args:
        model: A built float32 ``TFBert*`` model (from ``from_pretrained`` or a config).
        activations: How activations are rounded to 8 bits (see :func:`int8_matmul`).

    Returns:
        How many ``Dense`` layers were quantized.

    Raises:
        ValueError: The model is not float32, has no built encoder ``Dense`` layers, or was
            quantized already.

    Example:
        >>> import numpy as np
        >>> import tfbert
        >>> from tfbert.quantization import quantize_int8
        >>> config = tfbert.BertConfig(vocab_size=99, hidden_size=32, num_hidden_layers=2,
        ...     num_attention_heads=4, intermediate_size=64)
        >>> model = tfbert.TFBertModel(config)
        >>> ids = np.array([[2, 7, 9, 3]], dtype="int32")  # the first call builds the model
        >>> before = model(ids).last_hidden_state.numpy()
        >>> quantize_int8(model)
        12
        >>> after = model(ids).last_hidden_state.numpy()
        >>> bool(np.abs(after - before).max() < 0.1)
        True
    """
    if activations not in ACTIVATION_MODES:
        raise ValueError(f"activations {activations!r} is not one of {', '.join(ACTIVATION_MODES)}")
    layers = encoder_dense_layers(model)
    if not layers:
        raise ValueError(
            f"{model.name} has no built encoder Dense layers to quantize (load it with "
            f"from_pretrained or call it once first)"
        )
    for layer in layers:
        if layer.quantization_mode is not None:
            raise ValueError(f"{layer.path} is quantized already ({layer.quantization_mode})")
        if layer.dtype_policy.name != "float32":
            raise ValueError(
                f"{layer.path} runs in {layer.dtype_policy.name}; int8 quantization needs a "
                f"float32 model"
            )
    for layer in layers:
        layer.quantize("int8")  # int8 kernel, per-channel kernel_scale; the float kernel goes
        layer._tfbert_int8_activations = activations
        layer._int8_call = types.MethodType(_onednn_int8_call, layer)
    return len(layers)


def is_quantized(model: keras.Model) -> bool:
    """Whether :func:`quantize_int8` ran on ``model``.

    Args:
        model: A ``TFBert*`` model.

    Returns:
        ``True`` when its encoder's ``Dense`` layers are int8.
    """
    layers = encoder_dense_layers(model)
    return bool(layers) and all(layer.quantization_mode == "int8" for layer in layers)


def int8_matmul(
    inputs: tf.Tensor,
    kernel: tf.Tensor,
    scale: tf.Tensor,
    bias: tf.Tensor,
    activations: str = ACTIVATIONS,
) -> tf.Tensor:
    """``inputs @ (kernel / scale) + bias`` on oneDNN's u8 x s8 inner product.

    Args:
        inputs: float32 ``[..., k]``.
        kernel: int8 ``[k, n]``.
        scale: float32 ``[n]``: ``kernel / scale`` is the float kernel (Keras' ``kernel_scale``).
        bias: float32 ``[n]``.
        activations: How the inputs are rounded to 8 bits (:data:`ACTIVATION_MODES`):
            ``"per-row"``, each row's own range (its minimum to its maximum);
            ``"per-row-symmetric"``, each row's ``[-max |x|, max |x|]``; ``"per-tensor"``, one
            range for the whole call.

    Returns:
        float32 ``[..., n]``.

    Example:
        >>> import numpy as np
        >>> import tensorflow as tf
        >>> from tfbert.quantization import int8_matmul
        >>> x = np.array([[0.5, -1.0, 2.0]], np.float32)
        >>> w = np.array([[1, -2], [3, 4], [-5, 6]], np.int8)  # float kernel w / 10
        >>> out = int8_matmul(tf.constant(x), tf.constant(w), tf.constant([10.0, 10.0]),
        ...     tf.constant([0.0, 1.0]))
        >>> np.round(out.numpy(), 2)
        array([[-1.25,  1.7 ]], dtype=float32)
    """
    if activations not in ACTIVATION_MODES:
        raise ValueError(f"activations {activations!r} is not one of {', '.join(ACTIVATION_MODES)}")
    k, n = kernel.shape
    rows = tf.reshape(inputs, [-1, k])  # [m, k]
    column_sums = tf.reduce_sum(tf.cast(kernel, tf.float32), axis=0)  # [n]
    inverse = 1.0 / scale
    if activations == "per-row-symmetric":
        # int8 values stored with +128: the kernel's bias takes the 128 back out.
        amax = tf.maximum(tf.reduce_max(tf.abs(rows), axis=1, keepdims=True), 1e-12)  # [m, 1]
        unsigned = tf.round(rows * (127.0 / amax)) + 128.0
        product = _u8_s8_matmul(unsigned, kernel, -128.0 * column_sums, 255.0)
        return _shaped(product * (amax / 127.0) * inverse + bias, inputs, n)
    # Shifted to be non-negative: u8 = (x - low) / step; the shift comes back as low * sums.
    axis = {"per-row": 1, "per-tensor": None}[activations]
    low = tf.reduce_min(rows, axis=axis, keepdims=axis is not None)
    span = tf.maximum(tf.reduce_max(rows, axis=axis, keepdims=axis is not None) - low, 1e-12)
    unsigned = tf.round((rows - low) * (255.0 / span))
    if activations == "per-tensor":  # one step for all rows: the kernel applies it and the bias
        product = _u8_s8_matmul(unsigned, kernel, bias * scale + low * column_sums, span)
        return _shaped(product * inverse, inputs, n)
    product = _u8_s8_matmul(unsigned, kernel, tf.zeros_like(bias), 255.0)
    outputs = product * (span / 255.0) * inverse + low * (column_sums * inverse) + bias
    return _shaped(outputs, inputs, n)


def _u8_s8_matmul(unsigned, kernel, bias, span) -> tf.Tensor:
    """``(span / 255) * (unsigned @ kernel) + bias`` in oneDNN: u8 [m, k] x s8 [k, n] -> f32."""
    return tf.raw_ops.QuantizedMatMulWithBiasAndDequantize(
        a=tf.bitcast(tf.cast(unsigned, tf.uint8), tf.quint8),
        b=tf.bitcast(kernel, tf.qint8),
        bias=bias,
        min_a=tf.constant(0.0),
        max_a=tf.convert_to_tensor(span, tf.float32),
        min_b=tf.constant(-127.0),  # a weight step of 1: per-channel scales are applied after
        max_b=tf.constant(127.0),
        min_freezed_output=tf.constant(0.0),  # read only for quantized outputs
        max_freezed_output=tf.constant(0.0),
        Toutput=tf.float32,
        input_quant_mode="SCALED",  # src step = max_a / 255, for non-negative inputs
    )


def _shaped(outputs: tf.Tensor, inputs: tf.Tensor, n: int) -> tf.Tensor:
    return tf.reshape(outputs, tf.concat([tf.shape(inputs)[:-1], [n]], axis=0))


def _onednn_int8_call(self, inputs, training=None):
    """``Dense._int8_call`` for :func:`quantize_int8`'s layers (bound to the layer)."""
    bias = self.bias if self.bias is not None else tf.zeros([self.units])
    outputs = int8_matmul(
        tf.convert_to_tensor(inputs),
        tf.convert_to_tensor(self._kernel),
        tf.convert_to_tensor(self.kernel_scale),
        tf.convert_to_tensor(bias),
        activations=self._tfbert_int8_activations,
    )
    return self.activation(outputs) if self.activation is not None else outputs
