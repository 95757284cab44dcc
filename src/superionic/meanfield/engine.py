"""Roots of the general self-consistent mean field on any hopping model (Sec. IV, Eqs. 43-55).

The mean field of Eqs. 43-55, generalised from the chain to any
:class:`~superionic.lattice.HoppingModel`, is split over four modules:

* :mod:`superionic.meanfield.compiled`: the model compiled into incidence arrays and hop
  classes (:class:`MeanFieldData`, :func:`compile_model`);
* :mod:`superionic.meanfield.selfconsistency`: the mean-field hop probabilities with the
  exclusion step (:func:`mean_field_map`) and the self-consistency residual;
* this module: finding every root of that residual (:func:`find_roots`);
* :mod:`superionic.meanfield.analysis`: stability, polarization and P0 of a root
  (:class:`Stability`, :func:`stability`, :func:`dynamic_jacobian`, :func:`polarization_of`,
  :func:`mean_hop_probability`).

The names of the other three are re-exported here, so ``superionic.meanfield.engine`` remains
the one import for the general mean field.

Solving
-------
Unknowns are ``u = ln P`` on the classes of an *equitable partition* of the hops (hops with the same
source, target, base probability, blocking sites and partner classes): the subspace where ``P`` is
constant on classes is invariant under the map, so its fixed points are fixed points of the full
problem. These are the solutions that respect the lattice's hop symmetry, the ones of Eqs. 49-55
(two classes on the chain and on the honeycomb). ``symmetric=False`` solves in the full hop space;
it also finds symmetry-broken solutions (for instance, on the chain, right-going hops on the lower
P0 branch and left-going ones on the upper), which carry a current at zero field and are unstable.

Newton's method with backtracking runs on a batch of deterministic starting points: occupation
patterns (uniform; staggered with several polarizations on bipartite lattices; seeded random ones
otherwise) times hop-probability scales chosen so that the concerted gain
``M0 n_t sum P_h' / kB T`` spans both P0 branches, plus any continuation seeds. A second pass with
deflation (Farrell, Birkisson and Funke 2015) restarts from the same points with the roots found
so far divided out, which finds roots lying close to others (near Tp and near a fold). Two
converged points are the same root when they lie within ten times either's resolution (the
Newton step, or the residual's rounding over the smallest singular value of the Jacobian, large
exactly at a bifurcation) or when the residual stays at the rounding floor between them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ModelError
from ..units import KB_EV
from .analysis import (
    GAMMA_TOL,
    Stability,
    dynamic_jacobian,
    mean_hop_probability,
    polarization_of,
    stability,
)
from .compiled import MeanFieldData, compile_model
from .selfconsistency import _Eval, _evaluate, _solve, mean_field_map
from .selfconsistency import _stationary_scaled as _stationary_scaled

__all__ = [
    "DEDUP",
    "FLOOR",
    "GAINS",
    "GAMMA_TOL",
    "LIGHT_GAINS",
    "LIGHT_POLARIZATIONS",
    "NEAR",
    "POLARIZATIONS",
    "TOL",
    "U_MAX",
    "MeanFieldData",
    "Stability",
    "compile_model",
    "dynamic_jacobian",
    "find_roots",
    "mean_field_map",
    "mean_hop_probability",
    "polarization_of",
    "stability",
]

#: Newton convergence: max |residual| in ln P, times (1 + max |ln P|).
TOL = 1e-13
#: Rounding floor accepted when the Newton step is as small (see ``_converged``).
FLOOR = 1e-10
#: Roots closer than this in ln P (max norm) are the same root (see ``_same_root_test`` for
#: the test applied up to ``NEAR``).
DEDUP = 1e-7
#: ln P above this counts as divergence (no solution in this basin).
U_MAX = math.log(1e8)


# --------------------------------------------------------------------------- Newton
@dataclass(frozen=True)
class _NewtonResult:
    u: np.ndarray  # (S, C)
    residual: np.ndarray  # (S,) max |R|
    converged: np.ndarray  # (S,) bool
    iterations: np.ndarray  # (S,)
    error: np.ndarray  # (S,) Newton error estimate |J^-1 R| (max norm)


def _converged(res: np.ndarray, last_step: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Residual below ``TOL (1 + max |u|)``, or at the rounding floor: residual and Newton step
    both below ``FLOOR`` (large cells, where the stationary state carries ~1e-12 rounding).
    Near a fold or pitchfork the step is much larger than the residual, so the second test
    cannot accept a point that is not a root."""
    tol = TOL * (1.0 + np.max(np.abs(u), axis=1))
    return (res < tol) | ((res < FLOOR) & (last_step < FLOOR))


