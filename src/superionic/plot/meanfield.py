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


#: Readable names of the solution branches of :func:`~superionic.meanfield.solve_path`
#: ("<sign of gamma>/<lower or upper P0 root>").
_SIGN_WORDS = {"+": "γ > 0", "0": "γ = 0", "-": "γ < 0"}
#: Axis labels of the branch variables (the unit is appended from the Dataset's attributes).
VARIABLE_LABELS = {"gamma": "polarization γ", "P0": "hop probability per step P0",
                   "sigma": "conductivity σ", "mobility": "mobility"}
#: Legend text of the points left out or drawn apart.
INVALID_LABEL = "outside the model's domain (not a result)"
CAP_LABEL = "P0 pinned at the cap of 1 (not a result)"
#: P0 closer to 1 than this is taken as pinned at the cap of the discrete-time domain.
CAP_TOLERANCE = 1e-9


def branch_label(name: str) -> str:
    """Readable legend text of a branch label such as ``"+/lower"`` ("γ > 0, lower P0 root")."""
    sign, _, root = str(name).partition("/")
    words = _SIGN_WORDS.get(sign, sign)
    return f"{words}, {root} P0 root" if root else words


def axis_label(ds: xr.Dataset, var: str) -> str:
    """Axis label of ``var``: a readable name and the unit from its attributes ("1" omitted)."""
    name = VARIABLE_LABELS.get(var, var)
    unit = str(ds[var].attrs.get("units", "")) if var in ds else ""
    unit = unit.replace("angstrom", "Å")
    return f"{name} ({unit})" if unit and unit not in ("1", "dimensionless") else name


def drawable_points(ds: xr.Dataset, var: str, name: str) -> dict[str, np.ndarray]:
    """Masks of what :func:`plot_branches` draws for branch ``name``.

    Returns ``stable`` and ``unstable`` (existing, valid, finite and not pinned at the cap; drawn
    as results), ``invalid`` (existing but outside the domain; drawn grey and dotted, labelled)
    and ``capped`` (P0 within :data:`CAP_TOLERANCE` of 1: not drawn, the temperature range shaded
    and labelled) and ``capped_stable`` (the pinned points of a stable solution).
    """
    sel = ds.sel(branch=name)
    y = sel[var].values
    exists = sel["exists"].values & np.isfinite(y)
    valid = sel["valid"].values.astype(bool)
    stable = sel["stable"].values.astype(bool)
    capped = exists & (np.nan_to_num(sel["P0"].values, nan=0.0) >= 1.0 - CAP_TOLERANCE)
    ok = exists & valid & ~capped
    return {"stable": ok & stable, "unstable": ok & ~stable, "invalid": exists & ~valid,
            "capped": capped & valid, "capped_stable": capped & valid & stable}


def plot_branches(ds: xr.Dataset, var: str = "gamma", *, ax=None, t_ref: float | None = None,
                  branches=None, label_prefix: str = "", colour=None, log: bool = False,
                  show_invalid: bool = True):
    """Draw ``var`` of every branch of a :func:`~superionic.meanfield.solve_path` Dataset.

    Valid solutions are drawn as results (stable solid, unstable dashed) and labelled with
    :func:`branch_label`. Points outside the model's domain (``valid`` False) are drawn thin,
    grey and dotted with the legend entry :data:`INVALID_LABEL` (or left out with
    ``show_invalid=False``); points whose P0 is pinned at the cap of 1 are not drawn, and where
    the stable solution is pinned its temperature range is shaded with the legend entry
    :data:`CAP_LABEL`.

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
    show_invalid : bool
        Draw the points outside the domain (distinctly, labelled).
    """
    ax = _axes(ax)
    x, xlabel = _x(ds, t_ref)
    names = list(ds["branch"].values) if branches is None else list(branches)
    labelled = {h.get_label() for h in ax.get_legend_handles_labels()[0]}
    capped_any = np.zeros(x.shape, dtype=bool)
    for name in names:
        y = ds.sel(branch=name)[var].values
        masks = drawable_points(ds, var, name)
        colour_b = colour or BRANCH_COLOURS.get(str(name)[0], "k")
        first = True
        for mask, style in ((masks["stable"], {"ls": "-", "lw": 1.8}),
                            (masks["unstable"], {"ls": "--", "lw": 1.2})):
            for xs, ys in _segments(x, y, mask):
                ax.plot(xs, ys, color=colour_b,
                        label=f"{label_prefix}{branch_label(name)}" if first else None, **style)
                first = False
        if show_invalid:
            for xs, ys in _segments(x, y, masks["invalid"]):
                label = INVALID_LABEL if INVALID_LABEL not in labelled else None
                ax.plot(xs, ys, color="0.6", ls=":", lw=0.8, label=label)
                labelled.add(INVALID_LABEL)
        capped_any |= masks["capped_stable"]
    for xs, _ in _segments(x, x, capped_any):
        ax.axvspan(xs.min(), xs.max(), color="0.85", zorder=0,
                   label=CAP_LABEL if CAP_LABEL not in labelled else None)
        labelled.add(CAP_LABEL)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(axis_label(ds, var))
    if log:
        ax.set_yscale("log")
    return ax


def plot_transitions(records, *, ax, t_ref: float | None = None):
    """Mark transition temperatures (vertical lines: type II dotted, type I dash-dot), each
    labelled for the legend (no text on the plot, which would cross the curves)."""
    seen = {h.get_label() for h in ax.get_legend_handles_labels()[0]}
    for r in records:
        x = r.temperature / t_ref if t_ref else r.temperature
        label = f"{r.kind} transition ({r.event})"
        ax.axvline(x, color="k", lw=0.8, ls=":" if r.kind == "type-II" else "-.",
                   label=label if label not in seen else None)
        seen.add(label)
    return ax


_PHASE_LINES = {"T_p": "type-II line Tp", "T_I": "type-I fold T_I"}


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
    invalid = (~sl["valid"]).transpose(y, x).values & (phase.values != 2)
    if show_validity:
        if invalid.any():
            ax.contourf(sl[x].values, sl[y].values, invalid.astype(float), levels=[0.5, 1.5],
                        colors="none", hatches=["//"])
    if x == "temperature":
        for var, style in (("T_p", ":"), ("T_I", "-.")):
            if var in sl and y in sl[var].dims:
                ax.plot(sl[var].values, sl[y].values, color="k", ls=style, lw=1.0,
                        label=_PHASE_LINES[var])
    ax.set_xlabel(f"{x} ({sl[x].attrs.get('units', '')})")
    ax.set_ylabel(f"{y} ({sl[y].attrs.get('units', '')})")
    from matplotlib.patches import Patch

    handles = [Patch(color=c, label=n) for c, n in
               zip(cmap.colors, ("polarized", "depolarized", "melted"), strict=True)]
    if show_validity and invalid.any():
        handles.append(Patch(facecolor="none", hatch="//", label=INVALID_LABEL))
    handles += [h for h in ax.get_lines() if not h.get_label().startswith("_")]
    ax.legend(handles=handles, fontsize=7, loc="best")
    return ax
