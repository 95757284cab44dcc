"""superionic: microscopic lattice theory of ionic conduction and superionic transitions.

Declare a lattice of mobile-ion sites and hops, then compute Bloch spectra of ionic density waves,
exact drift, diffusion, mobility and conductivity, self-consistent mean fields of the type-I and
type-II superionic transitions, many-body simulations of the same lattice gas, and hop
probabilities from phonon channels (Hu, Guo, Liang, Monserrat, arXiv:2604.00665).

Public API
----------
Declaration (Secs. II.3, III, App. A)
    :class:`Site`, :class:`Lattice`, :class:`Hop`, :class:`HoppingModel`, :class:`Interactions`;
    canned models in :mod:`superionic.models` and :mod:`superionic.structures`
Files
    :mod:`superionic.io` (validated TOML model specs, NetCDF/CSV)
Reciprocal space (Eqs. 10-15, 25-29, 56-58)
    :func:`bloch_matrix`, :func:`bloch_derivative`, :func:`eigenmodes`, :func:`eigenvalues`,
    :func:`group_velocities`; k-paths, meshes and spectrum Datasets in :mod:`superionic.spectrum`
Real space (Eqs. 8, 16-17, 27)
    :mod:`superionic.dynamics`
Transport (Eqs. 20-22, 34-42, 59-63)
    :func:`drift_velocity`, :func:`diffusion_tensor`, :func:`mobility_tensor`,
    :func:`differential_mobility`, :func:`conductivity_tensor`,
    :func:`conductivity_vs_temperature`, :func:`arrhenius_fit`
Mean field (Secs. IV-V, Eqs. 43-55)
    :mod:`superionic.meanfield`: ``solve``, ``solve_path``, ``transitions``, ``phase_diagram``,
    ``table1``
Many-body simulation
    :func:`simulate`, :func:`simulate_many`
Measurements in
    :mod:`superionic.experiment`: ``read_table``, ``fit_arrhenius``, ``infer_parameters``
Parameter sweeps (inline, local processes or a Dask cluster; resumable on-disk store)
    :func:`sweep`; :mod:`superionic.sweeps` (``load_sweep``, the ``[sweep]`` spec table)
    :func:`simulate`, :func:`simulate_many`; its exact reference on small cells
    :mod:`superionic.exact` (``solve``, ``markov_chain``)
Phonon channels and driving (Eqs. 1-7, 15-17)
    :mod:`superionic.channels`, :mod:`superionic.channel_average`, :mod:`superionic.phonons`,
    :mod:`superionic.driving`
Figures and command line
    :mod:`superionic.plot`, ``superionic`` / ``python -m superionic``
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .errors import ConvergenceError, DisconnectedNetworkError, DomainWarning, ModelError

#: Subpackages and modules, imported on first use so that ``import superionic`` (and the
#: ``superionic`` command's help and errors) stay fast.
_SUBMODULES = {
    "channels": ".channels",
    "io": ".io",
    "kspace": ".kspace",
    "lattice": ".lattice",
    "meanfield": ".meanfield",
    "models": ".models",
    "realspace": ".realspace",
    "transport": ".transport",
    "units": ".units",
    "simulation": ".simulation",
    "channel_average": ".channels.average",
    "phonons": ".channels.phonons",
    "structures": ".models.structures",
    "sweeps": ".sweeps",
    "driving": ".realspace.driving",
    "dynamics": ".realspace.dynamics",
    "exact": ".exact",
    "experiment": ".experiment",
    "materials": ".materials",
}

#: Top-level names and the module that defines them, imported on first use.
_ATTRIBUTES = {
    **dict.fromkeys(
        ("Eigenmodes", "bloch_derivative", "bloch_matrix", "eigenmodes", "eigenvalues",
         "group_velocities", "spectrum"),
        ".kspace",
    ),
    **dict.fromkeys(
        ("Hop", "HopParameters", "HoppingModel", "HopTable", "Interactions", "Lattice", "Site"),
        ".lattice",
    ),
    **dict.fromkeys(("simulate", "simulate_many"), ".simulation"),
    "SiteNetwork": ".lattice",
    # the function; the subpackage that defines it is ``superionic.sweeps``
    "sweep": ".sweeps",
    **dict.fromkeys(
        ("arrhenius_fit", "conductivity_tensor", "conductivity_vs_temperature",
         "differential_mobility", "diffusion_tensor", "drift_velocity", "mobility_tensor"),
        ".transport",
    ),
}

if TYPE_CHECKING:  # the names as a type checker sees them
    from . import (
        channels,
        exact,
        experiment,
        io,
        kspace,
        lattice,
        materials,
        meanfield,
        models,
        realspace,
        transport,
        units,
    )
    from .channels import average as channel_average
    from .channels import phonons
    from .kspace import (
        Eigenmodes,
        bloch_derivative,
        bloch_matrix,
        eigenmodes,
        eigenvalues,
        group_velocities,
        spectrum,
    )
    from .lattice import (
        Hop,
        HopParameters,
        HoppingModel,
        HopTable,
        Interactions,
        Lattice,
        Site,
        SiteNetwork,
    )
    from .models import structures
    from .realspace import driving, dynamics
    from .simulation import simulate, simulate_many
    from .sweeps import sweep
    from .transport import (
        arrhenius_fit,
        conductivity_tensor,
        conductivity_vs_temperature,
        differential_mobility,
        diffusion_tensor,
        drift_velocity,
        mobility_tensor,
    )


def __getattr__(name: str):
    """Import a top-level name on first use (PEP 562) and keep it in the namespace."""
    if name in _SUBMODULES:
        value = importlib.import_module(_SUBMODULES[name], __name__)
    elif name in _ATTRIBUTES:
        value = getattr(importlib.import_module(_ATTRIBUTES[name], __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__version__ = "0.1.0"

__all__ = [
    "ConvergenceError",
    "DisconnectedNetworkError",
    "DomainWarning",
    "Eigenmodes",
    "Hop",
    "HopParameters",
    "HopTable",
    "HoppingModel",
    "Interactions",
    "Lattice",
    "ModelError",
    "Site",
    "SiteNetwork",
    "arrhenius_fit",
    "bloch_derivative",
    "bloch_matrix",
    "channel_average",
    "channels",
    "conductivity_tensor",
    "conductivity_vs_temperature",
    "differential_mobility",
    "diffusion_tensor",
    "drift_velocity",
    "driving",
    "dynamics",
    "eigenmodes",
    "eigenvalues",
    "exact",
    "experiment",
    "group_velocities",
    "io",
    "kspace",
    "lattice",
    "materials",
    "meanfield",
    "mobility_tensor",
    "models",
    "phonons",
    "realspace",
    "simulate",
    "simulate_many",
    "spectrum",
    "structures",
    "sweep",
    "sweeps",
    "transport",
    "units",
]