def _deflation(u: np.ndarray, roots: np.ndarray):
    """Farrell deflation factor m(u) = prod (1/|u-r|^2 + 1) and its gradient (S,), (S, C)."""
    if roots.size == 0:
        return np.ones(u.shape[0]), np.zeros_like(u)
    diff = u[:, None, :] - roots[None, :, :]  # (S, R, C)
    d2 = np.maximum(np.einsum("src,src->sr", diff, diff), 1e-300)
    factor = 1.0 / d2 + 1.0
    m = np.prod(factor, axis=1)
    # d ln m / du = sum_r (-2 diff / d2^2) / factor
    dlog = np.einsum("sr,src->sc", -2.0 / (d2 * d2) / factor, diff)
    return m, m[:, None] * dlog


def _newton(
    data: MeanFieldData,
    u0: np.ndarray,
    log_b: np.ndarray,
    kt: float,
    *,
    roots: np.ndarray | None = None,
    maxiter: int = 100,
    max_step: float = 2.0,
    stall: int = 15,
    line_search: int = 12,
) -> _NewtonResult:
    """Batched damped Newton on the class residual (optionally deflated)."""
    u = np.array(u0, dtype=float)
    s_count = u.shape[0]
    iters = np.zeros(s_count, dtype=int)
    last_step = np.full(s_count, np.inf)  # size of the last full Newton step
    done = np.zeros(s_count, dtype=bool)
    failed = np.zeros(s_count, dtype=bool)
    roots = np.zeros((0, u.shape[1])) if roots is None else roots

    def merit(ev, uu):
        r = ev.residual
        if roots.size:
            m, _ = _deflation(uu, roots)
            r = r * m[:, None]
        return np.max(np.abs(r), axis=1)

    ev = _evaluate(data, u, log_b, kt)
    res = np.max(np.abs(ev.residual), axis=1)
    best = res.copy()
    since_best = np.zeros(s_count, dtype=int)

    def tol_of(uu):
        return TOL * (1.0 + np.max(np.abs(uu), axis=1))

    for _ in range(maxiter):
        done |= _converged(res, last_step, u)
        # stalled: no halving of the residual within `stall` iterations (no root in this basin)
        improved = res < 0.5 * best
        best = np.where(improved, res, best)
        since_best = np.where(improved, 0, since_best + 1)
        failed |= (since_best > stall) & ~done
        active = ~done & ~failed
        if not np.any(active):
            break
        idx = np.flatnonzero(active)
        ua = u[idx]
        eva = _Eval(
            ev.P[idx], ev.pi[idx], ev.n[idx], ev.log_phi[idx], ev.residual[idx], ev.jacobian[idx]
        )
        r, j = eva.residual, eva.jacobian
        if roots.size:
            m, dm = _deflation(ua, roots)
            j = m[:, None, None] * j + r[:, :, None] * dm[:, None, :]
            r = m[:, None] * r
        step = -_solve(j, r[:, :, None])[:, :, 0]
        step = np.where(np.isfinite(step), step, 0.0)
        if not roots.size:
            last_step[idx] = np.max(np.abs(step), axis=1)
        big = np.max(np.abs(step), axis=1, keepdims=True)
        step = step * np.minimum(1.0, max_step / np.maximum(big, 1e-300))
        f0 = merit(eva, ua)
        lam = np.ones(idx.size)
        accepted = np.zeros(idx.size, dtype=bool)
        new_u = ua.copy()
        for _ls in range(line_search):
            trial = ua + lam[:, None] * step
            ev_t = _evaluate(data, trial, log_b, kt, jacobian=False)
            ok = np.all(np.isfinite(ev_t.residual), axis=1) & (
                merit(ev_t, trial) <= (1.0 - 1e-4 * lam) * f0
            )
            take = ok & ~accepted
            new_u[take] = trial[take]
            accepted |= ok
            if np.all(accepted):
                break
            lam = np.where(accepted, lam, 0.5 * lam)
        # No decrease: take a small step anyway (escapes flat regions), Newton will judge.
        stuck = ~accepted
        new_u[stuck] = ua[stuck] + lam[stuck, None] * step[stuck]
        u[idx] = new_u
        iters[idx] += 1
        failed |= ~np.all(np.isfinite(u), axis=1) | (np.max(u, axis=1) > U_MAX)
        u[failed] = np.where(np.isfinite(u[failed]), u[failed], 0.0)
        ev = _evaluate(data, u, log_b, kt)
        res = np.max(np.abs(ev.residual), axis=1)
        res[failed] = np.inf
    res = np.where(np.isfinite(res), res, np.inf)
    conv = _converged(res, last_step, u) & ~failed
    err = np.full(s_count, np.inf)
    if np.any(conv):
        jac = ev.jacobian[conv]
        step = _solve(jac, ev.residual[conv][:, :, None])[:, :, 0]
        # rounding of the residual, amplified by the smallest singular value of J: the
        # resolution of a root (large exactly at a pitchfork or a fold)
        noise = 1e-15 * (1.0 + np.max(np.abs(u[conv]), axis=1))
        sigma_min = np.linalg.svd(jac, compute_uv=False)[:, -1]
        err[conv] = np.maximum(np.max(np.abs(step), axis=1), noise / np.maximum(sigma_min, 1e-300))
    return _NewtonResult(u=u, residual=res, converged=conv, iterations=iters, error=err)


