"""Closed forms of the mean field (Eqs. 49-55) against the paper's equations and references."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from superionic import models
from superionic.errors import ModelError
from superionic.meanfield import chain as cf
from superionic.meanfield import minimal_concerted_strength, type_i_before_type_ii
from superionic.meanfield.folds import closed_form_transitions, fold_condition
from superionic.transport import arrhenius_fit, mobility_tensor
from superionic.units import KB_EV

LAM, K0, N0 = 0.25, 0.5, 1.0
TP = N0 * K0 / (2 * KB_EV)


def test_eq51_transition_temperature():
    assert cf.transition_temperature(K0, N0) == pytest.approx(TP, rel=1e-15)
    assert TP == pytest.approx(2901.13, abs=0.01)
    # honeycomb: two blocking neighbours per hop
    assert cf.transition_temperature(K0, N0, cf.HONEYCOMB) == pytest.approx(2 * TP, rel=1e-15)


@given(x=st.floats(1.0 + 1e-9, 400.0))
@settings(max_examples=60)
def test_eq50_root_solves_tanh(x):
    t = TP / x
    g = float(cf.polarization(t, K0, N0))
    assert 0 < g <= 1
    # Eq. 50 in the original variables, gamma = tanh(gamma n0 K0 / 2 kB T)
    assert g == pytest.approx(math.tanh(g * N0 * K0 / (2 * KB_EV * t)), rel=1e-13, abs=1e-15)
    # the nonzero root is unique on (0, 1] (concavity): the residual changes sign only there
    h = np.linspace(1e-6, 1, 400) * g
    assert np.all(np.tanh(x * h[:-1]) - h[:-1] > 0)


def test_eq50_zero_above_and_asymptotics_near_tp():
    assert np.all(cf.polarization(np.array([TP, 1.01 * TP, 5 * TP]), K0, N0) == 0)
    for eps in (1e-4, 1e-6, 1e-8):
        g = float(cf.polarization(TP * (1 - eps), K0, N0))
        # gamma^2 = 3 (1 - T/Tp) + O((1 - T/Tp)^2)
        assert g**2 == pytest.approx(3 * eps, rel=5 * eps + 1e-6)


def test_eq49_direct_formula():
    t = np.array([0.3, 0.7, 0.95, 1.2, 2.0]) * TP
    lower, upper, g, exists = cf.hop_probability(t, LAM, K0, 0.0, N0)
    kt = KB_EV * t
    direct = np.exp(-(LAM + N0 * K0 / 2) / kt) * np.cosh(N0 * K0 * g / (2 * kt))
    np.testing.assert_allclose(lower, direct, rtol=1e-13)
    assert np.all(exists) and np.all(np.isinf(upper))


@given(
    lam=st.floats(0.02, 0.8), k0=st.floats(0.0, 1.0), m0=st.floats(0.01, 4.0),
    n0=st.floats(0.1, 2.0), kt=st.floats(0.01, 1.0),
)
@settings(max_examples=80)
def test_eq55_both_branches_are_roots(lam, k0, m0, n0, kt):
    t = kt / KB_EV
    for polarized in (True, False):
        lower, upper, g, exists = cf.hop_probability(t, lam, k0, m0, n0, polarized=polarized)
        form = cf.closed_form(t, lam, k0, m0, n0, polarized=polarized)
        if not exists:
            assert np.isnan(lower) and np.isnan(upper)
            # and the bracketing reference agrees that there is no root
            assert math.isnan(cf.p0_fixed_point(float(form.log_A), float(form.c)))
            continue
        s = n0 * k0 * g / (2 * kt)
        # 1 - gamma^2 = sech^2(s) by Eq. 50 (1 - g**2 itself loses digits as gamma -> 1)
        one_minus = 1.0 / np.cosh(s) ** 2
        log_cosh = np.logaddexp(s, -s) - math.log(2.0)
        for p0 in (float(lower), float(upper)):
            if not np.isfinite(p0) or p0 > 1e200 or p0 == 0.0:  # 0: underflow of exp(ln P0)
                continue
            # Eq. 55 in logs
            rhs = -(lam + n0 * k0 / 2 - p0 * n0 * m0 * one_minus / 4) / kt + log_cosh
            assert math.log(p0) == pytest.approx(float(rhs), abs=1e-9 * (1 + abs(rhs)))
        ref = cf.p0_fixed_point(float(form.log_A), float(form.c), branch="lower")
        assert float(lower) == pytest.approx(ref, rel=1e-9)
        assert float(lower) <= float(upper)


def test_eq54_paper_fold_T_I():
    """DESIGN 3.4: Eq. 54 with gamma = 0 folds at T_I = 1083.2 K = 0.3734 Tp, P0 = 0.187."""
    m0 = 2.0

    def ace(t):  # A c e - 1 of Eq. 54 written out by hand
        kt = KB_EV * t
        return math.e * math.exp(-LAM / kt) * m0 * N0 / (4 * kt) - 1

    t_ref = brentq(ace, 500, 2000, xtol=1e-12)
    recs = closed_form_transitions(LAM, 0.0, m0, N0, temperature_range=(100, 3000))
    assert [r.kind for r in recs] == ["type-I"]
    assert recs[0].temperature == pytest.approx(t_ref, rel=1e-10)
    assert recs[0].temperature == pytest.approx(1083.2, abs=0.05)
    assert recs[0].temperature / TP == pytest.approx(0.3734, abs=5e-5)
    assert recs[0].P0 == pytest.approx(0.187, abs=5e-4)
    # at the fold c P0 = 1 and the concerted field has raised P0 by exactly e over A
    form = cf.closed_form(recs[0].temperature, LAM, 0.0, m0, N0)
    assert recs[0].P0 * float(form.c) == pytest.approx(1.0, abs=1e-5)
    assert recs[0].P0 / float(form.A) == pytest.approx(math.e, rel=1e-5)


def test_combined_paper_parameters_have_no_fold():
    """DESIGN 3.4: with Eq. 50's gamma, A c e = y exp(1 - y) <= 1 for M0 = 2.0 eV."""
    t = np.geomspace(50, 1e5, 4000)
    log_fold = fold_condition(t, LAM, K0, 2.0, N0)
    assert np.all(log_fold <= 1e-12)
    y = 0.5 / (KB_EV * t)
    above = t > TP
    np.testing.assert_allclose(np.exp(log_fold[above]), y[above] * np.exp(1 - y[above]),
                               rtol=1e-12)
    assert minimal_concerted_strength(LAM, K0, N0) == pytest.approx(2.0, rel=1e-15)
    assert not [r for r in closed_form_transitions(LAM, K0, 2.0, N0,
                                                   temperature_range=(50, 1e5))
                if r.kind == "type-I"]


