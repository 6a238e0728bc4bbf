"""``tie_encoder_decoder``: the decoder's BERT shares the encoder's weights, as transformers v4
tied them. Checkpoints with the flag load to the logits of transformers' PyTorch model on the
same weights (full ones, and v4's, which leave the decoder's shared copies out); what tfbert
saves loads back in transformers to the same logits; training updates the shared weights once."""

import json
import warnings

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from tests.reference import TINY
from tfbert.encoder_decoder import EncoderDecoderConfig, TFEncoderDecoderModel

SOURCE = np.random.default_rng(3).integers(4, 99, (2, 6))
LABELS = np.random.default_rng(4).integers(4, 99, (2, 5))


@pytest.fixture(scope="module")
def tied_folder(tmp_path_factory):
    """transformers' EncoderDecoderModel whose decoder BERT holds the encoder's weights (what v4's
    tying made), saved with ``tie_encoder_decoder: true`` in its config."""
    import torch
    import transformers

    small = {k: v for k, v in TINY.items() if k != "num_labels"}
    config = transformers.EncoderDecoderConfig.from_encoder_decoder_configs(
        transformers.BertConfig(**small), transformers.BertConfig(**small)
    )
    config.decoder_start_token_id, config.pad_token_id = 2, 0
    torch.manual_seed(2)
    model = transformers.EncoderDecoderModel(config=config).eval()
    decoder_bert = model.decoder.bert.state_dict()
    with torch.no_grad():
        for name, value in model.encoder.state_dict().items():
            if name in decoder_bert:
                decoder_bert[name].copy_(value)
    folder = tmp_path_factory.mktemp("tied")
    model.save_pretrained(folder)
    with open(folder / "config.json") as f:
        data = json.load(f)
    with open(folder / "config.json", "w") as f:
        json.dump({**data, "tie_encoder_decoder": True}, f)
    return folder


def _pt_logits(folder):
    import torch
    import transformers

    model = transformers.EncoderDecoderModel.from_pretrained(folder).eval()
    with torch.no_grad():
        out = model(input_ids=torch.tensor(SOURCE), labels=torch.tensor(LABELS), use_cache=False)
    return out.logits.numpy()


def _logits(model):
    return np.asarray(model({"input_ids": SOURCE, "labels": LABELS}).logits)


def _shared_count(model):
    encoder = {id(v) for v in model.encoder.weights}
    return sum(id(v) in encoder for v in model.decoder.weights)


def test_tied_checkpoint_loads_to_transformers_logits_with_shared_layers(tied_folder):
    model = TFEncoderDecoderModel.from_pretrained(tied_folder)
    assert model.config.tie_encoder_decoder is True
    assert model.decoder.bert.embeddings is model.encoder.bert.embeddings
    block, encoder_block = model.decoder.bert.encoder.layer[0], model.encoder.bert.encoder.layer[0]
    assert block.attention is encoder_block.attention
    assert block.crossattention is not None
    values = EncoderDecoderConfig.from_pretrained(tied_folder).to_dict()
    untied = TFEncoderDecoderModel(
        EncoderDecoderConfig.from_dict({**values, "tie_encoder_decoder": False})
    )
    assert _shared_count(model) > 0 and _shared_count(untied) == 0
    assert len(model.trainable_weights) == len(untied.trainable_weights) - _shared_count(model)
    assert len({id(v) for v in model.trainable_weights}) == len(model.trainable_weights)
    np.testing.assert_allclose(_logits(model), _pt_logits(tied_folder), atol=1e-4, rtol=0)


def test_v4_tied_checkpoint_without_the_decoders_copies_loads_without_warning(
    tied_folder, tmp_path
):
    import shutil

    for name in ("config.json", "generation_config.json"):
        if (tied_folder / name).exists():
            shutil.copy(tied_folder / name, tmp_path / name)
    model = TFEncoderDecoderModel.from_pretrained(tied_folder)
    shared = {name for name in model.state_dict() if name.startswith("decoder.bert.")}
    shared -= {n for n in shared if ".crossattention." in n}
    state = load_file(str(tied_folder / "model.safetensors"))
    save_file(
        {k: v for k, v in state.items() if k not in shared}, str(tmp_path / "model.safetensors")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reloaded = TFEncoderDecoderModel.from_pretrained(tmp_path)
    np.testing.assert_allclose(_logits(reloaded), _pt_logits(tied_folder), atol=1e-4, rtol=0)


def test_transformers_loads_what_tfbert_saves_tied(tied_folder, tmp_path):
    model = TFEncoderDecoderModel.from_pretrained(tied_folder)
    model.save_pretrained(tmp_path)
    with open(tmp_path / "config.json") as f:
        assert json.load(f)["tie_encoder_decoder"] is True
    np.testing.assert_allclose(_pt_logits(tmp_path), _logits(model), atol=1e-4, rtol=0)


def test_training_updates_the_shared_weights_once(tied_folder):
    import keras

    model = TFEncoderDecoderModel.from_pretrained(tied_folder)
    table = model.encoder.bert.embeddings.weights[0]
    before = np.array(table.numpy())
    model.compile(optimizer=keras.optimizers.SGD(0.5))
    model.fit({"input_ids": SOURCE, "labels": LABELS}, epochs=1, batch_size=2, verbose=0)
    assert not np.allclose(table.numpy(), before)  # trained
    saved = model.state_dict()
    for name, value in saved.items():
        if name.startswith("decoder.bert.") and ".crossattention." not in name:
            twin = "encoder." + name[len("decoder.bert.") :]
            np.testing.assert_array_equal(value, saved[twin])


def test_tying_parts_of_different_shapes_is_a_clear_error():
    from tfbert import BertConfig

    small = {k: v for k, v in TINY.items() if k != "num_labels"}
    config = EncoderDecoderConfig.from_encoder_decoder_configs(
        BertConfig(**small),
        BertConfig(**{**small, "num_hidden_layers": 1}),
        tie_encoder_decoder=True,
    )
    with pytest.raises(ValueError, match=r"differ in num_hidden_layers \(2 vs 1\)"):
        TFEncoderDecoderModel(config)
    with pytest.raises(ValueError, match="tie_encoder_decoder must be True or False"):
        EncoderDecoderConfig(BertConfig(**small), BertConfig(**small), tie_encoder_decoder="yes")
