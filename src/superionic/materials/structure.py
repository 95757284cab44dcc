"""Crystal structures in: reading, framework / mobile split, space-group operations, site orbits.

pymatgen reads CIF and POSCAR files and holds the structure (``Structure``, partial occupancies,
oxidation states); spglib finds the space group, its operations in the input cell's basis and the
Wyckoff letters; scipy.spatial gives the Voronoi vertices of the framework and periodic k-d trees.
Everything here returns arrays in the input cell's basis (fractional coordinates, Å).
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.spatial import Voronoi, cKDTree

from .errors import DisorderedFrameworkError, NoSuchSpeciesError, StructureError

__all__ = [
    "Framework",
    "Symmetry",
    "load_structure",
    "mobile_element",
    "split_structure",
]

#: Occupancy tolerance: a site whose species fill it to within this is fully occupied.
OCCUPANCY_TOL = 1e-4


def load_structure(structure):
    """Return a pymatgen ``Structure`` from a file path, a ``Structure`` or an ASE ``Atoms``.

    Files are read by ``pymatgen.core.Structure.from_file`` (CIF, POSCAR/CONTCAR, and the other
    formats pymatgen knows), with partial occupancies kept.
    """
    from pymatgen.core import Structure

    if isinstance(structure, Structure):
        return structure.copy()
    if isinstance(structure, str | Path):
        path = Path(structure)
        if not path.is_file():
            raise StructureError(f"structure file {str(path)!r} does not exist")
        try:
            return Structure.from_file(str(path), merge_tol=0.01)
        except Exception as exc:  # pymatgen raises many kinds of errors for bad files
            raise StructureError(
                f"cannot read a crystal structure from {str(path)!r}: {exc}"
            ) from None
    try:
        from ase import Atoms
    except ImportError:  # pragma: no cover - ase is part of the [materials] extra
        Atoms = ()
    if Atoms and isinstance(structure, Atoms):
        from pymatgen.io.ase import AseAtomsAdaptor

        return AseAtomsAdaptor.get_structure(structure)
    raise StructureError(
        "structure must be a file path (CIF, POSCAR), a pymatgen Structure or an ASE Atoms, "
        f"got {type(structure).__name__}"
    )


def mobile_element(mobile) -> str:
    """The element symbol of ``mobile`` ("Ag", "Ag+", a pymatgen Element or Species)."""
    from pymatgen.core.periodic_table import Element, get_el_sp

    try:
        sp = get_el_sp(mobile)
        el = sp if isinstance(sp, Element) else sp.element
        return Element(el.symbol).symbol
    except Exception:  # pymatgen raises several kinds (and makes dummy species) for unknowns
        raise NoSuchSpeciesError(
            f"mobile = {mobile!r} is not a chemical element or ion (e.g. 'Ag' or 'Ag+')"
        ) from None


@dataclass(frozen=True)
class Framework:
    """The immobile atoms and the mobile species' own sites of a structure.

    Attributes
    ----------
    lattice : ndarray, shape (3, 3)
        Lattice vectors as rows, Å.
    positions : ndarray, shape (n, 3)
        Fractional positions of the framework atoms.
    numbers : ndarray of int, shape (n,)
        Their atomic numbers.
    species : tuple of str
        Their species (with oxidation state when the structure carries one).
    mobile_positions : ndarray, shape (m, 3)
        Fractional positions of the sites the mobile species occupies (fully or partly).
    mobile_occupancy : ndarray, shape (m,)
        The mobile species' occupancy of each of them.
    """

    lattice: np.ndarray
    positions: np.ndarray
    numbers: np.ndarray
    species: tuple[str, ...]
    mobile_positions: np.ndarray
    mobile_occupancy: np.ndarray

    @property
    def filling(self) -> float:
        """Mobile ions per cell: the sum of the mobile species' occupancies."""
        return float(np.sum(self.mobile_occupancy))

    @property
    def cartesian(self) -> np.ndarray:
        """Cartesian framework positions, Å."""
        return self.positions @ self.lattice