@given(lam=st.floats(0.02, 0.6), k0=st.floats(0.05, 1.0), m0=st.floats(0.1, 8.0),
       n0=st.floats(0.2, 1.5))
@settings(max_examples=60)
def test_type_i_at_or_above_type_ii_iff_condition(lam, k0, m0, n0):
    """Sec. V.1: the fold comes at or above Tp exactly when M0 <= 2 K0 exp(2 Lambda0 / n0 K0)."""
    tp = float(cf.transition_temperature(k0, n0))
    recs = closed_form_transitions(lam, k0, m0, n0, temperature_range=(1e-3 * tp, 1e3 * tp))
    folds = [r.temperature for r in recs if r.kind == "type-I" and r.event == "melts"]
    threshold = 2 * k0 * math.exp(2 * lam / (n0 * k0))
    if abs(m0 / threshold - 1) < 1e-9:
        return
    if m0 < threshold:
        assert not type_i_before_type_ii(lam, k0, m0, n0)
        assert all(t >= tp for t in folds)
    else:
        assert type_i_before_type_ii(lam, k0, m0, n0)
        assert folds and folds[0] < tp


def test_activation_energy_identities():
    above = cf.activation_energy(np.array([1.1, 1.5, 3.0]) * TP, LAM, K0, 0.0, N0)
    np.testing.assert_allclose(above, LAM + N0 * K0 / 2, rtol=1e-8)
    below = cf.activation_energy(np.array([0.2, 0.1, 0.05]) * TP, LAM, K0, 0.0, N0)
    # Ea = Lambda0 + n0 K0 / 2 + tanh(s) ds/dbeta with ds/dbeta > n0 K0 / 2: from above
    excess = below - (LAM + N0 * K0)
    assert np.all(excess > -1e-9) and np.all(np.diff(excess) < 0)
    assert below[-1] == pytest.approx(LAM + N0 * K0, rel=1e-8)
    # an Arrhenius fit of sigma T ~ P0 (1 - gamma^2) / T above Tp is exact
    t = np.linspace(1.05, 2.0, 30) * TP
    lower, _, g, _ = cf.hop_probability(t, LAM, K0, 0.0, N0)
    fit = arrhenius_fit(t, lower * (1 - g**2) / t)
    assert fit["activation_energy"] == pytest.approx(LAM + N0 * K0 / 2, rel=1e-10)
    assert LAM + N0 * K0 - fit["activation_energy"] == pytest.approx(KB_EV * TP, rel=1e-9)


