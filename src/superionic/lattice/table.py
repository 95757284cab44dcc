"""The compiled hop table and the linear algebra of its k = 0 matrix (Eqs. 9, 28).

:class:`HopTable` holds one row per directed hop; from it come the real-space hopping matrix
``P[t, s]``, the generator ``L = P0 - I`` assembled without cancellation, the stationary
occupations and the response (fundamental) matrix that every transport coefficient uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import DisconnectedNetworkError, ModelError


@dataclass(frozen=True)
class HopTable:
    """Compiled directed hops of a model at one temperature and field (arrays, read-only).

    Attributes
    ----------
    n_sites : int
    source, target : ndarray of int, shape (n_hops,)
    cell : ndarray of int, shape (n_hops, dim)
    displacement : ndarray of float, shape (n_hops, dim), Å
    probability : ndarray of float, shape (..., n_hops)
        Per-step probabilities; leading axes broadcast over a batch of fields.
    reverse : ndarray of int, shape (n_hops,)
        Index of the reverse hop, or -1 when the reverse direction is not declared.
    """

    n_sites: int
    source: np.ndarray
    target: np.ndarray
    cell: np.ndarray
    displacement: np.ndarray
    probability: np.ndarray
    reverse: np.ndarray

    @property
    def n_hops(self) -> int:
        return int(self.source.size)

    @property
    def dim(self) -> int:
        return int(self.displacement.shape[1])

    def out_probability(self) -> np.ndarray:
        """Total out-probability of each site, shape (..., n_sites)."""
        out = np.zeros((*self.probability.shape[:-1], self.n_sites))
        np.add.at(out, (..., self.source), self.probability)
        return out

    def cell_matrix(self) -> np.ndarray:
        """The k = 0 hopping matrix ``P[t, s]`` summed over cells, shape (..., n, n)."""
        mat = self.generator()
        idx = np.arange(self.n_sites)
        mat[..., idx, idx] += 1.0
        return mat

    def generator(self) -> np.ndarray:
        """``L = P0 - I`` built without cancellation: off-diagonal in-flows, diagonal ``-out``.

        Accurate to relative machine precision however small the probabilities are; the
        stationary state and all linear responses are computed from it.
        """
        n = self.n_sites
        mat = np.zeros((*self.probability.shape[:-1], n * n))
        np.add.at(mat, (..., self.target * n + self.source), self.probability)
        mat = mat.reshape(*self.probability.shape[:-1], n, n)
        idx = np.arange(n)
        mat[..., idx, idx] -= self.out_probability()
        return mat


def in_domain(table: HopTable) -> np.ndarray:
    """True where every site's out-probability is at most one (batched over fields)."""
    return np.all(table.out_probability() <= 1.0 + 1e-12, axis=-1)



def _scaled_generator(table: HopTable) -> tuple[np.ndarray, np.ndarray]:
    """``-L / s`` with ``s`` the largest out-probability (per batch element), and ``s``."""
    gen = table.generator()
    scale = np.max(table.out_probability(), axis=-1)
    if np.any(scale <= 0):
        raise ModelError("every hop probability is zero: nothing moves")
    return -gen / scale[..., None, None], scale


def dense_stationary(table: HopTable) -> np.ndarray:
    """Stationary occupations by dense linear algebra, batched over fields (Eq. 28).

    Solves ``(-L / s + J / n) pi = 1 / n`` with ``L = P0 - I`` assembled without cancellation
    and scaled by its largest rate ``s``; the matrix is nonsingular exactly when the stationary
    state is unique, and the result is accurate however small the probabilities are.
    """
    a, _ = _scaled_generator(table)
    n = table.n_sites
    a = a + 1.0 / n
    rhs = np.full((*a.shape[:-2], n), 1.0 / n)
    try:
        pi = np.linalg.solve(a, rhs[..., None])[..., 0]
    except np.linalg.LinAlgError:
        raise DisconnectedNetworkError(
            "the stationary state is not unique: the sites split into disconnected groups"
        ) from None
    if not np.all(np.isfinite(pi)) or np.any(pi < -1e-10):
        raise DisconnectedNetworkError(
            "the stationary state is not unique or has negative occupations: the sites split "
            "into disconnected groups"
        )
    pi = np.clip(pi, 0.0, None)
    return pi / pi.sum(axis=-1, keepdims=True)


def fundamental_matrix(table: HopTable, pi: np.ndarray) -> np.ndarray:
    """Response matrix ``Z`` with ``(I - P0) Z u = u`` and ``1^T Z u = 0`` for ``1^T u = 0``.

    On zero-sum vectors (all first-order responses) ``Z`` acts as the group inverse of
    ``I - P0``. It is computed as ``(-L/s + pi 1^T)^-1 / s`` from the scaled generator, so that
    its accuracy does not degrade when the probabilities are small.
    """
    a, scale = _scaled_generator(table)
    a = a + pi[..., :, None]
    return np.linalg.inv(a) / scale[..., None, None]


