"""tfbert.pipeline() equals transformers' pipelines (same keys, same values, scores to 1e-4)."""

import numpy as np
import pytest

import tfbert
from tests.tasks.conftest import make_checkpoint, reference_pipeline

TEXTS = [
    "Plants create [MASK] through a process known as photosynthesis.",
    "The capital of France is [MASK].",
    "I [MASK] this movie, it was [MASK]!",
    "Héllo wörld… [MASK] 東京 is big",
]


def assert_same_results(ours, theirs, atol=1e-4):
    """Same structure, same keys, same strings and ids; floats to ``atol``."""
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same_results(a, b, atol)
    elif isinstance(theirs, dict):
        assert set(ours) == set(theirs)
        for key in theirs:
            assert_same_results(ours[key], theirs[key], atol)
    elif isinstance(theirs, float):
        assert ours == pytest.approx(theirs, abs=atol)
    else:
        assert ours == theirs


@pytest.fixture(scope="module")
def mlm(tmp_path_factory, minilm_folder):
    folder = tmp_path_factory.mktemp("mlm")
    return make_checkpoint("BertForMaskedLM", folder, minilm_folder), folder


@pytest.mark.parametrize("options", [{}, {"top_k": 3}, {"targets": ["energy", "food", "water"]}])
@pytest.mark.slow
def test_fill_mask(mlm, options):
    pt_model, folder = mlm
    theirs = reference_pipeline("fill-mask", pt_model, folder)
    ours = tfbert.pipeline("fill-mask", model=str(folder), **options)
    assert_same_results(ours(TEXTS), [theirs(text, **options) for text in TEXTS])
    assert_same_results(ours(TEXTS[0]), theirs(TEXTS[0], **options))


@pytest.mark.slow
def test_fill_mask_without_mask_is_an_error(mlm):
    _, folder = mlm
    with pytest.raises(ValueError, match=r"fill-mask input 'No mask here\.' has no \[MASK\] token"):
        tfbert.pipeline("fill-mask", model=str(folder))("No mask here.")


@pytest.mark.parametrize("options", [{}, {"top_k": 2}, {"top_k": None}])
@pytest.mark.slow
def test_text_classification(tiny_classifier, options):
    pt_model, folder = tiny_classifier
    theirs = reference_pipeline("text-classification", pt_model, folder)
    ours = tfbert.pipeline("text-classification", model=str(folder))
    texts = ["I loved it.", "Terrible, do not watch.", "It was fine I guess, nothing more to say."]
    assert_same_results(ours(texts, **options), theirs(texts, **options))
    assert_same_results(ours(texts[0], **options), theirs(texts[0], **options))


@pytest.mark.parametrize("problem_type", ["multi_label_classification", "regression"])
@pytest.mark.slow
def test_text_classification_function_by_problem_type(tmp_path, minilm_folder, problem_type):
    pt_model = make_checkpoint(
        "BertForSequenceClassification", tmp_path, minilm_folder, problem_type=problem_type
    )
    theirs = reference_pipeline("text-classification", pt_model, tmp_path, top_k=None)
    ours = tfbert.pipeline("text-classification", model=str(tmp_path), top_k=None)
    assert_same_results(ours(["Good.", "Bad."]), theirs(["Good.", "Bad."]))


@pytest.mark.slow
def test_feature_extraction(mlm):
    import transformers

    _, folder = mlm
    base = transformers.BertModel.from_pretrained(folder).eval()
    theirs = reference_pipeline("feature-extraction", base, folder)
    ours = tfbert.pipeline("feature-extraction", model=str(folder))
    texts = ["short", "a somewhat longer sentence with more tokens"]
    for a, b in zip(ours(texts), theirs(texts)):
        np.testing.assert_allclose(np.array(a), np.array(b), atol=1e-4)


