"""Figures of crystal-derived models: the hop network in its cell and sigma(T) of several models.

Every function draws onto ``ax`` (a new Figure's Axes when None), returns the Axes and never
calls ``show()``; no global style is set.
"""

from __future__ import annotations

import itertools

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["plot_hop_network", "plot_sigma_arrhenius"]


def plot_hop_network(network, ax: Axes | None = None, *, show_framework: bool = True) -> Axes:
    """Sites (by class) and bonds (by hop class) of a HopNetwork inside one cell, in 3D.

    Parameters
    ----------
    network : superionic.materials.HopNetwork
    ax : 3D Axes, optional
        Created (``projection="3d"``) when None.
    show_framework : bool
        Also draw the framework atoms of the cell.
    """
    if ax is None:
        ax = Figure(figsize=(5.6, 5.0), layout="constrained").add_subplot(projection="3d")
    lat = network.lattice
    # cell edges
    corners = np.array(list(itertools.product((0, 1), repeat=3)), dtype=float)
    for i, j in itertools.combinations(range(8), 2):
        if np.sum(np.abs(corners[i] - corners[j])) == 1:
            seg = corners[[i, j]] @ lat
            ax.plot(*seg.T, color="0.75", lw=0.6)
    colours = ["C0", "C1", "C2", "C3", "C4", "C5", "C6"]
    start, end = network.bond_endpoints()
    for k, hop in enumerate(network.hop_classes):
        members = np.flatnonzero(network.bond_class == k)
        for n, b in enumerate(members):
            seg = np.array([start[b], end[b]])
            ax.plot(*seg.T, color=colours[k % len(colours)], lw=1.2, alpha=0.8,
                    label=f"{hop.name} (x{hop.multiplicity})" if n == 0 else None)
    cart = network.cartesian_positions
    for c, site in enumerate(network.site_classes):
        pts = cart[network.site_class == c]
        ax.scatter(*pts.T, s=28, color="k", marker="o" if c == 0 else "s", depthshade=False,
                   label=f"site {site.name} (x{site.count})")
    if show_framework and network.framework.positions.shape[0]:
        fw = network.framework.cartesian
        ax.scatter(*fw.T, s=160, color="0.55", alpha=0.5, depthshade=False,
                   label="framework " + "/".join(sorted(set(network.framework.species))))
    ax.set_xlabel("x (Å)")
    ax.set_ylabel("y (Å)")
    ax.set_zlabel("z (Å)")
    ax.set_title(f"{network.formula} ({network.space_group}): {network.mobile} sites and hops")
    ax.legend(fontsize=7, loc="upper left")
    return ax


def plot_sigma_arrhenius(curves: dict[str, xr.Dataset], ax: Axes | None = None) -> Axes:
    """``sigma_iso`` (S/cm) against 1000 / T for several models, one line each.

    ``curves`` maps a label to a Dataset of :func:`superionic.conductivity_vs_temperature`.
    """
    if ax is None:
        ax = Figure(figsize=(5.2, 3.8), layout="constrained").add_subplot()
    for label, ds in curves.items():
        t = ds["temperature"].values
        ax.semilogy(1000.0 / t, ds["sigma_iso"].values, marker="o", ms=3, label=label)
    ax.set_xlabel("1000 / T (1/K)")
    ax.set_ylabel("sigma (S/cm)")
    ax.legend(fontsize=8)
    return ax
