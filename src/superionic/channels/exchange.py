"""Phonon channels and the hopping matrix of one energy exchange (paper Eqs. 1-2, 4).

Each phonon channel ``(s, q)`` exchanges energy with the mobile ions once per period
``tau_c = 1 / omega_c`` (the paper's ``tau^{s,q} = 1 / omega^{s,q}``: here ``frequency`` is in Hz
and its inverse is the period); over a step ``tau`` it acts ``N = floor(tau / tau_c)`` times
(:func:`sub_steps`, Eq. 4). Two kinds of channel are supported, both frozen values:

* :class:`MatrixChannel`: an explicit column-stochastic matrix on a finite set of sites, fixed or
  a function of time;
* :class:`Channel`: per-hop thresholds ``E_ji`` (fixed or a function of time) and a density of
  states; with a :class:`~superionic.lattice.HoppingModel` they give per-hop probabilities by
  Eq. 2 (:func:`superionic.channels.hop_probability`, origin energies = site energies,
  degeneracies = the model's), coupled to a field exactly as the core does
  (``P -> P exp(c f.d)``), assembled into the periodic model's matrix at ``k = 0`` or into Bloch
  matrices ``P_k`` (the core's convention). Products of translation-invariant matrices are
  products of their ``P_k`` at the same ``k``.

:func:`channel_matrix` evaluates the per-exchange matrix ``P_c(t)`` of Eq. 1 at any times;
:func:`model_thresholds` gives the saddle energies with which a :class:`Channel` reproduces a
model's own probabilities (Eq. 3). Products over a step and averages over phases and channels
(Eqs. 4-7) are in :mod:`superionic.channels.products`; :mod:`superionic.channels.average`
re-exports everything.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._validate import finite_array, finite_float, positive_temperature
from ..errors import ModelError
from ..lattice import HoppingModel, field_factor
from .probability import as_dos, hop_probability

__all__ = [
    "AnyChannel",
    "Channel",
    "MatrixChannel",
    "channel_matrix",
    "model_thresholds",
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
