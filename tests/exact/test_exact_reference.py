"""The exact many-body solver against hand-solvable cases, a brute force and invariants."""

from __future__ import annotations

import itertools
import math
import tracemalloc

import numpy as np
import pytest

import superionic as si
from superionic import exact, models
from superionic.errors import ModelError
from superionic.units import KB_EV


# ----------------------------------------------------------------------------- single ion
def three_site_chain():
    """A three-site chain with unequal site energies (declared by energies: needs T)."""
    lattice = si.Lattice([[2.0]], [si.Site("a", [0.0], energy=0.0),
                                   si.Site("b", [0.3], energy=0.05),
                                   si.Site("c", [0.7], energy=-0.03)])
    hops = [si.Hop("a", "b", (0,), saddle=0.25), si.Hop("b", "c", (0,), saddle=0.3),
            si.Hop("c", "a", (1,), saddle=0.22)]
    return si.HoppingModel(lattice, hops)


SINGLE_ION = [
    ("chain", lambda: models.two_site_chain(0.4, 0.3, a=1.7), (3,), None, (0.6,)),
    ("three-site", three_site_chain, (3,), 600.0, (0.5,)),
    ("honeycomb", lambda: models.honeycomb(0.3, -0.4, a=2.1), (3, 3), None, (0.3, -0.2)),
]


@pytest.mark.parametrize("coupling", ["symmetric", "full"])
@pytest.mark.parametrize(("name", "make", "cells", "temp", "field"), SINGLE_ION)
def test_single_ion_drift_matches_bloch(name, make, cells, temp, field, coupling):
    m = make()
    ds = exact.solve(m, temperature=temp, field=field, coupling=coupling,
                     filling=1.0 / np.prod(cells), supercell=cells)
    v = si.drift_velocity(m, field=field, coupling=coupling, temperature=temp)
    np.testing.assert_allclose(ds.drift_velocity, v, rtol=1e-9, atol=1e-14)
    # one ion: tracer = jump diffusion, Haven ratio 1
    np.testing.assert_allclose(ds.tracer_diffusion_tensor, ds.jump_diffusion_tensor, rtol=1e-9)
    assert float(ds.haven_ratio) == pytest.approx(1.0, rel=1e-9)


