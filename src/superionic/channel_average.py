"""Channel-averaged hopping matrices (paper Eqs. 4-7) and the hop rate as a function of tau.

Each phonon channel ``(s, q)`` exchanges energy with the mobile ions once per period
``tau_c = 1 / omega_c`` (the paper's ``tau^{s,q} = 1 / omega^{s,q}``: here ``frequency`` is in Hz
and its inverse is the period). Over a step ``tau`` a channel acts ``N = floor(tau / tau_c)``
times (Eq. 4)::

    P_c(t; tau, X) = P_c(t_{N-1} + X) ... P_c(t_1 + X) P_c(t_0 + X),   t_l = t + l tau / N,

the earliest sub-step on the right (it acts first on the density). The full hopping matrix
averages the products over the initial phase ``X ~ f(X)`` of each channel and over the channels
(Eqs. 5-7)::

    P(t) = sum_c w_c int dX f(X) P_c(t; tau, X),    w_c = 1 / N_channels by default.

Phases are given as fractions ``phi = X / tau_c`` of the period with a density on [0, 1)
(uniform by default: the paper's ``f(X) = 1 / tau^{s,q}``). A channel whose period exceeds
``tau`` contributes the identity (``N = 0``: "no evolution will happen"); ``tau`` below the
shortest period is refused, as Eq. 5 requires ``tau >= 1 / max omega``.

Two kinds of channel are supported, both frozen values:

* :class:`MatrixChannel`: an explicit column-stochastic matrix on a finite set of sites, fixed or
  a function of time;
* :class:`Channel`: per-hop thresholds ``E_ji`` (fixed or a function of time) and a density of
  states; with a :class:`~superionic.model.HoppingModel` they give per-hop probabilities by
  Eq. 2 (:func:`superionic.channels.hop_probability`, origin energies = site energies,
  degeneracies = the model's), coupled to a field exactly as the core does
  (``P -> P exp(c f.d)``), assembled into the periodic model's matrix at ``k = 0`` or into Bloch
  matrices ``P_k`` (the core's convention). Products of translation-invariant matrices are
  products of their ``P_k`` at the same ``k``.

The hop rate ``sum_{j != i} P_ji / tau = (1 - P_ii) / tau`` uses the real-space return
probability ``P_ii`` of the full matrix: for a periodic model it is the Brillouin-zone average of
``P_k[i, i]`` on a mesh fine enough to be exact for the number of sub-steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from ._validate import finite_array, finite_float, positive_temperature
from .channels import as_dos, hop_probability
from .errors import ModelError
from .hops import field_factor
from .model import HoppingModel

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

_FLOOR_TOL = 1e-9
_STOCHASTIC_TOL = 1e-9


# --------------------------------------------------------------------------- channels
def _frequency(name: str, value) -> float:
    return finite_float(f"{name}.frequency (Hz)", value, minimum=0.0, strict_min=True)


@dataclass(frozen=True)
class Channel:
    """A phonon channel given by per-hop thresholds and a density of states (Eqs. 2, 4).

    Parameters
    ----------
    frequency : float
        Energy-exchange frequency in Hz; the period is ``1 / frequency``.
    thresholds : float, sequence of float, or callable
        Hop thresholds ``E_ji`` in eV, one per directed hop of the model's hop table (a scalar
        applies to every hop), or a function ``t -> (..., n_hops)`` of time in s (barriers that
        depend on time; it must broadcast over an array of times).
    dos : see :func:`superionic.channels.hop_probability`
        Density of states of the channel; None is the constant DOS (Eq. 3).
    label : str
    """

    frequency: float
    thresholds: float | tuple[float, ...] | Callable
    dos: object = None
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "frequency", _frequency("Channel", self.frequency))
        thr = self.thresholds
        if not callable(thr):
            arr = finite_array("Channel.thresholds (eV)", thr)
            if arr.ndim > 1:
                raise ModelError(
                    f"Channel.thresholds must be a scalar or one value per hop, got shape "
                    f"{arr.shape}"
                )
            thr = float(arr) if arr.ndim == 0 else tuple(float(x) for x in arr)
        object.__setattr__(self, "thresholds", thr)
        object.__setattr__(self, "dos", as_dos(self.dos))

    @property
    def period(self) -> float:
        """The period ``1 / frequency`` in s."""
        return 1.0 / self.frequency

    @property
    def is_static(self) -> bool:
        """True when the thresholds do not depend on time."""
        return not callable(self.thresholds)


def _as_stochastic(name: str, matrix) -> np.ndarray:
    m = finite_array(name, matrix)
    if m.ndim < 2 or m.shape[-1] != m.shape[-2]:
        raise ModelError(f"{name} must be square (..., n, n), got shape {m.shape}")
    if np.any(m < -_STOCHASTIC_TOL):
        raise ModelError(
            f"{name} has negative entries (min {float(m.min()):.3g}): not probabilities"
        )
    cols = m.sum(axis=-2)
    if np.any(np.abs(cols - 1.0) > _STOCHASTIC_TOL):
        worst = float(np.max(np.abs(cols - 1.0)))
        raise ModelError(
            f"{name} columns must sum to 1 (Eq. 9, probability conservation); deviation {worst:.3g}"
        )
    return m


@dataclass(frozen=True)
class MatrixChannel:
    """A channel given directly by its per-exchange hopping matrix ``P[j, i]`` (Eq. 1).

    Parameters
    ----------
    frequency : float
        Energy-exchange frequency in Hz.
    matrix : array_like (n, n) or callable
        Column-stochastic matrix, or a function ``t -> (..., n, n)`` of time in s that broadcasts
        over an array of times (checked whenever it is evaluated).
    label : str
    """

    frequency: float
    matrix: tuple[tuple[float, ...], ...] | Callable
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "frequency", _frequency("MatrixChannel", self.frequency))
        if not callable(self.matrix):
            m = _as_stochastic("MatrixChannel.matrix", self.matrix)
            if m.ndim != 2:
                raise ModelError(f"MatrixChannel.matrix must be (n, n), got shape {m.shape}")
            object.__setattr__(self, "matrix", tuple(tuple(float(x) for x in row) for row in m))

    @property
    def period(self) -> float:
        return 1.0 / self.frequency

    @property
    def is_static(self) -> bool:
        return not callable(self.matrix)


AnyChannel = Channel | MatrixChannel


def sub_steps(frequency: float, tau: float) -> int:
    """``N_tau = floor(tau * frequency)`` (Eq. 4), tolerant to rounding of exact multiples."""
    return math.floor(tau * frequency * (1.0 + _FLOOR_TOL))


def model_thresholds(model: HoppingModel) -> np.ndarray:
    """Saddle energies of a model's directed hops, shape (n_hops,), eV.

    A :class:`Channel` with these thresholds, a constant DOS and no field reproduces the model's
    own per-step probabilities (Eq. 3 with the hops' degeneracies). Needs a model declared by
    saddle energies.
    """
    hp = model.hop_parameters
    if not np.all(hp.is_bond):
        raise ModelError(
            "model_thresholds needs every hop declared by a saddle energy (saddle=...); this "
            "model declares explicit probabilities"
        )
    return np.array(hp.saddle, dtype=float)


# --------------------------------------------------------------------------- matrices
@dataclass(frozen=True)
class _Context:
    model: HoppingModel | None
    temperature: float | None
    field: object
    coupling: str
    k: np.ndarray | None


def _context(model, temperature, field, coupling, k) -> _Context:
    if model is not None and not isinstance(model, HoppingModel):
        raise ModelError(f"model must be a HoppingModel, got {type(model).__name__}")
    temp = None
    if temperature is not None:
        temp = float(positive_temperature(temperature))
    karr = None
    if k is not None:
        if model is None:
            raise ModelError("k needs a model (Bloch matrices of a periodic model)")
        karr = np.asarray(k, dtype=float)
        if model.dim == 1 and (karr.ndim == 0 or karr.shape[-1] != 1):
            karr = karr[..., None]
        if karr.shape[-1] != model.dim or not np.all(np.isfinite(karr)):
            raise ModelError(f"k must be finite with {model.dim} component(s), got {np.shape(k)}")
    if field is not None and not callable(field):
        if model is None:
            raise ModelError("field needs a model (hop displacements)")
        f = finite_array("field (reduced, 1/Å)", field)
        field = f.reshape(-1) if f.ndim == 0 else f
    return _Context(model, temp, field, coupling, karr)


def _field_at(ctx: _Context, times: np.ndarray) -> np.ndarray | None:
    if ctx.field is None:
        return None
    if callable(ctx.field):
        f = np.asarray(ctx.field(times), dtype=float)
        if ctx.model.dim == 1 and f.shape == times.shape:
            f = f[..., None]
    else:
        f = np.broadcast_to(ctx.field, (*times.shape, ctx.model.dim))
    if f.shape != (*times.shape, ctx.model.dim) or not np.all(np.isfinite(f)):
        raise ModelError(
            f"field(t) must return finite values of shape {(*times.shape, ctx.model.dim)}, "
            f"got {f.shape}"
        )
    return f


def _assemble(table, prob: np.ndarray, k: np.ndarray | None) -> np.ndarray:
    """Matrices from per-hop probabilities (..., n_hops): P[t, s] (k=None) or P_k (..., K, n, n)."""
    n = table.n_sites
    onehot = np.zeros((table.n_hops, n * n))
    onehot[np.arange(table.n_hops), table.target * n + table.source] = 1.0
    out = np.zeros((*prob.shape[:-1], n))
    np.add.at(out, (..., table.source), prob)
    diag = 1.0 - out
    idx = np.arange(n)
    if k is None:
        mat = (prob @ onehot).reshape(*prob.shape[:-1], n, n)
        mat[..., idx, idx] += diag
        return mat
    phase = np.exp(1j * (k.reshape(-1, k.shape[-1]) @ table.displacement.T))  # (K, n_hops)
    w = prob[..., None, :] * phase
    mat = (w @ onehot).reshape(*prob.shape[:-1], phase.shape[0], n, n)
    mat[..., idx, idx] += diag[..., None, :]
    return mat.reshape(*prob.shape[:-1], *k.shape[:-1], n, n)


def _probabilities(channel: Channel, ctx: _Context, times: np.ndarray):
    model = ctx.model
    if model is None or ctx.temperature is None:
        raise ModelError(
            f"Channel {channel.label or channel.frequency} needs model= and temperature= "
            "(thresholds are energies of the model's hops)"
        )
    table = model.hop_table(temperature=ctx.temperature if model.requires_temperature else None)
    hp = model.hop_parameters
    nh = table.n_hops
    if callable(channel.thresholds):
        thr = np.asarray(channel.thresholds(times), dtype=float)
        if thr.shape not in ((*times.shape, nh), times.shape):
            raise ModelError(
                f"Channel.thresholds(t) must return shape {(*times.shape, nh)}, got {thr.shape}"
            )
        if thr.shape == times.shape:
            thr = thr[..., None]
    else:
        thr = np.asarray(channel.thresholds, dtype=float)
        if thr.ndim == 1 and thr.size != nh:
            raise ModelError(
                f"Channel.thresholds has {thr.size} values; the model has {nh} directed hops "
                "(order of model.hop_table())"
            )
    origin = model.lattice.site_energies[table.source]
    p = hop_probability(
        threshold=thr,
        temperature=ctx.temperature,
        origin_energy=origin,
        dos=channel.dos,
        degeneracy=hp.degeneracy,
    )
    p = np.broadcast_to(p, (*times.shape, nh))
    f = _field_at(ctx, times)
    if f is not None:
        p = p * field_factor(table.displacement, f, ctx.coupling)
    out = np.zeros((*p.shape[:-1], table.n_sites))
    np.add.at(out, (..., table.source), p)
    if np.any(out > 1.0 + 1e-12):
        raise ModelError(
            f"channel {channel.label or channel.frequency}: out-probabilities reach "
            f"{float(out.max()):.6g} > 1 (negative diagonal): lower the temperature or field, or "
            "raise the thresholds"
        )
    return table, p


def channel_matrix(
    channel: AnyChannel,
    time=0.0,
    *,
    model: HoppingModel | None = None,
    temperature=None,
    field=None,
    coupling: str = "symmetric",
    k=None,
) -> np.ndarray:
    """The per-exchange hopping matrix of one channel at time(s) ``time`` (Eqs. 1-2).

    Parameters
    ----------
    channel : Channel or MatrixChannel
    time : array_like
        Times in s; leading axes of the result.
    model, temperature : HoppingModel, float
        Needed for a :class:`Channel` (thresholds of the model's hops, temperature in K).
    field : array_like (dim,) or callable, optional
        Reduced field f = Z E / kB T in 1/Å, fixed or a function of time (broadcasting over an
        array of times), applied as the core does: ``P -> P exp(c f.d)``.
    coupling : {"symmetric", "full"}
    k : array_like (..., dim), optional
        Wave vectors in 1/Å: Bloch matrices ``P_k`` in the core's convention instead of the
        k = 0 cell matrix.

    Returns
    -------
    ndarray, shape (*time.shape, [*k.shape[:-1]], n, n)
        Columns sum to 1 at k = 0.
    """
    ctx = _context(model, temperature, field, coupling, k)
    return _matrices(channel, ctx, np.asarray(time, dtype=float))


def _matrices(channel: AnyChannel, ctx: _Context, times: np.ndarray) -> np.ndarray:
    if isinstance(channel, MatrixChannel):
        if ctx.k is not None:
            raise ModelError("a MatrixChannel has no Bloch form: k is only for model channels")
        if channel.is_static:
            m = np.array(channel.matrix)
            return np.broadcast_to(m, (*times.shape, *m.shape)).copy()
        m = np.asarray(channel.matrix(times), dtype=float)
        if m.shape[: times.ndim] != times.shape:
            m = np.broadcast_to(m, (*times.shape, *m.shape[-2:]))
        return _as_stochastic(f"MatrixChannel({channel.label or channel.frequency}).matrix(t)", m)
    if not isinstance(channel, Channel):
        raise ModelError(f"channels must be Channel or MatrixChannel, got {type(channel).__name__}")
    table, p = _probabilities(channel, ctx, times)
    return _assemble(table, p, ctx.k)


def _is_static(channel: AnyChannel, ctx: _Context) -> bool:
    return channel.is_static and (ctx.field is None or not callable(ctx.field))


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
    total = None
    for wc, c in zip(w, chans, strict=True):
        term = wc * _phase_average(c, ctx, tau, time, phase_density, n_phases)
        total = term if total is None else total + term
    return total


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
    total = None
    for wc, c in zip(w, chans, strict=True):
        if _is_static(c, ctx):
            out = _out_probability(c, ctx, np.zeros(()))
        else:
            phi, pw = phase_rule(phase_density, n_phases)
            out = np.tensordot(pw, _out_probability(c, ctx, time + phi * c.period), axes=(0, 0))
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
            total = None
            for wc, c in zip(w, chans, strict=True):
                term = wc * _phase_average(c, kctx, t, time, phase_density, n_phases)
                total = term if total is None else total + term
            stay = np.real(np.diagonal(total, axis1=-2, axis2=-1).mean(axis=0))
        else:
            total = full_hopping_matrix(
                chans,
                t,
                time=time,
                weights=weights,
                phase_density=phase_density,
                n_phases=n_phases,
                model=model,
                temperature=temperature,
                field=field,
                coupling=coupling,
            )
            stay = np.diagonal(total)
        rates.append((1.0 - stay) / t)
    rates = np.array(rates)
    limit = rate_limit(
        chans,
        time=time,
        weights=weights,
        phase_density=phase_density,
        n_phases=n_phases,
        model=model,
        temperature=temperature,
        field=field,
        coupling=coupling,
    )
    contributions = [
        wc
        * float(
            np.sum(
                rate_limit(
                    [c],
                    time=time,
                    phase_density=phase_density,
                    n_phases=n_phases,
                    model=model,
                    temperature=temperature,
                    field=field,
                    coupling=coupling,
                )
            )
        )
        for wc, c in zip(w, chans, strict=True)
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
            "n_sub_steps": (("channel", "tau"), steps, {"long_name": "floor(tau / tau_c)"}),
            "converged_tau": ("site", conv_tau, {"units": "s"}),
            "converged": ("site", converged),
            "channel_frequency": ("channel", [c.frequency for c in chans], {"units": "Hz"}),
            "channel_weight": ("channel", w),
        },
        coords={"tau": ("tau", taus, {"units": "s"}), "site": sites, "channel": labels},
        attrs={
            "rtol": rtol,
            "dominant_frequency": dominant,
            "dominant_frequency_units": "Hz",
            "equations": "paper Eqs. 4-7; rate convergence for tau > 1/omega_c (Sec. II.2)",
        },
    )
