"""Real-space evolution of densities and currents on a periodic supercell (paper Eqs. 8-9, 16-17).

On the supercell of :mod:`superionic.realspace` (:func:`real_space` builds the sparse hopping
matrix ``P[target, source]``) the density evolves as ``n(t + tau) = P n(t)`` (Eq. 8) with the
number of ions conserved exactly (Eq. 9): :func:`propagate` applies the steps, :func:`evolve`
records the trajectory, :func:`fourier_amplitudes` gives the sublattice Fourier amplitudes of a
commensurate wave vector (Eq. 10) and :func:`measure_drift` the drift velocity per ion.

Currents (Eq. 17). During one step the ions on a site ``j`` of sublattice ``a`` carry the flux
``n_j sum_{hops h from a} P_h d_h``; summed over the supercell this is the ionic current per step,
equal to the exact change of the dipole ``sum_j r_j n_j`` with unwrapped hop vectors. Currents are
given as ion velocities (Å per unit of ``tau``, i.e. Å/s when tau is in s) summed over the ions;
multiply by ``Z e`` for an electric current. The paper's Eq. 17 carries the opposite sign
(``-d/dt`` of the polarization); here the current points along the ions' motion.

Density waves and their decay (Eq. 27) are in :mod:`superionic.realspace.relaxation`. This module
re-exports the supercell (:class:`RealSpaceSystem`, :func:`real_space`, :func:`hopping_matrix`)
and the density-wave names so that ``superionic.realspace.dynamics`` remains the one entry point for
real-space dynamics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from .._validate import finite_float
from ..errors import ModelError
from ..lattice import HoppingModel
from .relaxation import DecayMeasurement, density_wave, measure_decay, relaxation, stable_mode
from .supercell import RealSpaceSystem, _commensurate, _density, hopping_matrix, real_space

__all__ = [
    "DecayMeasurement",
    "DriftMeasurement",
    "RealSpaceSystem",
    "density_wave",
    "evolve",
    "fourier_amplitudes",
    "hopping_matrix",
    "ionic_current",
    "local_current",
    "measure_decay",
    "measure_drift",
    "propagate",
    "real_space",
    "relaxation",
    "stable_mode",
]

_AXES = ("x", "y", "z")


# --------------------------------------------------------------------------- evolution
def propagate(system: RealSpaceSystem, density, steps: int) -> np.ndarray:
    """Apply ``steps`` steps of Eq. 8, ``n <- P n``; returns the final density.

    Parameters
    ----------
    system : RealSpaceSystem
    density : array_like, shape (n_total,) or (n_total, batch)
        Initial density (ions per site); a second axis evolves a batch of densities at once.
    steps : int
        Number of steps (>= 0).
    """
    n = _density(system, density)
    steps = int(finite_float("steps", steps, minimum=0))
    p = system.matrix
    for _ in range(steps):
        n = p @ n
    return n


def _current(system: RealSpaceSystem, n: np.ndarray) -> np.ndarray:
    out = system.current_operator @ n
    return out if n.ndim == 1 else out.T


def ionic_current(system: RealSpaceSystem, density) -> np.ndarray:
    """Total ionic current during the next step (Eq. 17), shape (dim,) or (batch, dim).

    ``J = sum over sites j and hops h leaving j of d_h P_h n_j / tau``: the summed ion velocity,
    in Å per unit of tau times ions. It equals the exact change of the dipole per step.
    """
    return _current(system, _density(system, density))


def local_current(system: RealSpaceSystem, density) -> np.ndarray:
    """Outgoing flux vector of every site during the next step, shape (n_total, dim).

    ``n_j sum_{h from j} P_h d_h / tau`` (Eq. 17 resolved per site); sums to :func:`ionic_current`.
    """
    n = _density(system, density)
    if n.ndim != 1:
        raise ModelError("local_current takes one density vector")
    return n[:, None] * system.site_velocity[system.sublattice]


def fourier_amplitudes(system: RealSpaceSystem, density, k) -> np.ndarray:
    """Sublattice Fourier amplitudes ``n_k,a = sum_cells exp(+i k.r) n`` (Eq. 10's sign flipped).

    With this sign ``n_k(t + tau) = P(k) n_k(t)`` exactly in the convention of
    :func:`superionic.bloch_matrix`, for k commensurate with the supercell.

    Returns
    -------
    ndarray, complex, shape (n_sites,) or (n_sites, batch)
    """
    n = _density(system, density)
    kv = _commensurate(system, k)
    phase = np.exp(1j * (system.positions @ kv))
    weighted = phase.reshape(system.n_cells, system.n_sites, *([1] * (n.ndim - 1)))
    return (weighted * n.reshape(system.n_cells, system.n_sites, *n.shape[1:])).sum(axis=0)


def evolve(
    system: RealSpaceSystem,
    density,
    steps: int,
    *,
    every: int = 1,
    store_density: bool = True,
) -> xr.Dataset:
    """Evolve a density by Eq. 8 and record its trajectory.

    Parameters
    ----------
    system : RealSpaceSystem
    density : array_like, shape (n_total,)
        Initial density in ions per site (any real vector; probability is conserved).
    steps : int
        Number of steps.
    every : int
        Record every ``every`` steps (the final step is always recorded).
    store_density : bool
        Keep the density snapshots (``n_total`` numbers per record); otherwise only the
        integrated quantities.

    Returns
    -------
    xarray.Dataset
        Dimension ``time`` (recorded steps) and, when stored, ``site``:

        * ``density`` (time, site): ions per site;
        * ``total`` (time): number of ions (conserved, Eq. 9);
        * ``current`` (time, direction): the ionic current of the next step (Eq. 17), Å/s x ions;
        * ``displacement`` (time, direction): exact cumulative dipole change
          ``sum_t' current(t') tau``, Å x ions (unwrapped, so it grows without bound in a field).

        Coordinates ``step``, ``time`` (s), ``position`` (site, direction), ``sublattice``,
        ``cell``.
    """
    n = _density(system, density)
    if n.ndim != 1:
        raise ModelError("evolve takes one density vector; use propagate() for a batch")
    steps = int(finite_float("steps", steps, minimum=0))
    every = int(finite_float("every", every, minimum=1))
    record = sorted(set(range(0, steps + 1, every)) | {steps})
    p = system.matrix
    snapshots, totals, currents, displacements, recorded = [], [], [], [], []
    disp = np.zeros(system.dim)
    ri = 0
    for step in range(steps + 1):
        cur = _current(system, n)
        if step == record[ri]:
            recorded.append(step)
            totals.append(n.sum())
            currents.append(cur)
            displacements.append(disp.copy())
            if store_density:
                snapshots.append(n.copy())
            ri += 1
        if step == steps:
            break
        disp += cur * system.tau
        n = p @ n
    steps_a = np.asarray(recorded)
    axes = list(_AXES[: system.dim])
    data = {
        "total": ("time", np.asarray(totals), {"units": "ions", "long_name": "number of ions"}),
        "current": (
            ("time", "direction"),
            np.asarray(currents),
            {"units": "angstrom/s * ions", "long_name": "ionic current of the next step (Eq. 17)"},
        ),
        "displacement": (
            ("time", "direction"),
            np.asarray(displacements),
            {"units": "angstrom * ions", "long_name": "cumulative dipole change"},
        ),
    }
    coords = {
        "step": ("time", steps_a),
        "time": ("time", steps_a * system.tau, {"units": "s"}),
        "direction": axes,
    }
    if store_density:
        data["density"] = (("time", "site"), np.asarray(snapshots), {"units": "ions per site"})
        coords["position"] = (("site", "direction"), system.positions, {"units": "angstrom"})
        coords["sublattice"] = ("site", system.sublattice)
        coords["cell"] = (("site", "direction"), system.cell)
    return xr.Dataset(
        data,
        coords=coords,
        attrs={
            "tau_s": system.tau,
            "repeats": list(system.repeats),
            "in_domain": int(system.in_domain),
            "equation": "n(t + tau) = P n(t) (Eq. 8); current: Eq. 17",
        },
    )


# --------------------------------------------------------------------------- drift
@dataclass(frozen=True)
class DriftMeasurement:
    """Drift velocity measured by real-space evolution.

    Attributes
    ----------
    velocity : ndarray, shape (dim,)
        Current per ion during the last step (Å per unit of tau); converges exponentially to the
        steady-state drift.
    mean_velocity : ndarray, shape (dim,)
        Cumulative displacement per ion over the second half of the run divided by its duration.
    change : float
        ``|velocity(last step) - velocity(step before)|``: a convergence indicator.
    steps : int
    """

    velocity: np.ndarray
    mean_velocity: np.ndarray
    change: float
    steps: int


def measure_drift(
    model: HoppingModel,
    repeats,
    *,
    steps: int = 2000,
    temperature=None,
    field=None,
    coupling: str = "symmetric",
    density=None,
    domain: str = "raise",
) -> DriftMeasurement:
    """Measure the drift velocity per ion by evolving a density on a periodic supercell.

    The current per ion of Eq. 17 relaxes to the steady-state drift, which the Bloch analysis
    gives exactly (:func:`superionic.drift_velocity`); this is an independent real-space check.

    Parameters
    ----------
    model : HoppingModel
    repeats : int or sequence of int
        Supercell size.
    steps : int
        Number of steps to run.
    temperature, field, coupling, domain
        As for :func:`real_space`.
    density : array_like, optional
        Initial density; default one ion on the first site of cell 0.
    """
    system = real_space(
        model, repeats, temperature=temperature, field=field, coupling=coupling, domain=domain
    )
    steps = int(finite_float("steps", steps, minimum=2))
    if density is None:
        n = np.zeros(system.n_total)
        n[0] = 1.0
    else:
        n = _density(system, density).astype(float)
    total = float(n.sum())
    if not total > 0:
        raise ModelError(f"density must hold a positive number of ions, got {total}")
    half = steps // 2
    disp_half = np.zeros(system.dim)
    disp = np.zeros(system.dim)
    cur = _current(system, n)
    prev = cur
    for step in range(steps):
        if step == half:
            disp_half = disp.copy()
        disp += cur * system.tau
        n = system.matrix @ n
        prev, cur = cur, _current(system, n)
    duration = (steps - half) * system.tau
    return DriftMeasurement(
        velocity=cur / total,
        mean_velocity=(disp - disp_half) / duration / total,
        change=float(np.max(np.abs(cur - prev)) / total),
        steps=steps,
    )
