"""The general self-consistency engine against the closed forms (chain: Eqs. 49-55; honeycomb:
the hand derivation in docs/meanfield.md) and against invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from superionic import HoppingModel, Interactions, models
from superionic.errors import ModelError
from superionic.lattice import interaction_tables
from superionic.meanfield import chain as cf
from superionic.meanfield import (
    closed_form_solutions,
    compile_model,
    detect_geometry,
    mean_field_map,
    solve,
)
from superionic.meanfield.engine import DEDUP, _stationary_scaled
from superionic.units import KB_EV

#: Upper-branch P0 beyond this lies outside the engine's search box (ln P < ln 1e8).
P0_BOX = 1e7


def _match(engine, closed, *, m0):
    """Assert that the engine's solutions are exactly the closed-form ones."""
    ref = [s for s in closed if s.P0 < P0_BOX]
    assert len(engine) == len(ref), (
        [s.label for s in engine], [s.label for s in ref])
    for c in ref:
        e = min(engine, key=lambda x, c=c: abs(x.gamma - c.gamma) + abs(math.log(x.P0 / c.P0)))
        assert e.gamma == pytest.approx(c.gamma, abs=1e-9)
        assert e.P0 == pytest.approx(c.P0, rel=1e-9)
        assert e.label == c.label
        assert e.stable == c.stable
        assert e.valid_domain == c.valid_domain
        assert e.valid_occupancy == c.valid_occupancy
        assert e.feedback_gain == pytest.approx(c.feedback_gain, rel=1e-7, abs=1e-12)
        # occupation relaxation rate: equal for M0 = 0, same sign otherwise
        if m0 == 0:
            assert e.occupation_rate == pytest.approx(c.occupation_rate, rel=1e-6, abs=1e-9)
        else:
            assert np.sign(e.occupation_rate) == np.sign(c.occupation_rate)


def _random_sets(n, seed):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        lam = rng.uniform(0.05, 0.6)
        k0 = rng.uniform(0.0, 1.0) if i % 7 else 0.0
        m0 = rng.uniform(0.0, 3.0) if i % 5 else 0.0
        n0 = rng.uniform(0.2, 1.8)
        out.append((lam, k0, m0, n0, rng.uniform(0.3, 2.0)))
    return out


@pytest.mark.parametrize("params", _random_sets(60, 11))
def test_chain_engine_equals_closed_forms(params):
    """Eqs. 49-51, 54, 55: every solution (both gammas, both P0 branches) at 60 random sets."""
    lam, k0, m0, n0, rel = params
    model = models.interacting_chain(lam, k0, m0, n0)
    tp = float(cf.transition_temperature(k0, n0)) or 2000.0
    t = rel * tp
    engine = solve(model, temperature=t)
    closed = closed_form_solutions(t, lam, k0, m0, n0)
    # beyond a type-I fold neither has a solution: the engine says none was found
    assert engine.status == {"ok": "ok", "no-solution": "none-found"}[closed.status]
    assert engine.method == "engine"
    _match(engine, closed, m0=m0)
    for s in engine:
        assert s.status == "converged" and s.residual < 1e-10
        # Eq. 44: occupations n0 (1 +- gamma) / 2
        np.testing.assert_allclose(s.occupations, [n0 * (1 + s.gamma) / 2,
                                                   n0 * (1 - s.gamma) / 2], rtol=1e-10)


@pytest.mark.parametrize("params", _random_sets(30, 23))
def test_honeycomb_engine_equals_hand_derivation(params):
    """App. A: z = 3, two blocking neighbours and two partners per hop (docs/meanfield.md)."""
    lam, k0, m0, n0, rel = params
    model = models.interacting_honeycomb(lam, k0, m0, n0)
    tp = float(cf.transition_temperature(k0, n0, cf.HONEYCOMB)) or 2000.0
    t = rel * tp
    _match(solve(model, temperature=t),
           closed_form_solutions(t, lam, k0, m0, n0, geometry="honeycomb"), m0=m0)


