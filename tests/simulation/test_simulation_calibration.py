"""Calibration of the simulation's error bars against exact results.

For each reported quantity with an exact value, independent seeds of a small case give z-scores
``(estimate - exact) / stderr``; calibrated error bars make them standard normal: their mean lies
within +-0.5 and their standard deviation within 0.7-1.4. A tolerance that is only a multiple of
the estimator's own error bar cannot catch a wrong error bar; these tests can.

Exact references:

* one ion: drift velocity, mobility and hop probability of the lattice engine
  (:func:`superionic.drift_velocity`), for any cell, energies and field;
* symmetric exclusion on a ring of L sites with N ions (two-site chain, gamma = 0): the stationary
  state is uniform, so the hop probability per ion is ``P0 q`` in either engine; in continuous
  time the total displacement is a martingale, so the jump diffusion is ``D0 q`` and the collective
  diffusion ``D0`` exactly, with
  ``q = (L - N) / (L - 1)``, ``D0 = a^2 P0 / 8``; the thermodynamic factor from slab
  fluctuations is ``(L - 1) / (L - N)`` (hypergeometric slab numbers); at times long compared
  with L^2 / D0 single-file ions move with their centre of mass: tracer diffusion ``D0 q / N``;
* the K0 chain: transfer matrix for ``<|gamma|>`` and the Binder cumulant.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import superionic as si
from superionic import models
from superionic.errors import ShortRunWarning
from superionic.simulation.reference import chain_polarization_moments

E_CHARGE = 1.602176634e-19
KB_J = 1.380649e-23


def z_scores(datasets, name, exact):
    est = np.array([float(ds[name]) for ds in datasets])
    err = np.array([float(ds[name + "_stderr"]) for ds in datasets])
    assert np.all(err > 0), (name, err)
    return (est - exact) / err


def assert_calibrated(z, name=""):
    mean, std = float(np.mean(z)), float(np.std(z, ddof=1))
    assert abs(mean) <= 0.5 and 0.7 <= std <= 1.4, (name, mean, std, z)


def run_seeds(model, n_seeds, root, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShortRunWarning)
        return si.simulate_many([{}] * n_seeds, model=model, seed=root, executor="inline", **kw)


# ----------------------------------------------------------------------------- one ion
def stationary_occupations(model, field):
    """Stationary occupations of the cell's sites: the unit eigenvector of P(k = 0)."""
    p0 = np.asarray(si.bloch_matrix(model, [0.0] * model.dim, field=field))
    w, v = np.linalg.eig(p0)
    occ = np.real(v[:, int(np.argmin(np.abs(w - 1)))])
    return occ / occ.sum()


def one_ion_exact(model, field):
    """Exact drift (Å per step), chord mobility and hop probability of one ion."""
    v = np.asarray(si.drift_velocity(model, field=field)) * model.tau
    table = model.hop_table(field=field)
    p_out = np.zeros(model.n_sites)
    np.add.at(p_out, table.source, table.probability)
    hop = float(stationary_occupations(model, field) @ p_out)
    f = np.asarray(field, dtype=float)
    return v, float(v @ f) / float(f @ f), hop


@pytest.mark.parametrize("engine", ["discrete", "kmc"])
def test_one_ion_drift_mobility_conductivity_hop_probability_calibrated(engine):
    """Two-site cell with unequal occupations (gamma = 0.4) in a field; rates P / tau in kmc."""
    model = models.two_site_chain(0.5, 0.4, a=1.3, tau=2e-13)
    field, n0, volume, temp = np.array([0.6]), 1 / 5, 40.0, 500.0
    runs = run_seeds(model, 40, 101, field=field, supercell=(5,), filling=n0,
                     steps=20000 if engine == "discrete" else 20000.0,
                     block=200 if engine == "discrete" else 200.0, warmup=0, engine=engine,
                     temperature=temp, cell_volume=volume, charge=1.0)
    assert all(ds.n_ions == 1 for ds in runs)
    v_exact, mob_exact, hop_exact = one_ion_exact(model, field)
    z_v = [(float(ds.drift_velocity[0]) - v_exact[0]) / float(ds.drift_velocity_stderr[0])
           for ds in runs]
    assert_calibrated(np.array(z_v), "drift")
    assert_calibrated(z_scores(runs, "mobility", mob_exact), "mobility")
    # conductivity in S/cm by hand: sigma = (n0 / V) e^2 M / (kB T), M in m^2/s, V in m^3
    sigma_exact = ((n0 / (volume * 1e-30)) * E_CHARGE**2 * (mob_exact * 1e-20 / model.tau)
                   / (KB_J * temp) / 100)
    assert_calibrated(z_scores(runs, "conductivity", sigma_exact), "conductivity")
    assert_calibrated(z_scores(runs, "hop_probability", hop_exact), "hop probability")


