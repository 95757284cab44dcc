"""Nernst-Einstein conversion between conductivity and diffusion coefficient.

``sigma = n (Z e)^2 D / (H_R kB T)`` with carrier density ``n`` (cm^-3), charge ``Z e``, the
tracer diffusion coefficient ``D`` (cm^2/s) and the Haven ratio ``H_R = D / D_sigma`` (1 for
uncorrelated hops, the package's default; measured values are typically 0.3-1). In the lattice
theory with the ``symmetric`` field coupling the mobility is exactly ``D / kB T`` (DESIGN 2), i.e.
``H_R = 1`` for the single-particle dynamics.
"""

from __future__ import annotations

import numpy as np
from scipy import constants

from .._validate import finite_float
from .table import MeasuredTable, check_measurements


def carrier_density(filling: float, cell_volume: float) -> float:
    """Mobile ions per cm^3 from ions per cell and the cell volume in Å^3."""
    filling = finite_float("filling (ions per cell)", filling, minimum=0.0, strict_min=True)
    cell_volume = finite_float("cell_volume (Å^3)", cell_volume, minimum=0.0, strict_min=True)
    return filling / (cell_volume * 1e-24)


def _factor(temperature, charge, carrier_density_, haven_ratio):
    charge = finite_float("charge (e)", charge)
    n = finite_float("carrier_density (cm^-3)", carrier_density_, minimum=0.0, strict_min=True)
    hr = finite_float("haven_ratio", haven_ratio, minimum=0.0, strict_min=True)
    kt = constants.k * np.asarray(temperature, float)
    return n * (charge * constants.e) ** 2 / (hr * kt)   # S/cm per (cm^2/s)


def sigma_from_diffusion(diffusion, temperature, *, charge, carrier_density, haven_ratio=1.0):
    """Conductivity (S/cm) from the tracer diffusion coefficient (cm^2/s) at T (K)."""
    _nonzero_charge(charge)
    return np.asarray(diffusion, float) * _factor(temperature, charge, carrier_density,
                                                  haven_ratio)


def diffusion_from_sigma(sigma, temperature, *, charge, carrier_density, haven_ratio=1.0):
    """Tracer diffusion coefficient (cm^2/s) from the conductivity (S/cm) at T (K)."""
    _nonzero_charge(charge)
    return np.asarray(sigma, float) / _factor(temperature, charge, carrier_density, haven_ratio)


def _nonzero_charge(charge):
    from .errors import MeasurementError

    if finite_float("charge (e)", charge) == 0:
        raise MeasurementError("charge (e) must be nonzero, got 0")


def convert_table(table: MeasuredTable, to: str, *, charge, carrier_density,
                  haven_ratio=1.0) -> MeasuredTable:
    """The table converted to ``"sigma"`` or ``"D"`` by Nernst-Einstein (noted in ``notes``)."""
    check_measurements(table.temperature, table.values, quantity=to)  # validates ``to``
    if to == table.quantity:
        return table
    conv = sigma_from_diffusion if to == "sigma" else diffusion_from_sigma
    kw = dict(charge=charge, carrier_density=carrier_density, haven_ratio=haven_ratio)
    values = conv(table.values, table.temperature, **kw)
    errors = None if table.errors is None else conv(table.errors, table.temperature, **kw)
    note = (f"{to} from {table.quantity} by Nernst-Einstein with Haven ratio H_R = "
            f"{haven_ratio:g}, charge {charge:g} e, carrier density {carrier_density:.4g} cm^-3")
    return MeasuredTable(table.temperature, values, errors, to, source=table.source,
                         notes=(*table.notes, note))
