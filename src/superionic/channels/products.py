"""Time-ordered channel products and their phase and channel averages (paper Eqs. 4-7).

Over a step ``tau`` a channel acts ``N = floor(tau / tau_c)`` times (Eq. 4)::

    P_c(t; tau, X) = P_c(t_{N-1} + X) ... P_c(t_1 + X) P_c(t_0 + X),   t_l = t + l tau / N,

the earliest sub-step on the right (it acts first on the density). The full hopping matrix
averages the products over the initial phase ``X ~ f(X)`` of each channel and over the channels
(Eqs. 5-7)::

    P(t) = sum_c w_c int dX f(X) P_c(t; tau, X),    w_c = 1 / N_channels by default.

Phases are given as fractions ``phi = X / tau_c`` of the period with a density on [0, 1)
(uniform by default: the paper's ``f(X) = 1 / tau^{s,q}``; :func:`phase_rule` gives the
quadrature). A channel whose period exceeds ``tau`` contributes the identity (``N = 0``: "no
evolution will happen"); ``tau`` below the shortest period is refused, as Eq. 5 requires
``tau >= 1 / max omega``.

:func:`channel_product` is the product of Eq. 4 for one phase, :func:`phase_average` its average
over phases (Eq. 6 for one channel) and :func:`full_hopping_matrix` the matrix of Eq. 7. The
channels and their per-exchange matrices are in :mod:`superionic.channel_exchange`;
:mod:`superionic.channel_average` re-exports these names.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validate import finite_array, finite_float
from ..errors import ModelError
from .exchange import (
    AnyChannel,
    Channel,
    MatrixChannel,
    _Context,
    _context,
    _is_static,
    _matrices,
    sub_steps,
)

__all__ = ["channel_product", "full_hopping_matrix", "phase_average", "phase_rule"]


# --------------------------------------------------------------------------- phases
def phase_rule(phase_density=None, n_phases: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature nodes ``phi`` in [0, 1) and weights for the phase average of Eq. 6.

    Parameters
    ----------
    phase_density : None, "uniform", callable, or (phases, weights)
        Density of the initial phase as a fraction of the period, ``int_0^1 f(phi) dphi = 1``
        (the paper's ``f(X)`` is ``f(phi) / tau_c``). None or "uniform": Gauss-Legendre with
        ``n_phases`` nodes (exponentially accurate for a smooth time dependence). A callable:
        the same nodes weighted by ``f``; it must be non-negative and integrate to 1
        (within 1e-3; the weights are then renormalised). A pair: a discrete distribution
        (for instance ``([0.0], [1.0])``: every channel in phase).
    n_phases : int
    """
    if isinstance(n_phases, bool) or not isinstance(n_phases, int | np.integer) or n_phases < 1:
        raise ModelError(f"n_phases must be a positive integer, got {n_phases!r}")
    if phase_density is None or (isinstance(phase_density, str) and phase_density == "uniform"):
        x, gw = np.polynomial.legendre.leggauss(n_phases)
        return 0.5 * (x + 1), 0.5 * gw
    if isinstance(phase_density, tuple | list) and len(phase_density) == 2:
        phi = finite_array("phase_density phases", phase_density[0], ndim=1)
        w = finite_array("phase_density weights", phase_density[1], ndim=1)
        if phi.shape != w.shape or phi.size == 0:
            raise ModelError("phase_density: phases and weights must be 1D arrays of equal length")
        if np.any((phi < 0) | (phi >= 1)):
            raise ModelError(f"phase_density phases must lie in [0, 1), got {phi}")
        if np.any(w < 0) or abs(w.sum() - 1.0) > 1e-9:
            raise ModelError(f"phase_density weights must be >= 0 and sum to 1, got {w}")
        return phi, w / w.sum()
    if callable(phase_density):
        x, gw = np.polynomial.legendre.leggauss(512)
        dens = np.asarray(phase_density(0.5 * (x + 1)), dtype=float)
        if dens.shape != x.shape or not np.all(np.isfinite(dens)):
            raise ModelError("phase_density(phi) must return finite values, one per phase")
        if np.any(dens < 0):
            raise ModelError("phase_density must be >= 0 on [0, 1)")
        norm = float(np.sum(0.5 * gw * dens))
        if abs(norm - 1.0) > 1e-3:
            raise ModelError(
                f"phase_density must integrate to 1 over [0, 1) (phase as a fraction of the "
                f"period), got {norm:.6g}"
            )
        x, gw = np.polynomial.legendre.leggauss(n_phases)
        phi = 0.5 * (x + 1)
        w = 0.5 * gw * np.asarray(phase_density(phi), dtype=float)
        if w.sum() <= 0:
            raise ModelError("phase_density vanishes at every quadrature node: raise n_phases")
        return phi, w / w.sum()
    raise ModelError(
        "phase_density must be None, 'uniform', a callable f(phi) or a pair (phases, weights); "
        f"got {phase_density!r}"
    )


# --------------------------------------------------------------------------- products
def _check_tau(tau, channels: Sequence[AnyChannel]) -> float:
    tau = finite_float("tau (s)", tau, minimum=0.0, strict_min=True)
    fastest = max(c.frequency for c in channels)
    if sub_steps(fastest, tau) < 1:
        raise ModelError(
            f"tau = {tau:.6g} s is shorter than the shortest channel period 1 / max(frequency) = "
            f"{1.0 / fastest:.6g} s: no channel exchanges energy within one step (Eq. 5 requires "
            "tau >= 1 / max omega)"
        )
    return tau


def _identity(channel, ctx, lead=()) -> np.ndarray:
    m = _matrices(channel, ctx, np.zeros(lead))
    n = m.shape[-1]
    return np.broadcast_to(np.eye(n, dtype=m.dtype), m.shape).copy()


