"""Figures of the mean field (Fig. 4): order parameters, conductivity, phase diagrams.

Each function draws a Dataset from :mod:`superionic.meanfield` on ``ax`` (created when None) and
returns the Axes. Branch styles: stable and valid solid; unstable dashed; outside the
discrete-time domain (DESIGN 3.7) thin dotted and grey, so that invalid data is never drawn as
if it were valid.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

BRANCH_COLOURS = {"+": "C0", "0": "C3", "-": "C2"}


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(4.5, 3.4))
    return ax


def _x(ds: xr.Dataset, t_ref):
    t = ds["temperature"].values
    return (t / t_ref, "T / Tp") if t_ref else (t, "T (K)")


def _segments(x, y, mask):
    """Split (x, y) where mask is False, yielding contiguous runs (no lines across gaps)."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return
    breaks = np.flatnonzero(np.diff(idx) > 1)
    for run in np.split(idx, breaks + 1):
        yield x[run], y[run]


def plot_branches(ds: xr.Dataset, var: str = "gamma", *, ax=None, t_ref: float | None = None,
                  branches=None, label_prefix: str = "", colour=None, log: bool = False):
    """Draw ``var`` of every branch of a :func:`~superionic.meanfield.solve_path` Dataset.

    Parameters
    ----------
    ds : xarray.Dataset
        From ``solve_path`` or ``closed_form_path``.
    var : str
        ``"gamma"``, ``"P0"``, ``"sigma"`` ...
    t_ref : float, optional
        Reference temperature for the abscissa (T / t_ref), e.g. Tp as in Fig. 4.
    branches : sequence of str, optional
        Branch labels to draw (default all).
    log : bool
        Logarithmic ordinate.
    """
    ax = _axes(ax)
    x, xlabel = _x(ds, t_ref)
    names = list(ds["branch"].values) if branches is None else list(branches)
    for name in names:
        sel = ds.sel(branch=name)
        y = sel[var].values
        exists = sel["exists"].values & np.isfinite(y)
        stable = sel["stable"].values
        valid = sel["valid"].values
        colour_b = colour or BRANCH_COLOURS.get(str(name)[0], "k")
        first = True
        for mask, style in (
            (exists & stable & valid, {"ls": "-", "lw": 1.8}),
            (exists & ~stable & valid, {"ls": "--", "lw": 1.2}),
        ):
            for xs, ys in _segments(x, y, mask):
                ax.plot(xs, ys, color=colour_b, label=f"{label_prefix}{name}" if first else None,
                        **style)
                first = False
        for xs, ys in _segments(x, y, exists & ~valid):
            ax.plot(xs, ys, color="0.6", ls=":", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(var)
    if log:
        ax.set_yscale("log")
    return ax


def plot_transitions(records, *, ax, t_ref: float | None = None):
    """Mark transition temperatures (vertical lines: type II dotted, type I dash-dot)."""
    for r in records:
        x = r.temperature / t_ref if t_ref else r.temperature
        ax.axvline(x, color="k", lw=0.8, ls=":" if r.kind == "type-II" else "-.")
        ax.annotate(r.kind, (x, 1.0), xycoords=("data", "axes fraction"), rotation=90,
                    va="top", ha="right", fontsize=7)
    return ax


def plot_phase_diagram(ds: xr.Dataset, x: str = "temperature", y: str = "M0", *, ax=None,
                       show_validity: bool = True):
    """Phase map (polarized / depolarized / melted) of a 2D slice of a phase-diagram Dataset,
    with the type-II line Tp and the type-I fold T_I when ``x`` is the temperature."""
    from matplotlib.colors import ListedColormap

    ax = _axes(ax)
    sl = ds
    for dim in list(ds["phase"].dims):
        if dim not in (x, y):
            sl = sl.isel({dim: 0})
    phase = sl["phase"].transpose(y, x)
    cmap = ListedColormap(["#4c72b0", "#dd8452", "#c44e52"])
    ax.pcolormesh(sl[x].values, sl[y].values, phase.values, cmap=cmap, vmin=-0.5, vmax=2.5,
                  shading="nearest")
    if show_validity:
        invalid = (~sl["valid"]).transpose(y, x).values & (phase.values != 2)
        if invalid.any():
            ax.contourf(sl[x].values, sl[y].values, invalid.astype(float), levels=[0.5, 1.5],
                        colors="none", hatches=["//"])
    if x == "temperature":
        for var, style in (("T_p", ":"), ("T_I", "-.")):
            if var in sl and y in sl[var].dims:
                ax.plot(sl[var].values, sl[y].values, color="k", ls=style, lw=1.0, label=var)
    ax.set_xlabel(f"{x} ({sl[x].attrs.get('units', '')})")
    ax.set_ylabel(f"{y} ({sl[y].attrs.get('units', '')})")
    from matplotlib.patches import Patch

    handles = [Patch(color=c, label=n) for c, n in
               zip(cmap.colors, ("polarized", "depolarized", "melted"), strict=True)]
    ax.legend(handles=handles, fontsize=7, loc="best")
    return ax
