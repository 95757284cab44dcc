"""superionic: microscopic lattice theory of ionic conduction and superionic transitions.

Declare a lattice of mobile-ion sites and hops, then compute Bloch spectra of ionic density waves,
exact drift, diffusion, mobility and conductivity (Hu, Guo, Liang, Monserrat, arXiv:2604.00665).

Public API
----------
Declaration
    :class:`Site`, :class:`Lattice`, :class:`Hop`, :class:`HoppingModel`, :class:`Interactions`
Reciprocal space (Eqs. 10-15)
    :func:`bloch_matrix`, :func:`bloch_derivative`, :func:`eigenmodes`, :func:`eigenvalues`,
    :func:`group_velocities`
Transport (Eqs. 20-22, 34-42, 60-63)
    :func:`drift_velocity`, :func:`diffusion_tensor`, :func:`mobility_tensor`,
    :func:`conductivity_tensor`, :func:`conductivity_vs_temperature`, :func:`arrhenius_fit`
Canned models
    :mod:`superionic.models`
"""

from . import models, units
from .bloch import (
    Eigenmodes,
    bloch_derivative,
    bloch_matrix,
    eigenmodes,
    eigenvalues,
    group_velocities,
)
from .errors import ConvergenceError, DisconnectedNetworkError, DomainWarning, ModelError
from .hops import Hop
from .lattice import Lattice, Site
from .model import HoppingModel, HopTable, Interactions
from .transport import (
    arrhenius_fit,
    conductivity_tensor,
    conductivity_vs_temperature,
    differential_mobility,
    diffusion_tensor,
    drift_velocity,
    mobility_tensor,
)

__version__ = "0.1.0"

__all__ = [
    "ConvergenceError",
    "DisconnectedNetworkError",
    "DomainWarning",
    "Eigenmodes",
    "Hop",
    "HopTable",
    "HoppingModel",
    "Interactions",
    "Lattice",
    "ModelError",
    "Site",
    "arrhenius_fit",
    "bloch_derivative",
    "bloch_matrix",
    "conductivity_tensor",
    "conductivity_vs_temperature",
    "differential_mobility",
    "diffusion_tensor",
    "drift_velocity",
    "eigenmodes",
    "eigenvalues",
    "group_velocities",
    "mobility_tensor",
    "models",
    "units",
]
