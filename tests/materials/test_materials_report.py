"""The main job's ``materials`` section (quick mode): files, figures and its own checks."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from superionic import reports
from superionic.cli import main


def test_materials_is_a_section_of_the_main_job():
    assert "materials" in reports.SECTIONS


@pytest.mark.slow
def test_materials_section_quick(tmp_path):
    result = CliRunner().invoke(main, ["report", str(tmp_path / "r"), "--quick", "--only",
                                       "materials"])
    assert result.exit_code == 0, result.output
    top = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert top["sections"]["materials"]["status"] == "ok"
    folder = tmp_path / "r" / "materials"
    summary = json.loads((folder / "summary.json").read_text())
    for name in summary["figures"]:
        assert (folder / name).stat().st_size > 0
    structure = summary["structure"]
    assert structure["sites_per_cell"] == 12 and structure["space_group"] == "Im-3m"
    assert structure["shortest_hop_over_a_sqrt2_over_4"] == pytest.approx(1.0, rel=1e-12)
    table = summary["conductivity"]["table"]
    assert table["activation_energy_eV"] == pytest.approx(0.10, abs=0.01)
    mf = summary["meanfield"]
    assert mf["ordered_below_K"] < 1160.5 < mf["disordered_above_K"]
    assert all(abs(z) < 3 for z in summary["simulation"]["z_vs_one_minus_c_times_single"])
