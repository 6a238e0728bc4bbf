"""The tasks: what each needs (model class, inputs), builds (post-processing) and returns."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from tfbert.tasks.classification import ChoiceScores, ClassificationScores, default_function
from tfbert.tasks.embedding import SentencePooling, TokenFeatures, sentence_transformers_settings
from tfbert.tasks.fill_mask import FillMaskTopK
from tfbert.tasks.question_answering import AnswerSpans
from tfbert.tasks.token_classification import TokenEntities


@dataclasses.dataclass(frozen=True)
class Task:
    """One task.

    Attributes:
        name: The task's name, as transformers names it where it has one.
        model_class: The ``TFBert*`` class whose head the task reads.
        architectures: transformers architectures whose checkpoints carry that head (``None``:
            any BERT checkpoint fits).
        text_inputs: Names of the string inputs.
        build: ``(folder, config, tokenizer, options) -> (postprocess layer, tokenizer options)``;
            pops the graph options it finds in ``options`` (those named in ``graph_options``).
        format: ``(results of one input, options) -> what the pipeline returns for it``.
        collect: ``(formatted results, options, single) -> what a pipeline call returns``.
        graph_options: Options that shape the graph (post-processing, tokenizer settings); a
            pipeline keeps one graph per distinct set of them.
        format_options: Options applied when formatting (Python side).
        choices_input: The input holding several alternatives (multiple choice), if any.
        check: ``(rows, graph, options) -> None``: raises for inputs or format options the
            graph would refuse or misread, before anything runs (the message names them).
    """

    name: str
    model_class: str
    architectures: tuple[str, ...] | None
    text_inputs: tuple[str, ...]
    build: Callable
    format: Callable
    collect: Callable = lambda results, options, single: results[0] if single else results
    graph_options: tuple[str, ...] = ("max_length",)
    format_options: tuple[str, ...] = ()
    choices_input: str | None = None
    check: Callable = lambda rows, graph, options: None


def _sentence_embedding(folder, config, tokenizer, options):
    settings = (
        sentence_transformers_settings(folder)
        if os.path.isdir(folder)
        else {"mode": "mean", "normalize": False, "max_length": None}
    )
    normalize = _flag("normalize", options.pop("normalize", settings["normalize"]))
    max_length = options.pop("max_length", None)
    if max_length is None:
        max_length = settings["max_length"]
    else:
        max_length = _positive("max_length", max_length)
    layer = SentencePooling(mode=options.pop("pooling", settings["mode"]), normalize=normalize)
    return layer, ({"max_length": max_length} if max_length else {})


def _feature_extraction(folder, config, tokenizer, options):
    return TokenFeatures(), _tokenizer_kwargs(options)


def _text_classification(folder, config, tokenizer, options):
    function = options.pop("function_to_apply", None) or default_function(config)
    labels = [config.id2label[i] for i in range(config.num_labels)]
    return ClassificationScores(labels, function=str(function).lower()), _tokenizer_kwargs(options)


def _fill_mask(folder, config, tokenizer, options):
    vocab = {token: i for i, token in enumerate(tokenizer.vocab)}
    targets = options.pop("targets", None)
    target_ids = None
    if targets is not None:
        targets = [targets] if isinstance(targets, str) else targets
        if not isinstance(targets, (list, tuple)) or not targets:
            raise ValueError(
                f"fill-mask targets {targets!r} must be a token or a non-empty list "
                f"of tokens of the vocabulary"
            )
        target_ids = []
        for target in targets:
            if not isinstance(target, str) or target not in vocab:
                raise ValueError(
                    f"fill-mask target {target!r} is not a single token of the vocabulary"
                )
            target_ids.append(vocab[target])
    top_k = _positive("top_k", options.pop("top_k", 5))
    layer = FillMaskTopK(
        _special_id(tokenizer, vocab, "mask_token", folder),
        _special_id(tokenizer, vocab, "pad_token", folder),
        top_k=top_k,
        targets=target_ids,
    )
    return layer, _length_option(options)


def _special_id(tokenizer, vocab: dict[str, int], name: str, folder) -> int:
    """The id of the tokenizer's ``name`` token; raises naming it and the files when absent."""
    token = tokenizer.special_tokens.get(name)
    if token is None or token not in vocab:
        files = [
            f
            for f in ("vocab.txt", "tokenizer.json")
            if os.path.isfile(os.path.join(str(folder), f))
        ]
        where = " / ".join(os.path.join(str(folder), f) for f in files) or str(folder)
        raise ValueError(
            f"fill-mask needs the {name} {token!r} in the vocabulary, but {where} "
            f"has no such token ({len(vocab)} tokens); set {name} in "
            f"tokenizer_config.json to a token of the vocabulary"
        )
    return vocab[token]


