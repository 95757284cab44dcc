"""Hop networks of mobile ions in a crystal: site classes, hop classes and percolation.

:func:`hop_network` finds the mobile-ion sites of a structure (its occupied sites, explicit
sites expanded by the space group, or Voronoi interstitial candidates), every pair of sites
within a cutoff, and groups both into symmetry-distinct classes: the site classes carry Wyckoff
labels (``12d``), the hop classes stable names ``<site class>-<site class>/<length in Å>``
(``12d-12d/1.79``). The result says which energies a model needs (one per site class and one
saddle per hop class) and in how many dimensions the network percolates.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .._validate import finite_float
from ..errors import ModelError
from .errors import CutoffTooShortError, FrameworkClashWarning, NoSuchSpeciesError
from .structure import (
    Framework,
    Symmetry,
    expand_orbit,
    find_symmetry,
    image_offsets,
    load_structure,
    mobile_element,
    periodic_match,
    split_structure,
    symmetrize_point,
    unique_periodic,
    voronoi_candidates,
)

__all__ = ["HopClass", "HopNetwork", "SiteClass", "hop_network"]

#: Distance tolerance (Å) for coinciding points and equal hop lengths.
LENGTH_TOL = 1e-3
_SITE_TYPE = 1000  # spglib type numbers of mobile-ion sites (above any atomic number)


@dataclass(frozen=True)
class SiteClass:
    """A symmetry-distinct class of mobile-ion sites.

    Attributes
    ----------
    name : str
        Wyckoff label with the conventional-cell multiplicity (``"12d"``); a suffix ``_2``, ...
        separates distinct orbits with the same label.
    wyckoff : str
        The Wyckoff letter.
    site_symmetry : str
        The site-symmetry symbol (spglib).
    count : int
        Sites of this class per (input) cell.
    occupancy : float
        Mean occupancy of these sites by the mobile species in the input structure (0 for
        interstitial candidates).
    representative : tuple of float
        Fractional coordinates of one site of the class.
    framework_distance : float
        Distance in Å from a site of the class to the nearest framework atom.
    """

    name: str
    wyckoff: str
    site_symmetry: str
    count: int
    occupancy: float
    representative: tuple[float, float, float]
    framework_distance: float


@dataclass(frozen=True)
class HopClass:
    """A symmetry-distinct class of hops (undirected bonds between two sites).

    Attributes
    ----------
    name : str
        ``"<class>-<class>/<length>"`` with the length in Å to two decimals (``"12d-12d/1.79"``);
        a suffix ``#2``, ... separates distinct classes with the same name.
    length : float
        Hop length in Å.
    multiplicity : int
        Bonds of this class per (input) cell.
    endpoints : tuple of str
        The site classes of the two ends (sorted).
    clearance : float
        Closest approach in Å of the straight hop path to a framework atom.
    """

    name: str
    length: float
    multiplicity: int
    endpoints: tuple[str, str]
    clearance: float


@dataclass(frozen=True, eq=False)
class HopNetwork:
    """Mobile-ion sites and hops of a crystal, grouped into symmetry classes (read-only arrays).

    Attributes
    ----------
    mobile : str
        The mobile element.
    cutoff : float
        Hop cutoff in Å.
    formula : str
    space_group : str
        International symbol of the space group of framework plus sites.
    space_group_number : int
    lattice : ndarray, shape (3, 3)
        Lattice vectors as rows, Å (the input cell).
    site_selection : str
        ``"occupied"``, ``"voronoi"`` or ``"explicit"``.
    site_positions : ndarray, shape (n_sites, 3)
        Fractional site positions in [0, 1).
    site_class : ndarray of int, shape (n_sites,)
        Index into ``site_classes`` of each site.
    site_occupancy : ndarray, shape (n_sites,)
        The mobile species' occupancy of each site in the input structure.
    site_classes : tuple of SiteClass
    bond_source, bond_target : ndarray of int, shape (n_bonds,)
    bond_cell : ndarray of int, shape (n_bonds, 3)
        Cell offset of the target: the bond joins ``source`` in cell 0 to ``target`` in
        ``cell``. Each undirected bond appears once.
    bond_class : ndarray of int, shape (n_bonds,)
        Index into ``hop_classes``.
    hop_classes : tuple of HopClass
    filling : float
        Mobile ions per cell in the input structure (sum of occupancies; 0 when the species is
        absent, as for interstitial candidates in a bare framework).
    percolation_dimension : int
        0, 1, 2 or 3: the number of independent directions in which the largest-spanning
        connected component of the network extends without limit.
    percolation_directions : tuple of tuple of int
        Integer lattice vectors spanning those directions.
    n_components : int
        Connected components of the network within one cell's worth of sites (1 when every site
        reaches every other).
    oxidation_states : tuple of (str, float)
        Oxidation state of each element: those the structure carries, else pymatgen's most
        likely guess for its composition; empty when neither is known.
    framework : Framework
        The immobile atoms (for clearance checks and energy landscapes).
    symmetry : Symmetry
        Space-group operations in the input basis.
    """

    mobile: str
    cutoff: float
    formula: str
    space_group: str
    space_group_number: int
    lattice: np.ndarray
    site_selection: str
    site_positions: np.ndarray
    site_class: np.ndarray
    site_occupancy: np.ndarray
    site_classes: tuple[SiteClass, ...]
    bond_source: np.ndarray
    bond_target: np.ndarray
    bond_cell: np.ndarray
    bond_class: np.ndarray
    hop_classes: tuple[HopClass, ...]
    filling: float
    percolation_dimension: int
    percolation_directions: tuple[tuple[int, int, int], ...]
    n_components: int
    oxidation_states: tuple[tuple[str, float], ...]
    framework: Framework
    symmetry: Symmetry

    # ------------------------------------------------------------------ derived
    @property
    def n_sites(self) -> int:
        return int(self.site_positions.shape[0])

    @property
    def n_bonds(self) -> int:
        return int(self.bond_source.size)

    @property
    def volume(self) -> float:
        """Cell volume in Å^3."""
        return abs(float(np.linalg.det(self.lattice)))

    @property
    def site_names(self) -> tuple[str, ...]:
        """Unique site names ``<class>_<k>`` in site order."""
        counters: dict[int, int] = {}
        names = []
        for c in self.site_class:
            k = counters.get(int(c), 0)
            counters[int(c)] = k + 1
            names.append(f"{self.site_classes[int(c)].name}_{k}")
        return tuple(names)

    @property
    def site_class_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.site_classes)

    @property
    def hop_class_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.hop_classes)

    @property
    def cartesian_positions(self) -> np.ndarray:
        """Site positions in Å, shape (n_sites, 3)."""
        return self.site_positions @ self.lattice

    def bond_endpoints(self) -> tuple[np.ndarray, np.ndarray]:
        """Cartesian start and end points (Å) of every bond, each of shape (n_bonds, 3)."""
        start = self.site_positions[self.bond_source] @ self.lattice
        end = (self.site_positions[self.bond_target] + self.bond_cell) @ self.lattice
        return start, end

    def percolation_description(self) -> str:
        """In words: along which lattice directions the network percolates."""
        return _describe_directions(self.percolation_dimension, self.percolation_directions)

    # ------------------------------------------------------------------ output
    def __repr__(self) -> str:
        lines = [
            f"HopNetwork({self.formula}, {self.space_group} (No. {self.space_group_number}), "
            f"mobile {self.mobile}, cutoff {self.cutoff:g} Å, sites {self.site_selection!r})",
            f"  {self.n_sites} sites per cell, filling {self.filling:g} ions per cell, "
            f"{self.n_bonds} bonds per cell; percolates in {self.percolation_dimension}D "
            f"({self.percolation_description()})",
            "  site classes (one energy each):",
        ]
        for c in self.site_classes:
            lines.append(
                f"    {c.name:<8} x{c.count:<3} site symmetry {c.site_symmetry:<8} "
                f"occupancy {c.occupancy:.4g}  at {np.round(c.representative, 4).tolist()}"
            )
        lines.append("  hop classes (one saddle energy each):")
        for h in self.hop_classes:
            lines.append(
                f"    {h.name:<16} length {h.length:.4f} Å  x{h.multiplicity:<3} per cell  "
                f"clearance {h.clearance:.3f} Å"
            )
        return "\n".join(lines)

    def to_dataset(self) -> xr.Dataset:
        """Sites, bonds and classes as an xarray Dataset (lengths in Å)."""
        start, end = self.bond_endpoints()
        sc, hc = self.site_classes, self.hop_classes
        return xr.Dataset(
            {
                "site_position": (("site", "axis"), self.site_positions,
                                  {"units": "fractional"}),
                "site_cartesian": (("site", "axis"), self.cartesian_positions, {"units": "Å"}),
                "site_class": ("site", [sc[int(c)].name for c in self.site_class]),
                "site_occupancy": ("site", self.site_occupancy, {"units": "1"}),
                "bond_source": ("bond", self.bond_source, {"units": "1"}),
                "bond_target": ("bond", self.bond_target, {"units": "1"}),
                "bond_cell": (("bond", "axis"), self.bond_cell,
                              {"units": "1", "long_name": "cell offset in lattice vectors"}),
                "bond_class": ("bond", [hc[int(c)].name for c in self.bond_class]),
                "bond_length": ("bond", np.linalg.norm(end - start, axis=1), {"units": "Å"}),
                "site_class_count": ("site_class_name", [c.count for c in sc], {"units": "1"}),
                "site_class_wyckoff": ("site_class_name", [c.wyckoff for c in sc]),
                "site_class_framework_distance": (
                    "site_class_name", [c.framework_distance for c in sc], {"units": "Å"}),
                "hop_class_length": ("hop_class_name", [h.length for h in hc], {"units": "Å"}),
                "hop_class_multiplicity": ("hop_class_name", [h.multiplicity for h in hc],
                                           {"units": "1", "long_name": "bonds per cell"}),
                "hop_class_source": ("hop_class_name", [h.endpoints[0] for h in hc]),
                "hop_class_target": ("hop_class_name", [h.endpoints[1] for h in hc]),
                "hop_class_clearance": ("hop_class_name", [h.clearance for h in hc],
                                        {"units": "Å"}),
                "lattice": (("vector", "axis"), self.lattice, {"units": "Å"}),
            },
            coords={
                "site": list(self.site_names),
                "axis": ["x", "y", "z"],
                "vector": ["a", "b", "c"],
                "site_class_name": list(self.site_class_names),
                "hop_class_name": list(self.hop_class_names),
            },
            attrs={
                "mobile": self.mobile,
                "formula": self.formula,
                "space_group": self.space_group,
                "space_group_number": self.space_group_number,
                "cutoff_angstrom": self.cutoff,
                "site_selection": self.site_selection,
                "filling_ions_per_cell": self.filling,
                "percolation_dimension": self.percolation_dimension,
                "percolation": self.percolation_description(),
                "cell_volume_angstrom3": self.volume,
            },
        )


# =========================================================================== public entry
def hop_network(
    structure,
    *,
    mobile,
    cutoff: float,
    sites: str | Sequence = "occupied",
    min_distance: float = 1.0,
    merge_distance: float = 0.3,
    symprec: float = 0.01,
    clash_fraction: float = 0.5,
) -> HopNetwork:
    """Sites and hops of the mobile ion in a crystal, grouped into symmetry classes.

    Parameters
    ----------
    structure : path, pymatgen Structure or ASE Atoms
        CIF and POSCAR files are read by pymatgen (partial occupancies kept).
    mobile : str
        The mobile species, an element or ion (``"Ag"``, ``"Ag+"``).
    cutoff : float
        Longest hop, Å: every pair of sites at most this far apart is a hop.
    sites : {"occupied", "voronoi"} or sequence
        Where the mobile ions may sit:

        * ``"occupied"``: the sites the mobile species occupies in the structure; the sum of
          their occupancies is the filling (alpha-AgI: 12 sites at 1/6, 2 ions per cell);
        * ``"voronoi"``: Voronoi vertices of the framework at least ``min_distance`` Å from any
          framework atom, merged within ``merge_distance`` Å and by symmetry;
        * a sequence of explicit sites, each fractional coordinates ``(x, y, z)`` or a pair
          ``("4f", (x, y, z))`` whose Wyckoff label is checked; each is expanded by the space
          group of the framework.
    min_distance, merge_distance : float
        Å, for the Voronoi route.
    symprec : float
        spglib's symmetry tolerance in Å.
    clash_fraction : float
        A hop class whose straight path passes closer to a framework atom than this fraction of
        its end sites' own distance to the framework raises :class:`FrameworkClashWarning`
        (the cutoff is then probably too long: the hop would pass through an atom).

    Returns
    -------
    HopNetwork

    Raises
    ------
    NoSuchSpeciesError
        ``mobile`` is not an element, or (``sites="occupied"``) the structure has no such sites.
    DisorderedFrameworkError
        A framework site is partially occupied or mixes species.
    CutoffTooShortError
        No two sites are within ``cutoff``.
    """
    cutoff = finite_float("cutoff (Å)", cutoff, minimum=0.0, strict_min=True)
    min_distance = finite_float("min_distance (Å)", min_distance, minimum=0.0)
    merge_distance = finite_float("merge_distance (Å)", merge_distance, minimum=0.0,
                                  strict_min=True)
    symprec = finite_float("symprec (Å)", symprec, minimum=0.0, strict_min=True)
    clash_fraction = finite_float("clash_fraction", clash_fraction, minimum=0.0, maximum=1.0)
    struct = load_structure(structure)
    element = mobile_element(mobile)
    present = sorted({el.symbol for el in struct.composition.elements})
    if isinstance(sites, str) and sites == "occupied" and element not in present:
        raise NoSuchSpeciesError(
            f"mobile = {mobile!r}: the structure has no {element} sites (species present: "
            f"{present}); for interstitial sites use sites='voronoi' or explicit sites"
        )
    framework = split_structure(struct, element)
    lat = framework.lattice
    tol = max(10 * symprec, LENGTH_TOL)

    selection, positions, types = _select_sites(
        framework, element, struct, sites, min_distance, merge_distance, symprec, tol
    )
    occupancy = _site_occupancy(framework, positions, lat, tol)
    all_pos = np.vstack([framework.positions, positions])
    symmetry = find_symmetry(lat, all_pos, np.concatenate([framework.numbers, types]),
                             symprec=symprec)
    perm, perm_shift = _site_permutations(positions, symmetry, lat, tol)
    n_sites = positions.shape[0]
    site_class = _orbits(n_sites, perm)
    labels, symbols = _wyckoff_labels(framework, positions, site_class, lat, symprec,
                                      with_symbols=True)

    # order: classes by label, sites by position within a class
    class_order = sorted(range(len(labels)), key=lambda c: (_label_key(labels[c]), c))
    rank = {c: i for i, c in enumerate(class_order)}
    site_class = np.array([rank[int(c)] for c in site_class], dtype=np.int64)
    labels = [labels[c] for c in class_order]
    symbols = [symbols[c] for c in class_order]
    order = np.lexsort((*np.round(positions, 6).T[::-1], site_class))
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size)
    positions, occupancy, site_class = positions[order], occupancy[order], site_class[order]
    perm = inverse[perm[:, order]]
    perm_shift = perm_shift[:, order]

    source, target, cell, lengths = _pairs(positions, lat, cutoff)
    if source.size == 0:
        shortest = _shortest_distance(positions, lat)
        raise CutoffTooShortError(
            f"cutoff = {cutoff:g} Å is shorter than every hop: the shortest distance between "
            f"two {element} sites is {shortest:.4f} Å"
        )
    bond_class = _bond_orbits(source, target, cell, perm, perm_shift, symmetry)
    fw_dist = _framework_distance(framework, positions)
    site_classes = tuple(
        SiteClass(
            name=labels[c],
            wyckoff=_letter(labels[c]),
            site_symmetry=symbols[c],
            count=int(np.sum(site_class == c)),
            occupancy=float(np.mean(occupancy[site_class == c])),
            representative=tuple(float(x) for x in positions[np.argmax(site_class == c)]),
            framework_distance=float(fw_dist[np.argmax(site_class == c)]),
        )
        for c in range(len(labels))
    )
    hop_classes, bond_class = _hop_classes(
        source, target, cell, lengths, bond_class, site_class, site_classes, framework,
        positions, lat,
    )
    for h in hop_classes:
        ends = min(site_classes[labels.index(e)].framework_distance for e in h.endpoints)
        if h.clearance < clash_fraction * ends:
            warnings.warn(
                f"hop class {h.name} passes {h.clearance:.3f} Å from a framework atom, closer "
                f"than {clash_fraction:g} x its end sites' distance to the framework "
                f"({ends:.3f} Å): the cutoff {cutoff:g} Å is probably too long (the hop would "
                "pass through an atom); lower it or give this class a high saddle energy",
                FrameworkClashWarning,
                stacklevel=2,
            )
    dimension, directions, n_components = _percolation(n_sites, source, target, cell)
    return HopNetwork(
        mobile=element,
        cutoff=cutoff,
        formula=_rounded_composition(struct).reduced_formula,
        space_group=symmetry.international,
        space_group_number=symmetry.number,
        lattice=_frozen(lat),
        site_selection=selection,
        site_positions=_frozen(positions),
        site_class=_frozen(site_class),
        site_occupancy=_frozen(occupancy),
        site_classes=site_classes,
        bond_source=_frozen(source),
        bond_target=_frozen(target),
        bond_cell=_frozen(cell),
        bond_class=_frozen(bond_class),
        hop_classes=hop_classes,
        filling=framework.filling,
        percolation_dimension=dimension,
        percolation_directions=directions,
        n_components=n_components,
        oxidation_states=_oxidation_states(struct),
        framework=framework,
        symmetry=symmetry,
    )


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


def _hop_classes(source, target, cell, lengths, raw_class, site_class, site_classes,
                 framework, positions, lat):
    n_raw = int(raw_class.max()) + 1
    info = []
    for c in range(n_raw):
        members = np.flatnonzero(raw_class == c)
        k = members[0]
        ends = tuple(sorted((site_classes[site_class[source[k]]].name,
                             site_classes[site_class[target[k]]].name),
                            key=_label_key))
        length = float(np.mean(lengths[members]))
        start = positions[source[k]] @ lat
        end = (positions[target[k]] + cell[k]) @ lat
        info.append((length, ends, c, members.size, _segment_clearance(start, end, framework)))
    info.sort(key=lambda x: (round(x[0], 4), [_label_key(e) for e in x[1]], x[2]))
    names: dict[str, int] = {}
    classes = []
    remap = np.empty(n_raw, dtype=np.int64)
    for new, (length, ends, c, count, clearance) in enumerate(info):
        name = f"{ends[0]}-{ends[1]}/{length:.2f}"
        names[name] = names.get(name, 0) + 1
        if names[name] > 1:
            name = f"{name}#{names[name]}"
        classes.append(HopClass(name=name, length=float(length), multiplicity=int(count),
                                endpoints=ends, clearance=float(clearance)))
        remap[c] = new
    return tuple(classes), remap[raw_class]


# =========================================================================== percolation
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
