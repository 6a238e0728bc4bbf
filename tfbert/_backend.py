"""Selects Keras' TensorFlow backend before Keras is first imported."""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

if "keras" in sys.modules:  # pragma: no cover - depends on the caller's import order
    import keras

    if keras.backend.backend() != "tensorflow":
        raise ImportError(
            f"tfbert needs Keras' TensorFlow backend, but Keras was already imported with "
            f"backend {keras.backend.backend()!r}; set KERAS_BACKEND=tensorflow before "
            f"importing keras."
        )
