"""Benchmarks of exact transport in large disordered cells; prints Markdown tables.

1. Dense against sparse transport, side by side on the same disordered square supercell of
   64 x 64 = 4,096 sites (random site and saddle energies, so that every term of the diffusion
   tensor is exercised): the diffusion tensor by ``solver="dense"`` and by ``solver="auto"``.
   Target: the sparse path at least 100x faster.
2. The sparse path at 10^5 and 10^6 sites: building the disordered supercell
   (:func:`superionic.models.disordered_supercell`) and its diffusion tensor, for the 2D
   random-trap model (random site energies; checked against its exact formula) and the 2D
   random-barrier model (random saddles: AMG-preconditioned conjugate gradients at work), each
   in its own process so that its peak memory (maximum resident set size) is its own.
   Targets: 10^6 sites of the random-trap supercell in under 60 s and under 4 GiB.
3. Declaring a square supercell site by site through the public ``Lattice`` / ``Site`` / ``Hop``
   API and compiling it (hop table and connectivity), at 10^4, 2.25 x 10^4 and 10^5 sites.
   Target: 10^5 sites in under 5 s.

Run: ``python benchmarks/bench_sparse.py`` (``--quick`` for smaller sizes).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from _timing import machine  # noqa: E402

import superionic as si  # noqa: E402
from superionic.units import KB_EV  # noqa: E402

T = 500.0
A = 2.0
SADDLE = 0.4


def square(tau: float = 1e-13) -> si.HoppingModel:
    lattice = si.Lattice([[A, 0.0], [0.0, A]], [si.Site("A", [0.0, 0.0])])
    hops = [si.Hop("A", "A", (1, 0), saddle=SADDLE), si.Hop("A", "A", (0, 1), saddle=SADDLE)]
    return si.HoppingModel(lattice, hops, tau=tau)


def two_site(tau: float = 1e-13) -> si.HoppingModel:
    lattice = si.Lattice(
        [[3.0, 0.0], [0.4, 2.6]],
        [si.Site("A", [0.0, 0.0]), si.Site("B", [0.45, 0.55], energy=0.05)],
    )
    hops = [si.Hop("A", "B", c, saddle=0.35) for c in [(0, 0), (-1, 0), (0, -1), (-1, -1)]]
    hops.append(si.Hop("A", "A", (1, 0), saddle=0.42))
    return si.HoppingModel(lattice, hops, tau=tau)


def dense_vs_sparse(side: int) -> list[str]:
    model = square()
    net = si.models.disordered_supercell(
        model,
        (side, side),
        site_energy=lambda rng, n: rng.normal(0.0, 0.03, n),
        saddle_energy=lambda rng, n: rng.uniform(0.0, 0.06, n),
        seed=1,
    )
    rows = []
    times = {}
    results = {}
    cpu = {}
    for solver in ("dense", "auto"):
        start, start_cpu = time.perf_counter(), time.process_time()
        results[solver] = si.diffusion_tensor(net, temperature=T, solver=solver)
        times[solver] = time.perf_counter() - start
        cpu[solver] = time.process_time() - start_cpu
    rel = np.max(np.abs(results["auto"] - results["dense"])) / np.max(np.abs(results["dense"]))
    rows.append(
        f"| diffusion tensor, {net.n_sites} sites | {times['dense']:.2f} s "
        f"({cpu['dense']:.2f} s) | {times['auto']:.3f} s ({cpu['auto']:.3f} s) | "
        f"{times['dense'] / times['auto']:.0f}x ({cpu['dense'] / cpu['auto']:.0f}x) | {rel:.1e} |"
    )
    return rows


def large_case(kind: str, side: int) -> dict:
    """One large case (run in a child process); returns timings and peak memory."""
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # after the imports
    model = square()
    if kind == "trap":
        disorder = {"site_energy": lambda rng, n: rng.uniform(0.0, 0.1, n)}
    else:
        disorder = {"saddle_energy": lambda rng, n: rng.uniform(0.0, 0.1, n)}
    start, start_cpu = time.perf_counter(), time.process_time()
    net = si.models.disordered_supercell(model, (side, side), seed=3, **disorder)
    built = time.perf_counter()
    d = si.diffusion_tensor(net, temperature=T)
    done, done_cpu = time.perf_counter(), time.process_time()
    out = {
        "cpu_s": done_cpu - start_cpu,
        "kind": kind,
        "sites": net.n_sites,
        "build_s": built - start,
        "diffusion_s": done - built,
        "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "baseline_bytes": baseline,
        "d_xx": float(d[0, 0]),
    }
    if kind == "trap":
        kt = KB_EV * T
        exact = A**2 * np.exp(-SADDLE / kt) / np.mean(np.exp(-net.energies / kt)) / model.tau
        out["rel_error"] = float(abs(d[0, 0] / exact - 1.0))
    return out


def large_cases(sides: list[int]) -> list[str]:
    rows = []
    for side in sides:
        for kind in ("trap", "barrier"):
            proc = subprocess.run(
                [sys.executable, __file__, "--case", kind, str(side)],
                capture_output=True,
                text=True,
                check=True,
            )
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            total = res["build_s"] + res["diffusion_s"]
            check = f"{res['rel_error']:.1e}" if "rel_error" in res else "-"
            rows.append(
                f"| {res['kind']} | {res['sites']:,} | {res['build_s']:.1f} s | "
                f"{res['diffusion_s']:.1f} s | {total:.1f} s | {res['cpu_s']:.1f} s | "
                f"{res['peak_bytes'] / 2**30:.2f} GiB | "
                f"{(res['peak_bytes'] - res['baseline_bytes']) / res['sites']:.0f} B | {check} |"
            )
    return rows


def declaration(sizes: list[int]) -> list[str]:
    rows = []
    for side in sizes:
        start = time.perf_counter()
        sites = [
            si.Site(f"s{i}_{j}", [i / side, j / side]) for i in range(side) for j in range(side)
        ]
        hops = []
        for i in range(side):
            for j in range(side):
                right, up = f"s{(i + 1) % side}_{j}", f"s{i}_{(j + 1) % side}"
                hops.append(si.Hop(f"s{i}_{j}", right, (int(i + 1 == side), 0), saddle=0.4))
                hops.append(si.Hop(f"s{i}_{j}", up, (0, int(j + 1 == side)), saddle=0.4))
        objects = time.perf_counter()
        model = si.HoppingModel(si.Lattice([[A * side, 0], [0, A * side]], sites), hops)
        declared = time.perf_counter()
        model.hop_table(temperature=T)
        model.check_connected()
        compiled = time.perf_counter()
        rows.append(
            f"| {side * side:,} | {2 * side * side:,} | {objects - start:.2f} s | "
            f"{declared - objects:.2f} s | {compiled - declared:.2f} s | "
            f"{compiled - start:.2f} s |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--case", nargs=2, metavar=("KIND", "SIDE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(large_case(args.case[0], int(args.case[1]))))
        return
    print(f"Machine: {machine()}\n")
    side = 32 if args.quick else 64
    print("### Dense against sparse (same disordered supercell)\n")
    print(
        "| quantity | dense, wall (CPU) | sparse (auto), wall (CPU) | speed-up | "
        "max relative difference |"
    )
    print("|---|---|---|---|---|")
    for row in dense_vs_sparse(side):
        print(row)
    print("\n### Sparse path at large sizes (2D square supercells, one process each)\n")
    print(
        "| disorder | sites | build | diffusion tensor | total (wall) | total (CPU) | "
        "peak memory | per site (above imports) | error vs exact |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for row in large_cases([100] if args.quick else [316, 1000]):
        print(row)
    print("\n### Declaring a square supercell site by site (public API)\n")
    print("| sites | hops | Site/Hop objects | HoppingModel | hop table + connectivity | total |")
    print("|---|---|---|---|---|---|")
    for row in declaration([50] if args.quick else [100, 150, 316]):
        print(row)


if __name__ == "__main__":
    main()
