"""Density waves on a periodic supercell and their measured relaxation (Eqs. 15, 18-19, 27).

For a wave vector ``k`` commensurate with the supercell, the sublattice Fourier amplitudes
``n_k,a = sum_cells exp(+i k.r) n`` (:func:`superionic.realspace.dynamics.fourier_amplitudes`)
evolve
exactly by the Bloch matrix, ``n_k(t + tau) = P(k) n_k(t)`` (the convention of
:mod:`superionic.kspace.bloch`), so a cosine density wave relaxes at the stable-mode decay rate
``kappa(k) = (1 - |p(k)|) / tau ~ k.D.k`` (Eqs. 15, 27) and, in a field, propagates at the
frequency ``arg p(k) / tau`` (Eq. 18).

* :func:`stable_mode`: the stable eigenvalue and right eigenvector of P(k);
* :func:`density_wave`: a cosine wave (local-equilibrium or pure-mode profile, Eq. 19) on a
  :class:`~superionic.realspace.RealSpaceSystem`;
* :func:`measure_decay`: evolve it in real space and fit the decay rate and frequency of its
  Fourier component (:class:`DecayMeasurement`), beside the Bloch prediction;
* :func:`relaxation`: decay rate against k for several commensurate waves, as a Dataset.

These are real-space checks of the Bloch analysis; the names are re-exported by
:mod:`superionic.realspace.dynamics`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import xarray as xr

from .._validate import finite_float
from ..errors import ModelError
from ..kspace import bloch_from_table
from ..lattice import HoppingModel, HopTable, stationary_distribution
from .supercell import RealSpaceSystem, _commensurate, _density, real_space

__all__ = ["DecayMeasurement", "density_wave", "measure_decay", "relaxation", "stable_mode"]

_AXES = ("x", "y", "z")


def stable_mode(table: HopTable, k: np.ndarray) -> tuple[complex, np.ndarray]:
    """Stable eigenvalue p(k) (largest |p|) and its right eigenvector, normalised to sum 1."""
    pk = bloch_from_table(table, np.asarray(k, dtype=float)[None, :])[0]
    w, v = np.linalg.eig(pk)
    i = int(np.argmax(np.abs(w)))
    u = v[:, i]
    norm = u.sum()
    if abs(norm) < 1e-12:
        norm = u[np.argmax(np.abs(u))] / abs(u[np.argmax(np.abs(u))])
    return complex(w[i]), u / norm


def density_wave(
    system: RealSpaceSystem,
    k,
    *,
    amplitude: float = 0.5,
    profile: str = "equilibrium",
) -> np.ndarray:
    """A cosine density wave on top of the stationary occupations, one ion per cell on average.

    Parameters
    ----------
    system : RealSpaceSystem
    k : array_like, shape (dim,)
        Cartesian wave vector (1/Å), commensurate with the supercell.
    amplitude : float
        Relative modulation, in [0, 1].
    profile : {"equilibrium", "mode"}
        ``"equilibrium"``: ``n = pi_a (1 + A cos(k.r))`` (the local equilibrium occupation,
        modulated), which relaxes into the stable mode after the faster modes die out;
        ``"mode"``: ``n = pi_a + A Re(u_a(k) exp(-i k.r))`` with the stable right eigenvector
        ``u(k)`` of P(k) normalised to sum 1: its Fourier amplitude ``n_k`` (see
        :func:`fourier_amplitudes`) is proportional to ``u(k)``, so it decays as a pure mode from
        the first step (and, in a field, travels along +k at ``arg p / (tau |k|)``). At a zone
        boundary point where k and -k are equivalent (2k a reciprocal-lattice vector) a real
        density necessarily mixes the modes of p and of its complex conjugate.

    Returns
    -------
    ndarray, shape (n_total,)
    """
    amplitude = finite_float("amplitude", amplitude, minimum=0.0, maximum=1.0)
    kv = _commensurate(system, k)
    pi = stationary_distribution(system.table)
    phase = system.positions @ kv
    base = pi[system.sublattice]
    if profile == "equilibrium":
        n = base * (1.0 + amplitude * np.cos(phase))
    elif profile == "mode":
        _, u = stable_mode(system.table, kv)
        n = base + amplitude * np.real(u[system.sublattice] * np.exp(-1j * phase))
        if np.any(n < 0):
            raise ModelError(
                f"amplitude={amplitude} gives negative densities for this mode; use a smaller one"
            )
    else:
        raise ModelError(f"profile must be 'equilibrium' or 'mode', got {profile!r}")
    return n


@dataclass(frozen=True)
class DecayMeasurement:
    """Decay of a density wave measured in real space, with the Bloch prediction.

    Attributes
    ----------
    k : ndarray, shape (dim,)
        Wave vector, 1/Å.
    p : complex
        Measured late-time factor per step of the wave's amplitude.
    decay_rate : float
        ``(1 - |p|) / tau`` (Eq. 15).
    frequency : float
        ``arg p / tau``.
    bloch_p : complex
        Stable eigenvalue of P(k) (Eq. 14).
    bloch_decay_rate, bloch_frequency : float
    amplitude : ndarray, complex, shape (steps + 1, n_sites)
        Sublattice Fourier amplitudes ``n_k(t)``.
    window : tuple of int
        Steps used for the fit.
    tau : float
    """

    k: np.ndarray
    p: complex
    decay_rate: float
    frequency: float
    bloch_p: complex
    bloch_decay_rate: float
    bloch_frequency: float
    amplitude: np.ndarray
    window: tuple[int, int]
    tau: float

    def to_dataset(self) -> xr.Dataset:
        """The amplitude history and the measured / predicted rates as a Dataset."""
        steps = np.arange(self.amplitude.shape[0])
        return xr.Dataset(
            {
                "amplitude_abs": (("time", "sublattice"), np.abs(self.amplitude)),
                "amplitude_phase": (("time", "sublattice"), np.angle(self.amplitude)),
            },
            coords={"step": ("time", steps), "time": ("time", steps * self.tau, {"units": "s"})},
            attrs={
                "k": self.k.tolist(),
                "decay_rate": self.decay_rate,
                "frequency": self.frequency,
                "bloch_decay_rate": self.bloch_decay_rate,
                "bloch_frequency": self.bloch_frequency,
                "rate_units": "1/s",
                "fit_window": list(self.window),
            },
        )


def measure_decay(
    system: RealSpaceSystem,
    density,
    k,
    steps: int,
    *,
    floor: float = 1e-7,
) -> DecayMeasurement:
    """Evolve a density and measure the decay rate and frequency of its Fourier component k.

    The amplitude ``A(t) = <n_k(t_end), n_k(t)>`` is fitted to ``A0 p^t`` over the second half of
    the steps in which ``|n_k|`` stays above ``floor`` times its initial size (roundoff sets in
    below that). After the transient of the faster modes ``p`` is the stable eigenvalue of P(k),
    so the measured decay rate is the Bloch ``kappa(k)`` (Eqs. 15, 27).

    Parameters
    ----------
    system : RealSpaceSystem
    density : array_like, shape (n_total,)
    k : array_like, shape (dim,)
        Commensurate wave vector, 1/Å; not a reciprocal-lattice vector of the supercell.
    steps : int
        Number of steps (>= 4).
    floor : float
        Relative amplitude below which points are not used.
    """
    kv = _commensurate(system, k)
    m = (kv @ system.lattice_vectors.T) / (2 * np.pi)
    if np.allclose(m, np.round(m), atol=1e-8):
        raise ModelError(f"k = {kv.tolist()} is a reciprocal-lattice vector: no density wave")
    steps = int(finite_float("steps", steps, minimum=4))
    n = _density(system, density)
    if n.ndim != 1:
        raise ModelError("measure_decay takes one density vector")
    fourier = sp.csr_matrix(
        (np.exp(1j * (system.positions @ kv)), (system.sublattice, np.arange(system.n_total))),
        shape=(system.n_sites, system.n_total),
    )
    amps = np.empty((steps + 1, system.n_sites), dtype=complex)
    for t in range(steps + 1):
        amps[t] = fourier @ n
        if t < steps:
            n = system.matrix @ n
    size = np.linalg.norm(amps, axis=1)
    if not size[0] > 0:
        raise ModelError("the density has no Fourier component at this k")
    good = np.nonzero(size < floor * size[0])[0]
    last = int(good[0]) - 1 if good.size else steps
    if last < 3:
        raise ModelError(
            "the wave decays below the roundoff floor within 3 steps: use a smaller k or step"
        )
    first = last // 2
    ref = np.conj(amps[last])
    proj = amps[first : last + 1] @ ref
    t = np.arange(first, last + 1)
    logs = np.log(np.abs(proj)) + 1j * np.unwrap(np.angle(proj))
    slope = np.polyfit(t, logs.real, 1)[0] + 1j * np.polyfit(t, logs.imag, 1)[0]
    p = complex(np.exp(slope))
    bloch_p, _ = stable_mode(system.table, kv)
    tau = system.tau
    return DecayMeasurement(
        k=kv,
        p=p,
        decay_rate=(1.0 - abs(p)) / tau,
        frequency=float(np.angle(p)) / tau,
        bloch_p=bloch_p,
        bloch_decay_rate=(1.0 - abs(bloch_p)) / tau,
        bloch_frequency=float(np.angle(bloch_p)) / tau,
        amplitude=amps,
        window=(first, last),
        tau=tau,
    )


def relaxation(
    model: HoppingModel,
    repeats,
    modes,
    *,
    steps: int = 400,
    temperature=None,
    field=None,
    coupling: str = "symmetric",
    amplitude: float = 0.5,
    profile: str = "equilibrium",
    domain: str = "raise",
) -> xr.Dataset:
    """Relaxation of cosine density waves on a supercell: decay rate against k (Eq. 27).

    For each integer vector ``m`` in ``modes`` the wave ``k = sum_i m_i b_i / L_i`` is prepared by
    :func:`density_wave`, evolved in real space and its decay rate and frequency measured by
    :func:`measure_decay`, beside the Bloch prediction of the stable mode.

    Returns
    -------
    xarray.Dataset
        Dimension ``wave``: ``k`` (wave, direction) 1/Å, ``k_norm``, ``decay_rate`` and
        ``frequency`` (measured), ``bloch_decay_rate`` and ``bloch_frequency``, and
        ``decay_rate_over_k2`` (tends to k^.D.k^ as k -> 0, Eq. 27), all rates in 1/s.
    """
    system = real_space(
        model, repeats, temperature=temperature, field=field, coupling=coupling, domain=domain
    )
    rows = []
    for m in modes:
        kv = system.commensurate_k(m)
        n0 = density_wave(system, kv, amplitude=amplitude, profile=profile)
        rows.append(measure_decay(system, n0, kv, steps))
    ks = np.array([r.k for r in rows])
    knorm = np.linalg.norm(ks, axis=1)
    kappa = np.array([r.decay_rate for r in rows])
    return xr.Dataset(
        {
            "decay_rate": ("wave", kappa, {"units": "1/s", "long_name": "measured (1-|p|)/tau"}),
            "frequency": ("wave", np.array([r.frequency for r in rows]), {"units": "rad/s"}),
            "bloch_decay_rate": (
                "wave",
                np.array([r.bloch_decay_rate for r in rows]),
                {"units": "1/s"},
            ),
            "bloch_frequency": (
                "wave",
                np.array([r.bloch_frequency for r in rows]),
                {"units": "rad/s"},
            ),
            "decay_rate_over_k2": (
                "wave",
                kappa / knorm**2,
                {"units": "angstrom^2/s", "long_name": "kappa / k^2"},
            ),
        },
        coords={
            "k": (("wave", "direction"), ks, {"units": "1/angstrom"}),
            "k_norm": ("wave", knorm, {"units": "1/angstrom"}),
            "direction": list(_AXES[: system.dim]),
        },
        attrs={
            "repeats": list(system.repeats),
            "steps": steps,
            "profile": profile,
            "tau_s": system.tau,
            "in_domain": int(system.in_domain),
            "equation": "kappa_k = (1 - |p_k|) / tau ~ k.D.k (Eqs. 15, 27)",
        },
    )
