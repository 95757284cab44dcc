"""CLI ``superionic simulate`` and the simulation figures (small inputs, files in tmp_path)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
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


def test_plots_draw_the_dataset_values():
    m = models.interacting_honeycomb(0.08, 0.05, n0=1.0)
    ds = simulate(m, temperature=500.0, supercell=(6, 6), steps=2000, seed=1, replicas=2,
                  executor="inline")
    ax = plot_msd(ds)
    tracer, collective = (c.lines[0] for c in ax.containers)
    np.testing.assert_array_equal(tracer.get_xdata(), ds.lag.values)
    np.testing.assert_array_equal(tracer.get_ydata(), ds.msd_tracer.values)
    np.testing.assert_array_equal(collective.get_ydata(), ds.msd_collective.values)
    # error bar segments span value +- stderr
    seg = ax.containers[0].lines[2][0].get_segments()
    np.testing.assert_allclose([s[1, 1] - s[0, 1] for s in seg],
                               2 * ds.msd_tracer_stderr.values, rtol=1e-12)
    assert ax.get_xscale() == "log"
    plt.close(ax.figure)
    ax = plot_blocks(ds)
    assert len(ax.lines) == 2
    for r, line in enumerate(ax.lines):
        np.testing.assert_array_equal(line.get_ydata(),
                                      ds.block_hop_probability.sel(replica=r).values)
    assert len(ax.patches) == int(np.count_nonzero(ds.warmup_blocks.values))
    plt.close(ax.figure)
    ax = plot_series([1, 2], [3, 4], [0.1, 0.2])
    line = ax.containers[0].lines[0]
    np.testing.assert_array_equal(line.get_xdata(), [1, 2])
    np.testing.assert_array_equal(line.get_ydata(), [3, 4])
    plt.close(ax.figure)


INTERRUPT_SPEC = """
name = "interacting honeycomb"
model = "interacting_honeycomb"

[parameters]
lambda0 = 0.08
K0 = 0.05
M0 = 0.02
n0 = 1.0
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM,
                                 pytest.param(signal.SIGINT, marks=pytest.mark.slow)])
def test_cli_interrupted_run_checkpoints_and_resumes_with_identical_statistics(tmp_path, sig):
    """A signal mid-run saves the finished blocks, says where it stopped, exits non-zero."""
    spec = tmp_path / "honeycomb.toml"
    spec.write_text(INTERRUPT_SPEC)
    ckpt = tmp_path / "ckpt"
    args = ["--temperature", "500", "--supercell", "32,32", "--steps", "100000", "--block", "1000",
            "--seed", "7", "--executor", "inline"]
    cmd = [sys.executable, "-m", "superionic", "simulate", str(spec), *args, "--checkpoint",
           str(ckpt), "--no-plot", "-o", str(tmp_path / "run.nc")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(Path(__file__).resolve().parents[2] / "src"), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    seen = []

    def read_progress():
        buf = b""
        while True:
            chunk = proc.stderr.read1(256) if hasattr(proc.stderr, "read1") else b""
            if not chunk:
                break
            buf += chunk
            seen.append(buf)

    reader = threading.Thread(target=read_progress, daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    blocks = 0
    while time.monotonic() < deadline and proc.poll() is None:
        text = (seen[-1] if seen else b"").decode(errors="replace")
        found = re.findall(r"(\d+)/100 \[", text)
        blocks = int(found[-1]) if found else 0
        if blocks >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None and 3 <= blocks < 100, (blocks, seen[-1:] if seen else None)
    proc.send_signal(sig)
    proc.wait(timeout=120)
    reader.join(timeout=30)
    err = (seen[-1] if seen else b"").decode(errors="replace")
    assert proc.returncode == 128 + int(sig), (proc.returncode, err)
    assert f"interrupted by {signal.Signals(sig).name}" in err
    assert "resume by running the same command again" in err
    files = sorted(ckpt.glob("*.npz"))
    assert len(files) == 1
    with np.load(files[0]) as data:
        done = int(data["done"])
    assert f"{done} of 100 blocks" in err and 3 <= done < 100
    # resume: the same command (here in-process) finishes the run
    res = CliRunner().invoke(main, [*cmd[3:], "--no-progress"])
    assert res.exit_code == 0, res.output
    resumed = json.loads((tmp_path / "run.json").read_text())
    model = sio.spec_to_model(sio.read_spec(spec))
    full = simulate(model, temperature=500.0, supercell=(32, 32), steps=100000, block=1000,
                    seed=7, executor="inline")
    assert resumed["hops"] == full.hops and resumed["attempts"] == full.attempts
    for name in ("hop_probability", "tracer_diffusion", "jump_diffusion", "polarization",
                 "binder_cumulant"):
        assert resumed[name] == float(full[name]), name
        assert resumed[name + "_stderr"] == float(full[name + "_stderr"]), name