# ----------------------------------------------------------------------------- symmetric exclusion
P0_SSEP, A_SSEP = 0.4, 1.0


@pytest.mark.parametrize("engine", ["discrete", "kmc"])
def test_symmetric_exclusion_diffusion_and_hop_probability_calibrated(engine):
    model = models.two_site_chain(P0_SSEP, 0.0, a=A_SSEP)
    n_cells, filling = 5, 1.0
    n_sites, n_ions = 2 * n_cells, round(filling * n_cells)
    q = (n_sites - n_ions) / (n_sites - 1)
    d0 = A_SSEP**2 * P0_SSEP / 8
    runs = run_seeds(model, 40, 202, supercell=(n_cells,), filling=filling,
                     steps=120000 if engine == "discrete" else 120000.0,
                     block=2000 if engine == "discrete" else 2000.0, warmup=0, engine=engine)
    assert_calibrated(z_scores(runs, "hop_probability", P0_SSEP * q), "hop probability")
    assert_calibrated(z_scores(runs, "thermodynamic_factor", (n_sites - 1) / (n_sites - n_ions)),
                      "thermodynamic factor")
    if engine == "discrete":
        # uniform stationary state, hence exact hop probability and slab statistics; the
        # sequential update correlates the moves within a step, so D0 q is exact in continuous
        # time only
        return
    assert_calibrated(z_scores(runs, "jump_diffusion", d0 * q), "jump diffusion")
    assert_calibrated(z_scores(runs, "hop_probability", P0_SSEP * q), "hop probability")
    assert_calibrated(z_scores(runs, "tracer_diffusion", d0 * q / n_ions), "tracer diffusion")
    assert_calibrated(z_scores(runs, "collective_diffusion", d0), "collective diffusion")
    # Nernst-Einstein (symmetric coupling): the reduced mobility from the jump diffusion
    z_ne = [(float(ds.mobility_einstein_helfand[0, 0]) - d0 * q)
            / float(ds.mobility_einstein_helfand_stderr[0, 0]) for ds in runs]
    assert_calibrated(np.array(z_ne), "Nernst-Einstein mobility")


@pytest.mark.slow
def test_symmetric_exclusion_thermodynamic_factor_calibrated_on_long_rings():
    """Slabs relax on L^2 / D, far longer than a block: the error bar must still be right.

    Continuous time: there the total displacement is a martingale and ``D0 q`` is exact. (In the
    discrete-time sequential update, ions moving earlier in a step change the targets of those
    moving later, so at P0 = 0.4 the jump diffusion on this ring exceeds ``D0 q`` by about 12 %.)
    """
    model = models.two_site_chain(P0_SSEP, 0.0, a=A_SSEP)
    n_cells, filling = 64, 1.0
    n_sites, n_ions = 2 * n_cells, n_cells
    q = (n_sites - n_ions) / (n_sites - 1)
    d0 = A_SSEP**2 * P0_SSEP / 8
    runs = run_seeds(model, 30, 303, supercell=(n_cells,), filling=filling, steps=240000.0,
                     block=1000.0, warmup=0, engine="kmc")
    assert_calibrated(z_scores(runs, "thermodynamic_factor", (n_sites - 1) / (n_sites - n_ions)),
                      "thermodynamic factor")
    assert_calibrated(z_scores(runs, "hop_probability", P0_SSEP * q), "hop probability")
    # the block values of the jump diffusion are squares of one collective coordinate (heavy
    # tailed): on this ring their error bars come out conservative (z spread 0.6-0.8), so here
    # only the mean and the upper bound of the spread are required
    for name, exact in (("collective_diffusion", d0), ("jump_diffusion", d0 * q)):
        z = z_scores(runs, name, exact)
        assert abs(np.mean(z)) <= 0.5 and np.std(z, ddof=1) <= 1.4, (name, z)


# ----------------------------------------------------------------------------- K0 chain
@pytest.mark.parametrize("n_cells, steps", [
    (6, 20000), pytest.param(16, 200000, marks=pytest.mark.slow)])
def test_k0_chain_polarization_and_binder_calibrated(n_cells, steps):
    temp, k0 = 300.0, 0.05
    model = models.interacting_chain(0.04, k0, n0=1.0)
    runs = run_seeds(model, 40, 404 + n_cells, temperature=temp, supercell=(n_cells,),
                     steps=steps)
    g1, g2, g4 = chain_polarization_moments(n_cells, n_cells, k0, temp)
    assert_calibrated(z_scores(runs, "polarization_abs", g1), "<|gamma|>")
    assert_calibrated(z_scores(runs, "binder_cumulant", 1 - g4 / (3 * g2**2)), "Binder")
    assert_calibrated(z_scores(runs, "polarization", 0.0), "<gamma>")
