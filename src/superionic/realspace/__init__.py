"""Real space: periodic supercells, evolution, currents, relaxation, driving and AC response.

:mod:`~superionic.realspace.supercell` builds the sparse supercell hopping matrix (Eq. 8);
:mod:`~superionic.realspace.dynamics` evolves densities and measures currents (Eqs. 16-19);
:mod:`~superionic.realspace.relaxation` follows density waves as they decay (Eq. 27);
:mod:`~superionic.realspace.driving` applies step, pulse and AC fields
(:mod:`~superionic.realspace.field_protocols`) with the response of
:mod:`~superionic.realspace.linear_response`.
"""

from . import driving, dynamics, field_protocols, linear_response, supercell
from .driving import drive, relaxation_modes, step_response
from .dynamics import (
    DriftMeasurement,
    evolve,
    fourier_amplitudes,
    ionic_current,
    local_current,
    measure_drift,
    propagate,
)
from .field_protocols import ACField, PulseField, StepField
from .linear_response import ac_response
from .relaxation import DecayMeasurement, density_wave, measure_decay, relaxation, stable_mode
from .supercell import RealSpaceSystem, hopping_matrix, real_space

__all__ = [
    "ACField",
    "DecayMeasurement",
    "DriftMeasurement",
    "PulseField",
    "RealSpaceSystem",
    "StepField",
    "ac_response",
    "density_wave",
    "drive",
    "driving",
    "dynamics",
    "evolve",
    "field_protocols",
    "fourier_amplitudes",
    "hopping_matrix",
    "ionic_current",
    "linear_response",
    "local_current",
    "measure_decay",
    "measure_drift",
    "propagate",
    "real_space",
    "relaxation",
    "relaxation_modes",
    "stable_mode",
    "step_response",
    "supercell",
]
