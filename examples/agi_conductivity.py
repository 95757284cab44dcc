"""alpha-AgI-like conductivity from the spec file examples/specs/bcc_agi.toml (3D, 12 sites).

Reads the TOML model, computes sigma(T) and D(T), fits the Arrhenius law (Eq. 39) and writes
NetCDF data and a figure. Usage: python agi_conductivity.py [OUTDIR]
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import superionic as si
from superionic import io

out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
spec = io.read_spec(Path(__file__).parent / "specs" / "bcc_agi.toml")
model = io.spec_to_model(spec)

temperatures = np.linspace(420.0, 820.0, 9)
data = si.conductivity_vs_temperature(model, temperatures, charge=spec.charge)
fit = si.arrhenius_fit(temperatures, data["sigma_iso"].values)
print(f"{spec.name}: Ea = {fit['activation_energy']:.4f} eV "
      f"(barrier 0.10 eV), sigma(620 K) = {float(data['sigma_iso'][4]):.2f} S/cm")
assert abs(fit["activation_energy"] - 0.10) < 1e-6

io.write_netcdf(data, out / "agi_conductivity.nc")
fig, ax = plt.subplots(figsize=(4.5, 3.5))
ax.semilogy(1000 / temperatures, data["sigma_iso"] * temperatures, "o")
ax.set(xlabel="1000 / T (1/K)", ylabel="σ T (S K / cm)")
fig.tight_layout()
fig.savefig(out / "agi_conductivity.png", dpi=100)
print(f"wrote {out / 'agi_conductivity.nc'} and the figure")
