"""tfbert.quantization on tiny models: the int8 matmul's arithmetic, what quantize_int8 changes
and the errors it raises."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfbert
from tfbert.quantization import (
    ACTIVATION_MODES,
    check_precision,
    encoder_dense_layers,
    int8_matmul,
    is_quantized,
    quantize_int8,
)

TINY = dict(
    vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64
)


@pytest.mark.parametrize("activations", ACTIVATION_MODES)
def test_int8_matmul_is_the_float_product_of_the_int8_kernel(activations):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 48)).astype(np.float32)
    x[0, 0, 7] = 9.0  # an outlier, as BERT's activations have
    kernel = rng.integers(-127, 128, (48, 20)).astype(np.int8)
    scale = rng.uniform(50, 200, 20).astype(np.float32)
    bias = rng.standard_normal(20).astype(np.float32)
    expected = x @ (kernel / scale) + bias
    out = int8_matmul(tf.constant(x), tf.constant(kernel), tf.constant(scale), tf.constant(bias))
    assert out.shape == (3, 5, 20)
    # 8-bit activations: within a few percent of the outputs' spread, and far below it
    error = np.abs(out.numpy() - expected).max()
    assert error < 0.05 * np.abs(expected).max()
    correlation = np.corrcoef(out.numpy().ravel(), expected.ravel())[0, 1]
    assert correlation > 0.999


def test_per_row_ranges_keep_small_rows_exact_beside_an_outlier_row():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 64)).astype(np.float32) * np.array([[100.0], [0.01]], np.float32)
    kernel = rng.integers(-127, 128, (64, 8)).astype(np.int8)
    scale, bias = np.full(8, 100.0, np.float32), np.zeros(8, np.float32)
    expected = x @ (kernel / scale)
    small = {}
    for mode in ("per-row", "per-tensor"):
        out = int8_matmul(*map(tf.constant, (x, kernel, scale, bias)), activations=mode).numpy()
        small[mode] = np.abs(out[1] - expected[1]).max() / np.abs(expected[1]).max()
    assert small["per-row"] < 0.02 < small["per-tensor"]


def test_quantize_int8_swaps_the_encoder_kernels_for_int8_and_keeps_the_rest():
    model = tfbert.TFBertForSequenceClassification(tfbert.BertConfig(**TINY, num_labels=3))
    ids = np.array([[2, 7, 9, 3, 0]], np.int32)
    mask = np.array([[1, 1, 1, 1, 0]], np.int32)
    before = model(input_ids=ids, attention_mask=mask).logits.numpy()
    pooler = model.bert.pooler.dense.kernel.numpy()
    assert not is_quantized(model)
    assert quantize_int8(model) == 12  # q, k, v, attention output, intermediate, output; x2
    assert is_quantized(model)
    for layer in encoder_dense_layers(model):
        assert layer.quantization_mode == "int8"
        assert layer._kernel.dtype == "int8"
        kernels = [v for v in layer.variables if v.path.endswith("/kernel")]
        assert [v.dtype for v in kernels] == ["int8"]  # the float32 kernel is gone
    np.testing.assert_array_equal(model.bert.pooler.dense.kernel.numpy(), pooler)
    assert model.classifier.kernel.dtype == "float32"
    after = model(input_ids=ids, attention_mask=mask).logits.numpy()
    np.testing.assert_allclose(after, before, atol=0.05)
    graph_run = tf.function(lambda i, m: model(input_ids=i, attention_mask=m).logits)
    np.testing.assert_allclose(graph_run(ids, mask).numpy(), after, atol=1e-5)
    int8_bytes = sum(int(np.prod(v.shape)) for v in model.variables if v.dtype == "int8")
    assert int8_bytes == 2 * (4 * 32 * 32 + 2 * 32 * 64)


def test_quantize_int8_errors_name_the_problem():
    model = tfbert.TFBertModel(tfbert.BertConfig(**TINY))
    with pytest.raises(ValueError, match="no built encoder Dense layers .* call it once first"):
        quantize_int8(model)
    model(np.array([[2, 3]], np.int32))
    with pytest.raises(ValueError, match="activations 'per-channel' is not one of per-row"):
        quantize_int8(model, activations="per-channel")
    quantize_int8(model)
    with pytest.raises(ValueError, match="is quantized already"):
        quantize_int8(model)
    mixed = tfbert.TFBertModel(tfbert.BertConfig(**TINY), dtype="mixed_bfloat16")
    mixed(np.array([[2, 3]], np.int32))
    with pytest.raises(ValueError, match="mixed_bfloat16; int8 quantization needs a float32"):
        quantize_int8(mixed)
    with pytest.raises(ValueError, match="sequential has no built encoder Dense layers"):
        quantize_int8(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]))


def test_check_precision():
    assert check_precision("int8") == "int8"
    with pytest.raises(ValueError, match="precision 'int4' is not one of float32, int8"):
        check_precision("int4")
