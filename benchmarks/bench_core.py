"""Benchmarks of the core engines; prints a Markdown table.

1. P(k) eigen-analysis in k-points per second for 2-, 12- and 48-site cells, side by side with a
   plain ``numpy.linalg.eig`` over the same batch of matrices (assembly excluded from the baseline,
   included in ours).
2. Real-space evolution (Eq. 8) in site updates per second for 1e4 to 1e7 sites, side by side with
   a bare ``scipy.sparse`` matrix-vector product of a matrix of the same size and sparsity.

Targets: 2-site cells >= 1e6 k-points/s; 12-site cells at zero field >= 5x a plain
``numpy.linalg.eig``; a real-space step within 3x of a bare sparse mat-vec.

Run: ``python benchmarks/bench_core.py`` (``--quick`` for smaller batches).
"""

from __future__ import annotations

import os

# Single-threaded BLAS/LAPACK for every measurement (ours and the baselines alike): on a small
# shared machine, threaded small-matrix calls only add noise.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from _timing import best_time, machine  # noqa: E402

import superionic as si  # noqa: E402
from superionic import dynamics, models  # noqa: E402
from superionic.kspace import bloch, spectrum  # noqa: E402


def random_k(lattice, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.uniform(-0.5, 0.5, (n, lattice.dim)) @ lattice.reciprocal


# ----------------------------------------------------------------------------- P(k)
def bench_bloch(quick: bool) -> list[tuple]:
    rows = []
    # 2-site chain: closed-form eigenvalues, vectorised
    chain = models.two_site_chain(0.4, 0.3, a=1.7)
    nk = 200_000 if quick else 1_000_000
    k = random_k(chain.lattice, nk)
    pk = si.bloch_matrix(chain, k)
    t_ours = best_time(lambda: bloch.eigenvalues(chain, k))
    t_eig = best_time(lambda: np.linalg.eig(pk), repeat=1)
    t_vals = best_time(lambda: np.linalg.eigvals(pk), repeat=1)
    rows.append(("2-site chain", "bloch.eigenvalues (closed form)", nk, nk / t_ours,
                 nk / t_eig, t_eig / t_ours, ">= 1e6 k/s", nk / t_ours >= 1e6))
    t_spec = best_time(lambda: spectrum.spectrum(chain, k, field=[0.3]))
    rows.append(("2-site chain", "spectrum, field (closed form + v_g)", nk, nk / t_spec,
                 nk / t_eig, t_eig / t_spec, "", None))
    rows.append(("2-site chain", "(numpy.linalg.eigvals, reference)", nk, nk / t_vals,
                 nk / t_eig, t_eig / t_vals, "", None))
    # 12- and 48-site cells at zero field (Hermitian similarity)
    bcc = models.bcc_tetrahedral()
    temp = 600.0
    for label, model, nk in (
        ("12-site bcc", bcc, 5_000 if quick else 20_000),
        ("48-site bcc (2x2x1)", models.supercell(bcc, (2, 2, 1)), 300 if quick else 1_500),
    ):
        k = random_k(model.lattice, nk)
        pk = si.bloch_matrix(model, k, temperature=temp)
        # interleaved repeats, best of each: robust against a busy shared machine
        t_eig = t_spec = t_modes = np.inf
        for _ in range(5):
            t_eig = min(t_eig, best_time(lambda pk=pk: np.linalg.eig(pk), repeat=1, min_time=0))
            t_spec = min(t_spec, best_time(
                lambda model=model, k=k: spectrum.spectrum(model, k, temperature=temp),
                repeat=1, min_time=0,
            ))
            t_modes = min(t_modes, best_time(
                lambda model=model, k=k: si.eigenmodes(model, k, temperature=temp),
                repeat=1, min_time=0,
            ))
        t_vals = best_time(lambda pk=pk: np.linalg.eigvals(pk), repeat=1)
        target = "12-site: >= 5x eig" if model.n_sites == 12 else ""
        rows.append((label, "spectrum, f = 0 (Hermitian eigvalsh, v_g = 0)", nk, nk / t_spec,
                     nk / t_eig, t_eig / t_spec, target,
                     (t_eig / t_spec >= 5.0) if model.n_sites == 12 else None))
        rows.append((label, "eigenmodes auto (Hermitian eigh + vectors)", nk, nk / t_modes,
                     nk / t_eig, t_eig / t_modes, "", None))
        rows.append((label, "(numpy.linalg.eigvals, reference)", nk, nk / t_vals,
                     nk / t_eig, t_eig / t_vals, "", None))
        t_f = best_time(
            lambda model=model, k=k: spectrum.spectrum(
                model, k, temperature=temp, field=[0.01, 0.0, 0.0]
            ),
            repeat=1,
        )
        rows.append((label, "spectrum in a field (eig + Hellmann-Feynman v_g)", nk, nk / t_f,
                     nk / t_eig, t_eig / t_f, "", None))
    return rows


# ----------------------------------------------------------------------------- real space
def bare_matrix(n: int) -> sp.csr_matrix:
    """A periodic tridiagonal CSR matrix of size n (3 entries per row, like the chain's P)."""
    rng = np.random.default_rng(1)
    rows = np.repeat(np.arange(n), 3)
    cols = (rows + np.tile([-1, 0, 1], n)) % n
    return sp.csr_matrix((rng.random(3 * n), (rows, cols)), shape=(n, n))


def bench_real_space(quick: bool) -> list[tuple]:
    chain = models.two_site_chain(0.4, 0.3, a=1.7)
    sizes = [10**4, 10**5, 10**6] + ([] if quick else [10**7])
    rows = []
    for n_sites in sizes:
        t0 = time.perf_counter()
        system = dynamics.real_space(chain, n_sites // 2, field=[0.2])
        t_build = time.perf_counter() - t0
        bare = bare_matrix(system.n_total)
        x = np.random.default_rng(2).random(system.n_total)
        steps = max(2, int(2e6 // n_sites))
        t_bare = best_time(lambda bare=bare, x=x, steps=steps: [bare @ x for _ in range(steps)],
                           repeat=3, min_time=0.1) / steps
        t_prop = best_time(
            lambda system=system, x=x, steps=steps: dynamics.propagate(system, x, steps),
            repeat=3, min_time=0.1,
        ) / steps
        t_evolve = best_time(
            lambda system=system, x=x, steps=steps: dynamics.evolve(
                system, x, steps, every=steps, store_density=False
            ),
            repeat=3, min_time=0.1,
        ) / steps
        rows.append((n_sites, system.matrix.nnz / n_sites, t_build, n_sites / t_bare,
                     n_sites / t_prop, n_sites / t_evolve, t_prop / t_bare, t_evolve / t_bare))
        del system, bare
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller batches and sizes")
    args = parser.parse_args()
    print(f"Machine: {machine()}\n")
    print("## P(k) eigen-analysis (k-points per second)\n")
    print("| cell | ours | batch | ours k/s | numpy.linalg.eig k/s | speed-up | target | met |")
    print("|---|---|---:|---:|---:|---:|---|---|")
    for cell, what, nk, ours, eig, ratio, target, met in bench_bloch(args.quick):
        flag = "" if met is None else ("yes" if met else "NO")
        print(f"| {cell} | {what} | {nk} | {ours:.3g} | {eig:.3g} | {ratio:.2f}x | {target} "
              f"| {flag} |")
    print("\n## Real-space evolution, n(t + tau) = P n(t) (site updates per second)\n")
    print("| sites | nnz/row | build (s) | bare CSR mat-vec | propagate | evolve (+current) "
          "| propagate / bare | evolve / bare | target (<= 3x) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for n, nnz, build, bare, prop, evo, r1, r2 in bench_real_space(args.quick):
        met = "yes" if max(r1, r2) <= 3.0 else "NO"
        print(f"| {n:.0e} | {nnz:.1f} | {build:.3f} | {bare:.3g} | {prop:.3g} | {evo:.3g} "
              f"| {r1:.2f} | {r2:.2f} | {met} |")


if __name__ == "__main__":
    main()
