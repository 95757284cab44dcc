"""Bad input gets named errors: species, cutoffs, percolation, energies, disordered frameworks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from materials_cells import HCP_SITES, hcp_metal, transformed, write_agi_cif

import superionic as si
from superionic import materials


@pytest.fixture(scope="module")
def agi_cif(tmp_path_factory):
    return write_agi_cif(tmp_path_factory.mktemp("agi_errors"))


@pytest.fixture(autouse=True)
def _quiet_cif_parser():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Issues encountered while parsing CIF")
        warnings.filterwarnings("ignore", message="No _symmetry_equiv_pos_as_xyz")
        yield


def test_no_such_species(agi_cif):
    with pytest.raises(materials.NoSuchSpeciesError, match=r"no Cu sites.*present: \['Ag', 'I'\]"):
        materials.hop_network(agi_cif, mobile="Cu", cutoff=2.0)
    with pytest.raises(materials.NoSuchSpeciesError, match="'Qq' is not a chemical element"):
        materials.hop_network(agi_cif, mobile="Qq", cutoff=2.0)
    assert issubclass(materials.NoSuchSpeciesError, si.ModelError)


def test_cutoff_shorter_than_every_hop(agi_cif):
    with pytest.raises(materials.CutoffTooShortError,
                       match=r"cutoff = 1.5 Å is shorter than every hop.*1\.7925 Å"):
        materials.hop_network(agi_cif, mobile="Ag", cutoff=1.5)


def test_cutoff_so_long_that_hops_pass_through_the_framework_warns(agi_cif):
    with pytest.warns(materials.FrameworkClashWarning, match=r"12d-12d/5\.07 passes 1\.268 Å"):
        materials.hop_network(agi_cif, mobile="Ag", cutoff=5.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", materials.FrameworkClashWarning)
        materials.hop_network(agi_cif, mobile="Ag", cutoff=4.8)  # no clash up to 4.74 Å


def test_non_percolating_network_says_in_which_dimensions():
    metal = hcp_metal()
    # only the t-t pairs: isolated dimers
    net = materials.hop_network(metal, mobile="H", cutoff=1.5, sites=HCP_SITES)
    assert net.percolation_dimension == 0
    with pytest.raises(materials.NonPercolatingNetworkError, match="0 dimension") as info:
        materials.build_model(net, site_energies=0.0, saddle_energies=0.5, charge=1, filling=1)
    assert info.value.spanned == 0
    # the same dimers straddling the cell boundary (bonds with a cell offset): still 0
    shifted = transformed(metal, np.eye(3), (0.0, 0.0, 0.2))
    net = materials.hop_network(shifted, mobile="H", cutoff=1.5,
                                sites=[(w, np.add(p, (0.0, 0.0, 0.2))) for w, p in HCP_SITES])
    assert np.any(net.bond_cell != 0)
    assert net.percolation_dimension == 0 and net.percolation_directions == ()
    # octahedral sites only, chains along c
    net = materials.hop_network(metal, mobile="H", cutoff=2.6, sites=HCP_SITES[:1])
    assert net.percolation_dimension == 1 and net.percolation_directions == ((0, 0, 1),)
    with pytest.raises(materials.NonPercolatingNetworkError,
                       match=r"1 dimension\(s\): only along \[0 0 1\]") as info:
        materials.build_model(net, site_energies=0.0, saddle_energies=0.5, charge=1, filling=1)
    assert info.value.spanned == 1 and info.value.directions == ((0, 0, 1),)
    # octahedral sites, in-plane hops only: layers
    net = materials.hop_network(metal, mobile="H", cutoff=3.05, sites=HCP_SITES[:1])
    assert net.hop_class_names == ("2a-2a/2.45", "2a-2a/3.00")
    assert net.percolation_dimension == 3
    with pytest.raises(materials.NonPercolatingNetworkError,
                       match=r"2 dimension\(s\): only in the plane spanned by \[1 0 0\], "
                             r"\[0 1 0\].*\[0, 0, 1\]") as info:
        materials.build_model(net, site_energies=0.0, saddle_energies={
            "2a-2a/2.45": None, "2a-2a/3.00": 0.4}, charge=1, filling=1)
    assert info.value.spanned == 2
    with pytest.warns(UserWarning, match="2 dimension"):
        model = materials.build_model(net, site_energies=0.0, saddle_energies={
            "2a-2a/2.45": None, "2a-2a/3.00": 0.4}, charge=1, filling=1,
            allow_nonpercolating=True)
    assert len(model.hops) == 6  # three in-plane bonds per octahedral site


def test_missing_and_unknown_energy_classes_are_named():
    net = materials.hop_network(hcp_metal(), mobile="H", cutoff=2.5, sites=HCP_SITES)
    with pytest.raises(materials.MissingEnergyError, match=r"no energy for class\(es\) \['4f'\]"):
        materials.build_model(net, site_energies={"2a": 0.0}, saddle_energies=0.5, charge=1,
                              filling=1)
    with pytest.raises(materials.MissingEnergyError,
                       match=r"\['2a-4f/1.84', '2a-2a/2.45'\]; unknown class\(es\) \['oo'\]") as e:
        materials.build_model(net, site_energies=0.0, saddle_energies={
            "4f-4f/1.22": 0.3, "4f-4f/2.12": 0.5, "oo": 0.6}, charge=1, filling=1)
    assert e.value.missing == ("2a-4f/1.84", "2a-2a/2.45") and e.value.unknown == ("oo",)


def test_saddle_below_its_sites_and_other_bad_parameters():
    net = materials.hop_network(hcp_metal(), mobile="H", cutoff=2.5, sites=HCP_SITES)
    with pytest.raises(si.ModelError, match=r"hop class 2a-4f/1.84 \(0.1 eV\) lies below"):
        materials.build_model(net, site_energies={"2a": 0.0, "4f": 0.2}, saddle_energies=0.1,
                              charge=1, filling=1)
    with pytest.raises(si.ModelError, match="give tau"):
        materials.build_model(net, site_energies=0.0, saddle_energies=0.5, charge=1, filling=1,
                              tau=1e-13, attempt_frequency=1e13)
    with pytest.raises(si.ModelError, match="charge=None but the structure gives no oxidation"):
        materials.build_model(net, site_energies=0.0, saddle_energies=0.5, filling=1)
    with pytest.raises(si.ModelError, match="filling=None but the structure has no H"):
        materials.build_model(net, site_energies=0.0, saddle_energies=0.5, charge=1)
    with pytest.raises(si.ModelError, match=r"cutoff \(Å\) must be > 0"):
        materials.hop_network(hcp_metal(), mobile="H", cutoff=-1.0, sites=HCP_SITES)
    with pytest.raises(si.ModelError, match="sites must be 'occupied', 'voronoi'"):
        materials.hop_network(hcp_metal(), mobile="H", cutoff=2.5, sites="interstitial")
    with pytest.raises(materials.StructureError, match="does not exist"):
        materials.hop_network("no_such_file.cif", mobile="H", cutoff=2.5)
    with pytest.raises(materials.StructureError, match="got int"):
        materials.hop_network(3, mobile="H", cutoff=2.5)


@pytest.mark.parametrize(("framework", "occupancy", "pattern"), [
    ("I", "0.9", r"framework site .* is disordered \(I:0.9, total occupancy 0.9\)"),
    ("I0.5Br0.5", "1", "framework site .* is disordered"),
])
def test_disordered_framework(tmp_path, framework, occupancy, pattern):
    from pymatgen.core import Lattice, Structure

    if framework == "I":
        source = write_agi_cif(tmp_path, framework_occupancy=occupancy)
    else:
        source = Structure.from_spacegroup(
            "Im-3m", Lattice.cubic(5.07), [{"I": 0.5, "Br": 0.5}, {"Ag": 1 / 6}],
            [[0, 0, 0], [0.25, 0, 0.5]])
    with pytest.raises(materials.DisorderedFrameworkError, match=pattern):
        materials.hop_network(source, mobile="Ag", cutoff=2.0)


def test_mobile_species_sharing_a_site_is_refused():
    from pymatgen.core import Lattice, Structure

    source = Structure.from_spacegroup("Im-3m", Lattice.cubic(5.07),
                                       ["I", {"Ag": 1 / 12, "Cu": 1 / 12}],
                                       [[0, 0, 0], [0.25, 0, 0.5]])
    with pytest.raises(materials.DisorderedFrameworkError, match="mixes the mobile species Ag"):
        materials.hop_network(source, mobile="Ag", cutoff=2.0)


def test_arrays_are_read_only():
    net = materials.hop_network(hcp_metal(), mobile="H", cutoff=2.5, sites=HCP_SITES)
    with pytest.raises(ValueError, match="read-only"):
        net.site_positions[0, 0] = 0.5
    assert np.all(net.bond_class < len(net.hop_classes))
