"""Analysis of a mean-field solution: linear stability, order parameter and P0 (Eqs. 44, 48-55).

Stability
---------
One step of the mean-field dynamics, ``P(t) = Phi(n(t), P(t - tau))`` and
``n(t + tau) = P(t) n(t)`` (the concerted term uses the hops of the previous step, "just vacated"),
is linearised at each solution in the full occupation-and-hop space (symmetry-breaking
perturbations included) and restricted to perturbations that conserve the number of ions. A
solution is stable when the spectral radius is below 1. On the chain this reproduces the
slope criteria of Eq. 50 (``x (1 - gamma^2) < 1``) and of Eq. 55 (``c P0 < 1``, the lower branch).
:func:`stability` evaluates it without ``1 - small`` cancellation (:class:`Stability`);
:func:`dynamic_jacobian` is the full step Jacobian.

Order parameter and P0
----------------------
:func:`polarization_of` is the staggered polarization gamma on bipartite lattices (Eq. 44;
:data:`GAMMA_TOL` is the threshold below which a solution counts as unpolarized) and
:func:`mean_hop_probability` the site-averaged out-probability ``P0`` (Eqs. 23, 48, 56).
These names are re-exported by :mod:`superionic.meanfield.engine`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..units import KB_EV
from .compiled import MeanFieldData
from .selfconsistency import _solve

__all__ = [
    "GAMMA_TOL",
    "Stability",
    "dynamic_jacobian",
    "mean_hop_probability",
    "polarization_of",
    "stability",
]

#: Polarization below which a solution counts as unpolarized.
GAMMA_TOL = 1e-6


def _linearisation(
    data: MeanFieldData, occupations: np.ndarray, probabilities: np.ndarray, temperature: float
):
    """Blocks of the linearised mean field at a fixed point.

    Returns ``gen`` (``M - I``, N x N), ``g`` (``dM/dP . n``, N x H), ``d_n`` (``dPhi/dn``,
    H x N) and ``d_p`` (``dPhi/dP``, H x H), all exact (no ``I + small`` cancellation).
    """
    kt = KB_EV * temperature
    n = np.asarray(occupations, float)
    P = np.asarray(probabilities, float)
    N, H = data.n_sites, data.n_hops
    psum = data.partners @ P
    d_n = (P / kt)[:, None] * (-data.K0 * data.blocking)
    d_n[np.arange(H), data.target] += P / kt * data.M0 * psum
    d_p = (P * data.M0 * n[data.target] / kt)[:, None] * data.partners
    gen = (P @ data.scatter).reshape(N, N)
    g = np.zeros((N, H))
    g[data.target, np.arange(H)] += n[data.source]
    g[data.source, np.arange(H)] -= n[data.source]
    return gen, g, d_n, d_p


def dynamic_jacobian(data: MeanFieldData, occupations, probabilities, temperature) -> np.ndarray:
    """Jacobian of one mean-field step in the full (n, P) space at a fixed point.

    State ``(n(t), P(t - tau))`` -> ``(n(t + tau), P(t))`` with ``P(t) = Phi(n(t), P(t - tau))``
    and ``n(t + tau) = M(P(t)) n(t)``. Shape ``(n_sites + n_hops,)*2``.
    """
    gen, g, d_n, d_p = _linearisation(data, occupations, probabilities, temperature)
    top = np.hstack([np.eye(data.n_sites) + gen + g @ d_n, g @ d_p])
    return np.vstack([top, np.hstack([d_n, d_p])])


def _sum_zero_basis(n: int) -> np.ndarray:
    q, _ = np.linalg.qr(np.column_stack([np.ones(n), np.eye(n)]))
    return q[:, 1:n]


@dataclass(frozen=True)
class Stability:
    """Linear stability of a solution (see module doc).

    Attributes
    ----------
    feedback_gain : float
        Spectral radius of ``dPhi/dP`` (the concerted feedback at fixed occupations): below 1
        on the lower P0 branch (``c P0`` on the chain and the honeycomb).
    occupation_rate : float
        Largest real part of the eigenvalues of the occupation generator with the hop
        probabilities following the occupations (``P = Phi(n, P)`` eliminated), per step and
        divided by P0; ion-conserving perturbations only. Negative when the occupations relax
        back (``2 (x (1 - gamma^2) - 1)`` on the chain).
    stable : bool
        ``feedback_gain < 1`` and ``occupation_rate < 0`` (tolerance 1e-9, relative to the
        slowest site's out-probability over P0 for the rate).
    """

    feedback_gain: float
    occupation_rate: float
    stable: bool


def stability(
    data: MeanFieldData, occupations, probabilities, temperature, *, tol: float = 1e-9
) -> Stability:
    """Stability of a fixed point, computed without ``1 - small`` cancellation at tiny P.

    The step Jacobian is ``[[I + gen + g d_n, g d_p], [d_n, d_p]]``. Its eigenvalues near 1 are
    ``1 + mu`` with mu (to first order in the hop probabilities) the eigenvalues of the Schur
    complement ``gen + g d_n + g d_p (I - d_p)^-1 d_n``: the occupation generator with the mean
    fields slaved to the occupations; the others are those of ``d_p``.
    """
    gen, g, d_n, d_p = _linearisation(data, occupations, probabilities, temperature)
    H = data.n_hops
    gain = float(np.max(np.abs(np.linalg.eigvals(d_p)))) if data.M0 else 0.0
    slaved = d_n + d_p @ _solve(np.eye(H) - d_p, d_n) if data.M0 else d_n
    a = gen + g @ slaved
    P = np.asarray(probabilities, float)
    out = np.zeros(data.n_sites)
    np.add.at(out, data.source, P)
    p0 = max(float(out.mean()), 1e-300)
    q = _sum_zero_basis(data.n_sites)
    mu = np.linalg.eigvals(q.T @ (a / p0) @ q)
    rate = float(np.max(mu.real)) if mu.size else -np.inf
    # The rate's natural scale is the slowest site's out-probability over P0: on an ordered
    # cell at low temperature ions exchange between full sites only through hops that are
    # exp(-z_b K0 / kB T) slower than P0, so the rate is tiny but well resolved (graded
    # matrix); the tolerance is relative to that scale.
    slowest = min(1.0, float(out.min()) / p0)
    return Stability(
        feedback_gain=gain,
        occupation_rate=rate,
        stable=bool(gain < 1.0 - tol and rate < -tol * slowest),
    )


def polarization_of(data: MeanFieldData, occupations: np.ndarray) -> float:
    """Order parameter gamma of an occupation vector.

    On a bipartite hop graph: the staggered polarization ``(N_+ - N_-) / n0`` (sublattice of site
    0 counted positive; Eq. 44's ``(n_a - n_b) / n0`` on the chain). Otherwise the contrast
    ``(max n - min n) / (max n + min n)`` (>= 0).
    """
    n = np.asarray(occupations, float)
    if data.sublattice is not None:
        return float(data.sublattice @ n / data.n0)
    return float((n.max() - n.min()) / (n.max() + n.min()))


def mean_hop_probability(data: MeanFieldData, probabilities: np.ndarray) -> float:
    """P0: the site-averaged total out-probability (``P_ab + P_ba`` per direction on the chain,
    Eq. 23; ``P0`` of Eq. 56 on the honeycomb)."""
    out = np.zeros(data.n_sites)
    np.add.at(out, data.source, probabilities)
    return float(out.mean())
