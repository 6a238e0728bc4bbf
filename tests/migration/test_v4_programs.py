"""Public transformers-v4 TensorFlow programs, run after the one-line swap.

Each file in ``programs/`` is a v4 program as its authors wrote it (the Hugging Face course's Keras
chapters, transformers v4's documentation examples, keras.io's BERT examples, the v4 TFBertTokenizer
recipe, the common custom-head pattern), importing from ``transformers``. The test changes only
what a migrating user changes: ``transformers`` becomes ``tfbert`` in the imports, and hub ids
become local folders (nothing can be downloaded here). Where a program's numbers can be checked,
they are compared with transformers' PyTorch classes on the same checkpoint.
"""

import json
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

from tests.tasks.conftest import make_checkpoint, minilm_folder  # noqa: F401  (session fixture)

PROGRAMS = pathlib.Path(__file__).parent / "programs"
NER_LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
HUB_IDS = {  # hub id in the programs -> (transformers class of the local checkpoint, config)
    "bert-base-uncased": ("BertForPreTraining", {}),
    "bert-base-cased": ("BertForPreTraining", {}),
    "bert-base-uncased-sst2": (
        "BertForSequenceClassification",
        {"id2label": {0: "NEGATIVE", 1: "POSITIVE"}},
    ),
    "bert-base-ner": ("BertForTokenClassification", {"id2label": dict(enumerate(NER_LABELS))}),
    "bert-base-uncased-squad": ("BertForQuestionAnswering", {}),
}


@pytest.fixture(scope="session")
def hub(tmp_path_factory, minilm_folder):  # noqa: F811
    """hub id -> local folder with a random-weight checkpoint and the real uncased tokenizer."""
    folders = {}
    for hub_id, (pt_class, config) in HUB_IDS.items():
        folder = tmp_path_factory.mktemp(hub_id)
        make_checkpoint(pt_class, folder, minilm_folder, **config)
        folders[hub_id] = str(folder)
    return folders


def swap_imports(source: str) -> str:
    """What a migrating user changes: the package name in the imports, nothing else."""
    swapped = re.sub(r"^(\s*)from transformers\b", r"\1from tfbert", source, flags=re.M)
    swapped = re.sub(
        r"^(\s*)import transformers\s*$", r"\1import tfbert as transformers", swapped, flags=re.M
    )
    assert swapped != source, "the program imports nothing from transformers"
    assert not re.search(r"^\s*(from|import) transformers\b", swapped, flags=re.M)
    return swapped


def run_program(name, hub, **context):
    """Runs ``programs/<name>.py`` after the swap; returns its globals (``RESULTS`` and the
    rest)."""
    source = swap_imports((PROGRAMS / f"{name}.py").read_text())
    for hub_id in sorted(hub, key=len, reverse=True):
        source = source.replace(f'"{hub_id}"', repr(hub[hub_id]))
    namespace = {"__name__": f"v4_program_{name}", **context}
    exec(compile(source, f"{name}.py (imports swapped)", "exec"), namespace)
    return namespace


def reference_tokenizer(folder):
    import transformers

    return transformers.BertTokenizerFast.from_pretrained(folder)


def pt_logits(pt_class, folder, inputs, field="logits"):
    """Runs transformers' PyTorch class on the same inputs (any mapping of arrays or tensors)."""
    import torch
    import transformers

    model = getattr(transformers, pt_class).from_pretrained(folder).eval()
    tensors = {k: torch.tensor(np.asarray(v)).long() for k, v in inputs.items()}
    with torch.no_grad():
        return getattr(model(**tensors), field).numpy()


def assert_same_encoding(ours, reference):
    assert set(ours) == set(reference), (sorted(ours), sorted(reference))
    for key in reference:
        np.testing.assert_array_equal(
            np.asarray(ours[key]), np.asarray(reference[key]), err_msg=key
        )


def mrpc_like(n, seed):
    """Sentence pairs labelled 1 when the second sentence repeats the first."""
    rng = np.random.default_rng(seed)
    words = "the cat dog sat ran on under a mat tree house big small red blue".split()
    rows = {"sentence1": [], "sentence2": [], "label": []}
    for i in range(n):
        first = " ".join(rng.choice(words, rng.integers(3, 9)))
        same = bool(i % 2)
        second = first if same else " ".join(rng.choice(words, rng.integers(3, 9)))
        rows["sentence1"].append(first)
        rows["sentence2"].append(second)
        rows["label"].append(int(same))
    return rows


def conll_like(n, seed):
    rng = np.random.default_rng(seed)
    names, places = ["Angela", "Wolfgang", "Ana"], ["Berlin", "Paris", "New York"]
    rows = {"tokens": [], "ner_tags": []}
    for _ in range(n):
        name, place = rng.choice(names), str(rng.choice(places)).split()
        tokens = [str(name), "lives", "in", *place, "."]
        tags = [1, 0, 0, 5] + [6] * (len(place) - 1) + [0]
        rows["tokens"].append(tokens)
        rows["ner_tags"].append(tags)
    return rows


