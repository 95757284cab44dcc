"""Atomic file writing: a file appears complete at its final path or not at all.

Every writer of the package's result files (NetCDF, figures, JSON, Markdown, HTML) goes through
:func:`atomic_path`: the content is written to a temporary file in the destination folder (same
file system) and moved onto the final name with :func:`os.replace`, which is atomic. An
interrupted or failing write leaves any earlier file untouched and no partial file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success move it onto ``path``.

    The temporary file has the same suffix as ``path`` (writers that infer the format from the
    name keep working) and a hidden name. On an exception it is removed and the exception
    propagates; ``path`` is then unchanged.
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return the path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def save_figure(fig: Any, path: str | Path, **savefig_kwargs: Any) -> Path:
    """Save a matplotlib Figure to ``path`` atomically (format from the suffix); return the path.

    ``savefig_kwargs`` go to :meth:`matplotlib.figure.Figure.savefig` (e.g. ``dpi``).
    """
    path = Path(path)
    savefig_kwargs.setdefault("format", path.suffix.lstrip(".") or "png")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, **savefig_kwargs)
    return path