def split_structure(structure, element: str) -> Framework:
    """Split a pymatgen structure into the ordered framework and the mobile species' sites.

    Raises
    ------
    DisorderedFrameworkError
        When a framework site is partially occupied, mixes species, or mixes the mobile species
        with another one.
    """
    pos, numbers, species, mpos, mocc = [], [], [], [], []
    for index, site in enumerate(structure):
        items = list(site.species.items())
        mobile = [(sp, occ) for sp, occ in items if sp.symbol == element]
        other = [(sp, occ) for sp, occ in items if sp.symbol != element]
        described = ", ".join(f"{sp}:{occ:.4g}" for sp, occ in items)
        if mobile and other:
            raise DisorderedFrameworkError(
                f"site {index} at {np.round(site.frac_coords, 4).tolist()} mixes the mobile "
                f"species {element} with other species ({described}): give an ordered framework"
            )
        if mobile:
            mpos.append(site.frac_coords)
            mocc.append(float(sum(occ for _, occ in mobile)))
            continue
        total = float(sum(occ for _, occ in other))
        if len(other) != 1 or abs(total - 1.0) > OCCUPANCY_TOL:
            raise DisorderedFrameworkError(
                f"framework site {index} at {np.round(site.frac_coords, 4).tolist()} is "
                f"disordered ({described}, total occupancy {total:.4g}): framework sites must "
                "hold one species at occupancy 1"
            )
        sp = other[0][0]
        pos.append(site.frac_coords)
        numbers.append(int(sp.Z))
        species.append(str(sp))
    lattice = np.array(structure.lattice.matrix, dtype=float)
    return Framework(
        lattice=lattice,
        positions=_wrap(np.array(pos, dtype=float).reshape(-1, 3)),
        numbers=np.array(numbers, dtype=np.int64),
        species=tuple(species),
        mobile_positions=_wrap(np.array(mpos, dtype=float).reshape(-1, 3)),
        mobile_occupancy=np.array(mocc, dtype=float),
    )


# --------------------------------------------------------------------------- geometry helpers
def _wrap(frac: np.ndarray) -> np.ndarray:
    """Fractional coordinates wrapped into [0, 1) (exactly, including -0.0 and 1 - eps)."""
    out = np.mod(frac, 1.0)
    out[(out >= 1.0 - 1e-10) | (out < 0.0)] = 0.0
    return out + 0.0


def image_offsets(lattice: np.ndarray, reach: float) -> np.ndarray:
    """Integer cell offsets covering a sphere of radius ``reach`` Å around any point of a cell."""
    heights = 1.0 / np.linalg.norm(np.linalg.inv(lattice).T, axis=1)
    n = [math.ceil(reach / h) + 1 for h in heights]
    return np.array(list(itertools.product(*(range(-k, k + 1) for k in n))), dtype=np.int64)


def periodic_match(points: np.ndarray, reference: np.ndarray, lattice: np.ndarray):
    """Index of the reference point each point coincides with (mod lattice), and the cell shift.

    Returns ``(index, shift, distance)``; ``points ~ reference[index] + shift``. ``distance`` is
    the Cartesian mismatch in Å (the caller decides whether it is a match).
    """
    tree = cKDTree(_wrap(reference), boxsize=1.0)
    wrapped = _wrap(points)
    # query in fractional space for candidates, then measure in Å
    k = min(4, len(reference))
    _, idx = tree.query(wrapped, k=k)
    idx = np.asarray(idx).reshape(len(points), k)
    best = np.zeros(len(points), dtype=np.int64)
    best_d = np.full(len(points), np.inf)
    best_shift = np.zeros((len(points), 3), dtype=np.int64)
    for col in range(k):
        cand = idx[:, col]
        delta = points - reference[cand]
        shift = np.round(delta).astype(np.int64)
        dist = np.linalg.norm((delta - shift) @ lattice, axis=1)
        better = dist < best_d
        best[better], best_d[better], best_shift[better] = cand[better], dist[better], shift[better]
    return best, best_shift, best_d


def unique_periodic(points: np.ndarray, lattice: np.ndarray, tol: float) -> np.ndarray:
    """Indices of the first of each group of points that coincide (mod lattice) within tol Å."""
    keep: list[int] = []
    if len(points) == 0:
        return np.array(keep, dtype=np.int64)
    wrapped = _wrap(points)
    kept = np.zeros((0, 3))
    for i, p in enumerate(wrapped):
        if kept.shape[0]:
            delta = p - kept
            delta -= np.round(delta)
            if np.min(np.linalg.norm(delta @ lattice, axis=1)) < tol:
                continue
        keep.append(i)
        kept = np.vstack([kept, p])
    return np.array(keep, dtype=np.int64)


