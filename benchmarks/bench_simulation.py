"""Throughput and memory of the many-body simulation engines (one core); prints a table.

Rates are per second of process CPU time (the kernels are single-threaded), so that other load on
a shared machine does not distort them.

Usage: ``python benchmarks/bench_simulation.py [--quick] [--big] [--setup-only]``

* discrete-time Monte Carlo: hop attempts per second (one attempt = one ion visited in one step)
  on a honeycomb lattice gas with nearest-neighbour repulsion K0 at half filling, about 1e5 sites;
* rejection-free kinetic Monte Carlo: executed hops per second, same system;
* bytes of state per site, and (``--big``) a 1e7-site supercell: setup time, steps, peak memory;
* setup of the kinetic Monte Carlo (rules, supercell tables, engine, initial configuration and
  the first rates) per site at 1e4, 1e5 and 1e6 sites, in a process whose kernels are loaded, and
  the one-off cost of the first call in a fresh process (numba loading the cached kernels);
* a 2-second kinetic Monte Carlo run at 1e5 sites through ``simulate()`` with everything included
  (setup, tracer moments at every lag, analysis): executed hops per CPU second, and the peak
  memory per site (tracemalloc: the peak of NumPy and Python allocations during the call).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
import tracemalloc

import numpy as np

from superionic import models
from superionic.simulation import simulate
from superionic.simulation._rng import state_from_seed
from superionic.simulation.engine import DiscreteEngine
from superionic.simulation.kmc import KMCEngine
from superionic.simulation.supercell import build_rules, compile_supercell

SIGN = np.array([1.0, -1.0])


def honeycomb(lambda0: float, k0: float, m0: float = 0.0):
    return models.interacting_honeycomb(lambda0, k0, M0=m0, n0=1.0, a=3.5)


def discrete_rate(model, temperature, repeats, *, update="sequential", seconds=2.0):
    rules = build_rules(model, temperature=temperature)
    cell = compile_supercell(rules, model, repeats)
    n_ions = cell.n_cells  # one ion per cell: half filling
    eng = DiscreteEngine(rules, cell, n_ions, SIGN, update=update)
    rng = state_from_seed(1)
    eng.place_random(rng)
    eng.run(5, rng)  # compile and warm up
    eng.acc[:] = 0
    steps, t0 = 0, time.process_time()
    while time.process_time() - t0 < seconds:
        eng.run(20, rng)
        steps += 20
    dt = time.process_time() - t0
    return {
        "sites": cell.n_sites, "attempts/s": eng.acc[1] / dt, "hops/s": eng.acc[0] / dt,
        "P_hop": eng.acc[0] / eng.acc[1], "bytes/site": eng.bytes_per_site,
    }


def kmc_rate(model, temperature, repeats, *, seconds=2.0):
    rules = build_rules(model, temperature=temperature)
    cell = compile_supercell(rules, model, repeats, kmc=True)
    eng = KMCEngine(rules, cell, cell.n_cells, SIGN)
    rng = state_from_seed(1)
    eng.place_random(rng)
    eng.run(0.5, rng)
    eng.acc[:] = 0
    rate_total = None
    t0 = time.process_time()
    chunk = 2.0
    while time.process_time() - t0 < seconds:
        eng.run(chunk, rng)
        rate_total = eng.acc[0]
    dt = time.process_time() - t0
    return {"sites": cell.n_sites, "hops/s": rate_total / dt, "bytes/site": eng.bytes_per_site}


def big_run(model, temperature, repeats, steps=3):
    t0 = time.process_time()
    rules = build_rules(model, temperature=temperature)
    cell = compile_supercell(rules, model, repeats)
    eng = DiscreteEngine(rules, cell, cell.n_cells, SIGN)
    rng = state_from_seed(2)
    eng.place_random(rng)
    setup = time.process_time() - t0
    t1 = time.process_time()
    eng.run(steps, rng)
    run = time.process_time() - t1
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # MiB on Linux
    return {
        "sites": cell.n_sites, "setup_s": setup, "attempts/s": eng.acc[1] / run,
        "bytes/site": eng.bytes_per_site, "peak_MiB": peak,
    }


def kmc_setup(model, temperature, repeats):
    """Seconds from the model to an engine ready for its first event (kernels loaded)."""
    t0 = time.perf_counter()
    rules = build_rules(model, temperature=temperature)
    cell = compile_supercell(rules, model, repeats, kmc=True)
    eng = KMCEngine(rules, cell, cell.n_cells, SIGN)
    rng = state_from_seed(1)
    eng.place_random(rng)
    eng.run(0.0, rng)  # builds the rates and the tree
    return cell.n_sites, time.perf_counter() - t0


COLD = """
import time
t0 = time.perf_counter()
import superionic
from superionic import models
from superionic.simulation import simulate
t1 = time.perf_counter()
m = models.interacting_honeycomb(0.10, 0.05, n0=1.0, a=3.5)
simulate(m, temperature=600.0, supercell=(8, 8), steps=0.1, seed=1, engine="kmc",
         executor="inline")
t2 = time.perf_counter()
simulate(m, temperature=600.0, supercell=(8, 8), steps=0.1, seed=1, engine="kmc",
         executor="inline")