def test_what_changes_with_coordination():
    for model, z, zb, zc in (
        (models.interacting_chain(0.2, 0.3, 0.1), 2, 1, 1),
        (models.interacting_honeycomb(0.2, 0.3, 0.1), 3, 2, 2),
    ):
        data = compile_model(model)
        assert np.all(data.blocking.sum(axis=1) == zb)
        assert np.all(data.partners.sum(axis=1) == zc)
        assert data.n_classes == 2
        det = detect_geometry(model)
        assert (det.geometry.coordination, det.geometry.blocking, det.geometry.partners) == (
            z, zb, zc)
        assert det.lambda0 == pytest.approx(0.2, rel=1e-9)
        assert det.geometry.prefactor == pytest.approx(1.0, rel=1e-9)
    # the engine's tables are the simulation's tables
    chain = models.interacting_chain(0.2, 0.3, 0.1)
    tables = interaction_tables(chain)
    data = compile_model(chain)
    for h in range(data.n_hops):
        assert sorted(s for s, _ in tables.blocking(h)) == sorted(
            np.repeat(np.arange(2), data.blocking[h].astype(int)).tolist())
        assert sorted(p for p, _ in tables.partners(h)) == sorted(
            np.repeat(np.arange(data.n_hops), data.partners[h].astype(int)).tolist())


@pytest.mark.parametrize("eps", [1e-2, 1e-4, 1e-6, 1e-8])
def test_no_missed_branch_through_tp(eps):
    lam, k0, m0 = 0.25, 0.5, 0.25
    model = models.interacting_chain(lam, k0, m0)
    tp = float(cf.transition_temperature(k0, 1.0))
    below = solve(model, temperature=tp * (1 - eps))
    above = solve(model, temperature=tp * (1 + eps))
    assert sorted(s.label for s in below) == sorted(
        ["+/lower", "0/lower", "-/lower", "+/upper", "0/upper", "-/upper"])
    assert sorted(s.label for s in above) == ["0/lower", "0/upper"]
    g = max(s.gamma for s in below)
    # near the pitchfork gamma is ill-conditioned: residual 1e-13 ~ gamma^2 * dgamma
    assert g == pytest.approx(float(cf.polarization(tp * (1 - eps), k0, 1.0)), rel=1e-5,
                              abs=1e-7)


@pytest.mark.parametrize("eps", [1e-2, 1e-4, 1e-6])
def test_no_missed_branch_through_fold(eps):
    lam, m0 = 0.25, 2.0
    model = models.interacting_chain(lam, 0.0, m0)
    t_i = 1083.1791180161738
    below = solve(model, temperature=t_i * (1 - eps))
    assert sorted(s.label for s in below) == ["0/lower", "0/upper"]
    lo, up = sorted(s.P0 for s in below)
    ref_lo, ref_up, _, _ = cf.hop_probability(t_i * (1 - eps), lam, 0.0, m0)
    assert lo == pytest.approx(float(ref_lo), rel=1e-8)
    assert up == pytest.approx(float(ref_up), rel=1e-8)
    beyond = solve(model, temperature=t_i * (1 + eps))
    assert beyond.status == "none-found" and len(beyond) == 0
    assert beyond.n_failed == beyond.n_seeds  # every seed reported as failed, none silent
    assert closed_form_solutions(t_i * (1 + eps), lam, 0.0, m0).status == "no-solution"


def test_solutions_are_fixed_points_of_the_map():
    model = models.interacting_chain(0.3, 0.6, 1.2, 0.9)
    data = compile_model(model)
    for s in solve(model, temperature=2500.0):
        new = mean_field_map(data, s.occupations, s.probabilities, temperature=2500.0)
        np.testing.assert_allclose(new, s.probabilities, rtol=1e-10)
        pi, _, _ = _stationary_scaled(data, s.probabilities[None])
        np.testing.assert_allclose(s.occupations, data.n0 * pi[0], rtol=1e-10)


def test_exclusion_flags_double_occupancy():
    """|gamma| < 2/n0 - 1 (Eq. 47): with n0 = 1.6 strongly polarized solutions double-occupy."""
    model = models.interacting_chain(0.25, 0.5, 0.0, 1.6)
    t = 0.4 * float(cf.transition_temperature(0.5, 1.6))
    sols = solve(model, temperature=t)
    pol = [s for s in sols if s.polarization != "0"]
    assert pol
    for s in sols:
        assert s.valid_occupancy == (abs(s.gamma) < 2 / 1.6 - 1)
        assert s.valid_occupancy == bool(np.all(s.occupations < 1))
        if not s.valid_occupancy:
            # with K-infinity the map blocks the hops into the full site: not a fixed point
            new = mean_field_map(compile_model(model), s.occupations, s.probabilities,
                                 temperature=t)
            assert np.any(new == 0.0)
    # without exclusion the same solutions are all admissible
    no_ex = HoppingModel(model.lattice, model.hops, filling=1.6,
                         interactions=Interactions(repulsion=0.5, exclusion=False))
    assert all(s.valid_occupancy for s in solve(no_ex, temperature=t))


