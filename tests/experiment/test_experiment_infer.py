"""Parameter inference: round trips through meanfield.transitions, exact ordering, verdicts."""

from __future__ import annotations

import math

import numpy as np
import pytest

import superionic as si
import superionic.experiment as ex
from superionic.errors import ModelError
from superionic.units import KB_EV


def type_ii_fit(lattice="chain", lam=0.3, tp=500.0, n0=1.0, n=20, rel=0.01, seed=1):
    zb = {"chain": 1, "honeycomb": 2}[lattice]
    k0 = 2 * KB_EV * tp / (zb * n0)
    t = np.linspace(0.6 * tp, 1.6 * tp, n)
    tab = ex.synthetic_table(t, lambda0=lam, K0=k0, n0=n0, lattice=lattice, relative_error=rel,
                             rng=seed)
    return ex.fit_arrhenius(tab.temperature, tab.values, errors=tab.errors), k0


# --------------------------------------------------------------------------- exact ordering
def test_exact_ordering_temperatures_onsager():
    # honeycomb: cosh(2J / kB Tc) = 2, square: sinh(2J / kB Tc) = 1, with J = K0 / 4
    for k0 in (0.1, 0.5, 1.3):
        j = k0 / 4
        tc = ex.exact_ordering_temperature(k0, "honeycomb")
        assert math.cosh(2 * j / (KB_EV * tc)) == pytest.approx(2.0, rel=1e-12)
        tc = ex.exact_ordering_temperature(k0, "square")
        assert math.sinh(2 * j / (KB_EV * tc)) == pytest.approx(1.0, rel=1e-12)
        assert KB_EV * tc / j == pytest.approx(2.269185314, rel=1e-9)   # Onsager
    assert ex.exact_ordering_temperature(0.5, "chain") == 0.0
    with pytest.raises(ModelError, match="lattice"):
        ex.exact_ordering_temperature(0.5, "kagome")


def test_honeycomb_matches_documented_simulation():
    """docs/simulation.md: K0 = 0.5 eV honeycomb, mean field 5802 K, exact Ising 2203 K,
    Binder crossings 2167 +- 26 K (the mean field about 2.6x too high)."""
    tc = ex.exact_ordering_temperature(0.5, "honeycomb")
    assert tc == pytest.approx(2203.0, abs=0.5)
    tp = float(si.meanfield.chain.transition_temperature(0.5, 1.0, si.meanfield.HONEYCOMB))
    assert tp == pytest.approx(5802.26, abs=0.01)
    assert tp / tc == pytest.approx(2 * math.log(2 + math.sqrt(3)), rel=1e-12)
    assert tp / tc == pytest.approx(2.634, abs=1e-3)
    assert abs(tc - 2167.0) < 2 * 26.0
    # and through the inference: a kink at 5802 K on the honeycomb at half filling
    fit, _ = type_ii_fit("honeycomb", lam=0.3, tp=5802.26, rel=0.005, seed=4)
    inf = ex.infer_parameters(fit, filling=1.0, lattice="honeycomb")
    assert inf.exact_over_mean_field == pytest.approx(2 * math.log(2 + math.sqrt(3)))
    assert inf.K0 == pytest.approx(0.5, rel=0.03)
    assert inf.K0_exact == pytest.approx(inf.K0 * 2.634, rel=1e-3)
    off = ex.infer_parameters(fit, filling=0.8, lattice="honeycomb")
    assert off.K0_exact is None and any("half filling" in n for n in off.notes)


# --------------------------------------------------------------------------- type II
@pytest.mark.parametrize("lattice", ["chain", "honeycomb"])
def test_type_ii_round_trip_and_parameters(lattice):
    fit, k0 = type_ii_fit(lattice, lam=0.35, tp=480.0, n0=0.8)
    assert fit.kind == "type-II"
    inf = ex.infer_parameters(fit, filling=0.8, lattice=lattice)
    # Tp relation of the mean field: kB Tp = z_b n0 K0 / 2
    zb = {"chain": 1, "honeycomb": 2}[lattice]
    assert KB_EV * fit.transition_temperature == pytest.approx(zb * 0.8 * inf.K0 / 2, rel=1e-12)
    assert inf.round_trip_temperature == pytest.approx(fit.transition_temperature, rel=1e-9)
    assert abs(inf.K0 - k0) < 4 * inf.K0_stderr + 0.02 * k0
    assert abs(inf.lambda0 - 0.35) < 3 * inf.lambda0_stderr + 0.01
    assert inf.predicted_drop_asymptotic == pytest.approx(KB_EV * fit.transition_temperature)
    assert "consistent within errors" in inf.verdict and abs(inf.drop_z) <= 2
    # the model curve reproduces the fitted line above Tp exactly
    t_hot = np.linspace(1.05 * fit.transition_temperature, fit.temperature[-1], 5)
    np.testing.assert_allclose(inf.model_ln_value(t_hot), fit.segments[1].ln_value(t_hot),
                               rtol=0, atol=1e-9)


