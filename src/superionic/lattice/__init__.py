"""Declaration and compilation: sites, lattices, hops, models and their hop tables (Secs. II-IV).

Layer 1 of the data flow. :class:`Site`, :class:`Lattice`, :class:`Hop`, :class:`Interactions`
and :class:`HoppingModel` declare a model; :meth:`HoppingModel.hop_table` compiles it to a
:class:`HopTable` of flat arrays, whose k = 0 linear algebra (stationary occupations, Eq. 28;
response matrix) lives in :mod:`superionic.lattice.table`. :func:`interaction_tables` gives the
interaction geometry (K0 blockers, M0 concerted partners, Eqs. 43 and 52) shared by the mean
field and the simulation.
"""

from .cell import Lattice, Site
from .hops import COUPLING_FACTORS, Coupling, Hop, coupling_factor, field_factor
from .linsolve import (
    SOLVERS,
    ResponseSolver,
    response_solver,
    sparse_generator,
    stationary_distribution,
)
from .model import HopParameters, HoppingModel, Interactions
from .neighbours import InteractionTables, interaction_tables
from .network import SiteNetwork
from .table import HopTable, fundamental_matrix, in_domain

__all__ = [
    "COUPLING_FACTORS",
    "SOLVERS",
    "Coupling",
    "Hop",
    "HopParameters",
    "HopTable",
    "HoppingModel",
    "InteractionTables",
    "Interactions",
    "Lattice",
    "ResponseSolver",
    "Site",
    "SiteNetwork",
    "coupling_factor",
    "field_factor",
    "fundamental_matrix",
    "in_domain",
    "interaction_tables",
    "response_solver",
    "sparse_generator",
    "stationary_distribution",
]
