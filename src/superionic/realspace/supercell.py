"""The periodic supercell: real-space hopping matrix and site geometry (paper Eqs. 8-9).

A model's hops, repeated over ``L_1 x ... x L_dim`` cells with periodic boundaries, give the
real-space hopping matrix ``P[target, source]`` (a :class:`scipy.sparse.csr_matrix`) of
``n(t + tau) = P n(t)`` (Eq. 8). Columns of ``P`` sum to one, so the number of ions is conserved
exactly (Eq. 9). :func:`real_space` builds it, vectorised, as a :class:`RealSpaceSystem` that also
carries the positions, the sublattice and cell of every site and the per-sublattice ion velocity
used for the current of Eq. 17.

Site ordering: the global index of site ``a`` in cell ``c = (c_1, ..., c_dim)`` is
``ravel_multi_index(c, repeats) * n_sites + a`` (C order), so ``density.reshape(n_cells,
n_sites)`` separates cells and sublattices.

The evolution on this supercell is in :mod:`superionic.realspace.dynamics`, density waves and their
decay
in :mod:`superionic.realspace.relaxation`; both re-use the input checks of this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from .._validate import finite_array, int_tuple
from ..errors import ModelError
from ..lattice import HoppingModel, HopTable, in_domain

__all__ = ["RealSpaceSystem", "hopping_matrix", "real_space"]


@dataclass(frozen=True, eq=False)
class RealSpaceSystem:
    """A model on a periodic supercell: the sparse hopping matrix and its geometry (Eq. 8).

    Build it with :func:`real_space`.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix, shape (n_total, n_total)
        ``P[target, source]``, per-step probabilities; every column sums to one.
    table : HopTable
        The primitive cell's compiled hops (one temperature and field).
    repeats : tuple of int
        Cells along each lattice vector.
    n_sites : int
        Sites per primitive cell.
    cell : ndarray of int, shape (n_total, dim)
        Cell index of every site.
    sublattice : ndarray of int, shape (n_total,)
        Index of every site in the primitive cell.
    positions : ndarray, shape (n_total, dim)
        Cartesian positions in Å (cell origin + site position, cells 0..L-1).
    lattice_vectors : ndarray, shape (dim, dim)
        Primitive lattice vectors (rows), Å.
    tau : float
        Step in s.
    site_velocity : ndarray, shape (n_sites, dim)
        ``sum over hops h from a of P_h d_h / tau``: the mean velocity of an ion on sublattice a
        during one step (Å per unit of tau).
    in_domain : bool
        False when some out-probability exceeds one (negative diagonal; DESIGN 3.7).
    """

    matrix: sp.csr_matrix
    table: HopTable
    repeats: tuple[int, ...]
    n_sites: int
    cell: np.ndarray
    sublattice: np.ndarray
    positions: np.ndarray
    lattice_vectors: np.ndarray
    tau: float
    site_velocity: np.ndarray
    in_domain: bool

    @property
    def dim(self) -> int:
        return len(self.repeats)

    @property
    def n_cells(self) -> int:
        return int(np.prod(self.repeats))

    @property
    def n_total(self) -> int:
        """Number of sites in the supercell."""
        return self.n_cells * self.n_sites

    @property
    def reciprocal(self) -> np.ndarray:
        """Primitive reciprocal vectors (rows), 1/Å."""
        return 2.0 * np.pi * np.linalg.inv(self.lattice_vectors).T

    @cached_property
    def current_operator(self) -> np.ndarray:
        """``V[mu, j]``: velocity of an ion on site j, shape (dim, n_total); J = V n (Eq. 17)."""
        return np.ascontiguousarray(self.site_velocity[self.sublattice].T)

    def commensurate_k(self, m) -> np.ndarray:
        """Cartesian k = sum_i m_i b_i / L_i (1/Å) for integers ``m``: a wave that fits the cell."""
        m = np.asarray(int_tuple("m", m, self.dim), dtype=float)
        return (m / np.asarray(self.repeats)) @ self.reciprocal


def _cell_grid(repeats: tuple[int, ...]) -> np.ndarray:
    return np.indices(repeats).reshape(len(repeats), -1).T


def _supercell_hop_sites(
    table: HopTable, cells: np.ndarray, repeats: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Global source and target site of every hop repeated over the supercell, cell-major.

    ``cells`` is :func:`_cell_grid` of ``repeats``; both arrays have shape
    (n_cells * n_hops,) and follow the site ordering of the module doc (periodic wrap).
    """
    n = table.n_sites
    dim = len(repeats)
    strides = np.array([int(np.prod(repeats[i + 1 :])) for i in range(dim)], dtype=np.int64)
    src_flat = cells @ strides  # (n_cells,)
    reps_a = np.asarray(repeats, dtype=np.int64)
    tgt_cells = np.mod(cells[:, None, :] + table.cell[None, :, :], reps_a)  # (n_cells, n_hops, dim)
    tgt_flat = tgt_cells @ strides  # (n_cells, n_hops)
    src = (src_flat[:, None] * n + table.source[None, :]).ravel()
    tgt = (tgt_flat * n + table.target[None, :]).ravel()
    return src, tgt


