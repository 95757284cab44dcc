"""Executors for grid points: inline, local processes, threads, or a Dask cluster.

Anything with ``submit(fn, *args) -> concurrent.futures.Future`` works (``concurrent.futures``
pools, :meth:`distributed.Client.get_executor`); a :class:`distributed.Client` itself is used
through its ``get_executor()``. The default is one local process per core (at most one per
task) when there is more than one task and more than one core.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import os

from ..errors import ModelError

NAMES = ("inline", "processes", "threads")


class InlineExecutor:
    """Runs each task in the calling process when it is submitted (Executor-compatible)."""

    def submit(self, fn, *args, **kwargs) -> cf.Future:
        fut: cf.Future = cf.Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # surfaced by result()
            fut.set_exception(exc)
        return fut

    def shutdown(self, wait: bool = True, **kwargs) -> None:
        return None


def process_pool(workers: int) -> cf.ProcessPoolExecutor:
    """A process pool; fork where available (workers start with the kernels loaded), unless
    the calling process runs threads of its own (a Dask client), where forking is unsafe."""
    import threading

    methods = mp.get_all_start_methods()
    method = "fork" if "fork" in methods and threading.active_count() == 1 else (
        "forkserver" if "forkserver" in methods else "spawn")
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context(method))


def resolve(executor, n_tasks: int, *, workers: int | None = None):
    """Return ``(executor, owned)``: an object with ``submit`` and whether to shut it down."""
    if executor is None:
        executor = "processes" if n_tasks > 1 and (os.cpu_count() or 1) > 1 else "inline"
    if isinstance(executor, str):
        if executor == "inline":
            return InlineExecutor(), False
        n = max(1, min(n_tasks, workers or os.cpu_count() or 1))
        if executor == "processes":
            return process_pool(n), True
        if executor == "threads":
            return cf.ThreadPoolExecutor(max_workers=n), True
        raise ModelError(f"executor must be one of {NAMES}, an Executor or a Dask Client; got "
                         f"{executor!r}")
    if hasattr(executor, "get_executor") and hasattr(executor, "scheduler_info"):
        return executor.get_executor(), True  # a distributed.Client
    if not hasattr(executor, "submit"):
        raise ModelError(f"executor must have a submit() method, got {type(executor).__name__}")
    return executor, False
