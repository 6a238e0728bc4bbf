"""Token classification (NER): per-token entities in graph, then transformers' aggregation.

The graph gives every token its label, score, text span and whether it continues a word; the
``aggregation_strategy`` (none / simple / first / average / max) groups them as transformers'
token-classification pipeline does.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfbert.tokenizer.decoding import TOKEN_CLEANUP

STRATEGIES = ("none", "simple", "first", "average", "max")


@keras.saving.register_keras_serializable(package="tfbert")
class TokenEntities(keras.layers.Layer):
    """Per-token ``scores`` (softmax), best ``entity`` and ``score``, ``token`` text, ``start``/``end``
    character offsets, ``is_subword`` and ``special`` (special tokens and padding).

    Args:
        labels: Label names by id.
        vocab: The tokenizer's tokens by id.
        unk_token: The unknown token, which counts as a word of its own.
    """

    def __init__(self, labels, vocab, unk_token: str = "[UNK]", **kwargs):
        super().__init__(**kwargs)
        self.labels = list(labels)
        self.vocab = list(vocab)
        self.unk_token = unk_token

    def call(self, outputs, encoded):
        scores = tf.nn.softmax(tf.cast(outputs["logits"], tf.float32), axis=-1)
        best = tf.argmax(scores, axis=-1, output_type=tf.int32)
        ids = tf.cast(encoded["input_ids"], tf.int32)
        tokens = tf.gather(tf.constant(self.vocab), ids)
        offsets = tf.cast(encoded["offset_mapping"], tf.int32)
        start, end = offsets[..., 0], offsets[..., 1]
        # transformers: a piece continues a word when its token text is not its span's text length
        is_subword = tf.logical_and(
            tf.not_equal(tf.strings.length(tokens, unit="UTF8_CHAR"), end - start),
            tf.not_equal(tokens, self.unk_token))
        return {"scores": scores, "entity": tf.gather(tf.constant(self.labels), best),
                "score": tf.reduce_max(scores, axis=-1), "token": tokens, "start": start, "end": end,
                "is_subword": is_subword, "special": tf.cast(encoded["special_tokens_mask"], tf.bool)}

    def get_config(self):
        return {**super().get_config(), "labels": self.labels, "vocab": self.vocab,
                "unk_token": self.unk_token}


def aggregate(result: dict, text: str, labels: list[str], strategy: str = "none",
              ignore_labels=("O",)) -> list[dict]:
    """Groups one input's per-token results into entities, as transformers does.

    Args:
        result: One input's :class:`TokenEntities` outputs as numpy arrays.
        text: The input text (for ``[UNK]`` words).
        labels: Label names by id.
        strategy: ``"none"``, ``"simple"``, ``"first"``, ``"average"`` or ``"max"``.
        ignore_labels: Entities with these labels are dropped.

    Raises:
        ValueError: Unknown strategy.
    """
    strategy = str(strategy).lower()
    if strategy not in STRATEGIES:
        raise ValueError(f"aggregation_strategy {strategy!r} is not one of {', '.join(STRATEGIES)}")
    pieces = []
    for i in np.flatnonzero(~result["special"]):
        start, end = int(result["start"][i]), int(result["end"][i])
        word = result["token"][i].decode("utf-8")
        if word == "[UNK]":
            word = text[start:end]
        pieces.append({"word": word, "scores": result["scores"][i], "start": start, "end": end,
                       "index": int(i), "is_subword": bool(result["is_subword"][i])})
    if strategy in ("none", "simple"):
        entities = [{"entity": labels[int(p["scores"].argmax())], "score": float(p["scores"].max()),
                     "index": p["index"], "word": p["word"], "start": p["start"], "end": p["end"]}
                    for p in pieces]
    else:
        words, group = [], []
        for piece in pieces:
            if group and not piece["is_subword"]:
                words.append(_word_entity(group, strategy, labels))
                group = []
            group.append(piece)
        if group:
            words.append(_word_entity(group, strategy, labels))
        entities = words
    if strategy != "none":
        entities = _group_entities(entities)
    return [e for e in entities
            if e.get("entity") not in ignore_labels and e.get("entity_group") not in ignore_labels]


def _tokens_to_string(tokens):
    """transformers' ``convert_tokens_to_string``: the WordPiece decoder, with its clean-up."""
    pieces = []
    for i, token in enumerate(tokens):
        if i and token.startswith("##"):
            token = token[2:]
        elif i:
            token = " " + token
        for old, new in TOKEN_CLEANUP:
            token = token.replace(old, new)
        pieces.append(token)
    return "".join(pieces)


def _word_entity(pieces, strategy, labels):
    if strategy == "first":
        scores = pieces[0]["scores"]
    elif strategy == "max":
        scores = max(pieces, key=lambda p: p["scores"].max())["scores"]
    else:
        scores = np.nanmean(np.stack([p["scores"] for p in pieces]), axis=0)
    best = int(scores.argmax())
    return {"entity": labels[best], "score": float(scores[best]),
            "word": _tokens_to_string([p["word"] for p in pieces]),
            "start": pieces[0]["start"], "end": pieces[-1]["end"]}


def _tag(entity):
    if entity.startswith(("B-", "I-")):
        return entity[0], entity[2:]
    return "I", entity


def _group_entities(entities):
    groups, current = [], []
    for entity in entities:
        if current:
            bi, tag = _tag(entity["entity"])
            if not (tag == _tag(current[-1]["entity"])[1] and bi != "B"):
                groups.append(current)
                current = []
        current.append(entity)
    if current:
        groups.append(current)
    return [{"entity_group": group[0]["entity"].split("-", 1)[-1],
             "score": float(np.mean([e["score"] for e in group])),
             "word": _tokens_to_string([e["word"] for e in group]),
             "start": group[0]["start"], "end": group[-1]["end"]} for group in groups]
