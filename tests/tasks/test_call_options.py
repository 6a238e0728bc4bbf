"""Task options given to a pipeline call equal transformers' pipelines given them (and the same
options given to tfbert.pipeline(...)); unknown options are errors that list the known ones."""

import json
import pathlib

import numpy as np
import pytest

import tfbert
from tests.tasks.conftest import make_checkpoint, reference_pipeline
from tests.tasks.test_pipelines import (
    NER_LABELS,
    NER_TEXTS,
    TEXTS,
    _plain,
    assert_same_results,
)

QA_FOLDER = pathlib.Path(__file__).parent.parent / "fixtures" / "qa"


@pytest.fixture(scope="module")
def mlm(tmp_path_factory, minilm_folder):
    folder = tmp_path_factory.mktemp("mlm")
    return make_checkpoint("BertForMaskedLM", folder, minilm_folder), folder


@pytest.fixture(scope="module")
def fill(mlm):
    return tfbert.pipeline("fill-mask", model=str(mlm[1]))


@pytest.mark.parametrize(
    "options",
    [
        {"top_k": 3},
        {"targets": ["energy", "food", "water"]},
        {"targets": "energy"},
        {"top_k": 2, "targets": ["a", "the", "it"]},
    ],
)
@pytest.mark.slow
def test_fill_mask_options_per_call(mlm, fill, options):
    pt_model, folder = mlm
    theirs = reference_pipeline("fill-mask", pt_model, folder)
    expected = [theirs(text, **options) for text in TEXTS]
    assert_same_results(fill(TEXTS, **options), expected)
    assert_same_results(fill(TEXTS[1], **options), expected[1])
    assert_same_results(tfbert.pipeline("fill-mask", model=str(folder), **options)(TEXTS), expected)
    assert_same_results(fill(TEXTS[1]), theirs(TEXTS[1]))  # the call's options do not stick


def test_one_graph_per_option_set_on_the_same_model(fill):
    model, tokenizer = fill.parts.model, fill.parts.tokenizer
    fill(TEXTS[1], top_k=4)
    graphs = len(fill._graphs)
    graph, run = fill._graph({"top_k": 4})
    fill(TEXTS, top_k=4)
    fill(TEXTS[:2], top_k=4, batch_size=1)
    assert len(fill._graphs) == graphs  # cached, not rebuilt
    assert run.experimental_get_tracing_count() == 1  # traced once, not per call
    assert graph.model is model and graph.tokenizer is tokenizer  # no reload
    assert fill._graph({})[0] is fill.graph  # the default graph, built at construction


@pytest.mark.slow
def test_the_graph_cache_is_bounded(fill, monkeypatch):
    import sys

    monkeypatch.setattr(sys.modules["tfbert.tasks.pipeline"], "MAX_GRAPHS", 2)
    for k in (1, 2, 3, 4):
        fill(TEXTS[1], top_k=k)
    assert len(fill._graphs) == 3  # the default and the two most recent
    assert fill._graph({})[0] is fill.graph


@pytest.mark.parametrize(
    "options",
    [
        {"function_to_apply": "sigmoid"},
        {"function_to_apply": "none", "top_k": None},
        {"function_to_apply": "sigmoid", "top_k": 2},
    ],
)
@pytest.mark.slow
def test_text_classification_options_per_call(tiny_classifier, options):
    pt_model, folder = tiny_classifier
    theirs = reference_pipeline("text-classification", pt_model, folder)
    texts = ["I loved it.", "Terrible, do not watch.", "It was fine I guess."]
    clf = tfbert.pipeline("text-classification", model=str(folder))
    assert_same_results(clf(texts, **options), theirs(texts, **options))
    assert_same_results(clf(texts[0], **options), theirs(texts[0], **options))
    constructed = tfbert.pipeline("text-classification", model=str(folder), **options)
    assert_same_results(constructed(texts), theirs(texts, **options))
    assert_same_results(
        constructed(texts, function_to_apply="softmax"),  # a call overrides
        theirs(texts, **{**options, "function_to_apply": "softmax"}),
    )