def _repeats(repeats, dim: int) -> tuple[int, ...]:
    """Supercell size: one integer >= 1 per lattice vector (a single int applies to all)."""
    if isinstance(repeats, int | np.integer):
        repeats = (int(repeats),) * dim
    reps = int_tuple("repeats", repeats, dim)
    if any(r < 1 for r in reps):
        raise ModelError(f"repeats must be >= 1 along every lattice vector, got {reps}")
    return reps


def real_space(
    model: HoppingModel,
    repeats,
    *,
    temperature=None,
    field=None,
    coupling: str = "symmetric",
    domain: str = "raise",
) -> RealSpaceSystem:
    """Build the real-space hopping matrix of a periodic supercell (Eq. 8), vectorised.

    Parameters
    ----------
    model : HoppingModel
    repeats : int or sequence of int
        Number of primitive cells along each lattice vector (periodic boundaries). A hop that
        wraps onto its own source (possible when a repeat is 1) simply stays on the site.
    temperature : float, optional
        K; required for models declared by energies.
    field : array_like, shape (dim,), optional
        Reduced field f = Z E / kB T in 1/Å.
    coupling : {"symmetric", "full"}
    domain : {"raise", "warn", "ignore"}
        Handling of out-probabilities above one (see :meth:`HoppingModel.hop_table`).

    Returns
    -------
    RealSpaceSystem
    """
    dim = model.dim
    reps = _repeats(repeats, dim)
    if field is not None:
        f = finite_array("field", field)
        if f.ndim > 1 or (f.ndim == 1 and f.size != dim) or (f.ndim == 0 and dim != 1):
            raise ModelError(f"field must be one vector of {dim} component(s), got shape {f.shape}")
        field = f.reshape(dim)
    table = model.hop_table(temperature=temperature, field=field, coupling=coupling, domain=domain)
    n = model.n_sites
    cells = _cell_grid(reps)  # (n_cells, dim)
    n_cells = cells.shape[0]
    n_total = n_cells * n
    if n_total >= 2**31 - 1:
        raise ModelError(f"supercell of {n_total} sites is too large (limit 2^31 - 1)")
    src, tgt = _supercell_hop_sites(table, cells, reps)
    index_dtype = np.int32
    rows = tgt.astype(index_dtype)
    cols = src.astype(index_dtype)
    data = np.broadcast_to(table.probability, (n_cells, table.n_hops)).ravel()
    diag_idx = np.arange(n_total, dtype=index_dtype)
    diag = np.tile(1.0 - table.out_probability(), n_cells)
    matrix = sp.csr_matrix(
        (
            np.concatenate([data, diag]),
            (np.concatenate([rows, diag_idx]), np.concatenate([cols, diag_idx])),
        ),
        shape=(n_total, n_total),
    )
    matrix.sum_duplicates()
    lat = model.lattice
    sublattice = np.tile(np.arange(n), n_cells)
    cell_of_site = np.repeat(cells, n, axis=0)
    positions = cell_of_site @ lat.matrix + lat.positions[sublattice]
    velocity = np.zeros((n, dim))
    np.add.at(velocity, table.source, table.probability[:, None] * table.displacement)
    return RealSpaceSystem(
        matrix=matrix,
        table=table,
        repeats=reps,
        n_sites=n,
        cell=cell_of_site,
        sublattice=sublattice,
        positions=positions,
        lattice_vectors=lat.matrix.copy(),
        tau=model.tau,
        site_velocity=velocity / model.tau,
        in_domain=bool(in_domain(table)),
    )


def hopping_matrix(model: HoppingModel, repeats, **kwargs) -> sp.csr_matrix:
    """The sparse real-space hopping matrix ``P[target, source]`` of a periodic supercell.

    Shorthand for ``real_space(model, repeats, **kwargs).matrix``; see :func:`real_space`.
    """
    return real_space(model, repeats, **kwargs).matrix


# --------------------------------------------------------------------------- validation
def _density(system: RealSpaceSystem, density) -> np.ndarray:
    n = finite_array("density", density)
    if n.shape[:1] != (system.n_total,) or n.ndim > 2:
        raise ModelError(
            f"density must have shape ({system.n_total},) or ({system.n_total}, batch), "
            f"got {n.shape}"
        )
    return n


def _commensurate(system: RealSpaceSystem, k) -> np.ndarray:
    kv = finite_array("k", k).reshape(-1)
    if kv.size != system.dim:
        raise ModelError(f"k must have {system.dim} component(s), got {np.shape(k)}")
    m = (kv @ system.lattice_vectors.T) / (2 * np.pi) * np.asarray(system.repeats)
    if not np.allclose(m, np.round(m), atol=1e-8):
        raise ModelError(
            f"k = {kv.tolist()} 1/Å is not commensurate with the {system.repeats} supercell: "
            f"k . L_i a_i / 2 pi = {m.tolist()} must be integers; use "
            "RealSpaceSystem.commensurate_k(m)"
        )
    return kv
