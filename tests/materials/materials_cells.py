"""Crystal structures the materials tests write themselves (no downloads)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

A_AGI = 5.07  # Å, alpha-AgI
A_HCP = 3.0  # Å
C_HCP = math.sqrt(8.0 / 3.0) * A_HCP

AGI_CIF = """data_AgI
_symmetry_space_group_name_H-M   'I m -3 m'
_symmetry_Int_Tables_number      229
_cell_length_a   {a}
_cell_length_b   {a}
_cell_length_c   {a}
_cell_angle_alpha 90
_cell_angle_beta  90
_cell_angle_gamma 90
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_occupancy
I1 {framework} 0 0 0 {framework_occupancy}
Ag1 Ag 0.25 0 0.5 {occupancy}
"""


def write_agi_cif(directory: Path, *, a: float = A_AGI, occupancy: str = "0.1666667",
                  framework: str = "I", framework_occupancy: str = "1") -> Path:
    """alpha-AgI: Im-3m, I on 2a, Ag on 12d at occupancy 1/6, as a CIF file."""
    path = Path(directory) / "AgI.cif"
    path.write_text(AGI_CIF.format(a=a, occupancy=occupancy, framework=framework,
                                   framework_occupancy=framework_occupancy), encoding="utf-8")
    return path


def hcp_lattice(a: float = A_HCP, c: float = C_HCP) -> np.ndarray:
    return np.array([[a, 0.0, 0.0], [-a / 2, a * math.sqrt(3) / 2, 0.0], [0.0, 0.0, c]])


def hcp_metal(element: str = "Ti"):
    """An ideal hcp metal (P6_3/mmc, atoms on 2c), as a pymatgen Structure."""
    from pymatgen.core import Structure

    return Structure(hcp_lattice(), [element, element], [(1 / 3, 2 / 3, 1 / 4),
                                                         (2 / 3, 1 / 3, 3 / 4)])


#: Octahedral (2a) and tetrahedral (4f) interstitial sites of hcp, Wyckoff-labelled.
HCP_SITES = [("2a", (0.0, 0.0, 0.0)), ("4f", (1 / 3, 2 / 3, 0.625))]


def rocksalt(a: float = 5.64):
    """Ordered NaCl (Fm-3m), conventional cell."""
    from pymatgen.core import Lattice, Structure

    return Structure.from_spacegroup("Fm-3m", Lattice.cubic(a), ["Na", "Cl"],
                                     [[0, 0, 0], [0.5, 0.5, 0.5]])


def rotation(axis, angle: float) -> np.ndarray:
    """Rotation matrix about ``axis`` by ``angle`` (Rodrigues)."""
    k = np.asarray(axis, dtype=float)
    k /= np.linalg.norm(k)
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + math.sin(angle) * kx + (1 - math.cos(angle)) * kx @ kx


def transformed(structure, rot: np.ndarray, shift) -> object:
    """The structure with its Cartesian frame rotated by ``rot`` and its origin shifted."""
    from pymatgen.core import Lattice, Structure

    lattice = Lattice(structure.lattice.matrix @ rot.T)
    frac = structure.frac_coords + np.asarray(shift, dtype=float)
    return Structure(lattice, [site.species for site in structure], frac)
