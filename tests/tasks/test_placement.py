"""transformers' ``device`` / ``device_map`` / ``dtype`` (``torch_dtype``) on tfbert's pipelines:
a TensorFlow device and a Keras dtype policy; low-precision results agree with float32."""

import sys
import warnings

import numpy as np
import pytest
import tensorflow as tf

import tfbert
from tests.tasks.conftest import make_checkpoint
from tests.tasks.test_pipelines import TEXTS, assert_same_results
from tfbert.tasks.placement import resolve_device, resolve_dtype

GPUS = len(tf.config.list_logical_devices("GPU"))
EPS = {"float16": 2.0**-10, "bfloat16": 2.0**-7}  # machine epsilon of the compute dtype


@pytest.mark.parametrize(
    "dtype, policy",
    [
        (None, "float32"),
        ("auto", "float32"),
        ("float32", "float32"),
        ("float16", "mixed_float16"),
        ("fp16", "mixed_float16"),
        ("bfloat16", "mixed_bfloat16"),
        ("BF16", "mixed_bfloat16"),
        ("mixed_float16", "mixed_float16"),
        (tf.bfloat16, "mixed_bfloat16"),
        (np.float16, "mixed_float16"),
        (np.dtype("float32"), "float32"),
    ],
)
def test_dtypes(dtype, policy):
    assert resolve_dtype(dtype) == policy


def test_torch_dtypes():
    import keras
    import torch

    assert resolve_dtype(torch.float16) == "mixed_float16"
    assert resolve_dtype(torch.bfloat16) == "mixed_bfloat16"
    assert resolve_dtype(keras.DTypePolicy("mixed_bfloat16")) == "mixed_bfloat16"


@pytest.mark.parametrize("dtype", ["int8", "float64", "mixed_int8", "fp8"])
def test_bad_dtypes(dtype):
    with pytest.raises(ValueError, match=f"dtype '{dtype}' is not one of auto.*float16"):
        resolve_dtype(dtype)


@pytest.mark.parametrize(
    "device, placed",
    [
        (-1, "/CPU:0"),
        ("cpu", "/CPU:0"),
        ("CPU", "/CPU:0"),
        ("/CPU:0", "/CPU:0"),
        ("/device:CPU:0", "/CPU:0"),
        (None, None),
    ],
)
def test_cpu_devices(device, placed):
    assert resolve_device(device) == placed


@pytest.mark.parametrize(
    "device, gpu",
    [
        (0, "/GPU:0"),
        ("cuda", "/GPU:0"),
        ("cuda:0", "/GPU:0"),
        ("gpu:0", "/GPU:0"),
        ("/GPU:0", "/GPU:0"),
        (3, "/GPU:3"),
    ],
)
def test_gpu_devices_fall_back_to_the_cpu_once_with_a_warning(device, gpu, monkeypatch):
    monkeypatch.setattr(sys.modules["tfbert.tasks.placement"], "_warned", set())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first, second = resolve_device(device), resolve_device(device)
    messages = [str(w.message) for w in caught]
    if int(gpu[-1]) < GPUS:  # a GPU machine: the GPU asked for, no warning
        assert (first, second, messages) == (gpu, gpu, [])
    else:
        assert first == second == "/CPU:0"
        assert messages == [
            f"device {gpu} asked for, but this machine has {GPUS} GPU(s): running on /CPU:0"
        ]


def test_torch_device():
    import torch

    assert resolve_device(torch.device("cpu")) == "/CPU:0"


@pytest.mark.parametrize("device", ["tpu:0", "cuda:x", "mps", -2, True, "GPU0", ""])
def test_bad_devices(device):
    with pytest.raises(ValueError, match=f"device {device!r} is not a device"):
        resolve_device(device)


def test_device_maps():
    assert resolve_device(None, device_map="auto") is None
    assert resolve_device(None, device_map="cpu") == "/CPU:0"
    assert resolve_device(None, device_map={"": -1}) == "/CPU:0"
    assert resolve_device(None, device_map={"bert": "cpu", "cls": -1}) == "/CPU:0"
    with pytest.raises(
        ValueError,
        match=r"device_map .* spreads the model over \['/CPU:0', "
        r"'/GPU:1'\]; tfbert runs a model on one device",
    ):
        resolve_device(None, device_map={"bert": "cpu", "cls": 1})
    with pytest.warns(
        UserWarning, match="both device=-1 and device_map='auto' were given; device wins"
    ):
        assert resolve_device(-1, device_map="auto") == "/CPU:0"


