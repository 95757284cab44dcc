"""Replicas and parameter points through one executor; blocks, tracer origins and checkpoints.

A replica runs ``n_blocks`` blocks of ``block`` steps (discrete time) or ``block`` units of tau
(kinetic Monte Carlo). Each block is a new tracer origin: at lags ``lags`` (offsets inside the
block, the last one the block length) the engine reports the sums over ions of the displacement
since the block start and of its outer product, from which the tracer and collective mean-square
displacements follow. The block totals (hops, attempts, polarization moments, collective
displacement) are the raw data of :mod:`.observables`.

Randomness: each replica gets its own :class:`numpy.random.SeedSequence` child, which seeds the
kernels' xoshiro256** state; nothing else draws random numbers. A checkpoint holds the engine
state, the generator state and the blocks done, so a resumed replica continues the very same
trajectory and ends with identical statistics. An interruption (``KeyboardInterrupt``, or
:data:`STOP` for replicas in threads) saves the state at the end of the last finished block before
the exception propagates; :func:`run_tasks` forwards it to worker processes as SIGINT.

Executors: anything with ``submit(fn, *args) -> Future`` (``concurrent.futures`` pools, a Dask
``client.get_executor()`` or the ``distributed.Client`` itself) runs the tasks; by default
replicas run in local processes (one per core, at most one per task), a single task runs in the
calling process.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..lattice import HoppingModel
from ._rng import state_from_seed
from .engine import DiscreteEngine, n_accumulators
from .kmc import KMCEngine
from .supercell import build_rules, compile_supercell


@dataclass(frozen=True)
class RunSpec:
    """Everything one replica needs (picklable; sent to the executor's workers)."""

    model: HoppingModel
    temperature: float | None
    field: tuple[float, ...] | None
    coupling: str
    repeats: tuple[int, ...]
    n_ions: int
    engine: str
    update: str
    concerted: str
    n_blocks: int
    block: float
    lags: tuple[float, ...]
    sign: tuple[float, ...]
    initial: str = "random"
    checkpoint_interval: float = 60.0
    extra: dict = field(default_factory=dict, compare=False)

    def key(self) -> str:
        """Stable hash of what determines the trajectory (checkpoint compatibility)."""
        text = repr((
            self.model, self.temperature, self.field, self.coupling, self.repeats, self.n_ions,
            self.engine, self.update, self.concerted, self.n_blocks, self.block, self.lags,
            self.sign, self.initial,
        ))
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def make_engine(spec: RunSpec):
    """Compile the model on the supercell and build the engine of ``spec``."""
    rules = build_rules(
        spec.model, temperature=spec.temperature, field=spec.field, coupling=spec.coupling
    )
    kmc = spec.engine == "kmc"
    cell = compile_supercell(rules, spec.model, spec.repeats, kmc=kmc)
    if kmc:
        return KMCEngine(rules, cell, spec.n_ions, np.array(spec.sign))
    return DiscreteEngine(rules, cell, spec.n_ions, np.array(spec.sign), update=spec.update,
                          concerted=spec.concerted)


def _place(engine, spec: RunSpec, rng) -> None:
    if spec.initial == "random":
        engine.place_random(rng)
        return
    # "sublattice": fill the sites of positive weight first, in random order
    cell = engine.cell
    weights = np.array(spec.sign)[np.arange(cell.n_sites) % cell.n_basis]
    order = np.argsort(-weights, kind="stable")
    n_pos = int(np.sum(weights > 0))
    head = order[:n_pos]
    # shuffle within the preferred and the other sites: a numpy generator seeded from the replica's
    # xoshiro state, which then advances by one draw
    from ._rng import next_u64

    gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(x) for x in rng])))
    next_u64(rng)
    keys = gen.random(order.size)
    preferred = head[np.argsort(keys[:n_pos])]
    rest = order[n_pos:][np.argsort(keys[n_pos:])]
    sites = np.concatenate([preferred, rest])[: spec.n_ions]
    engine.place_sites(sites)


def _empty_records(spec: RunSpec, dim: int) -> dict:
    nb, nl = spec.n_blocks, len(spec.lags)
    return {
        "acc": np.zeros((nb, n_accumulators(dim))),
        "first": np.zeros((nb, nl, dim)),
        "second": np.zeros((nb, nl, dim, dim)),
        "fluct": np.zeros((nb, 2)),
        "wall": np.zeros(nb),
    }


