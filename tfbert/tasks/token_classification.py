"""Token classification (NER) in graph, with transformers' aggregation strategies.

Every non-special token gets its label and score; ``aggregation_strategy`` then works as in
transformers' token-classification pipeline: ``none`` keeps tokens, ``simple`` groups adjacent
tokens of one entity (B-/I- tags), ``first``/``average``/``max`` first merge the pieces of each
word (taking the first piece's scores, their mean, or the most confident piece's) and then group.
Entities whose label is in ``ignore_labels`` are dropped.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfbert.modeling import TFBertForTokenClassification
from tfbert.tasks.base import Task
from tfbert.tasks.options import length_option
from tfbert.tokenizer.decoding import decoded_pieces

STRATEGIES = ("none", "simple", "first", "average", "max")


@keras.saving.register_keras_serializable(package="tfbert")
class TokenEntities(keras.layers.Layer):
    """Entities of each text, padded to the sequence length.

    Args:
        labels: Label names by id.
        vocab: The tokenizer's tokens by id.
        strategy: ``"none"``, ``"simple"``, ``"first"``, ``"average"`` or ``"max"``.
        ignore_labels: Labels (or entity groups) left out of the results.
        unk_token: The unknown token; its word is the text it stands for.

    Returns (call), each ``(batch, seq)`` with ``count`` ``(batch,)`` entities valid per row:
        ``entity`` (label, or entity group when aggregating), ``score``, ``word``, ``start``,
        ``end`` (character offsets in the text) and ``index`` (token position; -1 when aggregating).

    Raises:
        ValueError: Unknown strategy.
    """

    def __init__(
        self,
        labels,
        vocab,
        strategy: str = "none",
        ignore_labels=("O",),
        unk_token: str = "[UNK]",
        **kwargs,
    ):
        super().__init__(**kwargs)
        strategy = str(strategy).lower()
        if strategy not in STRATEGIES:
            raise ValueError(
                f"aggregation_strategy {strategy!r} is not one of {', '.join(STRATEGIES)}"
            )
        self.labels = list(labels)
        self.vocab = list(vocab)
        self.strategy = strategy
        self.ignore_labels = list(ignore_labels)
        self.unk_token = unk_token

    def call(self, outputs, encoded, texts):
        scores = tf.nn.softmax(tf.cast(outputs["logits"], tf.float32), axis=-1)
        ids = tf.cast(encoded["input_ids"], tf.int32)
        offsets = tf.cast(encoded["offset_mapping"], tf.int32)
        tokens = tf.gather(tf.constant(self.vocab), ids)
        is_unk = tf.equal(tokens, self.unk_token)
        rows = tf.shape(ids)[0]
        spans = tf.strings.substr(
            tf.repeat(texts[0][:, tf.newaxis], tf.shape(ids)[1], axis=1),
            offsets[..., 0],
            offsets[..., 1] - offsets[..., 0],
            unit="UTF8_CHAR",
        )
        words = tf.where(is_unk, spans, tokens)
        # a piece continues a word when its token text is not as long as the text it covers
        is_subword = (
            tf.not_equal(
                tf.strings.length(tokens, unit="UTF8_CHAR"), offsets[..., 1] - offsets[..., 0]
            )
            & ~is_unk
        )

        keep = tf.equal(tf.cast(encoded["special_tokens_mask"], tf.int32), 0)
        where = tf.where(keep)
        units = {
            "row": tf.cast(where[:, 0], tf.int32),
            "index": tf.cast(where[:, 1], tf.int32),
            "scores": tf.boolean_mask(scores, keep),
            "word": tf.boolean_mask(words, keep),
            "start": tf.boolean_mask(offsets[..., 0], keep),
            "end": tf.boolean_mask(offsets[..., 1], keep),
        }
        if self.strategy in ("first", "average", "max"):
            units = self._merge_words(units, tf.boolean_mask(is_subword, keep))
        label = tf.argmax(units["scores"], axis=-1, output_type=tf.int32)
        units["score"] = tf.reduce_max(units["scores"], axis=-1)
        units["entity"] = tf.gather(tf.constant(self.labels), label)
        if self.strategy != "none":
            units = self._group(units, label)
        wanted = tf.reduce_all(
            tf.not_equal(
                units["entity"][:, tf.newaxis], tf.constant(self.ignore_labels or [""])[tf.newaxis]
            ),
            1,
        )
        units = {k: tf.boolean_mask(v, wanted) for k, v in units.items() if k != "scores"}
        return _pad_rows(units, rows, tf.shape(ids)[1])

    def _merge_words(self, units, is_subword):
        """One unit per word: its pieces' text joined, the strategy's scores."""
        first_piece = _starts(units["row"]) | ~is_subword
        word, count = (
            tf.cumsum(tf.cast(first_piece, tf.int32)) - 1,
            tf.reduce_sum(tf.cast(first_piece, tf.int32)),
        )
        position = tf.range(tf.shape(word)[0])
        first = tf.math.unsorted_segment_min(position, word, count)
        last = tf.math.unsorted_segment_max(position, word, count)
        if self.strategy == "first":
            scores = tf.gather(units["scores"], first)
        elif self.strategy == "average":
            scores = tf.math.unsorted_segment_mean(units["scores"], word, count)
        else:  # the piece with the highest score, the first of equals
            best = tf.reduce_max(units["scores"], axis=-1)
            top = tf.gather(tf.math.unsorted_segment_max(best, word, count), word)
            scores = tf.gather(
                units["scores"],
                tf.math.unsorted_segment_min(
                    tf.where(tf.equal(best, top), position, tf.int32.max), word, count
                ),
            )
        return {
            "row": tf.gather(units["row"], first),
            "index": tf.fill([count], -1),
            "scores": scores,
            "word": _join_tokens(units["word"], word, first, count),
            "start": tf.gather(units["start"], first),
            "end": tf.gather(units["end"], last),
        }

    def _group(self, units, label):
        """Adjacent units of one entity type (``B-X`` starts a new one) become one entity group."""
        tags = [name[2:] if name[:2] in ("B-", "I-") else name for name in self.labels]
        tag = tf.gather(tf.constant([tags.index(t) for t in tags]), label)
        begins = tf.gather(tf.constant([name.startswith("B-") for name in self.labels]), label)
        new = _starts(units["row"]) | begins | tf.not_equal(tag, tf.concat([[-1], tag[:-1]], 0))
        group, count = tf.cumsum(tf.cast(new, tf.int32)) - 1, tf.reduce_sum(tf.cast(new, tf.int32))
        position = tf.range(tf.shape(group)[0])
        first = tf.math.unsorted_segment_min(position, group, count)
        last = tf.math.unsorted_segment_max(position, group, count)
        group_names = tf.constant([name.split("-", 1)[-1] for name in self.labels])
        return {
            "row": tf.gather(units["row"], first),
            "index": tf.fill([count], -1),
            "score": tf.math.unsorted_segment_mean(units["score"], group, count),
            "entity": tf.gather(group_names, tf.gather(label, first)),
            "word": _join_tokens(units["word"], group, first, count),
            "start": tf.gather(units["start"], first),
            "end": tf.gather(units["end"], last),
        }

    def get_config(self):
        return {
            **super().get_config(),
            "labels": self.labels,
            "vocab": self.vocab,
            "strategy": self.strategy,
            "ignore_labels": self.ignore_labels,
            "unk_token": self.unk_token,
        }


def _starts(rows):
    """True where a new row begins."""
    return tf.not_equal(rows, tf.concat([[-1], rows[:-1]], 0))


def _join_tokens(tokens, segment, first, count):
    """transformers' ``convert_tokens_to_string`` per segment: the WordPiece decoder
    (:func:`tfbert.tokenizer.decoding.decoded_pieces`) joining each segment's tokens."""
    later = tf.range(tf.shape(segment)[0]) > tf.gather(first, segment)
    return tf.strings.unsorted_segment_join(decoded_pieces(tokens, later), segment, count)


