"""Declare your own lattice: a 2D rectangular cell with two inequivalent sites.

Bonds come from neighbour shells, energies set the probabilities (Eq. 3, detailed balance by
construction). Prints the anisotropic diffusion tensor, checks Nernst-Einstein for the symmetric
field coupling and saves the model as a TOML spec. Usage: python custom_lattice.py [OUTDIR]
"""

import sys
from pathlib import Path

import numpy as np

import superionic as si
from superionic import io, models

out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
lattice = si.Lattice(
    [[3.0, 0.0], [0.0, 4.0]],
    [si.Site("A", [0.0, 0.0]), si.Site("B", [0.5, 0.5], energy=0.04)],
)
for distance, pairs in lattice.neighbour_shells(4.1):
    print(f"shell at {distance:.3f} Å: {len(pairs)} directed pairs")
hops = models.bonds_from_shell(lattice, 0, saddle=0.30)  # A-B diagonals, 2.5 Å
hops += models.bonds_from_shell(lattice, 1, saddle=0.45)  # A-A and B-B along x, 3 Å
model = si.HoppingModel(lattice, hops, tau=1e-13)
model.check_connected()

T = 650.0
D = si.diffusion_tensor(model, temperature=T)
mu = si.mobility_tensor(model, temperature=T)
assert np.allclose(mu, D, atol=1e-12 * abs(D).max())  # Nernst-Einstein (symmetric coupling)
assert D[1, 1] > D[0, 0] > 0  # the A-B bonds (1.5, 2.0) Å carry more along y
print(f"D({T:.0f} K) in cm^2/s:\n{D * 1e-16}")
print("stationary occupations:", model.stationary(temperature=T))
io.write_model(model, out / "custom_lattice.toml", name="rectangular two-site lattice",
               cell_volume=48.0)
assert io.load_model(out / "custom_lattice.toml") == model
print(f"wrote {out / 'custom_lattice.toml'}")
