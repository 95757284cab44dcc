"""Sweeps without Dask: grids, the three tasks against direct calls and closed forms, the store
(atomic point files, resume, refusal of a foreign store), specs and the CLI."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import superionic as si
from superionic import io as sio
from superionic import models
from superionic.cli import main
from superionic.sweeps import Grid, Store, load_sweep, read_sweep_spec, run_point
from superionic.sweeps.store import point_name

HONEY = functools.partial(models.interacting_honeycomb, 0.1, n0=1.0, a=3.5)


def test_grid_order_and_validation():
    g = Grid.from_mapping({"temperature": [300, 400, 500], "K0": [0.1, 0.2]})
    assert g.shape == (3, 2) and g.size == 6
    assert g.point(1) == {"temperature": 300, "K0": 0.2}  # last axis fastest
    assert g.point(5) == {"temperature": 500, "K0": 0.2}
    assert g.values[0].dtype == np.int64
    for bad in ({}, {"T": [1.0, 1.0]}, {"T": [np.nan]}, {"T": []}, {"1x": [1.0]},
                {"T": ["a"]}, {"T": [[1.0, 2.0]]}):
        with pytest.raises(si.ModelError):
            Grid.from_mapping(bad)


def test_conductivity_sweep_matches_chain_closed_forms():
    # D = a^2 P0 (1 - gamma^2) / (8 tau);
    # full-coupling drift v = (a / 2 tau) P0 (1 - gamma^2) sinh(f a / 2)
    a, tau = 1.7, 2.5
    factory = functools.partial(models.two_site_chain, a=a, tau=tau)
    grid = {"P0": [0.2, 0.4], "gamma": [0.0, 0.3, -0.5], "field": [0.0, 0.3, 1.1]}
    ds = si.sweep("conductivity", factory, grid, executor="inline", progress=False,
                  coupling="full")
    assert ds.diffusion.dims == ("P0", "gamma", "field", "direction", "direction2")
    p0 = ds.P0.values[:, None, None]
    g = ds.gamma.values[None, :, None]
    f = ds.field.values[None, None, :]
    d_exact = a**2 * p0 * (1 - g**2) / (8 * tau)
    np.testing.assert_allclose(ds.diffusion.values[..., 0, 0], np.broadcast_to(d_exact, (2, 3, 3)),
                               rtol=1e-12)
    v_exact = a / (2 * tau) * p0 * (1 - g**2) * np.sinh(f * a / 2)
    np.testing.assert_allclose(ds.drift_velocity.values[..., 0], v_exact, rtol=1e-12, atol=1e-15)


def test_conductivity_sweep_in_siemens_and_field_direction():
    model = models.interacting_honeycomb(0.1, 0.0, a=3.5, tau=1e-13)
    grid = {"temperature": [500.0, 800.0], "field": [0.2]}
    ds = si.sweep("conductivity", model, grid, executor="inline", progress=False,
                  cell_volume=40.0, field_direction=(0.0, 2.0))
    for k, t in enumerate(grid["temperature"]):
        sigma = si.conductivity_tensor(model, temperature=t, cell_volume=40.0)
        np.testing.assert_array_equal(ds.conductivity.values[k, 0], sigma)
        v = si.drift_velocity(model, field=[0.0, 0.2], temperature=t)
        np.testing.assert_array_equal(ds.drift_velocity.values[k, 0], v)
    assert ds.conductivity.attrs["units"] == "S/cm" and ds.temperature.attrs["units"] == "K"
    with pytest.raises(si.ModelError, match="field_direction"):
        si.sweep("conductivity", model, grid, executor="inline", progress=False,
                 field_direction=(1.0, 0.0, 0.0))


def test_meanfield_sweep_is_the_stable_branch_of_solve():
    grid = {"K0": [0.02, 0.06], "temperature": [300.0, 900.0]}
    ds = si.sweep("meanfield", HONEY, grid, executor="inline", progress=False)
    for i, k0 in enumerate(grid["K0"]):
        for j, t in enumerate(grid["temperature"]):
            sols = si.meanfield.solve(HONEY(K0=k0), temperature=t)
            ok = [s for s in sols if s.stable and s.valid]
            assert ds.n_solutions.values[i, j] == len(sols.solutions)
            assert ds.gamma.values[i, j] == max(s.gamma for s in ok)
    assert ds.gamma.values[1, 0] > 0.5  # ordered at K0 = 0.06 eV, 300 K
    assert ds.gamma.values[0, 1] == 0.0


def test_fixed_model_refuses_model_parameters_and_unknown_options():
    with pytest.raises(si.ModelError, match="model parameters"):
        si.sweep("conductivity", HONEY(K0=0.0), {"K0": [0.1]}, executor="inline", progress=False)
    with pytest.raises(si.ModelError, match="options"):
        si.sweep("conductivity", HONEY(K0=0.0), {"temperature": [300.0]}, executor="inline",
                 progress=False, steps=3)
    with pytest.raises(si.ModelError, match="seed"):
        si.sweep("simulation", HONEY, {"K0": [0.1]}, executor="inline", progress=False,
                 supercell=(6, 6), steps=10)
    with pytest.raises(si.ModelError, match="task"):
        si.sweep("nope", HONEY, {"K0": [0.1]})


def _sim(executor, store=None, seed=11, **kw):
    return si.sweep("simulation", HONEY, {"K0": [0.0, 0.08], "temperature": [500.0, 700.0]},
                    seed=seed, executor=executor, store=store, progress=False,
                    supercell=(6, 6), steps=60, **kw)


def test_simulation_sweep_seeds_and_executors(tmp_path: Path):
    inline = _sim("inline")
    assert inline.tracer_diffusion.dims == ("K0", "temperature")
    # point k runs simulate() with the k-th spawned seed
    child = np.random.SeedSequence(11).spawn(4)[3]
    direct = si.simulate(HONEY(K0=0.08), temperature=700.0, supercell=(6, 6), steps=60,
                         seed=child, executor="inline")
    assert inline.tracer_diffusion.values[1, 1] == direct.tracer_diffusion.values
    np.testing.assert_array_equal(inline.msd_tracer.values[1, 1], direct.msd_tracer.values)
    assert inline.hops.values[1, 1] == direct.attrs["hops"]
    assert "wall_time" not in inline.attrs
    # distinct points get distinct streams
    assert inline.hops.values[0, 0] != inline.hops.values[0, 1]
    root = np.random.SeedSequence(11)
    assert _sim("inline", seed=root).identical(inline)
    assert _sim("inline", seed=root).identical(inline)  # the root is not advanced
    procs = _sim("processes", tmp_path / "s")
    assert procs.identical(inline)
    from_store = load_sweep(tmp_path / "s")
    assert from_store.identical(inline)
    # the NetCDF round trip keeps every value and dtype of a point
    point = Store(tmp_path / "s").read_point(3)
    direct_point = run_point("simulation", HONEY, {"K0": 0.08, "temperature": 700.0},
                             {"supercell": (6, 6), "steps": 60},
                             np.random.SeedSequence(11).spawn(4)[3])
    for name, var in direct_point.variables.items():
        assert point[name].dtype == var.dtype, name
        np.testing.assert_array_equal(point[name].values, var.values)
    for name in inline.variables:
        assert from_store[name].dtype == inline[name].dtype


def test_simulation_field_axis_through_zero():
    ds = si.sweep("simulation", functools.partial(HONEY, K0=0.05),
                  {"temperature": [600.0], "field": [0.0, 0.05]}, seed=3, executor="inline",
                  progress=False, supercell=(6, 6), steps=40)
    assert np.isnan(ds.mobility.values[0, 0]) and np.isfinite(ds.mobility.values[0, 1])
    assert ds.mobility.attrs["missing_points"] == 1
    assert "tracer_diffusion" in ds and "missing_points" not in ds.tracer_diffusion.attrs


def test_store_layout_resume_and_atomic_points(tmp_path: Path):
    store = tmp_path / "store"
    calls = []
    grid = {"P0": [0.1, 0.2, 0.3], "gamma": [0.0, 0.4]}

    def count(done, total):
        calls.append(done)

    full = si.sweep("conductivity", models.two_site_chain, grid, store=store,
                    executor="inline", progress=count)
    assert calls == [1, 2, 3, 4, 5, 6]
    manifest = json.loads((store / "manifest.json").read_text())
    assert manifest["grid"]["shape"] == [3, 2] and manifest["task"] == "conductivity"
    files = sorted(p.name for p in (store / "points").iterdir())
    assert files == [point_name(k) for k in range(6)]
    # remove two points, keep the others' bytes and times: a resume computes only the missing
    os.remove(store / "points" / point_name(1))
    os.remove(store / "points" / point_name(4))
    stamps = {k: (store / "points" / point_name(k)).stat().st_mtime_ns for k in (0, 2, 3, 5)}
    (store / "points" / ".point-000001.nc.abc.tmp").write_bytes(b"partial")  # a killed write
    calls.clear()
    again = si.sweep("conductivity", models.two_site_chain, grid, store=store,
                     executor="inline", progress=count)
    assert calls == [5, 6]
    assert again.identical(full)
    assert all((store / "points" / point_name(k)).stat().st_mtime_ns == s
               for k, s in stamps.items())
    # another sweep may not reuse the store
    with pytest.raises(si.ModelError, match="grid"):
        si.sweep("conductivity", models.two_site_chain, {"P0": [0.1], "gamma": [0.0]},
                 store=store, executor="inline", progress=False)
    # unless told to overwrite it
    calls.clear()
    si.sweep("conductivity", models.two_site_chain, grid, store=store, executor="inline",
             progress=count, resume=False)
    assert calls == [1, 2, 3, 4, 5, 6]
    st = Store(store)
    assert st.read_point(2).attrs["sweep_point"] == 2


def test_spec_parameters_and_dotted_paths():
    canned = sio.parse_spec({"model": "interacting_honeycomb",
                             "parameters": {"lambda0": 0.1, "K0": 0.05, "a": 3.5}})
    ds = si.sweep("conductivity", canned, {"lambda0": [0.1, 0.2], "temperature": [600.0]},
                  executor="inline", progress=False)
    ref = si.diffusion_tensor(models.interacting_honeycomb(0.2, 0.05, a=3.5), temperature=600.0)
    np.testing.assert_array_equal(ds.diffusion.values[1, 0], ref)
    explicit = sio.parse_spec(sio.model_to_toml(models.interacting_honeycomb(0.1, 0.05, a=3.5)))
    ds2 = si.sweep("meanfield", explicit, {"interactions.K0": [0.02, 0.06],
                                           "temperature": [300.0]},
                   executor="inline", progress=False)
    assert ds2.gamma.dims == ("interactions_K0", "temperature")
    assert ds2.gamma.values[1, 0] > 0.5
    with pytest.raises(si.ModelError):
        si.sweep("meanfield", explicit, {"sites.7.energy": [0.0], "temperature": [300.0]},
                 executor="inline", progress=False)


SPEC = """
model = "interacting_honeycomb"
cell_volume = 40.0
[parameters]
lambda0 = 0.1
K0 = 0.05
a = 3.5
tau = 1e-13

