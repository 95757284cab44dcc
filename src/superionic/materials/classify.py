"""The symmetry analysis behind :func:`~superionic.materials.hop_network`.

Site selection (occupied, explicit or Voronoi sites), site orbits and Wyckoff labels, the pairs
within a cutoff and their bond orbits, hop classes with their clearance from the framework, and
the percolation of the bond network (the rank of the lattice of cell offsets around loops).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..errors import ModelError
from .errors import NoSuchSpeciesError
from .structure import (
    Framework,
    Symmetry,
    expand_orbit,
    find_symmetry,
    image_offsets,
    periodic_match,
    symmetrize_point,
    unique_periodic,
    voronoi_candidates,
)

#: Distance tolerance (Å) for coinciding points and equal hop lengths.
LENGTH_TOL = 1e-3
_SITE_TYPE = 1000  # spglib type numbers of mobile-ion sites (above any atomic number)


def _rounded_composition(struct):
    from pymatgen.core import Composition

    amounts: dict[str, float] = {}
    for el, amount in struct.composition.element_composition.items():
        amounts[el.symbol] = round(float(amount), 4)
    return Composition(amounts)


def _oxidation_states(struct) -> tuple[tuple[str, float], ...]:
    states: dict[str, float] = {}
    for site in struct:
        for sp in site.species:
            oxi = getattr(sp, "oxi_state", None)
            if oxi is not None:
                states[sp.symbol] = float(oxi)
    elements = {el.symbol for el in struct.composition.elements}
    if elements <= set(states):
        return tuple(sorted(states.items()))
    try:
        guesses = _rounded_composition(struct).oxi_state_guesses(max_sites=-1)
    except Exception:  # pymatgen cannot guess for every composition
        guesses = ()
    if not guesses:
        return ()
    return tuple(sorted((str(k), float(v)) for k, v in guesses[0].items()))


# =========================================================================== site selection
def _frozen(arr: np.ndarray) -> np.ndarray:
    arr = np.array(arr)
    arr.setflags(write=False)
    return arr


def _select_sites(framework: Framework, element, struct, sites, min_distance, merge_distance,
                  symprec, tol):
    lat = framework.lattice
    if isinstance(sites, str):
        if sites == "occupied":
            if framework.mobile_positions.shape[0] == 0:
                present = sorted({el.symbol for el in struct.composition.elements})
                raise NoSuchSpeciesError(
                    f"mobile = {element!r}: the structure has no {element} sites (species "
                    f"present: {present}); for interstitial sites use sites='voronoi' or "
                    "explicit sites"
                )
            occ = np.round(framework.mobile_occupancy, 4)
            _, types = np.unique(occ, return_inverse=True)
            return "occupied", framework.mobile_positions.copy(), _SITE_TYPE + types
        if sites == "voronoi":
            fsym = find_symmetry(lat, framework.positions, framework.numbers, symprec=symprec)
            cands = voronoi_candidates(framework, min_distance=min_distance,
                                       merge_distance=merge_distance)
            if cands.shape[0] == 0:
                raise ModelError(
                    f"sites='voronoi' found no Voronoi vertex at least min_distance = "
                    f"{min_distance:g} Å from every framework atom; lower min_distance"
                )
            points = _expand_all(
                [symmetrize_point(p, fsym, lat, merge_distance) for p in cands], fsym, lat, tol
            )
            return "voronoi", points, np.full(points.shape[0], _SITE_TYPE)
        raise ModelError(
            f"sites must be 'occupied', 'voronoi' or a sequence of explicit sites, got {sites!r}"
        )
    fsym = find_symmetry(lat, framework.positions, framework.numbers, symprec=symprec)
    reps = []
    checks = []
    for i, entry in enumerate(sites):
        label = None
        if isinstance(entry, Mapping):
            label, point = entry.get("wyckoff"), entry.get("position")
        elif (isinstance(entry, Sequence) and len(entry) == 2 and isinstance(entry[0], str)):
            label, point = entry
        else:
            point = entry
        try:
            p = np.asarray(point, dtype=float)
        except (TypeError, ValueError):
            p = np.array([np.nan])
        if p.shape != (3,) or not np.all(np.isfinite(p)):
            raise ModelError(
                f"sites[{i}] = {entry!r}: give fractional coordinates (x, y, z) or a pair "
                "(wyckoff label, (x, y, z))"
            )
        reps.append(p)
        checks.append((i, label))
    if not reps:
        raise ModelError("sites: the sequence of explicit sites is empty")
    orbits = [expand_orbit(p, fsym, lat, tol) for p in reps]
    points = np.vstack(orbits)
    keep = unique_periodic(points, lat, tol)
    if keep.size != points.shape[0]:
        raise ModelError(
            "sites: explicit sites coincide with each other or with a symmetry image of "
            "another; give one representative per orbit"
        )
    # check the stated Wyckoff labels against the orbits' own
    orbit_of = np.repeat(np.arange(len(orbits)), [o.shape[0] for o in orbits])
    labels = _wyckoff_labels(framework, points, orbit_of, lat, symprec)
    for (i, label), found in zip(checks, labels, strict=True):
        if label is not None and label != found and label != _letter(found):
            raise ModelError(
                f"sites[{i}]: the position {np.round(reps[i], 4).tolist()} lies on Wyckoff "
                f"position {found} of {fsym.international}, not {label!r}"
            )
    return "explicit", points, np.full(points.shape[0], _SITE_TYPE)


def _expand_all(points, symmetry, lat, tol) -> np.ndarray:
    out = np.zeros((0, 3))
    for p in points:
        if out.shape[0]:
            delta = p - out
            delta -= np.round(delta)
            if np.min(np.linalg.norm(delta @ lat, axis=1)) < tol:
                continue
        out = np.vstack([out, expand_orbit(p, symmetry, lat, tol)])
    return out


def _site_occupancy(framework: Framework, positions, lat, tol) -> np.ndarray:
    occ = np.zeros(positions.shape[0])
    if framework.mobile_positions.shape[0] == 0:
        return occ
    idx, _, dist = periodic_match(framework.mobile_positions, positions, lat)
    ok = dist < max(tol, 0.1)
    np.add.at(occ, idx[ok], framework.mobile_occupancy[ok])
    return occ


# =========================================================================== symmetry classes
def _site_permutations(positions, symmetry: Symmetry, lat, tol):
    images = symmetry.apply(positions)  # (g, n, 3)
    g, n, _ = images.shape
    idx, shift, dist = periodic_match(images.reshape(-1, 3), positions, lat)
    if np.any(dist > tol):
        worst = float(np.max(dist))
        raise ModelError(
            f"the sites are not closed under the space group (a symmetry image misses every "
            f"site by {worst:.4f} Å); loosen symprec or check the sites"
        )
    return idx.reshape(g, n), shift.reshape(g, n, 3)


def _orbits(n: int, perm: np.ndarray) -> np.ndarray:
    rows = np.repeat(np.arange(n)[None, :], perm.shape[0], axis=0).ravel()
    graph = coo_matrix((np.ones(rows.size), (rows, perm.ravel())), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    # number components in order of first appearance
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(first)
    remap = np.empty_like(order)
    remap[order] = np.arange(order.size)
    return remap[labels]


def _wyckoff_labels(framework: Framework, positions, site_class, lat, symprec,
                    *, with_symbols: bool = False):
    n_classes = int(site_class.max()) + 1
    nf = framework.positions.shape[0]
    sym = find_symmetry(
        lat,
        np.vstack([framework.positions, positions]),
        np.concatenate([framework.numbers, _SITE_TYPE + site_class]),
        symprec=symprec,
    )
    labels, symbols = [], []
    for c in range(n_classes):
        members = np.flatnonzero(site_class == c)
        letter = sym.wyckoffs[nf + members[0]]
        symbols.append(sym.site_symmetry[nf + members[0]])
        mult = round(members.size * sym.conventional_ratio)
        labels.append(f"{mult}{letter}")
    seen: dict[str, int] = {}
    out = []
    for lab in labels:
        seen[lab] = seen.get(lab, 0) + 1
        out.append(lab if seen[lab] == 1 else f"{lab}_{seen[lab]}")
    return (out, symbols) if with_symbols else out


def _label_key(label: str):
    digits = "".join(ch for ch in label if ch.isdigit())
    return (int(digits) if digits else 0, label)


def _letter(label: str) -> str:
    return "".join(ch for ch in label.split("_")[0] if ch.isalpha())


# =========================================================================== pairs and bonds
def _pairs(positions, lat, cutoff):
    offsets = image_offsets(lat, cutoff)
    n = positions.shape[0]
    cart = positions @ lat
    shift = offsets @ lat
    src, tgt, cells, lengths = [], [], [], []
    for i in range(n):
        d = cart[None, :, :] + shift[:, None, :] - cart[i]  # (o, n, 3)
        dist = np.linalg.norm(d, axis=-1)
        o, j = np.nonzero((dist <= cutoff + LENGTH_TOL) & (dist > LENGTH_TOL))
        off = offsets[o]
        keep = (j > i) | ((j == i) & (_lex_sign(off) > 0))
        src.append(np.full(int(keep.sum()), i))
        tgt.append(j[keep])
        cells.append(off[keep])
        lengths.append(dist[o[keep], j[keep]])
    return (np.concatenate(src).astype(np.int64), np.concatenate(tgt).astype(np.int64),
            np.vstack(cells).astype(np.int64).reshape(-1, 3), np.concatenate(lengths))


def _shortest_distance(positions, lat) -> float:
    reach = float(np.max(np.linalg.norm(lat, axis=1)))
    offsets = image_offsets(lat, reach)
    cart = positions @ lat
    d = cart[None, :, None, :] + (offsets @ lat)[None, None, :, :] - cart[:, None, None, :]
    dist = np.linalg.norm(d, axis=-1)
    return float(np.min(dist[dist > LENGTH_TOL]))


def _lex_sign(vecs: np.ndarray) -> np.ndarray:
    s = np.sign(vecs)
    return np.where(s[:, 0] != 0, s[:, 0], np.where(s[:, 1] != 0, s[:, 1], s[:, 2]))


def _canonical(a, b, r):
    swap = (a > b) | ((a == b) & (_lex_sign(r) < 0))
    a2 = np.where(swap, b, a)
    b2 = np.where(swap, a, b)
    r2 = np.where(swap[:, None], -r, r)
    return a2, b2, r2


def _encode(a, b, r, n):
    base = 4096
    rr = r + base // 2
    if np.any((rr < 0) | (rr >= base)):
        raise ModelError("cell offsets out of range while classifying hops")
    return (((a * n + b) * base + rr[:, 0]) * base + rr[:, 1]) * base + rr[:, 2]


def _bond_orbits(source, target, cell, perm, perm_shift, symmetry: Symmetry) -> np.ndarray:
    n = perm.shape[1]
    keys = _encode(source, target, cell, n)
    order = np.argsort(keys)
    sorted_keys = keys[order]
    rows, cols = [], []
    for g in range(perm.shape[0]):
        a = perm[g, source]
        b = perm[g, target]
        r = cell @ symmetry.rotations[g].T + perm_shift[g, target] - perm_shift[g, source]
        a, b, r = _canonical(a, b, r)
        mapped = _encode(a, b, r, n)
        pos = np.searchsorted(sorted_keys, mapped)
        pos = np.minimum(pos, sorted_keys.size - 1)
        found = sorted_keys[pos] == mapped
        if not np.all(found):
            raise ModelError("a symmetry image of a hop is missing from the hop list")
        rows.append(np.arange(source.size))
        cols.append(order[pos])
    rows_a, cols_a = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(rows_a.size), (rows_a, cols_a)), shape=(source.size,) * 2)
    _, labels = connected_components(graph, directed=False)
    return labels


def _framework_distance(framework: Framework, positions) -> np.ndarray:
    lat = framework.lattice
    if framework.positions.shape[0] == 0:
        return np.full(positions.shape[0], np.inf)
    reach = float(np.max(np.linalg.norm(lat, axis=1)))
    offsets = image_offsets(lat, reach)
    fw = (framework.positions[None, :, :] + offsets[:, None, :]).reshape(-1, 3) @ lat
    from scipy.spatial import cKDTree

    dist, _ = cKDTree(fw).query(positions @ lat)
    return dist


def _segment_clearance(start, end, framework: Framework) -> float:
    lat = framework.lattice
    if framework.positions.shape[0] == 0:
        return math.inf
    length = float(np.linalg.norm(end - start))
    offsets = image_offsets(lat, length + 1.0)
    base = np.floor(start @ np.linalg.inv(lat))
    fw = ((framework.positions[None, :, :] + offsets[:, None, :] + base).reshape(-1, 3)) @ lat
    seg = end - start
    t = np.clip((fw - start) @ seg / max(seg @ seg, 1e-30), 0.0, 1.0)
    closest = start + t[:, None] * seg
    return float(np.min(np.linalg.norm(fw - closest, axis=1)))


def _percolation(n, source, target, cell):
    adjacency: list[list[tuple[int, np.ndarray]]] = [[] for _ in range(n)]
    for s, t, c in zip(source, target, cell, strict=True):
        adjacency[int(s)].append((int(t), c))
        adjacency[int(t)].append((int(s), -c))
    offset: list[np.ndarray | None] = [None] * n
    best_rank, best_vectors, components = 0, np.zeros((0, 3), dtype=np.int64), 0
    for root in range(n):
        if offset[root] is not None:
            continue
        components += 1
        offset[root] = np.zeros(3, dtype=np.int64)
        stack, cycles = [root], []
        while stack:
            a = stack.pop()
            for b, c in adjacency[a]:
                if offset[b] is None:
                    offset[b] = offset[a] + c
                    stack.append(b)
                else:
                    v = offset[a] + c - offset[b]
                    if np.any(v):
                        cycles.append(v)
        vectors = np.array(cycles, dtype=np.int64).reshape(-1, 3)
        rank = int(np.linalg.matrix_rank(vectors.astype(float))) if vectors.size else 0
        if rank > best_rank:
            best_rank, best_vectors = rank, vectors
    return best_rank, _span_basis(best_vectors, best_rank), components


def _span_basis(vectors: np.ndarray, rank: int) -> tuple[tuple[int, int, int], ...]:
    if rank == 0:
        return ()
    if rank == 3:
        return ((1, 0, 0), (0, 1, 0), (0, 0, 1))
    # the shortest independent integer vectors, reduced by their gcd
    uniq = {tuple(int(x) for x in (v // np.gcd.reduce(np.abs(v)) if np.any(v) else v))
            for v in vectors}
    cands = sorted(uniq, key=lambda v: (sum(x * x for x in v), [-x for x in v]))
    cands = [v if _lex_sign(np.array([v]))[0] > 0 else tuple(-x for x in v) for v in cands]
    basis: list[tuple[int, int, int]] = []
    for v in cands:
        trial = np.array([*basis, v], dtype=float)
        if np.linalg.matrix_rank(trial) > len(basis):
            basis.append(v)
        if len(basis) == rank:
            break
    return tuple(basis)


def _describe_directions(rank: int, directions) -> str:
    if rank == 0:
        return "no direction: the sites form isolated clusters"
    if rank == 3:
        return "all three directions"
    if rank == 1:
        return f"only along [{' '.join(str(x) for x in directions[0])}]"
    normal = np.cross(np.array(directions[0]), np.array(directions[1]))
    normal = normal // np.gcd.reduce(np.abs(normal))
    vecs = ", ".join("[" + " ".join(str(x) for x in v) + "]" for v in directions)
    return (f"only in the plane spanned by {vecs} (cell-vector coordinates; no transport along "
            f"the cross product {normal.tolist()})")
