"""TFLite exports: the SavedModel's signatures in one .tflite, read by TensorFlow's
InterpreterWithCustomOps with tf-text's kernels registered."""

import pytest
import tensorflow as tf

from tests.export.conftest import (
    INPUTS,
    assert_same_outputs,
    encode,
    interpreter,
    python_results,
    run_rows,
)


@pytest.mark.parametrize("task", ["fill-mask", "text-classification", "question-answering"])
@pytest.mark.slow
def test_tflite_carries_the_saved_model_signatures(task, graphs, saved_models, tmp_path):
    from tfbert.export import export_graph

    graph, _ = graphs[task]
    path = export_graph(graph, tmp_path / f"{task}.tflite", format="tflite")
    signatures = interpreter(path).get_signature_list()
    loaded = tf.saved_model.load(str(saved_models[task]))
    assert set(signatures) == set(loaded.signatures)
    assert set(signatures) == (
        {"serving_default"} if task == "question-answering" else {"serving_default", "token_ids"}
    )
    for name, signature in signatures.items():
        function = loaded.signatures[name]
        assert sorted(signature["inputs"]) == sorted(function.structured_input_signature[1])
        assert sorted(signature["outputs"]) == sorted(function.structured_outputs)
    if task == "text-classification":  # beside the strings signature, the ids one runs
        runner = interpreter(path).get_signature_runner("token_ids")
        results = run_rows(runner, encode(graph, INPUTS[task]["text"]))
        assert_same_outputs(results, python_results(graph, INPUTS[task]))


@pytest.mark.parametrize("bad_id", [-1, 10**6])
@pytest.mark.slow
def test_tflite_token_ids_out_of_range_give_nan_not_numbers(bad_id, graphs, tmp_path):
    """The converter drops Assert, so the .tflite cannot raise; the embeddings' NaN marker stays:
    a sequence holding an invalid id gets NaN scores, never a wrapped-around row's numbers."""
    import numpy as np

    from tfbert.export import export_graph

    graph, _ = graphs["text-classification"]
    path = export_graph(graph, tmp_path / "clf.tflite", format="tflite")
    runner = interpreter(path).get_signature_runner("token_ids")
    good = encode(graph, INPUTS["text-classification"]["text"][:1])
    bad = {k: v.copy() for k, v in good.items()}
    bad["input_ids"][0, 1] = bad_id
    expected = run_rows(runner, good)
    results = run_rows(runner, bad)
    floats = [k for k, v in expected.items() if np.asarray(v).dtype.kind == "f"]
    assert floats, f"no float outputs in {sorted(expected)}"
    for key in floats:
        assert np.all(np.isfinite(expected[key])), key
        assert np.all(np.isnan(results[key])), (key, results[key])
