"""AC linear response: complex mobility ``mu(Omega)`` and conductivity ``sigma(Omega)`` (Eq. 17).

For a periodic reduced field ``f_n = Re[f exp(i Omega t_n)]`` and small ``f`` (the hop
probabilities ``P_h exp(c f.d_h)`` of Eq. 4 to first order), the periodic steady state of the
k = 0 evolution gives the complex mobility of the mean ion velocity (Eq. 17), per step
``z = exp(i Omega tau)``::

    mu(Omega) = [ sum_h c d_h d_h P_h pi_s(h) + W (z I - P_0 + pi 1^T)^-1 G ] / tau,

with ``W[:, s] = sum_{h from s} d_h P_h`` and ``G = (dP_0/df) pi``. At ``Omega = 0`` the inverse
is the fundamental matrix and ``mu(0)`` is :func:`superionic.transport.mobility_tensor`, so
``sigma(Omega -> 0)`` is the DC conductivity (Eqs. 34-42). :func:`ac_response` is re-exported
by :mod:`superionic.realspace.driving`.
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from .._validate import finite_array
from ..errors import ModelError
from ..lattice import HoppingModel, coupling_factor, stationary_distribution
from ..transport import mobility_to_conductivity

__all__ = ["ac_response"]

_AXES = ("x", "y", "z")


def _linear_pieces(table, pi, c):
    n, d, p = table.n_sites, table.displacement, table.probability
    dim = d.shape[1]
    flux = p * pi[table.source]
    w = np.zeros((dim, n))
    np.add.at(w.T, table.source, p[:, None] * d)
    g = np.zeros((n, dim))
    np.add.at(g, table.target, c * flux[:, None] * d)
    np.subtract.at(g, table.source, c * flux[:, None] * d)
    direct = (c * flux[:, None] * d).T @ d
    return w, g, direct


def ac_response(
    model: HoppingModel,
    omega,
    *,
    temperature=None,
    coupling: str = "symmetric",
    field=None,
    charge: float = 1.0,
    cell_volume: float | None = None,
    filling: float | None = None,
) -> xr.Dataset:
    """Complex AC mobility ``mu(Omega)`` and conductivity ``sigma(Omega)`` (linear response).

    Parameters
    ----------
    model : HoppingModel
    omega : array_like
        Angular frequencies in rad/s (``Omega tau`` up to pi, the discrete-time Nyquist limit).
    temperature : float, optional
        K (needed for energy models and for conductivities in S/cm).
    coupling : {"symmetric", "full"}
    field : array_like, optional
        Static bias field (reduced, 1/Å): small-signal response around it.
    charge, cell_volume, filling
        For ``sigma`` in S/cm (see :func:`superionic.transport.mobility_to_conductivity`);
        omitted when ``cell_volume`` or ``temperature`` is None (3D lattices default to their
        cell volume).

    Returns
    -------
    xarray.Dataset
        ``mobility_real``/``mobility_imag`` (omega, i, j) in Å^2/s (``d v / d f``);
        ``sigma_real``/``sigma_imag`` (omega, i, j) in S/cm when available. ``omega = 0`` gives
        :func:`superionic.transport.mobility_tensor`.
    """
    om = np.atleast_1d(finite_array("omega (rad/s)", omega))
    if om.ndim != 1 or np.any(om < 0):
        raise ModelError("omega must be a 1D array of angular frequencies >= 0 (rad/s)")
    c = coupling_factor(coupling)
    f = None if field is None else np.atleast_1d(finite_array("field", field))
    table = model.hop_table(temperature=temperature, field=f, coupling=coupling)
    pi = stationary_distribution(table)
    w, g, direct = _linear_pieces(table, pi, c)
    p0 = table.cell_matrix()
    n = table.n_sites
    z = np.exp(1j * om * model.tau)
    a = z[:, None, None] * np.eye(n) - p0[None] + pi[None, :, None]
    sol = np.linalg.solve(a, np.broadcast_to(g, (om.size, *g.shape)).astype(complex))
    mu = (direct[None] + w[None] @ sol) / model.tau  # (omega, i, j)
    axes = list(_AXES[: model.dim])
    data = {
        "mobility_real": (("omega", "i", "j"), mu.real, {"units": "angstrom^2/s"}),
        "mobility_imag": (("omega", "i", "j"), mu.imag, {"units": "angstrom^2/s"}),
    }
    if cell_volume is None and model.dim == 3:
        cell_volume = model.lattice.volume
    if cell_volume is not None and temperature is not None:
        kw = {
            "temperature": temperature,
            "charge": charge,
            "cell_volume": cell_volume,
            "filling": model.filling if filling is None else filling,
        }
        # the conversion is linear: real and imaginary parts separately
        data["sigma_real"] = (
            ("omega", "i", "j"),
            mobility_to_conductivity(mu.real, **kw),
            {"units": "S/cm"},
        )
        data["sigma_imag"] = (
            ("omega", "i", "j"),
            mobility_to_conductivity(mu.imag, **kw),
            {"units": "S/cm"},
        )
    return xr.Dataset(
        data,
        coords={"omega": ("omega", om, {"units": "rad/s"}), "i": axes, "j": axes},
        attrs={
            "tau_s": model.tau,
            "coupling": coupling,
            "charge_e": charge,
            "nyquist_omega": math.pi / model.tau,
        },
    )