#: Set to ask running replicas (threads of this process) to stop at the next lag and keep the
#: blocks they finished; processes are asked with SIGINT (see :func:`run_tasks`).
STOP = threading.Event()


def _save(path: Path, key: str, state: dict, rng, done: int, records: dict) -> None:
    tmp = path.with_name(path.name + ".tmp.npz")
    arrays = {f"state_{k}": v for k, v in state.items()}
    arrays.update({f"rec_{k}": v for k, v in records.items()})
    np.savez(tmp, key=np.array(key), rng=rng, done=np.array(done), **arrays)
    os.replace(tmp, path)


def _load(path: Path, key: str, engine, rng, records: dict) -> int:
    with np.load(path) as data:
        if str(data["key"]) != key:
            raise ModelError(
                f"checkpoint {path} belongs to a different run (model, parameters or seed "
                "differ); remove it or choose another checkpoint directory"
            )
        engine.load_state({k[6:]: data[k] for k in data.files if k.startswith("state_")})
        rng[:] = data["rng"]
        for k in records:
            records[k][...] = data[f"rec_{k}"]
        return int(data["done"])


def run_replica(spec: RunSpec, seed, checkpoint: str | None = None, callback=None) -> dict:
    """Run one replica; returns its per-block records and run facts (a dict of arrays).

    Parameters
    ----------
    spec : RunSpec
    seed : SeedSequence or int
    checkpoint : str, optional
        File to save the state to (every ``spec.checkpoint_interval`` s, at the end, and when
        the run is interrupted by ``KeyboardInterrupt`` or :data:`STOP`: then the state after
        the last finished block, so that a resumed run repeats the unfinished block exactly) and
        to resume from when it exists.
    callback : callable, optional
        Called with the number of blocks done after each block (progress reporting).
    """
    t_start = time.perf_counter()
    engine = make_engine(spec)
    rng = state_from_seed(seed)
    key = spec.key() + "-" + "-".join(str(int(x)) for x in rng)
    dim = engine.dim
    records = _empty_records(spec, dim)
    done = 0
    path = Path(checkpoint) if checkpoint else None
    if path is not None and path.exists():
        done = _load(path, key, engine, rng, records)
    else:
        _place(engine, spec, rng)
    last_save = time.perf_counter()
    lags = np.asarray(spec.lags)
    # slabs of whole layers along lattice vector 0 (row-major: contiguous site ranges) for the
    # number fluctuations behind the thermodynamic factor
    cell = engine.cell
    layers = max(2, cell.repeats[0] // 32)
    n_slabs = cell.repeats[0] // layers
    slab_sites = layers * (cell.n_cells // cell.repeats[0]) * cell.n_basis
    slab_fraction = slab_sites / cell.n_sites
    if n_slabs < 2:
        n_slabs = 0
    # state after the last finished block: what an interruption saves
    boundary = None

    def snapshot():
        return ({k: np.array(v, copy=True) for k, v in engine.state().items()}, rng.copy(), done)

    if path is not None:
        boundary = snapshot()
    try:
        for b in range(done, spec.n_blocks):
            t0 = time.perf_counter()
            engine.acc[:] = 0.0
            engine.reset_tracer()
            prev = 0.0
            for k, lag in enumerate(lags):
                if STOP.is_set():
                    raise KeyboardInterrupt
                delta = lag - prev
                if spec.engine == "kmc":
                    engine.run(float(delta), rng)
                else:
                    engine.run(round(delta), rng)
                prev = lag
                first, second = engine.tracer_moments()
                records["first"][b, k] = first
                records["second"][b, k] = second
                if n_slabs:
                    counts = np.bincount(engine.ion_site // slab_sites, minlength=n_slabs + 1)
                    dev = counts[:n_slabs] - slab_fraction * engine.n_ions
                    records["fluct"][b] += (1.0, float(np.mean(dev * dev)))
            records["acc"][b] = engine.acc
            records["wall"][b] = time.perf_counter() - t0
            done = b + 1
            if path is not None:
                boundary = snapshot()
                if time.perf_counter() - last_save > spec.checkpoint_interval:
                    _save(path, key, engine.state(), rng, done, records)
                    last_save = time.perf_counter()
            if callback is not None:
                callback(done)
    except KeyboardInterrupt:
        if path is not None and boundary is not None:
            state, rng_at, done_at = boundary
            _save(path, key, state, rng_at, done_at, records)
        raise
    if path is not None:
        _save(path, key, engine.state(), rng, done, records)
    rules = engine.rules
    return {
        **records,
        "bytes_per_site": engine.bytes_per_site,
        "n_sites": engine.cell.n_sites,
        "n_cells": engine.cell.n_cells,
        "slab_fraction": slab_fraction if n_slabs else 0.0,
        "in_domain": rules.in_domain,
        "max_out_probability_table": rules.max_out_probability,
        "wall_time": time.perf_counter() - t_start,
        "final_rng": rng.copy(),
    }


class _InlineExecutor:
    """Runs tasks in the calling process (Executor-compatible submit)."""

    def submit(self, fn, *args, **kwargs):
        fut: cf.Future = cf.Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            fut.set_exception(exc)
        return fut


def resolve_executor(executor, n_tasks: int):
    """Return (executor, owned): an object with ``submit`` and whether we must shut it down."""
    if executor is None:
        executor = "processes" if n_tasks > 1 and (os.cpu_count() or 1) > 1 else "inline"
    if isinstance(executor, str):
        if executor in ("inline", "serial"):
            return _InlineExecutor(), False
        workers = max(1, min(n_tasks, os.cpu_count() or 1))
        if executor == "processes":
            import multiprocessing as mp

            # fork where available: scripts need no __main__ guard and workers start with the
            # compiled kernels already loaded
            methods = mp.get_all_start_methods()
            ctx = mp.get_context("fork" if "fork" in methods else "spawn")
            return cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx), True
        if executor == "threads":
            return cf.ThreadPoolExecutor(max_workers=workers), True
        raise ModelError(
            f"executor must be 'inline', 'processes', 'threads' or an object with submit(), got "
            f"{executor!r}"
        )
    if hasattr(executor, "get_executor") and hasattr(executor, "scheduler_info"):
        return executor.get_executor(), False  # a distributed.Client: its futures are cf.Futures
    if not hasattr(executor, "submit"):
        raise ModelError(f"executor must have a submit() method, got {type(executor).__name__}")
    return executor, False


def run_tasks(tasks, *, executor=None, progress=False, total_blocks=None) -> list[dict]:
    """Run ``(spec, seed, checkpoint)`` tasks through one executor; results in task order.

    ``progress``: False, True (a tqdm bar over blocks) or a callable taking the number of blocks
    done so far (all tasks together).
    """
    tasks = list(tasks)
    ex, owned = resolve_executor(executor, len(tasks))
    inline = isinstance(ex, _InlineExecutor)
    bar = None
    counter = {"done": 0}
    if total_blocks is None:
        total_blocks = sum(t[0].n_blocks for t in tasks)
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=total_blocks, unit="block", desc="simulate")

    def advance(n):
        counter["done"] += n
        if bar is not None:
            bar.update(n)
        elif callable(progress):
            progress(counter["done"])

    STOP.clear()
    try:
        futures = []
        for spec, seed, ckpt in tasks:
            if inline:
                last = {"n": 0}

                def cb(done, last=last):
                    advance(done - last["n"])
                    last["n"] = done

                futures.append(ex.submit(run_replica, spec, seed, ckpt, cb))
                futures[-1].result()  # surface errors (and interruptions) at once
            else:
                futures.append(ex.submit(run_replica, spec, seed, ckpt))
        if not inline:
            index = {f: i for i, f in enumerate(futures)}
            for fut in cf.as_completed(futures):
                fut.result()
                advance(tasks[index[fut]][0].n_blocks)
        return [f.result() for f in futures]
    except KeyboardInterrupt:
        # ask every replica to keep its finished blocks: threads through STOP, worker processes
        # with SIGINT (a terminal's Ctrl-C reaches them anyway; SIGTERM reaches only this one)
        STOP.set()
        for proc in list(getattr(ex, "_processes", None) or {}).copy():
            pid = getattr(proc, "pid", proc)
            try:
                os.kill(int(pid), signal.SIGINT)
            except (OSError, TypeError, ValueError):
                pass
        raise
    finally:
        if bar is not None:
            bar.close()
        if owned:
            ex.shutdown(wait=True, cancel_futures=True)
