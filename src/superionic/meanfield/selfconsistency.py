"""The mean-field map and its self-consistency residual (Sec. IV, Eqs. 43-47, 52 generalised).

For every directed hop ``h: s -> t`` of a :class:`~superionic.lattice.HoppingModel` with
interactions ``K0`` (repulsion), ``M0`` (concerted hopping) and filling ``n0``, the tables of
:func:`superionic.lattice.neighbours.interaction_tables` (compiled by
:func:`~superionic.meanfield.compiled.compile_model`) give the blocking neighbours ``blk(h)`` and
the concerted partners ``part(h)``. With mean site occupations ``n`` (``sum n = n0`` per cell)
the mean-field probability is

    ``P_h = b_h exp(-(K0 sum_{u in blk(h)} n_u - M0 n_t sum_{h' in part(h)} P_h') / kB T)``

(``b_h``: the model's base probability; ``n_t P_h'`` is the mean number of ions that have just left
the target t along a partner hop, Eq. 52), and ``P_h = 0`` when ``n_t >= 1`` (the K-infinity
exclusion of Eq. 43, applied as the step function of Eqs. 45-47). Self-consistency: the
occupations are ``n = n0 pi(P)``, pi the stationary state of the k = 0 matrix built from those
``P_h`` (Eqs. 28, 44), and the ``P_h'`` in the exponent are the self-consistent ones.

With the exclusion term, a self-consistent solution must have every ``n_t < 1``: if a site were
full, no hop could enter it and its stationary occupation would vanish. The solver therefore
works with the smooth equations and flags solutions with ``max n >= 1`` (``valid_occupancy =
False``; on the chain this is ``|gamma| >= 2/n0 - 1``, Eq. 47).

:func:`mean_field_map` applies the map once (with the exclusion step); the private
``_evaluate`` gives the residual ``u - ln Phi(n0 pi(e^u), e^u)`` on hop classes and its analytic
Jacobian for the Newton solver of :mod:`superionic.meanfield.engine`, with the stationary state
from a scaled generator that stays well conditioned at tiny P.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import finite_float
from ..units import KB_EV
from .compiled import MeanFieldData, compile_model

__all__ = ["mean_field_map"]


def _cell_matrix(data: MeanFieldData, P: np.ndarray) -> np.ndarray:
    n = data.n_sites
    return np.eye(n) + (P @ data.scatter).reshape(*P.shape[:-1], n, n)


def _stationary_scaled(data: MeanFieldData, P: np.ndarray):
    """Stationary state of the k = 0 matrix, computed from the scaled generator.

    With ``G = (M - I) / s`` (``s`` the largest hop probability of each batch member), pi solves
    ``(-G + J / n) pi = 1 / n``, which stays well conditioned when every P is tiny (where the
    unscaled ``I - M + J / n`` loses ``ln(1/P)`` digits). Returns ``pi`` and ``G, s``.
    """
    n = data.n_sites
    s = np.max(P, axis=-1, keepdims=True)
    s = np.where(s > 0, s, 1.0)
    gen = ((P / s) @ data.scatter).reshape(*P.shape[:-1], n, n)
    if n == 1:
        return np.ones((*P.shape[:-1], 1)), gen, s[..., 0]
    pi = _gth(np.swapaxes(gen, -1, -2))
    if not np.all(np.isfinite(pi)):
        # a reducible rate graph (some rate underflowed): the regularised linear solve
        a = -gen + 1.0 / n
        rhs = np.full((*P.shape[:-1], n, 1), 1.0 / n)
        lin = _solve(a, rhs)[..., 0]
        lin = lin / lin.sum(axis=-1, keepdims=True)
        pi = np.where(np.all(np.isfinite(pi), axis=-1, keepdims=True), pi, lin)
    return pi, gen, s[..., 0]


def _gth(rates: np.ndarray) -> np.ndarray:
    """Stationary state of a continuous-time chain by Grassmann-Taksar-Heyman state reduction.

    ``rates[..., i, j]`` is the rate i -> j (diagonal ignored). Only sums and products of
    non-negative numbers occur, so every component of pi, however small, carries full relative
    precision (the linear solve loses ``cond ~ max rate / min rate`` digits, e.g. on an ordered
    cell at low temperature where the empty sites hold ~1e-8 ions). Batched over leading axes;
    a reducible graph gives non-finite entries.
    """
    q = np.array(rates, dtype=float)
    n = q.shape[-1]
    if n == 2:  # pi ~ (r10, r01)
        pi = np.stack([q[..., 1, 0], q[..., 0, 1]], axis=-1)
        with np.errstate(invalid="ignore"):
            return pi / pi.sum(axis=-1, keepdims=True)
    idx = np.arange(n)
    q[..., idx, idx] = 0.0
    for k in range(n - 1, 0, -1):
        tot = q[..., k, :k].sum(axis=-1)  # (...)
        with np.errstate(divide="ignore", invalid="ignore"):
            col = q[..., :k, k] / tot[..., None]  # (..., k)
        q[..., :k, k] = col
        q[..., :k, :k] += col[..., :, None] * q[..., k, None, :k]
    pi = np.zeros(q.shape[:-1])
    pi[..., 0] = 1.0
    for k in range(1, n):
        pi[..., k] = np.einsum("...i,...i->...", pi[..., :k], q[..., :k, k])
    with np.errstate(invalid="ignore"):
        return pi / pi.sum(axis=-1, keepdims=True)


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched solve; singular members fall back to least squares (never raises)."""
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        out = np.empty(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + b.shape[-2:])
        a_b = np.broadcast_to(a, out.shape[:-2] + a.shape[-2:])
        b_b = np.broadcast_to(b, out.shape)
        for idx in np.ndindex(out.shape[:-2]):
            out[idx] = np.linalg.lstsq(a_b[idx], b_b[idx], rcond=None)[0]
        return out