@pytest.fixture(scope="module")
def tagger(tmp_path_factory, minilm_folder):
    folder = tmp_path_factory.mktemp("ner")
    return make_checkpoint(
        "BertForTokenClassification", folder, minilm_folder, id2label=NER_LABELS
    ), folder


@pytest.mark.parametrize(
    "options",
    [
        {"aggregation_strategy": "simple"},
        {"aggregation_strategy": "max"},
        {"aggregation_strategy": "first", "ignore_labels": ["O", "PER"]},
        {"ignore_labels": []},
    ],
)
@pytest.mark.slow
def test_token_classification_options_per_call(tagger, options):
    pt_model, folder = tagger
    theirs = reference_pipeline("token-classification", pt_model, folder)
    ner = tfbert.pipeline("ner", model=str(folder))
    expected = [theirs(text, **options) for text in NER_TEXTS]
    assert any(expected), "the reference found no entity: the test would prove nothing"
    assert_same_results(_plain(ner(NER_TEXTS, **options)), _plain(expected))
    assert_same_results(_plain(ner(NER_TEXTS)), _plain([theirs(text) for text in NER_TEXTS]))


@pytest.mark.slow
def test_question_answering_options_per_call_equal_transformers_4_57():
    """Golden answers recorded by tests/fixtures/make_qa_fixture.py with transformers 4.57 (v5
    has no question-answering pipeline); each case's options are given to the call here."""
    cases = json.loads((QA_FOLDER / "answers.json").read_text())
    assert any(case["options"] for case in cases)
    qa = tfbert.pipeline("question-answering", model=str(QA_FOLDER))
    for case in cases:
        ours = qa(question=case["question"], context=case["context"], **case["options"])
        assert_same_results(ours, case["answers"])


@pytest.mark.parametrize(
    "options",
    [
        {"doc_stride": 32, "max_seq_len": 96, "top_k": 3},
        {"max_length": 128, "max_answer_len": 4},
        {"max_question_len": 3, "top_k": 2},
    ],
)
@pytest.mark.slow
def test_question_answering_windows_per_call_equal_the_constructor_route(options):
    case = json.loads((QA_FOLDER / "answers.json").read_text())[2]  # the long context
    constructed = tfbert.pipeline("question-answering", model=str(QA_FOLDER), **options)
    expected = constructed(question=case["question"], context=case["context"])
    qa = tfbert.pipeline("question-answering", model=str(QA_FOLDER))
    assert_same_results(qa(question=case["question"], context=case["context"], **options), expected)
    if "max_seq_len" in options:  # smaller windows really changed the answers' scores
        assert expected[0] != qa(question=case["question"], context=case["context"], top_k=3)[0]


@pytest.mark.slow
def test_question_answering_max_question_len_changes_nothing_as_with_fast_tokenizers():
    case = json.loads((QA_FOLDER / "answers.json").read_text())[0]
    qa = tfbert.pipeline("question-answering", model=str(QA_FOLDER))
    assert_same_results(
        qa(question=case["question"], context=case["context"], max_question_len=2), case["answers"]
    )


def test_question_answering_bad_window_options():
    qa = tfbert.pipeline("question-answering", model=str(QA_FOLDER))
    with pytest.raises(ValueError, match=r"doc_stride \(200\) is larger than max_seq_len \(100\)"):
        qa(question="Where?", context="In Paris.", doc_stride=200, max_seq_len=100)
    with pytest.raises(ValueError, match="max_answer_len must be >= 1, got 0"):
        qa(question="Where?", context="In Paris.", max_answer_len=0)


