"""Bad inputs to the models: wrong ids, dtypes, shapes and targets, in every execution mode.

Eager, ``tf.function``, XLA (``jit_compile=True``, where the graph assertions are compiled out
and an invalid id makes its sequence's outputs NaN), ``fit``/``predict`` and an exported
SavedModel.
"""

import functools
import os

import numpy as np
import pytest
import tensorflow as tf

from tests.bad_input import _kit
from tests.bad_input.table import Row, check, params

IDS = _kit.IDS
BAD_ID = np.array([[2, 5, 7, 3], [2, 55, 4, 3]], np.int32)  # 55 >= vocab_size 50
NEG_ID = np.array([[2, 5, 7, 3], [2, -1, 4, 3]], np.int32)
InvalidArgument = tf.errors.InvalidArgumentError


def bare(**kwargs):
    return _kit.model("TFBertModel")(**kwargs).last_hidden_state


def hidden(inputs, **kwargs):
    return bare(input_ids=inputs, **kwargs)


def in_graph(jit: bool = False):
    """The bare model's hidden states under ``tf.function`` (XLA with ``jit``)."""
    return tf.function(lambda ids, **kw: hidden(ids, **kw), jit_compile=jit)


@functools.cache
def _xla():
    return tf.function(
        lambda ids, types, positions: hidden(ids, token_type_ids=types, position_ids=positions),
        jit_compile=True,
    )


def xla(ids=IDS, types=None, positions=None):
    types = np.zeros_like(ids) if types is None else types
    positions = (
        np.broadcast_to(np.arange(ids.shape[1]), ids.shape) if positions is None else positions
    )
    return _xla()(tf.constant(ids), tf.constant(types), tf.constant(positions)).numpy()


def second_row_nan(result):
    """Only the sequence holding the invalid id is NaN; the other is the valid answer."""
    result = np.asarray(result)
    assert np.isnan(result[1]).all(), "the bad sequence's outputs must all be NaN"
    np.testing.assert_allclose(result[0], hidden(IDS[:1]).numpy()[0], atol=1e-5)


def equals(expected):
    def checker(result):
        np.testing.assert_allclose(np.asarray(result), np.asarray(expected()), atol=1e-5)

    return checker


def shape_is(shape):
    def checker(result):
        assert tuple(np.shape(result)) == shape

    return checker


@functools.cache
def _dynamic():
    spec = tf.TensorSpec((None, None), tf.int32)
    return tf.function(
        lambda ids, mask: hidden(ids, attention_mask=mask), input_signature=[spec, spec]
    )


@functools.cache
def _saved_model():
    folder = os.path.join(_kit.fresh_dir(), "serving")
    _kit.model("TFBertModel").export(folder)
    return tf.saved_model.load(folder).signatures["serving_default"]


def serve(ids):
    ids = tf.constant(ids, tf.int32)
    return _saved_model()(
        input_ids=ids, attention_mask=tf.ones_like(ids), token_type_ids=tf.zeros_like(ids)
    )["last_hidden_state"]


def fit(model_name, x, y, **compile_args):
    model = _kit.model(model_name)
    model.compile(optimizer="sgd", **compile_args)
    return model.fit(x, y, epochs=1, batch_size=2, verbose=0)


def classify(**kwargs):
    return _kit.model("TFBertForSequenceClassification")(**kwargs)


IDS_ERR = [InvalidArgument, ["input_ids", "< 50"]]
NEG_ERR = [InvalidArgument, ["input_ids", ">= 0"]]
FRACTION = np.array([[2.5, 5.0, 7.0, 3.0]], np.float32)

