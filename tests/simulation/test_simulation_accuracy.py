"""Simulated observables against exact values to a few percent (not only to their error bars).

Each check asks for a statistical error below about 1 % and agreement within 3 % (2 % for the
vacancy correlation factors), so a factor error in an estimator, a prefactor or a dropped
displacement fails whatever its error bar says.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import superionic as si
from superionic import models
from superionic.errors import ShortRunWarning
from superionic.transport import mobility_to_conductivity


def quiet_simulate(model, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShortRunWarning)
        return si.simulate(model, executor="inline", **kw)


def stationary_occupations(model, field):
    """Stationary occupations of the cell's sites: the unit eigenvector of P(k = 0)."""
    p0 = np.asarray(si.bloch_matrix(model, [0.0] * model.dim, field=field,
                                    temperature=_temperature(model)))
    w, v = np.linalg.eig(p0)
    occ = np.real(v[:, int(np.argmin(np.abs(w - 1)))])
    return occ / occ.sum()


TEMPERATURE = 600.0


def _temperature(model):
    return TEMPERATURE if any(h.saddle is not None for h in model.hops) else None


def three_site_2d():
    """Rectangular cell with three sites of unequal energy, bonds inside and between cells."""
    lattice = si.Lattice([[2.0, 0.0], [0.0, 1.6]], [
        si.Site("A", [0.0, 0.0], energy=0.0),
        si.Site("B", [0.5, 0.0], energy=0.04),
        si.Site("C", [0.25, 0.5], energy=-0.03),
    ])
    hops = [
        si.Hop("A", "B", (0, 0), saddle=0.12),
        si.Hop("B", "A", (1, 0), saddle=0.14),
        si.Hop("A", "C", (0, 0), saddle=0.13),
        si.Hop("C", "B", (0, 0), saddle=0.12),
        si.Hop("C", "A", (0, 1), saddle=0.15),
        si.Hop("C", "B", (0, 1), saddle=0.16),
    ]
    return si.HoppingModel(lattice, hops)


def two_site_chain_biased():
    return models.two_site_chain(0.5, 0.4, a=1.3)


def honeycomb_biased():
    return models.honeycomb(0.45, -0.3, a=1.5)


def one_ion_exact(model, field):
    """Exact drift per step, second moment per step and hop probability of one ion."""
    temperature = _temperature(model)
    f = np.zeros(model.dim) if field is None else np.asarray(field, dtype=float)
    table = model.hop_table(field=f, temperature=temperature)
    occ = stationary_occupations(model, f)
    weight = occ[table.source] * table.probability
    v = weight @ table.displacement
    second = float(weight @ np.sum(table.displacement**2, axis=1))
    return v, second, float(weight.sum())


# ----------------------------------------------------------------------------- single ion
CELLS = {"two-site chain": two_site_chain_biased, "honeycomb": honeycomb_biased,
         "three-site 2D": three_site_2d}
FIELDS = {"two-site chain": [0.8], "honeycomb": [0.5, -0.3], "three-site 2D": [0.4, 0.5]}


@pytest.mark.parametrize("name", list(CELLS))
def test_one_ion_multisite_cell_in_a_field(name):
    """2-3 sites, unequal occupations, a field: drift, first-lag displacement, hop probability."""
    model = CELLS[name]()
    field = np.array(FIELDS[name])
    reps = (5,) * model.dim
    ds = quiet_simulate(model, temperature=_temperature(model), field=field, supercell=reps,
                        filling=1 / np.prod(reps), steps=300000, block=50, warmup=0, seed=17,
                        lags=[1, 25, 50])
    assert ds.n_ions == 1
    v, second, hop = one_ion_exact(model, field)
    # the drift equals the lattice engine's Bloch group velocity
    v_bloch = np.asarray(si.drift_velocity(model, field=field,
                                           temperature=_temperature(model))) * model.tau
    np.testing.assert_allclose(v, v_bloch, rtol=1e-10, atol=1e-14)
    err = ds.drift_velocity_stderr.values
    assert np.all(err < 0.03 * np.abs(v).max())
    assert np.all(np.abs(ds.drift_velocity.values - v) <= 4 * err), (ds.drift_velocity.values, v)
    # tracer displacement about the drift at the first lag (one step): sum p d^2 - v^2
    msd1, msd1_err = float(ds.msd_tracer.sel(lag=1.0)), float(ds.msd_tracer_stderr.sel(lag=1.0))
    exact1 = second - float(v @ v)
    assert msd1_err < 0.03 * exact1
    assert abs(msd1 - exact1) <= 4 * msd1_err, (msd1, msd1_err, exact1)
    assert abs(float(ds.hop_probability) - hop) <= 0.01 * hop
    # one ion: tracer and jump diffusion are the same estimate, so the Haven ratio is exactly 1
    assert float(ds.tracer_diffusion) == pytest.approx(float(ds.jump_diffusion), rel=1e-12)
    assert float(ds.haven_ratio) == pytest.approx(1.0, abs=1e-12)
    assert float(ds.haven_ratio_stderr) < 1e-12


