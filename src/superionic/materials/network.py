"""Hop networks of mobile ions in a crystal: site classes, hop classes and percolation.

:func:`hop_network` finds the mobile-ion sites of a structure (its occupied sites, explicit
sites expanded by the space group, or Voronoi interstitial candidates), every pair of sites
within a cutoff, and groups both into symmetry-distinct classes: the site classes carry Wyckoff
labels (``12d``), the hop classes stable names ``<site class>-<site class>/<length in Å>``
(``12d-12d/1.79``). The result says which energies a model needs (one per site class and one
saddle per hop class) and in how many dimensions the network percolates.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from .._validate import finite_float
from .classify import (
    LENGTH_TOL,
    _bond_orbits,
    _describe_directions,
    _framework_distance,
    _frozen,
    _label_key,
    _letter,
    _orbits,
    _oxidation_states,
    _pairs,
    _percolation,
    _rounded_composition,
    _segment_clearance,
    _select_sites,
    _shortest_distance,
    _site_occupancy,
    _site_permutations,
    _wyckoff_labels,
)
from .errors import CutoffTooShortError, FrameworkClashWarning, NoSuchSpeciesError
from .structure import (
    Framework,
    Symmetry,
    find_symmetry,
    load_structure,
    mobile_element,
    split_structure,
)

__all__ = ["HopClass", "HopNetwork", "SiteClass", "hop_network"]



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
