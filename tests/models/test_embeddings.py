"""get/set_input_embeddings, get_output_embeddings and resize_token_embeddings as in transformers
v4; a resized model's checkpoint loads in transformers' PyTorch class with the same outputs."""

import keras
import numpy as np
import pytest
import torch
import transformers

import tfbert
from tests.reference import TINY, make_reference


def _pt_logits(folder, inputs, cls="BertForMaskedLM"):
    pt_class = getattr(transformers, cls)
    pt_model = pt_class.from_pretrained(folder, attn_implementation="eager").eval()
    with torch.no_grad():
        return pt_model(**{k: torch.tensor(v) for k, v in inputs.items()}).logits.numpy()


@pytest.fixture(scope="module")
def mlm_folder(tmp_path_factory):
    return make_reference("BertForMaskedLM", tmp_path_factory)[1]


def test_v4_accessors(mlm_folder):
    model = tfbert.TFBertForMaskedLM.from_pretrained(mlm_folder)
    embeddings = model.get_input_embeddings()
    assert embeddings is model.bert.embeddings and embeddings.vocab_size == TINY["vocab_size"]
    assert embeddings.weight is model.bert.embeddings.word_embeddings.table
    assert model.get_output_embeddings() is embeddings  # the decoder is tied to it
    assert model.get_lm_head() is model.mlm.predictions
    assert tfbert.TFBertModel(tfbert.BertConfig(**TINY)).get_output_embeddings() is None


@pytest.mark.parametrize("new_size", [105, 90])
def test_resize_then_save_loads_in_transformers_with_same_outputs(mlm_folder, new_size, tmp_path):
    model = tfbert.TFBertForMaskedLM.from_pretrained(mlm_folder)
    old_table = keras.ops.convert_to_numpy(model.get_input_embeddings().weight)
    old_bias = keras.ops.convert_to_numpy(model.mlm.predictions.bias)
    names = [v.path for v in model.weights]
    table = model.resize_token_embeddings(new_size)
    assert tuple(table.shape) == (new_size, TINY["hidden_size"])
    assert model.config.vocab_size == new_size
    assert [v.path for v in model.weights] == names  # same variables, same order
    keep = min(new_size, TINY["vocab_size"])
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(table)[:keep], old_table[:keep])
    bias = keras.ops.convert_to_numpy(model.mlm.predictions.bias)
    np.testing.assert_array_equal(bias[:keep], old_bias[:keep])
    if new_size > TINY["vocab_size"]:
        new_rows = keras.ops.convert_to_numpy(table)[TINY["vocab_size"] :]
        assert np.all(bias[TINY["vocab_size"] :] == 0)
        # v4: truncated normal with config.initializer_range (cut at two standard deviations)
        assert np.abs(new_rows).max() <= 2 * 0.02 and 0.005 < new_rows.std() < 0.03
    rng = np.random.default_rng(1)
    inputs = {
        "input_ids": rng.integers(0, new_size, (2, 6)),
        "attention_mask": np.ones((2, 6), int),
    }
    inputs["input_ids"][:, 0] = new_size - 1
    ours = np.array(model(inputs).logits)
    assert ours.shape == (2, 6, new_size)
    model.save_pretrained(tmp_path)
    np.testing.assert_allclose(ours, _pt_logits(tmp_path, inputs), atol=1e-4, rtol=0)
    reloaded = tfbert.TFBertForMaskedLM.from_pretrained(tmp_path)
    np.testing.assert_allclose(np.array(reloaded(inputs).logits), ours, atol=1e-5)


@pytest.mark.slow
def test_add_tokens_then_resize_and_fine_tune(mlm_folder, tmp_path):
    words = ["hello", "world", "the", "cat", "sat", "on", "mat", "##s"]
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = specials + words + [f"tok{i}" for i in range(TINY["vocab_size"] - 13)]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tokenizer = transformers.BertTokenizerFast.from_pretrained(tmp_path)
    assert len(tokenizer) == TINY["vocab_size"]
    assert tokenizer.add_tokens(["tfbertish", "[NEW]"]) == 2
    model = tfbert.TFBertForMaskedLM.from_pretrained(mlm_folder)
    model.resize_token_embeddings(len(tokenizer))
    encoded = dict(
        tokenizer(["hello tfbertish world", "the [NEW] cat sat"], padding=True, return_tensors="np")
    )
    assert encoded["input_ids"].max() == len(tokenizer) - 1
    model.compile(optimizer="adam")
    history = model.fit({**encoded, "labels": encoded["input_ids"]}, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    out_dir = tmp_path / "resized"
    model.save_pretrained(out_dir)
    np.testing.assert_allclose(
        np.array(model(encoded).logits), _pt_logits(out_dir, encoded), atol=1e-4, rtol=0
    )


def test_set_input_embeddings_replaces_the_table(batch):
    model = tfbert.TFBertForMaskedLM(tfbert.BertConfig(**TINY))
    table = np.random.default_rng(0).normal(size=(TINY["vocab_size"] + 3, 32)).astype(np.float32)
    model.set_input_embeddings(table)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(model.get_input_embeddings().weight), table
    )
    assert model.config.vocab_size == TINY["vocab_size"] + 3
    assert model(batch).logits.shape[-1] == TINY["vocab_size"] + 3
    with pytest.raises(ValueError, match=r"shape \(rows, 32\), got \(4, 5\)"):
        model.set_input_embeddings(np.zeros((4, 5), np.float32))
    with pytest.raises(ValueError, match="new_num_tokens must be a positive integer, got 0"):
        model.resize_token_embeddings(0)


@pytest.mark.parametrize("cls", ["TFBertForPreTraining", "TFBertModel"])
def test_resized_model_keras_file_round_trip(cls, batch, tmp_path):
    model = getattr(tfbert, cls)(tfbert.BertConfig(**TINY))
    model.resize_token_embeddings(TINY["vocab_size"] + 5)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert loaded.config.vocab_size == TINY["vocab_size"] + 5
    for got, expected in zip(loaded(batch).to_tuple(), model(batch).to_tuple()):
        np.testing.assert_allclose(np.asarray(got), np.asarray(expected), atol=1e-6)
