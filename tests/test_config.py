"""BertConfig: validation names the bad field; config.json round-trips with transformers."""

import json

import pytest

from tfbert import BertConfig


@pytest.mark.parametrize(
    "fields,message",
    [
        (
            {"hidden_size": 50, "num_attention_heads": 3},
            "hidden_size 50 is not divisible by num_attention_heads 3",
        ),
        ({"hidden_act": "gelu_42"}, "hidden_act 'gelu_42'"),
        ({"position_embedding_type": "rotary"}, "position_embedding_type 'rotary'"),
        ({"vocab_size": -5}, "vocab_size must be a positive integer, got -5"),
        ({"num_hidden_layers": 0}, "num_hidden_layers must be a positive integer, got 0"),
        ({"intermediate_size": 3.5}, "intermediate_size must be a positive integer, got 3.5"),
        ({"hidden_dropout_prob": 1.5}, "hidden_dropout_prob must be a probability"),
        ({"problem_type": "ranking"}, "problem_type 'ranking'"),
        ({"layer_norm_eps": 0}, "layer_norm_eps must be a positive number"),
        ({"pad_token_id": 99, "vocab_size": 99}, "pad_token_id 99 is outside the vocabulary"),
        ({"num_labels": 0}, "num_labels must be a positive integer, got 0"),
        (
            {"num_labels": 2, "id2label": {0: "a", 1: "b", 2: "c"}},
            "num_labels 2 does not match id2label",
        ),
    ],
)
def test_invalid_values_raise_naming_the_field(fields, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        BertConfig(**fields)


def test_labels_default_like_transformers():
    config = BertConfig(num_labels=3)
    assert config.id2label == {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}
    assert config.label2id == {"LABEL_0": 0, "LABEL_1": 1, "LABEL_2": 2}
    assert BertConfig().num_labels == 2


def test_transformers_reads_what_we_write(tmp_path):
    import transformers

    ours = BertConfig(
        vocab_size=120,
        hidden_size=48,
        num_hidden_layers=3,
        num_attention_heads=6,
        intermediate_size=96,
        hidden_act="gelu_new",
        classifier_dropout=0.3,
        is_decoder=True,
        add_cross_attention=True,
        position_embedding_type="absolute",
        id2label={0: "neg", 1: "pos"},
        problem_type="single_label_classification",
        layer_norm_eps=1e-7,
        pad_token_id=1,
        type_vocab_size=3,
    )
    ours.save_pretrained(tmp_path)
    theirs = transformers.BertConfig.from_pretrained(tmp_path)
    for key in (
        "vocab_size",
        "hidden_size",
        "num_hidden_layers",
        "num_attention_heads",
        "intermediate_size",
        "hidden_act",
        "classifier_dropout",
        "is_decoder",
        "add_cross_attention",
        "problem_type",
        "layer_norm_eps",
        "pad_token_id",
        "type_vocab_size",
        "num_labels",
    ):
        assert getattr(theirs, key) == getattr(ours, key), key
    assert theirs.id2label == {0: "neg", 1: "pos"}


def test_we_read_what_transformers_writes(tmp_path):
    import transformers

    theirs = transformers.BertConfig(
        vocab_size=77,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=20,
        hidden_dropout_prob=0.2,
        max_position_embeddings=40,
        id2label={0: "O", 1: "B-PER", 2: "I-PER"},
    )
    theirs.save_pretrained(tmp_path)
    ours = BertConfig.from_pretrained(tmp_path)
    assert (
        ours.vocab_size,
        ours.hidden_size,
        ours.hidden_dropout_prob,
        ours.max_position_embeddings,
    ) == (77, 16, 0.2, 40)
    assert ours.id2label == {0: "O", 1: "B-PER", 2: "I-PER"} and ours.num_labels == 3
    # keys tfbert does not use survive a round trip
    assert (
        ours.to_dict()["transformers_version"]
        == json.loads((tmp_path / "config.json").read_text())["transformers_version"]
    )


def test_overrides_and_num_labels_override(tmp_path):
    BertConfig(id2label={0: "a", 1: "b"}).save_pretrained(tmp_path)
    config = BertConfig.from_pretrained(tmp_path, num_labels=4, hidden_dropout_prob=0.0)
    assert config.num_labels == 4 and config.hidden_dropout_prob == 0.0


def test_bad_files(tmp_path):
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="is not valid JSON"):
        BertConfig.from_pretrained(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "gpt2"}))
    with pytest.raises(ValueError, match="model_type 'gpt2' is not 'bert'"):
        BertConfig.from_pretrained(tmp_path)
    with pytest.raises(FileNotFoundError, match="config.json not found in folder"):
        BertConfig.from_pretrained(tmp_path / "..")


def test_output_switches_are_fields_and_round_trip_with_transformers(tmp_path):
    import transformers

    config = BertConfig(output_hidden_states=True, output_attentions=True, return_dict=False)
    assert config.use_return_dict is False and "output_hidden_states" not in config.extra
    config.save_pretrained(tmp_path)
    theirs = transformers.BertConfig.from_pretrained(tmp_path)
    assert theirs.output_hidden_states is True and theirs.output_attentions is True
    assert theirs.return_dict is False
    assert BertConfig.from_pretrained(tmp_path).output_hidden_states is True
    assert BertConfig().return_dict is True and BertConfig().output_attentions is False
    with pytest.raises(ValueError, match="output_attentions must be True or False, got 'yes'"):
        BertConfig(output_attentions="yes")


def test_transformers_config_objects_convert_and_other_model_types_are_named():
    import transformers

    from tfbert.config import as_bert_config

    theirs = transformers.BertConfig(
        vocab_size=77,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=20,
        output_hidden_states=True,
        id2label={0: "a", 1: "b", 2: "c"},
    )
    ours = as_bert_config(theirs)
    assert (ours.vocab_size, ours.hidden_size, ours.num_labels) == (77, 16, 3)
    assert ours.output_hidden_states is True
    assert as_bert_config(ours) is ours
    with pytest.raises(ValueError, match="model_type 'roberta'"):
        as_bert_config(transformers.RobertaConfig())
    with pytest.raises(TypeError, match="got int"):
        as_bert_config(3)
