"""The v4 names and module paths BERT programs import resolve in tfbert, to the right objects;
the v4 utilities (``shape_list``, loss mixins, availability helpers) behave as v4's did."""

import importlib
import importlib.util

import keras
import numpy as np
import pytest
import tensorflow as tf
import torch

import tfbert
from tfbert import modeling_tf_outputs as v4_outputs
from tfbert import outputs

# Names another part of the migration defines (the Python tokenizer); tested after merging in
# tests/migration/test_auto_tokenizer.py.
TOKENIZER_NAMES = {"BertTokenizer", "BertTokenizerFast", "BatchEncoding"}


@pytest.mark.parametrize("name", sorted(set(tfbert.__all__) - TOKENIZER_NAMES))
def test_every_exported_name_resolves(name):
    assert getattr(tfbert, name) is not None
    assert name in dir(tfbert)


V4_OUTPUTS = {
    "TFBaseModelOutputWithPoolingAndCrossAttentions": (
        outputs.BaseModelOutputWithPoolingAndCrossAttentions
    ),
    "TFMaskedLMOutput": outputs.MaskedLMOutput,
    "TFCausalLMOutputWithCrossAttentions": outputs.CausalLMOutputWithCrossAttentions,
    "TFSequenceClassifierOutput": outputs.SequenceClassifierOutput,
    "TFTokenClassifierOutput": outputs.TokenClassifierOutput,
    "TFQuestionAnsweringModelOutput": outputs.QuestionAnsweringModelOutput,
    "TFMultipleChoiceModelOutput": outputs.MultipleChoiceModelOutput,
    "TFNextSentencePredictorOutput": outputs.NextSentencePredictorOutput,
    "TFBertForPreTrainingOutput": outputs.PreTrainingOutput,
}


@pytest.mark.parametrize("name,cls", sorted(V4_OUTPUTS.items()))
def test_v4_output_names_are_tfberts_classes(name, cls):
    assert getattr(v4_outputs, name) is cls
    if name.endswith("Output"):  # the others: tests/migration/test_names_init.py
        assert getattr(tfbert, name) is cls


def test_model_outputs_are_instances_of_the_v4_names(tmp_path):
    config = tfbert.BertConfig(
        vocab_size=30,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
    )
    out = tfbert.TFBertForSequenceClassification(config)(np.array([[2, 5, 3]]))
    assert isinstance(out, tfbert.TFSequenceClassifierOutput)


@pytest.mark.parametrize(
    "name,fields",
    [
        ("TFBaseModelOutput", ("last_hidden_state", "hidden_states", "attentions")),
        (
            "TFBaseModelOutputWithPooling",
            ("last_hidden_state", "pooler_output", "hidden_states", "attentions"),
        ),
        ("TFCausalLMOutput", ("loss", "logits", "hidden_states", "attentions")),
    ],
)
def test_declared_v4_outputs_behave_like_transformers(name, fields):
    cls = getattr(v4_outputs, name)
    assert issubclass(cls, outputs.ModelOutput) and cls.fields == fields
    import transformers.modeling_outputs as pt_outputs

    reference = getattr(pt_outputs, name.removeprefix("TF"))
    assert tuple(f for f in reference.__dataclass_fields__) == fields
    value = cls(**{fields[0]: tf.ones((1, 2)), fields[-1]: (tf.zeros((1,)),)})
    assert value[0] is value[fields[0]] and getattr(value, fields[1]) is None
    assert len(keras.tree.flatten(value)) == 2  # a Keras tree node, as tfbert's outputs are


MODULE_NAMES = {
    "tfbert.models.bert.modeling_tf_bert": [
        "TFBertModel",
        "TFBertForPreTraining",
        "TFBertForPreTrainingOutput",
        "TFBertMainLayer",
        "TFBertPreTrainedModel",
        "TFBertForMaskedLM",
        "TFBertEmbeddings",
        "TFBertLayer",
    ],
    "tfbert.models.bert.configuration_bert": ["BertConfig"],
    "tfbert.models.bert.tokenization_bert_tf": ["TFBertTokenizer"],
    "tfbert.models.bert": [
        "BertConfig",
        "TFBertModel",
        "TFBertForSequenceClassification",
        "TFBertMainLayer",
        "modeling_tf_bert",
    ],
    "tfbert.modeling_tf_utils": [
        "shape_list",
        "get_initializer",
        "TFPreTrainedModel",
        "keras",
        "unpack_inputs",
        "TFModelInputType",
        "TFSequenceClassificationLoss",
        "TFTokenClassificationLoss",
        "TFQuestionAnsweringLoss",
        "TFMaskedLanguageModelingLoss",
    ],
    "tfbert.modeling_tf_outputs": sorted(V4_OUTPUTS),
    "tfbert.utils": [
        "is_tf_available",
        "is_tensorflow_text_available",
        "is_torch_available",
        "logging",
    ],
}


