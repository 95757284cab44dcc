"""Benchmarks of the phonon-channel and driving engines; prints Markdown tables.

1. Eq. 2 hop probabilities per second over a temperature grid: constant DOS (Eq. 3), a callable
   DOS (graded Gauss-Legendre quadrature with its checks) and a tabulated DOS (exact piecewise
   integration, 2000 points).
2. Channel-averaged matrices (Eq. 7): a static channel (matrix power) and a time-dependent one
   (time-ordered products over sub-steps and 16 phases), 2- and 12-site cells, k = 0.
3. Driven evolution (Eqs. 4, 17): steps per second of the numba kernel and its pure-NumPy twin,
   side by side with a plain NumPy loop ``n <- P_t n`` over prebuilt dense matrices (the
   matrices' assembly excluded from the baseline, included in ours).
4. AC response: frequencies per second of :func:`superionic.realspace.driving.ac_response`.

Run: ``python benchmarks/bench_channels.py`` (``--quick`` for smaller sizes).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
from functools import partial  # noqa: E402

import numpy as np  # noqa: E402
from _timing import best_time, machine  # noqa: E402

from superionic import channel_average as ca  # noqa: E402
from superionic import channels as chn  # noqa: E402
from superionic import driving, models  # noqa: E402
from superionic.lattice.hops import field_factor  # noqa: E402


def bench_probability(quick: bool) -> list[tuple]:
    n = 200 if quick else 1000
    temps = np.linspace(60.0, 11600.0, n)
    grid = np.concatenate([[0.0], np.geomspace(1e-6, 60.0, 1999)])
    cases = [
        ("constant (Eq. 3)", None),
        ("callable (E - E_ii)^2", chn.power_law_dos(0.0, 2.0)),
        ("tabulated, 2000 points", chn.TabulatedDOS(grid, grid**2)),
    ]
    rows = []
    for name, dos in cases:
        t = best_time(lambda dos=dos: chn.hop_probability(threshold=0.3, temperature=temps,
                                                          dos=dos))
        rows.append((name, n, n / t))
    return rows


def bench_channel_average(quick: bool) -> list[tuple]:
    rows = []
    nu = 5e12
    for name, model in (("chain, 2 sites", models.interacting_chain(0.3, 0.0, tau=1e-13)),
                        ("bcc, 12 sites", models.bcc_tetrahedral(barrier=0.3, tau=1e-13))):
        thr = ca.model_thresholds(model)
        static = ca.Channel(nu, thr)
        moving = ca.Channel(nu, lambda t, thr=thr: thr + 0.02 * np.sin(1e12 * np.asarray(t))[
            ..., None])
        for steps in (10, 100) if not quick else (10,):
            tau = steps / nu
            t_static = best_time(partial(ca.full_hopping_matrix, static, tau, model=model,
                                         temperature=600.0))
            t_moving = best_time(partial(ca.full_hopping_matrix, moving, tau, model=model,
                                         temperature=600.0, n_phases=16),
                                 repeat=2, min_time=0.1)
            rows.append((name, steps, t_static * 1e3, t_moving * 1e3,
                         steps * 16 / t_moving))
    return rows


def _baseline_loop(mats: np.ndarray, x0: np.ndarray) -> np.ndarray:
    x = x0.copy()
    for m in mats:
        x = m @ x
    return x


def bench_drive(quick: bool) -> list[tuple]:
    rows = []
    n_steps = 2000 if quick else 20000
    for name, model, temp in (("chain, 2 sites", models.two_site_chain(0.4, 0.3, a=2.0), None),
                              ("bcc, 12 sites", models.bcc_tetrahedral(barrier=0.1, tau=1e-13),
                               600.0)):
        amp = [0.05] * model.dim
        protocol = driving.ACField(amp, 0.3 / model.tau)
        kw = {"n_steps": n_steps, "temperature": temp}
        t_numba = best_time(partial(driving.drive, model, protocol, **kw), repeat=3,
                            min_time=0.1)
        t_py = best_time(partial(driving.drive, model, protocol, engine="python", **kw),
                         repeat=1, min_time=0.0)
        table = model.hop_table(temperature=temp)
        times = model.tau * np.arange(n_steps)
        prob = table.probability * field_factor(table.displacement, protocol(times))
        n = model.n_sites
        mats = np.zeros((n_steps, n, n))
        np.add.at(mats, (slice(None), table.target, table.source), prob)
        out = np.zeros((n_steps, n))
        np.add.at(out, (slice(None), table.source), prob)
        idx = np.arange(n)
        mats[:, idx, idx] += 1 - out
        x0 = np.full(n, 1.0 / n)
        t_base = best_time(partial(_baseline_loop, mats, x0), repeat=3, min_time=0.1)
        rows.append((name, n_steps, n_steps / t_numba, n_steps / t_py, n_steps / t_base))
    # real space: a 1D chain of 10^4 cells (2 x 10^4 sites)
    chain = models.two_site_chain(0.4, 0.3, a=2.0)
    steps = 200 if quick else 1000
    protocol = driving.StepField([0.05])
    t_real = best_time(lambda: driving.drive(chain, protocol, n_steps=steps, space="real",
                                             repeats=10_000), repeat=2, min_time=0.1)
    rows.append(("chain, real space 2e4 sites", steps, steps / t_real, float("nan"),
                 float("nan")))
    return rows


def bench_ac(quick: bool) -> list[tuple]:
    rows = []
    n = 1000 if quick else 10000
    for name, model, temp in (("chain, 2 sites", models.two_site_chain(0.4, 0.3, a=2.0), None),
                              ("bcc, 12 sites", models.bcc_tetrahedral(barrier=0.1, tau=1e-13),
                               600.0)):
        omega = np.linspace(0.0, np.pi, n) / model.tau
        t = best_time(partial(driving.ac_response, model, omega, temperature=temp))
        rows.append((name, n, n / t))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    quick = parser.parse_args().quick
    print(f"Machine: {machine()}\n")
    print("## Eq. 2 hop probabilities (temperatures per second, one threshold)\n")
    print("| DOS | temperatures | evaluations/s |")
    print("|---|---:|---:|")
    for name, n, rate in bench_probability(quick):
        print(f"| {name} | {n} | {rate:.3g} |")
    print("\n## Channel-averaged matrix, Eq. 7 (k = 0)\n")
    print("| model | sub-steps | static (ms) | time-dependent, 16 phases (ms) "
          "| matrices/s (time-dependent) |")
    print("|---|---:|---:|---:|---:|")
    for name, steps, ts, tm, rate in bench_channel_average(quick):
        print(f"| {name} | {steps} | {ts:.3g} | {tm:.3g} | {rate:.3g} |")
    print("\n## Driven evolution (steps per second)\n")
    print("| system | steps | numba kernel | NumPy twin | plain dense loop (prebuilt P_t) |")
    print("|---|---:|---:|---:|---:|")
    for name, steps, a, b, c in bench_drive(quick):
        print(f"| {name} | {steps} | {a:.3g} | {b:.3g} | {c:.3g} |")
    print("\n## AC response (frequencies per second)\n")
    print("| model | frequencies | frequencies/s |")
    print("|---|---:|---:|")
    for name, n, rate in bench_ac(quick):
        print(f"| {name} | {n} | {rate:.3g} |")


if __name__ == "__main__":
    main()
