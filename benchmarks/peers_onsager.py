"""Validation against onsager: single-interstitial diffusion tensor of the hcp o/t network.

onsager (PyPI ``onsager``, D. R. Trinkle) computes the exact diffusivity of an interstitial by a
symmetry-reduced Green-function method. This script builds the same network in both codes,

* octahedral (2) and tetrahedral (4) interstitial sites of hcp, two site energies;
* three barrier types: o-o along c, o-t, t-t along c, each with its own attempt frequency;

and compares the diffusion tensors over a range of temperatures (target: 1e-8 relative), with
both codes' timings side by side. Our model is built twice: by the factory
:func:`superionic.models.hcp_interstitial` (independent geometry) and directly from onsager's
jump list (the same network by construction).

Rate conventions. onsager: rate(i -> j) = (preT / pre_i) exp(-(E_T - E_i) / kB T) with site and
transition-state prefactors; here pre_i = 1 and preT = the attempt frequency of the barrier type.
superionic: per-step probability P = exp(-(S - E_i) / kB T) / degeneracy over a step tau, so
``degeneracy = 1 / (nu tau)`` maps the rate exactly, and the discrete-time diffusion tensor at
zero field equals that of the rate matrix (see superionic.models.structures).

onsager is needed for this script only: ``pip install onsager``.

Run: ``python benchmarks/peers_onsager.py``
"""

from __future__ import annotations

import math
import time

import numpy as np

import superionic as si
from superionic.models.structures import hcp_interstitial, hcp_sites
from superionic.units import KB_EV

try:
    from onsager import OnsagerCalc, crystal
except ImportError as exc:  # pragma: no cover
    raise SystemExit("this validation needs onsager: pip install onsager") from exc

A, C_A, Z = 3.0, math.sqrt(8.0 / 3.0), 0.125
ENERGY = {"o": 0.0, "t": 0.15}  # eV
SADDLE = {("o", "o"): 0.55, ("o", "t"): 0.42, ("t", "t"): 0.30}  # eV
NU = {("o", "o"): 1.0e13, ("o", "t"): 1.6e13, ("t", "t"): 0.7e13}  # Hz
TEMPERATURES = (300.0, 450.0, 600.0, 800.0, 1000.0, 1400.0)


def lattice_rows() -> np.ndarray:
    c = C_A * A
    return np.array([[A, 0.0, 0.0], [-A / 2, A * math.sqrt(3) / 2, 0.0], [0.0, 0.0, c]])


# ----------------------------------------------------------------------------- onsager
def build_onsager():
    """Crystal with host atoms and the 6 interstitial sites; keep the three jump types."""
    rows = lattice_rows()
    host = [np.array(u) for u in ((1 / 3, 2 / 3, 1 / 4), (2 / 3, 1 / 3, 3 / 4))]
    inter = [np.array(u) for u in hcp_sites(Z).values()]
    crys = crystal.Crystal(rows.T, [host, inter], chemistry=["M", "X"], noreduce=True)
    chem = 1
    basis = [np.asarray(u) % 1.0 for u in crys.basis[chem]]
    kind = []
    for u in basis:
        kind.append("o" if np.allclose(u[:2], 0.0) else "t")
    c = C_A * A
    d_ot = math.sqrt(A * A / 3 + (c * (0.25 - Z)) ** 2)
    targets = {("o", "o"): c / 2, ("o", "t"): d_ot, ("t", "t"): 2 * Z * c}
    cutoff = 1.01 * max(targets.values())
    network = crys.jumpnetwork(chem, cutoff)
    kept, types, dropped = [], [], []
    for jumps in network:
        (i, j), dx = jumps[0]
        key = tuple(sorted((kind[i], kind[j])))
        length = float(np.linalg.norm(dx))
        along_c = np.allclose(dx[:2], 0.0)
        wanted = abs(length - targets[key]) < 1e-6 and (key == ("o", "t") or along_c)
        if wanted:
            kept.append(jumps)
            types.append(key)
        else:
            dropped.append((key, round(length, 4), len(jumps)))
    sitelist = crys.sitelist(chem)
    site_kinds = [kind[group[0]] for group in sitelist]
    calc = OnsagerCalc.Interstitial(crys, chem, sitelist, kept)
    return crys, calc, basis, kind, kept, types, site_kinds, dropped


