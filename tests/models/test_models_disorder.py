"""Disordered supercells: geometry, reproducible draws, detailed balance, site percolation,
disorder averages and finite-size scaling; declaration of large models through the public API."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import superionic as si
from superionic.errors import DisconnectedNetworkError, ModelError
from superionic.units import KB_EV

T = 500.0


def _square(a=2.0, saddle=0.4, tau=1.0):
    lattice = si.Lattice([[a, 0.0], [0.0, a]], [si.Site("A", [0.0, 0.0])])
    hops = [si.Hop("A", "A", (1, 0), saddle=saddle), si.Hop("A", "A", (0, 1), saddle=saddle)]
    return si.HoppingModel(lattice, hops, tau=tau)


def _declared_square(size, a=2.0, saddle=0.4):
    """The same supercell declared site by site through Lattice / Site / Hop."""
    sites = [si.Site(f"s{i}_{j}", [i / size, j / size]) for i in range(size) for j in range(size)]
    hops = []
    for i in range(size):
        for j in range(size):
            hops.append(si.Hop(f"s{i}_{j}", f"s{(i + 1) % size}_{j}",
                               (int(i + 1 == size), 0), saddle=saddle))
            hops.append(si.Hop(f"s{i}_{j}", f"s{i}_{(j + 1) % size}",
                               (0, int(j + 1 == size)), saddle=saddle))
    lattice = si.Lattice([[a * size, 0.0], [0.0, a * size]], sites)
    return si.HoppingModel(lattice, hops)


def test_clean_supercell_matches_the_declared_model():
    net = si.models.disordered_supercell(_square(), (12, 12))
    declared = _declared_square(12)
    assert net.n_sites == declared.n_sites == 144
    assert net.n_hops == 4 * 144
    np.testing.assert_allclose(
        si.diffusion_tensor(net, temperature=T),
        si.diffusion_tensor(declared, temperature=T),
        rtol=1e-12,
    )
    np.testing.assert_allclose(net.cell_volume, declared.cell_volume)
    assert net.filling == pytest.approx(144.0)


def test_site_energies_from_an_array_and_saddles_keep_detailed_balance():
    model = si.models.supercell(_square(), (1, 1))
    offsets = np.linspace(-0.05, 0.05, 64)
    net = si.models.disordered_supercell(
        model, (8, 8), site_energy=offsets, saddle_energy=stats.uniform(0.0, 0.1), seed=3
    )
    np.testing.assert_allclose(net.energies, offsets)
    rev = net.reverse
    assert np.all(rev >= 0)
    np.testing.assert_array_equal(net.saddle, net.saddle[rev])
    assert np.unique(net.saddle).size == 128  # one draw per bond
    table = net.hop_table(temperature=T)
    pi = np.exp(-net.energies / (KB_EV * T))
    flow = pi[table.source] * table.probability
    np.testing.assert_allclose(flow, flow[rev], rtol=1e-12)


def test_draws_are_reproducible_and_independent_per_kind():
    energy = lambda rng, n: rng.normal(0.0, 0.05, n)  # noqa: E731
    a = si.models.disordered_supercell(_square(), 10, site_energy=energy, seed=5)
    b = si.models.disordered_supercell(_square(), 10, site_energy=energy, seed=5)
    c = si.models.disordered_supercell(_square(), 10, site_energy=energy, seed=6)
    d = si.models.disordered_supercell(
        _square(), 10, site_energy=energy, saddle_energy=lambda rng, n: rng.random(n) * 0.1, seed=5
    )
    np.testing.assert_array_equal(a.energies, b.energies)
    assert not np.allclose(a.energies, c.energies)
    np.testing.assert_array_equal(a.energies, d.energies)  # saddle draws use their own stream
    seeds = si.models.realisation_seeds(1, 3)
    assert len({tuple(s.generate_state(2)) for s in seeds}) == 3


def test_bad_disorder_input_is_named():
    with pytest.raises(ModelError, match="site_energy must give 100"):
        si.models.disordered_supercell(_square(), 10, site_energy=np.zeros(99))
    with pytest.raises(ModelError, match="blocked"):
        si.models.disordered_supercell(_square(), 10, blocked=1.5)
    with pytest.raises(ModelError, match="repeats"):
        si.models.disordered_supercell(_square(), (0, 3))


def test_blocked_sites_keep_the_spanning_cluster():
    mask = np.zeros(400, dtype=bool)
    mask[[0, 1, 2, 21, 42]] = True
    net = si.models.disordered_supercell(_square(), 20, blocked=mask)
    assert net.n_sites == 395
    assert not np.any(np.isin(net.site_index, np.nonzero(mask)[0]))
    assert net.filling == pytest.approx(395.0)
    # an isolated open site is dropped: block its four neighbours
    mask = np.zeros(400, dtype=bool)
    mask[[20 * 5 + 4, 20 * 5 + 6, 20 * 4 + 5, 20 * 6 + 5]] = True
    net = si.models.disordered_supercell(_square(), 20, blocked=mask)
    assert net.n_sites == 395 and 20 * 5 + 5 not in net.site_index
    d = si.diffusion_tensor(net, temperature=T)
    clean = si.diffusion_tensor(si.models.disordered_supercell(_square(), 20), temperature=T)
    assert 0.8 * clean[0, 0] < d[0, 0] < clean[0, 0]


def test_no_spanning_cluster_is_a_clear_error():
    with pytest.raises(DisconnectedNetworkError, match="no cluster of sites spans") as exc:
        si.models.disordered_supercell(_square(), 30, blocked=0.7, seed=1)
    assert exc.value.spanned < 2
    net = si.models.disordered_supercell(_square(), 30, blocked=0.7, seed=1, spanning=False)
    assert net.spanned_dimensions() == 0


def test_percolation_sweep_vanishes_past_the_threshold():
    ds = si.transport.percolation_sweep(
        _square(), 24, [0.0, 0.1, 0.25, 0.5], temperature=T, realisations=3, seed=2
    )
    ratio = ds.diffusion_mean.values / ds.attrs["diffusion_clean"]
    assert ratio[0] == pytest.approx(1.0, rel=1e-12)
    assert np.all(np.diff(ratio) < 0)
    assert ratio[-1] == 0.0 and ds.spanning_probability.values[-1] == 0.0
    assert 1.0 - si.models.SQUARE_SITE_PERCOLATION == pytest.approx(0.407254)


def test_disorder_average_and_error_bars():
    model = _square(tau=1e-13)
    ds = si.transport.disorder_average(
        model,
        8,
        [400.0, 500.0, 600.0],
        realisations=4,
        seed=9,
        site_energy=lambda rng, n: rng.uniform(0.0, 0.1, n),
        cell_volume=8.0,
    )
    d = ds.diffusion.values  # (realisation, temperature, i, j)
    iso = (d[..., 0, 0] + d[..., 1, 1]) / 2
    np.testing.assert_allclose(ds.diffusion_iso_mean, iso.mean(axis=0))
    np.testing.assert_allclose(ds.diffusion_iso_stderr, iso.std(axis=0, ddof=1) / 2)
    # each realisation is an exact random-trap supercell: D = a^2 exp(-S/kT) / <exp(-E/kT)>
    for r, child in enumerate(si.models.realisation_seeds(9, 4)):
        net = si.models.disordered_supercell(
            model, 8, site_energy=lambda rng, n: rng.uniform(0.0, 0.1, n), seed=child
        )
        kt = KB_EV * 500.0
        exact = 4.0 * np.exp(-0.4 / kt) / np.mean(np.exp(-net.energies / kt)) / 1e-13
        assert d[r, 1, 0, 0] == pytest.approx(exact * 1e-16, rel=1e-10)  # Å^2/s -> cm^2/s
    ea = ds.activation_energy.values
    assert np.all((ea > 0.3) & (ea < 0.4))  # S minus part of the spread of site energies
    assert float(ds.activation_energy_stderr) == pytest.approx(ea.std(ddof=1) / 2)


def test_finite_size_scaling_of_a_clean_lattice_is_flat():
    ds = si.transport.finite_size_scaling(
        _square(), [4, 8, 16], temperature=T, realisations=2, seed=1
    )
    exact = 4.0 * np.exp(-0.4 / (KB_EV * T))
    np.testing.assert_allclose(ds.diffusion_iso_mean, exact, rtol=1e-12)
    assert float(ds.diffusion_extrapolated) == pytest.approx(exact, rel=1e-9)
    np.testing.assert_array_equal(ds.n_sites, [16, 64, 256])


def test_declaration_compiles_reverse_hops_and_rejects_duplicates():
    model = _declared_square(6)
    hp = model.hop_parameters
    assert np.all(hp.source[hp.reverse] == hp.target)
    np.testing.assert_array_equal(hp.cell[hp.reverse], -hp.cell)
    lattice = si.Lattice([[1.0]], [si.Site("A", [0.0])])
    with pytest.raises(ModelError, match="duplicate hop"):
        si.HoppingModel(
            lattice, [si.Hop("A", "A", 1, saddle=0.3), si.Hop("A", "A", -1, saddle=0.3)]
        )


def test_disorder_error_bars_have_unit_z_scores():
    """Random traps: D_r = c / mean_i X_i, X = exp(-E / kT), E uniform in [0, w]; over N sites
    E[D_r] = (c / mu) (1 + var / (mu^2 N)) + O(N^-2). The error bars of 30 independent
    disorder averages give z-scores of mean ~0 and spread ~1."""
    model = _square(tau=1e-13)
    width, temp, side, reps = 0.1, 500.0, 12, 10
    kt = KB_EV * temp
    mu = kt / width * (1.0 - np.exp(-width / kt))
    second = kt / (2.0 * width) * (1.0 - np.exp(-2.0 * width / kt))
    var = second - mu**2
    n = side * side
    c = 4.0 * np.exp(-0.4 / kt) / 1e-13 * 1e-16  # Å^2/s -> cm^2/s
    expected = c / mu * (1.0 + var / (mu**2 * n))
    z = []
    for seed in range(30):
        ds = si.transport.disorder_average(
            model, side, [temp], realisations=reps, seed=1000 + seed,
            site_energy=lambda rng, k: rng.uniform(0.0, width, k), cell_volume=8.0,
        )
        mean = float(ds.diffusion_iso_mean[0])
        z.append((mean - expected) / float(ds.diffusion_iso_stderr[0]))
    z = np.array(z)
    assert abs(z.mean()) < 0.5
    assert 0.7 < z.std(ddof=1) < 1.4