ROWS = [
    # -- ids out of range, every mode ---------------------------------------------------------
    Row("eager-id-too-large", lambda: hidden(BAD_ID), tuple(IDS_ERR)),
    Row("eager-id-negative", lambda: hidden(NEG_ID), tuple(NEG_ERR)),
    Row("eager-id-int64-huge", lambda: hidden(np.array([[2, 2**40]])), tuple(IDS_ERR)),
    Row("function-id-too-large", lambda: in_graph()(tf.constant(BAD_ID)), tuple(IDS_ERR)),
    Row("function-id-negative", lambda: in_graph()(tf.constant(NEG_ID)), tuple(NEG_ERR)),
    Row("xla-id-too-large-is-nan", lambda: xla(BAD_ID), ("ok", second_row_nan)),
    Row("xla-id-negative-is-nan", lambda: xla(NEG_ID), ("ok", second_row_nan)),
    Row(
        "xla-token-type-too-large-is-nan",
        lambda: xla(IDS, types=np.array([[0, 0, 0, 0], [0, 2, 0, 0]], np.int32)),
        ("ok", second_row_nan),
    ),
    Row(
        "xla-position-too-large-is-nan",
        lambda: xla(IDS, positions=np.array([[0, 1, 2, 3], [0, 1, 2, 16]], np.int32)),
        ("ok", second_row_nan),
    ),
    Row("xla-valid-ids-match-eager", lambda: xla(IDS), ("ok", equals(lambda: hidden(IDS)))),
    Row(
        "predict-id-too-large",
        lambda: _kit.model("TFBertModel").predict(BAD_ID, verbose=0),
        tuple(IDS_ERR),
    ),
    Row(
        "predict-id-negative",
        lambda: _kit.model("TFBertModel").predict(NEG_ID, verbose=0),
        tuple(NEG_ERR),
    ),
    Row(
        "fit-id-too-large",
        lambda: fit("TFBertForSequenceClassification", BAD_ID, np.array([0, 1])),
        tuple(IDS_ERR),
    ),
    Row("saved-model-id-too-large", lambda: serve(BAD_ID), tuple(IDS_ERR)),
    Row("saved-model-id-negative", lambda: serve(NEG_ID), tuple(NEG_ERR)),
    Row(
        "saved-model-valid-ids-match-eager", lambda: serve(IDS), ("ok", equals(lambda: hidden(IDS)))
    ),
    Row(
        "eager-token-type-too-large",
        lambda: hidden(IDS, token_type_ids=np.full_like(IDS, 2)),
        (InvalidArgument, ["token_type_ids", "< 2"]),
    ),
    Row(
        "eager-token-type-negative",
        lambda: hidden(IDS, token_type_ids=np.full_like(IDS, -1)),
        (InvalidArgument, ["token_type_ids", ">= 0"]),
    ),
    Row(
        "eager-position-too-large",
        lambda: hidden(IDS, position_ids=np.full_like(IDS, 16)),
        (InvalidArgument, ["position_ids", "< 16"]),
    ),
    Row(
        "sequence-longer-than-max-positions",
        lambda: hidden(np.ones((1, 17), np.int32)),
        (InvalidArgument, ["position_ids", "< 16", "max_position_embeddings"]),
    ),
    Row(
        "function-sequence-longer-than-max-positions",
        lambda: in_graph()(tf.ones((1, 17), tf.int32)),
        (InvalidArgument, ["position_ids", "max_position_embeddings"]),
    ),
    # -- float and other dtypes -------------------------------------------------------------
    Row(
        "eager-float-ids",
        lambda: hidden(IDS.astype(np.float32)),
        (TypeError, ["input_ids", "integers", "float32"]),
    ),
    Row(
        "function-fraction-ids",
        lambda: in_graph()(tf.constant(FRACTION)),
        (InvalidArgument, ["input_ids", "whole numbers"]),
    ),
    Row(
        "predict-fraction-ids",
        lambda: _kit.model("TFBertModel").predict(FRACTION, verbose=0),
        (InvalidArgument, ["input_ids", "whole numbers"]),
    ),
    Row(
        "function-whole-float-ids-are-ids",
        lambda: in_graph()(tf.constant(IDS, tf.float32)),
        ("ok", equals(lambda: hidden(IDS))),
    ),
    Row(
        "function-fraction-token-types",
        lambda: in_graph()(tf.constant(IDS), token_type_ids=tf.fill((2, 4), 0.5)),
        (InvalidArgument, ["token_type_ids", "whole numbers"]),
    ),
    Row(
        "string-ids",
        lambda: hidden(np.array([["a", "b"]])),
        (TypeError, ["input_ids", "integer", "string"]),
    ),
    Row(
        "bool-ids",
        lambda: hidden(np.array([[True, False]])),
        (TypeError, ["input_ids", "integer", "bool"]),
    ),
    Row(
        "string-attention-mask",
        lambda: hidden(IDS, attention_mask=np.array([["a"] * 4] * 2)),
        (TypeError, ["attention_mask", "string"]),
    ),
    Row(
        "ragged-list-ids",
        lambda: bare(input_ids=[[2, 3, 4], [2, 3]]),
        (ValueError, ["input_ids", "different lengths", "pad"]),
    ),
    # -- shapes -------------------------------------------------------------------------------
    Row(
        "attention-mask-too-long",
        lambda: hidden(IDS, attention_mask=np.ones((2, 5), np.int32)),
        (ValueError, ["attention_mask", "(2, 5)", "input_ids", "(2, 4)"]),
    ),
    Row(
        "attention-mask-wrong-batch",
        lambda: hidden(IDS, attention_mask=np.ones((3, 4), np.int32)),
        (ValueError, ["attention_mask", "(3, 4)", "(2, 4)"]),
    ),
    Row(
        "attention-mask-rank-1",
        lambda: hidden(IDS, attention_mask=np.ones((4,), np.int32)),
        (ValueError, ["attention_mask", "(4,)", "(2, 4)"]),
    ),
    Row(
        "attention-mask-3d-accepted",
        lambda: hidden(IDS, attention_mask=np.ones((2, 4, 4), np.int32)),
        ("ok", equals(lambda: hidden(IDS))),
    ),
    Row(
        "attention-mask-3d-wrong-keys",
        lambda: hidden(IDS, attention_mask=np.ones((2, 4, 5), np.int32)),
        (ValueError, ["attention_mask", "(2, 4, 5)"]),
    ),
    Row(
        "function-attention-mask-wrong-length-dynamic",
        lambda: _dynamic()(tf.constant(IDS), tf.ones((2, 5), tf.int32)),
        (InvalidArgument, ["attention_mask", "input_ids"]),
    ),
    Row(
        "function-attention-mask-right-dynamic",
        lambda: _dynamic()(tf.constant(IDS), tf.ones((2, 4), tf.int32)),
        ("ok", equals(lambda: hidden(IDS))),
    ),
    Row(
        "token-type-ids-wrong-length",
        lambda: hidden(IDS, token_type_ids=np.zeros((2, 3), np.int32)),
        (ValueError, ["token_type_ids", "(2, 3)", "(2, 4)"]),
    ),
    Row(
        "position-ids-wrong-batch",
        lambda: hidden(IDS, position_ids=np.zeros((3, 4), np.int32)),
        (ValueError, ["position_ids", "(3, 4)", "(2, 4)"]),
    ),
    Row(
        "position-ids-broadcast-accepted",
        lambda: hidden(IDS, position_ids=np.arange(4)[None]),
        ("ok", equals(lambda: hidden(IDS))),
    ),
    Row(
        "ids-3d-to-bare-model",
        lambda: hidden(np.ones((2, 2, 4), np.int32)),
        (ValueError, ["input_ids", "(batch, seq)", "(2, 2, 4)"]),
    ),
    Row(
        "ids-1d",
        lambda: hidden(np.ones((4,), np.int32)),
        (ValueError, ["input_ids", "(batch, seq)"]),
    ),
    Row(
        "ids-3d-to-multiple-choice",
        lambda: _kit.model("TFBertForMultipleChoice")(np.ones((2, 3, 4), np.int32)).logits,
        ("ok", shape_is((2, 3))),
    ),
    Row(
        "multiple-choice-mask-wrong-shape",
        lambda: _kit.model("TFBertForMultipleChoice")(
            np.ones((2, 3, 4), np.int32), attention_mask=np.ones((2, 4), np.int32)
        ),
        (ValueError, ["attention_mask", "(2, 4)", "(2, 3, 4)"]),
    ),
    Row("empty-batch", lambda: hidden(np.zeros((0, 4), np.int32)), ("ok", shape_is((0, 4, 8)))),
    Row(
        "empty-sequence",
        lambda: hidden(np.zeros((2, 0), np.int32)),
        (ValueError, ["input_ids", "(2, 0)", "no tokens"]),
    ),
    Row(
        "inputs-embeds-wrong-width",
        lambda: bare(inputs_embeds=np.ones((1, 2, 5), np.float32)),
        (ValueError, ["inputs_embeds", "hidden size 8"]),
    ),
    Row(
        "ids-and-embeds",
        lambda: bare(input_ids=IDS, inputs_embeds=np.ones((2, 4, 8), "f4")),
        (ValueError, ["input_ids", "inputs_embeds", "both"]),
    ),
    Row("no-inputs", lambda: bare(), (ValueError, ["input_ids", "inputs_embeds", "neither"])),
    Row(
        "misspelled-input-key",
        lambda: bare(input_ids={"input_ids": IDS, "attention_msk": IDS}),
        (ValueError, ["attention_msk", "expected"]),
    ),
    # -- targets --------------------------------------------------------------------------------
    Row(
        "labels-wrong-batch",
        lambda: classify(input_ids=IDS, labels=np.array([0, 1, 1])),
        (ValueError, ["labels", "(3,)", "input_ids", "(2, 4)"]),
    ),
    Row(
        "mlm-labels-wrong-length",
        lambda: _kit.model("TFBertForMaskedLM")(IDS, labels=np.zeros((2, 3), np.int32)),
        (ValueError, ["labels", "(2, 3)", "one value per token"]),
    ),
    Row(
        "token-labels-1d",
        lambda: _kit.model("TFBertForTokenClassification")(IDS, labels=np.zeros(2, np.int32)),
        (ValueError, ["labels", "(2,)", "one value per token"]),
    ),
    Row(
        "qa-start-positions-wrong-batch",
        lambda: _kit.model("TFBertForQuestionAnswering")(
            IDS, start_positions=np.zeros(3, np.int32), end_positions=np.zeros(2, np.int32)
        ),
        (ValueError, ["start_positions", "(3,)"]),
    ),
    Row(
        "class-labels-wrong-width",
        lambda: classify(input_ids=IDS, labels=np.zeros((2, 3), np.int32)),
        (ValueError, ["labels", "(2, 3)", "num_labels=2"]),
    ),
    Row(
        "class-labels-rank-3",
        lambda: classify(input_ids=IDS, labels=np.zeros((2, 1, 1), np.int32)),
        (ValueError, ["labels", "(2, 1, 1)"]),
    ),
    Row(
        "multi-label-targets-accepted",
        lambda: float(classify(input_ids=IDS, labels=np.array([[0.0, 1.0], [1.0, 1.0]])).loss),
        ("ok", lambda loss: np.isfinite(loss) or pytest.fail(str(loss))),
    ),
    Row(
        "scalar-label-for-one-sequence",
        lambda: float(classify(input_ids=IDS[:1], labels=tf.constant(1)).loss),
        ("ok", lambda loss: np.isfinite(loss) or pytest.fail(str(loss))),
    ),
    Row(
        "scalar-label-for-two-sequences",
        lambda: classify(input_ids=IDS, labels=tf.constant(1)),
        (ValueError, ["labels", "()", "(2, 4)", "per sequence"]),
    ),
    Row(
        "label-outside-num-labels",
        lambda: classify(input_ids=IDS, labels=np.array([0, 5])),
        (InvalidArgument, ["label value of 5", "[0, 2)"]),
    ),
    Row(
        "target-the-model-does-not-take",
        lambda: classify(input_ids=IDS, start_positions=np.zeros(2, np.int32)),
        (ValueError, ["start_positions", "labels"]),
    ),
    Row(
        "fit-labels-wrong-batch",
        lambda: fit("TFBertForTokenClassification", IDS, np.zeros((2, 3), np.int32)),
        (ValueError, ["labels", "one value per token"]),
    ),
]


@pytest.mark.parametrize("row", params(ROWS))
@pytest.mark.slow
def test_model_bad_input(row):
    check(row)


def test_rows_are_unique():
    assert len({row.id for row in ROWS}) == len(ROWS)
