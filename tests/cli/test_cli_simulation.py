"""CLI ``superionic simulate`` and the simulation figures (small inputs, files in tmp_path)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from click.testing import CliRunner

from superionic import io as sio
from superionic import models
from superionic.cli import main
from superionic.plot.simulation import plot_blocks, plot_msd, plot_series
from superionic.simulation import simulate

SPEC = """
name = "interacting chain"
model = "interacting_chain"
cell_volume = 60.0

[parameters]
lambda0 = 0.25
K0 = 0.5
M0 = 0.25
n0 = 1.0
a = 4.0
tau = 1e-13
"""


def test_cli_simulate_writes_netcdf_json_png(tmp_path: Path):
    spec = tmp_path / "chain.toml"
    spec.write_text(SPEC)
    out = tmp_path / "out" / "run.nc"
    res = CliRunner().invoke(main, [
        "simulate", str(spec), "-T", "900", "--supercell", "20", "--steps", "4000", "--seed",
        "1", "--field", "0.05", "-o", str(out), "--no-progress"])
    assert res.exit_code == 0, res.output
    ds = sio.read_netcdf(out)
    assert ds.attrs["hops"] > 0 and "drift_velocity" in ds
    info = json.loads(out.with_suffix(".json").read_text())
    assert info["attempts"] == 4000 * 20 and "conductivity" in info
    assert out.with_suffix(".png").stat().st_size > 0


def test_cli_simulate_bad_input_is_a_clean_error(tmp_path: Path):
    spec = tmp_path / "chain.toml"
    spec.write_text(SPEC)
    res = CliRunner().invoke(main, [
        "simulate", str(spec), "-T", "900", "--supercell", "2", "--steps", "100", "--seed", "1",
        "--no-progress", "-o", str(tmp_path / "x.nc")])
    assert res.exit_code == 1
    assert "supercell" in res.output and "Traceback" not in res.output


def test_plots_return_axes():
    m = models.interacting_honeycomb(0.08, 0.05, n0=1.0)
    ds = simulate(m, temperature=500.0, supercell=(6, 6), steps=2000, seed=1, replicas=2,
                  executor="inline")
    for ax in (plot_msd(ds), plot_blocks(ds), plot_series([1, 2], [3, 4], [0.1, 0.1])):
        assert ax.figure is not None
        plt.close(ax.figure)