[sweep]
task = "simulation"
seed = 5
[sweep.grid]
temperature = [500.0, 700.0]
K0 = { start = 0.0, stop = 0.08, num = 2 }
[sweep.options]
supercell = [6, 6]
steps = 40
engine = "kmc"
"""


def test_sweep_spec_validation(tmp_path: Path):
    bad = SPEC.replace("num = 2", "num = 0").replace('engine = "kmc"', 'engine = "fast"')
    path = tmp_path / "bad.toml"
    path.write_text(bad)
    with pytest.raises(sio.SpecError) as err:
        read_sweep_spec(path)
    assert "sweep.grid.K0" in str(err.value) and "num" in str(err.value)
    path.write_text(SPEC.replace('engine = "kmc"', 'engine = "fast"'))
    with pytest.raises(sio.SpecError, match=r"sweep\.options\.engine"):
        read_sweep_spec(path)
    path.write_text(SPEC.replace("seed = 5\n", ""))
    with pytest.raises(sio.SpecError, match=r"sweep\.seed"):
        read_sweep_spec(path)
    path.write_text(SPEC)
    model_spec, spec = read_sweep_spec(path)
    assert spec.grid_values() == {"temperature": [500.0, 700.0], "K0": [0.0, 0.08]}
    assert spec.task_options(model_spec) == {"supercell": (6, 6), "steps": 40.0, "engine": "kmc",
                                             "cell_volume": 40.0}


CONDUCTIVITY_SPEC = SPEC.split("[sweep]")[0] + """
[sweep]
task = "conductivity"
field_direction = [0.0, 1.0]
[sweep.grid]
temperature = { start = 400.0, stop = 1600.0, num = 4, scale = "log" }
field = [0.0, 0.1]
"""


def test_cli_sweep_runs_and_resumes(tmp_path: Path):
    path = tmp_path / "honey.toml"
    path.write_text(CONDUCTIVITY_SPEC)
    res = CliRunner().invoke(main, ["sweep", str(path), "--workers", "2", "--no-progress"])
    assert res.exit_code == 0, res.output
    out = sio.read_netcdf(tmp_path / "honey.nc")
    assert out.conductivity.dims == ("temperature", "field", "direction", "direction2")
    np.testing.assert_array_equal(out.temperature.values, np.geomspace(400.0, 1600.0, 4))
    model = models.interacting_honeycomb(0.1, 0.05, a=3.5, tau=1e-13)
    t = float(out.temperature[2])
    np.testing.assert_array_equal(out.conductivity.values[2, 0],
                                  si.conductivity_tensor(model, temperature=t, cell_volume=40.0))
    v = si.drift_velocity(model, field=[0.0, 0.1], temperature=t)
    np.testing.assert_array_equal(out.drift_velocity.values[2, 1], v)
    again = CliRunner().invoke(main, ["sweep", str(path), "--no-progress"])
    assert again.exit_code != 0 and "--resume" in again.output
    os.remove(tmp_path / "honey.sweep" / "points" / point_name(3))
    res = CliRunner().invoke(main, ["sweep", str(path), "--resume", "--workers", "1",
                                    "--no-progress", "-o", str(tmp_path / "r.nc")])
    assert res.exit_code == 0, res.output
    assert sio.read_netcdf(tmp_path / "r.nc").identical(out)
    res = CliRunner().invoke(main, ["sweep", str(path), "--workers", "2", "--scheduler", "x"])
    assert res.exit_code != 0


def test_run_point_is_a_plain_function():
    ds = run_point("conductivity", models.two_site_chain, {"P0": 0.4, "gamma": 0.2}, {})
    assert ds.diffusion.shape == (1, 1)


@pytest.mark.parametrize("name", ["temperature", "filling"])
def test_grid_refuses_non_positive_temperature_and_filling(name):
    from superionic.errors import ModelError
    from superionic.sweeps import Grid

    with pytest.raises(ModelError, match=rf"grid\['{name}'\] must hold values > 0.*-5"):
        Grid.from_mapping({name: [300.0, -5.0]})


def test_malformed_sweep_spec_names_the_line(tmp_path):
    from superionic.io import SpecError
    from superionic.sweeps import read_sweep_spec

    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nvectors = [[4.0]]\n[[sites]\n')
    with pytest.raises(SpecError) as info:
        read_sweep_spec(bad)
    text = str(info.value)
    assert "malformed TOML" in text and "line 3" in text and "None" not in text
