"""Bad input to ``tfbert.pipeline``: one row per case, with the exact result (transformers'
pipeline on the same PyTorch weights, where it has the task) or the error type and the words its
message must hold. Tiny random checkpoints with the real uncased vocabulary, built once."""

import atexit
import functools
import pathlib
import shutil
import tempfile

import numpy as np
import pytest

from tests.bad_input.table import Row, check

CONTEXT = (
    "The Eiffel Tower was built in 1889 by Gustave Eiffel's company in Paris. It is 330 "
    "metres tall. "
) * 12  # about 300 tokens: long enough to be cut into windows


@functools.cache
def scratch() -> pathlib.Path:
    folder = pathlib.Path(tempfile.mkdtemp(prefix="bad_pipelines_"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@functools.cache
def checkpoint(kind: str) -> str:
    """A tiny checkpoint: "cls" (3 labels), "mlm", "qa", "ner", "mc", or "nomask" (mlm without
    [MASK])."""
    from tests.tasks.conftest import make_checkpoint
    from tfbert.tasks import default_model_path

    folder = scratch() / kind
    folder.mkdir()
    minilm = pathlib.Path(default_model_path())
    if kind == "nomask":
        make_checkpoint("BertForMaskedLM", folder, minilm)
        vocab = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
        (folder / "vocab.txt").write_text(
            "".join(t + "\n" for t in vocab if t != "[MASK]"), encoding="utf-8"
        )
        (folder / "tokenizer.json").unlink()
        return str(folder)
    classes = {
        "cls": "BertForSequenceClassification",
        "mlm": "BertForMaskedLM",
        "qa": "BertForQuestionAnswering",
        "ner": "BertForTokenClassification",
        "mc": "BertForMultipleChoice",
    }
    labels = {"cls": ["NEG", "NEU", "POS"], "ner": ["O", "B-PER", "I-PER"]}
    config = {"id2label": dict(enumerate(labels[kind]))} if kind in labels else {}
    make_checkpoint(classes[kind], folder, minilm, **config)
    return str(folder)


@functools.cache
def pipe(task: str, kind: str | None = None):
    import tfbert

    return tfbert.pipeline(task, model=None if kind is None else checkpoint(kind))


def cls(*args, **kwargs):
    return pipe("text-classification", "cls")(*args, **kwargs)


def fill(*args, **kwargs):
    return pipe("fill-mask", "mlm")(*args, **kwargs)


def qa(*args, **kwargs):
    return pipe("question-answering", "qa")(*args, **kwargs)


def embed(*args, **kwargs):
    return pipe("sentence-embedding")(*args, **kwargs)


@functools.cache
def reference(task: str, kind: str):  # transformers 5 has no question-answering pipeline
    import transformers

    from tests.tasks.conftest import reference_pipeline

    model = transformers.BertForSequenceClassification.from_pretrained(checkpoint(kind)).eval()
    return reference_pipeline(task, model, checkpoint(kind))


def like_reference(task: str, kind: str, *args, **kwargs):
    """Checker: the same labels/answers as transformers' pipeline, scores to 1e-5."""

    def checker(result):
        close(result, reference(task, kind)(*args, **kwargs))
        return True

    return checker


def close(got, want):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            close(g, w)
    elif isinstance(want, dict):
        assert set(got) == set(want), (got, want)
        for key in want:
            close(got[key], want[key])
    elif isinstance(want, float):
        assert abs(got - want) < 1e-5, (got, want)
    else:
        assert got == want, (got, want)


def same_as(expected_call):
    def checker(result):
        expected = expected_call()
        assert result == expected, (result, expected)
        return True

    return checker


def question_of(tokens: int) -> str:
    return " ".join(["tower"] * (tokens - 1) + ["?"])  # "tower" and "?" are one token each


def run_bypassing_checks(question: str, max_seq_len: int):
    """Runs the question-answering graph directly, without the pipeline's input checks."""
    import tensorflow as tf

    graph, _ = pipe("question-answering", "qa")._graph({"max_seq_len": max_seq_len})
    return graph({"question": tf.constant([question]), "context": tf.constant([CONTEXT])})


ROWS = [
    # --- text-classification: top_k, inputs, options
    Row(
        "cls-top-k-negative",
        lambda: cls("fine", top_k=-1),
        (ValueError, ["text-classification top_k -1 must be a positive integer"]),
    ),
    Row(
        "cls-top-k-zero",
        lambda: cls("fine", top_k=0),
        (ValueError, ["top_k 0 must be a positive integer"]),
    ),
    Row("cls-top-k-string", lambda: cls("fine", top_k="2"), (ValueError, ["top_k '2'"])),
    Row("cls-top-k-float", lambda: cls("fine", top_k=1.5), (ValueError, ["top_k 1.5"])),
    Row(
        "cls-top-k-at-build",
        lambda: __import__("tfbert").pipeline(
            "text-classification", model=checkpoint("cls"), top_k=-2
        )("fine"),
        (ValueError, ["top_k -2"]),
    ),
    Row(
        "cls-int",
        lambda: cls(5),
        (
            ValueError,
            ["text-classification inputs must be a string or a list of them", "got int 5"],
        ),
    ),
    Row("cls-none", lambda: cls(None), (ValueError, ["inputs must be", "got NoneType None"])),
    Row("cls-bytes", lambda: cls(b"hi"), (ValueError, ["got bytes", "decode bytes to str first"])),
    Row(
        "cls-dict",
        lambda: cls({"x": 1}),
        (ValueError, ["input 0 must be a string", "a dict with keys ['x']"]),
    ),
    Row(
        "cls-none-in-list",
        lambda: cls(["a", None]),
        (ValueError, ["input 1 must be a string", "NoneType"]),
    ),
    Row(
        "cls-nested-list",
        lambda: cls([["a", "b"]]),
        (ValueError, ["input 0 must be a string", "got list"]),
    ),
    Row(
        "cls-2d-array", lambda: cls(np.array([["a", "b"]])), (ValueError, ["array of shape (1, 2)"])
    ),
    Row(
        "cls-surrogate",
        lambda: cls(["fine", "bad\ud800"]),
        (ValueError, ["text-classification input[1] holds a lone surrogate U+D800"]),
    ),
    Row(
        "cls-max-length-zero",
        lambda: cls("fine", max_length=0),
        (ValueError, ["max_length 0 must be a positive"]),
    ),
    Row(
        "cls-truncation-int",
        lambda: cls("fine", truncation=5),
        (ValueError, ["truncation 5 is not one of"]),
    ),
    Row(
        "cls-truncation-only-second",
        lambda: cls("fine", truncation="only_second"),
        (ValueError, ["truncation 'only_second' is not one of"]),
    ),
    Row(
        "cls-function-unknown",
        lambda: cls("fine", function_to_apply="relu"),
        (ValueError, ["function_to_apply 'relu' is not one of softmax"]),
    ),
    Row(
        "cls-misspelled-option",
        lambda: cls("fine", max_lenght=8),
        (ValueError, ["['max_lenght']", "did you mean max_length?"]),
    ),
    Row(
        "cls-bogus-option-at-build",
        lambda: __import__("tfbert").pipeline(
            "text-classification", model=checkpoint("cls"), bogus_option=42
        ),
        (ValueError, ["does not take ['bogus_option']", "it takes"]),
    ),
    Row(
        "cls-batch-size-zero",
        lambda: cls("fine", batch_size=0),
        (ValueError, ["batch_size 0 must be a positive"]),
    ),
    Row(
        "cls-top-k-none-all-labels",
        lambda: cls("I loved it.", top_k=None),
        ("ok", like_reference("text-classification", "cls", "I loved it.", top_k=None)),
    ),
    Row(
        "cls-top-k-two",
        lambda: cls(["I loved it.", ""], top_k=2),
        ("ok", like_reference("text-classification", "cls", ["I loved it.", ""], top_k=2)),
    ),
    Row(
        "cls-empty-string",
        lambda: cls(""),
        ("ok", like_reference("text-classification", "cls", "")),
    ),
    Row("cls-empty-list", lambda: cls([]), ("ok", lambda result: result == [])),
    Row(
        "cls-numpy-strings",
        lambda: cls(np.array(["a", "bc"])),
        ("ok", same_as(lambda: cls(["a", "bc"]))),
    ),
    Row(
        "cls-generator",
        lambda: cls(t for t in ["a", "bc"]),
        ("ok", same_as(lambda: cls(["a", "bc"]))),
    ),
    # --- fill-mask
    Row(
        "fill-top-k-negative",
        lambda: fill("a [MASK] b", top_k=-1),
        (ValueError, ["top_k -1 must be a positive integer"]),
    ),
    Row("fill-top-k-zero", lambda: fill("a [MASK] b", top_k=0), (ValueError, ["top_k 0"])),
    Row(
        "fill-targets-empty",
        lambda: fill("a [MASK] b", targets=[]),
        (ValueError, ["fill-mask targets []", "non-empty list of tokens"]),
    ),
    Row(
        "fill-targets-int",
        lambda: fill("a [MASK] b", targets=5),
        (ValueError, ["fill-mask targets 5"]),
    ),
    Row(
        "fill-target-not-a-token",
        lambda: fill("a [MASK] b", targets=["zzqqxx"]),
        (ValueError, ["target 'zzqqxx' is not a single token of the vocabulary"]),
    ),
    Row(
        "fill-target-none-item",
        lambda: fill("a [MASK] b", targets=["paris", None]),
        (ValueError, ["target None is not a single token"]),
    ),
    Row(
        "fill-no-mask",
        lambda: fill("a b"),
        (ValueError, ["fill-mask input 'a b' has no [MASK] token"]),
    ),
    Row(
        "fill-int",
        lambda: fill(3),
        (ValueError, ["fill-mask inputs must be a string", "got int 3"]),
    ),
    Row(
        "fill-vocabulary-without-mask",
        lambda: pipe("fill-mask", "nomask"),
        (ValueError, ["mask_token '[MASK]'", "vocab.txt", "no such token"]),
    ),
    Row(
        "fill-one-target",
        lambda: fill("The capital of France is [MASK].", targets="paris"),
        ("ok", lambda result: [r["token_str"] for r in result] == ["paris"]),
    ),
    # --- question-answering
    Row(
        "qa-question-too-long",
        lambda: qa(question=question_of(400), context="a b c " * 200),
        (ValueError, ["question 0 is 400 tokens long", "max_seq_len=384", "doc_stride=128"]),
    ),
    Row(
        "qa-question-too-long-small-window",
        lambda: qa(question=question_of(60), context=CONTEXT, max_seq_len=32),
        (ValueError, ["question 0 is 60 tokens long", "max_seq_len=32", "at most 12 tokens"]),
    ),
    Row(
        "qa-longest-question-that-fits",
        lambda: qa(question=question_of(12), context=CONTEXT, max_seq_len=32),
        ("ok", lambda result: set(result) == {"score", "start", "end", "answer"}),
    ),
    Row(
        "qa-long-question-short-context",
        lambda: qa(question=question_of(40), context="Paris.", max_seq_len=64),
        ("ok", lambda result: result["answer"] == "Paris."[result["start"] : result["end"]] != ""),
    ),
    Row(
        "qa-doc-stride-negative",
        lambda: qa(question="a", context="b c", doc_stride=-1),
        (ValueError, ["doc_stride -1 must be a non-negative integer"]),
    ),
    Row(
        "qa-doc-stride-fills-window",
        lambda: qa(question="a", context="b c", doc_stride=381),
        (
            ValueError,
            ["doc_stride (381) must be smaller than max_seq_len (384) minus the 3 special"],
        ),
    ),
    Row(
        "qa-max-seq-len-zero",
        lambda: qa(question="a", context="b c", max_seq_len=0),
        (ValueError, ["max_seq_len 0 must be a positive integer"]),
    ),
    Row(
        "qa-top-k-zero",
        lambda: qa(question="a", context="b c", top_k=0),
        (ValueError, ["top_k must be >= 1, got 0"]),
    ),
    Row(
        "qa-top-k-string",
        lambda: qa(question="a", context="b c", top_k="3"),
        (ValueError, ["top_k must be >= 1, got '3'", "positive integer"]),
    ),
    Row(
        "qa-max-answer-len-zero",
        lambda: qa(question="a", context="b c", max_answer_len=0),
        (ValueError, ["max_answer_len must be >= 1, got 0"]),
    ),
    Row(
        "qa-doc-stride-past-window",
        lambda: qa(question="a", context="b c", doc_stride=200, max_seq_len=100),
        (ValueError, ["doc_stride (200) is larger than max_seq_len (100)"]),
    ),
    Row(
        "qa-handle-impossible-string",
        lambda: qa(question="a", context="b c", handle_impossible_answer="x"),
        (ValueError, ["handle_impossible_answer 'x' must be True or False"]),
    ),
    Row(
        "qa-a-string",
        lambda: qa("Who?"),
        (ValueError, ["takes ['question', 'context']", "input 0"]),
    ),
    Row(
        "qa-dict-wrong-keys",
        lambda: qa({"q": "a", "context": "b"}),
        (ValueError, ["must be a dict with ['question', 'context']", "keys ['context', 'q']"]),
    ),
    Row(
        "qa-question-int",
        lambda: qa({"question": 1, "context": "b"}),
        (ValueError, ["input 0's 'question' must be a string, got int 1"]),
    ),
    Row(
        "qa-context-none",
        lambda: qa({"question": "a", "context": None}),
        (ValueError, ["input 0's 'context' must be a string, got NoneType"]),
    ),
    Row(
        "qa-keyword-lengths-differ",
        lambda: qa(question=["a", "b"], context=["c"]),
        (ValueError, ["keyword inputs differ in length", "'question': 2", "'context': 1"]),
    ),
    Row(
        "qa-keyword-string-and-list",
        lambda: qa(question="a", context=["b", "c"]),
        (ValueError, ["'context' must be a string, got list"]),
    ),
    Row(
        "qa-empty-question",
        lambda: qa(question="  ", context="b c"),
        (ValueError, ["empty question"]),
    ),
    Row(
        "qa-surrogate-context",
        lambda: qa(question="a", context="b\udfff"),
        (ValueError, ["'context'", "lone surrogate U+DFFF"]),
    ),
    Row(
        "qa-two-by-keywords",
        lambda: qa(question=["Who built it?", "How tall?"], context=[CONTEXT, CONTEXT]),
        (
            "ok",
            lambda result: (
                close(
                    result,
                    [
                        qa(question="Who built it?", context=CONTEXT),
                        qa(question="How tall?", context=CONTEXT),
                    ],
                )
                is None
            ),
        ),
    ),
    # --- token classification, multiple choice
    Row(
        "ner-ignore-labels-int",
        lambda: pipe("token-classification", "ner")("Ann", ignore_labels=5),
        (ValueError, ["ignore_labels 5 must be a label or a list of labels"]),
    ),
    Row(
        "ner-ignore-labels-none-item",
        lambda: pipe("token-classification", "ner")("Ann", ignore_labels=[None]),
        (ValueError, ["ignore_labels [None]"]),
    ),
    Row(
        "ner-aggregation-unknown",
        lambda: pipe("token-classification", "ner")("Ann", aggregation_strategy="mean"),
        (ValueError, ["aggregation_strategy 'mean' is not one of"]),
    ),
    Row(
        "mc-no-choices",
        lambda: pipe("multiple-choice", "mc")({"text": "a", "choices": []}),
        (ValueError, ["input 0's 'choices' is empty", "at least one choice"]),
    ),
    Row(
        "mc-choices-a-string",
        lambda: pipe("multiple-choice", "mc")({"text": "a", "choices": "b"}),
        (ValueError, ["input 0's 'choices' must be a list of strings, got str"]),
    ),
    Row(
        "mc-choice-counts-differ",
        lambda: pipe("multiple-choice", "mc")(
            [{"text": "a", "choices": ["b"]}, {"text": "a", "choices": ["b", "c"]}]
        ),
        (ValueError, ["needs the same number of choices", "[1, 2]"]),
    ),
    # --- sentence-embedding and pipeline()
    Row(
        "embed-normalize-string",
        lambda: embed("a", normalize="yes"),
        (ValueError, ["normalize 'yes' must be True or False"]),
    ),
    Row(
        "embed-max-length-negative",
        lambda: embed("a", max_length=-1),
        (ValueError, ["max_length -1 must be a positive integer"]),
    ),
    Row(
        "embed-pooling-unknown",
        lambda: embed("a", pooling="avg"),
        (ValueError, ["pooling mode 'avg'"]),
    ),
    Row(
        "embed-int",
        lambda: embed(7),
        (ValueError, ["sentence-embedding inputs must be a string", "int 7"]),
    ),
    Row(
        "unknown-task",
        lambda: __import__("tfbert").pipeline("translation"),
        (ValueError, ["unknown task 'translation'", "sentence-embedding"]),
    ),
    Row(
        "task-needs-a-model",
        lambda: __import__("tfbert").pipeline("text-classification"),
        (ValueError, ["needs a model=", "TFBertForSequenceClassification"]),
    ),
    Row(
        "checkpoint-without-the-head",
        lambda: __import__("tfbert").pipeline("fill-mask", model=checkpoint("cls")),
        (ValueError, ["BertForSequenceClassification checkpoint without the head fill-mask needs"]),
    ),
    Row(
        "model-folder-missing",
        lambda: __import__("tfbert").pipeline("fill-mask", model="/nonexistent/m"),
        (FileNotFoundError, ["'/nonexistent/m'"]),
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
@pytest.mark.slow
def test_bad_input(row):
    check(row)


def test_rows_are_unique():
    assert len({row.id for row in ROWS}) == len(ROWS)


def test_question_limit_is_the_graphs_own():
    """The longest question the pipeline lets through runs in the graph; one token more is what
    the graph itself refuses (so the check is neither looser nor stricter than the graph)."""
    import tensorflow as tf

    fits = run_bypassing_checks(question_of(12), 32)
    assert fits["answer"].shape == (1, 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="too short to fit max_length|stride"):
        run_bypassing_checks(question_of(13), 32)
    with pytest.raises(ValueError, match="question 0 is 13 tokens long"):
        qa(question=question_of(13), context=CONTEXT, max_seq_len=32)