@pytest.mark.parametrize(("name", "make", "cells", "temp", "field"), SINGLE_ION)
def test_single_ion_diffusion_matches_bloch(name, make, cells, temp, field):
    m = make()
    ds = exact.solve(m, temperature=temp, filling=1.0 / np.prod(cells), supercell=cells)
    d = si.diffusion_tensor(m, temperature=temp)
    np.testing.assert_allclose(ds.jump_diffusion_tensor, d, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(ds.drift_velocity, 0.0, atol=1e-15)
    # the hop probability is the stationary out-probability of the Bloch stationary state
    table = m.hop_table(temperature=temp)
    pi_sites = _single_site_stationary(table, m.n_sites)
    out = np.zeros(m.n_sites)
    np.add.at(out, table.source, table.probability)
    assert float(ds.hop_probability) == pytest.approx(pi_sites @ out, rel=1e-10)


def _single_site_stationary(table, n):
    P = np.zeros((n, n))
    np.add.at(P, (table.target, table.source), table.probability)
    P += np.diag(1.0 - P.sum(axis=0))
    w, v = np.linalg.eig(P)
    p = np.real(v[:, np.argmin(np.abs(w - 1))])
    return p / p.sum()


# ----------------------------------------------------------------------------- symmetric exclusion
def ring(p=0.2, a=1.0):
    lattice = si.Lattice([[a]], [si.Site("s", [0.0])])
    return si.HoppingModel(lattice, [si.Hop("s", "s", (1,), probability=p),
                                     si.Hop("s", "s", (-1,), probability=p)])


def test_symmetric_exclusion_uniform_state_and_thermodynamic_factor():
    """Symmetric single-ion moves are doubly stochastic, and so is a sequential sweep of them:
    the stationary state is uniform, the slab numbers hypergeometric, Phi = (N - 1) / (N - n).
    (A parallel step is not doubly stochastic: two neighbours cannot move together.)"""
    update = "sequential"
    n_sites, n_ions = 7, 3
    m = ring()
    ch = exact.markov_chain(m, filling=n_ions / n_sites, supercell=(n_sites,), update=update)
    assert ch.stationary.size == math.comb(n_sites, n_ions)
    np.testing.assert_allclose(ch.stationary, 1.0 / ch.stationary.size, rtol=1e-10)
    ds = exact.solve(m, filling=n_ions / n_sites, supercell=(n_sites,), update=update)
    assert float(ds.thermodynamic_factor) == pytest.approx((n_sites - 1) / (n_sites - n_ions),
                                                           rel=1e-10)
    np.testing.assert_allclose(ds.drift_velocity, 0.0, atol=1e-15)
    np.testing.assert_allclose(ds.collective_diffusion,
                               ds.thermodynamic_factor * ds.jump_diffusion, rtol=1e-12)
    assert 0.0 < float(ds.tracer_diffusion) < float(ds.jump_diffusion)


def test_symmetric_exclusion_small_step_limit():
    """For small P the discrete chain tends to continuous-time exclusion on a ring, where the
    collective displacement is a martingale: D_sigma = p (N - n) / (N - 1), hop probability
    2 p (N - n) / (N - 1)."""
    n_sites, n_ions, p = 7, 3, 1e-3
    ds = exact.solve(ring(p), filling=n_ions / n_sites, supercell=(n_sites,))
    free = (n_sites - n_ions) / (n_sites - 1)
    assert float(ds.hop_probability) == pytest.approx(2 * p * free, rel=1e-12)
    assert float(ds.jump_diffusion) == pytest.approx(p * free, rel=5e-3)


# ----------------------------------------------------------------------------- K0: Boltzmann
def bond_pairs(model, repeats):
    reps = np.array(repeats)
    nb = model.n_sites
    cells = list(itertools.product(*[range(r) for r in repeats]))
    index = {c: k for k, c in enumerate(cells)}
    table = model.hop_table(temperature=500.0, domain="ignore")
    pairs = set()
    for k, c in enumerate(cells):
        for s, t, dc in zip(table.source, table.target, table.cell, strict=True):
            a = k * nb + int(s)
            b = index[tuple(np.mod(np.array(c) + dc, reps))] * nb + int(t)
            pairs.add((min(a, b), max(a, b)))
    return np.array(sorted(pairs))


def boltzmann(occupation, pairs, k0, temperature, site_energy):
    e = occupation @ site_energy + k0 * np.count_nonzero(
        occupation[:, pairs[:, 0]] & occupation[:, pairs[:, 1]], axis=1)
    w = np.exp(-(e - e.min()) / (KB_EV * temperature))
    return w / w.sum()


@pytest.mark.parametrize(("make", "cells", "filling", "temp"), [
    (lambda: models.interacting_chain(0.1, 0.06), (4,), 1.0, 400.0),
    (lambda: models.interacting_honeycomb(0.08, 0.05), (3, 3), 1.0 / 3.0, 350.0),
])
def test_k0_stationary_state_is_boltzmann_and_detailed_balance(make, cells, filling, temp):
    m = make()
    ch = exact.markov_chain(m, temperature=temp, filling=filling, supercell=cells)
    site_e = np.tile(m.lattice.site_energies, int(np.prod(cells)))
    w = boltzmann(ch.occupation, bond_pairs(m, cells), m.interactions.repulsion, temp, site_e)
    np.testing.assert_allclose(ch.stationary, w, rtol=1e-9, atol=1e-15)
    flux = (ch.transition @ sp_diag(ch.stationary)).toarray()
    np.testing.assert_allclose(flux, flux.T, atol=1e-14)
    np.testing.assert_allclose(np.asarray(ch.transition.sum(axis=0)).ravel(), 1.0, atol=1e-13)
    assert ch.stationary.sum() == pytest.approx(1.0, abs=1e-13)


def sp_diag(v):
    import scipy.sparse as sp

    return sp.diags(v)


def chain_transfer_matrix_gamma(n_cells, n_ions, k0, temperature):
    """<|g|>, <g^2>, <g^4> on the K0 chain ring by a transfer matrix in (ions, ions on a)."""
    y = math.exp(-k0 / (KB_EV * temperature))
    n = 2 * n_cells
    # state: (occupation of the first site, occupation of the current site) -> polynomial
    # coefficients poly[n_total, n_on_a]
    result = np.zeros((n + 1, n_cells + 1))
    for first in (0, 1):
        poly = {first: np.zeros((n + 1, n_cells + 1))}
        poly[first][first, first] = 1.0
        for site in range(1, n):
            new = {0: np.zeros_like(result), 1: np.zeros_like(result)}
            on_a = site % 2 == 0
            for prev, p in poly.items():
                new[0] += p
                shifted = np.roll(p, 1, axis=0)
                shifted[0] = 0
                if on_a:
                    shifted = np.roll(shifted, 1, axis=1)
                    shifted[:, 0] = 0
                new[1] += shifted * (y if prev else 1.0)
            poly = new
        for last, p in poly.items():
            result += p * (y if (last and first) else 1.0)
    coeff = result[n_ions]
    na = np.arange(coeff.size)
    g = (2 * na - n_ions) / n_ions
    prob = coeff / coeff.sum()
    return prob @ np.abs(g), prob @ g**2, prob @ g**4


@pytest.mark.parametrize("update", ["sequential", "parallel"])
def test_k0_chain_polarization_matches_transfer_matrix(update):
    n_cells, k0, temp = 5, 0.05, 300.0
    m = models.interacting_chain(0.1, k0)
    ds = exact.solve(m, temperature=temp, supercell=(n_cells,), update=update, tracer=False)
    g1, g2, g4 = chain_transfer_matrix_gamma(n_cells, n_cells, k0, temp)
    if update == "sequential":  # Boltzmann exactly; the parallel update is not reversible
        assert float(ds.polarization_abs) == pytest.approx(g1, rel=1e-10)
        assert float(ds.binder_cumulant) == pytest.approx(1 - g4 / (3 * g2**2), rel=1e-10)
    else:
        assert float(ds.polarization_abs) == pytest.approx(g1, rel=0.05)
    assert float(ds.polarization) == pytest.approx(0.0, abs=1e-12)


# ------------------------------------------------------------------------ independent brute force
def brute_force_chain(n_cells, n_ions, lambda0, k0, m0, temp, field, concerted):
    """Pure-Python brute force of the interacting chain: labelled ions, every visiting order.

    Sites 0..2L-1 on a ring at x = site a/2 (a = 1); hop s -> s +- 1 with probability
    exp(-lambda0 / kT) / 2 * exp(+- f / 4) (symmetric coupling), times exp(-K0 / kT) if the
    site beyond the target is occupied, times exp(M0 / kT) if the target was vacated by a hop in
    the same direction (previous step or earlier in this step). Returns the stationary mean
    hop probability per ion, drift per ion and <|gamma|>.
    """
    n = 2 * n_cells
    kt = KB_EV * temp
    base = math.exp(-lambda0 / kt) / 2
    boost = math.exp(m0 / kt)

    def prob(occ, mem_prev, mem_cur, s, d):
        t = (s + d) % n
        if t in occ:
            return 0.0
        p = base * math.exp(d * field / 4)
        if (t + d) % n in occ and (t + d) % n != s:
            p *= math.exp(-k0 / kt)
        mem = mem_prev if concerted == "previous" else mem_cur
        if mem.get(t) == d:
            p *= boost
        return p

    def step(occ, mem_prev):
        """Distribution over (occ, memory) after one step with hop count and displacement."""
        out: dict = {}
        ions = sorted(occ)
        orders = list(itertools.permutations(range(len(ions))))
        for order in orders:
            branches = [(1.0 / len(orders), list(ions), {}, 0, 0.0)]
            for i in order:
                new = []
                for w, pos, mem_cur, hops, disp in branches:
                    s = pos[i]
                    occ_now = set(pos)
                    ps = {d: prob(occ_now, mem_prev, mem_cur, s, d) for d in (1, -1)}
                    total = sum(ps.values())
                    scale = 1.0 / total if total > 1 else 1.0
                    stay = max(1.0 - total * scale, 0.0)
                    if stay > 0:
                        new.append((w * stay, pos, mem_cur, hops, disp))
                    for d, p in ps.items():
                        if p > 0:
                            pos2 = list(pos)
                            pos2[i] = (s + d) % n
                            mem2 = {k: v for k, v in mem_cur.items() if k != (s + d) % n}
                            mem2[s] = d
                            new.append((w * p * scale, pos2, mem2, hops + 1, disp + d * 0.5))
                branches = new
            for w, pos, mem_cur, hops, disp in branches:
                occ2 = frozenset(pos)
                mem_next = {k: v for k, v in mem_cur.items() if k not in occ2} if (
                    concerted == "previous" and m0 != 0) else {}
                key = (occ2, frozenset(mem_next.items()))
                acc = out.setdefault(key, [0.0, 0.0, 0.0])
                acc[0] += w
                acc[1] += w * hops
                acc[2] += w * disp
        return out

    start = [(frozenset(c), frozenset()) for c in itertools.combinations(range(n), n_ions)]
    index = {s: k for k, s in enumerate(start)}
    todo = list(start)
    rows = {}
    while todo:
        s = todo.pop()
        if s in rows:
            continue
        rows[s] = step(s[0], dict(s[1]))
        for c in rows[s]:
            if c not in index:
                index[c] = len(index)
                todo.append(c)
    size = len(index)
    P = np.zeros((size, size))
    hops = np.zeros(size)
    disp = np.zeros(size)
    gamma = np.zeros(size)
    for s, children in rows.items():
        k = index[s]
        for c, (w, h, d) in children.items():
            P[index[c], k] += w
            hops[k] += h
            disp[k] += d
        na = sum(1 for x in s[0] if x % 2 == 0)
        gamma[k] = (2 * na - n_ions) / n_ions
    vals, vecs = np.linalg.eig(P)
    pi = np.real(vecs[:, np.argmin(np.abs(vals - 1))])
    pi /= pi.sum()
    return pi @ hops / n_ions, pi @ disp / n_ions, pi @ np.abs(gamma), size


@pytest.mark.parametrize(("concerted", "field", "k0"), [
    ("previous", 0.0, 0.03), ("same", 1.2, 0.02),
    pytest.param("same", 0.0, 0.03, marks=pytest.mark.slow),
    pytest.param("previous", 1.2, 0.0, marks=pytest.mark.slow),
])
def test_concerted_hopping_matches_brute_force(concerted, field, k0):
    """M0 with its one-step memory (or within one step) against an independent brute force."""
    n_cells, n_ions, lam, m0, temp = 3, 3, 0.06, 0.06, 400.0
    m = models.interacting_chain(lam, k0, m0)
    ds = exact.solve(m, temperature=temp, field=(field,) if field else None,
                     filling=n_ions / n_cells, supercell=(n_cells,), concerted=concerted,
                     tracer=False)
    hop, drift, gabs, size = brute_force_chain(n_cells, n_ions, lam, k0, m0, temp, field,
                                               concerted)
    assert ds.attrs["n_states"] == size
    assert float(ds.hop_probability) == pytest.approx(hop, rel=1e-10)
    assert float(ds.drift_velocity[0]) == pytest.approx(drift, rel=1e-9, abs=1e-15)
    assert float(ds.polarization_abs) == pytest.approx(gabs, rel=1e-10)


# ----------------------------------------------------------------------------- invariants
@pytest.mark.parametrize(("update", "concerted"), [
    ("sequential", "previous"), ("sequential", "same"), ("parallel", "previous"),
])
def test_zero_drift_at_zero_field_and_normalisation(update, concerted):
    m = models.interacting_chain(0.05, 0.03, 0.05)
    ds = exact.solve(m, temperature=400.0, filling=0.75, supercell=(4,), update=update,
                     concerted=concerted, tracer=False)
    np.testing.assert_allclose(ds.drift_velocity, 0.0, atol=1e-14)
    assert float(ds.stationary_probability.sum()) == pytest.approx(1.0, abs=1e-12)
    assert float(ds.stationary_probability.min()) >= 0.0
    assert ds.attrs["memory"] == int(concerted == "previous")


def test_concerted_rules_differ_and_boost_raises_hopping():
    m = models.interacting_chain(0.05, 0.0, 0.05)
    kw = dict(temperature=400.0, filling=0.75, supercell=(4,), tracer=False)
    prev = exact.solve(m, concerted="previous", **kw)
    same = exact.solve(m, concerted="same", **kw)
    none = exact.solve(models.interacting_chain(0.05, 0.0, 0.0), **kw)
    assert float(prev.hop_probability) > float(none.hop_probability)
    assert float(same.hop_probability) > float(none.hop_probability)
    assert abs(float(prev.hop_probability) - float(same.hop_probability)) > 1e-3


# ----------------------------------------------------------------------------- bad input
def test_too_large_supercell_is_refused_before_allocating():
    m = models.interacting_chain(0.1, 0.05)
    tracemalloc.start()
    with pytest.raises(exact.StateSpaceTooLarge, match=r"2704156 configurations.*1048576"):
        exact.solve(m, temperature=400.0, supercell=(12,))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 5e6
    assert issubclass(exact.StateSpaceTooLarge, ModelError)
    with pytest.raises(exact.StateSpaceTooLarge, match="pass tracer=False"):
        exact.solve(m, temperature=400.0, supercell=(4,), max_states=200)


def test_bad_arguments():
    m = models.interacting_chain(0.1, 0.05)
    with pytest.raises(ModelError, match="update"):
        exact.solve(m, temperature=400.0, supercell=(4,), update="random")
    with pytest.raises(ModelError, match="concerted='same' needs update='sequential'"):
        exact.solve(m, temperature=400.0, supercell=(4,), update="parallel", concerted="same")
    with pytest.raises(ModelError, match="filling"):
        exact.solve(m, temperature=400.0, supercell=(4,), filling=3.0)
