"""Segmented Arrhenius fits: exact lines, model choice over noise draws, undecidable data."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import superionic.experiment as ex
from superionic.errors import ModelError
from superionic.units import KB_EV

Z = {"chain": (2, 1, 1), "honeycomb": (3, 2, 2)}   # coordination, blocking, partners


def broken_line(t, tb, ea_lo, ea_hi, ln_a_hi):
    """ln(sigma T) of two lines meeting at tb (continuous), sigma returned."""
    x, xb = 1 / (KB_EV * t), 1 / (KB_EV * tb)
    y = np.where(x <= xb, ln_a_hi - ea_hi * x, ln_a_hi - ea_hi * xb - ea_lo * (x - xb))
    return np.exp(y) / t


# --------------------------------------------------------------------------- exact data
def test_exact_line_recovered():
    t = np.linspace(300, 900, 12)
    sigma = 1e5 * np.exp(-0.42 / (KB_EV * t)) / t
    fit = ex.fit_arrhenius(t, sigma, errors=1e-4 * sigma)
    assert fit.kind == "none" and fit.decided
    (seg,) = fit.segments
    assert seg.activation_energy == pytest.approx(0.42, abs=1e-10)
    assert seg.prefactor == pytest.approx(1e5, rel=1e-9)
    assert seg.temperature_range == (300.0, 900.0)
    d = ex.fit_arrhenius(t, 1e-3 * np.exp(-0.3 / (KB_EV * t)), quantity="D",
                         errors=1e-6 * np.exp(-0.3 / (KB_EV * t)))
    assert d.kind == "none" and d.segments[0].activation_energy == pytest.approx(0.3, abs=1e-9)
    assert d.segments[0].prefactor == pytest.approx(1e-3, rel=1e-8)


def test_exact_kink_recovered_with_its_temperature():
    t = np.linspace(300, 800, 15)
    sigma = broken_line(t, 517.0, 0.50, 0.35, 12.0)
    fit = ex.fit_arrhenius(t, sigma, errors=1e-5 * sigma)
    assert fit.kind == "type-II"
    assert fit.transition_temperature == pytest.approx(517.0, rel=1e-6)
    lo, hi = fit.segments
    assert lo.activation_energy == pytest.approx(0.50, abs=1e-6)
    assert hi.activation_energy == pytest.approx(0.35, abs=1e-6)
    assert hi.ln_prefactor == pytest.approx(12.0, abs=1e-5)
    assert fit.jump_ratio == 1.0 and fit.transition_interval is None
    drop, se = fit.activation_energy_drop()
    assert drop == pytest.approx(0.15, abs=1e-6) and 0 < se < 1e-3
    assert lo.temperature_range[1] == pytest.approx(517.0, rel=1e-6)


def test_exact_jump_bracketed():
    t = np.linspace(300, 800, 16)
    x = 1 / (KB_EV * t)
    y = np.where(t < 560, 14.0 - 0.6 * x, 9.0 - 0.2 * x)
    sigma = np.exp(y) / t
    fit = ex.fit_arrhenius(t, sigma, errors=1e-4 * sigma)
    assert fit.kind == "type-I"
    i = np.searchsorted(t, 560)
    assert fit.transition_interval == (t[i - 1], t[i])
    xt = 0.5 * (x[i - 1] + x[i])
    assert fit.transition_temperature == pytest.approx(1 / (KB_EV * xt), rel=1e-12)
    assert fit.jump_ratio == pytest.approx(math.exp((9.0 - 0.2 * xt) - (14.0 - 0.6 * xt)),
                                           rel=1e-6)
    assert [s.activation_energy for s in fit.segments] == pytest.approx([0.6, 0.2], abs=1e-6)
    assert fit.segments[0].n_points == i and fit.segments[1].n_points == t.size - i


def test_unsorted_input_is_sorted_not_refused():
    rng = np.random.default_rng(3)
    t = np.linspace(300, 800, 14)
    sigma = broken_line(t, 530.0, 0.5, 0.4, 12.0) * np.exp(0.02 * rng.standard_normal(14))
    perm = rng.permutation(14)
    a = ex.fit_arrhenius(t, sigma, errors=0.02 * sigma)
    b = ex.fit_arrhenius(t[perm], sigma[perm], errors=0.02 * sigma[perm])
    assert a.kind == b.kind == "type-II"
    assert a.transition_temperature == pytest.approx(b.transition_temperature, rel=1e-9)
    np.testing.assert_array_equal(b.temperature, t)


def test_evidence_and_criteria():
    t = np.linspace(300, 800, 15)
    sigma = broken_line(t, 517.0, 0.50, 0.35, 12.0) * np.exp(
        0.02 * np.random.default_rng(1).standard_normal(15))
    fit = ex.fit_arrhenius(t, sigma, errors=0.02 * sigma)
    names = [e.model for e in fit.evidence]
    assert sorted(names) == ["none", "type-I", "type-II"]
    assert sum(e.weight for e in fit.evidence) == pytest.approx(1.0)
    best = fit.evidence[0]
    assert best.delta == 0.0 and best.model == fit.kind
    n = t.size
    for e in fit.evidence:
        assert e.bic == pytest.approx(e.minus_two_log_likelihood + e.n_parameters * math.log(n))
        k = e.n_parameters
        assert e.aicc == pytest.approx(e.minus_two_log_likelihood + 2 * k
                                       + 2 * k * (k + 1) / (n - k - 1))
    aicc = ex.fit_arrhenius(t, sigma, errors=0.02 * sigma, criterion="AICc")
    assert aicc.criterion == "AICc" and "AICc" in aicc.reason
    # unweighted: the variance is a fitted parameter
    free = ex.fit_arrhenius(t, sigma)
    assert not free.weighted and free.kind == "type-II"
    assert free.evidence[0].minus_two_log_likelihood < 0   # n ln(RSS / n) with small RSS


def test_forced_segments():
    t = np.linspace(300, 800, 15)
    sigma = broken_line(t, 517.0, 0.50, 0.35, 12.0)
    one = ex.fit_arrhenius(t, sigma, segments=1)
    assert one.kind == "none" and len(one.segments) == 1
    two = ex.fit_arrhenius(t, sigma, segments=2)
    assert two.kind == "type-II" and len(two.segments) == 2
    assert [e.model for e in two.evidence if "side" not in e.model] != ["none"]
    assert "none" not in [e.model for e in two.evidence]


# --------------------------------------------------------------------------- undecidable
def test_fewer_than_six_points_cannot_decide():
    t = np.linspace(300, 800, 5)
    sigma = broken_line(t, 540.0, 0.6, 0.3, 12.0)
    fit = ex.fit_arrhenius(t, sigma, errors=0.01 * sigma)
    assert fit.kind == "undecided" and not fit.decided
    assert "cannot decide" in fit.reason and fit.transition_temperature is None
    with pytest.raises(ex.InsufficientDataError, match="3 points per segment"):
        ex.fit_arrhenius(t, sigma, segments=2)


@pytest.mark.parametrize("edge", ["hot", "cold"])
def test_break_with_two_points_on_a_side_cannot_decide(edge):
    t = np.linspace(300, 800, 12)
    tb = 0.5 * (t[-2] + t[-3]) if edge == "hot" else 0.5 * (t[1] + t[2])
    sigma = broken_line(t, tb, 0.7, 0.3, 12.0)
    fit = ex.fit_arrhenius(t, sigma, errors=0.01 * sigma)
    assert fit.kind == "undecided" and not fit.decided
    assert "fewer than 3 points" in fit.reason
    # with a third point on that side the same break is decided
    t3 = np.linspace(300, 800, 12)
    tb3 = 0.5 * (t3[-3] + t3[-4]) if edge == "hot" else 0.5 * (t3[2] + t3[3])
    s3 = broken_line(t3, tb3, 0.7, 0.3, 12.0)
    assert ex.fit_arrhenius(t3, s3, errors=0.01 * s3).kind == "type-II"


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("t", "v", "error", "words"),
    [
        ([300, 400, 500], [1e-3, -1e-3, 1e-2], ex.NonPositiveValueError, "T = 400"),
        ([300, 400, 500], [1e-3, 0.0, 1e-2], ex.NonPositiveValueError, "> 0"),
        ([300, 400, 500], [1e-3, np.nan, 1e-2], ex.NonFiniteValueError, "nan"),
        ([300, np.inf, 500], [1e-3, 1e-3, 1e-2], ex.NonFiniteValueError, "temperature"),
        ([300, 400, 300], [1e-3, 1e-3, 1e-2], ex.DuplicateTemperatureError, "300 K twice"),
        ([300], [1e-3], ex.InsufficientDataError, "single point"),
        ([300, 400], [1e-3], ex.MeasurementError, "entries"),
    ],
)
def test_bad_input_named_errors(t, v, error, words):
    with pytest.raises(error) as info:
        ex.fit_arrhenius(t, v)
    assert words in str(info.value) and isinstance(info.value, ModelError)


def test_bad_options():
    t, v = [300, 400, 500], [1e-3, 2e-3, 3e-3]
    with pytest.raises(ex.MeasurementError, match="quantity"):
        ex.fit_arrhenius(t, v, quantity="kappa")
    with pytest.raises(ex.MeasurementError, match="segments"):
        ex.fit_arrhenius(t, v, segments=3)
    with pytest.raises(ex.MeasurementError, match="criterion"):
        ex.fit_arrhenius(t, v, criterion="AIC")
    with pytest.raises(ex.InsufficientDataError, match="at least 3"):
        ex.fit_arrhenius(t[:2], v[:2], segments=1)


def test_to_dataset_round_trips_through_netcdf(tmp_path):
    import superionic as si

    t = np.linspace(300, 800, 15)
    sigma = broken_line(t, 517.0, 0.50, 0.35, 12.0)
    fit = ex.fit_arrhenius(t, sigma, errors=0.01 * sigma)
    ds = fit.to_dataset()
    assert ds.attrs["kind"] == "type-II" and ds.sizes["segment"] == 2
    np.testing.assert_allclose(ds["residual"].values, 0.0, atol=1e-6)
    path = si.io.write_netcdf(ds, tmp_path / "fit.nc")
    back = si.io.read_netcdf(path)
    assert back.attrs["kind"] == "type-II"
    np.testing.assert_allclose(back["activation_energy"].values, [0.5, 0.35], atol=1e-6)


# --------------------------------------------------------------------------- noise draws
def _draw(kind, rng):
    """Synthetic mean-field data with random parameters, 8-30 points, 1-5 % noise."""
    n = int(rng.integers(8, 31))
    rel = rng.uniform(0.01, 0.05)
    lattice = ("chain", "honeycomb")[int(rng.integers(2))]
    z, zb, zc = Z[lattice]
    n0 = rng.uniform(0.5, 1.5)
    if kind == "type-II":
        lam = rng.uniform(0.2, 0.6)
        tp = rng.uniform(350, 700)
        k0 = 2 * KB_EV * tp / (zb * n0)
        t = np.linspace(tp * rng.uniform(0.55, 0.7), tp * rng.uniform(1.4, 1.8), n)
        tab = ex.synthetic_table(t, lambda0=lam, K0=k0, n0=n0, lattice=lattice,
                                 relative_error=rel, rng=rng)
        return tab, tp, lam + KB_EV * tp
    if kind == "none":
        lam = rng.uniform(0.2, 0.6)
        t = np.linspace(rng.uniform(300, 500), rng.uniform(700, 1000), n)
        tab = ex.synthetic_table(t, lambda0=lam, n0=n0, lattice=lattice, relative_error=rel,
                                 rng=rng)
        return tab, None, lam
    ti = rng.uniform(400, 900)
    kt = KB_EV * ti
    lam = rng.uniform(2 * kt, 2 * kt + 0.3)
    m0 = 2 * z * kt / (zc * n0) * math.exp(lam / kt - 1)   # fold A c e = 1 at T_I (Eq. 54)
    t = np.linspace(ti * rng.uniform(0.6, 0.75), ti * rng.uniform(1.3, 1.6), n)
    tab = ex.synthetic_table(t, lambda0=lam, M0=m0, n0=n0, lattice=lattice, relative_error=rel,
                             rng=rng, superionic_activation_energy=rng.uniform(0.05, 0.2))
    return tab, ti, None


DRAWS = 200


def test_type_ii_recovered_over_noise_draws():
    rng = np.random.default_rng(20260)
    right = within_spacing = 0
    z_hi = []
    for _ in range(DRAWS):
        tab, tp, ea_hi = _draw("type-II", rng)
        fit = ex.fit_arrhenius(tab.temperature, tab.values, errors=tab.errors)
        if fit.kind != "type-II":
            continue
        right += 1
        spacing = np.diff(tab.temperature).mean()
        within_spacing += abs(fit.transition_temperature - tp) <= spacing
        hi = fit.segments[1]
        z_hi.append((hi.activation_energy - ea_hi) / hi.activation_energy_stderr)
    z_hi = np.array(z_hi)
    assert right >= 0.95 * DRAWS
    assert within_spacing >= 0.85 * right
    # Ea above Tp is exactly Lambda0 + kB Tp: within 2 standard errors, calibrated error bars
    assert np.mean(np.abs(z_hi) <= 2) >= 0.9
    assert abs(z_hi.mean()) < 0.5 and 0.7 < z_hi.std() < 1.4


def test_pure_arrhenius_gives_none_over_noise_draws():
    rng = np.random.default_rng(777)
    right = 0
    z = []
    for i in range(DRAWS):
        tab, _, lam = _draw("none", rng)
        errors = tab.errors if i % 4 else None      # a quarter unweighted
        fit = ex.fit_arrhenius(tab.temperature, tab.values, errors=errors)
        if fit.kind == "none":
            right += 1
            seg = fit.segments[0]
            z.append((seg.activation_energy - lam) / seg.activation_energy_stderr)
    z = np.array(z)
    assert right >= 0.95 * DRAWS
    assert abs(z.mean()) < 0.5 and 0.7 < z.std() < 1.4


def test_type_i_recovered_over_noise_draws():
    rng = np.random.default_rng(4242)
    right = bracketed = 0
    for _ in range(DRAWS):
        tab, ti, _ = _draw("type-I", rng)
        fit = ex.fit_arrhenius(tab.temperature, tab.values, errors=tab.errors)
        if fit.kind == "type-I":
            right += 1
            lo, hi = fit.transition_interval
            bracketed += lo <= ti <= hi
            assert fit.jump_ratio > 1
    assert right >= 0.95 * DRAWS
    assert bracketed >= 0.95 * right


def test_exact_breakpoint_profile_matches_brute_force():
    """The kink's chi^2 equals the minimum of a bounded scalar search in every gap."""
    from scipy.optimize import minimize_scalar

    rng = np.random.default_rng(11)
    for _ in range(5):
        t = np.sort(rng.uniform(300, 900, 14))
        sigma = broken_line(t, rng.uniform(450, 750), 0.55, 0.35, 12.0) * np.exp(
            0.03 * rng.standard_normal(t.size))
        err = 0.03 * sigma
        fit = ex.fit_arrhenius(t, sigma, errors=err)
        chi2 = next(e.minus_two_log_likelihood for e in fit.evidence if e.model == "type-II")
        x = np.sort(1 / (KB_EV * t))
        y_of = dict(zip(1 / (KB_EV * t), np.log(sigma * t), strict=True))
        y = np.array([y_of[v] for v in x])
        w = np.array([dict(zip(1 / (KB_EV * t), (sigma / err) ** 2, strict=True))[v]
                      for v in x])

        def chi2_at(xb, x=x, y=y, w=w):
            X = np.column_stack([np.ones_like(x), -np.minimum(x, xb), -np.maximum(x - xb, 0)])
            beta = np.linalg.lstsq(X * np.sqrt(w)[:, None], y * np.sqrt(w), rcond=None)[0]
            r = y - X @ beta
            return float(r @ (w * r))

        best = min(
            minimize_scalar(chi2_at, bounds=(a, b), method="bounded",
                            options={"xatol": 1e-12}).fun
            for a, b in itertools.pairwise(x[2:-2])
        )
        assert chi2 == pytest.approx(best, rel=1e-6, abs=1e-9)
        assert chi2 <= best * (1 + 1e-8)