# --------------------------------------------------------------------------- seeds
POLARIZATIONS = (0.02, 0.2, 0.5, 0.8, 0.95, 0.995)
LIGHT_POLARIZATIONS = (0.2, 0.8)
GAINS = (0.0, 0.3, 0.7, 0.9, 0.97, 1.03, 1.1, 1.5, 2.5, 5.0, 12.0, 40.0)
LIGHT_GAINS = (0.0, 0.9, 1.1, 5.0)


def _occupation_patterns(
    data: MeanFieldData, n_random: int, seed: int, polarizations=POLARIZATIONS
) -> np.ndarray:
    n = data.n_sites
    patterns = [np.full(n, 1.0 / n)]
    if data.sublattice is not None:
        plus = data.sublattice > 0
        for g in polarizations:
            for sgn in (1.0, -1.0):
                w = np.where(plus, 1.0 + sgn * g, 1.0 - sgn * g)
                w = w / np.where(plus, plus.sum(), (~plus).sum())
                patterns.append(w / w.sum())
    else:
        for s in range(min(n, 12)):
            w = np.full(n, 0.5 / n)
            w[s] += 0.5
            patterns.append(w / w.sum())
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    for _ in range(n_random):
        patterns.append(rng.dirichlet(np.ones(n)))
    return np.array(patterns)


def _seeds(
    data: MeanFieldData,
    log_b: np.ndarray,
    kt: float,
    *,
    n_random: int,
    seed: int,
    light: bool = False,
) -> np.ndarray:
    """Deterministic starting points in class space (see module doc).

    ``light``: a reduced set (for refinement steps that also get continuation seeds).
    """
    out = []
    pols = LIGHT_POLARIZATIONS if light else POLARIZATIONS
    for frac in _occupation_patterns(data, n_random, seed, pols):
        n = data.n0 * frac
        log_a = log_b - data.K0 * (data.blocking @ n) / kt  # K0-only probabilities
        gains = (LIGHT_GAINS if light else GAINS) if data.M0 > 0 else (0.0,)
        a = np.exp(log_a)
        gain_unit = data.M0 * n[data.target] * (data.partners @ a) / kt  # gain per unit scale
        ref = float(np.median(gain_unit[gain_unit > 0])) if np.any(gain_unit > 0) else 0.0
        for g in gains:
            # probabilities scaled so that the concerted gain M0 n_t sum P_h' / kB T is g
            log_p = log_a
            if g > 0.0 and ref > 0.0:
                log_p = np.minimum(log_a + max(math.log(g / ref), 0.0), U_MAX - 1.0)
            out.append(np.array([log_p[data.classes == c].mean() for c in range(data.n_classes)]))
    return np.array(out)


