"""read_tf_h5 / write_tf_h5 against real transformers-v4 ``tf_model.h5`` files (tests/fixtures/v4).

The expected weight names come from transformers 5's PyTorch class of the same kind, mapped through
v4's TF-to-PT naming rule, so a name that read_tf_h5 drops, invents or garbles fails here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
import transformers

from tfbert.checkpoint.tf_h5 import read_tf_h5, write_tf_h5

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "v4"
TF_FOLDERS = sorted(path.parent for path in FIXTURES.glob("*/tf_model.h5"))
V4_TF_CLASSES = {
    "BertModel",
    "BertForPreTraining",
    "BertLMHeadModel",
    "BertForMaskedLM",
    "BertForNextSentencePrediction",
    "BertForSequenceClassification",
    "BertForMultipleChoice",
    "BertForTokenClassification",
    "BertForQuestionAnswering",
}


def architecture(folder: Path) -> str:
    return json.loads((folder / "config.json").read_text())["architectures"][0]


def v4_pt_name(tf_name: str) -> tuple[str, bool]:
    """v4's TF-to-PyTorch name rule for a read_tf_h5 name: (PT name, whether to transpose)."""
    name = re.sub(r"(^|/)[^/]*___([^/]*)/", r"\1\2/", tf_name).replace("_._", "/")
    parts = name.split("/")
    transpose = parts[-1] == "kernel"
    if parts[-1] in ("kernel", "gamma", "embeddings"):
        parts[-1] = "weight"
    elif parts[-1] == "beta":
        parts[-1] = "bias"
    return ".".join(parts), transpose


def pt_reference(folder: Path) -> dict[str, tuple[int, ...]]:
    """Parameter shapes of the transformers-5 PyTorch model of the folder's kind, by v4 PT name."""
    config = transformers.BertConfig.from_pretrained(folder)
    torch.manual_seed(0)
    model = getattr(transformers, architecture(folder))(config)
    tied = set(
        getattr(model, "_tied_weights_keys", None) or {}
    )  # tied copies: stored once, under their source
    prefix = "" if hasattr(model, model.base_model_prefix) else model.base_model_prefix + "."
    return {
        prefix + key: tuple(value.shape)
        for key, value in model.state_dict().items()
        if key not in tied
    }


def test_fixtures_cover_every_v4_tf_class():
    assert {architecture(folder) for folder in TF_FOLDERS} == V4_TF_CLASSES


@pytest.mark.parametrize("folder", TF_FOLDERS, ids=lambda folder: folder.name)
def test_names_and_shapes_match_the_pytorch_model(folder):
    weights = read_tf_h5(folder / "tf_model.h5")
    converted = {}
    for name, array in weights.items():
        pt_name, transpose = v4_pt_name(name)
        converted[pt_name] = array.T.shape if transpose else array.shape
    assert converted == pt_reference(folder)
    assert all(array.dtype == np.float32 for array in weights.values())


def test_names_keep_the_v4_tf_spelling():
    weights = read_tf_h5(FIXTURES / "tf_bert_for_pre_training")
    assert "bert/encoder/layer_._0/attention/self/query/kernel" in weights
    assert "mlm___cls/predictions/bias" in weights
    assert weights["bert/pooler/dense/kernel"].shape == (32, 32)
    assert weights["bert/encoder/layer_._0/intermediate/dense/kernel"].shape == (
        32,
        37,
    )  # (in, out)
    assert not any(":" in name or name.startswith("tf_bert") for name in weights)


def test_the_tied_embeddings_stored_twice_are_read_once():
    path = FIXTURES / "tf_bert_for_masked_lm" / "tf_model.h5"
    with h5py.File(path) as file:
        listed = [
            name
            for layer in file.attrs["layer_names"]
            for name in file[layer].attrs["weight_names"]
        ]
    assert sum(name.endswith("word_embeddings/weight:0") for name in listed) == 2
    assert len(read_tf_h5(path)) == len(set(listed))


def test_reads_the_single_file_as_stored():
    path = FIXTURES / "tf_bert_for_sequence_classification" / "tf_model.h5"
    with h5py.File(path) as file:
        group = file["classifier"]
        (kernel_name,) = [name for name in group.attrs["weight_names"] if name.endswith("kernel:0")]
        stored = group[kernel_name][()]
    np.testing.assert_array_equal(read_tf_h5(path)["classifier/kernel"], stored)


def test_sharded_checkpoint_reads_the_same_weights():
    single = read_tf_h5(FIXTURES / "tf_bert_model" / "tf_model.h5")
    index = FIXTURES / "tf_bert_model_sharded" / "tf_model.h5.index.json"
    assert len(set(json.loads(index.read_text())["weight_map"].values())) > 1
    for sharded in (read_tf_h5(index), read_tf_h5(index.parent)):
        assert sharded.keys() == single.keys()
        for name, array in single.items():
            np.testing.assert_array_equal(sharded[name], array)


