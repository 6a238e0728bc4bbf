"""transformers v4's availability helpers and ``utils.logging`` verbosity calls.

Each ``is_*_available`` honestly checks whether the package can be imported here (without
importing it). ``logging.set_verbosity_error()`` and friends set the level of the ``tfbert``
logger, which v4 programs call to quiet the library.

Example:
    >>> is_tf_available()
    True
    >>> logging.set_verbosity_error(); logging.get_verbosity() == logging.ERROR
    True
    >>> logging.set_verbosity_warning()
"""

from __future__ import annotations

import importlib.util
import logging as _logging
import types


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def is_tf_available() -> bool:
    """Whether TensorFlow can be imported."""
    return _importable("tensorflow")


def is_tensorflow_text_available() -> bool:
    """Whether ``tensorflow_text`` can be imported (tfbert's tokenizer does not need it)."""
    return _importable("tensorflow_text")


def is_torch_available() -> bool:
    """Whether PyTorch can be imported."""
    return _importable("torch")


def is_datasets_available() -> bool:
    """Whether 🤗 ``datasets`` can be imported."""
    return _importable("datasets")


def _library_logger() -> _logging.Logger:
    return _logging.getLogger("tfbert")


def _set_verbosity(level: int) -> None:
    """Sets the level of the ``tfbert`` logger (and so of every tfbert module's logger)."""
    _library_logger().setLevel(level)


def _get_verbosity() -> int:
    return _library_logger().getEffectiveLevel()


logging = types.SimpleNamespace(
    CRITICAL=_logging.CRITICAL,
    ERROR=_logging.ERROR,
    WARNING=_logging.WARNING,
    INFO=_logging.INFO,
    DEBUG=_logging.DEBUG,
    set_verbosity=_set_verbosity,
    get_verbosity=_get_verbosity,
    set_verbosity_error=lambda: _set_verbosity(_logging.ERROR),
    set_verbosity_warning=lambda: _set_verbosity(_logging.WARNING),
    set_verbosity_info=lambda: _set_verbosity(_logging.INFO),
    set_verbosity_debug=lambda: _set_verbosity(_logging.DEBUG),
    get_logger=lambda name=None: _logging.getLogger(name or "tfbert"),
)
"""v4's ``transformers.utils.logging``: ``set_verbosity_error()``, ``set_verbosity_warning()``,
``set_verbosity_info()``, ``set_verbosity_debug()``, ``set_verbosity(level)``,
``get_verbosity()``, ``get_logger(name)``."""

__all__ = [
    "is_datasets_available",
    "is_tensorflow_text_available",
    "is_tf_available",
    "is_torch_available",
    "logging",
]
