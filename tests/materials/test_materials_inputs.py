"""CIF, POSCAR and ASE Atoms give the same model; rotating and shifting the cell changes nothing."""

from __future__ import annotations

import numpy as np
import pytest
from materials_cells import HCP_SITES, hcp_metal, rocksalt, rotation, transformed

import superionic as si
from superionic import materials


def _summary(net):
    return (net.space_group, net.site_class_names, [c.count for c in net.site_classes],
            net.hop_class_names, [h.multiplicity for h in net.hop_classes],
            round(net.filling, 9))


def test_cif_poscar_and_atoms_give_the_same_model(tmp_path):
    from pymatgen.io.ase import AseAtomsAdaptor
    from pymatgen.io.cif import CifWriter
    from pymatgen.io.vasp import Poscar

    structure = rocksalt()
    cif = tmp_path / "NaCl.cif"
    CifWriter(structure).write_file(cif)
    poscar = tmp_path / "POSCAR"
    Poscar(structure).write_file(poscar)
    atoms = AseAtomsAdaptor.get_atoms(structure)
    options = {"mobile": "Na", "cutoff": 4.1, "site_energies": 0.0,
               "saddle_energies": 0.3, "tau": 1e-13}
    models = [materials.build_model(src, **options) for src in (cif, poscar, atoms, structure)]
    nets = [materials.hop_network(src, mobile="Na", cutoff=4.1)
            for src in (cif, poscar, atoms, structure)]
    assert all(_summary(n) == _summary(nets[0]) for n in nets)
    assert nets[0].hop_class_names == ("4a-4a/3.99",)
    assert nets[0].filling == pytest.approx(4.0)
    ref = models[-1]
    for model in models:
        assert model.lattice.site_names == ref.lattice.site_names
        np.testing.assert_allclose(model.lattice.fractional_positions,
                                   ref.lattice.fractional_positions, atol=1e-9)
        assert [(h.source, h.target, h.cell) for h in model.hops] == \
            [(h.source, h.target, h.cell) for h in ref.hops]
        assert model.filling == ref.filling and model.charge == 1.0
        np.testing.assert_allclose(si.diffusion_tensor(model, temperature=700.0),
                                   si.diffusion_tensor(ref, temperature=700.0), rtol=1e-10,
                                   atol=1e-3)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rotated_and_shifted_cell_gives_the_same_classes_and_rotated_tensor(seed):
    rng = np.random.default_rng(seed)
    rot = rotation(rng.normal(size=3), rng.uniform(0.1, 3.0))
    shift = rng.uniform(-0.5, 0.5, size=3)
    base = hcp_metal()
    moved = transformed(base, rot, shift)
    energies = {"site_energies": {"2a": 0.0, "4f": 0.12},
                "saddle_energies": {"2a-2a/2.45": 0.5, "2a-4f/1.84": 0.4, "4f-4f/1.22": 0.25,
                                    "4f-4f/2.12": 0.7},
                "charge": 1.0, "filling": 0.1}
    sites = [(label, np.array(p) + shift) for label, p in HCP_SITES]
    net0 = materials.hop_network(base, mobile="H", cutoff=2.5, sites=HCP_SITES)
    for route in (sites, "voronoi"):
        net = materials.hop_network(moved, mobile="H", cutoff=2.5, sites=route)
        assert _summary(net) == _summary(net0)
        np.testing.assert_allclose([h.length for h in net.hop_classes],
                                   [h.length for h in net0.hop_classes], rtol=1e-9)
        model = materials.build_model(net, **energies)
        model0 = materials.build_model(net0, **energies)
        d = si.diffusion_tensor(model, temperature=900.0)
        d0 = si.diffusion_tensor(model0, temperature=900.0)
        np.testing.assert_allclose(d, rot @ d0 @ rot.T, rtol=1e-9, atol=1e-9 * np.abs(d0).max())
