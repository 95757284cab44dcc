"""Canned and generated models: the paper's chain and honeycomb, bcc and hcp-interstitial lattices.

:mod:`superionic.models.canned` holds the two-site chain (Sec. III), the honeycomb layer (App. A),
the 12 tetrahedral sites of a bcc anion cell, their interacting variants and supercells;
:mod:`superionic.models.structures` the interstitial sites of an hcp host;
:mod:`superionic.models.disorder` disordered supercells (random energies, blocked sites) as arrays.
"""

from . import disorder, structures
from .canned import (
    BCC_TETRAHEDRAL_SITES,
    HONEYCOMB_B_TO_A_CELLS,
    bcc_tetrahedral,
    bonds_from_shell,
    honeycomb,
    interacting_chain,
    interacting_honeycomb,
    supercell,
    two_site_chain,
)
from .disorder import SQUARE_SITE_PERCOLATION, disordered_supercell, realisation_seeds
from .structures import hcp_interstitial, hcp_sites

__all__ = [
    "BCC_TETRAHEDRAL_SITES",
    "HONEYCOMB_B_TO_A_CELLS",
    "SQUARE_SITE_PERCOLATION",
    "bcc_tetrahedral",
    "bonds_from_shell",
    "disorder",
    "disordered_supercell",
    "hcp_interstitial",
    "hcp_sites",
    "honeycomb",
    "interacting_chain",
    "interacting_honeycomb",
    "realisation_seeds",
    "structures",
    "supercell",
    "two_site_chain",
]
