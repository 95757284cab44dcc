"""Benchmark of the structure route: ``hop_network`` and ``build_model`` on a 200-atom cell.

The cell is a 5 x 5 x 4 supercell of a CsCl-type crystal (a = 3.9 Å): 100 framework atoms and
100 mobile-ion sites, hops within 4 Å (the six nearest neighbours, 300 bonds). Two versions:

* ideal: space group Pm-3m with the supercell's 100 lattice translations (4800 operations),
  one site class and one hop class;
* perturbed: every atom displaced at random by up to 0.05 Å (seeded), space group P1, so every
  site and bond is its own class.

Prints a Markdown table of the best wall time (s) of each call.

Run: ``python benchmarks/bench_materials.py``
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import warnings  # noqa: E402

import numpy as np  # noqa: E402
from _timing import best_time, machine  # noqa: E402
from pymatgen.core import Lattice, Structure  # noqa: E402

from superionic import materials  # noqa: E402

CUTOFF = 4.0  # Å


def cell(perturbation: float = 0.0, seed: int = 7) -> Structure:
    base = Structure(Lattice.cubic(3.9), ["Cs", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]])
    base.make_supercell([5, 5, 4])
    if perturbation:
        rng = np.random.default_rng(seed)
        shifts = rng.uniform(-perturbation, perturbation, size=(len(base), 3))
        base = Structure(base.lattice, base.species,
                         base.cart_coords + shifts, coords_are_cartesian=True)
    return base


def main() -> None:
    print(f"machine: {machine()}\n")
    print("| cell | atoms | sites | bonds | site / hop classes | space group | "
          "hop_network (s) | build_model (s) |")
    print("|---|---|---|---|---|---|---|---|")
    warnings.simplefilter("ignore", materials.FrameworkClashWarning)
    for label, perturbation in (("ideal", 0.0), ("perturbed", 0.05)):
        structure = cell(perturbation)
        net = materials.hop_network(structure, mobile="Cs", cutoff=CUTOFF)
        t_net = best_time(lambda s=structure: materials.hop_network(s, mobile="Cs",
                                                                     cutoff=CUTOFF),
                          repeat=3, min_time=0.0)
        t_model = best_time(lambda n=net: materials.build_model(
            n, site_energies=0.0, saddle_energies=0.3, allow_nonpercolating=True),
            repeat=3, min_time=0.0)
        print(f"| {label} | {len(structure)} | {net.n_sites} | {net.n_bonds} | "
              f"{len(net.site_classes)} / {len(net.hop_classes)} | {net.space_group} | "
              f"{t_net:.3f} | {t_model:.3f} |")


if __name__ == "__main__":
    main()
