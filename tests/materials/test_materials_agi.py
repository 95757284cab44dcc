"""alpha-AgI from its CIF: sites, filling, hop classes and the bcc_tetrahedral model."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from materials_cells import A_AGI, write_agi_cif

import superionic as si
from superionic import materials


@pytest.fixture(scope="module")
def agi_cif(tmp_path_factory):
    return write_agi_cif(tmp_path_factory.mktemp("agi"))


@pytest.fixture(scope="module")
def agi_network(agi_cif):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pymatgen's CIF parser notes
        return materials.hop_network(agi_cif, mobile="Ag", cutoff=2.6)


def test_sites_filling_and_classes(agi_network):
    net = agi_network
    assert net.space_group == "Im-3m" and net.space_group_number == 229
    assert net.n_sites == 12
    assert net.site_class_names == ("12d",)
    assert net.site_classes[0].count == 12
    assert net.filling == pytest.approx(2.0, abs=1e-5)
    assert net.site_classes[0].occupancy == pytest.approx(1 / 6, abs=1e-6)
    assert dict(net.oxidation_states) == {"Ag": 1.0, "I": -1.0}
    shortest = net.hop_classes[0]
    assert shortest.name == "12d-12d/1.79"
    assert shortest.length == pytest.approx(A_AGI * math.sqrt(2) / 4, rel=1e-9)
    assert shortest.multiplicity == 24  # 12 sites x 4 face-sharing neighbours / 2
    assert shortest.endpoints == ("12d", "12d")
    second = net.hop_classes[1]
    assert second.name == "12d-12d/2.54" and second.length == pytest.approx(A_AGI / 2)
    assert second.multiplicity == 12
    assert net.percolation_dimension == 3 and net.n_components == 1
    # every site is the same distance sqrt(5)/4 a from the nearest iodide
    assert net.site_classes[0].framework_distance == pytest.approx(A_AGI * math.sqrt(5) / 4)


def test_bond_lengths_match_their_class(agi_network):
    start, end = agi_network.bond_endpoints()
    lengths = np.linalg.norm(end - start, axis=1)
    for k, h in enumerate(agi_network.hop_classes):
        members = lengths[agi_network.bond_class == k]
        assert members.size == h.multiplicity
        np.testing.assert_allclose(members, h.length, rtol=1e-9)


def test_repr_and_dataset(agi_network):
    text = repr(agi_network)
    assert "12d-12d/1.79" in text and "Im-3m" in text and "12 sites" in text
    ds = agi_network.to_dataset()
    assert ds.sizes["site"] == 12 and ds.sizes["hop_class_name"] == 2
    assert list(ds["hop_class_multiplicity"].values) == [24, 12]
    assert ds.attrs["percolation_dimension"] == 3
    assert ds["bond_length"].attrs["units"] == "Å"


@pytest.mark.parametrize("barrier", [0.08, 0.25])
def test_same_diffusion_tensor_as_bcc_tetrahedral(agi_network, barrier):
    # the 2.54 Å class is removed (None): bcc_tetrahedral has the face-sharing hops only
    model = materials.build_model(
        agi_network, site_energies=0.0,
        saddle_energies={"12d-12d/1.79": barrier, "12d-12d/2.54": None}, tau=1e-13)
    ref = si.models.bcc_tetrahedral(barrier=barrier, a=A_AGI, tau=1e-13)
    for temperature in (300.0, 650.0):
        d_model = si.diffusion_tensor(model, temperature=temperature)
        d_ref = si.diffusion_tensor(ref, temperature=temperature)
        np.testing.assert_allclose(d_model, d_ref, rtol=1e-10, atol=1e-12 * np.abs(d_ref).max())
        # conductivity with no further input: charge, filling and cell volume come with the model
        sigma = si.conductivity_tensor(model, temperature=temperature)
        sigma_ref = si.conductivity_tensor(ref, temperature=temperature, charge=1.0, filling=2.0,
                                           cell_volume=A_AGI**3)
        np.testing.assert_allclose(sigma, sigma_ref, rtol=2e-7,
                                   atol=1e-12 * np.abs(sigma_ref).max())
    assert model.charge == 1.0 and model.lattice.volume == pytest.approx(A_AGI**3)
    assert model.detailed_balance(temperature=500.0)


def test_attempt_frequency_route_gives_the_same_physics(agi_cif):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = materials.build_model(agi_cif, mobile="Ag", cutoff=2.0, site_energies=0.0,
                                      saddle_energies={"12d-12d/1.79": 0.2},
                                      attempt_frequency=2e13)
    ref = si.models.bcc_tetrahedral(barrier=0.2, a=A_AGI, tau=0.5e-13)
    d_model = si.diffusion_tensor(model, temperature=500.0)
    d_ref = si.diffusion_tensor(ref, temperature=500.0)
    np.testing.assert_allclose(d_model, d_ref, rtol=1e-10, atol=1e-12 * np.abs(d_ref).max())
    # closed form: D = nu l^2 exp(-Ea / kT) x (4 neighbours) / 6 in 3D, l = a sqrt(2) / 4
    rate = 2e13 * math.exp(-0.2 / (si.units.KB_EV * 500.0))
    expected = 4 * rate * (A_AGI * math.sqrt(2) / 4) ** 2 / 6
    np.testing.assert_allclose(np.diag(d_model), expected, rtol=1e-10)
    assert model.tau == pytest.approx(0.5 / (4 * 2e13), rel=1e-12, abs=0)


def test_primitive_cell_gives_the_same_classes_and_tensor(agi_network):
    from pymatgen.core import Lattice, Structure

    conventional = Structure.from_spacegroup("Im-3m", Lattice.cubic(A_AGI), ["I", {"Ag": 1 / 6}],
                                             [[0, 0, 0], [0.25, 0, 0.5]])
    primitive = conventional.get_primitive_structure()
    assert len(primitive) == 7  # one iodide and six 12d sites
    net = materials.hop_network(primitive, mobile="Ag", cutoff=2.6)
    assert net.n_sites == 6 and net.filling == pytest.approx(1.0)
    # Wyckoff labels keep the conventional multiplicity; hop multiplicities are per input cell
    assert net.site_class_names == ("12d",) and net.site_classes[0].count == 6
    assert net.hop_class_names == agi_network.hop_class_names
    assert [h.multiplicity for h in net.hop_classes] == [12, 6]
    energies = {"site_energies": 0.0,
                "saddle_energies": {"12d-12d/1.79": 0.15, "12d-12d/2.54": 0.35}}
    d_prim = si.diffusion_tensor(materials.build_model(net, **energies), temperature=700.0)
    d_conv = si.diffusion_tensor(materials.build_model(agi_network, **energies),
                                 temperature=700.0)
    np.testing.assert_allclose(d_prim, d_conv, rtol=1e-9, atol=1e-9 * np.abs(d_conv).max())