@pytest.mark.parametrize("module", sorted(MODULE_NAMES))
def test_v4_module_paths(module):
    imported = importlib.import_module(module)
    for name in MODULE_NAMES[module]:
        assert getattr(imported, name) is not None, name


def test_module_paths_hold_the_same_objects():
    from tfbert.modeling_tf_utils import TFPreTrainedModel
    from tfbert.models.bert import modeling_tf_bert

    assert modeling_tf_bert.TFBertMainLayer is tfbert.TFBertMainLayer
    assert TFPreTrainedModel is tfbert.TFBertPreTrainedModel is tfbert.TFPreTrainedModel
    assert tfbert.modeling_tf_utils.keras is keras
    with pytest.raises(AttributeError, match="no attribute 'NotAName'"):
        _ = importlib.import_module("tfbert.models.bert").NotAName


def test_availability_helpers_are_honest():
    from tfbert import utils

    for helper, package in (
        (utils.is_tf_available, "tensorflow"),
        (utils.is_torch_available, "torch"),
        (utils.is_tensorflow_text_available, "tensorflow_text"),
    ):
        assert helper() == (importlib.util.find_spec(package) is not None)


def test_logging_verbosity_controls_tfbert_loggers():
    import logging

    from tfbert.utils import logging as v4_logging

    child = logging.getLogger("tfbert.checkpoint.loading")
    try:
        v4_logging.set_verbosity_error()
        assert not child.isEnabledFor(logging.WARNING) and child.isEnabledFor(logging.ERROR)
        v4_logging.set_verbosity_info()
        assert child.isEnabledFor(logging.INFO)
    finally:
        logging.getLogger("tfbert").setLevel(logging.NOTSET)


def test_shape_list_mixes_static_and_dynamic_sizes():
    from tfbert.modeling_tf_utils import shape_list

    seen = []

    @tf.function(input_signature=[tf.TensorSpec((None, 3), tf.float32)])
    def shapes(x):
        result = shape_list(x)
        seen.append((isinstance(result[0], tf.Tensor), result[1]))
        return result[0]

    assert int(shapes(tf.zeros((5, 3)))) == 5
    assert seen == [(True, 3)]
    assert shape_list(tf.zeros((2, 4))) == [2, 4]


def test_loss_mixins_equal_torch_losses():
    from tfbert import modeling_tf_utils as utils

    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6, 4)).astype("float32")
    labels = np.array([0, 3, -100, 2, 1, -100])
    want = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(labels))
    got = utils.TFSequenceClassificationLoss().hf_compute_loss(labels, logits)
    np.testing.assert_allclose(float(got), float(want), rtol=1e-5)
    token_logits = rng.normal(size=(2, 3, 4)).astype("float32")
    token_labels = np.array([[1, -100, 2], [0, 3, -100]])
    want = torch.nn.functional.cross_entropy(
        torch.tensor(token_logits).reshape(-1, 4), torch.tensor(token_labels).reshape(-1)
    )
    for mixin in (utils.TFTokenClassificationLoss, utils.TFMaskedLanguageModelingLoss):
        got = mixin().hf_compute_loss(token_labels, token_logits)
        np.testing.assert_allclose(float(got), float(want), rtol=1e-5)
    scores = rng.normal(size=(5, 1)).astype("float32")
    targets = rng.normal(size=(5,)).astype("float32")
    want = torch.nn.functional.mse_loss(torch.tensor(scores).view(-1), torch.tensor(targets))
    got = utils.TFSequenceClassificationLoss().hf_compute_loss(targets, scores)
    np.testing.assert_allclose(float(got), float(want), rtol=1e-5)
    start, end = rng.normal(size=(2, 3, 7)).astype("float32")
    positions = {"start_position": np.array([1, 4, 6]), "end_position": np.array([2, 5, 6])}
    cross_entropy = torch.nn.functional.cross_entropy
    want = (
        cross_entropy(torch.tensor(start), torch.tensor(positions["start_position"]))
        + cross_entropy(torch.tensor(end), torch.tensor(positions["end_position"]))
    ) / 2
    got = utils.TFQuestionAnsweringLoss().hf_compute_loss(positions, (start, end))
    np.testing.assert_allclose(float(got), float(want), rtol=1e-5)


def test_v4_user_layer_with_unpack_inputs_and_initializer():
    from tfbert.modeling_tf_utils import get_initializer, unpack_inputs

    class Head(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2, kernel_initializer=get_initializer(0.02))

        @unpack_inputs
        def call(self, hidden, training=False):
            return self.dense(hidden)

    head = Head()
    assert head(np.ones((1, 3), "float32")).shape == (1, 2)
    assert head.call.__name__ == "call"
    assert abs(float(np.std(head.dense.kernel.numpy())) - 0.02) < 0.02
