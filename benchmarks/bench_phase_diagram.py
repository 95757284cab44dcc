"""Benchmarks of the mean field; prints Markdown tables.

1. Vectorised phase diagrams (:func:`superionic.meanfield.phase_diagram`): whole
   (temperature, Lambda0, K0, M0, n0) grids of 10^4 to 10^6 points (10^7 without ``--quick``),
   with conductivities and fold temperatures, against a scalar loop over the closed forms
   (:func:`superionic.meanfield.closed_form_solutions`, extrapolated from a sample).
2. The general engine (:func:`superionic.meanfield.solve`): all solutions at one temperature on
   the chain, the honeycomb, a 2x chain supercell and the 12-site bcc lattice.
3. Transitions: exact closed forms against the engine's sweep and bisection.

Run: ``python benchmarks/bench_phase_diagram.py`` (``--quick`` for smaller sizes).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from _timing import best_time  # noqa: E402

from superionic import HoppingModel, Interactions, models  # noqa: E402
from superionic.meanfield import (  # noqa: E402
    Transport,
    closed_form_solutions,
    phase_diagram,
    solve,
    transitions,
)
from superionic.units import KB_EV  # noqa: E402


def grid_axes(n_points: int):
    """Axes (T, Lambda0, K0, M0, n0) whose outer product has ``n_points`` points."""
    shapes = {10**4: (100, 1, 10, 10, 1), 10**5: (100, 5, 10, 10, 2), 10**6: (100, 10, 10, 10, 10),
              10**7: (200, 10, 10, 25, 20)}
    nt, nl, nk, nm, nn = shapes[n_points]
    return (np.linspace(100.0, 8000.0, nt), np.linspace(0.05, 0.6, nl),
            np.linspace(0.0, 1.0, nk), np.linspace(0.0, 3.0, nm), np.linspace(0.2, 2.0, nn))


def bench_phase_diagram(quick: bool) -> None:
    print("\n### Phase diagrams (vectorised closed forms, with sigma and T_I)\n")
    print("| points | grid (T, Λ0, K0, M0, n0) | time (s) | points / s |")
    print("|---:|---|---:|---:|")
    transport = Transport(cell_volume=64.0, tau=1e-13)
    sizes = (10**4, 10**5, 10**6) if quick else (10**4, 10**5, 10**6, 10**7)
    for n in sizes:
        axes = grid_axes(n)
        repeat = 1 if n >= 10**7 else 3
        t = best_time(lambda axes=axes: phase_diagram(*axes, a=4.0, transport=transport),
                      repeat=repeat, min_time=0.0)
        shape = "x".join(str(a.size) for a in axes)
        print(f"| {n:.0e} | {shape} | {t:.3f} | {n / t:.3g} |")
    # scalar reference: the same closed forms point by point
    rng = np.random.default_rng(0)
    sample = 200
    start = time.perf_counter()
    for _ in range(sample):
        closed_form_solutions(rng.uniform(100, 8000), rng.uniform(0.05, 0.6),
                              rng.uniform(0, 1), rng.uniform(0, 3), rng.uniform(0.2, 2.0))
    per_point = (time.perf_counter() - start) / sample
    print(f"| 1e+06 | scalar loop (extrapolated from {sample} points) | {per_point * 1e6:.1f} | "
          f"{1 / per_point:.3g} |")


def bench_engine(quick: bool) -> None:
    print("\n### General engine: all solutions at one temperature\n")
    print("| model | hop classes | solutions | seeds | time per temperature (s) |")
    print("|---|---:|---:|---:|---:|")
    chain = models.interacting_chain(0.25, 0.5, 0.25)
    honey = models.interacting_honeycomb(0.25, 0.5, 2.4)
    big = models.supercell(chain, (2,))
    cases = [("chain (Fig. 4 b)", chain, 2000.0), ("chain, M0 = 2 eV", models.interacting_chain(
        0.25, 0.5, 2.0), 1500.0), ("honeycomb", honey, 4000.0), ("chain supercell x2", big,
                                                                 2000.0)]
    if not quick:
        b = models.bcc_tetrahedral(barrier=0.2)
        cases.append(("bcc tetrahedral (12 sites)", HoppingModel(
            b.lattice, b.hops, tau=1e-13, filling=3.0,
            interactions=Interactions(repulsion=0.3, concerted=0.5)), 1000.0))
    from superionic.meanfield import compile_model

    for name, model, t in cases:
        sols = solve(model, temperature=t)
        secs = best_time(lambda model=model, t=t: solve(model, temperature=t),
                         repeat=1 if "bcc" in name else 3, min_time=0.0)
        print(f"| {name} | {compile_model(model).n_classes} | {len(sols)} | {sols.n_seeds} | "
              f"{secs:.4f} |")


def bench_transitions(quick: bool) -> None:
    print("\n### Transitions (type II and type-I folds)\n")
    print("| model | method | transitions | time (s) |")
    print("|---|---|---|---:|")
    tp = 0.5 / (2 * KB_EV)
    for name, model in (("chain, M0 = 2.2 eV", models.interacting_chain(0.25, 0.5, 2.2)),
                        ("honeycomb, M0 = 2.4 eV", models.interacting_honeycomb(0.25, 0.5, 2.4))):
        for method in ("auto", "engine"):
            start = time.perf_counter()
            recs = transitions(model, temperature_range=(0.3 * tp, 4 * tp), method=method,
                               n_grid=24 if quick else 48)
            secs = time.perf_counter() - start
            text = ", ".join(f"{r.kind} {r.temperature:.2f} K" for r in recs)
            print(f"| {name} | {method} | {text} | {secs:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, NumPy {np.__version__}; one BLAS thread.")
    bench_phase_diagram(args.quick)
    bench_engine(args.quick)
    bench_transitions(args.quick)


if __name__ == "__main__":
    main()
