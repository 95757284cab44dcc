"""Side by side with lattice-mc and kmcpy (PyPI) on the honeycomb lattice gas at half filling.

Usage::

    python -m venv /tmp/peers && /tmp/peers/bin/pip install lattice-mc kmcpy "coverage>=7"
    python benchmarks/peers_simulation.py --peer-python /tmp/peers/bin/python [--quick]

(lattice-mc pins ``coverage==4.3.4``, with which numba, a kmcpy dependency, cannot be imported;
installing a current coverage afterwards lets both import; or give kmcpy its own environment with
``--kmcpy-python``.)

The peers are never a dependency of superionic: they run in the interpreter given by
``--peer-python`` (default: this one) in a subprocess, and the script says so when one is missing or
fails. Rates are executed hops per second of process CPU time of each code, measured in the same
run. Two systems:

* exclusion only (K0 = 0): all three codes simulate the same symmetric exclusion process on the
  honeycomb lattice, so the tracer and jump diffusion coefficients, in units of the single-hop rate
  times the squared hop length, must agree within error bars;
* nearest-neighbour repulsion K0 = 0.05 eV at 298 K (lattice-mc's temperature). lattice-mc applies
  K0 through another rate law (Metropolis in the energy change) than superionic (the barrier rises
  by K0 per occupied neighbour of the target, Sec. IV); the two share the equilibrium state but
  not the kinetics, so only the speed is compared there. kmcpy takes its rates from a model
  object, which is given superionic's rate law, so its diffusion coefficients must agree with
  superionic's at both K0.
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
from superionic.simulation.supercell import build_rules, compile_supercell
from superionic.units import KB_EV

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

# kmcpy runs its own rejection-free engine (kmcpy.simulator.kmc.KMC: event selection, event
# dependencies, State, Tracker and its diffusivities) on the honeycomb lattice gas. kmcpy's event is
# a bond (i, j) whose two endpoints exchange; its rate comes from a model object. Instead of a
# fitted local-cluster-expansion barrier model, a BaseModel subclass gives the lattice-gas rate of
# superionic's rules: exp(-K0 n / kB T) per unit time (Gamma = 1), n the occupied neighbours of the
# target other than the source. Occupation codes: 0 ion, 1 vacancy (kmcpy's default hop codes).
KMCPY = r"""
import json, os, sys, tempfile, time, types, logging
import numpy as np
from pymatgen.core import Lattice, Structure
import kmcpy
from kmcpy.event import Event, EventLib, HopStateLookup
from kmcpy.models.base import BaseModel
from kmcpy.simulator.kmc import KMC
from kmcpy.simulator.state import State
logging.disable(logging.CRITICAL)
args = json.loads(sys.argv[1])
neigh = [tuple(x) for x in args["neighbours"]]
factor = args["factor"]
class LatticeGas(BaseModel):
    def __init__(self):
        pass
    def compute_probability(self, event, runtime_config, simulation_state):
        occ = simulation_state.occupations
        i, j = event.mobile_ion_indices
        if occ[i] == 0 and occ[j] == 1:
            s, t = i, j
        elif occ[j] == 0 and occ[i] == 1:
            s, t = j, i
        else:
            return 0.0
        return factor[sum(1 for u in neigh[t] if u != s and occ[u] == 0)]
    def as_dict(self):
        return {}
    @classmethod
    def from_dict(cls, d):
        return cls()