def find_roots(
    data: MeanFieldData,
    temperature: float,
    *,
    seeds=None,
    n_random: int | None = None,
    seed: int = 0,
    deflate: bool = True,
    light: bool = False,
):
    """All distinct roots in class space found from the deterministic seeds (and ``seeds``).

    Returns
    -------
    roots : ndarray, shape (R, n_classes)
        ``ln P`` per class, sorted by the staggered occupation and then by P0.
    residuals : ndarray, shape (R,)
    stats : dict
        ``n_seeds``, ``n_failed`` (seeds that did not converge) and ``error`` (per root, the
        Newton error estimate ``|J^-1 R|`` in ln P: large at a bifurcation point).
    """
    kt = KB_EV * temperature
    with np.errstate(divide="ignore"):
        log_b = np.log(data.base_probability(temperature))
    if not np.all(np.isfinite(log_b)):
        raise ModelError(
            f"a base hop probability vanishes at T = {temperature:g} K (underflow): raise the "
            "temperature or lower the barriers"
        )
    if data.sublattice is not None and data.n_sites == 2 and n_random is None:
        n_random = 0  # two sites: the staggered patterns already span every occupation
    if n_random is None:
        n_random = 1 if light else 4
    starts = _seeds(data, log_b, kt, n_random=n_random, seed=seed, light=light)
    if seeds is not None and len(seeds):
        starts = np.vstack([np.asarray(seeds, float).reshape(-1, data.n_classes), starts])
    res = _newton(data, starts, log_b, kt)
    ok = res.converged
    same = _same_root_test(data, log_b, kt)
    roots, resid, err = _dedup(res.u[ok], res.residual[ok], res.error[ok], same)
    failed = int(np.sum(~ok))
    if deflate and roots.size:
        # Restart next to every root with the known roots divided out: catches roots that lie
        # close to others (near a pitchfork or a fold).
        c = data.n_classes
        kicks = np.vstack([np.eye(c), -np.eye(c)]) * 0.3
        local = (roots[:, None, :] + kicks[None]).reshape(-1, c)
        res_d = _newton(data, local, log_b, kt, roots=roots, maxiter=40, stall=6, line_search=6)
        ok = res_d.converged
        if np.any(ok):
            roots, resid, err = _dedup(
                np.vstack([roots, res_d.u[ok]]),
                np.concatenate([resid, res_d.residual[ok]]),
                np.concatenate([err, res_d.error[ok]]),
                same,
            )
    return roots, resid, {"n_seeds": int(starts.shape[0]), "n_failed": failed, "error": err}


#: Roots farther apart than this (max norm in ln P) are always distinct.
NEAR = 1e-2


def _same_root_test(data: MeanFieldData, log_b: np.ndarray, kt: float):
    """Return ``same(u1, u2, r1, r2)``: True when two converged points are numerically one root.

    Two distinct roots are separated by a rise of the residual between them; at a degenerate
    root (exactly at a pitchfork or a fold) a whole neighbourhood sits at the rounding floor.
    The points are the same root when they are closer than ten times either's resolution
    ``e`` (the Newton step, or the rounding of the residual over the smallest singular value of
    the Jacobian), or when the residual at 1/4, 1/2 and 3/4 of the segment stays below
    ``10 max(r1, r2, 1e-15 (1 + max |u|))``.
    """

    def same(u1, u2, r1, r2, e1=0.0, e2=0.0):
        d = np.max(np.abs(u1 - u2))
        if d <= max(DEDUP, 10.0 * e1, 10.0 * e2):
            return True
        if d > NEAR:
            return False
        ts = np.array([0.25, 0.5, 0.75])[:, None]
        mid = u1[None] + ts * (u2 - u1)[None]
        res = np.max(np.abs(_evaluate(data, mid, log_b, kt, jacobian=False).residual))
        noise = 1e-15 * (1.0 + float(np.max(np.abs(u1))))
        return bool(res <= 10.0 * max(r1, r2, noise))

    return same


def _dedup(u: np.ndarray, r: np.ndarray, e: np.ndarray, same):
    """Merge numerically identical roots; keep the one with the smallest residual."""
    keep: list[int] = []
    for i in np.lexsort((e, r)):
        if not any(same(u[i], u[k], r[i], r[k], e[i], e[k]) for k in keep):
            keep.append(int(i))
    keep_a = np.array(keep, dtype=int)
    width = u.shape[1] if u.ndim == 2 else 0
    if keep_a.size == 0:
        return np.zeros((0, width)), np.zeros(0), np.zeros(0)
    return u[keep_a], r[keep_a], e[keep_a]