@dataclass(frozen=True)
class _Eval:
    P: np.ndarray  # (S, H)
    pi: np.ndarray  # (S, N)
    n: np.ndarray  # (S, N)
    log_phi: np.ndarray  # (S, H)
    residual: np.ndarray  # (S, C)
    jacobian: np.ndarray | None  # (S, C, C)


def _evaluate(
    data: MeanFieldData, u: np.ndarray, log_b: np.ndarray, kt: float, jacobian: bool = True
) -> _Eval:
    """Residual ``u - ln Phi(n0 pi(e^u), e^u)`` on classes, and its Jacobian (analytic)."""
    P = np.exp(u[:, data.classes])
    pi, gen, scale = _stationary_scaled(data, P)
    n = data.n0 * pi
    psum = P @ data.partners.T  # (S, H): sum of partner probabilities
    n_t = n[:, data.target]
    field_ = data.K0 * (n @ data.blocking.T) - data.M0 * n_t * psum
    log_phi = log_b - field_ / kt
    rep = data.representative
    residual = u - log_phi[:, rep]
    jac = None
    if jacobian:
        nn = data.n_sites
        # Group inverse on sum-zero vectors: Z v = Zs v / s with Zs = (-G + pi 1^T)^-1.
        zs = _solve(-gen + pi[:, :, None], np.broadcast_to(np.eye(nn), gen.shape))
        flux = pi[:, data.source] * P / scale[:, None]  # (S, H), scaled
        del nn
        dn_h = data.n0 * (zs[:, :, data.target] - zs[:, :, data.source]) * flux[:, None, :]
        dn = dn_h @ data.membership  # (S, N, C): dn / du_class
        dfield = data.K0 * np.einsum("hu,suc->shc", data.blocking, dn)
        if data.M0:
            dfield = dfield - data.M0 * (
                dn[:, data.target, :] * psum[:, :, None]
                + n_t[:, :, None]
                * np.einsum("hk,skc->shc", data.partners, P[:, :, None] * data.membership)
            )
        jac = np.eye(data.n_classes) + dfield[:, rep, :] / kt
    return _Eval(P=P, pi=pi, n=n, log_phi=log_phi, residual=residual, jacobian=jac)


def mean_field_map(model_or_data, occupations, probabilities, *, temperature: float):
    """One application of the mean-field map: ``P' = Phi(n, P)`` with the exclusion step.

    Parameters
    ----------
    model_or_data : HoppingModel or MeanFieldData
    occupations : array_like, shape (n_sites,)
        Mean occupations n (ions per site, sum n0).
    probabilities : array_like, shape (n_hops,)
        Hop probabilities P (for the concerted term).
    temperature : float
        K.

    Returns
    -------
    ndarray, shape (n_hops,)
        The new probabilities; 0 for hops into a site whose occupation is >= 1 (if exclusion).
    """
    data = (
        model_or_data if isinstance(model_or_data, MeanFieldData) else compile_model(model_or_data)
    )
    t = finite_float("temperature (K)", temperature, minimum=0.0, strict_min=True)
    n = np.asarray(occupations, float)
    P = np.asarray(probabilities, float)
    kt = KB_EV * t
    field_ = data.K0 * (data.blocking @ n) - data.M0 * n[data.target] * (data.partners @ P)
    with np.errstate(divide="ignore"):
        out = np.exp(np.log(data.base_probability(t)) - field_ / kt)
    if data.exclusion:
        out = np.where(n[data.target] >= 1.0, 0.0, out)
    return out