n = len(neigh)
m = np.array(args["matrix"])
lat = Lattice([[m[0][0], m[0][1], 0.0], [m[1][0], m[1][1], 0.0], [0.0, 0.0, 20.0]])
frac = [[f[0], f[1], 0.0] for f in args["frac"]]
structure = Structure(lat, ["Na"] * n, frac)
out = []
os.chdir(tempfile.mkdtemp())
for rep in range(args["replicas"]):
    rng = np.random.default_rng(args["seed"] + rep)
    occ = np.ones(n, dtype=int)
    occ[rng.choice(n, n // 2, replace=False)] = 0  # 0: ion, 1: vacancy
    lib = EventLib()
    for i in range(n):
        for j in neigh[i]:
            if i < j:
                env = tuple(sorted((set(neigh[i]) | set(neigh[j])) - {i, j}))
                lib.add_event(Event((i, j), env))
    lib.generate_event_dependencies()
    lookup = HopStateLookup(np.zeros(n, dtype=np.int64), np.ones(n, dtype=np.int64))
    config = types.SimpleNamespace(
        name=f"honeycomb{rep}", random_seed=args["seed"] + rep, attempt_frequency=1.0,
        temperature=args["temperature"], mobile_ion_specie="Na",
        equilibration_passes=args["equilibration_passes"], kmc_passes=args["passes"],
        dimension=2, mobile_ion_charge=1.0, elementary_hop_distance=args["spacing"],
        runtime_config=types.SimpleNamespace())
    kmc = KMC(structure, LatticeGas(), lib, config, State(occupations=list(occ)),
              hop_state_lookup=lookup)
    t0 = time.process_time()
    tracker = kmc.run()
    cpu = time.process_time() - t0
    hops = (args["passes"] + args["equilibration_passes"]) * n
    to_units = 1e16 / args["spacing"] ** 2  # cm^2/s per unit rate -> D / (Gamma d^2)
    out.append({"sites": n, "jumps": hops, "cpu": cpu,
                "tracer": tracker.results["tracer_diffusivity"][-1] * to_units,
                "jump": tracker.results["jump_diffusivity"][-1] * to_units})
print(json.dumps({"version": kmcpy.__version__, "runs": out}))
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


def honeycomb_geometry(n_cells: int) -> dict:
    """Sites, lattice and neighbour lists of superionic's honeycomb supercell (for kmcpy)."""
    model = models.interacting_honeycomb(0.02, 0.0, n0=1.0, a=math.sqrt(3) * SPACING)
    rules = build_rules(model, temperature=TEMPERATURE)
    cell = compile_supercell(rules, model, (n_cells, n_cells))
    neighbours, frac = [], []
    for s in range(cell.n_sites):
        c, b = cell.site_cell(s)
        frac.append(((c + model.lattice.fractional_positions[b]) / n_cells).tolist())
        neighbours.append(sorted(
            cell.site_index(c + rules.cell[h], int(rules.target_basis[h]))
            for h in range(rules.n_hops) if int(rules.source_basis[h]) == b
        ))
    return {"neighbours": neighbours, "frac": frac,
            "matrix": (model.lattice.matrix * n_cells).tolist()}


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
    ap.add_argument("--kmcpy-python", default=None,
                    help="interpreter with kmcpy (default: --peer-python)")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    quick = args.quick
    kmcpy_python = args.kmcpy_python or args.peer_python
    # lattice-mc's honeycomb: a x b rectangular units of 4 sites; ours: L x L cells of 2 sites.
    # lattice-mc lists every possible jump at every jump and kmcpy rebuilds its cumulative rate
    # list at every event (cost O(N) per jump), so the comparison uses a small lattice, where
    # they are fastest. kmcpy's jump diffusion comes from one collective displacement per run,
    # so it gets twice the replicas.
    a = b = 12
    n_cells = round(math.sqrt(2 * a * b))
    jumps = 4000 if quick else 20000
    reps = 2 if quick else 4
    geometry = honeycomb_geometry(n_cells)
    n_sites = len(geometry["neighbours"])
    passes = max(1, round(jumps / n_sites))
    rows = []
    for k0 in (0.0, 0.05):
        lmc, why = run_peer(args.peer_python, LATTICE_MC, {
            "a": a, "b": b, "spacing": SPACING, "nn_energy": k0, "jumps": jumps,
            "equilibration": jumps // 4, "replicas": reps, "seed": 1}, timeout=3000)
        factor = [math.exp(-k0 * n / (KB_EV * TEMPERATURE)) for n in range(3)]
        kmc, kwhy = run_peer(kmcpy_python, KMCPY, {
            **geometry, "factor": factor, "replicas": 2 * reps, "seed": 1,
            "temperature": TEMPERATURE, "equilibration_passes": max(1, passes // 4),
            "passes": passes, "spacing": SPACING}, timeout=3000)
        mine = ours(k0, n_cells, 2000.0 if quick else 20000.0, 4, 7)
        peers = [("lattice-mc", summarise(lmc) if lmc else None, why),
                 (f"kmcpy {kmc['version']}" if kmc else "kmcpy",
                  summarise(kmc["runs"]) if kmc else None, kwhy)]
        rows.append((k0, mine, peers))
    print(f"honeycomb lattice gas, half filling, {TEMPERATURE:g} K; rates per CPU second")
    print(f"{'K0 (eV)':>7} {'code':<12} {'sites':>6} {'hops':>10} {'hops/s':>10} "
          f"{'D*/(G d^2)':>20} {'D_J/(G d^2)':>20}")
    for k0, mine, peers in rows:
        for name, r, why in [("superionic", mine, None), *peers]:
            if r is None:
                print(f"{k0:>7.3f} {name:<12} {why}")
                continue
            rate = r["hops"] / r["cpu"]
            print(f"{k0:>7.3f} {name:<12} {r['sites']:>6d} {r['hops']:>10.0f} {rate:>10.3g} "
                  f"{r['tracer'][0]:>11.4f} ± {r['tracer'][1]:<6.4f} "
                  f"{r['jump'][0]:>11.4f} ± {r['jump'][1]:<6.4f}")
        for name, r, _ in peers:
            if r is None:
                continue
            speedup = (mine["hops"] / mine["cpu"]) / (r["hops"] / r["cpu"])
            print(f"{'':>7} speed-up superionic / {name}: {speedup:.0f}x")
            # lattice-mc applies K0 through another rate law (Metropolis in the energy change);
            # kmcpy runs superionic's rate law here, so its coefficients must agree at both K0
            if k0 == 0.0 or name.startswith("kmcpy"):
                for key in ("tracer", "jump"):
                    diff = abs(mine[key][0] - r[key][0])
                    sig = math.hypot(mine[key][1], r[key][1])
                    print(f"{'':>7} {name} {key} diffusion: difference {diff:.4f} = "
                          f"{diff / sig:.1f} combined standard errors")


if __name__ == "__main__":
    main()
