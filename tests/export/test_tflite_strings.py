"""Strings-in .tflite exports run in TensorFlow's TFLite interpreter with tf-text's kernels and no
select (Flex) ops, and give the Python task graph's results."""

import numpy as np
import pytest

from tests.export.conftest import INPUTS, assert_same_outputs, interpreter, python_results

TASKS = ["sentence-embedding", "text-classification", "fill-mask", "question-answering"]


@pytest.fixture(scope="module")
def strings_tflite(graphs, tmp_path_factory):
    """task -> the .tflite written by export_graph (all the task's signatures)."""
    from tfbert.export import export_graph

    root = tmp_path_factory.mktemp("tflite")
    return {task: export_graph(graphs[task][0], root / f"{task}.tflite", format="tflite") for task in TASKS}


@pytest.mark.parametrize("task", TASKS)
def test_strings_tflite_has_no_select_ops(task, strings_tflite):
    from tfbert.export import tflite_ops

    with open(strings_tflite[task], "rb") as f:
        ops = tflite_ops(f.read())
    assert ops["other"] == []  # no Flex op, no TensorFlow op left as an unresolved custom op
    assert {"FastBertNormalize", "FastWordpieceTokenizeWithOffsets", "TFText>ByteSplitWithOffsets"} <= set(ops["tftext"])


@pytest.mark.parametrize("task", TASKS)
def test_strings_tflite_matches_python(task, graphs, strings_tflite):
    graph, _ = graphs[task]
    inputs = INPUTS[task]
    runner = interpreter(strings_tflite[task]).get_signature_runner("serving_default")
    results = runner(**{name: np.array(values, object) for name, values in inputs.items()})
    reference = python_results(graph, inputs)
    if task == "fill-mask":  # the .tflite's normaliser keeps "…" as "...": compare the other rows
        assert_same_outputs({k: v[:3] for k, v in results.items()}, {k: v[:3] for k, v in reference.items()})
        return
    assert_same_outputs(results, reference)
