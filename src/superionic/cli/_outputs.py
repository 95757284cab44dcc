"""Output paths checked before any computation, shared by every subcommand.

A command that would compute for minutes and then fail to write its result loses the work; so
each command calls :func:`check_output` (files) or :func:`check_output_folder` (folders) on every
path it will write, before it computes anything. The check creates the missing folders and
creates and removes a probe file in the target folder: what it accepts can be written (short of
a full disk), what it refuses ends the command with exit status 3 and one line naming the
option, the path and the reason.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ._group import CommandFailure


def _refuse(option: str, path: Path, reason: str) -> CommandFailure:
    where = f"{option} {path}" if option else str(path)
    return CommandFailure(f"cannot write {where}: {reason}", "output")


def _probe(folder: Path, option: str, path: Path) -> None:
    """Create the folder if missing and check a file can be created in it."""
    existing = folder
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise _refuse(option, path, f"{existing} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _refuse(option, path, f"cannot create the folder {folder}: "
                      f"{exc.strerror or exc}") from None
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".superionic-write-check-"):
            pass
    except OSError as exc:
        raise _refuse(option, path, f"cannot create a file in the folder {folder} "
                      f"({exc.strerror or exc})") from None


def check_output(path: str | os.PathLike, option: str = "--output") -> Path:
    """Check that the file ``path`` can be written; create its folder. Returns the path.

    Refused (exit status 3): a folder where the file should be, a file where a folder of its
    path should be, a folder that cannot be created or written (``/proc``, read-only mounts,
    missing permissions), an existing file that is not writable.
    """
    path = Path(path)
    if path.is_dir():
        raise _refuse(option, path, "it is a folder; give a file name")
    _probe(path.parent if str(path.parent) else Path("."), option, path)
    if path.exists() and not os.access(path, os.W_OK):
        raise _refuse(option, path, "the file exists and is not writable")
    return path


def check_output_folder(path: str | os.PathLike, option: str = "OUTDIR") -> Path:
    """Check that the folder ``path`` can be created and written into. Returns the path."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise _refuse(option, path, "it is a file, not a folder")
    _probe(path, option, path)
    return path


def check_outputs(*pairs: tuple[str | os.PathLike | None, str]) -> None:
    """:func:`check_output` for each ``(path, option)`` pair whose path is not None."""
    for path, option in pairs:
        if path is not None:
            check_output(path, option)
