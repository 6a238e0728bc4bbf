"""Shared test setup: the TensorFlow backend, quiet logs, no network."""

import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def batch():
    """Two sequences of 7 tokens for the tiny config, the second padded, two segments."""
    from tests.reference import tiny_batch

    return tiny_batch()


@pytest.fixture(scope="session")
def tiny_classifier(tmp_path_factory):
    """A tiny random-weight text classifier (labels NEG, NEU, POS) with the real uncased
    vocabulary: ``(its transformers PyTorch model, its folder)``. Read it; never write into it."""
    from tests.tasks.conftest import make_checkpoint
    from tfbert.tasks import default_model_path

    folder = tmp_path_factory.mktemp("classifier")
    model = make_checkpoint(
        "BertForSequenceClassification",
        folder,
        pathlib.Path(default_model_path()),
        id2label={0: "NEG", 1: "NEU", 2: "POS"},
    )
    return model, folder


# Scripts, not test modules: the fixture makers need transformers 4.57, the helpers run in
# subprocesses. Keep them out of --doctest-modules collection.
collect_ignore_glob = ["fixtures/*.py", "training/_*.py", "migration/programs/*.py"]
