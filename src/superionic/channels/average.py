"""Hop rate of the channel-averaged hopping matrix as a function of the step tau (Sec. II.2).

The full hopping matrix of Eq. 7 averages, over phonon channels ``(s, q)`` and over their
initial phases, the time-ordered products of each channel's per-exchange matrix over a step
``tau`` (Eqs. 4-6). The paper argues that when a few channels of typical frequency ``omega_c``
dominate, the hop rate ``sum_{j != i} P_ji / tau = (1 - P_ii) / tau`` converges for
``tau > 1 / omega_c`` to the intrinsic ``nu_0 exp(-E_A / kB T)``. :func:`hop_rate` evaluates the
rate on a grid of steps and compares it with :func:`rate_limit`, ``sum_c w_c omega_c <out_c>``.

The rate uses the real-space return probability ``P_ii`` of the full matrix: for a periodic
model it is the Brillouin-zone average of ``P_k[i, i]`` on a mesh fine enough to be exact for
the number of sub-steps.

This module is also the entry point of the channel-averaging API and re-exports:

* from :mod:`superionic.channel_exchange` (channels and one exchange, Eqs. 1-2, 4):
  :class:`Channel`, :class:`MatrixChannel`, :func:`channel_matrix`, :func:`model_thresholds`,
  :func:`sub_steps`;
* from :mod:`superionic.channel_products` (products and averages, Eqs. 4-7):
  :func:`channel_product`, :func:`phase_average`, :func:`phase_rule`,
  :func:`full_hopping_matrix`.
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from .._validate import finite_array, finite_float
from ..errors import ModelError
from ..lattice import HoppingModel
from .exchange import AnyChannel as AnyChannel
from .exchange import (
    Channel,
    MatrixChannel,
    _Context,
    _context,
    _is_static,
    _matrices,
    _probabilities,
    channel_matrix,
    model_thresholds,
    sub_steps,
)
from .products import (
    _channel_list,
    _channel_sum,
    _check_tau,
    _weights,
    channel_product,
    full_hopping_matrix,
    phase_average,
    phase_rule,
)

__all__ = [
    "Channel",
    "MatrixChannel",
    "channel_matrix",
    "channel_product",
    "full_hopping_matrix",
    "hop_rate",
    "model_thresholds",
    "phase_average",
    "phase_rule",
    "rate_limit",
    "sub_steps",
]


# --------------------------------------------------------------------------- hop rate
def _out_probability(channel, ctx, times) -> np.ndarray:
    """Probability of leaving each site in one exchange, shape (*times.shape, n_sites)."""
    if isinstance(channel, Channel):
        ctx0 = _Context(ctx.model, ctx.temperature, ctx.field, ctx.coupling, None)
        table, p = _probabilities(channel, ctx0, times)
        out = np.zeros((*p.shape[:-1], table.n_sites))
        np.add.at(out, (..., table.source), p)
        return out
    return 1.0 - np.diagonal(_matrices(channel, ctx, times), axis1=-2, axis2=-1)


def rate_limit(
    channels,
    *,
    time=0.0,
    weights=None,
    phase_density=None,
    n_phases: int = 16,
    model=None,
    temperature=None,
    field=None,
    coupling: str = "symmetric",
) -> np.ndarray:
    """Limit of the hop rate for ``tau > 1 / omega_c`` and small hop probabilities, per site.

    ``sum_c w_c omega_c <out_c>``: each channel contributes its exchange frequency times the
    phase-averaged probability of leaving the site in one exchange. With Eq. 3 this is the
    phenomenological ``nu_0 exp(-E_A / kB T)``. Returns shape (n_sites,), in 1/s.
    """
    chans = _channel_list(channels)
    ctx = _context(model, temperature, field, coupling, None)
    w = _weights(chans, weights)
    return _limit(chans, w, _mean_out_probabilities(chans, ctx, time, phase_density, n_phases))


def _mean_out_probabilities(chans, ctx, time, phase_density, n_phases) -> list[np.ndarray]:
    """Per channel, the phase-averaged probability of leaving each site in one exchange."""
    outs = []
    for c in chans:
        if _is_static(c, ctx):
            out = _out_probability(c, ctx, np.zeros(()))
        else:
            phi, pw = phase_rule(phase_density, n_phases)
            out = np.tensordot(pw, _out_probability(c, ctx, time + phi * c.period), axes=(0, 0))
        outs.append(out)
    return outs


def _limit(chans, w, outs) -> np.ndarray:
    """``sum_c w_c omega_c <out_c>`` from the per-channel averages of
    :func:`_mean_out_probabilities`."""
    total = None
    for wc, c, out in zip(w, chans, outs, strict=True):
        term = wc * c.frequency * out
        total = term if total is None else total + term
    return total


def _onsite_mesh(
    model: HoppingModel, max_steps: int, max_kpoints: int, p_out: float, tol: float = 1e-14
) -> np.ndarray:
    """k-mesh on which the zone average of P_k[a, a] is the on-site return probability.

    The average over an ``M_1 x ... x M_dim`` mesh sums the probabilities of ending in every
    cell R with ``R_d = 0 mod M_d``. ``M_d = 2 N r_d + 1`` (``r_d`` the largest cell offset of a
    hop) makes it exact after N exchanges; a smaller ``M_d`` is used when reaching ``M_d`` cells
    away, which needs at least ``h = ceil(M_d / r_d)`` hops, has probability at most
    ``C(N, h) p^h <= tol`` (``p`` the largest out-probability per exchange).
    """
    cells = np.abs(model.hop_parameters.cell)
    r = cells.max(axis=0) if cells.size else np.zeros(model.dim, int)
    m = 2 * r * max_steps + 1
    if 0.0 < p_out < 1.0:
        logp = math.log(p_out)
        for d in range(model.dim):
            if r[d] == 0:
                continue
            for cand in range(1, int(m[d])):
                h = math.ceil(cand / r[d])
                if h > max_steps:
                    break
                log_bound = (
                    math.lgamma(max_steps + 1)
                    - math.lgamma(h + 1)
                    - math.lgamma(max_steps - h + 1)
                    + h * logp
                )
                if log_bound <= math.log(tol):
                    m[d] = min(m[d], cand)
                    break
    elif p_out == 0.0:
        m = np.ones_like(m)
    if int(np.prod(m)) > max_kpoints:
        raise ModelError(
            f"the on-site probability after {max_steps} exchanges needs a "
            f"{tuple(int(x) for x in m)} k-mesh ({int(np.prod(m))} points > "
            f"max_kpoints={max_kpoints}): use fewer exchanges (shorter tau), a lower temperature "
            "or higher thresholds, or raise max_kpoints"
        )
    grids = np.meshgrid(*[np.arange(mi) / mi for mi in m], indexing="ij")
    frac = np.stack([g.ravel() for g in grids], axis=-1)
    return frac @ model.lattice.reciprocal


def _max_out_probability(chans, ctx, taus, time, phase_density, n_phases) -> float:
    """Largest out-probability per exchange of any channel (sampled over one step and the
    phase nodes for time-dependent channels)."""
    best = 0.0
    phi, _ = phase_rule(phase_density, n_phases)
    for c in chans:
        if _is_static(c, ctx):
            times = np.zeros(1)
        else:
            span = float(np.max(taus)) + c.period
            times = time + np.concatenate([phi * c.period, np.linspace(0.0, span, 257)])
        best = max(best, float(np.max(_out_probability(c, ctx, times))))
    return best


def hop_rate(
    channels,
    taus,
    *,
    time=0.0,
    weights=None,
    phase_density=None,
    n_phases: int = 16,
    model=None,
    temperature=None,
    field=None,
    coupling: str = "symmetric",
    rtol: float = 0.05,
    max_kpoints: int = 200_000,
) -> xr.Dataset:
    """The hop rate ``sum_{j != i} P_ji(tau) / tau`` of the full matrix versus the step tau.

    The paper argues that, when a few channels of typical frequency ``omega_c`` dominate, the
    rate converges to a constant for ``tau > 1 / omega_c``; it is then the intrinsic
    ``nu_0 exp(-E_A / kB T)``. This function evaluates Eq. 7 on a grid of steps and compares
    with :func:`rate_limit`.

    Parameters
    ----------
    channels, time, weights, phase_density, n_phases, model, temperature, field, coupling
        As in :func:`full_hopping_matrix`.
    taus : array_like
        Steps in s (each at least the shortest period).
    rtol : float
        Relative tolerance defining convergence to the limit.
    max_kpoints : int
        Largest k-mesh allowed for the exact on-site probability of a periodic model.

    Returns
    -------
    xarray.Dataset
        ``rate`` (tau, site) and ``limit`` (site) in 1/s; ``n_sub_steps`` (channel, tau);
        ``converged_tau`` (site): the smallest tau of the grid from which on every rate lies
        within ``rtol`` of the limit (NaN, with ``converged`` False, when none does);
        ``dominant_frequency``: frequency of the channel contributing most to the limit.
    """
    chans = _channel_list(channels)
    taus = finite_array("taus (s)", taus, ndim=1)
    if taus.size == 0:
        raise ModelError("taus must hold at least one step")
    for t in taus:
        _check_tau(t, chans)
    ctx = _context(model, temperature, field, coupling, None)
    rtol = finite_float("rtol", rtol, minimum=0.0, strict_min=True)
    time = finite_float("time (s)", time)
    w = _weights(chans, weights)
    periodic = ctx.model is not None and any(isinstance(c, Channel) for c in chans)
    if periodic and any(isinstance(c, MatrixChannel) for c in chans):
        raise ModelError("mix of Channel and MatrixChannel: give one kind per call")
    rates = []
    steps = np.array([[sub_steps(c.frequency, t) for t in taus] for c in chans])
    p_out = (
        _max_out_probability(chans, ctx, taus, time, phase_density, n_phases) if periodic else 0.0
    )
    for i, t in enumerate(taus):
        if periodic:
            kmesh = _onsite_mesh(ctx.model, int(steps[:, i].max()), max_kpoints, p_out)
            kctx = _Context(ctx.model, ctx.temperature, ctx.field, ctx.coupling, kmesh)
            total = _channel_sum(chans, w, kctx, t, time, phase_density, n_phases)
            stay = np.real(np.diagonal(total, axis1=-2, axis2=-1).mean(axis=0))
        else:
            stay = np.diagonal(_channel_sum(chans, w, ctx, t, time, phase_density, n_phases))
        rates.append((1.0 - stay) / t)
    rates = np.array(rates)
    outs = _mean_out_probabilities(chans, ctx, time, phase_density, n_phases)
    limit = _limit(chans, w, outs)
    # each channel's share of the limit (its rate_limit alone, weighted)
    contributions = [
        wc * float(np.sum(c.frequency * out)) for wc, c, out in zip(w, chans, outs, strict=True)
    ]
    dominant = chans[int(np.argmax(contributions))].frequency
    within = np.abs(rates / np.where(limit > 0, limit, np.inf) - 1.0) <= rtol
    # converged from index j on: every later tau is within tolerance
    tail_ok = np.flip(np.logical_and.accumulate(np.flip(within, axis=0), axis=0), axis=0)
    converged = tail_ok.any(axis=0)
    first = np.argmax(tail_ok, axis=0)
    conv_tau = np.where(converged, taus[first], np.nan)
    n_sites = rates.shape[1]
    if periodic:
        sites = list(ctx.model.lattice.site_names)
    else:
        sites = [str(i) for i in range(n_sites)]
    labels = [c.label or f"{c.frequency:.4g} Hz" for c in chans]
    return xr.Dataset(
        {
            "rate": (
                ("tau", "site"),
                rates,
                {"units": "1/s", "long_name": "sum_{j != i} P_ji(tau) / tau"},
            ),
            "limit": (
                "site",
                limit,
                {"units": "1/s", "long_name": "sum_c w_c omega_c <out-probability>_c"},
            ),
            "n_sub_steps": (("channel", "tau"), steps,
                            {"long_name": "floor(tau / tau_c)", "units": "1"}),
            "converged_tau": ("site", conv_tau, {"units": "s"}),
            "converged": ("site", converged),
            "channel_frequency": ("channel", [c.frequency for c in chans], {"units": "Hz"}),
            "channel_weight": ("channel", w,
                               {"units": "1", "long_name": "channel weight w_c"}),
        },
        coords={"tau": ("tau", taus, {"units": "s"}), "site": sites, "channel": labels},
        attrs={
            "rtol": rtol,
            "dominant_frequency": dominant,
            "dominant_frequency_units": "Hz",
            "equations": "paper Eqs. 4-7; rate convergence for tau > 1/omega_c (Sec. II.2)",
        },
    )
