"""Transitions, temperature paths, conductivities and Table 1 of the mean field."""

from __future__ import annotations

import math

import numpy as np
import pytest

from superionic import models
from superionic.errors import ModelError
from superionic.meanfield import (
    Transport,
    arrhenius_segments,
    closed_form_path,
    closed_form_transitions,
    solve,
    solve_path,
    stable_branch,
    table1,
    table_markdown,
    transitions,
)
from superionic.meanfield import chain as cf
from superionic.meanfield.conductivity import frozen_model, solution_mobility
from superionic.meanfield.engine import compile_model
from superionic.meanfield.folds import _runs
from superionic.transport import mobility_tensor, mobility_to_conductivity
from superionic.units import KB_EV

LAM, K0, N0 = 0.25, 0.5, 1.0
TP = N0 * K0 / (2 * KB_EV)
T_I = 1083.1791180161738  # Eq. 54, gamma = 0, M0 = 2.0 eV (checked by brentq elsewhere)


def test_closed_form_records():
    recs = transitions(models.interacting_chain(LAM, K0, 0.25), temperature_range=(100, 1e4))
    assert [(r.kind, r.order, r.order_parameter) for r in recs] == [("type-II", 2, "gamma")]
    assert recs[0].temperature == pytest.approx(TP, rel=1e-14)
    assert recs[0].mean_field == "polarization (K0)" and recs[0].method == "closed-form"
    recs = transitions(models.interacting_chain(LAM, 0.0, 2.0), temperature_range=(100, 2e4))
    assert [(r.kind, r.order, r.event) for r in recs] == [("type-I", 1, "melts"),
                                                          ("type-I", 1, "re-forms")]
    assert recs[0].temperature == pytest.approx(T_I, rel=1e-12)
    assert recs[0].order_parameter == "P0" and recs[0].mean_field == "concerted hopping (M0)"
    # the re-forming fold: the lower branch exists again at very high T
    assert closed_form_path([recs[1].temperature * 1.01], LAM, 0.0, 2.0)["status"][0] == 0
    assert closed_form_path([recs[1].temperature * 0.99], LAM, 0.0, 2.0)["status"][0] == 1


@pytest.mark.parametrize("m0, k0", [(0.25, 0.5), (2.2, 0.5)])
def test_engine_transitions_equal_closed_forms(m0, k0):
    """Type II and type-I folds located by the engine sweep to 1e-6 relative."""
    model = models.interacting_chain(LAM, k0, m0)
    rng = (0.3 * TP, 2.2 * TP)
    closed = transitions(model, temperature_range=rng)
    engine = transitions(model, temperature_range=rng, method="engine", n_grid=16)
    assert [(r.kind, r.order, r.event) for r in engine] == [
        (r.kind, r.order, r.event) for r in closed]
    for e, c in zip(engine, closed, strict=True):
        assert e.temperature == pytest.approx(c.temperature, rel=1e-6)
        assert e.rel_tolerance < 1e-6
        assert e.method == "engine"
        # at most one stable P0 branch per polarization class: no hysteresis on the chain
        assert e.coexistence is None


def test_fold_quantities_and_conductivity_jump():
    tr = Transport(cell_volume=64.0, tau=1e-13)
    recs = closed_form_transitions(LAM, 0.0, 2.0, N0, temperature_range=(300, 3000),
                                   transport=tr, a=4.0)
    r = recs[0]
    kt = KB_EV * r.temperature
    c = 2.0 * N0 / (4 * kt)
    assert r.P0 == pytest.approx(1 / c, rel=1e-5)  # c P0 = 1 at the fold
    assert r.sigma_ratio_bound == pytest.approx(c, rel=1e-5)  # domain limit P0 = 1
    mob = cf.mobility(r.P0, 1.0, a=4.0)
    assert r.sigma == pytest.approx(float(mobility_to_conductivity(
        mob, temperature=r.temperature, charge=1.0, filling=N0, cell_volume=64.0, tau=1e-13)),
        rel=1e-12)


