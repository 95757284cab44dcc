"""The small-cell comparison of the simulation report (quick mode)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from superionic.reports.exact import exact_markdown, exact_part


def test_exact_part_quick(tmp_path):
    files: list = []
    part = exact_part(tmp_path, True, files)
    assert sorted(files) == ["exact_small_cell.nc", "fig_sim_exact_small_cell.png"]
    data = xr.load_dataset(tmp_path / "exact_small_cell.nc")
    # the simulation on the same cell agrees with the exact chain
    z = np.concatenate([part["z_simulation_abs_gamma"], part["z_simulation_hop_probability"]])
    assert np.all(np.abs(z[np.isfinite(z)]) < 4.0), z
    # the exact small ring has no transition: |gamma| stays finite above the mean-field Tp,
    # where the mean field is zero
    above = data.T_k0 > 1.2 * part["Tp_meanfield_K"]
    assert np.all(data.abs_gamma_meanfield.where(above, drop=True) == 0.0)
    assert np.all(data.abs_gamma_exact.where(above, drop=True) > 0.3)
    # M0 in the previous step raises the hop probability more than in the same step
    assert np.all(np.asarray(part["hop_ratio_previous_to_same"]) > 1.0)
    text = "\n".join(exact_markdown(part))
    assert "exact enumeration" in text and f"{part['n_states']['k0']} states" in text
