"""The on-disk store of a sweep: a manifest and one NetCDF file per finished grid point.

Layout::

    STORE/
      manifest.json          task, grid (names, values, shape), options, model, seed, key
      points/
        point-000000.nc      grid point 0 (C order of the grid), written when it finishes
        point-000001.nc
        ...

Each point file is written to a temporary name in ``points/`` and moved into place with
:func:`os.replace`, which is atomic on POSIX file systems: a file under its final name is always
complete, so a sweep killed at any moment leaves finished points intact and at most a stray
``*.tmp`` file (ignored and overwritten). The manifest's ``key`` hashes everything that determines
the results; a store is resumed only by a sweep with the same key.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from .. import io as sio
from ..errors import ModelError
from .grid import Grid

FORMAT = "superionic-sweep/1"
MANIFEST = "manifest.json"
POINTS = "points"
#: Attributes of a point file that describe the point itself (dropped when combining).
POINT_FACTS = ("sweep_point", "sweep_wall_time_s", "sweep_point_values")


def point_name(index: int) -> str:
    """File name of grid point ``index``."""
    return f"point-{index:06d}.nc"


@dataclass(frozen=True)
class Manifest:
    """What a store holds: the task, the grid and a key of everything that fixes the results."""

    task: str
    grid: Grid
    options: str
    model: str
    seed: str
    key: str

    @classmethod
    def create(cls, task: str, grid: Grid, options: dict, model: str, seed: str) -> Manifest:
        opts = json.dumps(options, sort_keys=True, default=repr)
        text = json.dumps([FORMAT, task, grid.as_dict(), opts, model, seed], sort_keys=True)
        key = hashlib.sha256(text.encode()).hexdigest()[:32]
        return cls(task, grid, opts, model, seed, key)

    def as_dict(self) -> dict:
        return {
            "format": FORMAT,
            "task": self.task,
            "grid": {**self.grid.as_dict(), "shape": list(self.grid.shape),
                     "dims": list(self.grid.dims)},
            "n_points": self.grid.size,
            "points": f"{POINTS}/point-NNNNNN.nc (C order of the grid, last axis fastest)",
            "options": self.options,
            "model": self.model,
            "seed": self.seed,
            "key": self.key,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Manifest:
        if data.get("format") != FORMAT:
            raise ModelError(f"not a sweep store of format {FORMAT}: {data.get('format')!r}")
        g = data["grid"]
        grid = Grid.from_mapping(dict(zip(g["names"], g["values"], strict=True)))
        return cls(data["task"], grid, data["options"], data["model"], data["seed"], data["key"])


class Store:
    """A sweep's directory (see the module docstring)."""

    def __init__(self, path) -> None:
        self.path = Path(path)
        self.points = self.path / POINTS

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    def read_manifest(self) -> Manifest | None:
        if not self.manifest_path.exists():
            return None
        return Manifest.from_dict(json.loads(self.manifest_path.read_text(encoding="utf-8")))

    def open(self, manifest: Manifest, *, resume: bool) -> list[int]:
        """Prepare the store for ``manifest``; return the indices of points already finished.

        With ``resume=False`` finished points are removed and computed again.
        """
        old = self.read_manifest()
        if old is not None and old.key != manifest.key:
            if resume:
                diff = [name for name in ("task", "grid", "options", "model", "seed")
                        if getattr(old, name) != getattr(manifest, name)]
                raise ModelError(
                    f"store {self.path} holds another sweep (its {', '.join(diff) or 'key'} "
                    "differ); choose another store or pass resume=False to overwrite it"
                )
        self.points.mkdir(parents=True, exist_ok=True)
        if not resume:
            for f in self.points.glob("point-*.nc"):
                f.unlink()
        if old is None or old.key != manifest.key:
            self._write_text(self.manifest_path, json.dumps(manifest.as_dict(), indent=1))
        return self.finished(manifest.grid.size)

    def finished(self, n_points: int) -> list[int]:
        """Indices of the points whose files exist."""
        return [k for k in range(n_points) if (self.points / point_name(k)).exists()]

    def write_point(self, index: int, ds: xr.Dataset) -> Path:
        """Write one point atomically (temporary file, then :func:`os.replace`)."""
        final = self.points / point_name(index)
        tmp = self.points / f".{point_name(index)}.{uuid.uuid4().hex}.tmp"
        try:
            sio.write_netcdf(ds, tmp)
            os.replace(tmp, final)
        finally:
            if tmp.exists():
                tmp.unlink()
        return final

    def read_point(self, index: int) -> xr.Dataset:
        return sio.read_netcdf(self.points / point_name(index))

    def _write_text(self, path: Path, text: str) -> None:
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)


