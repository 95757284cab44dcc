"""Side by side with lattice-mc and kmcpy (PyPI) on the honeycomb lattice gas at half filling.

Usage::

    python -m venv /tmp/peers && /tmp/peers/bin/pip install lattice-mc kmcpy
    python benchmarks/peers_simulation.py --peer-python /tmp/peers/bin/python [--quick]

The peers are never a dependency of superionic: they run in the interpreter given by
``--peer-python`` (default: this one) in a subprocess, and the script says so when one is missing or
fails. Rates are executed hops per second of process CPU time of each code, measured in the same
run. Two systems:

* exclusion only (K0 = 0): both codes simulate the same symmetric exclusion process on the
  honeycomb lattice, so the tracer and jump diffusion coefficients, in units of the single-hop rate
  times the squared hop length, must agree within error bars;
* nearest-neighbour repulsion K0 = 0.05 eV at 298 K (lattice-mc's temperature): throughput. The
  two codes apply K0 through different rate laws (lattice-mc: Metropolis in the energy change;
  superionic: the barrier rises by K0 per occupied neighbour of the target, Sec. IV), which share
  the equilibrium state but not the kinetics, so only the speed is compared there.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time

import numpy as np

from superionic import models
from superionic.simulation import simulate

TEMPERATURE = 298.0  # lattice-mc's global temperature
SPACING = 1.0  # nearest-neighbour distance, Å

LATTICE_MC = r"""
import json, sys, time, random
import numpy as np
from lattice_mc import init_lattice, simulation
from lattice_mc.global_vars import rate_prefactor
args = json.loads(sys.argv[1])
random.seed(args["seed"]); np.random.seed(args["seed"])
out = []
for rep in range(args["replicas"]):
    sim = simulation.Simulation()
    sim.lattice = init_lattice.honeycomb_lattice(args["a"], args["b"], args["spacing"])
    n_sites = sim.lattice.number_of_sites
    sim.set_number_of_atoms(n_sites // 2)
    if args["nn_energy"]:
        sim.set_nn_energy(args["nn_energy"])
    sim.set_number_of_equilibration_jumps(args["equilibration"])
    sim.set_number_of_jumps(args["jumps"])
    t0 = time.process_time()
    sim.run()
    cpu = time.process_time() - t0
    # lattice-mc divides by 6 (3D); the lattice is 2D: D = <dr^2> / (4 t)
    d_tr = sim.tracer_diffusion_coefficient * 6.0 / 4.0
    d_j = sim.collective_diffusion_coefficient_per_atom * 6.0 / 4.0
    out.append({"sites": n_sites, "jumps": args["jumps"] + args["equilibration"], "cpu": cpu,
                "tracer": d_tr / (rate_prefactor * args["spacing"] ** 2),
                "jump": d_j / (rate_prefactor * args["spacing"] ** 2)})
print(json.dumps(out))
"""

KMCPY = r"""
import kmcpy, json
print(json.dumps({"version": kmcpy.__version__}))
"""


def run_peer(python: str, code: str, args: dict, timeout: float):
    try:
        proc = subprocess.run([python, "-c", code, json.dumps(args)], capture_output=True,
                              text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"could not run ({exc})"
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"failed: {last}"
    return json.loads(proc.stdout.strip().splitlines()[-1]), None


def ours(k0: float, n_cells: int, steps: float, replicas: int, seed: int) -> dict:
    # honeycomb with nearest-neighbour distance SPACING: a = sqrt(3) * spacing
    lam = 0.02
    model = models.interacting_honeycomb(lam, k0, n0=1.0, a=math.sqrt(3) * SPACING)
    p_hop = float(model.hop_table(temperature=TEMPERATURE).probability[0])
    t0 = time.process_time()
    ds = simulate(model, temperature=TEMPERATURE, supercell=(n_cells, n_cells), steps=steps,
                  engine="kmc", replicas=replicas, seed=seed, executor="inline")
    cpu = time.process_time() - t0
    norm = p_hop * SPACING**2  # per step; D is in Å^2 per step
    return {"sites": int(ds.n_sites), "hops": float(ds.hops), "cpu": cpu,
            "tracer": (float(ds.tracer_diffusion) / norm, float(ds.tracer_diffusion_stderr) / norm),
            "jump": (float(ds.jump_diffusion) / norm, float(ds.jump_diffusion_stderr) / norm)}


def summarise(runs):
    tr = np.array([r["tracer"] for r in runs])
    jp = np.array([r["jump"] for r in runs])
    n = len(runs)
    err = (lambda x: x.std(ddof=1) / math.sqrt(n)) if n > 1 else (lambda x: float("nan"))
    return {"sites": runs[0]["sites"], "hops": sum(r["jumps"] for r in runs),
            "cpu": sum(r["cpu"] for r in runs), "tracer": (tr.mean(), err(tr)),
            "jump": (jp.mean(), err(jp))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--peer-python", default=sys.executable)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    quick = args.quick
    # lattice-mc's honeycomb: a x b rectangular units of 4 sites; ours: L x L cells of 2 sites.
    # lattice-mc lists every possible jump at every jump (cost O(N) per jump), so the comparison
    # uses a small lattice, where it is fastest.
    a = b = 12
    n_cells = round(math.sqrt(2 * a * b))
    jumps = 4000 if quick else 20000
    reps = 2 if quick else 4
    rows = []
    for k0 in (0.0, 0.05):
        lmc, why = run_peer(args.peer_python, LATTICE_MC, {
            "a": a, "b": b, "spacing": SPACING, "nn_energy": k0, "jumps": jumps,
            "equilibration": jumps // 4, "replicas": reps, "seed": 1}, timeout=3000)
        mine = ours(k0, n_cells, 2000.0 if quick else 20000.0, 4, 7)
        rows.append((k0, mine, summarise(lmc) if lmc else None, why))
    kinfo, kwhy = run_peer(args.peer_python, KMCPY, {}, timeout=600)
    print(f"honeycomb lattice gas, half filling, {TEMPERATURE:g} K; rates per CPU second")
    print(f"{'K0 (eV)':>7} {'code':<12} {'sites':>6} {'hops':>10} {'hops/s':>10} "
          f"{'D*/(G d^2)':>20} {'D_J/(G d^2)':>20}")
    for k0, mine, lmc, why in rows:
        for name, r in (("superionic", mine), ("lattice-mc", lmc)):
            if r is None:
                print(f"{k0:>7.3f} {name:<12} {why}")
                continue
            rate = r["hops"] / r["cpu"]
            print(f"{k0:>7.3f} {name:<12} {r['sites']:>6d} {r['hops']:>10.0f} {rate:>10.3g} "
                  f"{r['tracer'][0]:>11.4f} ± {r['tracer'][1]:<6.4f} "
                  f"{r['jump'][0]:>11.4f} ± {r['jump'][1]:<6.4f}")
        if lmc is not None:
            speedup = (mine["hops"] / mine["cpu"]) / (lmc["hops"] / lmc["cpu"])
            print(f"{'':>7} speed-up superionic / lattice-mc: {speedup:.0f}x")
            if k0 == 0.0:
                for key in ("tracer", "jump"):
                    diff = abs(mine[key][0] - lmc[key][0])
                    sig = math.hypot(mine[key][1], lmc[key][1])
                    print(f"{'':>7} {key} diffusion: difference {diff:.4f} = {diff / sig:.1f} "
                          "combined standard errors")
    if kinfo is None:
        print(f"kmcpy: {kwhy} (lattice-mc pins coverage==4.3.4, with which numba, a kmcpy "
              "dependency, cannot be imported: install kmcpy in its own environment)")
    else:
        print(f"kmcpy {kinfo['version']}: installed, not run: its simulations are configured by a "
              "pymatgen structure with a fitted local cluster expansion and NEB barrier model per "
              "event (JSON inputs); an equivalent honeycomb lattice-gas input is not set up here")


if __name__ == "__main__":
    main()
