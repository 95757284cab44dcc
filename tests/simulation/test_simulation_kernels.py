"""Kernels of the many-body simulation: RNG, supercell tables, parity with the pure-Python twins."""

from __future__ import annotations

import numpy as np
import pytest

from superionic import Hop, HoppingModel, Interactions, Lattice, Site, models
from superionic.errors import ModelError
from superionic.simulation._rng import PyRng, next_below, next_double, next_u64, state_from_seed
from superionic.simulation.engine import DiscreteEngine
from superionic.simulation.kmc import KMCEngine, KMCReference
from superionic.simulation.reference import DiscreteReference, place_ions
from superionic.simulation.supercell import build_rules, compile_supercell, sublattice_signs


def test_rng_streams_identical():
    s = state_from_seed(12345)
    p = PyRng(s.copy())
    assert [int(next_u64(s)) for _ in range(50)] == [p.next_u64() for _ in range(50)]
    assert [next_double(s) for _ in range(50)] == [p.next_double() for _ in range(50)]
    assert [next_below(s, 7) for _ in range(50)] == [p.next_below(7) for _ in range(50)]
    x = np.array([next_double(s) for _ in range(20000)])
    assert 0.0 <= x.min() and x.max() < 1.0
    assert abs(x.mean() - 0.5) < 5 * np.sqrt(1 / 12 / x.size)


def test_seed_sequence_children_differ():
    a, b = np.random.SeedSequence(7).spawn(2)
    assert not np.array_equal(state_from_seed(a), state_from_seed(b))
    assert np.array_equal(state_from_seed(7), state_from_seed(7))


def _honeycomb(K0=0.05, M0=0.0):
    return models.interacting_honeycomb(0.1, K0, M0=M0, n0=1.0)


def test_supercell_tables_match_direct_geometry():
    m = _honeycomb()
    rules = build_rules(m, temperature=600.0)
    cell = compile_supercell(rules, m, (5, 6))
    code = cell.codes()
    rng = np.random.default_rng(0)
    for s in rng.integers(0, cell.n_sites, 40):
        c, b = cell.site_cell(s)
        e0, e1 = cell.entry_ptr[code[s]], cell.entry_ptr[code[s] + 1]
        hops = [h for h in range(rules.n_hops) if rules.source_basis[h] == b]
        assert list(cell.entry_hop[e0:e1]) == hops
        for e, h in zip(range(e0, e1), hops, strict=True):
            t = cell.site_index(c + rules.cell[h], rules.target_basis[h])
            assert s + cell.entry_target[e] == t
            blk = sorted(s + cell.block_delta[cell.block_ptr[e] : cell.block_ptr[e + 1]])
            want = sorted(cell.site_index(c + np.array(cc), bb) for bb, cc in rules.blockers[h])
            assert blk == want


def test_supercell_too_small_raises():
    m = _honeycomb()
    rules = build_rules(m, temperature=600.0)
    with pytest.raises(ModelError, match="supercell"):
        compile_supercell(rules, m, (2, 5))
    with pytest.raises(ModelError, match="supercell"):
        compile_supercell(rules, m, (4, 4), kmc=True)


def test_place_ions_twin_and_both_branches():
    for n_ions in (3, 17):
        s = state_from_seed(4)
        occ = np.zeros(20, dtype=np.uint8)
        sites = np.zeros(n_ions, dtype=np.int32)
        from superionic.simulation.kernels import place_ions as place_nb

        place_nb(occ, sites, s)
        assert list(sites) == place_ions(20, n_ions, PyRng(state_from_seed(4)))
        assert np.unique(sites).size == n_ions and occ.sum() == n_ions


def _mixed(K0=0.04, M0=0.02):
    """Honeycomb with extra A -> A hops: 5 hops out of A, 3 out of B; 2 or 6 blockers per hop."""
    lat = models.canned._honeycomb_lattice(3.0)
    hops = [Hop("B", "A", c, saddle=0.05, degeneracy=3) for c in models.HONEYCOMB_B_TO_A_CELLS]
    hops += [Hop("A", "A", (1, 0), probability=0.05), Hop("A", "A", (0, -1), probability=0.08)]
    return HoppingModel(lat, hops, interactions=Interactions(repulsion=K0, concerted=M0))


