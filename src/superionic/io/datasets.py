"""Result files: xarray Datasets to and from NetCDF, and to CSV tables.

NetCDF files are written with the h5netcdf engine. Complex variables are split into
``<name>_real`` and ``<name>_imag`` (marked in their attributes) and joined again on reading;
booleans in attributes become integers and nested attributes JSON text, restored on reading.
CSV tables have one row per point of the broadcast dimensions and columns ``name [units]``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import ModelError
from .atomic import atomic_path

__all__ = ["read_netcdf", "write_csv", "write_netcdf"]


_COMPLEX_PART = "complex_part"
_COMPLEX_OF = "complex_of"
_JSON_ATTRS = "json_attrs"


def _clean_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """Attributes NetCDF can hold: numbers, strings, numeric arrays; the rest as JSON text."""
    out: dict[str, Any] = {}
    as_json: list[str] = []
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, bool | np.bool_):
            out[key] = int(value)
        elif isinstance(value, str | int | float | np.integer | np.floating):
            out[key] = value
        elif isinstance(value, list | tuple | np.ndarray) and np.asarray(value).dtype.kind in "iuf":
            out[key] = np.asarray(value)
        else:
            out[key] = json.dumps(value, default=_json_default)
            as_json.append(key)
    if as_json:
        out[_JSON_ATTRS] = json.dumps(as_json)
    return out


def _json_default(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _restore_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(attrs)
    names = out.pop(_JSON_ATTRS, None)
    if names is not None:
        for key in json.loads(names):
            if key in out:
                out[key] = json.loads(out[key])
    return out


def _split_complex(ds: xr.Dataset) -> xr.Dataset:
    ds = ds.copy()
    for name in list(ds.data_vars) + [c for c in ds.coords if c not in ds.dims]:
        var = ds[name]
        if not np.iscomplexobj(var.values):
            continue
        is_coord = name in ds.coords
        parts = {}
        for part, values in (("real", var.values.real), ("imag", var.values.imag)):
            attrs = {**var.attrs, _COMPLEX_PART: part, _COMPLEX_OF: name}
            parts[f"{name}_{part}"] = xr.Variable(var.dims, values, attrs)
        ds = ds.drop_vars(name)
        ds = ds.assign_coords(parts) if is_coord else ds.assign(parts)
    for name in ds.dims:
        if name in ds.coords and np.iscomplexobj(ds[name].values):
            raise ModelError(f"complex dimension coordinate {name!r} cannot be written")
    return ds


def _join_complex(ds: xr.Dataset) -> xr.Dataset:
    pairs: dict[str, dict[str, str]] = {}
    for name in ds.variables:
        part = ds[name].attrs.get(_COMPLEX_PART)
        base = ds[name].attrs.get(_COMPLEX_OF)
        if part in ("real", "imag") and base:
            pairs.setdefault(base, {})[part] = name
    for base, names in pairs.items():
        if set(names) != {"real", "imag"}:
            continue
        re, im = ds[names["real"]], ds[names["imag"]]
        is_coord = names["real"] in ds.coords
        attrs = {k: v for k, v in re.attrs.items() if k not in (_COMPLEX_PART, _COMPLEX_OF)}
        var = xr.Variable(re.dims, re.values + 1j * im.values, attrs)
        ds = ds.drop_vars([names["real"], names["imag"]])
        ds = ds.assign_coords({base: var}) if is_coord else ds.assign({base: var})
    return ds


def write_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    """Write a Dataset to NetCDF-4 (h5netcdf engine).

    Complex variables become ``<name>_real`` and ``<name>_imag`` (marked in their attributes, so
    :func:`read_netcdf` joins them again); booleans in attributes become integers and nested
    attributes JSON text. The file is written atomically
    (:func:`~superionic.io.atomic.atomic_path`).
    """
    path = Path(path)
    out = _split_complex(ds)
    out.attrs = _clean_attrs(out.attrs)
    for name in out.variables:
        out[name].attrs = _clean_attrs(out[name].attrs)
    with atomic_path(path) as tmp:
        out.to_netcdf(tmp, engine="h5netcdf")
    return path


def read_netcdf(path: str | Path) -> xr.Dataset:
    """Read a Dataset written by :func:`write_netcdf`, complex variables joined, in memory."""
    with xr.open_dataset(Path(path), engine="h5netcdf") as handle:
        ds = handle.load()
    ds = _join_complex(ds)
    ds.attrs = _restore_attrs(ds.attrs)
    for name in ds.variables:
        ds[name].attrs = _restore_attrs(ds[name].attrs)
    return ds


def write_csv(ds: xr.Dataset, path: str | Path, variables: list[str] | None = None) -> Path:
    """Write a Dataset as a CSV table (one row per point of the broadcast dimensions).

    Columns are named ``name [units]`` when a variable has a ``units`` attribute; complex
    variables are split into ``<name>_real`` and ``<name>_imag``.

    Parameters
    ----------
    ds : xarray.Dataset
    path : path
    variables : list of str, optional
        Only these data variables (default all).
    """
    path = Path(path)
    if variables is not None:
        missing = [v for v in variables if v not in ds.data_vars]
        if missing:
            raise ModelError(
                f"variables {missing} are not in the dataset; it has {list(ds.data_vars)}"
            )
        ds = ds[variables]
    flat = _split_complex(ds)
    units = {n: flat[n].attrs["units"] for n in flat.variables if "units" in flat[n].attrs}
    if flat.sizes:
        frame = flat.to_dataframe()
    else:
        import pandas as pd

        frame = pd.DataFrame({name: [flat[name].item()] for name in flat.data_vars})
    frame = frame.rename(columns={c: f"{c} [{units[c]}]" for c in frame.columns if units.get(c)})
    if frame.index.names and frame.index.names != [None]:
        frame.index = frame.index.set_names(
            [f"{n} [{units[n]}]" if units.get(n) else n for n in frame.index.names]
        )
    with atomic_path(path) as tmp:
        frame.to_csv(tmp)
    return path
