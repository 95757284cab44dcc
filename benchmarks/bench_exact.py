"""Exact many-body reference: states per second for building and solving the chain.

Prints one row per case: states, transitions, build time (enumeration of one step for every
state, BFS over the one-step memory), solve time (stationary state and the transport solves),
and the throughput in states per second. Run: ``python benchmarks/bench_exact.py [--large]``.
"""

from __future__ import annotations

import sys
import time

from superionic import models
from superionic.exact import solver

CASES = [
    # (label, model, supercell, ions, update, concerted)
    ("chain K0, seq", lambda: models.interacting_chain(0.1, 0.05), (4,), 4, "sequential",
     "previous"),
    ("chain K0, seq", lambda: models.interacting_chain(0.1, 0.05), (6,), 6, "sequential",
     "previous"),
    ("chain K0, par", lambda: models.interacting_chain(0.1, 0.05), (6,), 6, "parallel",
     "previous"),
    ("chain K0, par", lambda: models.interacting_chain(0.1, 0.05), (7,), 7, "parallel",
     "previous"),
    ("chain M0, seq prev", lambda: models.interacting_chain(0.1, 0.03, 0.08), (4,), 4,
     "sequential", "previous"),
    ("chain M0, seq same", lambda: models.interacting_chain(0.1, 0.03, 0.08), (6,), 6,
     "sequential", "same"),
    ("chain M0, par prev", lambda: models.interacting_chain(0.1, 0.03, 0.08), (5,), 5,
     "parallel", "previous"),
    ("honeycomb K0, seq", lambda: models.interacting_honeycomb(0.1, 0.05), (3, 3), 3,
     "sequential", "previous"),
    ("honeycomb K0, seq", lambda: models.interacting_honeycomb(0.1, 0.05), (3, 3), 5,
     "sequential", "previous"),
]
LARGE = [
    ("chain K0, par", lambda: models.interacting_chain(0.1, 0.05), (8,), 8, "parallel",
     "previous"),
    ("chain K0, seq", lambda: models.interacting_chain(0.1, 0.05), (7,), 7, "sequential",
     "previous"),
    ("honeycomb M0, seq prev", lambda: models.interacting_honeycomb(0.08, 0.03, 0.08), (3, 3), 3,
     "sequential", "previous"),
]


def run(label, make, cells, ions, update, concerted, temperature=400.0):
    model = make()
    geo, *_ = solver.geometry(model, cells, temperature=temperature)
    t0 = time.perf_counter()
    chain = solver.build_chain(geo, ions, update=update, concerted=concerted, tracer=False)
    t1 = time.perf_counter()
    pi, lu = solver.stationary(chain["T"], chain["root"])
    solver.transport_moments(chain, pi, lu)
    t2 = time.perf_counter()
    n = chain["keys"].size
    print(f"| {label:24s} | {geo.n_sites:3d} | {ions:2d} | {n:8d} | {chain['T'].nnz:10d} | "
          f"{t1 - t0:8.2f} | {n / (t1 - t0):9.0f} | {t2 - t1:8.2f} | {n / (t2 - t1):9.0f} |",
          flush=True)


def main() -> None:
    print("| case | sites | ions | states | transitions | build (s) | states/s | solve (s) | "
          "states/s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for case in CASES + (LARGE if "--large" in sys.argv else []):
        run(*case)


if __name__ == "__main__":
    main()