@pytest.mark.slow
def test_sentence_embedding_of_all_minilm_l6_v2_equals_mean_pooled_transformers(minilm_folder):
    import torch
    import transformers

    texts = [
        "A man is eating food.",
        "A man is eating a piece of bread.",
        "The new movie is awesome " * 60,
        "",
        "Ünïcödé and emoji 🙂 too",
    ]
    ours = tfbert.pipeline("sentence-embedding", batch_size=2)(texts)  # the default model
    tokenizer = transformers.BertTokenizerFast.from_pretrained(minilm_folder)
    model = transformers.BertModel.from_pretrained(minilm_folder).eval()
    encoded = tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
    with torch.no_grad():
        tokens = model(**encoded).last_hidden_state
    mask = encoded["attention_mask"][..., None].float()
    expected = torch.nn.functional.normalize((tokens * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    assert encoded["input_ids"].shape[1] == 256  # the long text was cut at max_seq_length
    np.testing.assert_allclose(ours, expected, atol=1e-4)


def test_errors(tiny_classifier, mlm):
    _, clf_folder = tiny_classifier
    with pytest.raises(ValueError, match="unknown task 'translation'; tfbert knows"):
        tfbert.pipeline("translation", model=str(clf_folder))
    with pytest.raises(ValueError, match="without the head fill-mask needs"):
        tfbert.pipeline("fill-mask", model=str(clf_folder))
    with pytest.raises(ValueError, match="text-classification needs a model="):
        tfbert.pipeline("text-classification")
    _, mlm_folder = mlm
    with pytest.raises(ValueError, match="target 'photosynthesizing' is not a single token"):
        tfbert.pipeline("fill-mask", model=str(mlm_folder), targets=["photosynthesizing"])


@pytest.mark.slow
def test_generators_and_input_order(mlm):
    _, folder = mlm
    embed = tfbert.pipeline("sentence-embedding", model=str(folder), batch_size=2)
    texts = ["a b c d e f g", "x", "one two three", "y z"]
    vectors = embed(text for text in texts)  # a generator, sorted into batches by length
    for text, vector in zip(texts, vectors):
        np.testing.assert_allclose(embed(text), vector, atol=1e-5)


NER_LABELS = {0: "O", 1: "B-PER", 2: "I-PER", 3: "B-LOC", 4: "I-LOC"}
NER_TEXTS = [
    "Angela Merkel visited Washington yesterday.",
    "Hugging Face Inc. is a company based in New York City. Its headquarters are in DUMBO, "
    "therefore very close to the Manhattan Bridge which is visible from the window.",
    "Übermäßig ⅷ naïve café owners in Zürich, 東京 and São Paulo",
]


@pytest.fixture(scope="module")
def tagger(tmp_path_factory, minilm_folder):
    folder = tmp_path_factory.mktemp("ner")
    return make_checkpoint(
        "BertForTokenClassification", folder, minilm_folder, id2label=NER_LABELS
    ), folder


@pytest.mark.parametrize("strategy", ["none", "simple", "first", "average", "max"])
@pytest.mark.slow
def test_token_classification(tagger, strategy):
    pt_model, folder = tagger
    theirs = reference_pipeline(
        "token-classification", pt_model, folder, aggregation_strategy=strategy
    )
    ours = tfbert.pipeline("token-classification", model=str(folder), aggregation_strategy=strategy)
    expected = [theirs(text) for text in NER_TEXTS]
    assert any(expected), "the reference found no entity: the test would prove nothing"
    assert_same_results(_plain(ours(NER_TEXTS)), _plain(expected))


def _plain(value):
    """numpy scalars (transformers' scores) as Python numbers."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value.item() if isinstance(value, np.generic) else value


@pytest.mark.slow
def test_question_answering_equals_transformers_4_57():
    """Golden answers recorded by tests/fixtures/make_qa_fixture.py with transformers 4.57."""
    import json
    import pathlib

    folder = pathlib.Path(__file__).parent.parent / "fixtures" / "qa"
    cases = json.loads((folder / "answers.json").read_text())
    assert max(case["windows"] for case in cases) > 1  # a context longer than 384 tokens
    for case in cases:
        qa = tfbert.pipeline("question-answering", model=str(folder), **case["options"])
        ours = qa(question=case["question"], context=case["context"])
        assert_same_results(ours, case["answers"])
    batch = tfbert.pipeline("question-answering", model=str(folder), top_k=2)
    questions = [{"question": c["question"], "context": c["context"]} for c in cases]
    expected = [c["answers"] for c in cases if c["options"] == {"top_k": 2}]
    got = [answer for answer, c in zip(batch(questions), cases) if c["options"] == {"top_k": 2}]
    assert_same_results(got, expected)


@pytest.mark.slow
def test_question_answering_errors():
    import pathlib

    folder = pathlib.Path(__file__).parent.parent / "fixtures" / "qa"
    qa = tfbert.pipeline("question-answering", model=str(folder))
    with pytest.raises(ValueError, match="empty question"):
        qa(question="  ", context="Some context.")
    with pytest.raises(
        ValueError, match="takes \\['question', 'context'\\] for each input, got a string"
    ):
        qa("just a string")


def _reference_probabilities(pt_model, folder, first, second, choices=None):
    import torch
    import transformers

    tokenizer = transformers.BertTokenizerFast.from_pretrained(folder)
    encoded = tokenizer(first, second, padding=True, return_tensors="pt")
    if choices:
        encoded = {k: v.view(-1, choices, v.shape[-1]) for k, v in encoded.items()}
    with torch.no_grad():
        return torch.softmax(pt_model(**encoded).logits, -1).numpy()


@pytest.mark.slow
def test_next_sentence_prediction(tmp_path, minilm_folder):
    pt_model = make_checkpoint("BertForNextSentencePrediction", tmp_path, minilm_folder)
    pairs = [
        {"text": "The sky is blue.", "text_pair": "It rarely rains here."},
        {"text": "I bought apples.", "text_pair": "Quantum chromodynamics is hard."},
    ]
    ours = tfbert.pipeline("next-sentence-prediction", model=str(tmp_path))(pairs)
    expected = _reference_probabilities(
        pt_model, tmp_path, [p["text"] for p in pairs], [p["text_pair"] for p in pairs]
    )
    for result, probs in zip(ours, expected):
        assert result["label"] == ("is_next", "not_next")[int(probs.argmax())]
        assert result["score"] == pytest.approx(float(probs.max()), abs=1e-4)


@pytest.mark.slow
def test_multiple_choice(tmp_path, minilm_folder):
    pt_model = make_checkpoint("BertForMultipleChoice", tmp_path, minilm_folder)
    items = [
        {"text": "The chef cut the onion with", "choices": ["a knife.", "a cloud.", "music."]},
        {"text": "To stay dry, take", "choices": ["an umbrella.", "a fish.", "a nap."]},
    ]
    mc = tfbert.pipeline("multiple-choice", model=str(tmp_path))
    ours = mc(items)
    firsts = [item["text"] for item in items for _ in item["choices"]]
    seconds = [choice for item in items for choice in item["choices"]]
    expected = _reference_probabilities(pt_model, tmp_path, firsts, seconds, choices=3)
    for result, probs in zip(ours, expected):
        assert result["choice"] == int(probs.argmax())
        np.testing.assert_allclose(result["scores"], probs, atol=1e-4)
    with pytest.raises(ValueError, match="same number of choices; got \\[2, 3\\]"):
        mc([items[0], {"text": "x", "choices": ["a", "b"]}])


def test_progress_bar_when_asked(mlm, capsys):
    _, folder = mlm
    embed = tfbert.pipeline("sentence-embedding", model=str(folder), batch_size=2, progress=True)
    embed([f"sentence number {i}" for i in range(5)])
    err = capsys.readouterr().err
    assert "sentence-embedding: 100%" in err and "3/3" in err  # 5 texts in batches of 2
