"""Random-weight checkpoints with the real uncased vocabulary, and the transformers pipelines
that serve as the reference."""

import pathlib
import shutil

import pytest

TOKENIZER_FILES = (
    "vocab.txt",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
)
SMALL = dict(
    vocab_size=30522,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=37,
    max_position_embeddings=512,
)


@pytest.fixture(scope="session")
def minilm_folder():
    from tfbert.tasks import default_model_path

    return pathlib.Path(default_model_path())


def make_checkpoint(pt_class_name, folder, minilm_folder, **config):
    """A transformers PyTorch checkpoint with seeded random weights and well-separated scores
    (so rankings do not hang on float rounding), beside the real uncased tokenizer files."""
    import torch
    import transformers

    torch.manual_seed(0)
    model = getattr(transformers, pt_class_name)(
        transformers.BertConfig(**{**SMALL, **config})
    ).eval()
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "bias" in name or "classifier" in name:
                param.add_(torch.randn_like(param) * (2.0 if "predictions" in name else 0.3))
    model.save_pretrained(folder)
    for name in TOKENIZER_FILES:
        shutil.copy(minilm_folder / name, folder / name)
    return model


def reference_pipeline(task, model, folder, **kwargs):
    import transformers

    tokenizer = transformers.BertTokenizerFast.from_pretrained(folder)
    return transformers.pipeline(task, model=model, tokenizer=tokenizer, **kwargs)
