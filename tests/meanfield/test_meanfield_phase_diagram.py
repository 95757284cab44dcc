"""Vectorised phase diagrams against the scalar closed forms and transitions."""

from __future__ import annotations

import numpy as np
import pytest

from superionic.errors import ModelError
from superionic.meanfield import Transport, closed_form_transitions, phase_diagram
from superionic.meanfield import chain as cf
from superionic.meanfield.diagram import fold_temperatures
from superionic.transport import mobility_to_conductivity
from superionic.units import KB_EV

TEMPS = np.linspace(300.0, 9000.0, 41)
LAMS = np.array([0.1, 0.25, 0.4])
K0S = np.array([0.0, 0.3, 0.6])
M0S = np.array([0.0, 1.0, 2.5, 4.0])
N0S = np.array([0.5, 1.0, 1.6])


@pytest.fixture(scope="module")
def grid():
    return phase_diagram(TEMPS, LAMS, K0S, M0S, N0S, a=4.0,
                         transport=Transport(cell_volume=64.0, tau=1e-13))


def test_layout(grid):
    assert grid["phase"].dims == ("temperature", "lambda0", "K0", "M0", "n0")
    assert grid["phase"].shape == (41, 3, 3, 4, 3)
    assert grid["T_I"].dims == ("lambda0", "K0", "M0", "n0")
    assert grid["sigma"].attrs["units"] == "S/cm"
    assert set(np.unique(grid["phase"])) <= {0, 1, 2}
    # NaN exactly where the status and validity say so
    assert np.array_equal(np.isfinite(grid["P0"]), grid["status"] == 0)
    assert np.array_equal(np.isfinite(grid["sigma"]), grid["valid"])
    assert np.all(grid["status"] != 2)


def test_pointwise_equals_scalar_closed_forms(grid):
    rng = np.random.default_rng(3)
    for _ in range(40):
        i, j, k, m, n = (rng.integers(s) for s in grid["phase"].shape)
        t, lam, k0, m0, n0 = TEMPS[i], LAMS[j], K0S[k], M0S[m], N0S[n]
        pt = grid.isel(temperature=i, lambda0=j, K0=k, M0=m, n0=n)
        lower, upper, g, exists = cf.hop_probability(t, lam, k0, m0, n0)
        assert bool(pt["status"] == 0) == bool(exists)
        assert float(pt["gamma"]) == pytest.approx(float(g), abs=1e-14)
        tp = float(cf.transition_temperature(k0, n0))
        expected = 2 if not exists else (0 if t < tp else 1)
        assert int(pt["phase"]) == expected
        if exists:
            assert float(pt["P0"]) == pytest.approx(float(lower), rel=1e-14)
            assert float(pt["P0_upper"]) == pytest.approx(float(upper), rel=1e-14)
        if bool(pt["valid"]):
            mob = cf.mobility(float(lower), 1 - float(g) ** 2, a=4.0)
            sig = mobility_to_conductivity(mob, temperature=t, filling=n0, cell_volume=64.0,
                                           tau=1e-13)
            assert float(pt["sigma"]) == pytest.approx(float(sig), rel=1e-9)


def test_fold_temperatures_equal_closed_form_transitions(grid):
    for j, lam in enumerate(LAMS):
        for k, k0 in enumerate(K0S):
            for m, m0 in enumerate(M0S):
                for n, n0 in enumerate(N0S):
                    recs = closed_form_transitions(lam, k0, m0, n0,
                                                   temperature_range=(TEMPS[0], TEMPS[-1]))
                    melt = [r.temperature for r in recs if r.event == "melts"]
                    t_i = float(grid["T_I"][j, k, m, n])
                    if melt:
                        assert t_i == pytest.approx(melt[0], rel=1e-9)
                    else:
                        assert np.isnan(t_i) and not bool(grid["has_type_I"][j, k, m, n])
                    assert float(grid["T_p"][j, k, m, n]) == pytest.approx(
                        n0 * k0 / (2 * KB_EV), rel=1e-14, abs=1e-12)


def test_k0_zero_slice_against_hand_written_eq54(grid):
    """K0 = 0 (gamma = 0), by hand: P0 = A exp(c P0) with A = exp(-Lambda0 / kB T) and
    c = n0 M0 / (4 kB T) (Eq. 54); a root exists iff A c e <= 1; the lower root solves it;
    sigma = (n0 / V) e^2 D / (kB T) with D = a^2 P0 / (8 tau) (chain, symmetric coupling)."""
    e_charge, kb_j = 1.602176634e-19, 1.380649e-23
    k = int(np.flatnonzero(K0S == 0.0)[0])
    for i, t in enumerate(TEMPS[::5]):
        kt = KB_EV * t
        for j, lam in enumerate(LAMS):
            for m, m0 in enumerate(M0S):
                for n, n0 in enumerate(N0S):
                    pt = grid.isel(temperature=5 * i, lambda0=j, K0=k, M0=m, n0=n)
                    a_, c_ = np.exp(-lam / kt), n0 * m0 / (4 * kt)
                    exists = a_ * c_ * np.e <= 1.0
                    assert (int(pt["phase"]) == 2) == (not exists), (t, lam, m0, n0)
                    if not exists:
                        continue
                    p0 = float(pt["P0"])
                    assert p0 == pytest.approx(a_ * np.exp(c_ * p0), rel=1e-10)
                    assert c_ * p0 <= 1.0 + 1e-9  # the lower root (below the tangency)
                    if bool(pt["valid"]):
                        d = 4.0**2 * p0 / (8 * 1e-13) * 1e-20  # m^2 / s
                        sigma = n0 / (64.0e-30) * e_charge**2 * d / (kb_j * t) / 100
                        assert float(pt["sigma"]) == pytest.approx(sigma, rel=1e-9)


def test_scalar_axes_and_honeycomb():
    ds = phase_diagram(np.linspace(500, 8000, 7), 0.25, 0.5, np.linspace(0, 3, 4), 1.0,
                       lattice="honeycomb")
    assert ds["phase"].dims == ("temperature", "M0")
    assert float(ds["lambda0"]) == 0.25
    assert "sigma" not in ds  # no cell volume given
    assert float(ds["T_p"][0]) == pytest.approx(0.5 / KB_EV, rel=1e-14)


def test_vectorised_fold_finder_handles_edges():
    melt, reform = fold_temperatures([0.25, 0.25], [0.0, 0.5], [2.0, 2.0], 1.0,
                                     temperature_range=(100.0, 2e4))
    assert melt[0] == pytest.approx(1083.1791180161738, rel=1e-10)
    assert np.isnan(melt[1])  # combined model: tangency only
    assert reform[0] == pytest.approx(12506.973665330359, rel=1e-9)


@pytest.mark.parametrize("kwargs, field", [
    ({"temperature": [-1.0, 300.0]}, "temperature"),
    ({"lambda0": -0.1}, "lambda0"),
    ({"K0": [0.1, float("nan")]}, "K0"),
    ({"M0": -2.0}, "M0"),
    ({"n0": 3.0}, "n0"),
])
def test_bad_inputs(kwargs, field):
    args = {"temperature": [300.0, 600.0], "lambda0": 0.25, "K0": 0.5, "M0": 0.0, "n0": 1.0,
            **kwargs}
    with pytest.raises(ModelError, match=field):
        phase_diagram(**args)
    with pytest.raises(ModelError, match="lattice"):
        phase_diagram(300.0, 0.2, 0.1, lattice="kagome")