@pytest.mark.parametrize("name", list(CELLS))
def test_one_ion_multisite_cell_diffusion_at_zero_field(name):
    model = CELLS[name]()
    reps = (5,) * model.dim
    ds = quiet_simulate(model, temperature=_temperature(model), supercell=reps,
                        filling=1 / np.prod(reps), steps=400000, block=100, warmup=0, seed=23,
                        lags=[1, 50, 100])
    exact = np.asarray(si.diffusion_tensor(model, temperature=_temperature(model))) * model.tau
    scale = np.abs(np.diag(exact)).max()
    got = ds.tracer_diffusion_tensor.values
    err = ds.tracer_diffusion_tensor_stderr.values
    assert np.all(err < 0.05 * scale)
    assert np.all(np.abs(got - exact) <= 4 * err), (got, exact)
    _, second, _ = one_ion_exact(model, None)
    msd1, msd1_err = float(ds.msd_tracer.sel(lag=1.0)), float(ds.msd_tracer_stderr.sel(lag=1.0))
    assert msd1_err < 0.03 * second
    assert abs(msd1 - second) <= 4 * msd1_err, (msd1, msd1_err, second)


@pytest.mark.slow
def test_one_ion_mobility_nernst_einstein_and_conductivity_within_3_percent():
    """Chord mobility v.f/|f|^2, jump-diffusion mobility and sigma (S/cm) of one ion."""
    model = models.two_site_chain(0.5, 0.4, a=1.3, tau=2e-13)
    field, reps, volume, charge, temp = np.array([1.0]), (5,), 40.0, 2.0, 500.0
    n0 = 1 / 5
    common = dict(temperature=temp, supercell=reps, filling=n0, cell_volume=volume,
                  charge=charge, warmup=0)
    ds = quiet_simulate(model, field=field, steps=400000, block=200, lags=[100, 200], seed=31,
                        **common)
    v_exact = float(si.drift_velocity(model, field=field)[0]) * model.tau
    mob_exact = v_exact / field[0]
    mob, mob_err = float(ds.mobility), float(ds.mobility_stderr)
    assert mob_err < 0.01 * mob_exact
    assert abs(mob / mob_exact - 1) < 0.03, (mob, mob_exact)
    kw = dict(temperature=temp, charge=charge, filling=n0, cell_volume=volume, tau=model.tau)
    sigma_exact = float(mobility_to_conductivity(mob_exact, **kw))
    assert abs(float(ds.conductivity) / sigma_exact - 1) < 0.03
    # Nernst-Einstein with symmetric coupling: the jump diffusion is the reduced mobility; the
    # slope of the mean-square displacement from lag 5 (intra-cell correlations gone) to the block
    # end has a third of the variance of the slope over the second half
    d0 = quiet_simulate(model, steps=3000000, block=50, lags=[5, 50], seed=37, **common)
    d_exact = float(si.diffusion_tensor(model)[0, 0]) * model.tau
    eh, eh_err = (float(d0.mobility_einstein_helfand[0, 0]),
                  float(d0.mobility_einstein_helfand_stderr[0, 0]))
    assert eh_err < 0.01 * d_exact
    assert abs(eh / d_exact - 1) < 0.03, (eh, d_exact)
    assert abs(float(d0.jump_diffusion) / d_exact - 1) < 0.03
    assert abs(float(d0.conductivity_einstein_helfand)
               / float(mobility_to_conductivity(d_exact, **kw)) - 1) < 0.03
    # the ratio of the two mobilities (Nernst-Einstein) at the weak-field limit of the chord
    linear = d_exact  # d v / d f at f = 0 equals D (symmetric coupling)
    assert abs((mob / eh) / (mob_exact / linear) - 1) < 0.03