def test_paths_engine_equal_closed_form_with_sigma():
    tr = Transport(cell_volume=64.0, tau=1e-13)
    model = models.interacting_chain(LAM, K0, 0.25, a=4.0)
    temps = np.linspace(0.5, 1.5, 9) * TP
    de = solve_path(model, temps, transport=tr)
    dc = solve_path(model, temps, method="closed-form", transport=tr)
    for name in dc["branch"].values:
        y = dc.sel(branch=name)
        if not bool(y["exists"].any()):
            continue
        x = de.sel(branch=name)
        np.testing.assert_array_equal(x["exists"], y["exists"])
        np.testing.assert_array_equal(x["stable"], y["stable"])
        np.testing.assert_allclose(x["P0"], y["P0"], rtol=1e-9)
        np.testing.assert_allclose(x["sigma"], y["sigma"], rtol=1e-9)
    # NaN only where the branch is absent or invalid
    for ds in (de, dc):
        finite = np.isfinite(ds["sigma"].values)
        assert np.array_equal(finite, ds["exists"].values & ds["valid"].values)
    assert de["sigma"].attrs["units"] == "S/cm"


def test_solution_conductivity_through_core_transport():
    model = models.interacting_honeycomb(LAM, K0, 0.5, a=3.5)
    data = compile_model(model)
    for s in solve(model, temperature=0.8 * 2 * TP):
        if not s.valid:
            assert solution_mobility(data, s.probabilities) is None or s.valid_domain
            continue
        frozen = frozen_model(data, s.probabilities)
        ref = mobility_tensor(frozen)
        assert solution_mobility(data, s.probabilities) == pytest.approx(ref[0, 0], rel=1e-12)
        assert ref[0, 0] == pytest.approx(
            cf.mobility(s.P0, 1 - s.gamma**2, a=3.5, geometry=cf.HONEYCOMB), rel=1e-9)


def test_arrhenius_per_phase():
    temps = np.concatenate([np.linspace(0.05, 0.2, 12), np.linspace(1.1, 2.0, 12)]) * TP
    ds = closed_form_path(temps, LAM, K0, 0.0, N0, transport=Transport(cell_volume=64.0))
    sb = stable_branch(ds)
    labels = ["below" if t < TP else "above" for t in temps]
    fits = {f["phase"]: f for f in arrhenius_segments(temps, sb["sigma"].values, labels)}
    assert fits["above"]["activation_energy"] == pytest.approx(LAM + N0 * K0 / 2, rel=1e-9)
    assert fits["below"]["activation_energy"] == pytest.approx(LAM + N0 * K0, rel=2e-3)


def test_stable_branch_and_status():
    ds = closed_form_path(np.array([0.5, 1.5]) * TP, LAM, K0, 0.25, N0)
    sb = stable_branch(ds)
    assert sb["gamma"].values[0] > 0.9 and sb["gamma"].values[1] == 0
    melted = closed_form_path([2000.0], LAM, 0.0, 2.0, N0)
    assert int(melted["status"][0]) == 1 and not bool(melted["exists"].any())


def test_table1_is_computed():
    rows = table1(LAM, K0, 2.0, N0, type_i_K0=0.0)
    cats = [r.category for r in rows]
    assert cats[:3] == ["Order of transition", "Origin", "Type of mean field"]
    assert "1083.18" in rows[0].type_I and "First-order" in rows[0].type_I
    assert "2901.13" in rows[0].type_II and "Second-order" in rows[0].type_II
    assert rows[3].type_I.startswith("Positive") and rows[3].type_II.startswith("Negative")
    assert rows[4].type_I.startswith("Attractive") and rows[4].type_II.startswith("Repulsive")
    # computed, not copied: other parameters change the entries
    other = table1(LAM, K0, 3.0, N0, type_i_K0=0.0)
    assert other[0].type_I != rows[0].type_I
    # the combined model with the caption's M0 has no fold (DESIGN 3.4)
    combined = table1(LAM, K0, 2.0, N0)
    assert combined[0].type_I.startswith("No fold")
    md = table_markdown(rows)
    assert md.count("\n") == len(rows) + 2


def test_runs_helper():
    assert _runs([False, True, True, False, True]) == [(1, 2), (4, 4)]
    assert _runs([]) == []


def test_transition_inputs():
    model = models.interacting_chain(LAM, K0)
    with pytest.raises(ModelError, match="temperature_range"):
        transitions(model, temperature_range=(500.0, 100.0))
    with pytest.raises(ModelError, match="temperature_range"):
        transitions(model, temperature_range=(-1.0, 100.0))
    with pytest.raises(ModelError, match="method"):
        transitions(model, temperature_range=(1.0, 100.0), method="guess")
    with pytest.raises(ModelError, match="temperatures"):
        solve_path(model, [300.0, -1.0])
    assert math.isfinite(transitions(model, temperature_range=(1.0, 1e4))[0].temperature)
