"""``superionic structure`` writes a spec with named energies; the other commands read it."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from materials_cells import write_agi_cif

import superionic as si
from superionic import io as sio
from superionic import materials
from superionic.cli import main

PLACEHOLDERS = ('energies.sites."12d"', 'energies.saddles."12d-12d/1.79"')


@pytest.fixture(scope="module")
def agi_spec(tmp_path_factory) -> tuple[Path, Path, str]:
    folder = tmp_path_factory.mktemp("agi_cli")
    cif = write_agi_cif(folder)
    spec = folder / "agi.toml"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = CliRunner().invoke(main, ["structure", str(cif), "--mobile", "Ag", "--cutoff",
                                        "2.0", "-o", str(spec), "--netcdf",
                                        str(folder / "net.nc")])
    assert res.exit_code == 0, res.output
    return cif, spec, res.output


def _filled(spec: Path, site: float = 0.0, saddle: float = 0.12) -> Path:
    text = spec.read_text(encoding="utf-8")
    text = text.replace('"12d" = "FILL IN (eV)"', f'"12d" = {site}')
    text = text.replace('"12d-12d/1.79" = "FILL IN (eV)"', f'"12d-12d/1.79" = {saddle}')
    out = spec.with_name("agi_filled.toml")
    out.write_text(text, encoding="utf-8")
    return out


def test_structure_prints_classes_and_writes_a_spec(agi_spec, tmp_path):
    _, spec, output = agi_spec
    assert "12d-12d/1.79" in output and "Im-3m" in output and "12 sites per cell" in output
    text = spec.read_text(encoding="utf-8")
    assert text.count("[[sites]]") == 12 and text.count("[[hops]]") == 24
    assert text.count('"FILL IN (eV)"') == 2
    ds = sio.read_netcdf(spec.with_name("net.nc"))
    assert list(ds["hop_class_name"].values) == ["12d-12d/1.79"]


@pytest.mark.parametrize("command", [
    ["conductivity", "{spec}", "--no-plot", "-o", "{out}/c.nc"],
    ["spectrum", "{spec}", "--no-plot", "-o", "{out}/s.nc", "-T", "500"],
    ["transitions", "--spec", "{spec}"],
    ["simulate", "{spec}", "-T", "500", "--supercell", "2,2,2", "--steps", "10", "--seed", "1",
     "--no-progress", "-o", "{out}/sim.nc"],
])
def test_unfilled_placeholders_are_named_by_every_command(agi_spec, tmp_path, command):
    _, spec, _ = agi_spec
    args = [a.format(spec=spec, out=tmp_path) for a in command]
    res = CliRunner().invoke(main, args)
    assert res.exit_code != 0
    assert "Traceback" not in res.output
    for name in PLACEHOLDERS:
        assert name in res.output, res.output
    assert "unfilled placeholder" in res.output


def test_filled_spec_is_the_model_build_model_makes(agi_spec, tmp_path):
    cif, spec, _ = agi_spec
    filled = _filled(spec)
    from_spec = sio.load_model(filled)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        built = materials.build_model(cif, mobile="Ag", cutoff=2.0, site_energies=0.0,
                                      saddle_energies=0.12)
    assert from_spec.lattice.site_names == built.lattice.site_names
    assert from_spec.tau == pytest.approx(built.tau, rel=1e-15, abs=0)
    assert from_spec.filling == pytest.approx(built.filling) and from_spec.charge == 1.0
    for t in (400.0, 800.0):
        np.testing.assert_allclose(si.conductivity_tensor(from_spec, temperature=t),
                                   si.conductivity_tensor(built, temperature=t), rtol=1e-12)
    res = CliRunner().invoke(main, ["conductivity", str(filled), "--no-plot", "-o",
                                    str(tmp_path / "c.nc"), "--temperatures", "400,800"])
    assert res.exit_code == 0, res.output
    ds = sio.read_netcdf(tmp_path / "c.nc")
    expected = [np.trace(si.conductivity_tensor(built, temperature=t)) / 3 for t in (400, 800)]
    np.testing.assert_allclose(ds["sigma_iso"].values, expected, rtol=1e-10)
    res = CliRunner().invoke(main, ["spectrum", str(filled), "--no-plot", "-o",
                                    str(tmp_path / "s.nc"), "-T", "600", "-n", "5"])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, [
        "simulate", str(filled), "-T", "600", "--supercell", "3,3,3", "--steps", "200",
        "--seed", "3", "--no-progress", "-o", str(tmp_path / "sim.nc")])
    assert res.exit_code == 0, res.output
    assert sio.read_netcdf(tmp_path / "sim.nc").attrs["hops"] > 0


def test_filled_spec_runs_the_mean_field_transitions(tmp_path):
    from pymatgen.core import Lattice, Structure

    # CsCl type: one mobile site per cell, six bonds; quick for the mean-field sweep
    source = Structure(Lattice.cubic(4.1), ["Cs", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]])
    poscar = tmp_path / "POSCAR"
    source.to(filename=str(poscar), fmt="poscar")
    spec = tmp_path / "cscl.toml"
    res = CliRunner().invoke(main, ["structure", str(poscar), "--mobile", "Cs", "--cutoff",
                                    "4.2", "--charge", "1", "-o", str(spec)])
    assert res.exit_code == 0, res.output
    names = re.findall(r'^"([^"]+)" = "FILL IN \(eV\)"', spec.read_text(), flags=re.M)
    assert names == ["1a", "1a-1a/4.10"]
    text = spec.read_text().replace('"1a" = "FILL IN (eV)"', '"1a" = 0.0')
    text = text.replace('"1a-1a/4.10" = "FILL IN (eV)"', '"1a-1a/4.10" = 0.3')
    spec.write_text(text.replace("K0 = 0.0", "K0 = 0.1"))
    res = CliRunner().invoke(main, ["transitions", "--spec", str(spec), "--tmin", "200",
                                    "--tmax", "2000", "--json"])
    assert res.exit_code == 0, res.output