def test_type_ii_from_a_model():
    fit, _ = type_ii_fit("chain", lam=0.3, tp=520.0)
    by_name = ex.infer_parameters(fit, filling=1.0, lattice="chain")
    model = si.models.interacting_chain(0.3, 0.2)
    by_model = ex.infer_parameters(fit, filling=1.0, lattice=model)
    assert by_model.K0 == pytest.approx(by_name.K0, rel=1e-12)
    assert by_model.lambda0 == pytest.approx(by_name.lambda0, rel=1e-12)


@pytest.mark.slow
def test_type_ii_on_a_general_lattice_by_root_finding():
    fit, _ = type_ii_fit("chain", lam=0.3, tp=520.0)
    by_name = ex.infer_parameters(fit, filling=1.0, lattice="chain")
    model = si.models.interacting_chain(0.3, 0.2)
    # a doubled cell is not a two-sublattice lattice: the engine finds K0 by root finding
    doubled = si.models.supercell(model, 2)
    general = ex.infer_parameters(fit, filling=2.0, lattice=doubled)
    assert general.lattice == "model" and general.lambda0 is None
    assert general.round_trip_temperature == pytest.approx(fit.transition_temperature,
                                                           rel=1e-5)
    assert general.K0 == pytest.approx(by_name.K0, rel=1e-4)


def test_type_ii_drop_verdict_can_fail():
    """A kink whose drop is 4x kB Tp is not the mean field's type II."""
    t = np.linspace(300, 800, 20)
    tb = 520.0
    x, xb = 1 / (KB_EV * t), 1 / (KB_EV * tb)
    drop = 4 * KB_EV * tb
    y = np.where(x <= xb, 12 - 0.4 * x, 12 - 0.4 * xb - (0.4 + drop) * (x - xb))
    sigma = np.exp(y + 0.01 * np.random.default_rng(2).standard_normal(t.size)) / t
    fit = ex.fit_arrhenius(t, sigma, errors=0.01 * sigma)
    inf = ex.infer_parameters(fit, filling=1.0, lattice="chain")
    assert "not consistent" in inf.verdict and inf.drop_z > 5
    assert inf.measured_drop == pytest.approx(drop, rel=0.1)


# --------------------------------------------------------------------------- type I
@pytest.mark.parametrize("lattice", ["chain", "honeycomb"])
def test_type_i_round_trip_and_jump(lattice):
    z, zc = {"chain": (2, 1), "honeycomb": (3, 2)}[lattice]
    lam, ti, n0 = 0.25, 700.0, 1.0
    kt = KB_EV * ti
    m0 = 2 * z * kt / (zc * n0) * math.exp(lam / kt - 1)
    t = np.linspace(450, 1000, 18)
    tab = ex.synthetic_table(t, lambda0=lam, M0=m0, n0=n0, lattice=lattice, rng=3,
                             relative_error=0.01)
    fit = ex.fit_arrhenius(tab.temperature, tab.values, errors=tab.errors)
    assert fit.kind == "type-I"
    inf = ex.infer_parameters(fit, filling=n0, lattice=lattice)
    assert inf.round_trip_temperature == pytest.approx(fit.transition_temperature, rel=1e-9)
    # every pair on the curve has its fold at the measured T_I
    for lam_k, m0_k in list(zip(inf.pairs_lambda0, inf.pairs_M0, strict=True))[::15]:
        recs = si.meanfield.closed_form_transitions(
            lam_k, 0.0, m0_k, n0, temperature_range=(50.0, 3 * ti),
            geometry=getattr(si.meanfield, lattice.upper()))
        melts = [r for r in recs if r.kind == "type-I" and r.event == "melts"]
        assert melts[0].temperature == pytest.approx(fit.transition_temperature, rel=1e-9)
    assert abs(inf.lambda0 - lam) < 0.03
    assert inf.predicted_jump_bound > 1 and inf.measured_jump > 1
    assert "conductivity jump" in inf.verdict
    assert np.all(np.isfinite(inf.model_ln_value(fit.temperature[fit.temperature
                                                                 < fit.transition_temperature])))


def test_none_and_undecided():
    t = np.linspace(300, 800, 10)
    tab = ex.synthetic_table(t, lambda0=0.4, rng=1)
    fit = ex.fit_arrhenius(tab.temperature, tab.values, errors=tab.errors)
    inf = ex.infer_parameters(fit, filling=1.0)
    assert fit.kind == "none" and inf.lambda0 == pytest.approx(0.4, abs=0.02)
    small = ex.fit_arrhenius(t[:4], tab.values[:4])
    assert ex.infer_parameters(small).verdict.startswith("nothing inferred")
    with pytest.raises(ModelError, match="lattice"):
        ex.infer_parameters(fit, lattice="kagome")
    with pytest.raises(ModelError, match="n0"):
        ex.infer_parameters(fit, filling=3.0)
