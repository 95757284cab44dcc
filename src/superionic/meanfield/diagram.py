"""Vectorised mean-field phase diagrams over (temperature, Lambda0, K0, M0, n0) grids.

Closed forms (:mod:`superionic.meanfield.chain`) evaluated with NumPy broadcasting on the whole
grid at once: gamma from Eq. 50 by a vectorised monotone Newton iteration from an upper bracket,
P0 from Eq. 55 by the Lambert W function, the conductivity through
:func:`superionic.transport.mobility_to_conductivity`, and the type-I fold temperatures by a
vectorised bisection on the monotone segments of ``ln(A c e)`` (see
:mod:`superionic.meanfield.folds`).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..errors import ModelError
from ..units import KB_EV
from . import chain as cf
from .conductivity import Transport

PHASES = ("polarized", "depolarized", "melted")
#: 0: polarized (gamma > 0, below Tp); 1: depolarized (gamma = 0); 2: melted (beyond a type-I
#: fold: no self-consistent P0).
PHASE_CODES = {name: i for i, name in enumerate(PHASES)}
STATUS = ("ok", "no-solution", "not-converged")
AXES = ("temperature", "lambda0", "K0", "M0", "n0")
UNITS = {"temperature": "K", "lambda0": "eV", "K0": "eV", "M0": "eV", "n0": "ions per cell"}


def _axis(name, value):
    arr = np.asarray(value, dtype=float)
    if arr.ndim > 1:
        raise ModelError(f"{name} must be a scalar or a 1D array, got shape {arr.shape}")
    return arr


def phase_diagram(temperature, lambda0, K0, M0=0.0, n0=1.0, *, lattice="chain",
                  a: float = 1.0, transport: Transport | None = None,
                  fold_range=None) -> xr.Dataset:
    """Mean-field phase diagram on the outer grid of the given axes (Eqs. 49-55).

    Parameters
    ----------
    temperature : float or 1D array
        K (> 0).
    lambda0, K0, M0 : float or 1D array
        eV (>= 0).
    n0 : float or 1D array
        Ions per cell, 0 < n0 <= 2.
    lattice : {"chain", "honeycomb"} or Geometry
    a : float
        Lattice constant in Å (hop length ``a/2`` on the chain, ``a/sqrt(3)`` on the
        honeycomb).
    transport : Transport, optional
        Charge, cell volume (Å^3), step tau (s) and coupling; ``sigma`` (S/cm) is included when
        the cell volume is given.
    fold_range : (float, float), optional
        Temperature range (K) searched for the fold temperatures ``T_I``; default the span of
        ``temperature``.

    Returns
    -------
    xarray.Dataset
        Dims: the array-valued axes among ``temperature, lambda0, K0, M0, n0`` (scalars become
        scalar coordinates). Variables: ``phase`` (0 polarized, 1 depolarized, 2 melted),
        ``gamma`` (stable branch, >= 0), ``P0`` (lower branch) and ``P0_upper``,
        ``mobility`` (Å^2 per step) and ``sigma`` (S/cm) of the stable solution, ``valid``,
        ``valid_domain``, ``valid_occupancy``, ``status`` (0 ok, 1 no solution exists: melted, 2
        not converged), and over the parameter axes ``T_p`` (K), ``T_I`` (first fold on
        heating, K; NaN where ``has_type_I`` is False) and ``T_I_reform``.
        ``P0``, ``mobility`` and ``sigma`` are NaN exactly where ``status`` or ``valid`` say
        there is no valid solution.
    """
    geometry = cf.geometry_named(lattice)
    transport = Transport() if transport is None else transport
    values = {
        "temperature": _axis("temperature", temperature),
        "lambda0": _axis("lambda0", lambda0),
        "K0": _axis("K0", K0),
        "M0": _axis("M0", M0),
        "n0": _axis("n0", n0),
    }
    checked = cf.check_parameters(**values, geometry=geometry)
    a = float(a)
    if not a > 0:
        raise ModelError(f"a (Å) must be > 0, got {a!r}")
    dims = [name for name in AXES if checked[name].ndim == 1]
    grids = {}
    for name in AXES:
        arr = checked[name]
        if arr.ndim == 1:
            shape = [1] * len(dims)
            shape[dims.index(name)] = arr.size
            grids[name] = arr.reshape(shape)
        else:
            grids[name] = arr
    t = grids["temperature"]
    form = cf.closed_form(t, grids["lambda0"], grids["K0"], grids["M0"], grids["n0"],
                          geometry=geometry, polarized=True)
    lower, upper = cf.lambert_branches(form.log_A, form.log_c)
    exists = form.exists
    gamma = form.gamma
    polarized = form.x > 1.0
    phase = np.where(~exists, 2, np.where(polarized, 0, 1)).astype(np.int8)
    converged = np.isfinite(gamma) & (np.isfinite(lower) | ~exists)
    status = np.where(~converged, 2, np.where(exists, 0, 1)).astype(np.int8)
    n0g = np.broadcast_to(grids["n0"], phase.shape)
    valid_domain = exists & (lower * (1.0 + gamma) <= 1.0 + 1e-12)
    valid_occupancy = exists & (n0g * (1.0 + gamma) / 2.0 < 1.0)
    valid = valid_domain & valid_occupancy
    mob = cf.mobility(np.where(valid, lower, 0.0), form.one_minus_gamma2, a=a,
                      geometry=geometry, coupling=transport.coupling)
    mob = np.where(valid, mob, np.nan)
    dv = tuple(dims)
    data_vars = {
        "phase": (dv, phase, {"flag_values": [0, 1, 2],
                              "flag_meanings": " ".join(PHASES)}),
        "gamma": (dv, np.asarray(gamma), {"long_name": "polarization of the stable branch "
                                          "(Eq. 50)", "units": "1"}),
        "P0": (dv, np.where(exists, lower, np.nan),
               {"long_name": "stable (lower) P0 of Eq. 55", "units": "1"}),
        "P0_upper": (dv, np.where(exists, upper, np.nan),
                     {"long_name": "unstable (upper) P0 of Eq. 55", "units": "1"}),
        "valid": (dv, valid, {"long_name": "inside the discrete-time domain (DESIGN 3.7)"}),
        "valid_domain": (dv, valid_domain, {"long_name": "P0 (1 + |gamma|) <= 1"}),
        "valid_occupancy": (dv, valid_occupancy, {"long_name": "|gamma| < 2/n0 - 1"}),
        "status": (dv, status, {"flag_values": [0, 1, 2],
                                "flag_meanings": "ok no_solution not_converged"}),
        "mobility": (dv, mob, {"units": "angstrom^2", "long_name": "mobility per step"}),
    }
    if transport.cell_volume is not None:
        ok = np.isfinite(mob)
        sigma = np.full(mob.shape, np.nan)
        if np.any(ok):
            tb = np.broadcast_to(t, mob.shape)
            # sigma is linear in the filling (the core takes a scalar one)
            sigma[ok] = n0g[ok] * transport.conductivity(
                mob[ok], temperature=tb[ok], filling=1.0, cell_volume=transport.cell_volume
            )
        data_vars["sigma"] = (dv, sigma, {"units": "S/cm"})
    # parameter-only quantities
    pdims = tuple(d for d in dims if d != "temperature")
    pgrid = {}
    for name in ("lambda0", "K0", "M0", "n0"):
        arr = checked[name]
        if arr.ndim == 1:
            shape = [1] * len(pdims)
            shape[pdims.index(name)] = arr.size
            arr = arr.reshape(shape)
        pgrid[name] = arr
    t_p = cf.transition_temperature(pgrid["K0"], pgrid["n0"], geometry)
    t_rng = fold_range or (float(checked["temperature"].min()),
                           float(checked["temperature"].max()))
    t_i, t_re = fold_temperatures(pgrid["lambda0"], pgrid["K0"], pgrid["M0"], pgrid["n0"],
                                  geometry=geometry, temperature_range=t_rng)
    pbshape = np.broadcast_shapes(*(np.shape(v) for v in pgrid.values()))
    data_vars["T_p"] = (pdims, np.broadcast_to(t_p, pbshape),
                        {"units": "K", "long_name": "type-II temperature (Eq. 51)"})
    data_vars["T_I"] = (pdims, t_i, {"units": "K", "long_name": "type-I fold on heating"})
    data_vars["has_type_I"] = (pdims, np.isfinite(t_i))
    data_vars["T_I_reform"] = (pdims, t_re, {"units": "K",
                                             "long_name": "lower branch re-forms on heating"})
    coords = {name: (name, checked[name], {"units": UNITS[name]}) for name in dims}
    for name in AXES:
        if name not in dims:
            coords[name] = ((), float(checked[name]), {"units": UNITS[name]})
    ds = xr.Dataset(data_vars, coords=coords)
    ds.attrs.update(lattice=geometry.name, a_angstrom=a, charge_e=transport.charge,
                    tau_s=transport.tau, coupling=transport.coupling,
                    cell_volume_A3=transport.cell_volume if transport.cell_volume else "none")
    return ds


def fold_temperatures(lambda0, K0, M0, n0=1.0, *, geometry=cf.CHAIN, temperature_range,
                      iterations: int = 64):
    """Vectorised type-I fold temperatures: (first melting on heating, re-forming), K.

    Bisection in ln T on the monotone segments ``[T_lo, Tp]``, ``[Tp, T*]`` and ``[T*, T_hi]``
    of ``ln(A c e)`` on the stable branch (``kB T* = Lambda0 + z_b n0 K0 / 2``), 64 halvings
    (relative error below 1e-15 of ln(T_hi / T_lo)). NaN where there is no such fold in range.
    """
    geometry = cf.geometry_named(geometry)
    lam, k0, m0, n = (np.asarray(v, float) for v in (lambda0, K0, M0, n0))
    shape = np.broadcast_shapes(lam.shape, k0.shape, m0.shape, n.shape)
    lam, k0, m0, n = (np.broadcast_to(v, shape) for v in (lam, k0, m0, n))
    t_lo, t_hi = (float(x) for x in temperature_range)
    tp = np.clip(cf.transition_temperature(k0, n, geometry), t_lo, t_hi)
    t_star = np.clip((lam + geometry.blocking * n * k0 / 2.0) / KB_EV, t_lo, t_hi)
    t_star = np.maximum(t_star, tp)

    def f(t):
        return cf.closed_form(t, lam, k0, m0, n, geometry=geometry).log_fold

    def bisect(a, b, rising):
        fa, fb = f(a), f(b)
        has = (fa <= 0) & (fb > 0) if rising else (fa > 0) & (fb <= 0)
        has &= b > a
        la, lb = np.log(a), np.log(b)
        for _ in range(iterations):
            mid = 0.5 * (la + lb)
            fm = f(np.exp(mid))
            go_up = (fm <= 0) if rising else (fm > 0)
            la = np.where(go_up, mid, la)
            lb = np.where(go_up, lb, mid)
        return np.where(has, np.exp(0.5 * (la + lb)), np.nan)

    lo = np.full(shape, t_lo)
    hi = np.full(shape, t_hi)
    first = bisect(lo, tp, True)
    second = bisect(tp, t_star, True)
    melt = np.where(np.isfinite(first), first, second)
    reform = bisect(t_star, hi, False)
    # a re-forming fold only counts after a melting one
    reform = np.where(np.isfinite(melt) | (f(lo) > 0), reform, np.nan)
    return melt, reform
