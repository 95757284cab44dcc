"""Structures in: mobile-ion site and hop classes of a crystal, and models built from them.

Public API
----------
:func:`hop_network`
    Sites of the mobile ion (occupied, explicit Wyckoff / fractional, or Voronoi interstitial)
    and every hop within a cutoff, grouped into symmetry classes, with the percolation dimension.
:func:`build_model`
    A :class:`~superionic.HoppingModel` from a structure and energies per site class and hop
    class (a table, a callable of position, or a bond-valence site-energy landscape), carrying
    filling, charge and cell volume.
:func:`model_spec`
    A TOML model spec of a network with named energy placeholders (the ``structure`` command).
:func:`class_energies`
    The site and saddle energy of every class, as the model will use them.

Needs the ``[materials]`` extra (pymatgen, spglib, ase); BVSE needs ``[bvse]`` (bvlain).
"""

from .build import build_model, class_energies, model_spec
from .errors import (
    CutoffTooShortError,
    DisorderedFrameworkError,
    FrameworkClashWarning,
    MissingEnergyError,
    NonPercolatingNetworkError,
    NoSuchSpeciesError,
    StructureError,
)
from .network import HopClass, HopNetwork, SiteClass, hop_network
from .structure import load_structure

__all__ = [
    "CutoffTooShortError",
    "DisorderedFrameworkError",
    "FrameworkClashWarning",
    "HopClass",
    "HopNetwork",
    "MissingEnergyError",
    "NoSuchSpeciesError",
    "NonPercolatingNetworkError",
    "SiteClass",
    "StructureError",
    "build_model",
    "class_energies",
    "hop_network",
    "load_structure",
    "model_spec",
]
