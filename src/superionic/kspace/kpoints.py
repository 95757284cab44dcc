"""Wave vectors for spectra: high-symmetry points, k-paths and Brillouin-zone meshes.

The wave vectors ``k`` at which the Bloch matrix ``P(k)`` of Eq. 12 is evaluated (Eqs. 10-15 are
written for any k of the reciprocal space; this module only supplies the geometry):

* :func:`lattice_kind` classifies the Bravais lattice from its metric and
  :func:`high_symmetry_points` gives labelled points and a default path for 1D, 2D square /
  rectangular / hexagonal / oblique and 3D simple-cubic / fcc / bcc / hexagonal lattices;
* :func:`kpath` samples a path through labelled points (:class:`KPath`);
* :func:`kmesh` builds a Monkhorst-Pack or Gamma-centred mesh (:class:`KMesh`), optionally
  folded into the first Brillouin zone (:func:`to_first_zone`); :func:`zone_boundary` gives the
  corners of a 2D zone.

Eigenvalues of P(k) are periodic in the reciprocal lattice, so folding does not change spectra.
:func:`superionic.kspace.spectrum.spectrum` takes a :class:`KPath` or :class:`KMesh` directly.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from .._validate import check_memory, finite_array, finite_float, int_tuple
from ..errors import ModelError
from ..lattice import Lattice

__all__ = [
    "GAMMA",
    "KMesh",
    "KPath",
    "high_symmetry_points",
    "kmesh",
    "kpath",
    "lattice_kind",
    "to_first_zone",
    "zone_boundary",
]

#: Label of the zone centre.
GAMMA = "Γ"


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


def kmesh_memory_bytes(shape, dim: int) -> int:
    """Estimated peak bytes of :func:`kmesh` for ``shape`` divisions in ``dim`` dimensions.

    The fractional grid, its meshgrid, the Cartesian points and the folding into the first zone
    each hold ``prod(shape) x dim`` floats: about eight such arrays at the peak.
    """
    n_points = math.prod(int(q) for q in shape)
    return int(8 * n_points * dim * 8)


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
    check_memory(
        kmesh_memory_bytes(shape, dim),
        what=f"a {' x '.join(map(str, shape))} k-mesh ({math.prod(shape)} wave vectors)",
        advice="use fewer divisions n",
    )
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
