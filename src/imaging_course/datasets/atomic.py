"""Atomic file writes: a temporary name in the same folder, then one rename.

An interrupted generator therefore never leaves a half-written file under a real name; the
next run sees the file missing and writes it again, and removes the temporary files a killed
run left behind (:func:`remove_leftover_parts`).
"""

import os
import tempfile
from pathlib import Path
from typing import BinaryIO

PART_SUFFIX = ".part"
"""The end of every temporary name: ``.<name>.<random>.part`` beside the file being written."""

FILE_MODE = 0o644
"""A dataset file is readable by everyone (``mkstemp`` would leave it private, 0600)."""


def open_temporary(path: Path) -> tuple[BinaryIO, Path]:
    """A new temporary file beside ``path``, open for binary writing, with mode 0644.

    Rename it onto ``path`` when complete (``Path.replace``); remove it on failure.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=PART_SUFFIX)
    os.fchmod(fd, FILE_MODE)
    return os.fdopen(fd, "wb"), Path(name)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` holds either nothing or all of it."""
    handle, tmp = open_temporary(path)
    try:
        with handle:
            handle.write(data)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8, atomically (see :func:`write_bytes_atomic`)."""
    write_bytes_atomic(path, text.encode("utf-8"))


def is_temporary(path: Path) -> bool:
    """Whether ``path`` is named like a temporary file of :func:`open_temporary`."""
    return path.name.startswith(".") and path.name.endswith(PART_SUFFIX)


def remove_leftover_parts(folder: Path) -> int:
    """Delete the temporary files under ``folder`` that a killed writer left; return how many.

    A process killed with SIGKILL runs no cleanup, so its ``.part`` file stays. Call this only
    when no other process writes into ``folder``.
    """
    leftovers = [path for path in Path(folder).rglob("*") if is_temporary(path) and path.is_file()]
    for path in leftovers:
        path.unlink()
    return len(leftovers)
