"""General self-consistent mean field on any hopping model (Sec. IV, Eqs. 43-55 generalised).

Mean-field hop probabilities
----------------------------
For every directed hop ``h: s -> t`` of a :class:`~superionic.model.HoppingModel` with
interactions ``K0`` (repulsion), ``M0`` (concerted hopping) and filling ``n0``, the tables of
:func:`superionic.neighbours.interaction_tables` (the same ones the many-body simulation uses)
give the blocking neighbours ``blk(h)`` and the concerted partners ``part(h)``. With mean site
occupations ``n`` (``sum n = n0`` per cell) the mean-field probability is

    ``P_h = b_h exp(-(K0 sum_{u in blk(h)} n_u - M0 n_t sum_{h' in part(h)} P_h') / kB T)``

(``b_h``: the model's base probability; ``n_t P_h'`` is the mean number of ions that have just left
the target t along a partner hop, Eq. 52), and ``P_h = 0`` when ``n_t >= 1`` (the K-infinity
exclusion of Eq. 43, applied as the step function of Eqs. 45-47). Self-consistency: the
occupations are ``n = n0 pi(P)``, pi the stationary state of the k = 0 matrix built from those
``P_h`` (Eqs. 28, 44), and the ``P_h'`` in the exponent are the self-consistent ones.

With the exclusion term, a self-consistent solution must have every ``n_t < 1``: if a site were
full, no hop could enter it and its stationary occupation would vanish. The engine therefore solves
the smooth equations and flags solutions with ``max n >= 1`` (``valid_occupancy = False``; on the
chain this is ``|gamma| >= 2/n0 - 1``, Eq. 47).

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

Stability
---------
One step of the mean-field dynamics, ``P(t) = Phi(n(t), P(t - tau))`` and
``n(t + tau) = P(t) n(t)`` (the concerted term uses the hops of the previous step, "just vacated"),
is linearised at each solution in the full occupation-and-hop space (symmetry-breaking
perturbations included) and restricted to perturbations that conserve the number of ions. A
solution is stable when the spectral radius is below 1. On the chain this reproduces the
slope criteria of Eq. 50 (``x (1 - gamma^2) < 1``) and of Eq. 55 (``c P0 < 1``, the lower branch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._validate import finite_float
from ..errors import ModelError
from ..model import HoppingModel
from ..neighbours import interaction_tables
from ..units import KB_EV

#: Newton convergence: max |residual| in ln P, times (1 + max |ln P|).
TOL = 1e-13
#: Rounding floor accepted when the Newton step is as small (see ``_converged``).
FLOOR = 1e-10
#: Roots closer than this in ln P (max norm) are the same root (see ``_same_root_test`` for
#: the test applied up to ``NEAR``).
DEDUP = 1e-7
#: ln P above this counts as divergence (no solution in this basin).
U_MAX = math.log(1e8)
#: Polarization below which a solution counts as unpolarized.
GAMMA_TOL = 1e-6


# --------------------------------------------------------------------------- compiled model
@dataclass(frozen=True, eq=False)
class MeanFieldData:
    """A model compiled for the mean field: incidence arrays and the hop partition."""

    model: HoppingModel
    n_sites: int
    n_hops: int
    source: np.ndarray
    target: np.ndarray
    displacement: np.ndarray
    blocking: np.ndarray  # (n_hops, n_sites) counts
    partners: np.ndarray  # (n_hops, n_hops) counts
    classes: np.ndarray  # (n_hops,) class index
    representative: np.ndarray  # (n_classes,) one hop per class
    membership: np.ndarray  # (n_hops, n_classes) one-hot
    sublattice: np.ndarray | None  # (n_sites,) +1 / -1 on a bipartite hop graph, else None
    K0: float
    M0: float
    n0: float
    exclusion: bool
    scatter: np.ndarray = field(repr=False)  # (n_hops, n_sites^2): P_h -> k = 0 matrix

    @property
    def n_classes(self) -> int:
        return int(self.representative.size)

    def base_probability(self, temperature: float) -> np.ndarray:
        return np.asarray(
            self.model.base_probability(temperature if self.model.requires_temperature else None),
            dtype=float,
        )


def _base_keys(model: HoppingModel) -> np.ndarray:
    """Keys that identify equal base probabilities at every temperature (two reference T)."""
    if model.requires_temperature:
        refs = [model.base_probability(t) for t in (1000.0, 3000.0)]
    else:
        refs = [model.base_probability()]
    with np.errstate(divide="ignore"):
        logs = [np.log(r) for r in refs]
    return np.round(np.stack(logs, axis=-1), 10)


def _partition(src, tgt, base_keys, blocking, partners) -> np.ndarray:
    """Coarsest equitable partition of hops refining (source, target, base probability)."""
    keys = [(int(s), int(t), tuple(b)) for s, t, b in zip(src, tgt, base_keys, strict=True)]
    labels = _relabel(keys)
    blk_keys = [tuple(row) for row in blocking.astype(int)]
    while True:
        n_before = labels.max() + 1
        part_keys = []
        for h in range(src.size):
            counts = np.bincount(labels, weights=partners[h], minlength=n_before)
            part_keys.append(tuple(np.round(counts).astype(int)))
        labels = _relabel([(int(labels[h]), blk_keys[h], part_keys[h]) for h in range(src.size)])
        if labels.max() + 1 == n_before:
            return labels


def _relabel(keys) -> np.ndarray:
    index: dict = {}
    return np.array([index.setdefault(k, len(index)) for k in keys], dtype=np.int64)


def _two_colouring(n_sites, src, tgt) -> np.ndarray | None:
    sign = np.zeros(n_sites, dtype=int)
    adjacency = [[] for _ in range(n_sites)]
    for s, t in zip(src, tgt, strict=True):
        adjacency[s].append(t)
        adjacency[t].append(s)
    for start in range(n_sites):
        if sign[start]:
            continue
        sign[start] = 1
        stack = [start]
        while stack:
            a = stack.pop()
            for b in adjacency[a]:
                if sign[b] == 0:
                    sign[b] = -sign[a]
                    stack.append(b)
                elif sign[b] == sign[a]:
                    return None
    return sign.astype(float)


def compile_model(model: HoppingModel, *, symmetric: bool = True) -> MeanFieldData:
    """Compile a model's interactions for the mean field (see module doc).

    Raises
    ------
    ModelError
        If the model is not a HoppingModel or its repulsion K0 is negative.
    """
    if not isinstance(model, HoppingModel):
        raise ModelError(f"model must be a HoppingModel, got {type(model).__name__}")
    inter = model.interactions
    if inter.repulsion < 0:
        raise ModelError(
            f"Interactions.repulsion (K0, eV) must be >= 0 for the mean field, got "
            f"{inter.repulsion!r}"
        )
    tables = interaction_tables(model)
    table = model.hop_table(
        temperature=1000.0 if model.requires_temperature else None, domain="ignore"
    )
    n, nh = model.n_sites, table.n_hops
    src, tgt = table.source, table.target
    blocking = np.zeros((nh, n))
    partners = np.zeros((nh, nh))
    for h in range(nh):
        sl = slice(tables.block_ptr[h], tables.block_ptr[h + 1])
        np.add.at(blocking[h], tables.block_site[sl], 1.0)
        sl = slice(tables.partner_ptr[h], tables.partner_ptr[h + 1])
        np.add.at(partners[h], tables.partner_hop[sl], 1.0)
    if symmetric:
        classes = _partition(src, tgt, _base_keys(model), blocking, partners)
    else:
        classes = np.arange(nh, dtype=np.int64)
    n_cls = int(classes.max()) + 1
    representative = np.array([int(np.flatnonzero(classes == c)[0]) for c in range(n_cls)])
    membership = np.zeros((nh, n_cls))
    membership[np.arange(nh), classes] = 1.0
    scatter = np.zeros((nh, n * n))
    scatter[np.arange(nh), tgt * n + src] += 1.0
    scatter[np.arange(nh), src * n + src] -= 1.0
    for arr in (blocking, partners, membership, scatter):
        arr.setflags(write=False)
    return MeanFieldData(
        model=model,
        n_sites=n,
        n_hops=nh,
        source=src,
        target=tgt,
        displacement=table.displacement,
        blocking=blocking,
        partners=partners,
        classes=classes,
        representative=representative,
        membership=membership,
        sublattice=_two_colouring(n, src, tgt),
        K0=float(inter.repulsion),
        M0=float(inter.concerted),
        n0=float(model.filling),
        exclusion=bool(inter.exclusion),
        scatter=scatter,
    )


# --------------------------------------------------------------------------- the map
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
    a = -gen + 1.0 / n
    rhs = np.full((*P.shape[:-1], n, 1), 1.0 / n)
    pi = _solve(a, rhs)[..., 0]
    return pi / pi.sum(axis=-1, keepdims=True), gen, s[..., 0]


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


# --------------------------------------------------------------------------- analysis
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
        ``feedback_gain < 1`` and ``occupation_rate < 0`` (tolerance 1e-9).
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
    return Stability(
        feedback_gain=gain,
        occupation_rate=rate,
        stable=bool(gain < 1.0 - tol and rate < -tol),
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
