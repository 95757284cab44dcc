"""The honeycomb layer of App. A: isotropic mobility (Eq. 62) and a decay-rate map.

Usage: python honeycomb_map.py [OUTDIR]
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import superionic as si
from superionic import spectrum

out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
P0, gamma, a = 0.3, -0.4, 2.1
hc = si.models.honeycomb(P0, gamma, a=a)

mobility = si.mobility_tensor(hc, coupling="full")
expected = a**2 * P0 * (1 - gamma**2) / 6 * np.eye(2)  # Eq. 62 per unit reduced field
assert np.allclose(mobility, expected)
print("mobility (full coupling), Å^2 per step:\n", mobility)

mesh = spectrum.kmesh(hc.lattice, 36, first_zone=True)
ds = spectrum.spectrum(hc, mesh)
kx, ky = ds["k_cartesian"].values.T
fig, ax = plt.subplots(figsize=(4.5, 4))
art = ax.tricontourf(kx, ky, ds["decay_rate"].sel(mode=0).values, levels=20)
boundary = ds["zone_boundary"].values
ax.plot(*np.vstack([boundary, boundary[:1]]).T, "k-", lw=0.8)
fig.colorbar(art, ax=ax, label="κτ, stable branch")
ax.set(xlabel="kx (1/Å)", ylabel="ky (1/Å)", aspect="equal")
fig.savefig(out / "honeycomb_decay_map.png", dpi=100)
print(f"wrote {out / 'honeycomb_decay_map.png'}")