def test_kink_standard_errors_are_calibrated():
    """On a true broken line with known noise, z-scores of Tp, both Ea, the drop and the
    prefactor below have mean ~0 and spread ~1 over 200 seeds (the breakpoint's Jacobian
    enters all of them)."""
    rng = np.random.default_rng(99)
    t = np.linspace(300, 800, 24)
    tb, ea_lo, ea_hi, ln_a = 530.0, 0.50, 0.38, 12.0
    clean = broken_line(t, tb, ea_lo, ea_hi, ln_a)
    ln_a_lo = ln_a - ea_hi / (KB_EV * tb) + ea_lo / (KB_EV * tb)
    z = {"tp": [], "lo": [], "hi": [], "drop": [], "ln_a_lo": [], "lo_at_450": []}
    y700 = ln_a_lo - ea_lo / (KB_EV * 450.0)
    for _ in range(DRAWS):
        sigma = clean * np.exp(0.02 * rng.standard_normal(t.size))
        fit = ex.fit_arrhenius(t, sigma, errors=0.02 * sigma)
        assert fit.kind == "type-II"
        lo, hi = fit.segments
        drop, drop_se = fit.activation_energy_drop()
        z["tp"].append((fit.transition_temperature - tb) / fit.transition_temperature_stderr)
        z["lo"].append((lo.activation_energy - ea_lo) / lo.activation_energy_stderr)
        z["hi"].append((hi.activation_energy - ea_hi) / hi.activation_energy_stderr)
        z["drop"].append((drop - (ea_lo - ea_hi)) / drop_se)
        z["ln_a_lo"].append((lo.ln_prefactor - ln_a_lo) / lo.ln_prefactor_stderr)
        z["lo_at_450"].append((lo.ln_value(450.0) - y700) / lo.ln_value_stderr(450.0))
    for name, values in z.items():
        values = np.array(values)
        assert abs(values.mean()) < 0.25, name
        assert 0.85 < values.std() < 1.15, (name, values.std())