CLEAN_LOAD = """
import json, sys
import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401  (string ops of an exported tokenizer)
loaded = tf.saved_model.load(sys.argv[1])
fn = loaded.signatures["serving_default"]
inputs = json.loads(sys.argv[2])
spec = fn.structured_input_signature[1]
if len(spec) == 1 and set(inputs) != set(spec):  # Keras' export names its one input itself
    inputs = {next(iter(spec)): next(iter(inputs.values()))}
args = {k: tf.constant(v, dtype=spec[k].dtype) for k, v in inputs.items()}
out = fn(**args)
assert "tfbert" not in sys.modules and "transformers" not in sys.modules
print(json.dumps({k: np.asarray(v).tolist() for k, v in out.items()}))
"""


def load_in_clean_process(path, inputs):
    """Runs a SavedModel's serving signature in a process that imports only TensorFlow."""
    done = subprocess.run(
        [sys.executable, "-c", CLEAN_LOAD, str(path), json.dumps(inputs)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return {k: np.asarray(v) for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()}


@pytest.mark.slow
def test_course_keras_fine_tuning(hub, tmp_path):
    data = {"train": mrpc_like(24, 0), "validation": mrpc_like(8, 1)}
    ns = run_program("course_keras_finetune", hub, DATA=data)
    results = ns["RESULTS"]
    assert len(results["losses"]) == 3 and np.all(np.isfinite(results["losses"]))
    assert results["preds"].shape == (8, 2)
    # The trained model, saved, gives transformers' PyTorch class the same validation logits.
    ns["model"].save_pretrained(tmp_path)
    enc = reference_tokenizer(hub["bert-base-uncased"])(
        data["validation"]["sentence1"],
        data["validation"]["sentence2"],
        truncation=True,
        padding=True,
        return_tensors="np",
    )
    expected = pt_logits("BertForSequenceClassification", tmp_path, enc)
    np.testing.assert_allclose(results["preds"], expected, atol=1e-4)


@pytest.mark.slow
def test_course_token_classification(hub):
    from transformers import DataCollatorForTokenClassification

    data = {"train": conll_like(16, 0), "validation": conll_like(8, 1)}
    ns = run_program("course_token_classification", hub, DATA=data)
    results = ns["RESULTS"]
    reference = reference_tokenizer(hub["bert-base-cased"])
    enc = reference(data["train"]["tokens"][0], is_split_into_words=True)
    assert results["tokens"] == enc.tokens()
    assert results["word_ids"] == enc.word_ids()
    features = [ns["tokenized_datasets"]["train"][i] for i in range(2)]
    expected = DataCollatorForTokenClassification(reference, return_tensors="np")(features)
    assert_same_encoding(results["collated"], expected)
    assert len(results["losses"]) == 3 and np.all(np.isfinite(results["losses"]))
    assert results["n_predictions"] == results["n_labels"] > 0


@pytest.mark.slow
def test_documentation_examples(hub):
    ns = run_program("docs_examples", hub)
    results = ns["RESULTS"]
    reference = reference_tokenizer(hub["bert-base-uncased"])
    inputs, hidden = results["model"]
    assert_same_encoding(inputs, reference("Hello, my dog is cute", return_tensors="np"))
    np.testing.assert_allclose(
        hidden,
        pt_logits("BertModel", hub["bert-base-uncased"], inputs, "last_hidden_state"),
        atol=1e-4,
    )
    inputs, labels, logits, decoded, predicted, loss = results["mlm"]
    np.testing.assert_allclose(
        logits, pt_logits("BertForMaskedLM", hub["bert-base-uncased"], inputs), atol=1e-4
    )
    assert decoded == reference.decode(np.asarray(predicted))
    encoding, logits = results["nsp"]
    np.testing.assert_allclose(
        logits,
        pt_logits("BertForNextSentencePrediction", hub["bert-base-uncased"], encoding),
        atol=1e-4,
    )
    inputs, logits, label, loss = results["classification"]
    expected = pt_logits("BertForSequenceClassification", hub["bert-base-uncased-sst2"], inputs)
    np.testing.assert_allclose(logits, expected, atol=1e-4)
    assert label == ["NEGATIVE", "POSITIVE"][int(np.argmax(expected[0]))] and np.isfinite(loss)
    inputs, logits = results["multiple_choice"]  # a new (random) head: shapes, not numbers
    assert tuple(inputs["input_ids"].shape)[:2] == (1, 2) and tuple(logits.shape) == (1, 2)
    inputs, logits, classes, loss = results["token_classification"]
    expected = pt_logits("BertForTokenClassification", hub["bert-base-ner"], inputs)
    np.testing.assert_allclose(logits, expected, atol=1e-4)
    assert classes == [NER_LABELS[i] for i in expected[0].argmax(-1)] and np.isfinite(loss)
    inputs, start, end, answer, loss = results["qa"]
    np.testing.assert_allclose(
        start,
        pt_logits(
            "BertForQuestionAnswering", hub["bert-base-uncased-squad"], inputs, "start_logits"
        ),
        atol=1e-4,
    )
    assert isinstance(answer, str) and np.isfinite(loss)


@pytest.mark.slow
def test_keras_io_semantic_similarity(hub):
    rows = mrpc_like(16, 2)
    pairs = np.array(list(zip(rows["sentence1"], rows["sentence2"])))
    ns = run_program(
        "keras_io_semantic_similarity", hub, PAIRS=pairs, LABELS=np.array(rows["label"]) * 2
    )
    results = ns["RESULTS"]
    reference = reference_tokenizer(hub["bert-base-uncased"])
    expected = reference(
        [tuple(p) for p in pairs[:4]], max_length=32, padding="max_length", return_tensors="np"
    )
    for ours, key in zip(results["encoded"], ("input_ids", "attention_mask", "token_type_ids")):
        np.testing.assert_array_equal(ours, expected[key], err_msg=key)
    assert len(results["losses"]) == 3 and np.all(np.isfinite(results["losses"]))
    assert results["similarity"][0] in ("contradiction", "entailment", "neutral")


@pytest.mark.slow
def test_add_tokens_resize_and_saved_model(hub, tmp_path):
    import transformers

    ns = run_program("resize_and_save", hub, OUTPUT_DIR=str(tmp_path))
    results = ns["RESULTS"]
    assert results["num_added"] == 2 and results["vocab"] == 30522 + 2
    assert np.all(np.isfinite(results["losses"]))
    # transformers loads the saved tokenizer and model: same ids, same logits.
    texts = ["hello new_tok1 world [MASK]", "my_new-tok2 is here"]
    reference = transformers.BertTokenizerFast.from_pretrained(tmp_path)
    assert (tmp_path / "vocab.txt").exists()
    assert_same_encoding(results["inputs"], reference(texts, padding=True, return_tensors="np"))
    expected = pt_logits("BertForMaskedLM", tmp_path, results["inputs"])
    np.testing.assert_allclose(results["logits"], expected, atol=1e-4)
    # v4's saved_model=True: a SavedModel at saved_model/1 that TensorFlow alone serves.
    served = load_in_clean_process(
        tmp_path / "saved_model" / "1",
        {k: np.asarray(v).tolist() for k, v in results["inputs"].items()},
    )
    np.testing.assert_allclose(served["logits"], expected, atol=1e-4)


@pytest.mark.slow
def test_in_graph_tokenizer_end_to_end(hub, tmp_path):
    ns = run_program("in_graph_tokenizer", hub, OUTPUT_DIR=str(tmp_path / "export"))
    results = ns["RESULTS"]
    assert_same_encoding(results["graph"], {k: results["python"][k] for k in results["graph"]})
    expected = pt_logits(
        "BertForSequenceClassification", hub["bert-base-uncased-sst2"], results["python"]
    )
    np.testing.assert_allclose(results["predictions"]["logits"], expected, atol=1e-4)
    served = load_in_clean_process(
        tmp_path / "export", {"inputs": ["This is a test sentence!", "This is another one!"]}
    )
    np.testing.assert_allclose(served["logits"], expected, atol=1e-4)


def test_custom_head_on_the_main_layer(hub):
    ns = run_program("custom_head", hub)
    results = ns["RESULTS"]
    assert tuple(np.asarray(results["logits"]).shape) == (1, 4)
    assert tuple(int(x) for x in results["shape"]) == (1, 5)
    assert np.all(np.isfinite(results["losses"]))
    # The main layer carries the checkpoint's encoder: its pooled output equals transformers'.
    inputs = {
        "input_ids": np.array([[101, 7592, 2088, 102, 0]]),
        "attention_mask": np.array([[1, 1, 1, 1, 0]]),
    }
    ours = results["pooled"]
    expected = pt_logits("BertModel", hub["bert-base-uncased-sst2"], inputs, "pooler_output")
    np.testing.assert_allclose(np.asarray(ours), expected, atol=1e-4)


@pytest.mark.slow
def test_blog_encode_plus_and_keras_loss(hub):
    rows = mrpc_like(12, 3)
    reviews = [
        (a + " . " + b, label)
        for a, b, label in zip(rows["sentence1"], rows["sentence2"], rows["label"])
    ]
    ns = run_program("blog_imdb_encode_plus", hub, TRAIN=reviews[:8], TEST=reviews[8:])
    results = ns["RESULTS"]
    expected = reference_tokenizer(hub["bert-base-uncased"])(
        reviews[8][0], max_length=24, padding="max_length", truncation=True
    )
    assert_same_encoding(results["first"], expected)
    assert all(np.isfinite(v).all() for v in results["history"].values())
    assert len(results["evaluation"]) == 2 and 0 <= results["evaluation"][1] <= 1
