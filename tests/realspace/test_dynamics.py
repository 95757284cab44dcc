"""Real-space dynamics on periodic supercells (Eqs. 8-9, 17, 27) against the Bloch analysis."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import superionic as si
from conftest import CHAIN
from strategies import balanced_cases, cases, fields
from superionic import dynamics as dyn
from superionic import models
from superionic.errors import ModelError


def loop_matrix(model, repeats, **kw) -> np.ndarray:
    """Independent dense construction of the real-space P, one hop and one cell at a time."""
    table = model.hop_table(**kw)
    n = model.n_sites
    cells = list(itertools.product(*[range(r) for r in repeats]))
    index = {c: i for i, c in enumerate(cells)}
    size = len(cells) * n
    mat = np.zeros((size, size))
    for c in cells:
        for h in range(table.n_hops):
            s, t = table.source[h], table.target[h]
            dest = tuple((ci + int(di)) % r for ci, di, r in zip(c, table.cell[h], repeats,
                                                                  strict=True))
            src = index[c] * n + s
            mat[index[dest] * n + t, src] += table.probability[h]
            mat[src, src] -= table.probability[h]
        for a in range(n):
            mat[index[c] * n + a, index[c] * n + a] += 1.0
    return mat


def repeats_for(dim: int) -> tuple[int, ...]:
    return {1: (5,), 2: (3, 2), 3: (2, 2, 2)}[dim]


def k0_gap(case, field=None, coupling="symmetric") -> float:
    """Second-largest |eigenvalue| of the k = 0 matrix: the convergence factor per step."""
    table = case.model.hop_table(field=field, coupling=coupling, **case.kw)
    w = np.sort(np.abs(np.linalg.eigvals(table.cell_matrix())))
    return float(w[-2]) if w.size > 1 else 0.0


# ----------------------------------------------------------------------------- the matrix
@settings(max_examples=15)
@given(data=st.data())
def test_matrix_equals_loop_construction_and_conserves_probability(data):
    case = data.draw(cases())
    f = data.draw(fields(case))
    reps = repeats_for(case.dim)
    system = dyn.real_space(case.model, reps, field=f, **case.kw)
    assert isinstance(system.matrix, sp.csr_matrix)
    dense = system.matrix.toarray()
    np.testing.assert_allclose(dense, loop_matrix(case.model, reps, field=f, **case.kw),
                               atol=1e-15)
    np.testing.assert_allclose(dense.sum(axis=0), 1.0, atol=1e-13)  # Eq. 9
    assert dense.min() >= 0.0  # inside the domain by construction
    assert system.in_domain
    # the per-site velocity is the hop flux of one ion
    table = case.model.hop_table(field=f, **case.kw)
    v = np.zeros((case.n_sites, case.dim))
    for h in range(table.n_hops):
        v[table.source[h]] += table.probability[h] * table.displacement[h]
    np.testing.assert_allclose(system.site_velocity, v / case.model.tau, atol=1e-15)


@settings(max_examples=8)
@given(case=cases(max_sites=3))
def test_supercell_model_gives_the_same_matrix(case):
    """Site ordering is that of models.supercell: cell-major, C order."""
    reps = repeats_for(case.dim)
    direct = dyn.hopping_matrix(case.model, reps, **case.kw)
    folded = dyn.hopping_matrix(models.supercell(case.model, reps), 1, **case.kw)
    np.testing.assert_allclose(direct.toarray(), folded.toarray(), atol=1e-15)


@settings(max_examples=10)
@given(data=st.data())
def test_evolution_conserves_ions_and_tracks_the_dipole(data):
    case = data.draw(cases())
    f = data.draw(fields(case))
    system = dyn.real_space(case.model, repeats_for(case.dim), field=f, **case.kw)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    n0 = rng.random(system.n_total)
    ds = dyn.evolve(system, n0, 12, every=5)
    np.testing.assert_allclose(ds.total, n0.sum(), rtol=1e-13)
    assert list(ds.step.values) == [0, 5, 10, 12]
    assert float(ds.density.min()) >= 0.0
    final = dyn.propagate(system, n0, 12)
    np.testing.assert_allclose(ds.density.isel(time=-1), final, atol=1e-14)
    # cumulative displacement = sum of currents x tau = exact change of the (unwrapped) dipole:
    # evolve every hop explicitly, keeping the unwrapped target positions
    table = system.table
    moved = np.zeros(case.dim)
    n = n0.copy()
    for _ in range(12):
        for h in range(table.n_hops):
            on = system.sublattice == table.source[h]
            moved += table.probability[h] * n[on].sum() * table.displacement[h]
        n = system.matrix @ n
    np.testing.assert_allclose(ds.displacement.isel(time=-1), moved, rtol=1e-12,
                               atol=1e-13 * (1 + np.abs(moved).max()))
    local = dyn.local_current(system, n0)
    np.testing.assert_allclose(local.sum(axis=0), dyn.ionic_current(system, n0), atol=1e-13)


def test_batch_propagation(chain):
    system = dyn.real_space(chain, 16, field=[0.2])
    rng = np.random.default_rng(3)
    batch = rng.random((system.n_total, 3))
    out = dyn.propagate(system, batch, 7)
    for j in range(3):
        np.testing.assert_allclose(out[:, j], dyn.propagate(system, batch[:, j], 7))
    cur = dyn.ionic_current(system, batch)
    assert cur.shape == (3, 1)
    np.testing.assert_allclose(cur[1], dyn.ionic_current(system, batch[:, 1]))


# ----------------------------------------------------------------------------- drift
@settings(max_examples=10)
@given(data=st.data())
def test_real_space_drift_equals_bloch_drift(data):
    """Drift from real-space evolution = stable-mode group velocity = steady-state flux."""
    case = data.draw(cases(max_sites=4))
    f = data.draw(fields(case, allow_zero=False))
    coupling = data.draw(st.sampled_from(["symmetric", "full"]))
    if coupling == "full":
        f = 0.5 * f  # stays inside the domain: exp(|f| |d|) <= 2
    lam = k0_gap(case, f, coupling)
    assume(lam < 0.98)
    steps = int(max(50, math.log(1e-14) / math.log(max(lam, 1e-3))))
    reps = repeats_for(case.dim)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    n_sites = int(np.prod(reps)) * case.n_sites
    density = rng.random(n_sites)
    density /= density.sum()
    got = dyn.measure_drift(case.model, reps, steps=steps, field=f, coupling=coupling,
                            density=density, **case.kw)
    exact = si.drift_velocity(case.model, field=f, coupling=coupling, **case.kw)
    # transients scale with the per-site velocities, which may be much larger than the drift
    system = dyn.real_space(case.model, reps, field=f, coupling=coupling, **case.kw)
    vscale = np.abs(system.site_velocity).max()
    np.testing.assert_allclose(got.velocity, exact, rtol=1e-8, atol=1e-11 * vscale)
    # the second-half average carries the decaying transient: ~ lam^(steps/2) / (1 - lam)
    tol = 10 * lam ** (steps / 2) / ((1 - lam) * (steps - steps // 2)) + 1e-12
    np.testing.assert_allclose(got.mean_velocity, exact, rtol=1e-8, atol=tol * vscale)


def test_chain_drift_closed_form(chain_tau):
    """(a / 2 tau) P0 (1 - g^2) sinh(f a / 2) in full coupling, from one ion on one site."""
    a, tau, P0, g = CHAIN["a"], chain_tau.tau, CHAIN["P0"], CHAIN["gamma"]
    f = 0.6
    got = dyn.measure_drift(chain_tau, 10, steps=400, field=[f], coupling="full")
    exact = a / (2 * tau) * P0 * (1 - g**2) * math.sinh(f * a / 2)
    assert got.velocity[0] == pytest.approx(exact, rel=1e-12)
    assert got.change < 1e-14


# ----------------------------------------------------------------------------- density waves
@settings(max_examples=12)
@given(data=st.data())
def test_density_wave_decays_at_bloch_rate(data):
    """A stable-mode wave decays and propagates with the eigenvalue of P(k) from the first step."""
    case = data.draw(cases(max_sites=4))
    f = data.draw(fields(case))
    reps = (5, 3, 3)[: case.dim]  # odd: no k equivalent to -k except Gamma (see density_wave)
    system = dyn.real_space(case.model, reps, field=f, **case.kw)
    m = [data.draw(st.integers(1 if i == 0 else 0, r - 1)) for i, r in enumerate(reps)]
    k = system.commensurate_k(m)
    _, u = dyn.stable_mode(system.table, k)
    pi = si.lattice.stationary_distribution(system.table)
    amp = 0.5 * pi.min() / np.abs(u).max()
    n0 = dyn.density_wave(system, k, amplitude=amp, profile="mode")
    got = dyn.measure_decay(system, n0, k, 30)
    assert got.p == pytest.approx(got.bloch_p, abs=1e-9)
    # the Bloch prediction is the stable eigenvalue of P(k) (Eq. 14), largest |p|
    w = np.linalg.eigvals(si.bloch_matrix(case.model, k, field=f, **case.kw))
    assert abs(got.bloch_p) == pytest.approx(np.abs(w).max(), abs=1e-12)
    # the Fourier amplitudes evolve exactly by P(k)
    pk = si.bloch_matrix(case.model, k, field=f, **case.kw)
    np.testing.assert_allclose(got.amplitude[1], pk @ got.amplitude[0], atol=1e-11)


def test_cosine_wave_relaxes_at_eq26_rate(chain_tau):
    """An equilibrium-profile cosine wave ends up decaying at kappa = P0 (1 - s(k)) / tau."""
    P0, g, a, tau = CHAIN["P0"], CHAIN["gamma"], CHAIN["a"], chain_tau.tau
    system = dyn.real_space(chain_tau, 40)
    for m in (1, 3, 7):
        k = system.commensurate_k([m])
        got = dyn.measure_decay(system, dyn.density_wave(system, k), k, 400)
        c = math.cos(k[0] * a / 2)
        exact = P0 * (1 - math.sqrt(c * c + g * g * (1 - c * c))) / tau
        assert got.decay_rate == pytest.approx(exact, rel=1e-7)
        assert got.frequency == pytest.approx(0.0, abs=1e-10)


def test_relaxation_rate_scales_as_k_squared(chain_tau):
    """Eq. 27: kappa / k^2 -> D with an O(k^2) correction."""
    system_size = 256
    ds = dyn.relaxation(chain_tau, system_size, [[1], [2], [4], [8]], steps=3000)
    d = si.diffusion_tensor(chain_tau)[0, 0]
    np.testing.assert_allclose(ds.decay_rate, ds.bloch_decay_rate, rtol=1e-6)
    err = np.abs(ds.decay_rate_over_k2.values / d - 1)
    assert err[0] < 1e-4
    # the correction is quadratic: doubling k multiplies it by ~4
    np.testing.assert_allclose(err[1:] / err[:-1], 4.0, rtol=0.05)


@settings(max_examples=5)
@given(case=balanced_cases(dims=(2, 3), max_sites=3))
def test_relaxation_anisotropic_diffusion(case):
    """In 2D/3D, kappa(k) / k^2 -> k^.D.k^ along a lattice direction (Eq. 27)."""
    dim = case.dim
    big = (48,) + (1,) * (dim - 1)
    system = dyn.real_space(case.model, big, **case.kw)
    k = system.commensurate_k((1,) + (0,) * (dim - 1))
    p, u = dyn.stable_mode(system.table, k)
    kappa = (1 - abs(p)) / case.model.tau
    d = si.diffusion_tensor(case.model, **case.kw)
    khat = k / np.linalg.norm(k)
    expected = float(khat @ d @ khat)
    assume(expected > 1e-6 * np.abs(d).max())
    assert kappa / (k @ k) == pytest.approx(expected, rel=0.02)
    pi = si.lattice.stationary_distribution(system.table)
    n0 = dyn.density_wave(system, k, amplitude=0.5 * pi.min() / np.abs(u).max(), profile="mode")
    got = dyn.measure_decay(system, n0, k, 20)
    assert got.decay_rate == pytest.approx(kappa, rel=1e-7, abs=1e-12)


# ----------------------------------------------------------------------------- errors
def test_bad_input(chain, honeycomb):
    with pytest.raises(ModelError, match="repeats"):
        dyn.real_space(chain, 0)
    with pytest.raises(ModelError, match="repeats"):
        dyn.real_space(honeycomb, (2, 2, 2))
    system = dyn.real_space(chain, 8)
    with pytest.raises(ModelError, match="shape"):
        dyn.propagate(system, np.ones(5), 3)
    with pytest.raises(ModelError, match="finite"):
        dyn.propagate(system, np.full(16, np.nan), 3)
    with pytest.raises(ModelError, match="commensurate"):
        dyn.fourier_amplitudes(system, np.ones(16), [0.1234])
    with pytest.raises(ModelError, match="reciprocal-lattice"):
        k = 2 * np.pi / CHAIN["a"]
        dyn.measure_decay(system, np.ones(16), [k], 10)
    with pytest.raises(ModelError, match="profile"):
        dyn.density_wave(system, system.commensurate_k([1]), profile="square")
    with pytest.raises(ModelError, match="field"):
        dyn.real_space(honeycomb, (2, 2), field=[0.1])
    fig3c = models.two_site_chain(0.6, 0.88)
    with pytest.raises(ModelError, match="out-probabilities"):
        dyn.real_space(fig3c, 4, field=[0.5], coupling="full")
    flagged = dyn.real_space(fig3c, 4, field=[0.5], coupling="full", domain="ignore")
    assert not flagged.in_domain
