"""Sweeps and simulate() on a two-worker Dask LocalCluster: identical to the inline run, and a
sweep killed midway (the client, or a worker) resumes with its finished points untouched."""

from __future__ import annotations

import functools
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import superionic as si
from superionic import models
from superionic.sweeps.store import point_name

HONEY = functools.partial(models.interacting_honeycomb, 0.1, n0=1.0, a=3.5)


@pytest.fixture(scope="module")
def dask_client():
    """A two-worker Dask LocalCluster (processes, small memory limits, no dashboard)."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           memory_limit="1.5GiB", dashboard_address=None)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
GRID = {"K0": [0.0, 0.08], "temperature": [500.0, 700.0]}
OPTS = {"supercell": (6, 6), "steps": 60}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_simulate_on_dask_equals_inline(dask_client):
    kw = dict(temperature=600.0, supercell=(6, 6), steps=80, seed=3, replicas=2)
    on_dask = si.simulate(HONEY(K0=0.05), executor=dask_client, **kw)
    on_executor = si.simulate(HONEY(K0=0.05), executor=dask_client.get_executor(), **kw)
    inline = si.simulate(HONEY(K0=0.05), executor="inline", **kw)
    for ds in (on_dask, on_executor):
        np.testing.assert_array_equal(ds.block_hop_probability.values,
                                      inline.block_hop_probability.values)
        np.testing.assert_array_equal(ds.msd_tracer.values, inline.msd_tracer.values)
        assert ds.tracer_diffusion.values == inline.tracer_diffusion.values


def test_sweeps_on_dask_equal_inline(dask_client, tmp_path: Path):
    sim = si.sweep("simulation", HONEY, GRID, seed=2, executor=dask_client, progress=False,
                   store=tmp_path / "sim", **OPTS)
    assert sim.identical(si.sweep("simulation", HONEY, GRID, seed=2, executor="inline",
                                  progress=False, **OPTS))
    cond = si.sweep("conductivity", models.two_site_chain,
                    {"P0": [0.1, 0.3], "gamma": [0.0, 0.5], "field": [0.0, 0.4]},
                    executor=dask_client.get_executor(), progress=False)
    assert cond.identical(si.sweep("conductivity", models.two_site_chain,
                                   {"P0": [0.1, 0.3], "gamma": [0.0, 0.5], "field": [0.0, 0.4]},
                                   executor="inline", progress=False))


KILLED_CLIENT = textwrap.dedent("""
    import functools, os, signal, sys
    import superionic as si
    from superionic import models

    def die_after_two(done, total):
        if done == 2:
            os.kill(os.getpid(), signal.SIGKILL)

    si.sweep("simulation", functools.partial(models.interacting_honeycomb, 0.1, n0=1.0, a=3.5),
             {"K0": [0.0, 0.08], "temperature": [500.0, 700.0]}, seed=2, executor="inline",
             store=sys.argv[1], progress=die_after_two, supercell=(6, 6), steps=60)
""")


def test_killed_client_resumes_on_dask(dask_client, tmp_path: Path):
    store = tmp_path / "store"
    script = tmp_path / "run.py"
    script.write_text(KILLED_CLIENT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(si.__file__).parents[1]), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, str(script), str(store)], env=env,
                          capture_output=True, timeout=300)
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]
    finished = sorted(p.name for p in (store / "points").glob("point-*.nc"))
    assert finished == [point_name(0), point_name(1)]
    before = {name: (_digest(store / "points" / name),
                     (store / "points" / name).stat().st_mtime_ns) for name in finished}
    seen = []
    resumed = si.sweep("simulation", HONEY, GRID, seed=2, executor=dask_client, store=store,
                       progress=lambda done, total: seen.append(done), **OPTS)
    assert sorted(seen) == [3, 4]  # only the two missing points ran
    after = {name: (_digest(store / "points" / name),
                    (store / "points" / name).stat().st_mtime_ns) for name in finished}
    assert after == before
    fresh = si.sweep("simulation", HONEY, GRID, seed=2, executor="inline", progress=False,
                     **OPTS)
    assert resumed.identical(fresh)


@pytest.mark.slow
def test_killed_worker_is_replaced_and_the_result_unchanged(dask_client, tmp_path: Path):
    grid = {"K0": [0.0, 0.04, 0.08], "temperature": [500.0, 700.0]}
    killed = []

    def kill_a_worker(done, total):
        if done == 1:
            pids = dask_client.run(os.getpid)
            victim = sorted(pids)[0]
            # SIGKILL one worker process: the scheduler reschedules its tasks, the nanny
            # starts a new worker
            os.kill(pids[victim], signal.SIGKILL)
            killed.append(victim)

    ds = si.sweep("simulation", HONEY, grid, seed=9, executor=dask_client,
                  store=tmp_path / "w", progress=kill_a_worker, **OPTS)
    assert killed
    assert ds.identical(si.sweep("simulation", HONEY, grid, seed=9, executor="inline",
                                 progress=False, **OPTS))
    dask_client.wait_for_workers(2, timeout=60)
