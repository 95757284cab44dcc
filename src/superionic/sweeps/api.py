"""The :func:`sweep` entry point and :func:`load_sweep`."""

from __future__ import annotations

import concurrent.futures as cf
import json
import tempfile
import time

import numpy as np
import xarray as xr

from .. import io as sio
from ..errors import ModelError
from ..lattice import HoppingModel
from .executors import InlineExecutor, resolve
from .grid import Grid
from .store import Manifest, Store, combine
from .tasks import TASKS, build_model, run_point


def _describe_model(source) -> str:
    if isinstance(source, HoppingModel):
        return repr(source)
    if isinstance(source, sio.CannedSpec | sio.ExplicitSpec):
        return json.dumps(source.model_dump(), sort_keys=True, default=repr)
    name = getattr(source, "__qualname__", None) or type(source).__qualname__
    module = getattr(source, "__module__", None) or type(source).__module__
    keywords = getattr(source, "keywords", None)
    inner = getattr(source, "func", None)
    if inner is not None:  # functools.partial
        name = f"partial({inner.__module__}.{inner.__qualname__}, {keywords!r})"
        return name
    return f"{module}.{name}"


def _point_facts(index: int, point: dict, wall: float) -> dict:
    return {"sweep_point": index, "sweep_wall_time_s": wall,
            "sweep_point_values": json.dumps(point)}


def _timed_point(task, source, point, options, seed, store=None, index=None):
    """Compute one point; with ``store``, also write it there (workers that share the
    caller's file system write their own points, in parallel)."""
    t0 = time.perf_counter()
    ds = run_point(task, source, point, options, seed)
    wall = time.perf_counter() - t0
    if store is not None:
        Store(store).write_point(index, ds.assign_attrs(_point_facts(index, point, wall)))
    return ds, wall


def sweep(task: str, model, grid, *, executor=None, store=None, resume: bool = True,
          progress=True, seed=None, **options) -> xr.Dataset:
    """Run ``task`` over the outer product of ``grid``; one Dataset with the grid as dimensions.

    Parameters
    ----------
    task : {"conductivity", "meanfield", "simulation"}
        ``conductivity``: exact single-particle transport (diffusion, mobility and drift from the
        stable Bloch mode, Eqs. 20-22 and 27; conductivity in S/cm with a temperature and a
        ``cell_volume`` or a 3D lattice). ``meanfield``: the self-consistent mean field (Sec. IV)
        and its stable branch. ``simulation``: :func:`superionic.simulate` at every point.
    model : HoppingModel, callable or model spec
        A fixed model (only run variables may vary), a factory ``f(**parameters) ->
        HoppingModel`` or a validated spec of :mod:`superionic.io` (see
        :mod:`superionic.sweeps.tasks`). Factories must be picklable for process and Dask
        executors (a module-level function or a :func:`functools.partial` of one).
    grid : mapping
        ``{name: values}``; names are run variables (``temperature`` in K, ``field``: the reduced
        field magnitude in 1/Å along ``field_direction``, ``filling`` in ions per cell) or model
        parameters. Points are visited in C order (last axis fastest).
    executor : None, "inline", "processes", "threads", an Executor or a Dask Client
        Where points run; default: one process per core when there are several points.
        Results do not depend on it.
    store : path, optional
        Directory of the on-disk store (:mod:`superionic.sweeps.store`); each point is written
        there as it finishes. Without one, a temporary store is used and removed.
    resume : bool
        Reuse the points already in ``store`` (they are neither recomputed nor rewritten); with
        ``False`` they are removed and computed again.
    progress : bool or callable
        A tqdm bar over points (default), or a callable ``progress(done, total)`` called after
        each point is written.
    seed : int or numpy.random.SeedSequence, optional
        Required by the simulation: point k gets ``SeedSequence(seed).spawn(n_points)[k]``
        (derived without advancing a SeedSequence passed in).
    **options
        Fixed keywords of the task (see :func:`superionic.sweeps.tasks.run_point`).

    Returns
    -------
    xarray.Dataset
        The task's variables with the grid dimensions in front (dots in names become
        underscores), coordinates with units, attrs shared by every point plus ``sweep_task``
        and ``sweep_grid``. Identical (bit for bit) whatever the executor and whether or not
        the sweep was interrupted and resumed.
    """
    if task not in TASKS:
        raise ModelError(f"task must be one of {TASKS}, got {task!r}")
    g = Grid.from_mapping(grid)
    if task == "simulation" and seed is None:
        raise ModelError("seed is required for the simulation task (an int or a SeedSequence)")
    root = None
    if seed is not None:
        root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    # point k: the k-th child of the root, derived without advancing the root (a SeedSequence
    # passed twice gives the same sweep); equal to root.spawn(n)[k] for a fresh root
    seeds = [None] * g.size if root is None else [
        np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, k),
                               pool_size=root.pool_size) for k in range(g.size)]
    # fail early, in the caller, on a bad model source or grid name
    build_model(model, g.model_values(0))
    manifest = Manifest.create(task, g, options, _describe_model(model),
                               "" if root is None else f"{root.entropy}:{root.spawn_key}")
    tmpdir = None
    if store is None:
        tmpdir = tempfile.TemporaryDirectory(prefix="superionic-sweep-")
        store = tmpdir.name
    st = Store(store)
    try:
        done = set(st.open(manifest, resume=resume))
        todo = [k for k in range(g.size) if k not in done]
        computed = _run(st, task, model, g, options, seeds, todo, executor, progress, len(done))
        # points computed now are used as written (a NetCDF round trip returns them unchanged,
        # which the tests check); the others are read from the store
        points = [computed[k] if k in computed else st.read_point(k) for k in range(g.size)]
    finally:
        if tmpdir is not None:
            tmpdir.cleanup()
    return combine(g, points, task=task)


