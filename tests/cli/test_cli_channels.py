"""``superionic channels`` subcommands, the figures and the ``channels`` report section."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from superionic import driving, phonons, transport
from superionic.cli import main
from superionic.io import read_netcdf
from superionic.reports import channels as report

SPECS = Path(__file__).resolve().parents[2] / "examples" / "specs"


@pytest.fixture
def runner():
    return CliRunner()


def _ok(result):
    assert result.exit_code == 0, result.output
    return result.output


def test_probability_command(runner, tmp_path):
    out = tmp_path / "p.nc"
    text = _ok(runner.invoke(main, [
        "channels", "probability", "--threshold", "0.3", "--dos", "constant",
        "--dos", "power:0.5", "--tmin", "400", "--tmax", "800", "--nt", "5", "-o", str(out),
    ]))
    assert "constant: P from" in text
    ds = read_netcdf(out)
    np.testing.assert_allclose(ds.probability.sel(dos="constant"),
                               np.exp(-0.3 / (8.617333262e-5 * ds.temperature.values)),
                               rtol=1e-8)
    assert (tmp_path / "p.png").exists()


def test_probability_command_errors(runner, tmp_path):
    res = runner.invoke(main, ["channels", "probability", "--threshold", "0.3", "--dos", "odd"])
    assert res.exit_code != 0 and "--dos" in res.output
    res = runner.invoke(main, ["channels", "probability", "--threshold", "0.1", "--origin", "0.5",
                               "-o", str(tmp_path / "x.nc")])
    assert res.exit_code == 1 and "threshold must be >=" in res.output
    dos = tmp_path / "total_dos.dat"
    np.savetxt(dos, np.column_stack([np.linspace(0, 10, 11), -np.ones(11)]))
    res = runner.invoke(main, ["channels", "probability", "--threshold", "0.3", "--dos",
                               f"table:{dos}", "-o", str(tmp_path / "x.nc")])
    assert res.exit_code == 1 and "must be >= 0" in res.output


def test_modes_command_synthetic_and_file(runner, tmp_path):
    out = tmp_path / "r.csv"
    text = _ok(runner.invoke(main, ["channels", "modes", "--synthetic", "--mobile", "Li",
                                    "-o", str(out), "--no-plot"]))
    assert "rank" in text and out.exists()
    band = tmp_path / "band.yaml"
    band.write_text(phonons.to_phonopy_yaml(phonons.diatomic_chain(nq=11)))
    text = _ok(runner.invoke(main, ["channels", "modes", str(band), "--mobile", "Li",
                                    "-o", str(tmp_path / "r.nc")]))
    assert (tmp_path / "r.png").exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text(band.read_text().replace("phonon:", "phonons:"))
    res = runner.invoke(main, ["channels", "modes", str(bad), "--mobile", "Li",
                               "-o", str(tmp_path / "r2.nc")])
    assert res.exit_code == 1 and "no 'phonon' entry" in res.output


def test_drive_and_ac_commands(runner, tmp_path):
    spec = SPECS / "honeycomb.toml"
    out = tmp_path / "d.nc"
    _ok(runner.invoke(main, ["channels", "drive", str(spec), "--protocol", "pulse",
                             "--amplitude", "0.05,0.0", "--duration", "5", "--steps", "40",
                             "-T", "600", "-o", str(out)]))
    ds = read_netcdf(out)
    assert ds.velocity.shape == (40, 2)
    _ok(runner.invoke(main, ["channels", "drive", str(spec), "--amplitude", "0.05,0.0",
                             "--steps", "10", "-T", "600", "-o", str(tmp_path / "s.nc"),
                             "--no-plot"]))
    res = runner.invoke(main, ["channels", "drive", str(spec), "--amplitude", "0.05",
                               "-T", "600", "-o", str(tmp_path / "x.nc")])
    assert res.exit_code != 0 and "2 component" in res.output
    ac = tmp_path / "ac.nc"
    _ok(runner.invoke(main, ["channels", "ac", str(spec), "-T", "600", "-n", "5", "-o", str(ac)]))
    assert "sigma_real" in read_netcdf(ac) or "mobility_real" in read_netcdf(ac)


def test_rate_command(runner, tmp_path):
    spec = SPECS / "chain_interacting.toml"
    out = tmp_path / "rate.nc"
    text = _ok(runner.invoke(main, ["channels", "rate", str(spec), "--channel", "5e12",
                                    "--channel", "1.2e13:0.2", "-T", "500", "-n", "20",
                                    "-o", str(out)]))
    assert "limit" in text
    ds = read_netcdf(out)
    assert ds.rate.shape[0] == 20


@pytest.mark.parametrize("quick", [True])
def test_report_section(tmp_path, quick):
    messages = []
    summary = report.build(tmp_path, quick=quick, progress=messages.append)
    assert len(messages) == 6
    for name in summary["figures"]:
        assert (tmp_path / name).exists()
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk["hop_rate"]["dominant_frequency_Hz"] > 0
    # the checks the section reports
    assert summary["hop_probability"]["activation_energy_eV"]["constant (Eq. 3)"] == \
        pytest.approx(0.3, rel=1e-6)
    assert summary["hop_probability"]["tabulated_vs_callable_max_rel_diff"] < 1e-4
    step = summary["step_response"]
    assert step["fitted_relaxation_rate_per_s"] == pytest.approx(
        step["spectral_relaxation_rate_per_s"], rel=1e-6)
    assert abs(summary["pulse"]["relative_difference"]) < 5e-3
    ac = summary["ac_response"]
    assert ac["sigma_omega0_S_per_cm"] == pytest.approx(ac["sigma_dc_S_per_cm"], rel=1e-12)
    assert ac["driven_vs_formula_rel_diff"] < 1e-6
    assert summary["hop_rate"]["converged_tau_times_omega_c"] is not None


def test_plot_functions_draw_the_data():
    from superionic.plot import channels as pc
    from superionic.reports.channels import offset_chain

    model = offset_chain()
    ds = driving.step_response(model, [0.02], n_steps=10)
    ax = pc.plot_transient(ds)
    tau = float(ds.attrs["tau_s"]) if "tau_s" in ds.attrs else model.tau
    np.testing.assert_allclose(ax.lines[0].get_xdata(), ds["time"].values / tau)
    v = ds["velocity"].isel(axis=0).values
    scale, unit = pc.velocity_scale(v, ds["velocity"].attrs.get("units", ""))
    np.testing.assert_allclose(ax.lines[0].get_ydata() * scale, v, rtol=1e-12)
    assert unit in ax.get_ylabel()
    ac = driving.ac_response(model, np.array([0.0, 1e12, 1e13]))
    dc = float(transport.mobility_tensor(model)[0, 0])
    ax = pc.plot_ac_response(ac, dc=dc)
    assert "mobility" in ax.get_ylabel()
    re_line, im_line, dc_line = ax.lines[:3]
    np.testing.assert_allclose(re_line.get_xdata(), ac["omega"].values[1:] * ac.attrs["tau_s"])
    np.testing.assert_array_equal(re_line.get_ydata(),
                                  ac["mobility_real"].isel(i=0, j=0).values[1:])
    np.testing.assert_array_equal(im_line.get_ydata(),
                                  ac["mobility_imag"].isel(i=0, j=0).values[1:])
    np.testing.assert_allclose(dc_line.get_ydata(), dc)


def test_docs_page_example_runs(tmp_path, monkeypatch):
    import re

    monkeypatch.chdir(tmp_path)
    page = Path(__file__).resolve().parents[2] / "docs" / "channels.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)
    assert blocks
    namespace: dict = {"__name__": "docs_channels"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"channels.md[block {i}]", "exec"), namespace)
