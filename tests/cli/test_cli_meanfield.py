"""CLI subcommands of the mean field and the report section (quick)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import xarray as xr
from click.testing import CliRunner

from superionic.cli import main
from superionic.reports import meanfield as report

SPEC = Path(__file__).resolve().parents[2] / "examples" / "specs" / "chain_interacting.toml"


def test_transitions_table_and_json():
    runner = CliRunner()
    res = runner.invoke(main, ["transitions", "--M0", "2.0", "--K0", "0", "--tmax", "5000"])
    assert res.exit_code == 0, res.output
    assert "type-I" in res.output and "1083.17911" in res.output
    res = runner.invoke(main, ["transitions", "--json"])
    assert res.exit_code == 0, res.output
    recs = json.loads(res.output)
    assert [r["kind"] for r in recs] == ["type-II"]
    assert recs[0]["order"] == 2 and abs(recs[0]["temperature"] - 2901.1295) < 1e-3
    res = runner.invoke(main, ["transitions", "--lattice", "honeycomb", "--table1"])
    assert res.exit_code == 0 and "| Order of transition |" in res.output


def test_transitions_from_spec():
    res = CliRunner().invoke(main, ["transitions", "--spec", str(SPEC), "--json"])
    assert res.exit_code == 0, res.output
    rec = json.loads(res.output)[0]
    assert rec["kind"] == "type-II" and rec["sigma"] is not None


def test_sigma_t_and_phase_diagram(tmp_path):
    runner = CliRunner()
    out = tmp_path / "s" / "sigma.nc"
    res = runner.invoke(main, ["sigma-t", "--n", "12", "--method", "closed-form", "-o",
                               str(out)])
    assert res.exit_code == 0, res.output
    assert out.exists() and out.with_suffix(".png").exists()
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        assert "sigma" in ds and ds.sizes["temperature"] >= 12
    pd = tmp_path / "p" / "pd.nc"
    res = runner.invoke(main, ["phase-diagram", "--temperature", "300:6000:20", "--M0",
                               "0:3:10", "-o", str(pd)])
    assert res.exit_code == 0, res.output
    assert pd.exists() and pd.with_suffix(".png").exists()
    with xr.open_dataset(pd, engine="h5netcdf") as ds:
        assert ds["phase"].shape == (20, 10)


@pytest.mark.parametrize("args, text", [
    (["transitions", "--lambda0", "-1"], "lambda0"),
    (["transitions", "--n0", "3"], "filling"),
    (["transitions", "--tmin", "500", "--tmax", "100"], "temperature_range"),
    (["phase-diagram", "--K0", "a,b"], "K0"),
    (["phase-diagram", "--M0", "-1"], "M0"),
])
def test_errors_are_messages(args, text):
    res = CliRunner().invoke(main, args)
    assert res.exit_code != 0
    assert text in res.output
    assert "Traceback" not in res.output


def test_report_quick(tmp_path):
    summary = report.build(tmp_path, quick=True)
    json.dumps(summary)
    assert (tmp_path / "summary.json").exists() and (tmp_path / "table1.md").exists()
    for name in ("fig4bc.png", "fig4ef.png", "honeycomb.png", "phase_diagram_T_M0.png"):
        assert (tmp_path / name).exists()
    eq54 = summary["fig4ef"]["eq54_gamma0"]
    assert abs(eq54["T_I_K"] - 1083.2) < 0.05 and abs(eq54["T_I_over_Tp"] - 0.3734) < 1e-4
    assert eq54["engine_rel_difference"] < 1e-6
    assert summary["fig4ef"]["eq55_combined"]["type_I_found"] is False
    dev = summary["fig4bc"]["engine_vs_closed_form_max_abs_deviation"]
    assert dev["branches_match"] and dev["stability_match"] and dev["P0_rel"] < 1e-8
    hc = summary["honeycomb"]["engine_vs_hand_derivation"]
    assert hc["count_match"] and hc["labels_match"] and hc["P0_rel"] < 1e-8
    ea = summary["fig4bc"]["activation_energy_eV"]
    assert abs(ea["above_Tp_M0_0"] - ea["expected_above"]) < 1e-7
