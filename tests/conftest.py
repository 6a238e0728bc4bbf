"""Shared test setup: the TensorFlow backend, quiet logs, no network."""

import os

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


# Scripts, not test modules: the fixture makers need transformers 4.57, the helpers run in
# subprocesses. Keep them out of --doctest-modules collection.
collect_ignore_glob = ["fixtures/*.py", "training/_*.py", "migration/programs/*.py"]
