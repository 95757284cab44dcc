"""Dense and sparse solvers for the k = 0 linear algebra of a hop table (Eq. 28 and responses).

Every transport coefficient needs two things from the k = 0 generator ``L = P0 - I``: the
stationary occupations ``pi`` (``L pi = 0``, ``1^T pi = 1``) and the response ``Z u`` to a few
zero-sum vectors ``u`` (``-L Z u = u``, ``1^T Z u = 0``; ``Z`` is the group inverse of ``I - P0``
on zero-sum vectors). :func:`response_solver` returns an object that provides both, by one of

* ``"dense"``: the full inverse ``(-L/s + pi 1^T)^-1 / s`` (LAPACK); exact for small cells;
* ``"sparse"``: a sparse LU factorisation (SuperLU) of the *grounded* generator -- ``-L / s``
  with the row and column of one site removed, which is nonsingular exactly when the stationary
  state is unique. ``pi`` and every ``Z u`` come from the one factorisation; only ``Z`` applied
  to the few right-hand sides is ever formed, never the inverse;
* ``"amg"``: for zero-field models in detailed balance. ``pi`` follows exactly from the ratios
  ``pi_t / pi_s = P(s->t) / P(t->s)`` along a spanning tree; the symmetrised grounded generator
  ``pi^-1/2 (-L) pi^1/2`` is symmetric positive definite and is solved by conjugate gradients
  preconditioned by algebraic multigrid (pyamg, Ruge-Stuben), which scales linearly in the
  number of sites (10^6 sites in seconds to tens of seconds);
* ``"auto"``: dense up to :data:`DENSE_MAX_SITES` sites, then sparse LU up to
  :data:`DIRECT_MAX_SITES` sites, then AMG when detailed balance holds (sparse LU otherwise).

``L`` is assembled without cancellation (off-diagonal in-flows and diagonal ``-out``, all sums of
positive numbers) and scaled by its largest out-probability ``s``, as in
:mod:`superionic.lattice.table`, so that the accuracy does not depend on how small the
probabilities are.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.sparse import csgraph

from ..errors import ConvergenceError, ModelError
from .graph import accumulate_to_root
from .table import HopTable, dense_stationary, fundamental_matrix

#: Largest cell (sites) that ``solver="auto"`` treats with dense linear algebra.
DENSE_MAX_SITES = 400
#: Largest cell (sites) that ``solver="auto"`` factorises directly (SuperLU) when AMG applies.
DIRECT_MAX_SITES = 40_000
SOLVERS = ("auto", "dense", "sparse", "amg")
_AMG_RTOL = 1e-13
_DETAILED_BALANCE_RTOL = 1e-9


def check_solver(solver: str) -> str:
    """Return ``solver`` if it names a known solver, else raise ModelError."""
    if solver not in SOLVERS:
        raise ModelError(f"solver must be one of {list(SOLVERS)}, got {solver!r}")
    return solver


def _single(table: HopTable) -> np.ndarray:
    p = np.asarray(table.probability)
    if p.ndim != 1:
        raise ModelError(f"a single field is needed here, got probabilities of shape {p.shape}")
    return p


def sparse_generator(table: HopTable, probability: np.ndarray | None = None) -> sp.csr_matrix:
    """``L = P0 - I`` as a CSR matrix, assembled without cancellation (one field only).

    Off-diagonal entries are the in-flow probabilities summed over hops (and cells); the diagonal
    is minus each site's out-probability.
    """
    p = _single(table) if probability is None else probability
    n = table.n_sites
    out = np.bincount(table.source, weights=p, minlength=n)
    rows = np.concatenate([table.target, np.arange(n)])
    cols = np.concatenate([table.source, np.arange(n)])
    vals = np.concatenate([p, -out])
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, n))


def _disconnected() -> ModelError:
    return ModelError(
        "the stationary state is not unique: the sites split into disconnected groups"
    )


def _closed_classes(table: HopTable, p: np.ndarray) -> int:
    """Number of closed communicating classes of the hop graph (1 <=> unique stationary state)."""
    live = p > 0
    src, tgt = table.source[live], table.target[live]
    n = table.n_sites
    graph = sp.csr_matrix((np.ones(src.size, dtype=np.int8), (src, tgt)), shape=(n, n))
    count, labels = csgraph.connected_components(graph, directed=True, connection="strong")
    leaving = labels[src] != labels[tgt]
    return int(count - np.unique(labels[src[leaving]]).size)


def _check_pi(pi: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(pi)) or np.any(pi < -1e-10 * np.max(np.abs(pi))):
        raise ModelError(
            "the stationary state is not unique or has negative occupations: the sites split "
            "into disconnected groups"
        )
    pi = np.clip(pi, 0.0, None)
    return pi / pi.sum()


class ResponseSolver:
    """Stationary occupations ``pi`` and responses ``Z u`` of one hop table (one field).

    Attributes
    ----------
    pi : ndarray, shape (n_sites,)
    method : str
        The solver used: ``"dense"``, ``"sparse"`` or ``"amg"``.
    """

    pi: np.ndarray
    method: str

    def apply(self, rhs: np.ndarray) -> np.ndarray:
        """``Z u`` for zero-sum rows ``u`` of ``rhs`` (shape (m, n_sites)), shape (m, n_sites)."""
        raise NotImplementedError


class _Dense(ResponseSolver):
    method = "dense"

    def __init__(self, table: HopTable) -> None:
        self.pi = dense_stationary(table)
        self._z = fundamental_matrix(table, self.pi)

    def apply(self, rhs):
        return np.asarray(rhs) @ self._z.T


class _Grounded(ResponseSolver):
    """Shared projection: ``y`` with ``-L/s y = u`` and ``y_g = 0``, then ``1^T y = 0``."""

    def _finish(self, y_rest: np.ndarray, m: int) -> np.ndarray:
        y = np.zeros((m, self.n))
        y[:, self._keep] = y_rest
        y -= np.sum(y, axis=1, keepdims=True) * self.pi[None, :]
        return y / self.scale


class _SparseLU(_Grounded):
    method = "sparse"

    def __init__(self, table: HopTable) -> None:
        p = _single(table)
        self.n = n = table.n_sites
        gen = sparse_generator(table, p)
        out = -gen.diagonal()
        self.scale = float(np.max(out))
        if not self.scale > 0:
            raise ModelError("every hop probability is zero: nothing moves")
        if _closed_classes(table, p) != 1:
            raise _disconnected()
        a = (-gen / self.scale).tocsc()
        if n == 1:
            self.pi = np.ones(1)
            self._keep = np.zeros(0, dtype=np.int64)
            return
        # Ground the site that is most likely the most occupied (smallest escape) first, and
        # refactorise at the true maximum of pi if that guess was poor.
        ground = int(np.argmin(out))
        for _attempt in range(2):
            pi = self._factor(a, ground)
            best = int(np.argmax(pi))
            if pi[ground] >= 1e-3 * pi[best]:
                break
            ground = best
        self.pi = pi

    def _factor(self, a: sp.csc_matrix, ground: int) -> np.ndarray:
        n = self.n
        keep = np.ones(n, dtype=bool)
        keep[ground] = False
        self._keep = keep
        reduced = a[keep][:, keep].tocsc()
        try:
            self._lu = spla.splu(reduced, permc_spec="MMD_AT_PLUS_A")
        except RuntimeError:
            raise _disconnected() from None
        rhs = -a[:, [ground]].toarray()[keep, 0]  # in-flows into the grounded site's neighbours
        x = np.empty(n)
        x[ground] = 1.0
        x[keep] = self._lu.solve(rhs)
        return _check_pi(x)

    def apply(self, rhs):
        rhs = np.atleast_2d(np.asarray(rhs, dtype=float))
        if self.n == 1:
            return np.zeros_like(rhs)
        y_rest = self._lu.solve(np.ascontiguousarray(rhs[:, self._keep].T)).reshape(
            -1, rhs.shape[0]
        )
        return self._finish(y_rest.T, rhs.shape[0])


def detailed_balance_occupations(table: HopTable) -> np.ndarray | None:
    """Stationary ``pi`` from detailed balance along a spanning tree, or None if it fails.

    Returns None when a hop has no reverse, the hop graph is disconnected, or the ratios
    ``P(s->t) / P(t->s)`` are inconsistent around some loop (no detailed balance; e.g. a field).
    """
    p = _single(table)
    n = table.n_sites
    if np.any(table.reverse < 0):
        return None
    if n == 1:
        return np.ones(1)
    with np.errstate(divide="ignore"):
        logratio = np.log(p) - np.log(p[table.reverse])  # ln pi_t - ln pi_s along hop h
    live = p > 0
    if np.any(live != (p[table.reverse] > 0)):
        return None
    src, tgt = table.source[live], table.target[live]
    graph = sp.csr_matrix((np.ones(src.size), (src, tgt)), shape=(n, n))
    order, pred = csgraph.breadth_first_order(graph, 0, directed=True, return_predecessors=True)
    if order.size != n:
        return None
    # The hop feeding each tree edge pred -> v, found by key lookup.
    key = src.astype(np.int64) * n + tgt
    sorter = np.argsort(key, kind="stable")
    child = order[1:]
    edge_key = pred[child].astype(np.int64) * n + child
    pos = sorter[np.searchsorted(key, edge_key, sorter=sorter)]
    step = np.zeros(n)
    step[child] = logratio[live][pos]
    logpi = accumulate_to_root(step, pred)
    ok = np.abs(logratio[live] - (logpi[tgt] - logpi[src]))
    if np.any(ok > _DETAILED_BALANCE_RTOL * np.maximum(1.0, np.abs(logratio[live]))):
        return None
    pi = np.exp(logpi - np.max(logpi))
    return pi / pi.sum()


class _AMG(_Grounded):
    method = "amg"

    def __init__(self, table: HopTable, pi: np.ndarray) -> None:
        p = _single(table)
        self.n = n = table.n_sites
        self.pi = pi
        out = np.bincount(table.source, weights=p, minlength=n)
        self.scale = float(np.max(out))
        if not self.scale > 0:
            raise ModelError("every hop probability is zero: nothing moves")
        # With y = pi * z, -L/s y = u becomes M z = u with M = -L diag(pi) / s: in detailed
        # balance a symmetric weighted graph Laplacian (conductances pi_s P(s->t) / s, the
        # constants as null space), the problem algebraic multigrid is made for.
        self._weight = pi / np.max(pi)
        loop = table.source != table.target  # a hop onto its own image adds nothing to M
        src, tgt = table.source[loop], table.target[loop]
        conductance = self._weight[src] * p[loop] / self.scale
        diag = np.bincount(src, weights=conductance, minlength=n)
        ground = int(np.argmax(pi))
        keep = np.ones(n, dtype=bool)
        keep[ground] = False
        self._keep = keep
        m = sp.csr_matrix((-conductance, (tgt, src)), shape=(n, n)) + sp.diags(diag)
        m = m[keep][:, keep].tocsr()
        m = 0.5 * (m + m.T)  # symmetric to rounding already; exactly symmetric for CG
        self._m = m.tocsr()
        self._ml = None  # built on the first nonzero right-hand side

    def apply(self, rhs):
        import pyamg

        rhs = np.atleast_2d(np.asarray(rhs, dtype=float))
        rows = []
        for u in rhs:
            b = u[self._keep]
            norm = np.linalg.norm(b)
            if norm == 0:
                rows.append(np.zeros(b.size))
                continue
            if self._ml is None:
                self._ml = pyamg.ruge_stuben_solver(self._m)
            residuals: list[float] = []
            z = self._ml.solve(b, tol=_AMG_RTOL, accel="cg", maxiter=500, residuals=residuals)
            if np.linalg.norm(self._m @ z - b) > 1e3 * _AMG_RTOL * norm:
                raise ConvergenceError(
                    f"AMG-preconditioned CG did not reach a relative residual of {_AMG_RTOL:g} "
                    f"in {len(residuals)} iterations; use solver='sparse'"
                )
            rows.append(z * self._weight[self._keep])
        return self._finish(np.array(rows), rhs.shape[0])


def response_solver(
    table: HopTable, *, solver: str = "auto", zero_field: bool = True
) -> ResponseSolver:
    """Factorise the k = 0 problem of a single-field hop table for ``pi`` and ``Z u``.

    Parameters
    ----------
    table : HopTable
        One field (1D probabilities).
    solver : {"auto", "dense", "sparse", "amg"}
        See the module docstring; ``"amg"`` needs detailed balance and falls back to ``"sparse"``
        without it.
    zero_field : bool
        False when the table carries a field, which breaks detailed balance: AMG is not tried.
    """
    check_solver(solver)
    n = table.n_sites
    if solver == "auto":
        if n <= DENSE_MAX_SITES:
            solver = "dense"
        elif n <= DIRECT_MAX_SITES or not zero_field:
            solver = "sparse"
        else:
            solver = "amg"
    if solver == "dense":
        return _Dense(table)
    if solver == "amg":
        pi = detailed_balance_occupations(table) if zero_field else None
        if pi is not None:
            return _AMG(table, pi)
        solver = "sparse"
    return _SparseLU(table)


def stationary_sparse(table: HopTable, *, solver: str = "sparse") -> np.ndarray:
    """Stationary occupations by sparse LU, batched over fields (one factorisation per field).

    With ``solver`` ``"amg"`` or ``"auto"``, a field whose hops obey detailed balance gets the
    exact occupations from the spanning-tree ratios instead (no linear solve at all).
    """
    check_solver(solver)
    n = table.n_sites
    p = np.asarray(table.probability)
    batch = p.shape[:-1]
    flat = p.reshape(-1, p.shape[-1])
    out = np.empty((flat.shape[0], n))
    for i, row in enumerate(flat):
        single = HopTable(
            n_sites=n,
            source=table.source,
            target=table.target,
            cell=table.cell,
            displacement=table.displacement,
            probability=row,
            reverse=table.reverse,
        )
        if solver in ("amg", "auto"):
            pi = detailed_balance_occupations(single)
            if pi is not None:
                out[i] = pi
                continue
        out[i] = _SparseLU(single).pi
    return out.reshape(*batch, n)


def stationary_distribution(table: HopTable, *, solver: str = "auto") -> np.ndarray:
    """Stationary occupations pi (sum 1) of the k = 0 matrix, batched over fields (Eq. 28).

    Parameters
    ----------
    table : HopTable
    solver : {"auto", "dense", "sparse", "amg"}
        Dense linear algebra below a few hundred sites with ``"auto"``; sparse LU (or the exact
        detailed-balance occupations) above, see :mod:`superionic.lattice.linsolve`.

    Notes
    -----
    The dense path solves ``(-L / s + J / n) pi = 1 / n`` with ``L = P0 - I`` assembled without
    cancellation and scaled by its largest rate ``s``; the matrix is nonsingular exactly when the
    stationary state is unique, and the result is accurate however small the probabilities are.
    """
    check_solver(solver)
    if solver == "dense" or (solver == "auto" and table.n_sites <= DENSE_MAX_SITES):
        return dense_stationary(table)
    return stationary_sparse(table, solver=solver)
