"""The int8 pipeline's LiteRT route on tiny checkpoints of every forward-call task: the converted
model's outputs are close to the Keras model's, the pipeline returns results shaped as float32's,
and what it cannot do is refused by name."""

import sys

import numpy as np
import pytest
import tensorflow as tf

import tfbert
from tests.tasks.conftest import make_checkpoint, minilm_folder  # noqa: F401  (the fixture)
from tests.tasks.test_text_generation import bert2bert_folder  # noqa: F401  (the fixture)
from tfbert.export import tflite_ops
from tfbert.quantization import is_quantized
from tfbert.tasks.graph import MODEL_KEYS
from tfbert.tasks.litert_int8 import LiteRTModel, convert_model, runs_on_litert
from tfbert.tasks.registry import get_task

QA = {"question": "Where did Ada live?", "context": "Ada Lovelace lived in London with her cat."}
CASES = {
    "fill-mask": ("BertForMaskedLM", ["The capital of France is [MASK].", "A [MASK] day."]),
    "text-classification": ("BertForSequenceClassification", ["I loved it.", "Awful."]),
    "token-classification": ("BertForTokenClassification", ["Ada Lovelace lived in London."]),
    "question-answering": ("BertForQuestionAnswering", [QA]),
    "feature-extraction": ("BertModel", ["A cat sits.", "A much longer sentence than that."]),
    "next-sentence-prediction": (
        "BertForNextSentencePrediction",
        [{"text": "The sky is blue.", "text_pair": "It rarely rains here."}],
    ),
    "multiple-choice": (
        "BertForMultipleChoice",
        [{"text": "To stay dry, take", "choices": ["an umbrella.", "a fish.", "a nap."]}],
    ),
}


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory, minilm_folder):  # noqa: F811
    folders = {}
    for task, (pt_class, _) in CASES.items():
        folder = tmp_path_factory.mktemp(task)
        make_checkpoint(pt_class, folder, minilm_folder)
        folders[task] = str(folder)
    return folders


def _leaves(result):
    """The numbers and strings of a pipeline result, flattened in order."""
    if isinstance(result, dict):
        return [leaf for key in sorted(result) for leaf in _leaves(result[key])]
    if isinstance(result, (list, tuple, np.ndarray)):
        return [leaf for item in result for leaf in _leaves(item)]
    return [result]


@pytest.mark.slow  # two pipelines and a conversion per task
@pytest.mark.parametrize("task", sorted(CASES))
def test_every_forward_task_runs_int8_on_litert_close_to_float32(task, checkpoints):
    inputs = CASES[task][1]
    float32 = tfbert.pipeline(task, checkpoints[task])
    int8 = tfbert.pipeline(task, checkpoints[task], precision="int8")
    assert int8.litert is not None and float32.litert is None
    assert not is_quantized(int8.parts.model)  # the Keras model stays float32; LiteRT runs int8

    # The converted model against the Keras model, on the tokenizer's own features.
    texts = {
        name: tf.constant([item[name] if isinstance(item, dict) else item for item in inputs])
        for name in int8.graph.text_inputs
    }
    encoded, _ = int8.graph.encode(texts)
    features = {k: encoded[k].numpy() for k in MODEL_KEYS}
    ours = int8.litert(features)
    reference = int8.parts.model(features, training=False, return_dict=True)
    assert set(ours) == {k for k, v in reference.items() if v is not None}
    for name, value in ours.items():
        expected = np.asarray(reference[name])
        assert value.shape == expected.shape, name
        scale = np.abs(expected).max()
        assert np.abs(value - expected).max() <= 0.05 * scale, name
        assert not np.allclose(value, expected, atol=1e-6), f"{name}: int8 did not run"

    # The pipeline's results: the same shape, strings and labels; scores close.
    got, want = _leaves(int8(inputs)), _leaves(float32(inputs))
    assert len(got) == len(want)
    numbers = [(g, w) for g, w in zip(got, want) if isinstance(w, (float, np.floating))]
    assert numbers, "no scores to compare"
    np.testing.assert_allclose(*zip(*numbers), atol=0.05)


def test_the_converted_model_holds_int8_matmuls_and_builtin_ops_only(checkpoints):
    graph = tfbert.pipeline("text-classification", checkpoints["text-classification"]).graph
    flatbuffer = convert_model(graph)
    ops = tflite_ops(flatbuffer)
    assert ops["other"] == [] and ops["tftext"] == []
    assert "FULLY_CONNECTED" in ops["builtin"]  # the matmuls, int8 weights
    float_bytes = 4 * graph.model.count_params()
    assert len(flatbuffer) < 0.5 * float_bytes  # int8 weights: most bytes are 1, not 4


def test_only_forward_call_tasks_take_the_litert_route():
    forward = [name for name in CASES if runs_on_litert(get_task(name))]
    assert forward == list(CASES)
    for name in ("text-generation", "text2text-generation", "summarization"):
        assert not runs_on_litert(get_task(name))


def test_int8_refuses_mixed_precision_by_name(checkpoints):
    with pytest.raises(ValueError, match="precision='int8' needs float32 weights, not mixed_"):
        tfbert.pipeline("fill-mask", checkpoints["fill-mask"], precision="int8", dtype="float16")


def test_without_ai_edge_litert_the_error_says_what_to_install(monkeypatch, checkpoints):
    graph = tfbert.pipeline("fill-mask", checkpoints["fill-mask"]).graph
    flatbuffer = convert_model(graph)
    monkeypatch.setitem(sys.modules, "ai_edge_litert", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)
    with pytest.raises(ImportError, match=r"pip install 'tfbert\[int8\]'"):
        LiteRTModel(flatbuffer)


@pytest.mark.slow
def test_text_generation_keeps_tensorflows_int8_matmuls(bert2bert_folder):  # noqa: F811
    rewrite = tfbert.pipeline("text2text-generation", str(bert2bert_folder), precision="int8")
    assert rewrite.litert is None and is_quantized(rewrite.parts.model)
    float32 = tfbert.pipeline("text2text-generation", str(bert2bert_folder))
    texts = ["A cat sat on the mat.", "Rain is falling."]
    int8_texts = [r["generated_text"] for r in rewrite(texts, max_new_tokens=5)]
    float_texts = [r["generated_text"] for r in float32(texts, max_new_tokens=5)]
    assert all(isinstance(text, str) and text for text in int8_texts)
    assert int8_texts == float_texts  # a tiny model's greedy tokens survive 8-bit rounding