t3 = time.perf_counter()
print(t1 - t0, (t2 - t1) - (t3 - t2))
"""


def cold_start():
    """(import time, one-off cost of the first simulate() call) in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True,
                         check=True)
    imp, first = (float(x) for x in out.stdout.split())
    return imp, first


def kmc_end_to_end(model, temperature, repeats, seconds=2.0):
    """simulate(engine="kmc") lasting about ``seconds`` of CPU, setup included."""
    # about 5e6 hops (1.7e3 per tau at 1e5 sites): a 2-second run at 2.5e6 hops/s
    steps = 3000.0 * seconds / 2.0
    for _ in range(2):  # the second call: no one-off loading left in this process
        c0 = time.process_time()
        simulate(model, temperature=temperature, supercell=repeats, steps=1.0, seed=3,
                 engine="kmc", executor="inline")
        fixed = time.process_time() - c0  # setup, 600 tracer stops, analysis; few hops
    tracemalloc.start()
    c0 = time.process_time()
    ds = simulate(model, temperature=temperature, supercell=repeats, steps=steps, seed=4,
                  engine="kmc", executor="inline")
    cpu = time.process_time() - c0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"sites": int(ds.n_sites), "hops/s": ds.hops / cpu, "bytes/site": ds.bytes_per_site,
            "cpu_s": cpu, "hops": ds.hops, "peak_B/site": peak / ds.n_sites, "fixed_s": fixed,
            "kernel_hops/s": ds.hops / max(cpu - fixed, 1e-9)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="short timings (smoke run)")
    ap.add_argument("--big", action="store_true", help="also run a 1e7-site supercell")
    ap.add_argument("--setup-only", action="store_true",
                    help="only the setup and the 2-second kinetic Monte Carlo run")
    args = ap.parse_args()
    secs = 0.5 if args.quick else 3.0
    temp = 600.0
    rows = []
    low_p = honeycomb(0.10, 0.05)  # P per hop ~ 0.05 at 600 K
    high_p = honeycomb(0.02, 0.05)  # P per hop ~ 0.23
    reps = (224, 224)  # 100352 sites
    kmc_setup(low_p, temp, (8, 8))  # load the kernels
    print("kinetic Monte Carlo setup (honeycomb, K0 = 0.05 eV, 600 K, half filling)")
    print(f"{'sites':>9} {'setup s':>8} {'us/site':>8}")
    for side in (71, 224) if args.quick else (71, 224, 708):
        n, t = min(kmc_setup(low_p, temp, (side, side)) for _ in range(3))
        print(f"{n:>9d} {t:>8.4f} {t / n * 1e6:>8.3f}")
    imp, first = cold_start()
    print(f"fresh process: import superionic {imp:.2f} s; first simulate() call loads the "
          f"cached kernels once: {first:.2f} s")
    r = kmc_end_to_end(low_p, temp, reps, seconds=0.5 if args.quick else 2.0)
    print(f"simulate(engine='kmc') at {r['sites']} sites, setup included: {r['hops']:.3g} hops "
          f"in {r['cpu_s']:.2f} CPU s = {r['hops/s']:.3g} hops/s (fixed cost {r['fixed_s']:.2f} s; "
          f"{r['kernel_hops/s']:.3g} hops/s without it); state {r['bytes/site']:.1f} B/site, "
          f"peak allocations {r['peak_B/site']:.1f} B/site")
    print()
    if args.setup_only:
        return
    for label, model in (("low P", low_p), ("high P", high_p)):
        for update in ("sequential", "parallel"):
            r = discrete_rate(model, temp, reps, update=update, seconds=secs)
            rows.append((f"discrete {update}, {label}", r))
        r = kmc_rate(model, temp, reps, seconds=secs)
        rows.append((f"kmc, {label}", r))
    r = discrete_rate(honeycomb(0.10, 0.05, m0=0.05), temp, reps, seconds=secs)
    rows.append(("discrete sequential, M0 = 0.05 eV", r))
    # end to end through simulate() (blocks, tracer moments, analysis)
    for label, model in (("low P", low_p), ("high P", high_p)):
        t0 = time.process_time()
        ds = simulate(model, temperature=temp, supercell=reps,
                      steps=200 if args.quick else 1000, seed=1, executor="inline")
        wall = time.process_time() - t0
        rows.append((f"simulate() end to end, {label}", {
            "sites": int(ds.n_sites), "attempts/s": ds.attempts / wall,
            "hops/s": ds.hops / wall, "bytes/site": ds.bytes_per_site, "cpu_s": wall,
        }))
    if args.big:
        r = big_run(low_p, temp, (2237, 2237))
        rows.append(("discrete sequential, 1e7 sites", r))
    print(f"{'engine (honeycomb, K0 = 0.05 eV, 600 K, half filling)':<52} {'sites':>9} "
          f"{'attempts/s':>11} {'hops/s':>10} {'B/site':>7}  other")
    for label, r in rows:
        att = r.get("attempts/s")
        other = ", ".join(f"{k}={v:.3g}" for k, v in r.items()
                          if k not in ("sites", "attempts/s", "hops/s", "bytes/site"))
        print(f"{label:<52} {r['sites']:>9d} {'-' if att is None else format(att, '.3g'):>11} "
              f"{format(r['hops/s'], '.3g') if 'hops/s' in r else '-':>10} "
              f"{r['bytes/site']:>7.2f}  {other}")


if __name__ == "__main__":
    main()
