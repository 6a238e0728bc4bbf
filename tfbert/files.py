"""Files in and out, for every part of tfbert: finding a file in a local folder or on the
Hugging Face hub (and its cache), writing files whole or not at all, JSON text.

The bottom floor: it imports nothing of tfbert, so the config, the checkpoints and the
tokenizer all resolve and write files through it.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Iterator
from typing import Any

# The keyword arguments of from_pretrained that go to huggingface_hub.
HUB_ARGS = ("revision", "cache_dir", "local_files_only", "token")
# Starts of a string that is a path, never a hub id.
_PATH_STARTS = ("/", "./", "../", "~", "\\")


def resolve_file(
    name_or_path: str | os.PathLike,
    filename: str,
    *,
    required: bool = True,
    expected: str | None = None,
    subfolder: str | None = None,
    revision: str | None = None,
    cache_dir: str | None = None,
    local_files_only: bool = False,
    token: str | bool | None = None,
) -> str | None:
    """Returns the local path of ``filename`` in a folder or a hub repository.

    A local folder is used as it is. A path that exists but is not a folder, or that reads as a
    path (``/``, ``./``, ``../``, ``~``), is refused. Anything else is a hub id, resolved by
    huggingface_hub: from its cache when offline (``local_files_only=True`` or
    ``HF_HUB_OFFLINE=1``), else downloaded. The one place tfbert resolves hub ids.

    Args:
        name_or_path: Local folder or hub id (``"org/name"``).
        filename: File to find, e.g. ``"config.json"``.
        required: Raise if the file is missing; otherwise return ``None``.
        expected: What the folder should hold, for the message about a path that is not a
            folder (default: ``filename``).
        subfolder: A folder inside the repository (or the local folder) to look in.
        revision, cache_dir, local_files_only, token: As for ``huggingface_hub.hf_hub_download``.

    Returns:
        The file's local path, or ``None`` when it is missing and not ``required``.

    Raises:
        FileNotFoundError: ``name_or_path`` is neither a folder nor a valid hub id, names no hub
            repository, or the file is missing and ``required``; the message names where it
            looked.

    Example:
        >>> import os, tempfile
        >>> folder = tempfile.mkdtemp()
        >>> _ = open(os.path.join(folder, "config.json"), "w").write("{}")
        >>> os.path.basename(resolve_file(folder, "config.json"))
        'config.json'
        >>> resolve_file("not a hub id!", "config.json")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        FileNotFoundError: 'not a hub id!' is not a folder holding config.json: it is neither ...
    """
    name_or_path = os.fspath(name_or_path)
    if os.path.isdir(name_or_path):
        folder = os.path.join(name_or_path, subfolder) if subfolder else name_or_path
        path = os.path.join(folder, filename)
        if os.path.isfile(path):
            return path
        if required:
            raise FileNotFoundError(f"{filename} not found in folder {folder}")
        return None
    import huggingface_hub
    from huggingface_hub import errors

    not_found = FileNotFoundError(
        f"{name_or_path!r} is not a folder holding {expected or filename}: it is neither a local "
        f"folder nor a valid Hugging Face hub id ('org/name')"
    )
    if os.path.exists(name_or_path) or name_or_path.startswith(_PATH_STARTS):
        raise not_found
    try:
        return huggingface_hub.hf_hub_download(
            name_or_path,
            filename,
            subfolder=subfolder,
            revision=revision,
            cache_dir=cache_dir,
            token=token,
            local_files_only=local_files_only,
        )
    except (errors.EntryNotFoundError, errors.LocalEntryNotFoundError) as err:
        if required:
            where = " in the local cache only" if _offline(local_files_only) else ""
            raise FileNotFoundError(
                f"{filename} not found for {name_or_path!r} (not a local folder; looked it up "
                f"as a Hugging Face hub id{where}): {err}"
            ) from None
        return None
    except errors.HFValidationError:
        raise not_found from None
    except errors.RepositoryNotFoundError:
        raise FileNotFoundError(f"no Hugging Face hub repository {name_or_path!r}") from None


def _offline(local_files_only: bool) -> bool:
    from huggingface_hub import constants

    return local_files_only or bool(constants.HF_HUB_OFFLINE)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """Yields a temporary file path beside ``path``; on success it replaces ``path`` in one rename.

    On error the temporary file is removed and whatever stood at ``path`` is left untouched.

    Example:
        >>> import os, tempfile
        >>> target = os.path.join(tempfile.mkdtemp(), "x.txt")
        >>> with atomic_path(target) as tmp:
        ...     _ = open(tmp, "w").write("hello")
        >>> open(target).read()
        'hello'
    """
    with _staged(path, folder=False) as (tmp, final):
        yield tmp
        _swap_in(tmp, final, depth=0)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Writes ``text`` (UTF-8) to ``path`` through :func:`atomic_path`."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike, merge: int = 0) -> Iterator[str]:
    """Yields a temporary folder beside ``path``; once the block completes, its content takes
    ``path``'s place. The one way tfbert writes a set of files.

    Whatever fails inside the block (a writer raising, an interrupt), the temporary folder is
    removed and what stood at ``path`` is left whole. The new set is complete before anything at
    ``path`` is touched; it is then moved in by renames within one file system.

    Args:
        path: The target folder (its parent is created if missing).
        merge: ``0`` replaces the whole folder. ``1`` keeps the entries of an existing folder
            that the new set lacks and replaces those it has (files, or folders whole), as
            ``save_pretrained`` into a folder shared with a tokenizer needs. ``2`` merges one
            level deeper (``saved_model/<version>`` beside other versions).

    Raises:
        NotADirectoryError: ``path`` (or a folder the merge descends into) is a file.
        IsADirectoryError: The new set has a file where the old folder has a folder.

    Example:
        >>> import os, tempfile
        >>> target = os.path.join(tempfile.mkdtemp(), "out")
        >>> with atomic_dir(target) as tmp:
        ...     _ = open(os.path.join(tmp, "a.txt"), "w").write("hello")
        >>> os.listdir(target)
        ['a.txt']
    """
    with _staged(path, folder=True) as (tmp, final):
        if os.path.lexists(final) and not os.path.isdir(final):
            raise NotADirectoryError(
                f"{final} is a file, not a folder; cannot write a folder there"
            )
        yield tmp
        _check_mergeable(tmp, final, merge)
        _swap_in(tmp, final, depth=merge)


@contextlib.contextmanager
def _staged(path: str | os.PathLike, folder: bool) -> Iterator[tuple[str, str]]:
    """A temporary file or folder beside ``path``, removed unless it was moved into place."""
    final = os.path.abspath(os.fspath(path))
    parent = os.path.dirname(final)
    if os.path.isfile(parent):
        raise NotADirectoryError(f"{parent} is a file, not a folder; cannot write {final}")
    os.makedirs(parent, exist_ok=True)
    prefix, name = f".{os.path.basename(final)}.", None
    if folder:
        name = tempfile.mkdtemp(prefix=prefix, suffix=".tmp", dir=parent)
    else:
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=parent)
        os.close(fd)
    # mkdtemp/mkstemp make private entries; the result gets the modes a plain write would give
    os.chmod(name, (0o777 if folder else 0o666) & ~_umask())
    try:
        yield name, final
    finally:
        _remove(name)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _check_mergeable(new: str, old: str, depth: int) -> None:
    """Refuses, before anything moves, a merge where a new folder meets an old file."""
    if depth <= 0 or not os.path.isdir(old):
        return
    for entry in os.listdir(new):
        source, target = os.path.join(new, entry), os.path.join(old, entry)
        if not os.path.isdir(source) and os.path.isdir(target):
            raise IsADirectoryError(f"{target} is a folder; cannot write the file {entry} there")
        if (
            os.path.isdir(source)
            and os.path.lexists(target)
            and not os.path.isdir(target)
            and depth > 1
        ):
            raise NotADirectoryError(
                f"{target} is a file, not a folder; cannot write a folder there"
            )
        if os.path.isdir(source):
            _check_mergeable(source, target, depth - 1)


def _swap_in(new: str, old: str, depth: int) -> None:
    """Moves ``new`` to ``old``: whole at depth 0, else entry by entry (see :func:`atomic_dir`)."""
    if depth > 0 and os.path.isdir(old) and not os.path.islink(old):
        for entry in sorted(os.listdir(new)):
            _swap_in(os.path.join(new, entry), os.path.join(old, entry), depth - 1)
        return
    aside = None
    if os.path.isdir(old) and not os.path.islink(old):
        aside = tempfile.mkdtemp(
            prefix=f".{os.path.basename(old)}.", suffix=".old", dir=os.path.dirname(old)
        )
        os.rmdir(aside)
        os.replace(old, aside)
    os.replace(new, old)
    if aside is not None:
        _remove(aside)


def _remove(path: str) -> None:
    import shutil

    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


def json_text(data: Any, what: str, sort_keys: bool = False) -> str:
    """``data`` as indented JSON text, or an error naming the first field JSON cannot hold.

    Call it before writing anything, so that a value that cannot be written leaves every file
    as it was.

    Args:
        data: A dict (or list) of JSON values.
        what: The file it is for, for the message (``"config.json"``).
        sort_keys: Write the keys of every dict sorted.

    Returns:
        The JSON text, ending in a newline.

    Raises:
        TypeError: A value is not a JSON value (a numpy number, a set, an object) or is not
            finite; the message names its field (``num_labels``, ``id2label.3``) and its type.

    Example:
        >>> json_text({"a": [1, 2.5]}, "x.json").split()
        ['{', '"a":', '[', '1,', '2.5', ']', '}']
        >>> import numpy as np
        >>> json_text({"id2label": {"0": np.int64(1)}}, "config.json")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        TypeError: config.json: field id2label.0 holds np.int64(1) of type numpy.int64, which ...
    """
    bad = _first_bad(data, "")
    if bad is not None:
        field, value = bad
        kind = type(value)
        kind_name = (
            kind.__name__
            if kind.__module__ == "builtins"
            else f"{kind.__module__.split('.')[0]}.{kind.__name__}"
        )
        raise TypeError(
            f"{what}: field {field or '(top level)'} holds {value!r:.60} of type "
            f"{kind_name}, which JSON cannot hold; give a plain int, float, str, bool, "
            f"None, list or dict"
        )
    return (
        json.dumps(data, indent=2, sort_keys=sort_keys, ensure_ascii=False, allow_nan=False) + "\n"
    )


def _first_bad(value: Any, field: str) -> tuple[str, Any] | None:
    if value is None or isinstance(value, (str, bool, int)):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else (field, value)
    if isinstance(value, (list, tuple)):
        items = enumerate(value)
    elif isinstance(value, dict):
        for key in value:
            if not (key is None or isinstance(key, (str, int, float, bool))):
                return (f"{field}.{key!r}" if field else repr(key)), key
        items = value.items()
    else:
        return field, value
    for key, item in items:
        bad = _first_bad(item, f"{field}.{key}" if field else str(key))
        if bad is not None:
            return bad
    return None