def onsager_diffusivity(calc, types, site_kinds, temperature: float) -> np.ndarray:
    beta = 1.0 / (KB_EV * temperature)
    pre = [1.0 for _ in site_kinds]
    betaene = [beta * ENERGY[k] for k in site_kinds]
    pre_t = [NU[t] for t in types]
    betaene_t = [beta * SADDLE[t] for t in types]
    return calc.diffusivity(pre, betaene, pre_t, betaene_t)


# ----------------------------------------------------------------------------- superionic
def from_jump_list(crys, basis, kind, network, types, tau: float) -> si.HoppingModel:
    """Our model declared directly from onsager's jump list (one bond per i->j / j->i pair)."""
    rows = lattice_rows()
    names = [f"{k}{i}" for i, k in enumerate(kind)]
    sites = [si.Site(n, u, energy=ENERGY[k]) for n, u, k in zip(names, basis, kind, strict=True)]
    lattice = si.Lattice(rows, sites)
    inv = np.linalg.inv(rows)
    hops, seen = [], set()
    for jumps, key in zip(network, types, strict=True):
        for (i, j), dx in jumps:
            cell = np.round(basis[i] + np.asarray(dx) @ inv - basis[j]).astype(int)
            cell_t = tuple(int(x) for x in cell)
            if (j, i, tuple(-x for x in cell_t)) in seen:
                continue
            seen.add((i, j, cell_t))
            hops.append(si.Hop(names[i], names[j], cell_t, saddle=SADDLE[key],
                               degeneracy=1.0 / (NU[key] * tau)))
    return si.HoppingModel(lattice, hops, tau=tau)


def main() -> None:
    t0 = time.perf_counter()
    crys, calc, basis, kind, network, types, site_kinds, dropped = build_onsager()
    t_ons_setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours = hcp_interstitial(
        A, C_A, Z, oct_energy=ENERGY["o"], tet_energy=ENERGY["t"],
        saddle_oo=SADDLE[("o", "o")], saddle_ot=SADDLE[("o", "t")], saddle_tt=SADDLE[("t", "t")],
        nu_oo=NU[("o", "o")], nu_ot=NU[("o", "t")], nu_tt=NU[("t", "t")],
    )
    t_our_setup = time.perf_counter() - t0
    direct = from_jump_list(crys, basis, kind, network, types, ours.tau)
    n_jumps = sum(len(j) for j in network)
    print("hcp interstitial network: 2 octahedral + 4 tetrahedral sites per cell")
    print(f"  onsager jump types kept: {types} ({n_jumps} directed jumps)")
    if dropped:
        print(f"  dropped (other jumps within the cutoff): {dropped}")
    print(f"  superionic: {len(ours.hop_table(temperature=600.0).source)} directed hops, "
          f"tau = {ours.tau:.3e} s\n")
    print("| T (K) | D_xx onsager (Å²/s) | D_xx superionic | D_zz onsager | D_zz superionic "
          "| max rel. diff (factory) | max rel. diff (jump list) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    worst = 0.0
    t_ons, t_our = [], []
    for temp in TEMPERATURES:
        t0 = time.perf_counter()
        d_ons = onsager_diffusivity(calc, types, site_kinds, temp)
        t_ons.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        d_our = si.diffusion_tensor(ours, temperature=temp)
        t_our.append(time.perf_counter() - t0)
        d_dir = si.diffusion_tensor(direct, temperature=temp)
        scale = np.abs(d_ons).max()
        rel = float(np.abs(d_our - d_ons).max() / scale)
        rel_dir = float(np.abs(d_dir - d_ons).max() / scale)
        worst = max(worst, rel, rel_dir)
        print(f"| {temp:.0f} | {d_ons[0, 0]:.10e} | {d_our[0, 0]:.10e} | {d_ons[2, 2]:.10e} "
              f"| {d_our[2, 2]:.10e} | {rel:.1e} | {rel_dir:.1e} |")
    print("\n| timing | onsager | superionic |")
    print("|---|---:|---:|")
    print(f"| setup (crystal, symmetry, jump network / model) | {t_ons_setup * 1e3:.1f} ms "
          f"| {t_our_setup * 1e3:.1f} ms |")
    print(f"| diffusion tensor per temperature (median) | {np.median(t_ons) * 1e3:.3f} ms "
          f"| {np.median(t_our) * 1e3:.3f} ms |")
    verdict = "PASS" if worst <= 1e-8 else "FAIL"
    print(f"\nlargest relative difference: {worst:.2e} (target 1e-8): {verdict}")
    if worst > 1e-8:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