def _run(st: Store, task, model, g: Grid, options, seeds, todo, executor, progress,
         n_done) -> dict:
    bar = None
    total = g.size
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, initial=n_done, unit="point", desc=f"sweep {task}")
    counter = {"done": n_done}
    computed: dict = {}

    ex, owned = resolve(executor, len(todo)) if todo else (None, False)
    # local workers (same file system) write their own points; a cluster's results are
    # written here, so that the store needs no shared file system
    local = isinstance(ex, InlineExecutor | cf.ProcessPoolExecutor | cf.ThreadPoolExecutor)
    target = str(st.path) if local else None

    def finish(k, fut):
        ds, wall = fut.result()
        if not local:
            st.write_point(k, ds.assign_attrs(_point_facts(k, g.point(k), wall)))
        computed[k] = ds
        counter["done"] += 1
        if bar is not None:
            bar.update(1)
        elif callable(progress):
            progress(counter["done"], total)

    if not todo:
        if bar is not None:
            bar.close()
        return computed
    try:
        if isinstance(ex, InlineExecutor):
            for k in todo:
                finish(k, ex.submit(_timed_point, task, model, g.point(k), options, seeds[k],
                                    target, k))
            return computed
        futures = {ex.submit(_timed_point, task, model, g.point(k), options, seeds[k],
                             target, k): k for k in todo}
        for fut in cf.as_completed(futures):
            finish(futures[fut], fut)
        return computed
    finally:
        if bar is not None:
            bar.close()
        if owned:
            if isinstance(ex, cf.ProcessPoolExecutor | cf.ThreadPoolExecutor):
                ex.shutdown(wait=True, cancel_futures=True)
            else:  # a Dask client's executor: cancel whatever is left
                ex.shutdown(wait=False)


def load_sweep(store) -> xr.Dataset:
    """The combined Dataset of a finished store (ModelError naming the missing points)."""
    st = Store(store)
    manifest = st.read_manifest()
    if manifest is None:
        raise ModelError(f"{store} is not a sweep store (no manifest.json)")
    done = st.finished(manifest.grid.size)
    if len(done) != manifest.grid.size:
        missing = sorted(set(range(manifest.grid.size)) - set(done))
        raise ModelError(f"store {store} has {len(done)} of {manifest.grid.size} points; missing "
                         f"{missing[:10]}{' ...' if len(missing) > 10 else ''}: resume the sweep")
    return combine(manifest.grid, [st.read_point(k) for k in done], task=manifest.task)