@pytest.mark.slow
def test_symmetric_exclusion_mobility_and_nernst_einstein_within_3_percent():
    """Continuous-time exclusion on a ring: uniform stationary state, exact current.

    Per ion ``v = (a/2) P0 sinh(f a / 4) q`` with ``q = (L - N) / (L - 1)``; the jump diffusion
    is ``D0 q`` and equals the weak-field mobility (symmetric coupling).
    """
    p0, a, n_cells = 0.4, 1.0, 5
    model = models.two_site_chain(p0, 0.0, a=a)
    n_sites, n_ions = 2 * n_cells, n_cells
    q = (n_sites - n_ions) / (n_sites - 1)
    f = 1.5
    ds = quiet_simulate(model, field=[f], supercell=(n_cells,), filling=1.0, steps=200000.0,
                        block=100.0, lags=[50.0, 100.0], engine="kmc", warmup=0, seed=41)
    mob_exact = (a / 2) * p0 * np.sinh(f * a / 4) * q / f
    assert float(ds.mobility_stderr) < 0.01 * mob_exact
    assert abs(float(ds.mobility) / mob_exact - 1) < 0.03, (float(ds.mobility), mob_exact)
    d0 = quiet_simulate(model, supercell=(n_cells,), filling=1.0, steps=3000000.0, block=50.0,
                        lags=[5.0, 50.0], engine="kmc", warmup=0, seed=43)
    d_exact = a * a * p0 / 8 * q
    eh = float(d0.mobility_einstein_helfand[0, 0])
    assert float(d0.mobility_einstein_helfand_stderr[0, 0]) < 0.01 * d_exact
    assert abs(eh / d_exact - 1) < 0.03, (eh, d_exact)


# ----------------------------------------------------------------------------- vacancy correlation
def _bravais(vectors, neighbours, p=0.05):
    lattice = si.Lattice(vectors, [si.Site("A", [0.0] * len(vectors))])
    return si.HoppingModel(lattice, [si.Hop("A", "A", c, probability=p) for c in neighbours])


def _vacancy_models():
    square = _bravais([[1, 0], [0, 1]], [(1, 0), (-1, 0), (0, 1), (0, -1)])
    cubic = _bravais(np.eye(3).tolist(), [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0),
                                          (0, 0, 1), (0, 0, -1)])
    bcc = _bravais([[-0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.5, 0.5, -0.5]],
                   [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1),
                    (1, 1, 1), (-1, -1, -1)])
    return {
        "honeycomb": (models.honeycomb(0.15, 0.0), 1 / 3),
        "square": (square, 0.46694),
        "simple cubic": (cubic, 0.65311),
        "bcc": (bcc, 0.72719),
    }


def vacancy_correlation_factor(model, repeats, steps, block, seed):
    """Tracer correlation factor ``f = 2 d D* / (Gamma l^2)`` with one vacancy in the cell."""
    n_cells = int(np.prod(repeats))
    n_sites = n_cells * model.n_sites
    ds = quiet_simulate(model, supercell=repeats, filling=(n_sites - 1) / n_cells, steps=steps,
                        block=block, engine="kmc", warmup=0, seed=seed)
    jump = float(np.linalg.norm(model.hop_table().displacement[0]))
    d_star, hop = float(ds.tracer_diffusion), float(ds.hop_probability)
    f = 2 * model.dim * d_star / (hop * jump**2)
    rel = np.hypot(float(ds.tracer_diffusion_stderr) / d_star,
                   float(ds.hop_probability_stderr) / hop)
    return f, f * rel


VACANCY_RUNS = {  # repeats, duration (tau), block (tau)
    "honeycomb": ((32, 32), 1.6e7, 40000.0),
    "square": ((32, 32), 6.0e6, 30000.0),
    "simple cubic": ((10, 10, 10), 4.0e6, 20000.0),
    "bcc": ((10, 10, 10), 3.0e6, 15000.0),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(VACANCY_RUNS))
def test_single_vacancy_tracer_correlation_factor(name):
    model, exact = _vacancy_models()[name]
    repeats, steps, block = VACANCY_RUNS[name]
    f, err = vacancy_correlation_factor(model, repeats, steps, block, seed=5)
    assert err < 0.007 * exact, (f, err)
    assert abs(f / exact - 1) < 0.02, (name, f, err, exact)
