"""Spectra of ionic density waves along k-paths and over Brillouin-zone meshes (Eqs. 12-15, 26-29).

* :func:`spectrum` returns every mode's eigenvalue ``p = |p| exp(i omega tau)``, decay rate
  ``kappa = (1 - |p|) / tau`` and frequency ``omega = arg p / tau`` (Eq. 15) and group velocity
  ``d omega / dk`` as an :class:`xarray.Dataset` with dimensions ``k``, ``mode`` and
  ``direction``; modes are sorted stable first (largest |p|).
* :func:`stationary_occupations` (Eq. 28) and :func:`polarization` (Eq. 29) describe the stable
  mode's eigenvector.

The wave vectors come from :mod:`superionic.kspace.kpoints` (:func:`kpath` through labelled
high-symmetry points, :func:`kmesh` Monkhorst-Pack meshes, :func:`to_first_zone`); those names
are re-exported here.

Eigen-solvers, chosen by ``method="auto"``:

* two-site cells: the closed form ``p = tr/2 +- sqrt((tr/2)^2 - det)`` (Eqs. 26, 33, 58 in general
  form) with its analytic k-derivative, vectorised over k;
* zero field and detailed balance: P(k) is similar to the Hermitian matrix
  ``S^-1 P(k) S`` with ``S = diag(sqrt(pi))``, so its eigenvalues are real and come from the
  Hermitian eigenvalue solver; every frequency is 0 or pi / tau and every group velocity vanishes
  identically (``dp/dk`` of a real eigenvalue of a Hermitian family is real);
* otherwise the general eigen-solver with Hellmann-Feynman derivatives
  ``dp/dk = left . dP/dk . right``.

Group velocities are undefined at degenerate eigenvalues and where ``p = 0``: there they are NaN
and ``group_velocity_defined`` is False.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from .._validate import check_memory, finite_array
from ..errors import ModelError
from ..lattice import HoppingModel, in_domain, stationary_distribution
from .bloch import _by_modulus, _k_axis, _two_site_values, eigenmodes
from .kpoints import (
    GAMMA,
    KMesh,
    KPath,
    high_symmetry_points,
    kmesh,
    kpath,
    lattice_kind,
    to_first_zone,
    zone_boundary,
)

__all__ = [
    "GAMMA",
    "CellBlocks",
    "KMesh",
    "KPath",
    "high_symmetry_points",
    "kmesh",
    "kpath",
    "lattice_kind",
    "polarization",
    "spectrum",
    "stationary_occupations",
    "to_first_zone",
    "zone_boundary",
]

_AXES = ("x", "y", "z")


# --------------------------------------------------------------------------- spectra
@dataclass(frozen=True, eq=False)
class CellBlocks:
    """P(k) in the cell gauge: ``sum over cell offsets R of exp(i k.R) M_R``.

    ``P(k) = U(k) [sum_R exp(i k.R) M_R] U(k)^dagger`` with ``U = diag(exp(i k.r_a))`` (the site
    phases of Eq. 12), so both have the same eigenvalues and eigenvalue derivatives; assembling
    over the few distinct R (rather than over hops) is one small complex matrix product per batch.

    Attributes
    ----------
    cells : ndarray, shape (n_R, dim)
        Cartesian cell offsets R, Å.
    blocks : ndarray, shape (n_R, n, n)
        ``M_R[t, s]``: summed probabilities of the hops s -> t into cell R (diagonal in R = 0).
    """

    cells: np.ndarray
    blocks: np.ndarray

    @classmethod
    def from_table(cls, table, lattice_matrix: np.ndarray) -> CellBlocks:
        if table.probability.ndim != 1:
            raise ModelError("one field at a time")
        n = table.n_sites
        dim = table.cell.shape[1]
        offsets = np.vstack([np.zeros((1, dim), dtype=table.cell.dtype), table.cell])
        unique, inverse = np.unique(offsets, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        blocks = np.zeros((unique.shape[0], n, n))
        np.add.at(blocks, (inverse[1:], table.target, table.source), table.probability)
        idx = np.arange(n)
        blocks[inverse[0], idx, idx] += 1.0 - table.out_probability()
        return cls(cells=unique @ lattice_matrix, blocks=blocks)

    def similar(self, s: np.ndarray) -> CellBlocks:
        """The blocks of ``S^-1 P(k) S`` with ``S = diag(s)``."""
        return CellBlocks(self.cells, self.blocks * (1.0 / s)[None, :, None] * s[None, None, :])

    def assemble(self, k: np.ndarray, derivative: int = 0) -> np.ndarray:
        """P(k), shape (K, n, n), or dP/dk, shape (K, dim, n, n), in the cell gauge."""
        n_r, n, _ = self.blocks.shape
        arg = k @ self.cells.T  # (K, n_R)
        phase = np.empty(arg.shape, dtype=complex)
        phase.real = np.cos(arg)
        phase.imag = np.sin(arg)
        flat = self.blocks.reshape(n_r, n * n).astype(complex)
        if derivative == 0:
            return (phase @ flat).reshape(-1, n, n)
        weighted = 1j * phase[:, None, :] * self.cells.T[None, :, :]  # (K, dim, n_R)
        return (weighted @ flat).reshape(k.shape[0], -1, n, n)


#: Attributes of the reduced k coordinates (in units of the reciprocal lattice vectors).
_FRACTIONAL = {"units": "1", "long_name": "k in units of the reciprocal lattice vectors"}

def _two_site_modes(pk: np.ndarray, dpk: np.ndarray):
    """Closed-form eigenvalues of 2x2 matrices and their k-derivatives, sorted by |p|."""
    values, half_diff, root = _two_site_values(pk)
    d_ht = 0.5 * (dpk[..., 0, 0] + dpk[..., 1, 1])  # (K, dim)
    d_hd = 0.5 * (dpk[..., 0, 0] - dpk[..., 1, 1])
    d_prod = dpk[..., 0, 1] * pk[..., None, 1, 0] + pk[..., None, 0, 1] * dpk[..., 1, 0]
    small = np.abs(root) < 1e-12
    safe = np.where(small, 1.0, root)
    d_root = (half_diff[..., None] * d_hd + 0.5 * d_prod) / safe[..., None]
    dvalues = np.stack([d_ht + d_root, d_ht - d_root], axis=-2)  # (K, 2, dim)
    defined = np.stack([~small, ~small], axis=-1)
    order = _by_modulus(values)
    values = np.take_along_axis(values, order, axis=-1)
    dvalues = np.take_along_axis(dvalues, order[..., None], axis=-2)
    defined = np.take_along_axis(defined, order, axis=-1)
    return values, dvalues, defined


def _degenerate(values: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    diff = np.abs(values[..., :, None] - values[..., None, :])
    n = values.shape[-1]
    diff[..., np.arange(n), np.arange(n)] = np.inf
    return np.min(diff, axis=-1) < tol


def _kpoints(model: HoppingModel, k) -> tuple[np.ndarray, dict, dict]:
    """Flatten the k input; return Cartesian k (N, dim), extra coords and attrs."""
    coords: dict = {}
    attrs: dict = {}
    lattice = model.lattice
    if isinstance(k, KPath):
        kv = k.k
        coords["distance"] = ("k", k.distance, {"units": "1/angstrom"})
        coords["k_fractional"] = (("k", "direction"), k.fractional, _FRACTIONAL)
        attrs["tick_distance"] = k.tick_distance.tolist()
        attrs["tick_labels"] = ",".join(k.tick_labels)
        attrs["sampling"] = "path"
    elif isinstance(k, KMesh):
        kv = k.k
        coords["weight"] = ("k", k.weights, {"units": "1", "long_name": "k-point weight"})
        coords["k_fractional"] = (("k", "direction"), k.fractional, _FRACTIONAL)
        attrs["mesh_shape"] = list(k.shape)
        attrs["sampling"] = "mesh"
        if k.zone_boundary is not None:
            coords["zone_boundary"] = (
                ("vertex", "direction"),
                k.zone_boundary,
                {"units": "1/angstrom"},
            )
    else:
        kv = _k_axis(finite_array("k", k), model.dim).reshape(-1, model.dim)
        coords["k_fractional"] = (("k", "direction"), kv @ np.linalg.inv(lattice.reciprocal),
                                  _FRACTIONAL)
        attrs["sampling"] = "points"
    return np.ascontiguousarray(kv, dtype=float), coords, attrs


def _uses_hermitian(model: HoppingModel, temperature) -> bool:
    try:
        return model.detailed_balance(temperature=temperature)
    except ModelError:
        return False


def spectrum_memory_bytes(n_kpoints: int, n_sites: int, dim: int) -> int:
    """Estimated peak bytes of :func:`spectrum` for ``n_kpoints`` wave vectors.

    The general solver holds, per wave vector, the Bloch matrix, its ``dim`` derivatives, the
    right and left eigenvectors and a product of the two (complex ``n_sites x n_sites`` each,
    16 bytes), and the Dataset holds about ``8 + 2 dim`` real numbers per mode.
    """
    n_k, n = int(n_kpoints), int(n_sites)
    matrices = n_k * n * n * 16 * (4 + 2 * dim)
    per_mode = n_k * n * 8 * (8 + 2 * dim)
    return int(matrices + per_mode + n_k * dim * 8 * 4)


def spectrum(
    model: HoppingModel,
    k,
    *,
    field=None,
    coupling: str = "symmetric",
    temperature=None,
    domain: str = "raise",
    method: str = "auto",
) -> xr.Dataset:
    """Eigenvalues, decay rates, frequencies and group velocities of P(k) (Eqs. 12-15).

    Parameters
    ----------
    model : HoppingModel
    k : KPath, KMesh or array_like (..., dim)
        Wave vectors (Cartesian, 1/Å, for arrays).
    field : array_like, shape (dim,), optional
        Reduced field f = Z E / kB T, 1/Å.
    coupling : {"symmetric", "full"}
    temperature : float, optional
        K; required for models declared by energies.
    domain : {"raise", "warn", "ignore"}
        Out-probabilities above one (outside the discrete-time domain, DESIGN 3.7): raise, or
        compute anyway and flag the Dataset (``in_domain = 0`` and ``status``), with or without a
        DomainWarning.
    method : {"auto", "closed", "hermitian", "general"}
        Eigen-solver (see the module docstring). ``"hermitian"`` requires zero field and detailed
        balance.

    Returns
    -------
    xarray.Dataset
        Dimensions ``k``, ``mode`` (stable first) and ``direction``. Variables ``eigenvalue_real``,
        ``eigenvalue_imag``, ``modulus`` (|p|), ``decay_rate`` (1/s), ``frequency`` (rad/s),
        ``group_velocity`` (Å/s; (k, mode, direction)) and ``group_velocity_defined``;
        coordinates ``k_cartesian`` (1/Å) and ``k_fractional``, plus ``distance`` for paths and
        ``weight`` for meshes. Rates are per second when ``model.tau`` is in seconds (per step
        when tau = 1).
    """
    if isinstance(k, KPath | KMesh):
        n_k = k.k.shape[0]
    else:
        n_k = int(np.prod(np.shape(k)[:-1])) if model.dim > 1 else int(np.size(k))
    check_memory(
        spectrum_memory_bytes(n_k, model.n_sites, model.dim),
        what=f"the spectrum of {n_k} wave vectors x {model.n_sites} modes",
        advice="use fewer wave vectors (a coarser mesh or fewer path points)",
    )
    model.check_connected(spanning=False)
    kv, extra_coords, extra_attrs = _kpoints(model, k)
    if field is not None:
        f = finite_array("field", field)
        if f.size != model.dim or f.ndim > 1:
            raise ModelError(f"field must be one vector of {model.dim} component(s), got {f.shape}")
        field = f.reshape(model.dim)
    table = model.hop_table(temperature=temperature, field=field, coupling=coupling, domain=domain)
    inside = bool(in_domain(table))
    n, dim, tau = model.n_sites, model.dim, model.tau
    if method == "auto":
        if n == 2:
            method = "closed"
        elif field is None and _uses_hermitian(model, temperature):
            method = "hermitian"
        else:
            method = "general"
    blocks = CellBlocks.from_table(table, model.lattice.matrix)
    if method == "closed":
        if n != 2:
            raise ModelError(f"method='closed' needs a two-site cell, this model has {n} sites")
        values, dvalues, defined = _two_site_modes(blocks.assemble(kv), blocks.assemble(kv, 1))
    elif method == "hermitian":
        if field is not None or not _uses_hermitian(model, temperature):
            raise ModelError(
                "method='hermitian' needs zero field and detailed balance (a Hermitian similarity)"
            )
        s = np.sqrt(stationary_distribution(table))
        w = np.linalg.eigvalsh(blocks.similar(s).assemble(kv))
        values = np.take_along_axis(w, _by_modulus(w), axis=-1).astype(complex)
        dvalues = None
        defined = np.ones(values.shape, dtype=bool)
    elif method == "general":
        values, right = np.linalg.eig(blocks.assemble(kv))
        order = _by_modulus(values)
        values = np.take_along_axis(values, order, axis=-1)
        right = np.take_along_axis(right, order[..., None, :], axis=-1)
        try:
            left = np.linalg.inv(right)
        except np.linalg.LinAlgError:
            left = np.linalg.pinv(right)
        # Hellmann-Feynman: dp_v/dk_m = sum_ij left[v, i] dP_m[i, j] right[j, v]
        tmp = left[:, None, :, :] @ blocks.assemble(kv, 1)  # (K, dim, v, j)
        dvalues = np.sum(tmp * np.swapaxes(right, -1, -2)[:, None, :, :], axis=-1)
        dvalues = np.swapaxes(dvalues, -1, -2)  # (K, v, dim)
        defined = ~_degenerate(values)
    else:
        raise ModelError(
            f"method must be 'auto', 'closed', 'hermitian' or 'general', got {method!r}"
        )
    modulus = np.abs(values)
    if method == "hermitian":
        vg = np.zeros((*values.shape, dim))  # real eigenvalues of a Hermitian family
    else:
        nonzero = modulus > 1e-14
        defined = defined & nonzero
        with np.errstate(divide="ignore", invalid="ignore"):
            vg = np.imag(dvalues / np.where(nonzero, values, 1.0)[..., None]) / tau
        vg = np.where(defined[..., None], vg, np.nan)
    axes = list(_AXES[:dim])
    status = (
        "ok"
        if inside
        else (
            "outside the discrete-time domain: some out-probability exceeds 1 "
            "(negative diagonal of P)"
        )
    )
    coords = {
        "k": np.arange(kv.shape[0]),
        "mode": np.arange(n),
        "direction": axes,
        "k_cartesian": (("k", "direction"), kv, {"units": "1/angstrom"}),
    }
    coords.update(extra_coords)
    ds = xr.Dataset(
        {
            "eigenvalue_real": (("k", "mode"), values.real,
                                {"long_name": "Re p (Eq. 14)", "units": "1"}),
            "eigenvalue_imag": (("k", "mode"), values.imag,
                                {"long_name": "Im p (Eq. 14)", "units": "1"}),
            "modulus": (("k", "mode"), modulus, {"long_name": "|p|", "units": "1"}),
            "decay_rate": (
                ("k", "mode"),
                (1.0 - modulus) / tau,
                {"units": "1/s", "long_name": "kappa = (1 - |p|) / tau (Eq. 15)"},
            ),
            "frequency": (
                ("k", "mode"),
                np.angle(values) / tau,
                {"units": "rad/s", "long_name": "omega = arg p / tau (Eq. 15)"},
            ),
            "group_velocity": (
                ("k", "mode", "direction"),
                vg,
                {"units": "angstrom/s", "long_name": "d omega / dk (Eq. 20)"},
            ),
            "group_velocity_defined": (
                ("k", "mode"),
                defined,
                {"long_name": "False at degenerate eigenvalues or p = 0"},
            ),
        },
        coords=coords,
        attrs={
            "tau_s": tau,
            "n_sites": n,
            "dim": dim,
            "field": "none" if field is None else list(map(float, field)),
            "field_units": "1/angstrom (reduced field f = Z E / kB T)",
            "coupling": coupling,
            "temperature_K": "none" if temperature is None else float(temperature),
            "method": method,
            "in_domain": int(inside),
            "status": status,
            "convention": "P_k[b,a] = sum_{a->b} exp(+i k.d) P; modes sorted by |p|, stable first",
            **extra_attrs,
        },
    )
    return ds


# --------------------------------------------------------------------------- eigenvectors
def stationary_occupations(
    model: HoppingModel, *, temperature=None, field=None, coupling: str = "symmetric"
) -> xr.Dataset:
    """Stationary site occupations, the stable k = 0 eigenvector (Eq. 28).

    Returns
    -------
    xarray.Dataset
        Dimension ``site`` (named): ``probability`` (sums to one) and ``occupation``
        (``filling x probability``, ions per site). For a detailed-balance model the ratio of two
        occupations is the ratio of the hop probabilities between them (Eq. 28).
    """
    table = model.hop_table(temperature=temperature, field=field, coupling=coupling)
    pi = stationary_distribution(table)
    names = list(model.lattice.site_names)
    return xr.Dataset(
        {
            "probability": ("site", pi, {"long_name": "stationary probability per ion (Eq. 28)",
                                  "units": "1"}),
            "occupation": ("site", model.filling * pi, {"units": "ions per site"}),
            "energy": ("site", model.lattice.site_energies, {"units": "eV"}),
        },
        coords={"site": names},
        attrs={"filling": model.filling, "coupling": coupling},
    )


def polarization(
    model: HoppingModel,
    k=0.0,
    *,
    sites=None,
    field=None,
    coupling: str = "symmetric",
    temperature=None,
    domain: str = "raise",
) -> np.ndarray:
    """Microscopic polarization ``(u_a - u_b) / (u_a + u_b)`` of the stable mode (Eq. 29).

    Parameters
    ----------
    model : HoppingModel
    k : array_like, shape (..., dim)
        Cartesian wave vectors, 1/Å (a scalar or 1D array for 1D lattices).
    sites : pair of str, optional
        The two sites a, b; default the first two sites of the cell.
    field, coupling, temperature, domain
        As for :func:`spectrum`.

    Returns
    -------
    ndarray, complex, shape (...)
        Real at zero field for detailed-balance models; with a field the imaginary part is the
        phase lag of Eq. 37. At k = 0 it is ``(pi_a - pi_b) / (pi_a + pi_b)`` (gamma for the chain,
        Eq. 28).
    """
    if model.n_sites < 2:
        raise ModelError("polarization needs at least two sites per cell")
    names = model.lattice.site_names
    if sites is None:
        sites = names[:2]
    if len(sites) != 2:
        raise ModelError(f"sites must name two sites, got {sites!r}")
    ia, ib = (model.lattice.site_index(s) for s in sites)
    karr = _k_axis(finite_array("k", k), model.dim)
    lead = karr.shape[:-1]
    flat = karr.reshape(-1, model.dim)
    modes = eigenmodes(
        model,
        flat,
        field=field,
        coupling=coupling,
        temperature=temperature,
        method="general",
        domain=domain,
    )
    u = modes.right[..., :, 0]
    ua, ub = u[:, ia], u[:, ib]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (ua - ub) / (ua + ub)
    if not np.all(np.isfinite(out)):
        raise ModelError("u_a + u_b vanishes for the stable mode at some k: polarization undefined")
    return out.reshape(lead)
