"""Parameter grids: named axes, their outer product and the point order of a sweep.

A grid is a mapping ``name -> values``; the sweep visits the outer product of the axes in
C order (the last axis varies fastest), and point ``k`` of that order is also the index of its
seed (:meth:`numpy.random.SeedSequence.spawn`) and of its file in the store.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import ModelError

#: Grid names that set the run rather than the model (temperature in K, reduced field in 1/Å
#: along the sweep's field direction, ions per primitive cell).
RUN_VARIABLES = ("temperature", "field", "filling")

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$")


@dataclass(frozen=True, eq=False)
class Grid:
    """The axes of a sweep.

    Attributes
    ----------
    names : tuple of str
        Axis names, in order: a run variable (:data:`RUN_VARIABLES`) or a model parameter (a
        keyword of the model factory, a canned spec's parameter or a dotted spec path such as
        ``interactions.K0``).
    values : tuple of ndarray
        One 1-D array of distinct finite numbers per axis (int64 or float64).
    """

    names: tuple[str, ...]
    values: tuple[np.ndarray, ...]

    @classmethod
    def from_mapping(cls, grid) -> Grid:
        """Validate ``{name: values}`` (values: a number or a 1-D sequence of numbers)."""
        if isinstance(grid, Grid):
            return grid
        if not isinstance(grid, Mapping) or not grid:
            raise ModelError(f"grid must be a non-empty mapping name -> values, got {grid!r}")
        names, values = [], []
        for name, raw in grid.items():
            if not isinstance(name, str) or not _NAME.match(name):
                raise ModelError(
                    f"grid name {name!r} must be an identifier or a dotted path such as "
                    "'interactions.K0'"
                )
            arr = np.atleast_1d(np.asarray(raw))
            if arr.ndim != 1 or arr.size == 0:
                raise ModelError(
                    f"grid[{name!r}] must be a non-empty 1-D sequence of numbers, got {raw!r}"
                )
            if arr.dtype.kind in "iu":
                arr = arr.astype(np.int64)
            elif arr.dtype.kind == "f":
                arr = arr.astype(np.float64)
            else:
                raise ModelError(f"grid[{name!r}] must hold numbers, got {raw!r}")
            if not np.all(np.isfinite(arr)):
                raise ModelError(f"grid[{name!r}] must hold finite numbers, got {raw!r}")
            if name in ("temperature", "filling") and np.any(arr <= 0):
                unit = "K" if name == "temperature" else "ions per cell"
                raise ModelError(
                    f"grid[{name!r}] must hold values > 0 ({unit}), got {arr.tolist()}"
                )
            if np.unique(arr).size != arr.size:
                raise ModelError(f"grid[{name!r}] holds repeated values: {arr.tolist()}")
            names.append(name)
            values.append(arr)
        return cls(tuple(names), tuple(values))

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(v.size for v in self.values)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def dims(self) -> tuple[str, ...]:
        """Dataset dimension names of the axes (dots replaced by underscores)."""
        return tuple(n.replace(".", "_") for n in self.names)

    def point(self, index: int) -> dict:
        """The grid point ``index`` (C order) as ``{name: Python number}``."""
        idx = np.unravel_index(int(index), self.shape)
        return {n: v[i].item() for n, v, i in zip(self.names, self.values, idx, strict=True)}

    def run_values(self, index: int) -> dict:
        """The run variables of point ``index``."""
        return {k: v for k, v in self.point(index).items() if k in RUN_VARIABLES}

    def model_values(self, index: int) -> dict:
        """The model parameters of point ``index``."""
        return {k: v for k, v in self.point(index).items() if k not in RUN_VARIABLES}

    def as_dict(self) -> dict:
        """JSON form: ``{"names": [...], "values": [[...], ...]}``."""
        return {"names": list(self.names), "values": [v.tolist() for v in self.values]}

    def __eq__(self, other) -> bool:
        return (isinstance(other, Grid) and self.names == other.names
                and all(a.dtype == b.dtype and np.array_equal(a, b)
                        for a, b in zip(self.values, other.values, strict=True)))

    __hash__ = None
