"""Sparse transport: agreement with the dense path, and exact results of disordered lattices.

* dense, sparse-LU and AMG paths agree to 1e-9 relative on random disordered supercells of about
  10^3 sites (stationary state, drift at finite fields, diffusion, mobility at zero and finite
  field);
* the random-trap model (equal saddles, random site energies) on square and cubic lattices:
  ``D_mu = a_mu^2 exp(-S_mu / kT) / (tau <exp(-E / kT)>)`` per direction, exactly on a periodic
  supercell (``<>`` the average over its sites), to 1e-8;
* the random-barrier chain: ``D = a^2 / (tau <1/p>)``, the harmonic mean of the bond
  probabilities, to 1e-8.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import superionic as si
from strategies import cases, fields
from superionic.errors import ModelError
from superionic.lattice import response_solver, stationary_distribution
from superionic.units import KB_EV

T = 500.0
KT = KB_EV * T


def _two_site_model(tau=1.0):
    """A 2D two-site lattice with inequivalent sites (nonzero velocity vectors)."""
    lattice = si.Lattice(
        [[3.0, 0.0], [0.4, 2.6]],
        [si.Site("A", [0.0, 0.0]), si.Site("B", [0.45, 0.55], energy=0.05)],
    )
    hops = [si.Hop("A", "B", c, saddle=0.35) for c in [(0, 0), (-1, 0), (0, -1), (-1, -1)]]
    hops.append(si.Hop("A", "A", (1, 0), saddle=0.42))
    return si.HoppingModel(lattice, hops, tau=tau)


@pytest.fixture(scope="module")
def disordered():
    """968 sites with random site and saddle energies."""
    return si.models.disordered_supercell(
        _two_site_model(),
        (22, 22),
        site_energy=lambda rng, n: rng.normal(0.0, 0.03, n),
        saddle_energy=lambda rng, n: rng.uniform(0.0, 0.06, n),
        seed=20260,
    )


def _rel(a, b):
    return np.max(np.abs(np.asarray(a) - b)) / np.max(np.abs(b))


def test_sparse_paths_equal_dense_at_zero_field(disordered):
    net = disordered
    assert net.n_sites == 968
    d_dense = si.diffusion_tensor(net, temperature=T, solver="dense")
    m_dense = si.mobility_tensor(net, temperature=T, solver="dense")
    assert abs(d_dense[0, 1]) > 1e-3 * d_dense[0, 0]  # an anisotropic, tilted tensor
    for solver in ("sparse", "amg", "auto"):
        assert _rel(si.diffusion_tensor(net, temperature=T, solver=solver), d_dense) < 1e-9
        assert _rel(si.mobility_tensor(net, temperature=T, solver=solver), m_dense) < 1e-9
    # Nernst-Einstein (symmetric coupling, detailed balance) on the sparse path
    assert _rel(si.mobility_tensor(net, temperature=T, solver="sparse"), d_dense) < 1e-9


def test_sparse_equals_dense_at_finite_field(disordered):
    net = disordered
    fields = np.array([[0.3, -0.2], [1.0, 0.5]])
    table = net.hop_table(temperature=T, field=fields)
    pi_dense = stationary_distribution(table, solver="dense")
    pi_sparse = stationary_distribution(table, solver="sparse")
    assert _rel(pi_sparse, pi_dense) < 1e-9
    v_dense = si.drift_velocity(net, field=fields, temperature=T, solver="dense")
    for solver in ("sparse", "auto", "amg"):
        v = si.drift_velocity(net, field=fields, temperature=T, solver=solver)
        assert _rel(v, v_dense) < 1e-9
    m_dense = si.mobility_tensor(net, temperature=T, field=[0.5, 0.2], solver="dense")
    m_sparse = si.mobility_tensor(net, temperature=T, field=[0.5, 0.2], solver="auto")
    assert _rel(m_sparse, m_dense) < 1e-9
    assert response_solver(net.hop_table(temperature=T, field=[0.5, 0.2]), solver="auto",
                           zero_field=False).method == "sparse"


def test_auto_picks_by_size(disordered):
    small = si.models.disordered_supercell(_two_site_model(), (4, 4))
    assert response_solver(small.hop_table(temperature=T)).method == "dense"
    assert response_solver(disordered.hop_table(temperature=T)).method == "sparse"
    assert response_solver(disordered.hop_table(temperature=T), solver="amg").method == "amg"


def test_site_network_reproduces_the_declared_model():
    model = si.models.supercell(si.models.honeycomb(P0=0.3, gamma=0.4, a=2.0), (3, 2))
    net = si.SiteNetwork.from_model(model)
    for solver in ("dense", "sparse", "amg"):
        assert _rel(si.diffusion_tensor(net, solver=solver), si.diffusion_tensor(model)) < 1e-12
        assert _rel(
            si.drift_velocity(net, field=[0.4, 0.1], solver=solver),
            si.drift_velocity(model, field=[0.4, 0.1]),
        ) < 1e-12


def _hypercubic(constants, saddles, tau):
    dim = len(constants)
    lattice = si.Lattice(np.diag(constants), [si.Site("A", [0.0] * dim)])
    hops = [
        si.Hop("A", "A", tuple(int(i == mu) for i in range(dim)), saddle=s)
        for mu, s in enumerate(saddles)
    ]
    return si.HoppingModel(lattice, hops, tau=tau)


@pytest.mark.parametrize(
    ("constants", "saddles", "repeats"),
    [((2.0, 3.0), (0.40, 0.45), (40, 30)), ((2.0, 2.5, 3.0), (0.40, 0.42, 0.46), (10, 9, 8))],
)
def test_random_trap_model_is_exact(constants, saddles, repeats):
    tau = 1e-13
    model = _hypercubic(constants, saddles, tau)
    net = si.models.disordered_supercell(
        model, repeats, site_energy=lambda rng, n: rng.uniform(0.0, 0.15, n), seed=7
    )
    mean_boltzmann = np.mean(np.exp(-net.energies / KT))
    exact = np.array(constants) ** 2 * np.exp(-np.array(saddles) / KT) / (tau * mean_boltzmann)
    for solver in ("sparse", "amg"):
        d = si.diffusion_tensor(net, temperature=T, solver=solver)
        np.testing.assert_allclose(np.diag(d), exact, rtol=1e-8)
        off = d - np.diag(np.diag(d))
        assert np.max(np.abs(off)) < 1e-12 * np.max(exact)
        np.testing.assert_allclose(
            np.diag(si.mobility_tensor(net, temperature=T, solver=solver)), exact, rtol=1e-8
        )


@pytest.mark.parametrize("solver", ["dense", "sparse", "amg"])
def test_random_barrier_chain_is_the_harmonic_mean(solver):
    a, tau = 2.5, 1e-12
    model = _hypercubic((a,), (0.40,), tau)
    net = si.models.disordered_supercell(
        model, 300, saddle_energy=lambda rng, n: rng.exponential(0.05, n), seed=11
    )
    forward = net.source < net.target  # one direction of each bond (p is the same both ways)
    forward |= net.cell[:, 0] == 1
    forward &= net.cell[:, 0] >= 0
    p = np.exp(-(net.saddle[forward] - net.energies[net.source[forward]]) / KT)
    assert p.size == 300
    exact = a**2 / (tau * np.mean(1.0 / p))
    d = si.diffusion_tensor(net, temperature=T, solver=solver)
    assert d[0, 0] == pytest.approx(exact, rel=1e-8)


def test_disconnected_network_and_bad_solver():
    model = _hypercubic((2.0, 2.0), (0.4, 0.4), 1.0)
    net = si.models.disordered_supercell(model, (30, 20))
    row = np.arange(net.n_sites) // 20  # site index = row * 20 + column
    strip = net.subnetwork(row != 0)  # one blocked line: a strip along y
    assert strip.spanned_dimensions() == 1
    split = net.subnetwork(row % 15 != 0)  # two blocked lines: two strips
    assert split.spanned_dimensions() == 0
    with pytest.raises(ModelError, match=r"disconnected|not unique"):
        stationary_distribution(split.hop_table(temperature=T), solver="sparse")
    with pytest.raises(ModelError, match="solver"):
        si.diffusion_tensor(net, temperature=T, solver="cholesky")


@settings(max_examples=25)
@given(data=st.data())
def test_sparse_equals_dense_on_random_models(data):
    """Random energy- or probability-declared models (driven ones without detailed balance),
    in 3 x ... supercells with random site energies (lowered, so that no barrier drops and the
    out-probabilities stay in the domain), at a random field."""
    case = data.draw(cases(max_sites=4))
    net = si.models.disordered_supercell(
        case.model, 3, site_energy=lambda rng, n: -rng.uniform(0.0, 0.02, n), seed=1
    )
    temp = case.temperature
    field = data.draw(fields(case)) * 0.5  # the supercell keeps the primitive field bound
    table = net.hop_table(temperature=temp)
    step = float(np.max(np.abs(table.displacement)))
    rate = float(np.max(table.probability)) / net.tau
    # Agreement to 1e-9 of the larger of the result and 1e-6 of its natural scale (a result
    # that vanishes by symmetry is compared with its scale, not with rounding noise).

    def close(a, b, scale):
        return np.max(np.abs(a - b)) <= 1e-9 * max(np.max(np.abs(b)), 1e-6 * scale)

    d_dense = si.diffusion_tensor(net, temperature=temp, solver="dense")
    v_dense = si.drift_velocity(net, field=field, temperature=temp, solver="dense")
    m_dense = si.mobility_tensor(net, field=field, temperature=temp, solver="dense")
    for solver in ("sparse", "amg"):
        d = si.diffusion_tensor(net, temperature=temp, solver=solver)
        assert close(d, d_dense, step**2 * rate)
        v = si.drift_velocity(net, field=field, temperature=temp, solver=solver)
        assert close(v, v_dense, step * rate)
        m = si.mobility_tensor(net, field=field, temperature=temp, solver=solver)
        assert close(m, m_dense, step**2 * rate)