def _canonical(value):
    """One form for an attribute however it was obtained (Python or NumPy scalar, list or
    array): what a NetCDF round trip returns."""
    if isinstance(value, bool | int | float | np.generic):
        return np.asarray(value)[()]
    if isinstance(value, list | tuple):
        return np.asarray(value)
    return value


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.all(
            (a == b) | ((a != a) & (b != b)) if a.dtype.kind == "f" else a == b))
    return type(a) is type(b) and (a == b or (a != a and b != b))


def _align_labelled_dims(points: list[xr.Dataset]) -> list[xr.Dataset]:
    """Reindex every point to the union of the labels of each labelled dimension (NaN where a
    point lacks a label, e.g. the mobility observable of a simulation at zero field)."""
    labels: dict[str, list] = {}
    for ds in points:
        for dim in ds.dims:
            if dim in ds.coords:
                seen = labels.setdefault(dim, [])
                seen.extend(v for v in ds.coords[dim].values.tolist() if v not in seen)
    out = []
    for ds in points:
        changes = {d: v for d, v in labels.items()
                   if d in ds.dims and ds.coords[d].values.tolist() != v}
        out.append(ds.reindex(changes) if changes else ds)
    return out


def combine(grid: Grid, points: list[xr.Dataset], *, task: str) -> xr.Dataset:
    """Stack the point Datasets (C order) into one Dataset with the grid axes as dimensions.

    Variables get the grid dimensions in front of their own; attributes shared by every point
    are kept, the others (run facts such as the temperature of each point) are dropped: the grid
    coordinates carry them.
    """
    points = _align_labelled_dims(points)
    first = points[0]
    names = list(dict.fromkeys(name for ds in points for name in ds.data_vars))
    data = {}
    for name in names:
        ref = next(ds[name] for ds in points if name in ds.data_vars)
        attrs = {k: _canonical(v) for k, v in ref.attrs.items()}
        missing = [k for k, ds in enumerate(points) if name not in ds.data_vars]
        if missing and ref.dtype.kind != "f":
            raise ModelError(f"variable {name!r} is missing at grid points {missing[:10]}: the "
                             "results cannot be stacked")
        if missing:
            # e.g. the drift mobility, which a simulation defines only at a non-zero field
            attrs["missing_points"] = len(missing)
            attrs["note"] = ("NaN at the grid points where the task does not define it (such as "
                             "a mobility along the field at zero field)")
        arrays = [ds[name].values if name in ds.data_vars else np.full(ref.shape, np.nan)
                  for ds in points]
        shapes = {a.shape for a in arrays}
        if len(shapes) != 1:
            raise ModelError(f"variable {name!r} changes shape across the grid: {sorted(shapes)}")
        stacked = np.stack(arrays).reshape(grid.shape + arrays[0].shape)
        data[name] = (grid.dims + ref.dims, stacked, attrs)
    coords = {d: (d, v, {"long_name": n}) for d, n, v in
              zip(grid.dims, grid.names, grid.values, strict=True)}
    for name, coord in first.coords.items():
        if name not in first.dims or name in coords:
            continue
        coords[name] = coord.variable
    attrs = {}
    for key, value in first.attrs.items():
        if key in POINT_FACTS:
            continue
        value = _canonical(value)
        if all(key in ds.attrs and _same(_canonical(ds.attrs[key]), value) for ds in points):
            attrs[key] = value
    units = {"temperature": "K", "field": "1/angstrom", "filling": "ions per cell"}
    for d, n in zip(grid.dims, grid.names, strict=True):
        if n in units:
            coords[d][2]["units"] = units[n]
    attrs.update({"sweep_task": task, "sweep_grid": json.dumps(grid.as_dict())})
    return xr.Dataset(data, coords=coords, attrs=attrs)
