"""Figures of disordered crystals: diffusion against the blocked fraction (site percolation).

Draws the Dataset of :func:`superionic.transport.percolation_sweep`; takes ``ax=`` (a new
Figure's Axes when None), returns the Axes, never calls ``show()``.
"""

from __future__ import annotations

import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..errors import ModelError


def plot_percolation(
    ds: xr.Dataset, *, threshold: float | None = None, ax: Axes | None = None
) -> Axes:
    """Diffusion (relative to the clean lattice) against the fraction of blocked sites.

    Parameters
    ----------
    ds : xarray.Dataset
        From :func:`superionic.transport.percolation_sweep`.
    threshold : float, optional
        Site-percolation threshold as an *occupied* fraction (e.g. 0.592746 on the square
        lattice); drawn as a vertical line at the blocked fraction ``1 - threshold``.
    ax : Axes, optional
    """
    for name in ("diffusion_mean", "diffusion_cluster_mean", "spanning_probability"):
        if name not in ds:
            raise ModelError(f"plot_percolation needs a percolation_sweep Dataset ({name!r})")
    if ax is None:
        ax = Figure(figsize=(5.0, 3.6), layout="constrained").add_subplot()
    clean = float(ds.attrs["diffusion_clean"])
    q = ds["blocked"].values
    ax.errorbar(
        q,
        ds["diffusion_mean"].values / clean,
        yerr=ds["diffusion_stderr"].values / clean,
        marker="o",
        ms=4,
        capsize=2,
        label=r"$D$ per ion on open sites",
    )
    ax.errorbar(
        q,
        ds["diffusion_cluster_mean"].values / clean,
        yerr=ds["diffusion_cluster_stderr"].values / clean,
        marker="s",
        ms=3,
        capsize=2,
        label=r"$D$ on the spanning cluster",
    )
    ax.plot(q, ds["spanning_probability"].values, ":", color="0.4", label="spanning probability")
    if threshold is not None:
        ax.axvline(1.0 - threshold, color="k", lw=0.8, ls="--", label="percolation threshold")
    ax.set_xlabel("fraction of blocked sites")
    ax.set_ylabel(r"$D / D_{\mathrm{clean}}$")
    ax.set_ylim(bottom=0.0)
    ax.legend(fontsize="small", frameon=False)
    return ax