def stored_layout(path: Path) -> list:
    """Everything in a Keras h5 weights file but weightless layers (dropout_N), which a weights
    dict cannot name: root attributes, each group's weight_names, each dataset's dtype and bytes."""
    entries = []
    with h5py.File(path) as file:
        weightless = {
            name for name in file.attrs["layer_names"] if not len(file[name].attrs["weight_names"])
        }
        attrs = dict(file.attrs)
        attrs["layer_names"] = [name for name in attrs["layer_names"] if name not in weightless]
        entries.append(("attrs", sorted((key, str(value)) for key, value in attrs.items())))

        def visit(name, item):
            if name in weightless:
                return
            if isinstance(item, h5py.Dataset):
                entries.append((name, item.dtype.str, item[()].tobytes()))
            else:
                entries.append((name, [str(n) for n in item.attrs.get("weight_names", [])]))

        file.visititems(visit)
    return entries


@pytest.mark.parametrize("folder", TF_FOLDERS, ids=lambda folder: folder.name)
def test_write_then_read_round_trips_and_matches_the_keras_layout(folder, tmp_path):
    original = folder / "tf_model.h5"
    with h5py.File(original) as file:
        model_name = file["bert"].attrs["weight_names"][0].split("/")[0]
    weights = read_tf_h5(original)
    out = tmp_path / "tf_model.h5"
    write_tf_h5(weights, out, model_name)
    again = read_tf_h5(out)
    assert list(again) == list(weights)
    for name, array in weights.items():
        assert again[name].dtype == array.dtype
        np.testing.assert_array_equal(again[name], array)
    assert stored_layout(out) == stored_layout(original)


def test_model_name_prefixes_every_stored_name(tmp_path):
    out = tmp_path / "tf_model.h5"
    write_tf_h5({"bert/pooler/dense/bias": np.zeros(4, np.float32)}, out, "my_model")
    with h5py.File(out) as file:
        assert list(file["bert"].attrs["weight_names"]) == ["my_model/bert/pooler/dense/bias:0"]
        assert file["bert/my_model/bert/pooler/dense/bias:0"].shape == (4,)


def test_long_name_lists_are_split_into_numbered_attributes(tmp_path):
    weights = {
        f"bert/encoder/layer_._{i}/a_rather_long_scope_name/dense/kernel": np.full(
            (1,), i, np.float32
        )
        for i in range(1500)
    }
    out = tmp_path / "tf_model.h5"
    write_tf_h5(weights, out, "tf_bert_model")
    with h5py.File(out) as file:
        assert "weight_names" not in file["bert"].attrs and "weight_names1" in file["bert"].attrs
    again = read_tf_h5(out)
    assert list(again) == list(weights)
    assert again["bert/encoder/layer_._1499/a_rather_long_scope_name/dense/kernel"][0] == 1499


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    out = tmp_path / "tf_model.h5"
    write_tf_h5({"classifier/kernel": np.ones((2, 3), np.float32)}, out, "tf_bert_model")
    before = out.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(h5py.Group, "create_dataset", fail)
    with pytest.raises(OSError, match="disk full"):
        write_tf_h5({"classifier/kernel": np.zeros((2, 3), np.float32)}, out, "tf_bert_model")
    assert out.read_bytes() == before
    assert [path.name for path in tmp_path.iterdir()] == ["tf_model.h5"]


def test_missing_paths_raise_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.h5"):
        read_tf_h5(tmp_path / "nothing.h5")
    with pytest.raises(FileNotFoundError, match="tf_model.h5.index.json"):
        read_tf_h5(tmp_path)
    index = tmp_path / "tf_model.h5.index.json"
    index.write_text(json.dumps({"weight_map": {"m/bert/x:0": "tf_model-00001-of-00002.h5"}}))
    with pytest.raises(FileNotFoundError, match="tf_model-00001-of-00002.h5"):
        read_tf_h5(index)


def test_files_that_are_not_keras_h5_weights_raise_value_error(tmp_path):
    text = tmp_path / "tf_model.h5"
    text.write_text("version https://git-lfs.github.com/spec/v1\n")
    with pytest.raises(ValueError, match="not an HDF5 file"):
        read_tf_h5(text)
    plain = tmp_path / "plain.h5"
    with h5py.File(plain, "w") as file:
        file["x"] = np.zeros(3)
    with pytest.raises(ValueError, match=r"plain\.h5 has no 'layer_names'"):
        read_tf_h5(plain)
    index = tmp_path / "bad.index.json"
    index.write_text("[1, 2]")
    with pytest.raises(ValueError, match="weight_map"):
        read_tf_h5(index)


@pytest.mark.parametrize(
    ("weights", "model_name", "message"),
    [
        ({}, "tf_bert_model", "no weights"),
        ({"kernel": np.ones(2)}, "tf_bert_model", "'kernel' is not 'layer/"),
        ({"bert//kernel": np.ones(2)}, "tf_bert_model", "is not 'layer/"),
        ({"bert/dense/kernel:0": np.ones(2)}, "tf_bert_model", "':N' suffix"),
        ({"bert/dense/kernel": np.array(["a"])}, "tf_bert_model", "expected a numeric array"),
        ({"bert/dense/kernel": np.ones(2)}, "tf/bert", "model_name 'tf/bert'"),
        ({"bert/dense/kernel": np.ones(2)}, "", "model_name ''"),
    ],
)
def test_write_rejects_bad_input(tmp_path, weights, model_name, message):
    out = tmp_path / "tf_model.h5"
    with pytest.raises(ValueError, match=message):
        write_tf_h5(weights, out, model_name)
    assert not any(tmp_path.iterdir())
