"""SavedModel exports: TF Serving's layout, two signatures, a clean process gets the Python
results."""

import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tests.export.conftest import CHECK_SCRIPT, INPUTS, assert_same_outputs, python_results

pytestmark = pytest.mark.slow  # exports and clean child processes

OUTPUTS = {  # the names (a task may return more, e.g. fill-mask's ``row`` and ``sequence``)
    "sentence-embedding": {"embeddings"},
    "feature-extraction": {"features", "attention_mask"},
    "text-classification": {"logits", "probabilities", "label", "score"},
    "fill-mask": {"token_str", "token", "score"},
    "question-answering": {"answer", "score", "start", "end"},
    "token-classification": {"entity", "score", "word", "start", "end"},
}
IDS_TASKS = ["feature-extraction", "fill-mask", "sentence-embedding", "text-classification"]


@pytest.mark.parametrize("task", sorted(INPUTS))
def test_clean_process_loads_and_matches_python(task, graphs, saved_models, clean_reports):
    """Only tensorflow and tensorflow_text imported; core and tf-text ops only; same results."""
    graph, _ = graphs[task]
    export_dir = saved_models[task]
    assert export_dir.name == "1" and (export_dir / "saved_model.pb").is_file()
    code, report = clean_reports[task]
    assert report["unknown_ops"] == [], report["unknown_ops"]
    assert set(report["tf_text_ops"]) <= {
        "FastWordpieceTokenizeWithOffsets",
        "RegexSplitWithOffsets",
    }
    assert report["non_generic_objects"] == [] and report["keras_imported_by_loading"] == []
    assert code == 0
    signatures = report["signatures"]
    assert signatures["serving_default"]["inputs"] == {
        name: ["string", [None]] for name in INPUTS[task]
    }
    assert OUTPUTS[task] <= set(signatures["serving_default"]["outputs"])
    if task in IDS_TASKS:
        assert signatures["token_ids"]["inputs"] == {
            k: ["int32", [None, None]] for k in ("input_ids", "attention_mask", "token_type_ids")
        }
        assert signatures["token_ids"]["outputs"] == signatures["serving_default"]["outputs"]
    else:  # answers and words are cut out of the input strings: no ids-only signature
        assert set(signatures) == {"serving_default"}
    assert_same_outputs(report["outputs"], python_results(graph, INPUTS[task]))


@pytest.mark.parametrize("task", IDS_TASKS)
def test_token_ids_signature_equals_strings_signature(task, graphs, saved_models):
    graph, _ = graphs[task]
    loaded = tf.saved_model.load(str(saved_models[task]))
    texts = tf.constant(INPUTS[task]["text"])
    encoded = graph.tokenizer(texts, **graph.tokenizer_options)
    by_ids = loaded.signatures["token_ids"](
        **{k: encoded[k] for k in ("input_ids", "attention_mask", "token_type_ids")}
    )
    by_text = loaded.signatures["serving_default"](text=texts)
    assert_same_outputs(
        {k: v.numpy() for k, v in by_ids.items()},
        {k: v.numpy() for k, v in by_text.items()},
        atol=1e-6,
    )


def test_vocabulary_travels_inside(graphs, saved_models):
    graph, _ = graphs["fill-mask"]
    vocab = (saved_models["fill-mask"] / "assets" / "vocab.txt").read_text(encoding="utf-8")
    assert vocab.splitlines() == graph.tokenizer.vocab


def test_minilm_embeddings_are_unit_vectors_of_the_model_size(saved_models):
    loaded = tf.saved_model.load(str(saved_models["sentence-embedding"]))
    vectors = loaded.signatures["serving_default"](text=tf.constant(["A cat sits.", ""]))[
        "embeddings"
    ]
    assert vectors.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors.numpy(), axis=1), 1.0, atol=1e-5)


def test_saved_model_cli_show_and_run(saved_models, tmp_path):
    """Stock ``saved_model_cli show`` works; ``run`` works through the kit's wrapper, which
    imports tensorflow_text first (stock ``run`` cannot load tf-text ops)."""
    export_dir = str(saved_models["text-classification"])
    show = subprocess.run(
        ["saved_model_cli", "show", "--dir", export_dir, "--all"],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert show.returncode == 0, show.stderr[-2000:]
    assert "signature_def['serving_default']" in show.stdout
    assert "signature_def['token_ids']" in show.stdout
    assert "inputs['text'] tensor_info:\n        dtype: DT_STRING" in show.stdout
    wrapper = CHECK_SCRIPT.parent / "saved_model_cli.py"
    run = subprocess.run(
        [
            sys.executable,
            str(wrapper),
            "run",
            "--dir",
            export_dir,
            "--tag_set",
            "serve",
            "--signature_def",
            "serving_default",
            "--input_exprs",
            'text=["I loved it."]',
        ],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Result for output key label:" in run.stdout
    assert "Result for output key probabilities:" in run.stdout


def test_keras_round_trip_gives_the_same_results(graphs, tmp_path):
    import keras

    for task, (graph, _) in graphs.items():
        path = tmp_path / f"{task}.keras"
        graph.save(path)
        restored = keras.saving.load_model(path)
        assert_same_outputs(
            python_results(restored, INPUTS[task]), python_results(graph, INPUTS[task]), atol=1e-6
        )
