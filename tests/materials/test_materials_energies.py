"""Energies from a callable landscape and from BVSE; detailed balance by construction."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from materials_cells import HCP_SITES, hcp_metal, write_agi_cif

import superionic as si
from superionic import materials


@pytest.fixture(scope="module")
def agi_network(tmp_path_factory):
    path = write_agi_cif(tmp_path_factory.mktemp("agi_energies"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return materials.hop_network(path, mobile="Ag", cutoff=2.6)


def _iodide_repulsion(network):
    """A landscape with the crystal's symmetry: screened repulsion from every iodide."""
    fw = network.framework
    images = np.array(np.meshgrid(*[np.arange(-2, 3)] * 3, indexing="ij")).reshape(3, -1).T
    atoms = ((fw.positions[None, :, :] + images[:, None, :]).reshape(-1, 3)) @ fw.lattice

    def energy(points):
        d = np.linalg.norm(np.atleast_2d(points)[:, None, :] - atoms[None, :, :], axis=-1)
        return np.sum(3.0 * np.exp(-d / 0.6), axis=1)

    return energy


def test_callable_landscape_site_and_saddle(agi_network):
    f = _iodide_repulsion(agi_network)
    energies = materials.class_energies(agi_network, site_energies=f, saddle_energies=f,
                                        charge=1)
    model = materials.build_model(agi_network, site_energies=f, saddle_energies=f,
                                  allow_nonpercolating=False)
    # every site of a class gets the same energy from a symmetric landscape
    site_e = model.lattice.site_energies
    np.testing.assert_allclose(site_e, f(agi_network.cartesian_positions), rtol=1e-12)
    assert np.ptp(site_e) < 1e-6  # (the landscape sums a finite block of images)
    # saddles: the maximum along the straight path, never below either end
    start, end = agi_network.bond_endpoints()
    t = np.linspace(0, 1, 401)
    for k, hop in enumerate(model.hops[:6]):
        path = start[k] + t[:, None] * (end[k] - start[k])
        assert hop.saddle == pytest.approx(np.max(f(path)), abs=2e-4)
        assert hop.saddle >= site_e[0]
    saddles = energies["saddle_energy"].values
    assert saddles[0] < saddles[1]  # the face-sharing hop is the easier one here
    assert model.detailed_balance(temperature=450.0)


def test_asymmetric_callable_keeps_detailed_balance():
    net = materials.hop_network(hcp_metal(), mobile="H", cutoff=2.5, sites=HCP_SITES)

    def tilted(points):
        p = np.atleast_2d(points)
        return 0.05 * p[:, 0] + 0.02 * p[:, 2] + 0.3 * np.cos(p[:, 2])

    model = materials.build_model(net, site_energies=tilted, saddle_energies=lambda p: 0.6 +
                                  tilted(p), charge=1, filling=0.5)
    temperature = 700.0
    assert model.detailed_balance(temperature=temperature)
    pi = model.stationary(temperature=temperature)
    boltzmann = np.exp(-model.lattice.site_energies / (si.units.KB_EV * temperature))
    np.testing.assert_allclose(pi, boltzmann / boltzmann.sum(), rtol=1e-9)


def test_bvse_landscape_of_alpha_agi(agi_network):
    energies = materials.class_energies(agi_network, site_energies="bvse",
                                        saddle_energies="bvse")
    assert energies["site_energy"].values == pytest.approx([0.0], abs=1e-9)
    face, edge = energies["saddle_energy"].values
    # the face-sharing hop is the conduction path, with a barrier of order 0.1 eV
    assert 0.03 < face < 0.3 and edge > face
    model = materials.build_model(agi_network, site_energies="bvse", saddle_energies="bvse",
                                  tau=1e-13)
    assert np.ptp(model.lattice.site_energies) < 1e-9
    assert model.detailed_balance(temperature=500.0)
