"""One unit system for the whole package.

Energies are in eV, temperatures in K, lengths in Å, times in s, electric fields in V/m,
conductivities in S/cm and charges in units of the elementary charge e. Constants come from
:mod:`scipy.constants` (CODATA).

The lattice-level API also accepts the *reduced field* ``f = Z E / (kB T)`` in 1/Å, as the paper
does (Sec. III.2). :func:`reduced_field` and :func:`electric_field` convert between the two.
"""

from __future__ import annotations

import numpy as np
from scipy import constants as _c

#: Boltzmann constant in eV/K.
KB_EV: float = _c.k / _c.e
#: Elementary charge in C.
ELEMENTARY_CHARGE: float = _c.e
#: One ångström in metres.
ANGSTROM: float = 1e-10

UNITS = {
    "energy": "eV",
    "temperature": "K",
    "length": "angstrom",
    "time": "s",
    "electric_field": "V/m",
    "reduced_field": "1/angstrom",
    "conductivity": "S/cm",
    "charge": "e",
}


def thermal_energy(temperature):
    """Return ``kB T`` in eV for a temperature in K (broadcasts)."""
    return KB_EV * np.asarray(temperature, dtype=float)


def reduced_field(field, *, temperature, charge=1.0):
    """Convert an electric field in V/m into the reduced field ``f = Z E / kB T`` in 1/Å.

    Parameters
    ----------
    field : array_like
        Electric field in V/m (any shape; a vector field keeps its last axis).
    temperature : float
        Temperature in K.
    charge : float
        Ionic charge Z in units of e.
    """
    kt = thermal_energy(temperature)
    return charge * np.asarray(field, dtype=float) / kt * ANGSTROM


def electric_field(reduced, *, temperature, charge=1.0):
    """Inverse of :func:`reduced_field`: a reduced field in 1/Å to V/m."""
    kt = thermal_energy(temperature)
    return np.asarray(reduced, dtype=float) * kt / (charge * ANGSTROM)
