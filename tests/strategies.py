"""Hypothesis strategies: random periodic hopping models in 1-3 dimensions.

Every model drawn here is

* *connected and spanning*: a random spanning tree joins all sites, and for each lattice direction
  one more hop closes a loop whose cell offset is that lattice vector, so the closed loops generate
  the whole lattice Z^dim (``HoppingModel.check_connected`` passes);
* *inside the discrete-time domain by construction*: every site's total out-probability is at most
  1/2 at zero field, and ``Case.max_field`` bounds the reduced field |f| (1/Å) for which it stays
  at most 1 in either field coupling (each hop grows at most by ``exp(|f| |d|max) <= 2``);
* *well conditioned*: site positions are distinct (at least 1/40 of a cell apart along every
  axis), lattice vectors are nearly orthogonal and 2-5 Å long, and hop probabilities are not
  vanishingly small, so the spectral gap at k = 0 is finite.

Two families:

* ``balanced``: sites with random energies and bonds with random saddle energies, declared by
  energies at a random temperature (detailed balance and Boltzmann occupations by construction);
* ``driven``: explicit directed probabilities drawn independently for the two directions of each
  bond, plus extra one-way hops (no detailed balance in general; the network stays strongly
  connected through the two-way tree and loop bonds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from superionic import Hop, HoppingModel, Lattice, Site
from superionic.units import KB_EV

#: Fraction of the domain-limiting field that strategies use at most.
FIELD_SAFETY = 0.9


@dataclass(frozen=True)
class Case:
    """A random model with the keyword arguments its engines need.

    Attributes
    ----------
    model : HoppingModel
    temperature : float or None
        K for energy-declared (``balanced``) models, None for probability-declared ones.
    balanced : bool
        True when detailed balance holds by construction.
    max_field : float
        Largest |f| (1/Å) that keeps every out-probability <= 1 in both couplings.
    """

    model: HoppingModel
    temperature: float | None
    balanced: bool
    max_field: float

    @property
    def kw(self) -> dict:
        """``temperature=`` keyword for the engines."""
        return {"temperature": self.temperature}

    @property
    def dim(self) -> int:
        return self.model.dim

    @property
    def n_sites(self) -> int:
        return self.model.n_sites

    @property
    def max_hop_length(self) -> float:
        d = self.model.hop_table(**self.kw).displacement
        return float(np.max(np.linalg.norm(d, axis=1)))

    def boltzmann(self) -> np.ndarray:
        """Boltzmann occupations exp(-E / kB T), normalised (balanced models only)."""
        e = self.model.lattice.site_energies
        w = np.exp(-(e - e.min()) / (KB_EV * self.temperature))
        return w / w.sum()


# ----------------------------------------------------------------------------- lattices
def _unit(dim: int, mu: int) -> tuple[int, ...]:
    return tuple(int(i == mu) for i in range(dim))


@st.composite
def lattice_vectors(draw, dim: int) -> np.ndarray:
    """Nearly orthogonal lattice vectors (rows), lengths 2-5 Å."""
    lengths = draw(st.lists(st.floats(2.0, 5.0), min_size=dim, max_size=dim))
    skew = draw(
        st.lists(st.floats(-0.3, 0.3), min_size=dim * dim, max_size=dim * dim).map(
            lambda x: np.reshape(x, (dim, dim))
        )
    )
    vec = np.eye(dim) + skew * (1 - np.eye(dim))
    vec = vec / np.linalg.norm(vec, axis=1)[:, None]
    return vec * np.asarray(lengths)[:, None]


@st.composite
def fractional_positions(draw, dim: int, n_sites: int) -> np.ndarray:
    """Distinct fractional positions: points of an 8^dim grid plus a small jitter."""
    grid = draw(
        st.lists(
            st.tuples(*[st.integers(0, 7)] * dim),
            min_size=n_sites,
            max_size=n_sites,
            unique=True,
        )
    )
    jitter = draw(st.lists(st.floats(0.0, 0.1), min_size=n_sites * dim, max_size=n_sites * dim))
    return np.asarray(grid, dtype=float) / 8.0 + np.reshape(jitter, (n_sites, dim))


@st.composite
def lattices(
    draw, dims=(1, 2, 3), max_sites: int = 6, energies: bool = False, kt: float = 0.05
) -> Lattice:
    """A random lattice of 1-``max_sites`` named sites; energies in [0, 2 kT] if asked."""
    dim = draw(st.sampled_from(dims))
    n = draw(st.integers(1, max_sites))
    vec = draw(lattice_vectors(dim))
    pos = draw(fractional_positions(dim, n))
    if energies:
        e = draw(st.lists(st.floats(0.0, 2.0), min_size=n, max_size=n))
        e = np.asarray(e) * kt
    else:
        e = np.zeros(n)
    return Lattice(vec, [Site(f"s{i}", pos[i], energy=float(e[i])) for i in range(n)])


# ----------------------------------------------------------------------------- networks
@st.composite
def networks(draw, n: int, dim: int, extra: int = 4):
    """Bonds (s, t, cell) of a connected network whose loops span Z^dim, and one-way extras.

    Returns
    -------
    bonds : list of (int, int, tuple)
        Undirected bonds; no two share a direction, none has zero length.
    one_way : list of (int, int, tuple)
        Extra directed hops whose directions are not used by any bond or by each other.
    """
    cell_st = st.tuples(*[st.integers(-1, 1)] * dim)
    used: set[tuple[int, int, tuple[int, ...]]] = set()
    bonds, one_way = [], []

    def free(s, t, c, *, both: bool) -> bool:
        if s == t and not any(c):
            return False
        keys = [(s, t, c)] + ([(t, s, tuple(-x for x in c))] if both else [])
        if both and keys[0] == keys[1]:
            return False
        return not any(k in used for k in keys)

    def add(s, t, c, *, both: bool) -> None:
        used.add((s, t, c))
        if both:
            used.add((t, s, tuple(-x for x in c)))

    offset = {0: np.zeros(dim, dtype=int)}
    for i in range(1, n):
        parent = draw(st.integers(0, i - 1))
        c = draw(cell_st)
        bonds.append((parent, i, c))
        add(parent, i, c, both=True)
        offset[i] = offset[parent] + np.asarray(c)
    for mu in range(dim):
        # A loop through the tree whose net cell offset is the lattice vector e_mu.
        for _ in range(20):
            s, t = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
            c = tuple(int(x) for x in offset[t] - offset[s] + np.asarray(_unit(dim, mu)))
            if free(s, t, c, both=True):
                break
        else:  # always possible: a self-bond of site 0 along e_mu
            s, t, c = 0, 0, _unit(dim, mu)
            assert free(s, t, c, both=True)
        bonds.append((s, t, c))
        add(s, t, c, both=True)
    for _ in range(draw(st.integers(0, extra))):
        s, t, c = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1)), draw(cell_st)
        as_bond = draw(st.booleans())
        if free(s, t, c, both=as_bond):
            add(s, t, c, both=as_bond)
            (bonds if as_bond else one_way).append((s, t, c))
    return bonds, one_way


def _coordination(n: int, bonds, one_way) -> int:
    out = np.zeros(n, dtype=int)
    for s, t, _ in bonds:
        out[s] += 1
        out[t] += 1
    for s, _, _ in one_way:
        out[s] += 1
    return int(out.max())


def _max_field(model: HoppingModel, temperature) -> float:
    d = model.hop_table(temperature=temperature).displacement
    return FIELD_SAFETY * math.log(2.0) / float(np.max(np.linalg.norm(d, axis=1)))


# ----------------------------------------------------------------------------- models
@st.composite
def balanced_cases(draw, dims=(1, 2, 3), max_sites: int = 6) -> Case:
    """Energy-declared model (site and saddle energies): detailed balance by construction."""
    temperature = draw(st.floats(300.0, 1200.0))
    kt = KB_EV * temperature
    lat = draw(lattices(dims=dims, max_sites=max_sites, energies=True, kt=kt))
    n, dim = lat.n_sites, lat.dim
    # One-way extras are dropped: an energy-declared bond always exists in both directions.
    bonds, _ = draw(networks(n, dim, extra=4))
    z = _coordination(n, bonds, [])
    degeneracy = 2.0 * z  # every directed probability <= 1/(2 z): out-probabilities <= 1/2
    energies = lat.site_energies
    hops = []
    for s, t, c in bonds:
        barrier = draw(st.floats(0.0, 2.0)) * kt
        saddle = max(energies[s], energies[t]) + barrier
        hops.append(
            Hop(
                lat.site_names[s], lat.site_names[t], c, saddle=float(saddle), degeneracy=degeneracy
            )
        )
    tau = draw(st.sampled_from([1.0, 0.5, 2.0]))
    model = HoppingModel(lat, hops, tau=tau)
    return Case(model, float(temperature), True, _max_field(model, temperature))


@st.composite
def driven_cases(draw, dims=(1, 2, 3), max_sites: int = 6) -> Case:
    """Probability-declared model with independent directed probabilities (driven)."""
    lat = draw(lattices(dims=dims, max_sites=max_sites))
    n, dim = lat.n_sites, lat.dim
    bonds, one_way = draw(networks(n, dim, extra=4))
    z = _coordination(n, bonds, one_way)
    prob = st.floats(0.05, 1.0).map(lambda u: u / (2.0 * z))
    names = lat.site_names
    hops = []
    for s, t, c in bonds:
        hops.append(Hop(names[s], names[t], c, probability=draw(prob)))
        hops.append(Hop(names[t], names[s], tuple(-x for x in c), probability=draw(prob)))
    for s, t, c in one_way:
        hops.append(Hop(names[s], names[t], c, probability=draw(prob)))
    tau = draw(st.sampled_from([1.0, 0.5, 2.0]))
    model = HoppingModel(lat, hops, tau=tau)
    return Case(model, None, False, _max_field(model, None))


def cases(dims=(1, 2, 3), max_sites: int = 6):
    """Either family."""
    return st.one_of(balanced_cases(dims, max_sites), driven_cases(dims, max_sites))


# ----------------------------------------------------------------------------- vectors
@st.composite
def unit_vectors(draw, dim: int) -> np.ndarray:
    v = np.asarray(draw(st.lists(st.floats(-1.0, 1.0), min_size=dim, max_size=dim)))
    norm = np.linalg.norm(v)
    if norm < 1e-3:
        return np.asarray(_unit(dim, 0), dtype=float)
    return v / norm


@st.composite
def fields(draw, case: Case, allow_zero: bool = True) -> np.ndarray:
    """A reduced field (1/Å) inside the case's domain, shape (dim,)."""
    frac = draw(st.floats(0.0 if allow_zero else 0.1, 1.0))
    return frac * case.max_field * draw(unit_vectors(case.dim))


@st.composite
def wavevectors(draw, case: Case, size: int | None = None) -> np.ndarray:
    """Cartesian k (1/Å) anywhere in the first cell of the reciprocal lattice, (dim,) or batch."""
    rec = case.model.lattice.reciprocal
    m = 1 if size is None else size
    frac = np.reshape(
        draw(st.lists(st.floats(-0.5, 0.5), min_size=m * case.dim, max_size=m * case.dim)),
        (m, case.dim),
    )
    k = frac @ rec
    return k[0] if size is None else k


def permutations(n: int):
    """A random permutation of range(n)."""
    return st.permutations(list(range(n)))


__all__ = [
    "Case",
    "balanced_cases",
    "cases",
    "driven_cases",
    "fields",
    "fractional_positions",
    "lattice_vectors",
    "lattices",
    "networks",
    "permutations",
    "unit_vectors",
    "wavevectors",
]
