"""Reciprocal space: Bloch matrices, eigenmodes, spectra, k-paths and meshes (Eqs. 10-15, 25-29).

:mod:`superionic.kspace.bloch` builds ``P(k)`` and its analytic k-derivatives and solves for the
eigenmodes (stable mode first); :mod:`superionic.kspace.spectrum` turns them into Datasets of
decay rates, frequencies and group velocities along paths and on meshes
(:mod:`superionic.kspace.kpoints`), with the occupations and polarization of Eqs. 28-29.
"""

from . import bloch, kpoints, spectrum
from .bloch import (
    Eigenmodes,
    bloch_derivative,
    bloch_from_table,
    bloch_matrix,
    eigenmodes,
    eigenvalues,
    group_velocities,
)
from .kpoints import (
    GAMMA,
    KMesh,
    KPath,
    high_symmetry_points,
    kmesh,
    kmesh_memory_bytes,
    kpath,
    lattice_kind,
    to_first_zone,
    zone_boundary,
)
from .spectrum import CellBlocks, polarization, spectrum_memory_bytes, stationary_occupations
from .spectrum import spectrum as spectrum_dataset

__all__ = [
    "GAMMA",
    "CellBlocks",
    "Eigenmodes",
    "KMesh",
    "KPath",
    "bloch",
    "bloch_derivative",
    "bloch_from_table",
    "bloch_matrix",
    "eigenmodes",
    "eigenvalues",
    "group_velocities",
    "high_symmetry_points",
    "kmesh",
    "kmesh_memory_bytes",
    "kpath",
    "kpoints",
    "lattice_kind",
    "polarization",
    "spectrum",
    "spectrum_dataset",
    "spectrum_memory_bytes",
    "stationary_occupations",
    "to_first_zone",
    "zone_boundary",
]
