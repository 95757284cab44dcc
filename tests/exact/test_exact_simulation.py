"""The many-body simulation against the exact enumeration of its own Markov chain.

Fixed seeds; each simulated value must lie within 4 standard errors of the exact one (and the
runs are long enough for the error bars to be a fraction of a percent to a few percent). With
at most three ions the simulation's sequential visiting orders are all N! orders, as in the exact
chain, so the comparison is exact in distribution. Concerted hopping is checked with both rules;
switching the rule or halving the M0 boost moves the hop probability and |gamma| by 5-10
standard errors.
"""

from __future__ import annotations

import numpy as np
import pytest

from superionic import exact, models, simulate

T = 400.0
LAMBDA0, K0, M0 = 0.08, 0.03, 0.08


def within(ds, ex, name, n_sigma=4.0, atol=0.0):
    value = np.ravel(ds[name].values)
    err = np.ravel(ds[name + "_stderr"].values)
    ref = np.ravel(ex[name].values)
    assert np.all(np.abs(value - ref) <= n_sigma * err + atol), (name, value, ref, err)


CASES = [
    # (update, concerted, field)
    ("sequential", "previous", (1.0,)),
    ("sequential", "same", (1.0,)),
    ("parallel", "previous", None),
]


@pytest.mark.parametrize(("update", "concerted", "field"), CASES)
def test_concerted_chain_matches_exact(update, concerted, field):
    m = models.interacting_chain(LAMBDA0, K0, M0)
    kw = dict(temperature=T, supercell=(3,), filling=1.0, update=update, concerted=concerted,
              field=field)
    ex = exact.solve(m, tracer=False, **kw)
    ds = simulate(m, steps=300000, block=300, seed=11, executor="inline", **kw)
    for name in ("hop_probability", "polarization_abs", "binder_cumulant", "drift_velocity",
                 "jump_diffusion"):
        within(ds, ex, name)
    # the error bars are small enough for these checks to mean something
    assert float(ds.hop_probability_stderr) < 0.015 * float(ex.hop_probability)
    assert float(ds.polarization_abs_stderr) < 0.01 * float(ex.polarization_abs)
    if field is not None:
        assert float(ds.drift_velocity_stderr[0]) < 0.05 * float(ex.drift_velocity[0])


def test_k0_chain_transport_matches_exact():
    """K0 only, four ions: tracer, jump and collective diffusion, thermodynamic factor."""
    m = models.interacting_chain(0.05, 0.04)
    kw = dict(temperature=T, supercell=(4,), filling=0.75)
    ex = exact.solve(m, **kw)
    ds = simulate(m, steps=500000, block=250, seed=5, executor="inline", **kw)
    for name in ("hop_probability", "polarization_abs", "jump_diffusion", "tracer_diffusion",
                 "thermodynamic_factor", "collective_diffusion", "haven_ratio"):
        within(ds, ex, name)
    assert float(ds.jump_diffusion_stderr) < 0.06 * float(ex.jump_diffusion)


@pytest.mark.slow
@pytest.mark.parametrize("concerted", ["previous", "same"])
def test_concerted_four_ions_matches_exact(concerted):
    """Four ions: the simulation's affine visiting orders are 8 of the 24; every pair of ions
    still comes in either order with probability 1/2, and the difference (orders of three
    interacting ions in one step) is below the statistical resolution here."""
    m = models.interacting_chain(LAMBDA0, K0, M0)
    kw = dict(temperature=T, supercell=(4,), filling=1.0, concerted=concerted)
    ex = exact.solve(m, **kw)
    ds = simulate(m, steps=1000000, block=500, seed=3, executor="inline", **kw)
    for name in ("hop_probability", "polarization_abs", "binder_cumulant", "jump_diffusion",
                 "tracer_diffusion", "thermodynamic_factor", "drift_velocity"):
        within(ds, ex, name)