def test_slot_tables_match_entries():
    model = _mixed()
    rules = build_rules(model, temperature=600.0, field=[0.2, -0.1])
    cell = compile_supercell(rules, model, (5, 6))
    ns, nb, nk = cell.hop_slots, cell.block_slots, cell.block_slots + 1
    assert (ns, nb) == (5, 6)
    fac = rules.repulsion_factor
    for c in range(cell.n_codes):
        e0, e1 = cell.entry_ptr[c], cell.entry_ptr[c + 1]
        start = 0.0
        for j in range(ns):
            q = c * ns + j
            if e0 + j >= e1:  # padding: zero width at the code's bound, never a target
                assert cell.slot_cum[q] == cell.slot_cum[c * ns + ns - 1]
                assert cell.slot_target[q] == 0 and cell.slot_nblock[q] == 0
                continue
            e = e0 + j
            h = cell.entry_hop[e]
            assert cell.slot_hop[q] == h and cell.slot_target[q] == cell.entry_target[e]
            blk = cell.block_delta[cell.block_ptr[e] : cell.block_ptr[e + 1]]
            n = blk.size
            assert cell.slot_nblock[q] == n
            assert list(cell.slot_block[q * nb : q * nb + n]) == list(blk)
            assert not np.any(cell.slot_block[q * nb + n : (q + 1) * nb])
            width = rules.probability[h] * fac.max() * (rules.boost if rules.partner[h].any()
                                                        else 1.0)
            assert cell.slot_cum[q] == pytest.approx(start + width, rel=1e-14)
            thr = cell.slot_threshold[q]
            pad = nb - n
            np.testing.assert_allclose(thr[pad:nk], start + rules.probability[h] * fac[: n + 1],
                                       rtol=1e-14)
            np.testing.assert_allclose(
                thr[2 * nk + pad :], start + rules.probability[h] * fac[: n + 1] * rules.boost,
                rtol=1e-14,
            )
            assert np.all(thr[:pad] == -1.0) and np.all(thr[nk : 2 * nk] == -1.0)
            start = cell.slot_cum[q]


