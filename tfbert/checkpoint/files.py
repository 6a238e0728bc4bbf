"""The file helpers under the names the checkpoint code has always used; they live in
:mod:`tfbert.files` (the bottom floor, which the config and the tokenizer use too)."""

from tfbert.files import (
    HUB_ARGS,
    atomic_dir,
    atomic_path,
    atomic_write_text,
    json_text,
    resolve_file,
)

__all__ = [
    "HUB_ARGS",
    "atomic_dir",
    "atomic_path",
    "atomic_write_text",
    "json_text",
    "resolve_file",
]