def test_domain_flag_matches_negative_diagonal():
    model = models.interacting_chain(0.05, 0.1, 0.0, 1.0)
    for t in (300.0, 3000.0, 30000.0):
        for s in solve(model, temperature=t):
            out = np.zeros(2)
            np.add.at(out, compile_model(model).source, s.probabilities)
            assert s.valid_domain == bool(np.all(out <= 1 + 1e-12))
            assert s.valid_domain == (s.P0 * (1 + abs(s.gamma)) <= 1 + 1e-12)


def test_deterministic():
    model = models.interacting_honeycomb(0.2, 0.4, 1.0, 0.8)
    a = solve(model, temperature=2500.0)
    b = solve(model, temperature=2500.0)
    assert [s.label for s in a] == [s.label for s in b]
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.probabilities, y.probabilities)


def test_full_space_finds_unstable_current_carrying_solutions():
    model = models.interacting_chain(0.25, 0.5, 2.0)
    sym = solve(model, temperature=1500.0)
    full = solve(model, temperature=1500.0, symmetric=False)
    assert len(full) > len(sym)
    for s in sym:  # every symmetric solution is among the full-space ones
        assert any(abs(f.gamma - s.gamma) < 1e-9 and abs(f.P0 / s.P0 - 1) < 1e-9 for f in full)
        assert np.allclose(s.drift, 0.0, atol=1e-12)
    broken = [f for f in full if not np.allclose(f.drift, 0.0, atol=1e-9)]
    assert broken and not any(f.stable for f in broken)


def test_supercell_contains_primitive_solutions():
    prim = models.interacting_chain(0.25, 0.5, 0.25)
    big = models.supercell(prim, (2,))
    t = 2000.0
    ps, bs = solve(prim, temperature=t), solve(big, temperature=t)
    for s in ps:
        assert any(abs(b.gamma - s.gamma) < 1e-9 and abs(b.P0 / s.P0 - 1) < 1e-9
                   and b.stable == s.stable for b in bs)


def test_general_model_three_dimensional_runs_and_reports():
    b = models.bcc_tetrahedral(barrier=0.2)
    model = HoppingModel(b.lattice, b.hops, tau=1e-13, filling=3.0,
                         interactions=Interactions(repulsion=0.3, concerted=0.5))
    sols = solve(model, temperature=3000.0)
    assert sols.status == "ok"
    uniform = [s for s in sols if s.branch == "lower"]
    assert uniform and uniform[0].stable
    np.testing.assert_allclose(uniform[0].occupations, 0.25, rtol=1e-9)
    assert sols.n_seeds > 0 and 0 <= sols.n_failed <= sols.n_seeds


def test_dedup_tolerance_is_small():
    assert DEDUP < 1e-6


@given(lam=st.floats(0.05, 0.6), k0=st.floats(0.0, 1.0), m0=st.floats(0.0, 3.0),
       n0=st.floats(0.2, 1.0), kt=st.floats(0.03, 0.6))
@settings(max_examples=15)
def test_engine_residuals_and_stability_invariants(lam, k0, m0, n0, kt):
    model = models.interacting_chain(lam, k0, m0, n0)
    sols = solve(model, temperature=kt / KB_EV)
    if closed_form_solutions(kt / KB_EV, lam, k0, m0, n0).status == "no-solution":
        assert sols.status == "none-found"
        return
    assert sols.status == "ok"
    stable = [s for s in sols if s.stable]
    # exactly one stable P0 branch per polarization class, and stable ones are lower-branch
    assert stable and all(s.branch == "lower" for s in stable)
    assert len({round(abs(s.gamma), 8) for s in stable}) == 1


@pytest.mark.parametrize("bad", [-1.0, 0.0, float("nan"), float("inf")])
def test_bad_temperature(bad):
    with pytest.raises(ModelError, match="temperature"):
        solve(models.interacting_chain(0.2, 0.3), temperature=bad)


def test_bad_models():
    with pytest.raises(ModelError, match="K0"):
        solve(HoppingModel(models.interacting_chain(0.2, 0.3).lattice,
                           models.interacting_chain(0.2, 0.3).hops,
                           interactions=Interactions(repulsion=-0.1)), temperature=300.0)
    with pytest.raises(ModelError, match="HoppingModel"):
        solve("chain", temperature=300.0)
    with pytest.raises(ModelError, match="filling"):
        models.interacting_chain(0.2, 0.3, n0=2.5)
    with pytest.raises(ModelError, match="lambda0"):
        models.interacting_chain(-0.2, 0.3)
    with pytest.raises(ModelError, match="closed-form"):
        b = models.bcc_tetrahedral()
        solve(b, temperature=300.0, method="closed-form")
    with pytest.raises(ModelError, match="method"):
        solve(models.interacting_chain(0.2, 0.3), temperature=300.0, method="magic")
