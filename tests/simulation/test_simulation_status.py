"""What a simulation result says about itself: too short to measure, outside the discrete-time
domain, quantities not measured (NaN, never a number that reads as a measurement)."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import superionic as si
from superionic import io as sio
from superionic.cli import main
from superionic.errors import DomainWarning

SPECS = Path(__file__).resolve().parents[2] / "examples" / "specs"


@pytest.fixture(scope="module")
def chain():
    return si.models.two_site_chain(P0=0.3, gamma=0.4, a=2.0)


def _run(model, **kw):
    base = dict(supercell=[16], steps=400, seed=3, executor="inline")
    base.update(kw)
    return si.simulate(model, **base)


def test_a_run_that_measures_is_ok_and_leaves_the_unmeasured_maximum_nan(chain):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DomainWarning)
        ds = _run(chain)
    assert ds.attrs["status"] == "ok" and ds.attrs["measured"] == 1
    assert float(ds["tracer_diffusion"]) > 0 and np.isfinite(float(ds["tracer_diffusion_stderr"]))
    # P0 (1 + gamma) = 0.42 <= 1: the fast path never evaluates the total out-probability
    assert math.isnan(ds.attrs["max_out_probability"])
    assert ds.attrs["max_out_probability_table"] == pytest.approx(0.3 * 1.4 / 1.0, rel=1e-12)


def test_one_measured_block_has_estimates_but_no_error_bars(chain):
    ds = _run(chain, steps=2000, block=2000, seed=1)
    assert ds.attrs["measured"] == 1 and "no error bar" in ds.attrs["status"]
    assert float(ds["tracer_diffusion"]) > 0
    assert np.isnan(float(ds["tracer_diffusion_stderr"]))  # never 0, an exact-looking error


def test_a_run_too_short_says_so_and_measures_nothing():
    # cold: no hop at all in 3 steps, so a diffusion coefficient of 0 would not be a measurement
    ds = _run(sio.load_model(SPECS / "chain.toml"), steps=3, seed=1, temperature=300.0)
    assert ds.attrs["measured"] == 0
    assert ds.attrs["status"].startswith("too short to measure")
    assert "no hop was executed" in ds.attrs["status"]
    for name in ("tracer_diffusion", "jump_diffusion", "hop_probability", "msd_tracer"):
        assert np.all(np.isnan(ds[name].values)), name
        assert np.all(np.isnan(ds[name + "_stderr"].values)), name


def test_outside_the_domain_warns_and_says_so_in_the_dataset():
    model = sio.load_model(SPECS / "chain_fig3c.toml")  # P0 (1 + gamma) = 1.128 > 1
    with pytest.warns(DomainWarning, match=r"outside the discrete-time domain.*1\.128"):
        ds = _run(model, steps=200)
    assert ds.attrs["in_domain"] == 0
    assert ds.attrs["status"].startswith("outside the discrete-time domain")
    assert ds.attrs["saturated_attempts"] > 0
    assert 1.0 < ds.attrs["max_out_probability"] <= 1.128 + 1e-12


def test_cli_simulate_short_run_writes_a_figure_that_says_so(tmp_path):
    out = tmp_path / "short.nc"
    result = CliRunner().invoke(main, [
        "simulate", str(SPECS / "chain.toml"), "-T", "600", "--supercell", "16", "--steps", "3",
        "--seed", "1", "--no-progress", "--executor", "inline", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "too short to measure" in result.stderr
    assert "tracer D = 0" not in result.output
    summary = json.loads(out.with_suffix(".json").read_text())
    assert summary["measured"] == 0 and summary["tracer_diffusion"] is None
    assert summary["max_out_probability"] is None
    assert out.with_suffix(".png").stat().st_size > 0


def test_cli_simulate_outside_the_domain_warns_on_the_console(tmp_path):
    out = tmp_path / "dom.nc"
    result = CliRunner().invoke(main, [
        "simulate", str(SPECS / "chain_fig3c.toml"), "--supercell", "16", "--steps", "200",
        "--seed", "1", "--no-progress", "--executor", "inline", "-o", str(out), "--no-plot"])
    assert result.exit_code == 0, result.output
    assert "warning: outside the discrete-time domain" in result.stderr
    summary = json.loads(out.with_suffix(".json").read_text())
    assert summary["in_domain"] == 0 and summary["max_out_probability"] > 1