def _token_classification(folder, config, tokenizer, options):
    labels = [config.id2label[i] for i in range(config.num_labels)]
    ignore_labels = options.pop("ignore_labels", None)  # [] keeps every label, as in transformers
    ignore_labels = (
        ("O",)
        if ignore_labels is None
        else [ignore_labels]
        if isinstance(ignore_labels, str)
        else ignore_labels
    )
    if not isinstance(ignore_labels, (list, tuple)) or not all(
        isinstance(label, str) for label in ignore_labels
    ):
        raise ValueError(
            f"ignore_labels {ignore_labels!r} must be a label or a list of labels (strings)"
        )
    layer = TokenEntities(
        labels,
        tokenizer.vocab,
        strategy=options.pop("aggregation_strategy", "none"),
        ignore_labels=ignore_labels,
        unk_token=tokenizer.special_tokens["unk_token"],
    )
    return layer, {
        **_length_option(options),
        "return_offsets_mapping": True,
        "return_special_tokens_mask": True,
    }


def _question_answering(folder, config, tokenizer, options):
    max_length = options.pop("max_length", None)  # tfbert's name for max_seq_len
    max_seq_len = options.pop("max_seq_len", None)
    max_seq_len = max_length if max_seq_len is None else max_seq_len
    max_seq_len = (
        min(tokenizer.options["model_max_length"] or 384, 384)
        if max_seq_len is None
        else _positive("max_seq_len", max_seq_len)
    )
    doc_stride = options.pop("doc_stride", None)
    doc_stride = (
        min(max_seq_len // 2, 128) if doc_stride is None else _count("doc_stride", doc_stride)
    )
    if doc_stride > max_seq_len:
        raise ValueError(
            f"question-answering doc_stride ({doc_stride}) is larger than "
            f"max_seq_len ({max_seq_len})"
        )
    if doc_stride >= max_seq_len - QA_SPECIAL_TOKENS:
        raise ValueError(
            f"question-answering doc_stride ({doc_stride}) must be smaller than "
            f"max_seq_len ({max_seq_len}) minus the {QA_SPECIAL_TOKENS} special "
            f"tokens; lower doc_stride or raise max_seq_len"
        )
    # transformers reads max_question_len only with slow (Python) tokenizers; with fast ones, as
    # here, the question is never cut and the option changes nothing
    _positive("max_question_len", options.pop("max_question_len", 64))
    layer = AnswerSpans(
        tokenizer.vocab,
        top_k=options.pop("top_k", 1),
        max_answer_len=options.pop("max_answer_len", 15),
        handle_impossible_answer=_flag(
            "handle_impossible_answer", options.pop("handle_impossible_answer", False)
        ),
    )
    return layer, {
        "truncation": "only_second",
        "max_length": max_seq_len,
        "stride": doc_stride,
        "return_overflowing_tokens": True,
        "return_offsets_mapping": True,
        "return_special_tokens_mask": True,
    }


QA_SPECIAL_TOKENS = 3  # [CLS] question [SEP] context [SEP]


def _check_questions(rows, graph, options):
    """Raises for a question too long to leave each window room for context, naming
    ``max_seq_len`` and the question's length (the tokenizer would refuse it in the graph)."""
    settings = graph.tokenizer_options
    # tokens a window has for context; the graph needs at least one more than the stride
    room = settings["max_length"] - QA_SPECIAL_TOKENS - settings["stride"]
    questions = [row["question"] for row in rows]
    if not questions:
        return
    lengths = graph.tokenizer.encode_pieces(questions).ids.row_lengths().numpy()
    for index in (i for i, length in enumerate(lengths) if length >= room):
        length = int(lengths[index])
        context = int(graph.tokenizer.encode_pieces([rows[index]["context"]]).ids.row_lengths()[0])
        if length + context > settings["max_length"] - QA_SPECIAL_TOKENS:  # the context is cut
            raise ValueError(
                f"question-answering question {index} is {length} tokens long, too long for "
                f"max_seq_len={settings['max_length']} with doc_stride={settings['stride']} (a "
                f"question may take at most {room - 1} tokens there, leaving room for the "
                f"context); shorten the question or raise max_seq_len"
            )


def _format_answers(result, options):
    question = options["text"]["question"]
    if not question.strip():
        raise ValueError("question-answering got an empty question")
    if not options["text"]["context"].strip():
        raise ValueError(f"question-answering got an empty context for question {question!r}")
    answers = [
        {
            "score": float(score),
            "start": int(start),
            "end": int(end),
            "answer": answer.decode("utf-8"),
        }
        for score, start, end, answer in zip(
            result["score"], result["start"], result["end"], result["answer"]
        )
        if score > float("-inf")
    ]
    return answers[0] if len(answers) == 1 else answers


NSP_LABELS = ("is_next", "not_next")  # index 0: the second text follows the first


def _next_sentence(folder, config, tokenizer, options):
    return ClassificationScores(NSP_LABELS, function="softmax"), _length_option(options)


def _multiple_choice(folder, config, tokenizer, options):
    return ChoiceScores(), _length_option(options)


def _format_choice(result, options):
    return {
        "choice": int(result["choice"]),
        "score": float(result["score"]),
        "scores": [float(p) for p in result["probabilities"]],
    }


def _length_option(options):
    max_length = options.pop("max_length", None)
    return {} if max_length is None else {"max_length": _positive("max_length", max_length)}


PADDINGS = (True, False, "longest", "max_length", "do_not_pad")
TRUNCATIONS = (True, False, "longest_first", "only_first", "do_not_truncate")  # one text: no pair


def _tokenizer_kwargs(options):
    """``max_length`` and the tokenizer arguments transformers' pipeline passes on: ``truncation``;
    ``padding`` is checked and changes nothing (each batch is padded and masked anyway)."""
    kwargs = _length_option(options)
    if "truncation" in options:
        truncation = options.pop("truncation")
        known = (truncation is v if isinstance(v, bool) else truncation == v for v in TRUNCATIONS)
        if not any(known):
            raise ValueError(
                f"truncation {truncation!r} is not one of {', '.join(map(repr, TRUNCATIONS))}"
            )
        kwargs["truncation"] = truncation
    padding = options.pop("padding", True)
    if padding not in PADDINGS:
        raise ValueError(f"padding {padding!r} is not one of {', '.join(map(repr, PADDINGS))}")
    return kwargs


def _positive(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} {value!r} must be a positive integer")
    return int(value)


def _count(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} {value!r} must be a non-negative integer")
    return int(value)


def _flag(name, value):
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ValueError(f"{name} {value!r} must be True or False")


def _format_embedding(result, options):
    return result["embeddings"]


def _format_features(result, options):
    length = int(result["attention_mask"].sum())
    return [result["features"][:length].tolist()]


def _check_top_k(rows, graph, options):
    top_k = options.get("top_k")
    if top_k is not None and not (isinstance(top_k, str) and top_k == "legacy"):
        _positive("text-classification top_k", top_k)


def _format_classification(result, options):
    top_k = options.get("top_k", "legacy")
    scores = result["probabilities"]
    labels = options["labels"]
    if top_k == "legacy":
        best = int(np.argmax(scores))
        return {"label": labels[best], "score": float(scores[best])}
    ranked = sorted(
        ({"label": labels[i], "score": float(s)} for i, s in enumerate(scores)),
        key=lambda item: item["score"],
        reverse=True,
    )
    return ranked if top_k is None else ranked[:top_k]


def _format_entities(result, options):
    grouped = result["index"][:1].tolist() == [-1]
    entities = []
    for i in range(int(result["count"])):
        entity = {
            "entity_group" if grouped else "entity": result["entity"][i].decode("utf-8"),
            "score": float(result["score"][i]),
        }
        if not grouped:
            entity["index"] = int(result["index"][i])
        entity.update(
            word=result["word"][i].decode("utf-8"),
            start=int(result["start"][i]),
            end=int(result["end"][i]),
        )
        entities.append(entity)
    return entities


def _format_fill_mask(result, options):
    masks = [
        [
            {
                "score": float(score),
                "token": int(token),
                "token_str": token_str.decode("utf-8"),
                "sequence": sequence.decode("utf-8"),
            }
            for score, token, token_str, sequence in zip(*row)
        ]
        for row in zip(result["score"], result["token"], result["token_str"], result["sequence"])
    ]
    if not masks:
        raise ValueError(
            f"fill-mask input {options['text']!r} has no {options['mask_token']} token"
        )
    return masks[0] if len(masks) == 1 else masks


def _collect_embeddings(results, options, single):
    return results[0] if single else np.stack(results) if results else np.zeros((0, 0), np.float32)


def _collect_classification(results, options, single):
    if single and options.get("top_k", "legacy") == "legacy":
        return results  # transformers wraps a single input's best label in a list
    return results[0] if single else results


_ENCODERS = None  # any checkpoint with the encoder fits
TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        Task(
            "sentence-embedding",
            "TFBertModel",
            _ENCODERS,
            ("text",),
            _sentence_embedding,
            _format_embedding,
            _collect_embeddings,
            graph_options=("normalize", "pooling", "max_length"),
        ),
        Task(
            "feature-extraction",
            "TFBertModel",
            _ENCODERS,
            ("text",),
            _feature_extraction,
            _format_features,
            graph_options=("max_length", "truncation"),
        ),
        Task(
            "text-classification",
            "TFBertForSequenceClassification",
            ("BertForSequenceClassification",),
            ("text",),
            _text_classification,
            _format_classification,
            _collect_classification,
            graph_options=("function_to_apply", "max_length", "truncation", "padding"),
            format_options=("top_k",),
            check=_check_top_k,
        ),
        Task(
            "token-classification",
            "TFBertForTokenClassification",
            ("BertForTokenClassification",),
            ("text",),
            _token_classification,
            _format_entities,
            graph_options=("aggregation_strategy", "ignore_labels", "max_length"),
        ),
        Task(
            "question-answering",
            "TFBertForQuestionAnswering",
            ("BertForQuestionAnswering",),
            ("question", "context"),
            _question_answering,
            _format_answers,
            graph_options=(
                "top_k",
                "max_answer_len",
                "handle_impossible_answer",
                "doc_stride",
                "max_seq_len",
                "max_question_len",
                "max_length",
            ),
            check=_check_questions,
        ),
        Task(
            "next-sentence-prediction",
            "TFBertForNextSentencePrediction",
            ("BertForNextSentencePrediction", "BertForPreTraining"),
            ("text", "text_pair"),
            _next_sentence,
            lambda result, options: {
                "label": result["label"].decode("utf-8"),
                "score": float(result["score"]),
            },
        ),
        Task(
            "multiple-choice",
            "TFBertForMultipleChoice",
            ("BertForMultipleChoice",),
            ("text", "choices"),
            _multiple_choice,
            _format_choice,
            choices_input="choices",
        ),
        Task(
            "fill-mask",
            "TFBertForMaskedLM",
            ("BertForMaskedLM", "BertForPreTraining"),
            ("text",),
            _fill_mask,
            _format_fill_mask,
            graph_options=("top_k", "targets", "max_length"),
        ),
    )
}
TASK_ALIASES = {"sentiment-analysis": "text-classification", "ner": "token-classification"}


def get_task(name: str) -> Task:
    """The task called ``name`` (or an alias such as ``"sentiment-analysis"``).

    Raises:
        ValueError: Unknown task; the message lists the known ones.
    """
    task = TASKS.get(TASK_ALIASES.get(name, name))
    if task is None:
        raise ValueError(f"unknown task {name!r}; tfbert knows {', '.join(sorted(TASKS))}")
    return task


def split_rows(outputs: dict[str, np.ndarray], batch: int) -> list[dict[str, Any]]:
    """Splits a batch's graph outputs into one dict per input."""
    if "row" in outputs:  # one output row per mask: group them by input
        rows = outputs["row"]
        return [{k: v[rows == i] for k, v in outputs.items() if k != "row"} for i in range(batch)]
    return [{k: v[i] for k, v in outputs.items()} for i in range(batch)]