def test_jump_standard_errors_are_calibrated():
    rng = np.random.default_rng(5)
    t = np.linspace(300, 800, 20)
    x = 1 / (KB_EV * t)
    i = int(np.searchsorted(t, 560))
    xt = 0.5 * (x[i - 1] + x[i])
    clean = np.where(t < 560, 14.0 - 0.6 * x, 9.0 - 0.2 * x)
    ln_jump = (9.0 - 0.2 * xt) - (14.0 - 0.6 * xt)
    zj, zhi = [], []
    for _ in range(DRAWS):
        y = clean + 0.03 * rng.standard_normal(t.size)
        sigma = np.exp(y) / t
        fit = ex.fit_arrhenius(t, sigma, errors=0.03 * sigma)
        assert fit.kind == "type-I"
        zj.append((math.log(fit.jump_ratio) - ln_jump) / fit.ln_jump_ratio_stderr)
        hi = fit.segments[1]
        zhi.append((hi.activation_energy - 0.2) / hi.activation_energy_stderr)
    for values in (np.array(zj), np.array(zhi)):
        assert abs(values.mean()) < 0.25 and 0.85 < values.std() < 1.15, values.std()


def test_undecided_results_still_write():
    two = ex.fit_arrhenius([300.0, 400.0], [1e-3, 2e-3])
    assert two.kind == "undecided" and two.segments == () and two.reduced_chi2 is None
    ds = two.to_dataset()
    assert ds.sizes["segment"] == 0 and "fit_ln" not in ds
    four = ex.fit_arrhenius([300.0, 400.0, 500.0, 600.0], [1e-3, 2e-3, 5e-3, 1e-2])
    assert four.kind == "undecided" and len(four.segments) == 1
    assert four.reduced_chi2 is not None and "residual" in four.to_dataset()
