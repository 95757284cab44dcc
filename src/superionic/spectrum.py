"""Spectra of ionic density waves along k-paths and over Brillouin-zone meshes (Eqs. 12-15, 26-29).

* :func:`kpath` and :func:`kmesh` generate wave vectors: paths through labelled high-symmetry
  points (:func:`high_symmetry_points` knows 1D, 2D square / rectangular / hexagonal and 3D
  simple-cubic / fcc / bcc / hexagonal lattices) and Monkhorst-Pack meshes, optionally folded
  into the first Brillouin zone (:func:`to_first_zone`).
* :func:`spectrum` returns every mode's eigenvalue ``p = |p| exp(i omega tau)``, decay rate
  ``kappa = (1 - |p|) / tau`` and frequency ``omega = arg p / tau`` (Eq. 15) and group velocity
  ``d omega / dk`` as an :class:`xarray.Dataset` with dimensions ``k``, ``mode`` and
  ``direction``; modes are sorted stable first (largest |p|).
* :func:`stationary_occupations` (Eq. 28) and :func:`polarization` (Eq. 29) describe the stable
  mode's eigenvector.

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

import itertools
import math
from dataclasses import dataclass

import numpy as np
import xarray as xr

from ._validate import finite_array, finite_float, int_tuple
from .bloch import eigenmodes, stationary_distribution
from .errors import ModelError
from .lattice import Lattice
from .model import HoppingModel, in_domain

_AXES = ("x", "y", "z")
GAMMA = "Γ"


# --------------------------------------------------------------------------- k-points
def _close(x, y, tol=1e-6) -> bool:
    return abs(x - y) <= tol * max(1.0, abs(y))


def lattice_kind(lattice: Lattice) -> str:
    """Classify the Bravais lattice from its metric.

    Returns one of ``"1d"``, ``"square"``, ``"rectangular"``, ``"hexagonal"``, ``"oblique"``,
    ``"cubic"``, ``"fcc"``, ``"bcc"``, ``"hexagonal3d"``, ``"triclinic"`` (the fallback for any
    other 3D cell). fcc and bcc are recognised in their primitive settings (all three angles 60
    degrees, or all arccos(-1/3)).
    """
    a = lattice.matrix
    dim = lattice.dim
    if dim == 1:
        return "1d"
    lengths = np.linalg.norm(a, axis=1)
    cos = (a @ a.T) / np.outer(lengths, lengths)
    if dim == 2:
        equal = _close(lengths[0], lengths[1])
        c = cos[0, 1]
        if abs(c) < 1e-6:
            return "square" if equal else "rectangular"
        if equal and _close(abs(c), 0.5):
            return "hexagonal"
        return "oblique"
    pairs = [cos[0, 1], cos[0, 2], cos[1, 2]]
    equal = _close(lengths[0], lengths[1]) and _close(lengths[1], lengths[2])
    if equal and all(abs(c) < 1e-6 for c in pairs):
        return "cubic"
    if equal and all(_close(c, 0.5) for c in pairs):
        return "fcc"
    if equal and all(_close(c, -1.0 / 3.0) for c in pairs):
        return "bcc"
    # hexagonal: two equal vectors at 60/120 degrees, the third orthogonal to both
    for i, j, k in ((0, 1, 2), (0, 2, 1), (1, 2, 0)):
        if (
            _close(lengths[i], lengths[j])
            and _close(abs(cos[i, j]), 0.5)
            and abs(cos[i, k]) < 1e-6
            and abs(cos[j, k]) < 1e-6
            and (i, j) == (0, 1)
        ):
            return "hexagonal3d"
    return "triclinic"


def _hex_k_point(lattice: Lattice, plane=(0, 1)) -> tuple[float, ...]:
    """Fractional coordinates of the K corner of a hexagonal zone for either 60/120 setting."""
    rec = lattice.reciprocal
    i, j = plane
    target = np.linalg.norm(rec[i]) / math.sqrt(3.0)
    for fi, fj in ((1 / 3, 1 / 3), (1 / 3, -1 / 3), (2 / 3, 1 / 3), (1 / 3, 2 / 3)):
        frac = np.zeros(lattice.dim)
        frac[i], frac[j] = fi, fj
        if _close(float(np.linalg.norm(frac @ rec)), target):
            return tuple(float(x) for x in frac)
    raise ModelError("could not locate the K point of this hexagonal lattice")  # pragma: no cover


def high_symmetry_points(lattice: Lattice) -> tuple[dict[str, tuple[float, ...]], list]:
    """Default labelled high-symmetry points (fractional reciprocal coordinates) and path.

    Returns
    -------
    points : dict
        Label -> fractional coordinates in the basis of ``lattice.reciprocal``.
    path : list of list of str
        Default path; consecutive sub-lists are joined by a jump.
    """
    kind = lattice_kind(lattice)
    g = GAMMA
    if kind == "1d":
        return {"-X": (-0.5,), g: (0.0,), "X": (0.5,)}, [["-X", g, "X"]]
    if kind == "square":
        return {g: (0, 0), "X": (0.5, 0), "M": (0.5, 0.5)}, [[g, "X", "M", g]]
    if kind == "rectangular":
        pts = {g: (0, 0), "X": (0.5, 0), "Y": (0, 0.5), "S": (0.5, 0.5)}
        return pts, [[g, "X", "S", "Y", g, "S"]]
    if kind == "hexagonal":
        return {g: (0, 0), "M": (0.5, 0), "K": _hex_k_point(lattice)}, [[g, "M", "K", g]]
    if kind == "oblique":
        return {g: (0, 0), "X": (0.5, 0), "Y": (0, 0.5)}, [["X", g, "Y"]]
    if kind == "cubic":
        pts = {g: (0, 0, 0), "X": (0, 0.5, 0), "M": (0.5, 0.5, 0), "R": (0.5, 0.5, 0.5)}
        return pts, [[g, "X", "M", g, "R", "X"], ["M", "R"]]
    if kind == "fcc":
        pts = {
            g: (0, 0, 0),
            "X": (0.5, 0, 0.5),
            "L": (0.5, 0.5, 0.5),
            "W": (0.5, 0.25, 0.75),
            "K": (0.375, 0.375, 0.75),
            "U": (0.625, 0.25, 0.625),
        }
        return pts, [[g, "X", "W", "K", g, "L", "U", "W", "L", "K"], ["U", "X"]]
    if kind == "bcc":
        pts = {g: (0, 0, 0), "H": (0.5, -0.5, 0.5), "P": (0.25, 0.25, 0.25), "N": (0, 0, 0.5)}
        return pts, [[g, "H", "N", g, "P", "H"], ["P", "N"]]
    if kind == "hexagonal3d":
        kk = _hex_k_point(lattice)
        pts = {
            g: (0, 0, 0),
            "M": (0.5, 0, 0),
            "K": kk,
            "A": (0, 0, 0.5),
            "L": (0.5, 0, 0.5),
            "H": (kk[0], kk[1], 0.5),
        }
        return pts, [[g, "M", "K", g, "A", "L", "H", "A"], ["L", "M"], ["K", "H"]]
    pts = {g: (0, 0, 0), "X": (0.5, 0, 0), "Y": (0, 0.5, 0), "Z": (0, 0, 0.5)}
    return pts, [["X", g, "Y"], [g, "Z"]]


@dataclass(frozen=True, eq=False)
class KPath:
    """Wave vectors along a path through labelled points.

    Attributes
    ----------
    k : ndarray, shape (n, dim)
        Cartesian wave vectors, 1/Å.
    fractional : ndarray, shape (n, dim)
        The same in the basis of the reciprocal lattice vectors.
    distance : ndarray, shape (n,)
        Cumulative path length, 1/Å (it does not grow across a jump between segments).
    tick_distance : ndarray
        Distances of the labelled points.
    tick_labels : tuple of str
        Their labels (``"A|B"`` where a segment ends at A and the next starts at B).
    """

    k: np.ndarray
    fractional: np.ndarray
    distance: np.ndarray
    tick_distance: np.ndarray
    tick_labels: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.k.shape[0])


def kpath(lattice: Lattice, points=None, path=None, n: int = 200) -> KPath:
    """A path of wave vectors through labelled high-symmetry points.

    Parameters
    ----------
    lattice : Lattice
    points : dict, optional
        ``{label: fractional coordinates}`` in the basis of ``lattice.reciprocal``; default
        :func:`high_symmetry_points`.
    path : sequence of str, or sequence of sequences of str, optional
        Labels to visit; nested sequences are segments joined by jumps. Default: the default path
        of the lattice (or all given points in order).
    n : int
        Approximate total number of k-points, distributed in proportion to segment lengths (at
        least 2 per leg, endpoints included).
    """
    n = int(finite_float("n", n, minimum=2))
    if points is None:
        points, default_path = high_symmetry_points(lattice)
    else:
        default_path = [list(points)]
    if path is None:
        path = default_path
    path = list(path)
    if not path:
        raise ModelError("path must name at least two points")
    if all(isinstance(p, str) for p in path):
        path = [path]
    segments = [list(seg) for seg in path]
    frac_pts = {}
    for label, f in points.items():
        arr = np.atleast_1d(finite_array(f"points[{label!r}]", f))
        if arr.shape != (lattice.dim,):
            raise ModelError(
                f"points[{label!r}] must have {lattice.dim} fractional coordinate(s), got {f!r}"
            )
        frac_pts[label] = arr
    for seg in segments:
        if len(seg) < 2:
            raise ModelError(f"each path segment needs at least two labels, got {seg!r}")
        for label in seg:
            if label not in frac_pts:
                raise ModelError(f"path label {label!r} is not among the points {sorted(frac_pts)}")
    rec = lattice.reciprocal
    legs = [(seg[i], seg[i + 1]) for seg in segments for i in range(len(seg) - 1)]
    lengths = np.array(
        [np.linalg.norm((frac_pts[b] - frac_pts[a]) @ rec) for a, b in legs], dtype=float
    )
    total = float(lengths.sum())
    if not total > 0:
        raise ModelError("the path has zero length")
    counts = np.maximum(2, np.round(lengths / total * n).astype(int) + 1)
    fracs, dists, tick_d, tick_l = [], [], [], []
    offset = 0.0
    leg_index = 0
    for si, seg in enumerate(segments):
        for i in range(len(seg) - 1):
            a, b = seg[i], seg[i + 1]
            m = counts[leg_index]
            t = np.linspace(0.0, 1.0, m)
            f = frac_pts[a][None, :] + t[:, None] * (frac_pts[b] - frac_pts[a])[None, :]
            d = offset + t * lengths[leg_index]
            if i > 0:
                f, d = f[1:], d[1:]
            fracs.append(f)
            dists.append(d)
            if i == 0:
                if si > 0:
                    tick_l[-1] = f"{tick_l[-1]}|{a}"
                else:
                    tick_d.append(offset)
                    tick_l.append(a)
            offset += lengths[leg_index]
            tick_d.append(offset)
            tick_l.append(b)
            leg_index += 1
    frac = np.concatenate(fracs)
    return KPath(
        k=frac @ rec,
        fractional=frac,
        distance=np.concatenate(dists),
        tick_distance=np.asarray(tick_d),
        tick_labels=tuple(tick_l),
    )


@dataclass(frozen=True, eq=False)
class KMesh:
    """A regular mesh of wave vectors over the Brillouin zone.

    Attributes
    ----------
    k : ndarray, shape (n, dim)
        Cartesian wave vectors, 1/Å.
    fractional : ndarray, shape (n, dim)
        Fractional coordinates before folding (in [-1/2, 1/2)).
    shape : tuple of int
        Mesh divisions; ``k.reshape(*shape, dim)`` restores the grid.
    weights : ndarray, shape (n,)
        Equal weights summing to one.
    zone_boundary : ndarray, shape (n_vertices, dim) or None
        Corners of the first Brillouin zone (2D lattices), in order, 1/Å.
    """

    k: np.ndarray
    fractional: np.ndarray
    shape: tuple[int, ...]
    weights: np.ndarray
    zone_boundary: np.ndarray | None

    def __len__(self) -> int:
        return int(self.k.shape[0])


def _nearby_g(lattice: Lattice, reach: int = 2) -> np.ndarray:
    rng = range(-reach, reach + 1)
    m = np.array(list(itertools.product(*[rng] * lattice.dim)), dtype=float)
    return m @ lattice.reciprocal


def to_first_zone(lattice: Lattice, k) -> np.ndarray:
    """Fold Cartesian wave vectors (..., dim) into the first Brillouin (Wigner-Seitz) zone.

    Each k is shifted by the reciprocal-lattice vector that brings it closest to Gamma.
    Eigenvalues of P(k) are periodic in the reciprocal lattice, so spectra are unchanged.
    """
    kv = finite_array("k", k)
    if kv.shape[-1:] != (lattice.dim,):
        raise ModelError(f"k must have {lattice.dim} component(s) on its last axis")
    flat = kv.reshape(-1, lattice.dim)
    # Reduce to the parallelepiped first so that a small set of G suffices.
    frac = flat @ np.linalg.inv(lattice.reciprocal)
    flat = (frac - np.round(frac)) @ lattice.reciprocal
    g = _nearby_g(lattice)
    dist = np.linalg.norm(flat[:, None, :] - g[None, :, :], axis=-1)
    best = np.argmin(dist, axis=1)
    return (flat - g[best]).reshape(kv.shape)


def zone_boundary(lattice: Lattice) -> np.ndarray:
    """Corners of the first Brillouin zone of a 2D lattice, counter-clockwise, 1/Å."""
    if lattice.dim != 2:
        raise ModelError("zone_boundary is available for 2D lattices")
    g = _nearby_g(lattice)
    g = g[np.linalg.norm(g, axis=1) > 1e-12]
    verts = []
    for i in range(len(g)):
        for j in range(i + 1, len(g)):
            a = np.array([g[i], g[j]])
            if abs(np.linalg.det(a)) < 1e-12:
                continue
            v = np.linalg.solve(a, 0.5 * np.array([g[i] @ g[i], g[j] @ g[j]]))
            if np.all(g @ v <= 0.5 * np.sum(g * g, axis=1) + 1e-9):
                verts.append(v)
    verts = np.unique(np.round(np.array(verts), 12), axis=0)
    order = np.argsort(np.arctan2(verts[:, 1], verts[:, 0]))
    return verts[order]


def kmesh(lattice: Lattice, n, *, gamma_centered: bool = False, first_zone: bool = False) -> KMesh:
    """A Monkhorst-Pack mesh of ``n_1 x ... x n_dim`` wave vectors.

    Parameters
    ----------
    lattice : Lattice
    n : int or sequence of int
        Divisions along each reciprocal vector.
    gamma_centered : bool
        Use the points ``r / n`` (containing Gamma) instead of the Monkhorst-Pack points
        ``(2 r - n - 1) / (2 n)``.
    first_zone : bool
        Fold the Cartesian points into the first Brillouin zone (useful for maps).
    """
    dim = lattice.dim
    if isinstance(n, int | np.integer):
        n = (int(n),) * dim
    shape = int_tuple("n", n, dim)
    if any(q < 1 for q in shape):
        raise ModelError(f"mesh divisions must be >= 1, got {shape}")
    axes = []
    for q in shape:
        r = np.arange(q)
        u = r / q if gamma_centered else (2 * r - q + 1) / (2 * q)
        axes.append(u - np.floor(u + 0.5))  # into [-1/2, 1/2)
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, dim)
    k = grid @ lattice.reciprocal
    if first_zone:
        k = to_first_zone(lattice, k)
    npts = grid.shape[0]
    return KMesh(
        k=k,
        fractional=grid,
        shape=shape,
        weights=np.full(npts, 1.0 / npts),
        zone_boundary=zone_boundary(lattice) if dim == 2 else None,
    )


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


def _two_site_modes(pk: np.ndarray, dpk: np.ndarray):
    """Closed-form eigenvalues of 2x2 matrices and their k-derivatives, sorted by |p|."""
    half_trace = 0.5 * (pk[..., 0, 0] + pk[..., 1, 1])
    half_diff = 0.5 * (pk[..., 0, 0] - pk[..., 1, 1])
    prod = pk[..., 0, 1] * pk[..., 1, 0]
    root = np.sqrt(half_diff * half_diff + prod)
    values = np.stack([half_trace + root, half_trace - root], axis=-1)
    d_ht = 0.5 * (dpk[..., 0, 0] + dpk[..., 1, 1])  # (K, dim)
    d_hd = 0.5 * (dpk[..., 0, 0] - dpk[..., 1, 1])
    d_prod = dpk[..., 0, 1] * pk[..., None, 1, 0] + pk[..., None, 0, 1] * dpk[..., 1, 0]
    small = np.abs(root) < 1e-12
    safe = np.where(small, 1.0, root)
    d_root = (half_diff[..., None] * d_hd + 0.5 * d_prod) / safe[..., None]
    dvalues = np.stack([d_ht + d_root, d_ht - d_root], axis=-2)  # (K, 2, dim)
    defined = np.stack([~small, ~small], axis=-1)
    order = np.argsort(-np.abs(values), axis=-1, kind="stable")
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
        coords["k_fractional"] = (("k", "direction"), k.fractional)
        attrs["tick_distance"] = k.tick_distance.tolist()
        attrs["tick_labels"] = ",".join(k.tick_labels)
        attrs["sampling"] = "path"
    elif isinstance(k, KMesh):
        kv = k.k
        coords["weight"] = ("k", k.weights)
        coords["k_fractional"] = (("k", "direction"), k.fractional)
        attrs["mesh_shape"] = list(k.shape)
        attrs["sampling"] = "mesh"
        if k.zone_boundary is not None:
            coords["zone_boundary"] = (
                ("vertex", "direction"),
                k.zone_boundary,
                {"units": "1/angstrom"},
            )
    else:
        kv = finite_array("k", k)
        if model.dim == 1 and (kv.ndim == 0 or kv.shape[-1] != 1):
            kv = kv[..., None]
        if kv.shape[-1:] != (model.dim,):
            raise ModelError(
                f"k must have {model.dim} component(s) on its last axis, got shape {kv.shape}"
            )
        kv = kv.reshape(-1, model.dim)
        coords["k_fractional"] = (("k", "direction"), kv @ np.linalg.inv(lattice.reciprocal))
        attrs["sampling"] = "points"
    return np.ascontiguousarray(kv, dtype=float), coords, attrs


def _uses_hermitian(model: HoppingModel, temperature) -> bool:
    try:
        return model.detailed_balance(temperature=temperature)
    except ModelError:
        return False


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
        order = np.argsort(-np.abs(w), axis=-1, kind="stable")
        values = np.take_along_axis(w, order, axis=-1).astype(complex)
        dvalues = None
        defined = np.ones(values.shape, dtype=bool)
    elif method == "general":
        values, right = np.linalg.eig(blocks.assemble(kv))
        order = np.argsort(-np.abs(values), axis=-1, kind="stable")
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
            "eigenvalue_real": (("k", "mode"), values.real, {"long_name": "Re p (Eq. 14)"}),
            "eigenvalue_imag": (("k", "mode"), values.imag, {"long_name": "Im p (Eq. 14)"}),
            "modulus": (("k", "mode"), modulus, {"long_name": "|p|"}),
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
            "probability": ("site", pi, {"long_name": "stationary probability per ion (Eq. 28)"}),
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
    karr = finite_array("k", k)
    if model.dim == 1 and (karr.ndim == 0 or karr.shape[-1] != 1):
        karr = karr[..., None]
    if karr.shape[-1:] != (model.dim,):
        raise ModelError(f"k must have {model.dim} component(s) on its last axis")
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
