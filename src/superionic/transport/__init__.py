"""Transport: exact drift, diffusion, mobility and conductivity tensors (Eqs. 20-22, 34-42, 59-63).

Computed from the compiled hop table of a model through the stationary state and the response
matrix of its k = 0 hopping matrix; see :mod:`superionic.transport.tensors`.
"""

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
    "drift_from_table",
    "drift_velocity",
    "mobility_tensor",
    "mobility_to_conductivity",
]
