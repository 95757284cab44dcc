"""Statistical checks of the many-body simulation against exact results (fixed seeds).

Tolerances are derived from the estimated standard errors (3 or 4 sigma, plus a small systematic
allowance where stated).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings

from strategies import cases, fields
from superionic import models, transport
from superionic.errors import ModelError
from superionic.simulation import simulate, simulate_many
from superionic.simulation.reference import chain_polarization_moments
from superionic.units import KB_EV


def within(value, exact, err, n_sigma=3.0, atol=0.0):
    value, exact, err = (np.asarray(x, dtype=float) for x in (value, exact, err))
    assert np.all(np.abs(value - exact) <= n_sigma * err + atol), (value, exact, err)


# ----------------------------------------------------------------------------- exact references
def enumerate_gamma_moments(model, repeats, n_ions, temperature, sign):
    """<|g|>, <g^2>, <g^4> of g = sum_i w_b(i) / N by exact enumeration (Boltzmann, K0 pairs)."""
    reps = np.array(repeats)
    nb = model.n_sites
    cells = np.array(list(itertools.product(*[range(r) for r in repeats])))
    index = {tuple(c): k for k, c in enumerate(cells)}
    n_sites = len(cells) * nb
    pairs = set()
    table = model.hop_table(temperature=temperature, domain="ignore")
    for k, c in enumerate(cells):
        for s, t, dc in zip(table.source, table.target, table.cell, strict=True):
            a = k * nb + s
            b = index[tuple(np.mod(c + dc, reps))] * nb + t
            pairs.add((min(a, b), max(a, b)))
    pairs = np.array(sorted(pairs))
    energies = model.lattice.site_energies
    site_e = np.tile(energies, len(cells))
    w_site = np.tile(sign, len(cells))
    kt = KB_EV * temperature
    k0 = model.interactions.repulsion
    m1 = m2 = m4 = z = 0.0
    for occ_sites in itertools.combinations(range(n_sites), n_ions):
        occ = np.zeros(n_sites, dtype=bool)
        occ[list(occ_sites)] = True
        e = site_e[occ].sum() + k0 * np.count_nonzero(occ[pairs[:, 0]] & occ[pairs[:, 1]])
        w = math.exp(-e / kt)
        g = w_site[occ].sum() / n_ions
        z += w
        m1 += w * abs(g)
        m2 += w * g * g
        m4 += w * g**4
    return m1 / z, m2 / z, m4 / z


def test_transfer_matrix_agrees_with_enumeration():
    m = models.interacting_chain(0.1, 0.06, n0=1.0)
    exact = enumerate_gamma_moments(m, (4,), 4, 400.0, np.array([1.0, -1.0]))
    tm = chain_polarization_moments(4, 4, 0.06, 400.0)
    np.testing.assert_allclose(tm, exact, rtol=1e-12)


# ----------------------------------------------------------------------------- exact limits
@pytest.mark.parametrize("engine", ["discrete", "kmc"])
def test_k0_chain_equilibrium_matches_transfer_matrix(engine):
    """With K0 alone: Boltzmann occupations (exact for any step) and zero drift at zero field."""
    n_cells, temp, k0 = 12, 300.0, 0.05
    m = models.interacting_chain(0.04, k0, n0=1.0)
    ds = simulate(m, temperature=temp, supercell=(n_cells,), steps=60000 if engine == "discrete"
                  else 6000.0, seed=21, engine=engine, executor="inline")
    g1, g2, g4 = chain_polarization_moments(n_cells, n_cells, k0, temp)
    within(ds.polarization_abs, g1, ds.polarization_abs_stderr, 4, 0.005)
    within(ds.binder_cumulant, 1 - g4 / (3 * g2**2), ds.binder_cumulant_stderr, 4, 0.01)
    within(ds.polarization, 0.0, ds.polarization_stderr, 4)
    within(ds.drift_velocity, 0.0, ds.drift_velocity_stderr, 4)


def test_k0_honeycomb_equilibrium_matches_enumeration():
    temp, k0 = 400.0, 0.06
    m = models.interacting_honeycomb(0.03, k0, n0=1.0)
    sign = np.array([1.0, -1.0])
    g1, g2, g4 = enumerate_gamma_moments(m, (3, 3), 9, temp, sign)
    ds = simulate(m, temperature=temp, supercell=(3, 3), steps=40000, seed=5, executor="inline")
    within(ds.polarization_abs, g1, ds.polarization_abs_stderr, 4, 0.005)
    within(ds.binder_cumulant, 1 - g4 / (3 * g2**2), ds.binder_cumulant_stderr, 4, 0.01)
    within(ds.drift_velocity, 0.0, ds.drift_velocity_stderr, 4)


@settings(max_examples=1, deadline=None)
@given(case=cases(dims=(2,), max_sites=3))
def test_single_ion_2d_matches_exact_drift_and_diffusion(case):
    _single_ion_check(case, None, steps=200000)


@settings(max_examples=1, deadline=None)
@given(case=cases(dims=(3,), max_sites=3))
def test_single_ion_3d_matches_exact_drift_and_diffusion(case):
    _single_ion_check(case, None, steps=200000)


def _single_ion_check(case, field, steps):
    model = case.model
    dmax = max(max(abs(c) for c in (h.cell or (0,))) for h in model.hops)
    reps = (4 * dmax + 1,) * model.dim
    ds = simulate(model, temperature=case.temperature, field=field, supercell=reps,
                  filling=1.0 / np.prod(reps), steps=steps, block=max(steps // 200, 1), seed=3,
                  warmup=0, executor="inline")
    assert ds.n_ions == 1
    tau = model.tau
    f = np.zeros(model.dim) if field is None else field
    exact_v = transport.drift_velocity(model, field=f, temperature=case.temperature) * tau
    within(ds.drift_velocity, exact_v, ds.drift_velocity_stderr, 3)
    if field is None:
        exact_d = transport.diffusion_tensor(model, temperature=case.temperature) * tau
        within(ds.tracer_diffusion_tensor, exact_d, ds.tracer_diffusion_tensor_stderr, 3,
               0.02 * np.abs(exact_d).max())


@pytest.mark.slow
@settings(max_examples=8, deadline=None)
@given(data=__import__("hypothesis").strategies.data())
def test_single_ion_random_models_with_field(data):
    case = data.draw(cases(dims=(2, 3), max_sites=3))
    f = data.draw(fields(case, allow_zero=False))
    _single_ion_check(case, f, steps=400000)
    _single_ion_check(case, None, steps=400000)


@pytest.mark.parametrize("engine, filling", [("discrete", 1.2), ("discrete", 0.5), ("kmc", 1.2)])
def test_symmetric_exclusion_collective_equals_single_particle(engine, filling):
    """SSEP: D_chem = Phi D_sigma = D0 at any filling; D_sigma = D0 (1 - theta)."""
    P0, a, n_cells = 0.2, 1.0, 150
    m = models.two_site_chain(P0, 0.0, a=a)
    d0 = a * a * P0 / 8
    steps = 40000 if engine == "discrete" else 40000.0
    ds = simulate(m, supercell=(n_cells,), filling=filling, steps=steps, block=200, seed=9,
                  engine=engine, executor="inline", lags=[50, 100, 200])
    theta = filling / 2
    within(ds.collective_diffusion, d0, ds.collective_diffusion_stderr, 3.5, 0.02 * d0)
    within(ds.jump_diffusion, d0 * (1 - theta), ds.jump_diffusion_stderr, 3.5, 0.02 * d0)
    within(ds.thermodynamic_factor, 1 / (1 - theta), ds.thermodynamic_factor_stderr, 4, 0.02)


def test_single_file_tracer_subdiffusive():
    m = models.two_site_chain(0.3, 0.0, a=1.0)
    ds = simulate(m, supercell=(600,), filling=1.0, steps=16000, block=16000, seed=2,
                  lags=np.unique(np.geomspace(100, 16000, 10).astype(int)), executor="inline")
    lags = ds.lag.values
    msd = ds.msd_tracer.values
    slope = np.polyfit(np.log(lags[lags >= 400]), np.log(msd[lags >= 400]), 1)[0]
    assert 0.35 < slope < 0.65, slope
    # a free particle would have msd = 2 D0 t: single-file motion is far below at long times
    assert msd[-1] < 0.3 * 2 * (0.3 / 8) * lags[-1]


@pytest.mark.slow
def test_single_file_exponent_precise():
    m = models.two_site_chain(0.4, 0.0, a=1.0)
    ds = simulate(m, supercell=(3000,), filling=1.0, steps=30000, block=30000, replicas=2,
                  seed=8, lags=np.unique(np.geomspace(100, 30000, 12).astype(int)),
                  executor="inline")
    lags, msd = ds.lag.values, ds.msd_tracer.values
    slope = np.polyfit(np.log(lags[lags >= 1000]), np.log(msd[lags >= 1000]), 1)[0]
    assert abs(slope - 0.5) < 0.08, slope


def test_kmc_agrees_with_discrete_in_small_p_limit():
    """Rates P / tau: at small P both engines give the same transport (K0 lattice gas)."""
    m = models.interacting_honeycomb(0.16, 0.04, n0=1.0)
    common = dict(temperature=600.0, supercell=(10, 10), seed=4, executor="inline")
    dd = simulate(m, steps=60000, block=1500, **common)
    dk = simulate(m, steps=60000.0, block=1500.0, engine="kmc", **common)
    assert dd.hop_probability < 0.02
    for name in ("tracer_diffusion", "jump_diffusion", "hop_probability", "polarization_abs"):
        err = np.hypot(dd[name + "_stderr"], dk[name + "_stderr"])
        within(dd[name], dk[name], err, 3.5, 0.03 * float(dk[name]))


def test_drift_is_linear_in_weak_field_and_nernst_einstein():
    """K0 lattice gas: v / f at two weak fields agree, and equal D_sigma (symmetric coupling)."""
    m = models.interacting_honeycomb(0.08, 0.03, n0=1.0)
    common = dict(temperature=600.0, supercell=(8, 8), steps=20000, seed=6, executor="inline")
    d0 = simulate(m, **common)
    mobs = []
    for f in (0.1, 0.2):
        ds = simulate(m, field=[f, 0.0], **common)
        mobs.append((float(ds.mobility), float(ds.mobility_stderr)))
    (m1, e1), (m2, e2) = mobs
    within(m1, m2, np.hypot(e1, e2), 3.5, 0.05 * m2)
    ne = float(d0.mobility_einstein_helfand.sel(direction="x", direction2="x"))
    ne_err = float(d0.mobility_einstein_helfand_stderr.sel(direction="x", direction2="x"))
    within(m1, ne, np.hypot(e1, ne_err), 3.5, 0.05 * ne)


# ----------------------------------------------------------------------------- runs users trust
def test_same_seed_same_result_and_replicas_differ():
    m = models.interacting_honeycomb(0.08, 0.05, n0=1.0)
    kw = dict(temperature=500.0, supercell=(6, 6), steps=2000, executor="inline")
    a = simulate(m, seed=1, replicas=2, **kw)
    b = simulate(m, seed=1, replicas=2, **kw)
    c = simulate(m, seed=2, replicas=2, **kw)
    assert a.hops == b.hops and float(a.tracer_diffusion) == float(b.tracer_diffusion)
    assert a.hops != c.hops
    bp = a.block_hop_probability.values
    assert not np.array_equal(bp[0], bp[1])


def test_thread_executor_gives_the_same_statistics():
    m = models.interacting_honeycomb(0.08, 0.05, n0=1.0)
    kw = dict(temperature=500.0, supercell=(6, 6), steps=2000, seed=3, replicas=2)
    a = simulate(m, executor="inline", **kw)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as ex:
        b = simulate(m, executor=ex, **kw)
    for name in ("hop_probability", "tracer_diffusion", "jump_diffusion", "polarization"):
        assert float(a[name]) == float(b[name])


def test_dask_executor_gives_the_same_statistics():
    import distributed
    m = models.interacting_honeycomb(0.08, 0.05, n0=1.0)
    kw = dict(temperature=500.0, supercell=(6, 6), steps=2000, seed=3, replicas=2)
    a = simulate(m, **kw)  # the default executor (local processes where there are cores)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                            dashboard_address=None) as client:
        b = simulate(m, executor=client.get_executor(), **kw)
    assert a.hops == b.hops and a.attempts == b.attempts
    for name in ("hop_probability", "tracer_diffusion", "jump_diffusion", "polarization",
                 "binder_cumulant"):
        assert float(a[name]) == float(b[name]), name
        assert float(a[name + "_stderr"]) == float(b[name + "_stderr"]), name
    np.testing.assert_array_equal(a.block_hop_probability, b.block_hop_probability)


class _Kill(Exception):
    pass


def test_checkpoint_resume_gives_identical_statistics(tmp_path):
    m = models.interacting_honeycomb(0.08, 0.05, M0=0.02, n0=1.0)
    kw = dict(temperature=500.0, supercell=(6, 6), steps=3000, block=100, seed=12,
              executor="inline", checkpoint_interval=0.0)
    full = simulate(m, **kw)

    def killer(done):
        if done >= 13:
            raise _Kill

    with pytest.raises(_Kill):
        simulate(m, checkpoint=tmp_path, progress=killer, **kw)
    resumed = simulate(m, checkpoint=tmp_path, **kw)
    for name in ("hop_probability", "tracer_diffusion", "jump_diffusion", "polarization",
                 "binder_cumulant"):
        assert float(full[name]) == float(resumed[name]), name
    assert full.hops == resumed.hops
    other = dict(kw, seed=13)
    with pytest.raises(ModelError, match="checkpoint"):
        simulate(m, checkpoint=tmp_path, **other)


def test_simulate_many_one_executor_and_dataset_contents():
    m = models.interacting_chain(0.05, 0.05, n0=1.0)
    kw = dict(model=m, supercell=(20,), steps=3000, executor="inline")
    out = simulate_many([{"temperature": 300.0}, {"temperature": 600.0}], seed=1, **kw)
    assert len(out) == 2 and out[0].temperature == 300.0 and out[1].temperature == 600.0
    # point k runs with SeedSequence(seed).spawn(n_points)[k]: alone, it gives the same numbers
    seeds = np.random.SeedSequence(1).spawn(2)
    for ds, seed, temp in zip(out, seeds, (300.0, 600.0), strict=True):
        (single,) = simulate_many([{"temperature": temp, "seed": seed}], **kw)
        assert ds.hops == single.hops
        for name in ("hop_probability", "tracer_diffusion", "polarization_abs",
                     "binder_cumulant", "jump_diffusion"):
            assert float(ds[name]) == float(single[name]), name
            assert float(ds[name + "_stderr"]) == float(single[name + "_stderr"]), name
        # and the values are right: <|gamma|> of the K0 ring (transfer matrix)
        g1, _, _ = chain_polarization_moments(20, 20, 0.05, temp)
        within(ds.polarization_abs, g1, ds.polarization_abs_stderr, 4, 0.02)
        assert ds.attempts == 3000 * 20
        assert 0 < float(ds.hop_probability) < 2 * np.exp(-0.05 / (KB_EV * temp))
    assert float(out[1].hop_probability) > float(out[0].hop_probability)
    assert "autocorrelation_time" in out[0] and out[0].independent_blocks.dims == ("observable",)


def test_conductivity_in_si_units():
    m = models.interacting_honeycomb(0.1, 0.0, n0=0.5, tau=1e-13)
    ds = simulate(m, temperature=700.0, field=[0.2, 0.0], supercell=(6, 6), steps=4000, seed=1,
                  cell_volume=50.0, executor="inline")
    assert float(ds.conductivity) > 0 and ds.conductivity.attrs["units"] == "S/cm"
    assert float(ds.conductivity_einstein_helfand) > 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(engine="mc"), "engine"),
        (dict(update="random"), "update"),
        (dict(supercell=(2, 6)), "supercell"),
        (dict(seed=None), "seed"),
        (dict(filling=3.0), "filling"),
        (dict(field=[1.0]), "field"),
        (dict(engine="kmc", supercell=(9, 9), M0=0.1), "M0"),
        (dict(update="parallel", concerted="same"), "same"),
        (dict(steps=10, block=100), "block"),
    ],
)
def test_bad_input_raises_model_error(kwargs, match):
    kwargs = dict(kwargs)
    m0 = kwargs.pop("M0", 0.0)
    m = models.interacting_honeycomb(0.1, 0.05, M0=m0, n0=1.0)
    kw = dict(temperature=500.0, supercell=(6, 6), steps=100, seed=1, executor="inline")
    kw.update(kwargs)
    with pytest.raises(ModelError, match=match):
        simulate(m, **kw)


def test_saturation_reported_in_dataset():
    """Boosted out-probabilities above one: counted, and the largest total is a possible one."""
    lam, m0, temp = 0.02, 0.3, 600.0
    m = models.interacting_honeycomb(lam, 0.0, M0=m0, n0=1.0)
    ds = simulate(m, temperature=temp, supercell=(4, 4), steps=300, seed=1, executor="inline")
    kt = KB_EV * temp
    p, boost = np.exp(-lam / kt) / 3, np.exp(m0 / kt)
    assert 0 < ds.saturated_attempts <= ds.attempts
    # totals over the three hops of a site: each blocked (0), plain (p) or boosted (p B)
    possible = np.array([a * p + b * p * boost for a in range(4) for b in range(4 - a)])
    got = float(ds.max_out_probability)
    assert got > 1.0 and np.min(np.abs(possible - got)) < 1e-9 * got, (got, possible)
    # a saturated ion hops with certainty: the hop probability exceeds the unboosted bound
    assert float(ds.hop_probability) > 3 * p * 0.5


def test_kmc_checkpoint_resume_identical(tmp_path):
    m = models.interacting_honeycomb(0.08, 0.05, n0=1.0)
    kw = dict(temperature=500.0, supercell=(9, 9), steps=300.0, block=10.0, seed=12,
              engine="kmc", executor="inline", checkpoint_interval=0.0)
    full = simulate(m, **kw)

    def killer(done):
        if done >= 11:
            raise _Kill

    with pytest.raises(_Kill):
        simulate(m, checkpoint=tmp_path, progress=killer, **kw)
    resumed = simulate(m, checkpoint=tmp_path, **kw)
    assert full.hops == resumed.hops
    assert float(full.tracer_diffusion) == float(resumed.tracer_diffusion)


def test_mser_drops_a_transient():
    from superionic.simulation.observables import mser_truncation

    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, 200)
    assert mser_truncation(x) <= 10
    x[:30] += np.linspace(8, 0.5, 30)
    assert 20 <= mser_truncation(x) <= 40


def test_ordered_start_and_warmup_detection():
    """Start ordered above the ordering temperature: the decay of gamma is detected as warm-up."""
    m = models.interacting_honeycomb(0.05, 0.5, n0=1.0)
    ds = simulate(m, temperature=4000.0, supercell=(12, 12), steps=2000, block=10, seed=3,
                  initial="sublattice", executor="inline")
    series = ds.block_polarization.values[0]
    assert series[0] > 0.3 and abs(series[-10:].mean()) < 0.15
    assert int(ds.warmup_blocks[0]) >= 1 and ds.warmup_steps >= 10
    cold = simulate(m, temperature=1200.0, supercell=(12, 12), steps=2000, seed=3,
                    initial="sublattice", executor="inline")
    assert float(cold.polarization) > 0.9