def _pad_rows(units, rows, width):
    """Scatters each row's entities into ``(rows, width)`` tensors, plus ``count`` per row."""
    position = tf.range(tf.shape(units["row"])[0])
    rank = position - tf.gather(
        tf.math.unsorted_segment_min(position, units["row"], rows), units["row"]
    )
    at = tf.stack([units["row"], rank], axis=1)
    padded = {}
    for key, value in units.items():
        if key == "row":
            continue
        fill = {tf.string: "", tf.int32: -1}.get(value.dtype, 0.0)
        padded[key] = tf.tensor_scatter_nd_update(
            tf.fill([rows, width], tf.cast(fill, value.dtype)), at, value
        )
    padded["count"] = tf.math.unsorted_segment_sum(tf.ones_like(units["row"]), units["row"], rows)
    return padded


class TokenClassification(Task):
    """``"token-classification"`` (alias ``"ner"``): the entities of each text.

    Options: ``aggregation_strategy`` (``"none"``, ``"simple"``, ``"first"``, ``"average"``,
    ``"max"``), ``ignore_labels`` (``["O"]``; ``[]`` keeps every label), ``max_length``.
    """

    name = "token-classification"
    aliases = ("ner",)
    model_class = TFBertForTokenClassification
    architectures = ("BertForTokenClassification",)
    graph_options = ("aggregation_strategy", "ignore_labels", "max_length")
    needs_texts = True  # words are cut out of the input strings

    def build(self, folder, config, tokenizer, options):
        labels = [config.id2label[i] for i in range(config.num_labels)]
        ignore_labels = options.pop("ignore_labels", None)  # [] keeps every label
        if ignore_labels is None:
            ignore_labels = ("O",)
        elif isinstance(ignore_labels, str):
            ignore_labels = [ignore_labels]
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
            **length_option(options),
            "return_offsets_mapping": True,
            "return_special_tokens_mask": True,
        }

    def format(self, result, options):
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
