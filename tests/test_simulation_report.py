"""Report section ``simulation`` (quick mode) and its mean-field helpers."""

from __future__ import annotations

import json
import math

import numpy as np

from superionic.reports import simulation as rep
from superionic.units import KB_EV


def test_meanfield_helpers_match_closed_forms():
    # Eq. 51: Tp = n0 K0 / 2 kB on the chain; gamma = 0 above, tanh root below
    tp = 0.5 / (2 * KB_EV)
    assert rep.mf_polarization(1.01 * tp, 0.5) == 0.0
    g = rep.mf_polarization(0.5 * tp, 0.5)
    assert math.isclose(g, math.tanh(g * 0.5 / (2 * KB_EV * 0.5 * tp)), rel_tol=1e-10)
    # design note 3.4: the fold of Eq. 54 with gamma = 0 at 1083.2 K, P0 = 0.187
    t_fold, p_fold = rep.mf_fold(0.25, 2.0)
    assert abs(t_fold - 1083.2) < 0.5 and abs(p_fold - 0.187) < 1e-3
    p = rep.mf_concerted(1000.0, 0.25, 2.0)
    assert math.isclose(p, math.exp(-(0.25 - p * 2.0 / 4) / (KB_EV * 1000.0)), rel_tol=1e-10)
    assert rep.mf_concerted(1100.0, 0.25, 2.0) is None
    assert rep.ISING_HONEYCOMB == 2 / math.log(2 + math.sqrt(3))


def test_binder_crossings_interpolate():
    temps = np.array([1.0, 2.0, 3.0])
    u = np.array([[0.6, 0.5, 0.4], [0.65, 0.5, 0.2]])
    (c,) = rep._binder_crossings([8, 16], temps, u)
    assert math.isclose(c, 2.0)


def test_quick_build_writes_files(tmp_path):
    summary = rep.build(tmp_path, quick=True)
    for name in summary["files"]:
        assert (tmp_path / name).exists()
    assert json.loads((tmp_path / "summary.json").read_text())["quick"] is True
    assert summary["fss"]["Tp_meanfield_K"] > summary["fss"]["Tc_exact_ising_K"]
    assert "type-I" in (tmp_path / "simulation.md").read_text()