def _product(channel: AnyChannel, ctx: _Context, tau: float, time: float, phi: np.ndarray):
    """Products of Eq. 4 for phases phi (Q,): shape (Q, [K...], n, n)."""
    n_sub = sub_steps(channel.frequency, tau)
    if n_sub == 0:
        return _identity(channel, ctx, phi.shape)
    if _is_static(channel, ctx):
        m = _matrices(channel, ctx, np.zeros(()))
        power = np.linalg.matrix_power(m, n_sub)
        return np.broadcast_to(power, (*phi.shape, *power.shape)).copy()
    offsets = time + phi * channel.period  # (Q,)
    prod = None
    chunk = max(1, min(n_sub, 64))
    for start in range(0, n_sub, chunk):
        ls = np.arange(start, min(start + chunk, n_sub))
        times = offsets[None, :] + ls[:, None] * (tau / n_sub)  # (L, Q)
        mats = _matrices(channel, ctx, times)
        for m in mats:
            prod = m.copy() if prod is None else m @ prod
    return prod


def channel_product(
    channel: AnyChannel,
    tau,
    *,
    time=0.0,
    phase=0.0,
    model=None,
    temperature=None,
    field=None,
    coupling: str = "symmetric",
    k=None,
) -> np.ndarray:
    """The time-ordered product of Eq. 4 for one channel and one initial phase.

    ``prod_{l=0}^{N-1} P_c(t_l + X)`` with ``N = floor(tau / tau_c)``, ``t_l = t + l tau / N`` and
    ``X = phase * tau_c`` (``phase`` in [0, 1)). The identity when ``N = 0``.
    """
    ctx = _context(model, temperature, field, coupling, k)
    tau = finite_float("tau (s)", tau, minimum=0.0, strict_min=True)
    phase = finite_float("phase (fraction of the period)", phase, minimum=0.0, maximum=1.0)
    time = finite_float("time (s)", time)
    return _product(channel, ctx, tau, time, np.array([phase]))[0]


def phase_average(
    channel: AnyChannel,
    tau,
    *,
    time=0.0,
    phase_density=None,
    n_phases: int = 16,
    model=None,
    temperature=None,
    field=None,
    coupling: str = "symmetric",
    k=None,
) -> np.ndarray:
    """Average of the Eq. 4 product over the channel's initial phase (Eq. 6 for one channel)."""
    ctx = _context(model, temperature, field, coupling, k)
    tau = finite_float("tau (s)", tau, minimum=0.0, strict_min=True)
    time = finite_float("time (s)", time)
    return _phase_average(channel, ctx, tau, time, phase_density, n_phases)


def _phase_average(channel, ctx, tau, time, phase_density, n_phases):
    if _is_static(channel, ctx):
        return _product(channel, ctx, tau, time, np.zeros(1))[0]
    phi, w = phase_rule(phase_density, n_phases)
    prods = _product(channel, ctx, tau, time, phi)
    return np.tensordot(w, prods, axes=(0, 0))


def _weights(channels, weights) -> np.ndarray:
    if weights is None:
        return np.full(len(channels), 1.0 / len(channels))
    w = finite_array("weights", weights, ndim=1)
    if w.size != len(channels) or np.any(w < 0) or not w.sum() > 0:
        raise ModelError(
            f"weights must be {len(channels)} non-negative numbers with a positive sum, got {w}"
        )
    return w / w.sum()


def _channel_list(channels) -> list[AnyChannel]:
    if isinstance(channels, Channel | MatrixChannel):
        channels = [channels]
    channels = list(channels)
    if not channels:
        raise ModelError("channels must hold at least one Channel or MatrixChannel")
    for c in channels:
        if not isinstance(c, Channel | MatrixChannel):
            raise ModelError(f"channels must be Channel or MatrixChannel, got {type(c).__name__}")
    return channels


def full_hopping_matrix(
    channels,
    tau,
    *,
    time=0.0,
    weights=None,
    phase_density=None,
    n_phases: int = 16,
    model=None,
    temperature=None,
    field=None,
    coupling: str = "symmetric",
    k=None,
) -> np.ndarray:
    """The full hopping matrix of Eq. 7 for the step ``tau`` starting at ``time``.

    Parameters
    ----------
    channels : Channel, MatrixChannel or a sequence of them
    tau : float
        The step in s; at least the shortest channel period.
    time : float
        Start of the step in s (matters for time-dependent channels).
    weights : sequence of float, optional
        Channel weights (normalised); default equal, the ``1 / N_(s,q)`` of Eq. 7.
    phase_density, n_phases
        Initial-phase distribution, see :func:`phase_rule` (the same for every channel).
    model, temperature, field, coupling, k
        As in :func:`channel_matrix`.

    Returns
    -------
    ndarray, shape ([*k.shape[:-1]], n, n)
        Column-stochastic at k = 0 (Eq. 9).
    """
    chans = _channel_list(channels)
    ctx = _context(model, temperature, field, coupling, k)
    tau = _check_tau(tau, chans)
    time = finite_float("time (s)", time)
    w = _weights(chans, weights)
    return _channel_sum(chans, w, ctx, tau, time, phase_density, n_phases)


def _channel_sum(chans, w, ctx, tau, time, phase_density, n_phases) -> np.ndarray:
    """``sum_c w_c int dX f(X) P_c(t; tau, X)`` (Eq. 7) for validated inputs."""
    total = None
    for wc, c in zip(w, chans, strict=True):
        term = wc * _phase_average(c, ctx, tau, time, phase_density, n_phases)
        total = term if total is None else total + term
    return total
