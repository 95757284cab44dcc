"""Transport: exact drift, diffusion, mobility and conductivity tensors (Eqs. 20-22, 34-42, 59-63).

Computed from the compiled hop table of a model through the stationary state and the response
matrix of its k = 0 hopping matrix; see :mod:`superionic.transport.tensors`. Disorder averages,
finite-size scaling and site percolation of disordered supercells are in
:mod:`superionic.transport.disorder`.
"""

from .disorder import disorder_average, finite_size_scaling, percolation_sweep
from .tensors import (
    arrhenius_fit,
    conductivity_tensor,
    conductivity_vs_temperature,
    differential_mobility,
    diffusion_tensor,
    drift_from_table,
    drift_velocity,
    mobility_tensor,
    mobility_to_conductivity,
)

__all__ = [
    "arrhenius_fit",
    "conductivity_tensor",
    "conductivity_vs_temperature",
    "differential_mobility",
    "diffusion_tensor",
    "disorder_average",
    "drift_from_table",
    "drift_velocity",
    "finite_size_scaling",
    "mobility_tensor",
    "mobility_to_conductivity",
    "percolation_sweep",
]
