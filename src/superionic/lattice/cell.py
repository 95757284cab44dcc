"""Periodic lattices of mobile-ion sites (paper Sec. II.3).

A :class:`Lattice` holds 1-3 lattice vectors in Å and a set of named :class:`Site` objects with
fractional positions and site energies (eV). Both are frozen value objects.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .._validate import finite_array, finite_float
from ..errors import ModelError

_PLAIN = (float, int)


@dataclass(frozen=True)
class Site:
    """A tight-binding site of the mobile-ion sublattice.

    Parameters
    ----------
    name : str
        Unique label of the site within its cell.
    position : sequence of float
        Fractional coordinates in the cell (one per lattice vector).
    energy : float
        Site energy E_ii in eV (the chemical potential at the site, Eq. 2).
    """

    name: str
    position: tuple[float, ...]
    energy: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ModelError(f"Site.name must be a non-empty string, got {self.name!r}")
        pos, energy = self.position, self.energy
        # Fast path for plain Python numbers (large models declare many sites).
        if (
            type(pos) in (tuple, list)
            and 1 <= len(pos) <= 3
            and all(type(x) in _PLAIN and math.isfinite(x) for x in pos)
            and type(energy) in _PLAIN
            and math.isfinite(energy)
        ):
            object.__setattr__(self, "position", tuple(float(x) for x in pos))
            object.__setattr__(self, "energy", float(energy))
            return
        pos = np.atleast_1d(finite_array(f"Site({self.name!r}).position", self.position))
        if pos.ndim != 1 or not 1 <= pos.size <= 3:
            raise ModelError(
                f"Site({self.name!r}).position must have 1-3 fractional coordinates, "
                f"got {self.position!r}"
            )
        object.__setattr__(self, "position", tuple(float(x) for x in pos))
        object.__setattr__(self, "energy", finite_float(f"Site({self.name!r}).energy", self.energy))


@dataclass(frozen=True)
class Lattice:
    """A Bravais lattice with a basis of named sites.

    Parameters
    ----------
    vectors : array_like, shape (dim, dim)
        Lattice vectors as rows, in Å; ``dim`` is 1, 2 or 3. A scalar is a 1D lattice constant.
    sites : sequence of Site
        The inequivalent sites of one cell, with fractional positions.
    """

    vectors: tuple[tuple[float, ...], ...]
    sites: tuple[Site, ...]

    def __post_init__(self) -> None:
        vec = np.atleast_2d(finite_array("Lattice.vectors", self.vectors))
        if vec.ndim != 2 or vec.shape[0] != vec.shape[1] or not 1 <= vec.shape[0] <= 3:
            raise ModelError(
                "Lattice.vectors must be a square (dim, dim) array with dim in 1..3, "
                f"got shape {np.shape(self.vectors)}"
            )
        volume = abs(float(np.linalg.det(vec)))
        if not volume > 1e-12:
            raise ModelError(f"Lattice.vectors are degenerate (cell volume {volume:g})")
        object.__setattr__(self, "vectors", tuple(tuple(float(x) for x in row) for row in vec))
        sites = tuple(self.sites)
        if not sites:
            raise ModelError("Lattice.sites must hold at least one Site, got none")
        dim = vec.shape[0]
        names = set()
        for s in sites:
            if not isinstance(s, Site):
                raise ModelError(f"Lattice.sites must hold Site objects, got {s!r}")
            if len(s.position) != dim:
                raise ModelError(
                    f"Site {s.name!r} has {len(s.position)} fractional coordinate(s); "
                    f"the lattice has dim={dim}"
                )
            if s.name in names:
                raise ModelError(f"Lattice.sites: duplicate site name {s.name!r}")
            names.add(s.name)
        object.__setattr__(self, "sites", sites)

    @property
    def dim(self) -> int:
        """Spatial dimension (1, 2 or 3)."""
        return len(self.vectors)

    @property
    def n_sites(self) -> int:
        """Number of sites per cell (N_u of the paper)."""
        return len(self.sites)

    @cached_property
    def matrix(self) -> np.ndarray:
        """Lattice vectors as rows, shape (dim, dim), Å."""
        return np.array(self.vectors, dtype=float)

    @cached_property
    def site_names(self) -> tuple[str, ...]:
        """Site names in declaration order."""
        return tuple(s.name for s in self.sites)

    @cached_property
    def fractional_positions(self) -> np.ndarray:
        """Fractional site positions, shape (n_sites, dim)."""
        return np.array([s.position for s in self.sites], dtype=float)

    @cached_property
    def positions(self) -> np.ndarray:
        """Cartesian site positions in Å, shape (n_sites, dim)."""
        return self.fractional_positions @ self.matrix

    @cached_property
    def site_energies(self) -> np.ndarray:
        """Site energies in eV, shape (n_sites,)."""
        return np.array([s.energy for s in self.sites], dtype=float)

    @cached_property
    def volume(self) -> float:
        """Cell length (1D, Å), area (2D, Å^2) or volume (3D, Å^3)."""
        return abs(float(np.linalg.det(self.matrix)))

    @cached_property
    def reciprocal(self) -> np.ndarray:
        """Reciprocal lattice vectors as rows (1/Å), with ``b_i . a_j = 2 pi delta_ij``."""
        return 2.0 * np.pi * np.linalg.inv(self.matrix).T

    @cached_property
    def _index_of(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.site_names)}

    def site_index(self, name: str) -> int:
        """Return the index of the site called ``name``; raise ModelError if unknown."""
        try:
            return self._index_of[name]
        except (KeyError, TypeError):
            raise ModelError(
                f"unknown site {name!r}; this lattice has sites {list(self.site_names)}"
            ) from None

    def cartesian(self, fractional) -> np.ndarray:
        """Fractional coordinates (..., dim) to Cartesian Å."""
        return np.asarray(fractional, dtype=float) @ self.matrix

    def neighbour_shells(self, cutoff: float, *, tol: float = 1e-6):
        """List the directed site pairs within ``cutoff`` Å, grouped by distance.

        Returns
        -------
        list of (distance, list of (source, target, cell))
            Shells sorted by increasing distance. Each pair (a, b, R) means site ``b`` in cell ``R``
            lies within the shell of site ``a`` in cell 0; both directions of each bond appear.
        """
        cutoff = finite_float("cutoff", cutoff, minimum=0.0, strict_min=True)
        lengths = np.linalg.norm(self.matrix, axis=1)
        # Enough image cells to cover the cutoff sphere from any position in the cell.
        inv_heights = np.linalg.norm(self.reciprocal, axis=1) / (2 * np.pi)
        reach = [math.ceil(cutoff * h) + 1 for h in inv_heights]
        del lengths
        pos = self.positions
        pairs: list[tuple[float, str, str, tuple[int, ...]]] = []
        for cell in itertools.product(*(range(-r, r + 1) for r in reach)):
            shift = np.asarray(cell, dtype=float) @ self.matrix
            d = pos[None, :, :] + shift - pos[:, None, :]
            dist = np.linalg.norm(d, axis=-1)
            for a, b in zip(*np.nonzero((dist <= cutoff + tol) & (dist > tol)), strict=True):
                pairs.append((float(dist[a, b]), self.site_names[a], self.site_names[b], cell))
        pairs.sort(key=lambda p: p[0])
        shells: list[tuple[float, list[tuple[str, str, tuple[int, ...]]]]] = []
        for dist, a, b, cell in pairs:
            if shells and abs(shells[-1][0] - dist) <= tol:
                shells[-1][1].append((a, b, cell))
            else:
                shells.append((dist, [(a, b, cell)]))
        return shells
