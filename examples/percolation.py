"""Site percolation on the square lattice: diffusion against the fraction of blocked sites.

Each blocked fraction gets independent realisations of a periodic square supercell with sites
blocked at random; the exact diffusion tensor of the spanning cluster is computed with sparse
linear algebra. D per ion vanishes at the site-percolation threshold (0.592746 occupied, i.e.
0.407 blocked). Writes percolation.nc and percolation.png.

Usage: python percolation.py [OUTDIR] [--full]  (--full: the 64 x 64 figure of the docs)
"""

import sys
from pathlib import Path

import numpy as np

import superionic as si
from superionic import io
from superionic.plot.disorder import plot_percolation

args = [a for a in sys.argv[1:] if a != "--full"]
full = "--full" in sys.argv
out = Path(args[0]) if args else Path.cwd()
out.mkdir(parents=True, exist_ok=True)

lattice = si.Lattice([[2.0, 0.0], [0.0, 2.0]], [si.Site("A", [0.0, 0.0])])
model = si.HoppingModel(
    lattice, [si.Hop("A", "A", (1, 0), saddle=0.3), si.Hop("A", "A", (0, 1), saddle=0.3)]
)
side, realisations = (64, 6) if full else (24, 4)
blocked = np.linspace(0.0, 0.5, 21 if full else 11)
data = si.transport.percolation_sweep(
    model, side, blocked, temperature=600.0, realisations=realisations, seed=2026
)
ratio = data["diffusion_mean"].values / data.attrs["diffusion_clean"]
for q, r, s in zip(blocked, ratio, data["spanning_probability"].values, strict=True):
    print(f"blocked {q:.3f}: D / D_clean = {r:.4f}, spanning probability {s:.2f}")
assert ratio[0] == 1.0 or abs(ratio[0] - 1.0) < 1e-12
assert ratio[-1] == 0.0  # half the sites blocked: far below threshold, nothing spans

io.write_netcdf(data, out / "percolation.nc")
ax = plot_percolation(data, threshold=si.models.SQUARE_SITE_PERCOLATION)
ax.set_title(f"square lattice, {side}x{side} sites, {realisations} realisations", fontsize=9)
ax.figure.savefig(out / "percolation.png", dpi=110)
print(f"wrote {out / 'percolation.nc'} and {out / 'percolation.png'}")
