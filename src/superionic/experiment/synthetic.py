"""Synthetic measurements from the package's own mean field (for tests, docs and examples).

``ln(sigma T)`` (or ``ln D``) of the mean field's stable branch is
``ln C + ln(P0 (1 - gamma^2))`` (:func:`superionic.meanfield.chain.log_sigma_t`, Eqs. 49-55;
``C = n (Z e)^2 l^2 / (2 dim tau kB)`` collects the physical constants, here a free prefactor).
Above a type-I fold the mean field has no solution (the sublattice melts, Sec. V.2): there the
synthetic "superionic phase" is an Arrhenius line of a chosen activation energy that starts at
``jump`` times the conductivity just below the fold (by default the theory's lower bound on the
jump, ``1 / ((1 + |gamma|) P0)`` at the fold).
"""

from __future__ import annotations

import math

import numpy as np

from .. import meanfield as mf
from ..units import KB_EV
from .table import MeasuredTable


def mean_field_ln_value(temperature, *, lambda0, K0=0.0, M0=0.0, n0=1.0, lattice="chain",
                        ln_prefactor: float = 0.0):
    """``ln(sigma T)`` (or ``ln D``) of the mean field's stable branch, ``ln C`` added.

    NaN where the stable branch does not exist (above a type-I fold).
    """
    geometry = mf.chain.geometry_named(lattice)
    return ln_prefactor + mf.chain.log_sigma_t(temperature, lambda0, K0, M0, n0,
                                               geometry=geometry)


def synthetic_table(temperature, *, lambda0, K0=0.0, M0=0.0, n0=1.0, lattice="chain",
                    quantity: str = "sigma", prefactor: float | None = None,
                    relative_error: float = 0.03, superionic_activation_energy: float = 0.1,
                    jump: float | None = None, rng=None) -> MeasuredTable:
    """Mean-field sigma(T) or D(T) with log-normal noise of ``relative_error``.

    Parameters
    ----------
    temperature : array_like
        K.
    lambda0, K0, M0, n0, lattice
        Mean-field parameters (eV, ions per cell) on ``"chain"`` or ``"honeycomb"``.
    quantity : {"sigma", "D"}
    prefactor : float, optional
        C in S K/cm (sigma; default 1e5) or cm^2/s (D; default 1e-3).
    relative_error : float
        Standard deviation of the multiplicative noise, also stated as the errors (0 gives
        noiseless data, stated errors then 1e-6 relative).
    superionic_activation_energy : float
        eV, the Arrhenius line above a type-I fold.
    jump : float, optional
        sigma above / below the fold; default the theory's lower bound.
    rng : numpy.random.Generator or int, optional
    """
    t = np.asarray(temperature, float)
    if prefactor is None:
        prefactor = 1e5 if quantity == "sigma" else 1e-3
    y = mean_field_ln_value(t, lambda0=lambda0, K0=K0, M0=M0, n0=n0, lattice=lattice,
                            ln_prefactor=math.log(prefactor))
    melted = ~np.isfinite(y)
    if np.any(melted):
        geometry = mf.chain.geometry_named(lattice)
        recs = [r for r in mf.closed_form_transitions(
            lambda0, K0, M0, n0, temperature_range=(float(t.min()), float(t.max())),
            geometry=geometry) if r.kind == "type-I" and r.event == "melts"]
        fold = recs[0]
        y_fold = math.log(prefactor) + math.log(fold.P0 * (1.0 - fold.gamma**2))
        ratio = fold.sigma_ratio_bound if jump is None else jump
        x, xf = 1.0 / (KB_EV * t[melted]), 1.0 / (KB_EV * fold.temperature)
        y[melted] = y_fold + math.log(ratio) - superionic_activation_energy * (x - xf)
    ln_val = y - (np.log(t) if quantity == "sigma" else 0.0)
    gen = np.random.default_rng(rng)
    noise = relative_error * gen.standard_normal(t.shape) if relative_error > 0 else 0.0
    values = np.exp(ln_val + noise)
    errors = values * (relative_error if relative_error > 0 else 1e-6)
    return MeasuredTable(t, values, errors, quantity,
                         source=f"synthetic mean field ({lattice}, Lambda0={lambda0}, "
                                f"K0={K0}, M0={M0}, n0={n0})")