CASES = [
    # model, temperature, field, supercell, n_ions, update, concerted
    ("mixed-M0", _mixed(), 600.0, [0.2, -0.3], (5, 5), 21, "sequential", "previous"),
    ("mixed-parallel", _mixed(0.06, 0.0), 600.0, None, (5, 6), 26, "parallel", "previous"),
    ("mixed-saturating", _mixed(0.0, 0.4), 600.0, [0.1, 0.2], (5, 5), 20, "sequential", "same"),
    ("honeycomb-K0", _honeycomb(0.05), 600.0, [0.3, -0.2], (4, 5), 20, "sequential", "previous"),
    ("honeycomb-M0", _honeycomb(0.05, 0.02), 600.0, None, (4, 5), 19, "sequential", "previous"),
    ("honeycomb-M0-same", _honeycomb(0.03, 0.1), 600.0, [0.2, 0.1], (3, 4), 12, "sequential",
     "same"),
    ("honeycomb-saturating", _honeycomb(0.0, 0.3), 600.0, None, (4, 4), 10, "sequential",
     "previous"),
    ("honeycomb-parallel", _honeycomb(0.05, 0.2), 600.0, [0.3, 0.0], (4, 5), 24, "parallel",
     "previous"),
    ("chain", models.interacting_chain(0.05, 0.04, M0=0.05, n0=1.0), 500.0, [0.5], (7,), 8,
     "sequential", "previous"),
    ("chain-parallel", models.interacting_chain(0.05, -0.02, n0=1.2), 500.0, None, (6,), 7,
     "parallel", "previous"),
    ("bcc", models.bcc_tetrahedral(barrier=0.05, a=5.07), 700.0, [0.1, 0.0, 0.05], (3, 3, 3), 30,
     "sequential", "previous"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_discrete_kernel_matches_python_twin(case):
    _, model, temp, field, reps, n_ions, update, concerted = case
    rules = build_rules(model, temperature=temp, field=field)
    cell = compile_supercell(rules, model, reps)
    sign, _ = sublattice_signs(model)
    eng = DiscreteEngine(rules, cell, n_ions, sign, update=update, concerted=concerted)
    rng = state_from_seed(11)
    eng.place_random(rng)
    ref = DiscreteReference(rules, reps, eng.ion_site.copy(), rng.copy(), sign=sign,
                            update=update, concerted=concerted)
    steps = 15 if model.dim == 3 else 60
    eng.run(steps, rng)
    ref.run(steps)
    assert np.array_equal(eng.ion_site, ref.ion_indices())
    assert np.array_equal(rng, ref.rng.state())
    assert eng.acc[0] == ref.hops > 0
    assert eng.acc[7] == ref.saturated
    assert eng.acc[8] == ref.maxout
    assert eng.acc[9] == ref.conflicts
    np.testing.assert_allclose(eng.acc[10:], ref.displacement, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(eng.acc[2:6], ref.gamma_sums, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(eng.ion_ucell, np.array(ref.ucell))


def test_saturation_is_reported_not_clipped():
    model = _honeycomb(0.0, 0.3)
    rules = build_rules(model, temperature=600.0)
    cell = compile_supercell(rules, model, (4, 4))
    eng = DiscreteEngine(rules, cell, 10, sublattice_signs(model)[0])
    rng = state_from_seed(1)
    eng.place_random(rng)
    eng.run(200, rng)
    assert eng.acc[7] > 0 and eng.acc[8] > 1.0


def test_kmc_matches_python_twin():
    model = _honeycomb(0.05)
    rules = build_rules(model, temperature=600.0, field=[0.3, 0.1])
    reps = (7, 8)
    cell = compile_supercell(rules, model, reps, kmc=True)
    eng = KMCEngine(rules, cell, 50, sublattice_signs(model)[0])
    rng = state_from_seed(3)
    eng.place_random(rng)
    ref = KMCReference(rules, reps, eng.ion_site.copy(), rng.copy())
    eng.run(40.0, rng)
    ref.run(40.0)
    assert eng.acc[0] == ref.hops > 50
    assert np.array_equal(eng.ion_site, [ref.lat.index(s) for s in ref.ions])
    assert np.array_equal(rng, ref.rng.state())


def test_kmc_incremental_rates_equal_rebuild():
    model = models.interacting_honeycomb(0.1, 0.07, n0=0.8)
    rules = build_rules(model, temperature=500.0, field=[0.2, 0.4])
    cell = compile_supercell(rules, model, (9, 10), kmc=True)
    eng = KMCEngine(rules, cell, 72, sublattice_signs(model)[0])
    rng = state_from_seed(5)
    eng.place_random(rng)
    eng.run(1000.0, rng)
    assert eng.acc[0] > 1000
    incremental = eng.rate.copy()
    eng.rebuild()
    np.testing.assert_allclose(incremental, eng.rate, rtol=1e-12, atol=1e-15)


def test_kmc_refuses_concerted_models():
    model = _honeycomb(0.05, 0.1)
    rules = build_rules(model, temperature=600.0)
    cell = compile_supercell(rules, model, (9, 9), kmc=True)
    with pytest.raises(ModelError, match="M0"):
        KMCEngine(rules, cell, 10, np.array([1.0, -1.0]))


def test_memory_per_site_within_budget():
    model = _honeycomb(0.05)
    rules = build_rules(model, temperature=600.0)
    cell = compile_supercell(rules, model, (16, 16))
    eng = DiscreteEngine(rules, cell, 256, np.array([1.0, -1.0]))
    assert eng.bytes_per_site <= 16
    cell_k = compile_supercell(rules, model, (16, 16), kmc=True)
    assert KMCEngine(rules, cell_k, 256, np.array([1.0, -1.0])).bytes_per_site <= 16


def test_interactions_need_temperature_and_exclusion():
    lat = Lattice([[1.0]], [Site("a", [0.0])])
    hops = [Hop("a", "a", (1,), probability=0.1), Hop("a", "a", (-1,), probability=0.1)]
    m = HoppingModel(lat, hops, interactions=Interactions(repulsion=0.1))
    with pytest.raises(ModelError, match="temperature"):
        build_rules(m)
    m2 = HoppingModel(lat, hops, interactions=Interactions(exclusion=False))
    with pytest.raises(ModelError, match="exclusion"):
        build_rules(m2)


def test_sublattice_signs():
    assert np.array_equal(sublattice_signs(_honeycomb())[0], [1.0, -1.0])
    big = models.supercell(models.honeycomb(0.3, 0.0), (2, 1))
    w, ok = sublattice_signs(big)
    assert ok and sorted(w) == [-1, -1, 1, 1]
    with pytest.raises(ModelError):
        sublattice_signs(_honeycomb(), [1.0])
