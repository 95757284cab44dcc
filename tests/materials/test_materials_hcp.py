"""hcp interstitials from a bare metal: explicit Wyckoff sites and the Voronoi route.

Both must give the network of :func:`superionic.structures.hcp_interstitial` (whose diffusion
tensor benchmarks/peers_onsager.py checks against onsager to 1e-8), with the same energies and
attempt frequencies as that validation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from materials_cells import A_HCP, C_HCP, HCP_SITES, hcp_metal

import superionic as si
from superionic import materials

# the parameters of benchmarks/peers_onsager.py
ENERGY = {"2a": 0.0, "4f": 0.15}
SADDLE = {"2a-2a/2.45": 0.55, "2a-4f/1.84": 0.42, "4f-4f/1.22": 0.30, "4f-4f/2.12": None}
NU = {"2a-2a/2.45": 1.0e13, "2a-4f/1.84": 1.6e13, "4f-4f/1.22": 0.7e13, "4f-4f/2.12": 1.0e13}


def _reference():
    return si.structures.hcp_interstitial(
        a=A_HCP, oct_energy=0.0, tet_energy=0.15, saddle_oo=0.55, saddle_ot=0.42,
        saddle_tt=0.30, nu_oo=1.0e13, nu_ot=1.6e13, nu_tt=0.7e13)


@pytest.fixture(scope="module", params=["explicit", "voronoi"])
def hcp_network(request):
    sites = HCP_SITES if request.param == "explicit" else "voronoi"
    return materials.hop_network(hcp_metal(), mobile="H", cutoff=2.5, sites=sites)


def test_classes(hcp_network):
    net = hcp_network
    assert net.space_group == "P6_3/mmc"
    assert net.site_class_names == ("2a", "4f")
    assert [c.count for c in net.site_classes] == [2, 4]
    assert net.hop_class_names == ("4f-4f/1.22", "2a-4f/1.84", "4f-4f/2.12", "2a-2a/2.45")
    lengths = [h.length for h in net.hop_classes]
    d_ot = math.hypot(A_HCP / math.sqrt(3), C_HCP / 8)
    np.testing.assert_allclose(lengths, [C_HCP / 4, d_ot, math.hypot(A_HCP / math.sqrt(3),
                                                                    C_HCP / 4), C_HCP / 2])
    assert [h.multiplicity for h in net.hop_classes] == [2, 12, 6, 2]
    assert net.filling == 0.0 and net.percolation_dimension == 3
    # octahedral sites are a / sqrt(2) from the metal, tetrahedral sites 3 c / 8
    np.testing.assert_allclose([c.framework_distance for c in net.site_classes],
                               [A_HCP / math.sqrt(2), 3 * C_HCP / 8])


def test_same_diffusion_tensor_as_hcp_interstitial(hcp_network):
    model = materials.build_model(hcp_network, site_energies=ENERGY, saddle_energies=SADDLE,
                                  attempt_frequency=NU, charge=1.0, filling=0.01)
    ref = _reference()
    for temperature in (300.0, 800.0, 1400.0):
        d_model = si.diffusion_tensor(model, temperature=temperature)
        d_ref = si.diffusion_tensor(ref, temperature=temperature)
        np.testing.assert_allclose(d_model, d_ref, rtol=1e-9,
                                   atol=1e-12 * np.abs(d_ref).max())
    assert model.tau == pytest.approx(ref.tau, rel=1e-12, abs=0)
    assert model.detailed_balance(temperature=600.0)


def test_wrong_wyckoff_label_is_named():
    with pytest.raises(si.ModelError, match=r"Wyckoff position 4f .*not '2b'"):
        materials.hop_network(hcp_metal(), mobile="H", cutoff=2.5,
                              sites=[("2b", (1 / 3, 2 / 3, 0.625))])


def test_voronoi_min_distance_removes_the_tetrahedral_sites():
    net = materials.hop_network(hcp_metal(), mobile="H", cutoff=3.1, sites="voronoi",
                                min_distance=2.0)
    assert net.site_class_names == ("2a",)
    assert net.n_sites == 2


def test_clearance_against_a_sampled_path(hcp_network):
    """The closest approach of each hop path to the metal, by brute force along the path."""
    net = hcp_network
    fw = net.framework
    block = np.array(np.meshgrid(*[np.arange(-2, 3)] * 3, indexing="ij")).reshape(3, -1).T
    atoms = ((fw.positions[None, :, :] + block[:, None, :]).reshape(-1, 3)) @ fw.lattice
    start, end = net.bond_endpoints()
    t = np.linspace(0.0, 1.0, 4001)[:, None]
    for k, hop in enumerate(net.hop_classes):
        b = int(np.flatnonzero(net.bond_class == k)[0])
        path = start[b] + t * (end[b] - start[b])
        sampled = np.min(np.linalg.norm(path[:, None, :] - atoms[None, :, :], axis=-1))
        assert hop.clearance == pytest.approx(sampled, abs=1e-6)
    # by hand: the c-axis hops pass a basal atom at a / sqrt(3); the 2.12 Å t-t hop crosses
    # the middle of a metal-metal bond
    names = dict(zip(net.hop_class_names, (h.clearance for h in net.hop_classes), strict=True))
    assert names["4f-4f/1.22"] == pytest.approx(A_HCP / math.sqrt(3))
    assert names["2a-2a/2.45"] == pytest.approx(A_HCP / math.sqrt(3))
    assert names["4f-4f/2.12"] == pytest.approx(A_HCP / 2)