@pytest.mark.slow
def test_sentence_embedding_normalize_and_pooling_per_call():
    texts = ["A cat sits.", "A much longer sentence about dogs running in the park."]
    embed = tfbert.pipeline("sentence-embedding")
    raw = embed(texts, normalize=False)
    np.testing.assert_allclose(
        raw, tfbert.pipeline("sentence-embedding", normalize=False)(texts), atol=1e-6
    )
    assert np.linalg.norm(raw, axis=1).min() > 1.5  # all-MiniLM-L6-v2's raw means are long
    np.testing.assert_allclose(
        raw / np.linalg.norm(raw, axis=1, keepdims=True), embed(texts), atol=1e-5
    )
    first_tokens = [rows[0][0] for rows in tfbert.pipeline("feature-extraction")(texts)]
    np.testing.assert_allclose(
        embed(texts, pooling="cls", normalize=False), first_tokens, atol=1e-5
    )


@pytest.mark.parametrize("where", ["construction", "call"])
@pytest.mark.parametrize(
    "name, hint", [("max_lenght", "did you mean max_length?"), ("bogus_option", None)]
)
def test_unknown_options_are_errors_listing_the_known_ones(mlm, fill, where, name, hint):
    _, folder = mlm
    with pytest.raises(ValueError) as error:
        if where == "construction":
            tfbert.pipeline("fill-mask", model=str(folder), **{name: 42})
        else:
            fill(TEXTS[1], **{name: 42})
    message = str(error.value)
    assert f"fill-mask does not take ['{name}']" in message
    assert "it takes " in message and "max_length" in message and "targets" in message
    assert "top_k" in message
    assert (hint in message) if hint else "did you mean" not in message


def test_unknown_options_of_other_tasks(tiny_classifier):
    from tfbert.tasks import build_task_graph

    _, folder = tiny_classifier
    with pytest.raises(
        ValueError,
        match=r"text-classification does not take \['targets'\] in a "
        r"call; it takes batch_size, function_to_apply",
    ):
        tfbert.pipeline("text-classification", model=str(folder))("Good.", targets=["a"])
    with pytest.raises(
        ValueError, match=r"question-answering does not take \['aggregation_strategy'\]"
    ):
        tfbert.pipeline("question-answering", model=str(QA_FOLDER), aggregation_strategy="simple")
    with pytest.raises(ValueError, match=r"does not take \['normalise'\].*did you mean normalize"):
        build_task_graph("sentence-embedding", normalise=False)
    with pytest.raises(ValueError, match="batch_size 0 must be a positive integer"):
        tfbert.pipeline("text-classification", model=str(folder))("Good.", batch_size=0)


@pytest.mark.slow
def test_tokenizer_arguments_per_call(mlm, tiny_classifier):
    """transformers' text-classification passes tokenizer arguments through; v4 programs write
    ``clf(text, truncation=True)`` for texts longer than the model takes."""
    import transformers

    long_text = "a rather long review of the film " * 120  # over 512 tokens
    pt_model, folder = tiny_classifier
    theirs = reference_pipeline("text-classification", pt_model, folder)
    clf = tfbert.pipeline("text-classification", model=str(folder))
    for options in (
        {"truncation": True},
        {"truncation": True, "padding": "max_length", "max_length": 64, "top_k": None},
    ):
        texts = [long_text, "Fine."]
        assert_same_results(clf(texts, **options), theirs(texts, **options))
    with pytest.raises(ValueError, match="padding 'both' is not one of True, False"):
        clf("Fine.", padding="both")

    pt_mlm, mlm_folder = mlm
    base = transformers.BertModel.from_pretrained(mlm_folder).eval()
    features = reference_pipeline("feature-extraction", base, mlm_folder)
    ours = tfbert.pipeline("feature-extraction", model=str(mlm_folder))(long_text, truncation=True)
    expected = features(long_text, truncation=True)
    assert np.array(expected).shape == (1, 512, 32)
    np.testing.assert_allclose(np.array(ours), np.array(expected), atol=1e-4)
