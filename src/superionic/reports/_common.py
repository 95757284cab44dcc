"""What the report sections share: progress messages, written files and ``summary.json``.

A section's :func:`build` starts with :func:`open_section`, records every file it writes through
:func:`save_figure` / :func:`save_netcdf` (or by appending the name to its list) and ends with
:func:`write_summary`. :func:`jsonable` turns NumPy values, paths and non-finite numbers into
plain JSON values (also used by ``superionic report`` for its index).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..io import atomic, write_netcdf


def say(progress, message: str) -> None:
    """Pass ``message`` to the progress callback, if there is one."""
    if progress is not None:
        progress(message)


def open_section(outdir) -> tuple[Path, float, list[str]]:
    """Create ``outdir``; return it as a Path, the start time and an empty list of file names."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    return outdir, time.perf_counter(), []


def save_figure(fig, path: Path, files: list[str]) -> None:
    """Save ``fig`` as ``path`` (130 dpi, atomically) and record its name in ``files``."""
    atomic.save_figure(fig, path, dpi=130)
    files.append(path.name)


def save_netcdf(ds, path: Path, files: list[str]) -> None:
    """Write ``ds`` to the NetCDF file ``path`` (atomically) and record its name in ``files``."""
    write_netcdf(ds, path)
    files.append(path.name)


def save_text(text: str, path: Path, files: list[str]) -> None:
    """Write ``text`` to ``path`` (atomically) and record its name in ``files``."""
    atomic.write_text_atomic(path, text)
    files.append(path.name)


def write_summary(
    outdir: Path, summary: dict, files: list[str], start: float, *, as_json: bool = False
) -> dict:
    """Add the sorted ``files`` and the seconds since ``start`` to ``summary`` and write it to
    ``outdir / "summary.json"``; return it (passed through :func:`jsonable` if ``as_json``)."""
    summary["files"] = sorted(files)
    summary["seconds"] = round(time.perf_counter() - start, 2)
    data = jsonable(summary) if as_json else summary
    atomic.write_text_atomic(outdir / "summary.json", json.dumps(data, indent=2) + "\n")
    return data


def jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays, paths and non-finite floats into plain JSON values."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        x = float(obj)
        return x if math.isfinite(x) else str(x)
    if isinstance(obj, complex | np.complexfloating):
        return {"real": jsonable(obj.real), "imag": jsonable(obj.imag)}
    if isinstance(obj, Path):
        return str(obj)
    if obj is None or isinstance(obj, str | int | bool):
        return obj
    return repr(obj)
