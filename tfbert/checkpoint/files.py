"""Finding checkpoint files (local folders, the Hugging Face hub and its cache) and writing files safely."""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Iterator

HUB_ARGS = ("revision", "cache_dir", "local_files_only", "token")


def resolve_file(name_or_path: str | os.PathLike, filename: str, *, required: bool = True,
                 revision: str | None = None, cache_dir: str | None = None,
                 local_files_only: bool = False, token: str | bool | None = None) -> str | None:
    """Returns the local path of ``filename`` in a folder or a hub repository.

    A local folder is used as it is. Anything else is a hub id, resolved by huggingface_hub: from
    its cache when offline (``local_files_only=True`` or ``HF_HUB_OFFLINE=1``), else downloaded.

    Args:
        name_or_path: Local folder or hub id (``"org/name"``).
        filename: File to find, e.g. ``"config.json"``.
        required: Raise if the file is missing; otherwise return ``None``.
        revision, cache_dir, local_files_only, token: As for ``huggingface_hub.hf_hub_download``.

    Returns:
        The file's local path, or ``None`` when it is missing and not ``required``.

    Raises:
        FileNotFoundError: The file is missing and ``required``; the message names where it looked.
    """
    name_or_path = os.fspath(name_or_path)
    if os.path.isdir(name_or_path):
        path = os.path.join(name_or_path, filename)
        if os.path.isfile(path):
            return path
        if required:
            raise FileNotFoundError(f"{filename} not found in folder {name_or_path}")
        return None
    import huggingface_hub
    from huggingface_hub import errors

    try:
        return huggingface_hub.hf_hub_download(name_or_path, filename, revision=revision,
                                               cache_dir=cache_dir, token=token,
                                               local_files_only=local_files_only)
    except (errors.EntryNotFoundError, errors.LocalEntryNotFoundError) as err:
        if required:
            raise FileNotFoundError(
                f"{filename} not found for {name_or_path!r} (not a local folder; looked it up as a "
                f"Hugging Face hub id{' in the local cache only' if _offline(local_files_only) else ''}): "
                f"{err}") from None
        return None
    except errors.HFValidationError:
        raise FileNotFoundError(f"{name_or_path!r} is neither a local folder nor a valid Hugging "
                                f"Face hub id") from None
    except errors.RepositoryNotFoundError:
        raise FileNotFoundError(f"no Hugging Face hub repository {name_or_path!r}") from None


def _offline(local_files_only: bool) -> bool:
    from huggingface_hub import constants

    return local_files_only or bool(constants.HF_HUB_OFFLINE)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """Yields a temporary path beside ``path``; on success it replaces ``path`` in one rename.

    On error the temporary file is removed and whatever stood at ``path`` is left untouched.

    Example:
        >>> import os, tempfile
        >>> target = os.path.join(tempfile.mkdtemp(), "x.txt")
        >>> with atomic_path(target) as tmp:
        ...     _ = open(tmp, "w").write("hello")
        >>> open(target).read()
        'hello'
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Writes ``text`` (UTF-8) to ``path`` through :func:`atomic_path`."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[str]:
    """Yields a temporary folder beside ``path``; on success it takes ``path``'s place.

    On error the temporary folder is removed and whatever stood at ``path`` is left untouched.
    An old folder at ``path`` is moved aside, the new one renamed in, then the old one removed.

    Example:
        >>> import os, tempfile
        >>> target = os.path.join(tempfile.mkdtemp(), "out")
        >>> with atomic_dir(target) as tmp:
        ...     _ = open(os.path.join(tmp, "a.txt"), "w").write("hello")
        >>> os.listdir(target)
        ['a.txt']
    """
    import shutil

    path = os.path.abspath(os.fspath(path))
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=parent)
    try:
        yield tmp
        old = None
        if os.path.exists(path):
            old = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.", suffix=".old", dir=parent)
            os.rmdir(old)
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
