"""Report section ``simulation`` (quick mode) and its mean-field helpers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from superionic import models
from superionic.reports import simulation as rep
from superionic.units import KB_EV


def _gamma_closed(x):
    """Root gamma >= 0 of gamma = tanh(x gamma) (Eq. 50), by bisection."""
    if x <= 1.0:
        return 0.0
    lo, hi = 1e-12, 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if mid < math.tanh(x * mid) else (lo, mid)
    return 0.5 * (lo + hi)


def test_meanfield_wiring_matches_closed_forms():
    """The report's mean field (public meanfield API) against Eqs. 49-51 and 54 in closed form."""
    lam, k0, n0 = 0.25, 0.5, 1.0
    for name, z, a, dim_factor in (("chain", 1, 4.0, 8), ("honeycomb", 2, 3.5, 12)):
        model = (models.interacting_chain(lam, k0, n0=n0, a=a) if name == "chain"
                 else models.interacting_honeycomb(lam, k0, n0=n0, a=a))
        # Eq. 51 with z blocking neighbours per hop: Tp = z n0 K0 / 2 kB
        tp = z * n0 * k0 / (2 * KB_EV)
        rec = rep.mf_transition(model, "type-II", (0.1 * tp, 2 * tp))
        assert math.isclose(rec.temperature, tp, rel_tol=1e-9)
        temps = np.array([0.3, 0.6, 0.9, 1.0, 1.2]) * tp  # 1.0: the pitchfork itself
        mf = rep.mf_curves(model, temps)
        for t, g, d in zip(temps, mf.gamma.values, mf.mobility.values, strict=True):
            kt = KB_EV * t
            x = z * n0 * k0 / (2 * kt)
            g_cf = _gamma_closed(x)
            # Eq. 49: P0 = exp(-(Lambda0 + z n0 K0 / 2) / kB T) cosh(x gamma)
            p0 = math.exp(-(lam + z * n0 * k0 / 2) / kt) * math.cosh(x * g_cf)
            assert math.isclose(g, g_cf, rel_tol=1e-10, abs_tol=1e-12)
            assert math.isclose(d, a * a * p0 * (1 - g_cf**2) / dim_factor, rel_tol=1e-10)
    # Eq. 54 (K0 = 0, gamma = 0): P0 = exp(-(Lambda0 - n0 M0 P0 / 4) / kB T); the type-I fold at
    # 1083.2 K with P0 = 0.187 (design note 3.4); no solution beyond it
    m0 = 2.0
    model = models.interacting_chain(lam, 0.0, M0=m0, n0=n0, a=4.0)
    fold = rep.mf_transition(model, "type-I", (300.0, 3000.0))
    assert abs(fold.temperature - 1083.2) < 0.5 and abs(fold.P0 - 0.187) < 1e-3
    mf = rep.mf_curves(model, [800.0, 1000.0, 1100.0])
    for t, p in zip((800.0, 1000.0), mf.P0.values[:2], strict=True):
        assert math.isclose(p, math.exp(-(lam - n0 * m0 * p / 4) / (KB_EV * t)), rel_tol=1e-10)
        assert p < 0.187
    assert math.isnan(mf.P0.values[2]) and not bool(mf.exists.values[2])


def test_binder_crossings_interpolate():
    temps = np.array([1.0, 2.0, 3.0])
    u = np.array([[0.6, 0.5, 0.4], [0.65, 0.5, 0.2]])
    (c,) = rep._binder_crossings([8, 16], temps, u)
    assert math.isclose(c, 2.0)


def test_quick_build_writes_files(quick_report):
    """The simulation section of the shared ``--quick`` report (tests/reports/conftest.py)."""
    tmp_path = quick_report.outdir / "simulation"
    summary = quick_report.record["sections"]["simulation"]["summary"]
    for name in summary["files"]:
        assert (tmp_path / name).exists()
    assert json.loads((tmp_path / "summary.json").read_text())["quick"] is True
    assert summary["fss"]["Tp_meanfield_K"] > summary["fss"]["Tc_exact_ising_K"]
    # honeycomb Ising model: kB Tc / J = 1.51865 (Houtappel 1950); lattice gas J = K0 / 4
    k0 = rep.PARAMS["K0"]
    assert summary["fss"]["Tc_exact_ising_K"] == pytest.approx(1.518651 * k0 / 4 / KB_EV,
                                                               rel=1e-6)
    assert "type-I" in (tmp_path / "simulation.md").read_text()