@pytest.mark.parametrize("coupling", ["symmetric", "full"])
def test_mobility_formula_matches_core(coupling):
    for p0, gamma, a in ((0.4, 0.3, 1.7), (0.2, -0.7, 3.0)):
        mob = mobility_tensor(models.two_site_chain(p0, gamma, a=a), coupling=coupling)
        ref = cf.mobility(p0, 1 - gamma**2, a=a, coupling=coupling)
        assert mob[0, 0] == pytest.approx(ref, rel=1e-12)
        mob = mobility_tensor(models.honeycomb(p0, gamma, a=a), coupling=coupling)
        ref = cf.mobility(p0, 1 - gamma**2, a=a, geometry=cf.HONEYCOMB, coupling=coupling)
        np.testing.assert_allclose(mob, ref * np.eye(2), rtol=1e-11, atol=1e-14)


def test_lambert_branches_extremes():
    # c = 0: only the lower branch, P0 = A
    lo, up = cf.lambert_branches(np.log(0.3), -np.inf)
    assert lo == pytest.approx(0.3) and np.isinf(up)
    # tiny A c (argument underflows): upper branch by the log form
    lo, up = cf.lambert_branches(-800.0, np.log(5.0))
    assert up == pytest.approx(cf.p0_fixed_point(-800.0, 5.0, branch="upper"), rel=1e-12)
    assert lo == pytest.approx(math.exp(-800.0), rel=1e-12) or lo == 0.0
    # at the branch point both meet at 1/c
    c = 4.0
    lo, up = cf.lambert_branches(-1.0 - math.log(c), math.log(c))
    assert lo == pytest.approx(1 / c, rel=1e-6) and up == pytest.approx(1 / c, rel=1e-6)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"temperature": -5.0}, "temperature"),
        ({"temperature": 0.0}, "temperature"),
        ({"lambda0": -0.1}, "lambda0"),
        ({"K0": -0.5}, "K0"),
        ({"M0": -1.0}, "M0"),
        ({"n0": 2.5}, "n0"),
        ({"n0": 0.0}, "n0"),
        ({"K0": float("nan")}, "K0"),
        ({"temperature": [300.0, float("inf")]}, "temperature"),
    ],
)
def test_bad_parameters_name_the_field(kwargs, field):
    args = {"temperature": 300.0, "lambda0": 0.25, "K0": 0.5, "M0": 0.1, "n0": 1.0, **kwargs}
    with pytest.raises(ModelError, match=field):
        cf.check_parameters(**args)
