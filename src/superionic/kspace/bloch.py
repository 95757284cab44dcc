"""Bloch analysis of the hopping matrix (paper Eqs. 10-15).

Convention (documented in docs/conventions.md)::

    P_k[b, a] = delta_ab (1 - out_a) + sum over hops a -> b (cell R) of exp(+i k . d) P_hop,
    d = r_b + R - r_a.

This is the convention in which the paper writes its explicit matrices (Eqs. 25, 31-32, 56-57):
with it, the eigenvalue of the stable mode is ``p(k) = exp(i k.v tau - k.D.k tau + ...)``, so the
group velocity ``d omega / dk`` of ``omega = arg p / tau`` is the drift velocity and the decay rate
``kappa = (1 - |p|) / tau`` grows as ``k^2`` (Eqs. 27, 34-36, 60-62). It corresponds to the Fourier
transform ``n_k = sum_j exp(+i k . r_j) n_j``; Eq. 12 as printed carries the opposite sign, which
would flip the sign of every group velocity (see docs/theory.md, review findings).

Eigenvalues are sorted stable mode first (largest |p|). At zero field a detailed-balance P(k) is
similar to a Hermitian matrix (scale by the square root of the stationary occupations), and the
Hermitian solver is used; otherwise a general eigensolver.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from ..errors import ModelError
from ..lattice import HoppingModel, HopTable, stationary_distribution


# --------------------------------------------------------------------------- assembly
def _scatter(table: HopTable) -> sp.csr_matrix:
    """One-hot (n_hops, n*n) matrix mapping hop weights onto flattened P[t, s] entries."""
    n = table.n_sites
    rows = np.arange(table.n_hops)
    cols = table.target * n + table.source
    return sp.csr_matrix((np.ones(table.n_hops), (rows, cols)), shape=(table.n_hops, n * n))


def _k_axis(karr: np.ndarray, dim: int) -> np.ndarray:
    """``karr`` with its last axis of ``dim`` Cartesian components (one added for 1D lattices)."""
    if dim == 1 and (karr.ndim == 0 or karr.shape[-1:] != (1,)):
        karr = karr[..., None]
    if karr.shape[-1:] != (dim,):
        raise ModelError(f"k must have {dim} component(s) on its last axis, got shape {karr.shape}")
    return karr


def _kpoints(k, dim: int) -> np.ndarray:
    karr = _k_axis(np.asarray(k, dtype=float), dim)
    if not np.all(np.isfinite(karr)):
        raise ModelError("k must be finite")
    return karr


def bloch_from_table(
    table: HopTable,
    k: np.ndarray,
    *,
    derivative: int = 0,
    symmetrize: np.ndarray | None = None,
    generator: bool = False,
) -> np.ndarray:
    """Assemble P(k) or its k-derivatives from a compiled hop table.

    Parameters
    ----------
    table : HopTable
        With unbatched probabilities, shape (n_hops,).
    k : ndarray, shape (..., dim)
        Cartesian wave vectors in 1/Å.
    derivative : {0, 1, 2}
        0: P(k), shape (..., n, n). 1: dP/dk_mu, shape (..., dim, n, n).
        2: d2P/dk_mu dk_nu, shape (..., dim, dim, n, n). Analytic (Eq. 12 differentiated).
    symmetrize : ndarray, shape (n,), optional
        Stationary occupations pi: assemble ``pi^-1/2 P(k) pi^1/2`` instead, which is Hermitian
        for detailed-balance models at zero field (same eigenvalues, cheaper solver).
    generator : bool
        Assemble ``L(k) = P(k) - I`` (diagonal ``-out``) instead: same eigenvectors, eigenvalues
        ``p - 1`` free of the cancellation in ``1 - out`` when probabilities are small.
    """
    if table.probability.ndim != 1:
        raise ModelError("bloch_from_table needs one field at a time (unbatched probabilities)")
    n, d = table.n_sites, table.displacement
    lead = k.shape[:-1]
    flat_k = k.reshape(-1, k.shape[-1])
    p = table.probability
    if symmetrize is not None:
        root = np.sqrt(symmetrize)
        p = p * root[table.source] / root[table.target]
    weights = np.exp(1j * (flat_k @ d.T)) * p  # (K, n_hops)
    scatter = _scatter(table)
    if derivative == 0:
        out = np.asarray(scatter.T @ weights.T).T.reshape(*lead, n, n)
        idx = np.arange(n)
        out[..., idx, idx] += (0.0 if generator else 1.0) - table.out_probability()
        return out
    if derivative == 1:
        w = 1j * weights[:, None, :] * d.T[None, :, :]  # (K, dim, n_hops)
        dim = d.shape[1]
        out = np.asarray(scatter.T @ w.reshape(-1, table.n_hops).T).T
        return out.reshape(*lead, dim, n, n)
    if derivative == 2:
        dd = d[:, :, None] * d[:, None, :]  # (n_hops, dim, dim)
        w = -weights[:, None, None, :] * np.moveaxis(dd, 0, -1)[None]
        dim = d.shape[1]
        out = np.asarray(scatter.T @ w.reshape(-1, table.n_hops).T).T
        return out.reshape(*lead, dim, dim, n, n)
    raise ModelError(f"derivative must be 0, 1 or 2, got {derivative!r}")


def bloch_matrix(
    model: HoppingModel,
    k,
    *,
    field=None,
    coupling: str = "symmetric",
    temperature=None,
    domain: str = "raise",
) -> np.ndarray:
    """The Bloch hopping matrix P(k) of Eq. 12 for a batch of wave vectors.

    Parameters
    ----------
    model : HoppingModel
    k : array_like, shape (..., dim)
        Cartesian wave vectors in 1/Å (a scalar or 1D array is accepted for 1D lattices).
    field : array_like, shape (dim,), optional
        Reduced field f = Z E / kB T in 1/Å.
    coupling : {"symmetric", "full"}
        Field-coupling convention (see :mod:`superionic.lattice.hops`).
    temperature : float, optional
        K; required for models declared by energies.
    domain : {"raise", "warn", "ignore"}
        Handling of out-probabilities above one (see :meth:`HoppingModel.hop_table`).

    Returns
    -------
    ndarray, complex, shape (..., n_sites, n_sites)
        ``P[b, a]``: amplitude from site a to site b (columns sum to 1 at k = 0).
    """
    table = model.hop_table(temperature=temperature, field=field, coupling=coupling, domain=domain)
    return bloch_from_table(table, _kpoints(k, model.dim))


def bloch_derivative(
    model: HoppingModel, k, *, field=None, coupling: str = "symmetric", temperature=None
) -> np.ndarray:
    """Analytic dP(k)/dk, shape (..., dim, n, n): hops weighted by ``i d_mu`` (Eq. 17)."""
    table = model.hop_table(temperature=temperature, field=field, coupling=coupling)
    return bloch_from_table(table, _kpoints(k, model.dim), derivative=1)


# --------------------------------------------------------------------------- eigenmodes
@dataclass(frozen=True)
class Eigenmodes:
    """Eigen-decomposition of P(k) over a batch of k (Eq. 14), stable mode first.

    Attributes
    ----------
    values : ndarray, complex, shape (..., n)
        Eigenvalues p, sorted by decreasing |p|.
    shifted : ndarray, complex, shape (..., n)
        ``p - 1``, computed directly from ``P(k) - I`` so that decay rates keep full relative
        precision however small the hop probabilities are.
    right : ndarray, complex, shape (..., n, n)
        Right eigenvectors as columns: ``P right[..., :, nu] = p_nu right[..., :, nu]``.
    left : ndarray, complex, shape (..., n, n)
        Left eigenvectors as rows, normalised so that ``left @ right = I``.
    tau : float
        Step in s; decay rates and frequencies are per tau-unit when tau = 1.
    """

    values: np.ndarray
    right: np.ndarray
    left: np.ndarray
    tau: float
    shifted: np.ndarray

    @property
    def decay_rate(self) -> np.ndarray:
        """kappa = (1 - |p|) / tau (Eq. 15), evaluated without cancellation."""
        lam = self.shifted
        one_minus_abs = -(2.0 * lam.real + np.abs(lam) ** 2) / (1.0 + np.abs(1.0 + lam))
        return one_minus_abs / self.tau

    @property
    def frequency(self) -> np.ndarray:
        """omega = arg(p) / tau (Eq. 15)."""
        return np.arctan2(self.shifted.imag, 1.0 + self.shifted.real) / self.tau


def _sort_stable_first(shifted, right, left):
    decay = -(2.0 * shifted.real + np.abs(shifted) ** 2)
    order = np.lexsort((-shifted.real, decay), axis=-1)
    values = np.take_along_axis(shifted, order, axis=-1)
    right = np.take_along_axis(right, order[..., None, :], axis=-1)
    left = np.take_along_axis(left, order[..., :, None], axis=-2)
    return values, right, left


def _hermitian_modes(h: np.ndarray, pi: np.ndarray):
    s = np.sqrt(pi)
    w, v = np.linalg.eigh(h)
    right = v * s[:, None]
    left = np.conj(np.swapaxes(v, -1, -2)) / s[None, :]
    return w.astype(complex), right, left


def _general_modes(pk: np.ndarray):
    w, v = np.linalg.eig(pk)
    left = np.linalg.inv(v)
    return w, v, left


def _uses_hermitian(model: HoppingModel, temperature) -> bool:
    key = None if temperature is None else float(np.asarray(temperature, dtype=float))
    return _detailed_balance_cached(model, key)


@lru_cache(maxsize=256)
def _detailed_balance_cached(model: HoppingModel, temperature: float | None) -> bool:
    try:
        return model.detailed_balance(temperature=temperature)
    except (ModelError, TypeError, ValueError):
        return False


def eigenmodes(
    model: HoppingModel,
    k,
    *,
    field=None,
    coupling: str = "symmetric",
    temperature=None,
    method: str = "auto",
    domain: str = "raise",
) -> Eigenmodes:
    """Eigenvalues and eigenvectors of P(k) for a batch of k, stable mode first (Eqs. 14-15).

    Parameters
    ----------
    method : {"auto", "hermitian", "general"}
        "auto" uses the Hermitian similarity at zero field for detailed-balance models.
    domain : {"raise", "warn", "ignore"}
        Handling of out-probabilities above one (see :meth:`HoppingModel.hop_table`).
    """
    table = model.hop_table(temperature=temperature, field=field, coupling=coupling, domain=domain)
    karr = _kpoints(k, model.dim)
    if method == "auto":
        hermitian = field is None and _uses_hermitian(model, temperature)
    elif method == "hermitian":
        if not (field is None and _uses_hermitian(model, temperature)):
            raise ModelError(
                "method='hermitian' needs zero field and a detailed-balance model; use "
                "method='auto' or 'general'"
            )
        hermitian = True
    elif method == "general":
        hermitian = False
    else:
        raise ModelError(f"method must be 'auto', 'hermitian' or 'general', got {method!r}")
    if hermitian:
        pi = stationary_distribution(table)
        shifted, right, left = _hermitian_modes(
            bloch_from_table(table, karr, symmetrize=pi, generator=True), pi
        )
    else:
        shifted, right, left = _general_modes(bloch_from_table(table, karr, generator=True))
    shifted, right, left = _sort_stable_first(shifted, right, left)
    return Eigenmodes(values=1.0 + shifted, right=right, left=left, tau=model.tau, shifted=shifted)


def eigenvalues(
    model: HoppingModel,
    k,
    *,
    field=None,
    coupling: str = "symmetric",
    temperature=None,
    domain: str = "raise",
) -> np.ndarray:
    """Eigenvalues of P(k), shape (..., n), stable mode first.

    Two-site cells use the closed form ``(tr/2) +- sqrt((tr/2)^2 - det)`` vectorised over k
    (Eqs. 26, 33, 58 in general form); larger cells use :func:`eigenmodes`.
    """
    if model.n_sites != 2:
        if field is None and _uses_hermitian(model, temperature):
            table = model.hop_table(temperature=temperature, domain=domain)
            pi = stationary_distribution(table)
            h = bloch_from_table(table, _kpoints(k, model.dim), symmetrize=pi)
            values = np.linalg.eigvalsh(h).astype(complex)
            order = np.lexsort((-values.real, -np.abs(values)), axis=-1)
            return np.take_along_axis(values, order, axis=-1)
        return eigenmodes(
            model, k, field=field, coupling=coupling, temperature=temperature, domain=domain
        ).values
    pk = bloch_matrix(
        model, k, field=field, coupling=coupling, temperature=temperature, domain=domain
    )
    values, _, _ = _two_site_values(pk)
    return np.take_along_axis(values, _by_modulus(values), axis=-1)


def _two_site_values(pk: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Closed-form eigenvalues ``tr/2 +- root`` of 2x2 matrices, unsorted, shape (..., 2).

    Also returns ``half_diff = (P00 - P11) / 2`` and ``root = sqrt(half_diff^2 + P01 P10)``
    (``= sqrt((tr/2)^2 - det)``), from which the k-derivatives follow.
    """
    half_trace = 0.5 * (pk[..., 0, 0] + pk[..., 1, 1])
    half_diff = 0.5 * (pk[..., 0, 0] - pk[..., 1, 1])
    root = np.sqrt(half_diff * half_diff + pk[..., 0, 1] * pk[..., 1, 0])
    values = np.stack([half_trace + root, half_trace - root], axis=-1)
    return values, half_diff, root


def _by_modulus(values: np.ndarray) -> np.ndarray:
    """Indices sorting eigenvalues by decreasing |p| along the last axis (stable mode first;
    equal moduli keep their order)."""
    return np.argsort(-np.abs(values), axis=-1, kind="stable")


def group_velocities(
    model: HoppingModel,
    k,
    *,
    field=None,
    coupling: str = "symmetric",
    temperature=None,
    domain: str = "raise",
) -> np.ndarray:
    """Group velocities ``d omega / dk`` of every mode, shape (..., n, dim), in Å per second of tau.

    Analytic (Hellmann-Feynman for non-Hermitian matrices):
    ``dp/dk = left . dP/dk . right`` and ``d omega/dk = Im(dp/dk / p) / tau``.
    """
    table = model.hop_table(temperature=temperature, field=field, coupling=coupling, domain=domain)
    karr = _kpoints(k, model.dim)
    modes = eigenmodes(
        model, karr, field=field, coupling=coupling, temperature=temperature, domain=domain
    )
    dpk = bloch_from_table(table, karr, derivative=1)  # (..., dim, n, n)
    dp = np.einsum("...vi,...mij,...jv->...vm", modes.left, dpk, modes.right)
    return np.imag(dp / modes.values[..., None]) / model.tau
