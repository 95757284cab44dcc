"""Interaction geometry (``neighbours.interaction_tables``) shared by the mean field and simulation.

On the chain the tables reproduce Eq. 43 (the one blocking neighbour n_{i+1,a} of the hop
(i,a) -> (i,b)) and Eq. 52 (the concerted partner (i,b) -> (i+1,a)); on the honeycomb every hop has
two blocking neighbours and two partners at 60 degrees. On random lattices the tables follow their
definitions and do not depend on the order in which sites and hops are declared.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import strategies as S
from superionic import Hop, HoppingModel, Lattice, models
from superionic.lattice import interaction_tables


def _table(model):
    return model.hop_table(
        temperature=300.0 if model.requires_temperature else None, domain="ignore"
    )


def named_tables(model, **kw):
    """The tables keyed by names: {hop key: (blocking set, partner set)}, hop key =
    (source, target, cell); blocking entries (site, cell); partner entries (hop key, cell)."""
    tab = _table(model)
    it = interaction_tables(model, **kw)
    names = model.lattice.site_names

    def key(h):
        return (names[tab.source[h]], names[tab.target[h]], tuple(int(x) for x in tab.cell[h]))

    out = {}
    for h in range(tab.n_hops):
        blocking = frozenset((names[s], c) for s, c in it.blocking(h))
        partners = frozenset((key(p), c) for p, c in it.partners(h))
        assert len(blocking) == len(it.blocking(h))  # no repeated entries
        assert len(partners) == len(it.partners(h))
        out[key(h)] = (blocking, partners)
    return out


# ----------------------------------------------------------------------------- chain
def chain_models():
    return [models.two_site_chain(0.4, 0.3, a=1.7), models.interacting_chain(0.25, 0.5, 2.0)]


def test_chain_reproduces_eq43_and_eq52():
    """(i,a)->(i,b): blocked by n_{i+1,a} (Eq. 43), helped after (i,b)->(i+1,a) (Eq. 52);
    (i,a)->(i-1,b): blocked by n_{i-1,a}, helped after (i-1,b)->(i-1,a); and the mirror images
    for hops leaving b."""
    expected = {
        ("a", "b", (0,)): ({("a", (1,))}, {(("b", "a", (1,)), (0,))}),
        ("a", "b", (-1,)): ({("a", (-1,))}, {(("b", "a", (0,)), (-1,))}),
        ("b", "a", (0,)): ({("b", (-1,))}, {(("a", "b", (-1,)), (0,))}),
        ("b", "a", (1,)): ({("b", (1,))}, {(("a", "b", (0,)), (1,))}),
    }
    for model in chain_models():
        got = named_tables(model)
        assert set(got) == set(expected)
        for hop, (blocking, partners) in expected.items():
            assert got[hop] == (frozenset(blocking), frozenset(partners)), hop


def test_chain_neighbour_lists():
    model = models.two_site_chain(0.4, 0.3)
    it = interaction_tables(model)
    names = model.lattice.site_names
    rows = {}
    for i, name in enumerate(names):
        sl = slice(it.neighbour_ptr[i], it.neighbour_ptr[i + 1])
        rows[name] = {
            (names[s], tuple(int(x) for x in c))
            for s, c in zip(it.neighbour_site[sl], it.neighbour_cell[sl], strict=True)
        }
    assert rows == {"a": {("b", (0,)), ("b", (-1,))}, "b": {("a", (0,)), ("a", (1,))}}


def test_chain_csr_layout():
    it = interaction_tables(models.two_site_chain(0.4, 0.3))
    assert it.n_hops == 4
    np.testing.assert_array_equal(it.block_ptr, [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(it.partner_ptr, [0, 1, 2, 3, 4])
    assert it.block_cell.shape == (4, 1)
    assert it.partner_cell.shape == (4, 1)
    assert it.neighbour_ptr[-1] == 4


# ----------------------------------------------------------------------------- honeycomb
def test_honeycomb_two_blocking_neighbours_and_two_partners():
    for model in (models.honeycomb(0.3, 0.1, a=2.0), models.interacting_honeycomb(0.25, 0.5)):
        tab = _table(model)
        it = interaction_tables(model)
        lat = model.lattice
        nn = np.linalg.norm(tab.displacement[0])  # a / sqrt 3
        for h in range(tab.n_hops):
            d = tab.displacement[h]
            blocking = it.blocking(h)
            partners = it.partners(h)
            assert len(blocking) == 2
            assert len(partners) == 2
            for site, cell in blocking:
                pos = lat.positions[site] + np.asarray(cell) @ lat.matrix
                pos = pos - lat.positions[tab.source[h]]
                # a neighbour of the target, a second neighbour of the source (distance a)
                assert math.isclose(np.linalg.norm(pos - d), nn, rel_tol=1e-12)
                assert math.isclose(np.linalg.norm(pos), nn * math.sqrt(3), rel_tol=1e-12)
            for p, cell in partners:
                assert tab.source[p] == tab.target[h]
                assert tuple(cell) == tuple(tab.cell[h])
                cos = d @ tab.displacement[p] / (np.linalg.norm(d) * nn)
                assert math.isclose(cos, 0.5, rel_tol=1e-12)  # 60 degrees


def test_cos_min_selects_straighter_continuations():
    """cos_min = 0.9 keeps the chain's straight partner and drops the honeycomb's 60-degree ones."""
    for model in chain_models():
        it = interaction_tables(model, cos_min=0.9)
        assert all(len(it.partners(h)) == 1 for h in range(it.n_hops))
    it = interaction_tables(models.honeycomb(0.3, 0.1), cos_min=0.9)
    assert it.partner_ptr[-1] == 0
    assert all(len(it.blocking(h)) == 2 for h in range(it.n_hops))


# ----------------------------------------------------------------------------- random lattices
def _neighbour_sets(model):
    """Neighbours of each site from the hop table: (site, cell relative to the site's cell)."""
    tab = _table(model)
    nb = [set() for _ in range(model.n_sites)]
    for s, t, c in zip(tab.source, tab.target, tab.cell, strict=True):
        c = tuple(int(x) for x in c)
        nb[s].add((int(t), c))
        nb[t].add((int(s), tuple(-x for x in c)))
    return nb


@settings(max_examples=40, deadline=None)
@given(S.cases())
def test_tables_follow_their_definition(case):
    """Blocking = neighbours of the target other than the source; partners = hops leaving the
    target with positive projection on the hop, placed in the target's cell."""
    model = case.model
    tab = _table(model)
    it = interaction_tables(model)
    nb = _neighbour_sets(model)
    for h in range(tab.n_hops):
        s, t = int(tab.source[h]), int(tab.target[h])
        ct = np.asarray(tab.cell[h])
        expected_block = {
            (u, tuple(int(x) for x in ct + np.asarray(cu)))
            for u, cu in nb[t]
            if not (u == s and not np.any(ct + np.asarray(cu)))
        }
        assert set(it.blocking(h)) == expected_block
        d = tab.displacement[h]
        expected_partners = {
            (int(p), tuple(int(x) for x in ct))
            for p in range(tab.n_hops)
            if tab.source[p] == t and tab.displacement[p] @ d > 1e-12
        }
        assert set(it.partners(h)) == expected_partners


@settings(max_examples=40, deadline=None)
@given(S.cases(), st.data())
def test_tables_invariant_under_relabelling(case, data):
    """Permuting sites and hops permutes the tables and nothing else."""
    model = case.model
    perm = data.draw(S.permutations(model.n_sites))
    order = data.draw(S.permutations(len(model.hops)))
    lattice = Lattice(model.lattice.matrix, [model.lattice.sites[i] for i in perm])
    hops = [model.hops[i] for i in order]
    relabelled = HoppingModel(lattice, hops, tau=model.tau)
    assert named_tables(relabelled) == named_tables(model)


def test_tables_do_not_depend_on_declaring_bonds_or_directed_hops():
    """The same network declared as saddle bonds or as both directed hops gives equal tables."""
    lat = models.honeycomb(0.3, 0.1).lattice
    cells = [(0, 0), (1, 0), (0, 1)]
    bonds = HoppingModel(lat, [Hop("B", "A", c, saddle=0.3) for c in cells])
    directed = HoppingModel(
        lat,
        [Hop("B", "A", c, probability=0.1) for c in cells]
        + [Hop("A", "B", tuple(-x for x in c), probability=0.1) for c in cells],
    )
    assert named_tables(bonds) == named_tables(directed)


def test_neighbour_shells_of_the_honeycomb():
    """Shells of the honeycomb (lattice constant a): 3 neighbours at a / sqrt 3, 6 at a and 3 at
    2 a / sqrt 3 per site; both directions of every bond are listed."""
    a = 2.0
    lat = models.honeycomb(0.3, 0.1, a=a).lattice
    shells = lat.neighbour_shells(2.5)
    dists = [d for d, _ in shells]
    np.testing.assert_allclose(dists, [a / math.sqrt(3), a, 2 * a / math.sqrt(3)], rtol=1e-12)
    assert [len(p) for _, p in shells] == [6, 12, 6]
    first = set(shells[0][1])
    assert all((t, s, tuple(-c for c in cell)) in first for s, t, cell in first)
    assert {(s, t) for s, t, _ in first} == {("A", "B"), ("B", "A")}
    hops = models.bonds_from_shell(lat, 0, saddle=0.3)
    assert len(hops) == 3
    assert HoppingModel(lat, hops).hop_table(temperature=300.0).n_hops == 6


@settings(max_examples=30, deadline=None)
@given(S.lattices(max_sites=3), st.floats(0.8, 2.0), st.floats(0.0, 0.9))
def test_neighbour_shells_match_brute_force(lat, reach, shear):
    """All directed pairs within the cutoff, on sheared (strongly oblique) cells too."""
    vec = lat.matrix.copy()
    if lat.dim > 1:
        vec[1] = vec[1] + shear * 3.0 * vec[0] / np.linalg.norm(vec[0])
    lat = Lattice(vec, lat.sites)
    cutoff = reach * float(np.min(np.linalg.norm(vec, axis=1)))
    heights = 1.0 / (np.linalg.norm(lat.reciprocal, axis=1) / (2 * np.pi))
    r = int(np.ceil(cutoff / heights.min())) + 2
    expected = set()
    for cell in itertools.product(range(-r, r + 1), repeat=lat.dim):
        shift = np.asarray(cell) @ vec
        for a, b in itertools.product(range(lat.n_sites), repeat=2):
            dist = np.linalg.norm(lat.positions[b] + shift - lat.positions[a])
            if 1e-6 < dist <= cutoff - 1e-6:
                expected.add((lat.site_names[a], lat.site_names[b], cell))
    got = {}
    for dist, pairs in lat.neighbour_shells(cutoff):
        for a, b, cell in pairs:
            got[(a, b, tuple(cell))] = dist
    assert expected <= set(got)
    assert all(d <= cutoff + 1e-6 for d in got.values())
    dists = [d for d, _ in lat.neighbour_shells(cutoff)]
    assert dists == sorted(dists)