@pytest.fixture(scope="module")
def mlm_folder(tmp_path_factory, minilm_folder):
    folder = tmp_path_factory.mktemp("mlm")
    make_checkpoint("BertForMaskedLM", folder, minilm_folder)
    return folder


@pytest.fixture(scope="module")
def fill32(mlm_folder):
    return tfbert.pipeline("fill-mask", model=str(mlm_folder))(TEXTS)


def _flat(results):
    return [
        r
        for per_text in results
        for r in (
            per_text if isinstance(per_text[0], dict) else [r for mask in per_text for r in mask]
        )
    ]


@pytest.mark.parametrize(
    "spelling",
    [{"dtype": "float16"}, {"torch_dtype": "bfloat16"}, {"dtype": "bfloat16", "device": -1}],
)
@pytest.mark.slow
def test_low_precision_fill_mask_agrees_with_float32(mlm_folder, fill32, spelling):
    """Same top tokens in the same order; each probability within 4 eps (relative) of float32's:
    the final logits (|logit| < 4 here) are rounded to the compute dtype, and an error d in a
    logit scales its softmax probability by e^d ~ 1 + d."""
    fill = tfbert.pipeline("fill-mask", model=str(mlm_folder), **spelling)
    dtype = next(iter(spelling.values()))
    assert fill.parts.model.dtype_policy.name == f"mixed_{dtype}"
    assert all(w.dtype == "float32" for w in fill.parts.model.weights)  # mixed: float32 weights
    ours, reference = _flat(fill(TEXTS)), _flat(fill32)
    assert [r["token_str"] for r in ours] == [r["token_str"] for r in reference]
    assert [r["sequence"] for r in ours] == [r["sequence"] for r in reference]
    scores = np.array([r["score"] for r in ours])
    expected = np.array([r["score"] for r in reference])
    np.testing.assert_allclose(scores, expected, rtol=4 * EPS[dtype])
    assert not np.array_equal(scores, expected)  # the low precision really ran


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.slow
def test_low_precision_sentence_embeddings_of_all_minilm_l6_v2(dtype):
    """Unit vectors within one eps of float32's, element by element: LayerNorm runs in float32
    and re-normalises after every block, so rounding does not compound over the layers."""
    texts = [
        "A man is eating food.",
        "A man is eating a piece of bread.",
        "The girl is carrying a baby.",
        "Ünïcödé and emoji 🙂 too",
    ]
    full = tfbert.pipeline("sentence-embedding")(texts)
    low = tfbert.pipeline("sentence-embedding", dtype=dtype)(texts)
    np.testing.assert_allclose(low, full, atol=EPS[dtype])
    assert not np.array_equal(low, full)


def test_device_places_weights_and_runs(mlm_folder, fill32):
    cpu = tfbert.pipeline("fill-mask", model=str(mlm_folder), device=-1)
    assert cpu.device == "/CPU:0"
    assert all("CPU:0" in w.value.device for w in cpu.parts.model.weights)
    assert_same_results(cpu(TEXTS), fill32)


def test_gpu_zero_as_the_docs_pass_it(mlm_folder, fill32, monkeypatch):
    """pipeline("fill-mask", model=..., dtype="float16", device=0) as BERT's documentation
    writes it: on a GPU machine it runs there; without one it runs on the CPU with a warning."""
    monkeypatch.setattr(sys.modules["tfbert.tasks.placement"], "_warned", set())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fill = tfbert.pipeline("fill-mask", model=str(mlm_folder), dtype="float16", device=0)
        results = fill(TEXTS)
    placed = [str(w.message) for w in caught if "asked for" in str(w.message)]
    assert fill.device == ("/GPU:0" if GPUS else "/CPU:0")
    assert len(placed) == (0 if GPUS else 1)
    weight_device = fill.parts.model.weights[0].value.device
    assert ("GPU:0" if GPUS else "CPU:0") in weight_device
    assert [r["token"] for r in _flat(results)] == [r["token"] for r in _flat(fill32)]


def test_bad_device_and_dtype_fail_before_loading(tmp_path):
    missing = str(tmp_path / "no-such-model")  # never read: the arguments are checked first
    with pytest.raises(ValueError, match="device 'tpu' is not a device"):
        tfbert.pipeline("fill-mask", model=missing, device="tpu")
    with pytest.raises(ValueError, match="dtype 'int8' is not one of"):
        tfbert.pipeline("fill-mask", model=missing, torch_dtype="int8")