# --------------------------------------------------------------------------- symmetry
@dataclass(frozen=True)
class Symmetry:
    """Space group of a cell, with its operations in the input basis (spglib's convention).

    An operation maps fractional ``x`` to ``rotations[g] @ x + translations[g]``.
    """

    international: str
    number: int
    rotations: np.ndarray
    translations: np.ndarray
    wyckoffs: tuple[str, ...]
    site_symmetry: tuple[str, ...]
    conventional_ratio: float

    @property
    def n_operations(self) -> int:
        return int(self.rotations.shape[0])

    def apply(self, frac: np.ndarray) -> np.ndarray:
        """Images of points, shape (n_ops, n_points, 3)."""
        return np.einsum("gij,nj->gni", self.rotations, frac) + self.translations[:, None, :]


def find_symmetry(lattice, positions, types, *, symprec: float) -> Symmetry:
    """spglib's symmetry dataset of a cell, as a :class:`Symmetry`."""
    import spglib

    cell = (np.asarray(lattice), np.asarray(positions), np.asarray(types, dtype=np.int64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # spglib's error-handling notice
        try:
            data = spglib.get_symmetry_dataset(cell, symprec=symprec)
        except Exception:  # spglib >= 2.5 may raise instead of returning None
            data = None
    if data is None:
        raise StructureError(
            f"spglib found no space group for this cell (symprec = {symprec} Å); check the "
            "structure or change symprec"
        )
    ratio = abs(np.linalg.det(data.std_lattice)) / abs(np.linalg.det(np.asarray(lattice)))
    return Symmetry(
        international=str(data.international),
        number=int(data.number),
        rotations=np.asarray(data.rotations, dtype=np.int64),
        translations=np.asarray(data.translations, dtype=float),
        wyckoffs=tuple(str(w) for w in data.wyckoffs),
        site_symmetry=tuple(str(s) for s in data.site_symmetry_symbols),
        conventional_ratio=float(ratio),
    )


def expand_orbit(point, symmetry: Symmetry, lattice: np.ndarray, tol: float) -> np.ndarray:
    """The distinct images (mod lattice) of a fractional point under the space group."""
    images = symmetry.apply(np.asarray(point, dtype=float)[None, :])[:, 0, :]
    images = _wrap(images)
    return images[unique_periodic(images, lattice, tol)]


def symmetrize_point(point, symmetry: Symmetry, lattice: np.ndarray, tol: float) -> np.ndarray:
    """Mean of the images that coincide with ``point``: the point on its symmetry element."""
    p = np.asarray(point, dtype=float)
    images = symmetry.apply(p[None, :])[:, 0, :]
    delta = images - p
    delta -= np.round(delta)
    close = np.linalg.norm(delta @ lattice, axis=1) < tol
    return _wrap((p + delta[close].mean(axis=0))[None, :])[0]


# --------------------------------------------------------------------------- Voronoi
def voronoi_candidates(framework: Framework, *, min_distance: float, merge_distance: float):
    """Voronoi vertices of the framework inside the cell, at least ``min_distance`` Å from it.

    Vertices closer than ``merge_distance`` Å (mod lattice) are merged (degenerate vertices of
    octahedral cages, for example). Returns fractional coordinates, shape (n, 3).
    """
    lat = framework.lattice
    if framework.positions.shape[0] == 0:
        raise StructureError("the framework has no atoms: the Voronoi route needs some")
    reach = 2.0 * max(min_distance, 1.0) + float(np.max(np.linalg.norm(lat, axis=1)))
    offsets = image_offsets(lat, min(reach, 12.0))
    offsets = offsets[np.all(np.abs(offsets) <= 2, axis=1)]
    points = (framework.positions[None, :, :] + offsets[:, None, :]).reshape(-1, 3) @ lat
    vertices = Voronoi(points, qhull_options="Qbb Qc Qz").vertices
    frac = vertices @ np.linalg.inv(lat)
    inside = np.all((frac >= -1e-9) & (frac < 1.0 - 1e-9), axis=1)
    frac = _wrap(frac[inside])
    if frac.shape[0] == 0:
        return frac
    tree = cKDTree(points)
    dist, _ = tree.query(frac @ lat)
    frac = frac[dist >= min_distance]
    return frac[unique_periodic(frac, lat, merge_distance)]
