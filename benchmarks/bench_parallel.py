"""Speed-up of independent replicas and sweep points on every core; prints a table.

Usage: ``python benchmarks/bench_parallel.py [--quick]``

Each case runs the same work twice from the same seed, serially in this process
(``executor="inline"``) and with the default executor (one process per core), checks that the
results are identical and prints the wall times, the speed-up, the CPU seconds used per wall
second (the number of cores the run kept busy) and the load average of the machine before and
after (other work on a shared machine lowers the speed-up).
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import time

import numpy as np

import superionic as si
from superionic import models

HONEY = functools.partial(models.interacting_honeycomb, 0.10, n0=1.0, a=3.5)


def _cpu() -> float:
    """CPU seconds of this process and of its finished child processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(func):
    """(result, wall seconds, CPU seconds per wall second: 2 means two cores kept busy)."""
    t0, c0 = time.perf_counter(), _cpu()
    out = func()
    wall = time.perf_counter() - t0
    return out, (wall, (_cpu() - c0) / wall)


def replicas_case(steps: float):
    kw = dict(temperature=600.0, supercell=(64, 64), steps=steps, seed=1, engine="kmc",
              replicas=os.cpu_count() or 1)
    serial, t_serial = timed(lambda: si.simulate(HONEY(K0=0.05), executor="inline", **kw))
    parallel, t_par = timed(lambda: si.simulate(HONEY(K0=0.05), **kw))
    same = all(np.array_equal(serial[v].values, parallel[v].values)
               for v in ("tracer_diffusion", "msd_tracer", "block_hop_probability"))
    return f"simulate(), {kw['replicas']} replicas (kmc, 8192 sites)", t_serial, t_par, same


def sweep_case(steps: float):
    # points of equal cost (a weak field barely changes the rates), so that the two cores share
    # the work evenly
    grid = {"temperature": [600.0], "field": [0.0, 0.01, 0.02, 0.03]}
    kw = dict(seed=2, supercell=(64, 64), steps=steps, engine="kmc", progress=False)
    serial, t_serial = timed(lambda: si.sweep("simulation", functools.partial(HONEY, K0=0.05), grid,
                                              executor="inline", **kw))
    parallel, t_par = timed(lambda: si.sweep("simulation", functools.partial(HONEY, K0=0.05), grid,
                                             **kw))
    return "sweep(), 4 field points (kmc, 8192 sites)", t_serial, t_par, parallel.identical(serial)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="short runs (smoke test)")
    args = ap.parse_args()
    steps = 20.0 if args.quick else 20000.0  # about 3 s per replica or point on an idle core
    # compile / load the kernels once in this process (forked workers inherit them)
    si.simulate(HONEY(K0=0.05), temperature=600.0, supercell=(8, 8), steps=2.0, seed=0,
                engine="kmc", executor="inline")
    load0 = os.getloadavg()
    rows = [replicas_case(steps), sweep_case(steps)]
    load1 = os.getloadavg()
    print(f"{os.cpu_count()} cores; load average (1, 5, 15 min) before "
          f"{load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, after {load1[0]:.2f} {load1[1]:.2f} "
          f"{load1[2]:.2f}")
    print(f"{'case':<44} {'serial s':>9} {'parallel s':>10} {'speed-up':>9} {'identical':>9} "
          f"{'cores busy (serial, parallel)':>30}")
    for label, (t_serial, busy_serial), (t_par, busy_par), same in rows:
        print(f"{label:<44} {t_serial:>9.2f} {t_par:>10.2f} {t_serial / t_par:>8.2f}x "
              f"{'yes' if same else 'NO':>9} {busy_serial:>14.2f} {busy_par:>15.2f}")


if __name__ == "__main__":
    main()
