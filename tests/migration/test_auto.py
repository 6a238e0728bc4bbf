"""``TFAuto*`` and ``AutoConfig``: BERT checkpoints load into the right tfbert class with
transformers' PyTorch outputs; anything else is refused by name before weights are read."""

import json

import pytest
import transformers

import tfbert
from tests.reference import assert_outputs_close, make_reference, run_reference, tiny_batch
from tfbert import auto

AUTO_TARGETS = {
    "TFAutoModel": "TFBertModel",
    "TFAutoModelForPreTraining": "TFBertForPreTraining",
    "TFAutoModelForMaskedLM": "TFBertForMaskedLM",
    "TFAutoModelForCausalLM": "TFBertLMHeadModel",
    "TFAutoModelForSequenceClassification": "TFBertForSequenceClassification",
    "TFAutoModelForTokenClassification": "TFBertForTokenClassification",
    "TFAutoModelForQuestionAnswering": "TFBertForQuestionAnswering",
    "TFAutoModelForMultipleChoice": "TFBertForMultipleChoice",
    "TFAutoModelForNextSentencePrediction": "TFBertForNextSentencePrediction",
}


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    return make_reference("BertForSequenceClassification", tmp_path_factory)


@pytest.fixture(scope="module")
def masked_lm(tmp_path_factory):
    return make_reference("BertForMaskedLM", tmp_path_factory)


@pytest.mark.parametrize(
    "auto_name,fixture",
    [
        ("TFAutoModelForSequenceClassification", "classifier"),
        ("TFAutoModelForMaskedLM", "masked_lm"),
        ("TFAutoModel", "classifier"),
    ],
)
def test_from_pretrained_matches_transformers(auto_name, fixture, request):
    pt_model, folder = request.getfixturevalue(fixture)
    model = getattr(tfbert, auto_name).from_pretrained(folder)
    assert type(model).__name__ == AUTO_TARGETS[auto_name]
    batch = tiny_batch()
    reference_model = pt_model if auto_name != "TFAutoModel" else pt_model.bert
    assert_outputs_close(model(batch), run_reference(reference_model, batch), atol=2e-5)


@pytest.mark.parametrize("auto_name", sorted(AUTO_TARGETS))
def test_every_auto_class_builds_its_bert_class(auto_name, classifier):
    auto_class = getattr(tfbert, auto_name)
    config = tfbert.BertConfig(
        vocab_size=30,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
    )
    assert type(auto_class.from_config(config)).__name__ == AUTO_TARGETS[auto_name]
    with pytest.raises(OSError, match="from_pretrained"):
        auto_class()


def test_from_pretrained_forwards_config_overrides(classifier):
    _, folder = classifier
    model = tfbert.TFAutoModelForSequenceClassification.from_pretrained(
        folder, num_labels=5, ignore_mismatched_sizes=True
    )
    assert model.config.num_labels == 5
    assert model(tiny_batch()).logits.shape == (2, 5)


def test_auto_config_reads_bert_configs(classifier, tmp_path):
    _, folder = classifier
    config = tfbert.AutoConfig.from_pretrained(folder)
    assert isinstance(config, tfbert.BertConfig)
    assert config == tfbert.BertConfig.from_pretrained(folder)
    assert tfbert.AutoConfig.from_pretrained(folder / "config.json", num_labels=4).num_labels == 4
    fresh = tfbert.AutoConfig.for_model("bert", hidden_size=16, num_attention_heads=2)
    assert fresh.hidden_size == 16 and isinstance(fresh, tfbert.BertConfig)


def _write_config(folder, values):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(values))
    return folder


def test_architectures_alone_identify_bert(tmp_path):
    values = {
        k: v
        for k, v in tfbert.BertConfig(hidden_size=8, num_attention_heads=2).to_dict().items()
        if k != "model_type"
    }
    folder = _write_config(tmp_path / "bert", {**values, "architectures": ["BertForMaskedLM"]})
    assert tfbert.AutoConfig.from_pretrained(folder).hidden_size == 8
    other = _write_config(tmp_path / "roberta", {**values, "architectures": ["RobertaForMaskedLM"]})
    with pytest.raises(ValueError, match="RobertaForMaskedLM.*BERT only"):
        tfbert.AutoConfig.from_pretrained(other)


@pytest.mark.parametrize("model_type", ["gpt2", "roberta", "distilbert"])
def test_other_model_types_are_refused_by_name(tmp_path, model_type):
    reference = transformers.AutoConfig.for_model(model_type)
    folder = _write_config(tmp_path / model_type, reference.to_dict())
    for load in (
        tfbert.AutoConfig.from_pretrained,
        tfbert.TFAutoModel.from_pretrained,
        tfbert.TFAutoModelForSequenceClassification.from_pretrained,
    ):
        with pytest.raises(ValueError, match=f"'{model_type}'.*BERT only"):
            load(folder)
    with pytest.raises(ValueError, match=f"'{model_type}'.*BERT only"):
        tfbert.TFAutoModel.from_config(reference)
    with pytest.raises(ValueError, match=f"{model_type!r}.*BERT only"):
        tfbert.AutoConfig.for_model(model_type)


def test_missing_model_type_and_architectures_is_an_error(tmp_path):
    folder = _write_config(tmp_path / "bare", {"hidden_size": 8})
    with pytest.raises(ValueError, match="no model_type"):
        tfbert.AutoConfig.from_pretrained(folder)


def test_positional_model_args_are_refused(classifier):
    _, folder = classifier
    with pytest.raises(TypeError, match="positional"):
        tfbert.TFAutoModel.from_pretrained(folder, "extra")


def test_given_config_is_checked_not_the_file(classifier):
    _, folder = classifier
    config = tfbert.BertConfig.from_pretrained(folder)
    model = tfbert.TFAutoModelForSequenceClassification.from_pretrained(folder, config=config)
    assert model.config == config
    with pytest.raises(ValueError, match="BERT only"):
        tfbert.TFAutoModel.from_pretrained(folder, config=transformers.GPT2Config())


def test_check_bert_config_accepts_tf_architecture_names():
    auto.check_bert_config({"architectures": ["TFBertForSequenceClassification"]}, "x")


def test_auto_tokenizer_refuses_other_tokenizers_by_name(tmp_path):
    folder = tmp_path / "gpt2_tokenizer"
    folder.mkdir()
    (folder / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "GPT2Tokenizer"}))
    with pytest.raises(ValueError, match="'GPT2Tokenizer'.*BERT only"):
        tfbert.AutoTokenizer.from_pretrained(folder)
    other = _write_config(tmp_path / "gpt2_model", transformers.GPT2Config().to_dict())
    with pytest.raises(ValueError, match="'gpt2'.*BERT only"):
        tfbert.AutoTokenizer.from_pretrained(other)
