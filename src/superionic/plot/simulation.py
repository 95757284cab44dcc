"""Figures of the many-body simulation. Each takes ``ax=`` (created when None) and returns it."""

from __future__ import annotations

import numpy as np


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(5.0, 3.6), layout="constrained")
    return ax


def plot_msd(ds, ax=None):
    """Tracer and collective mean-square displacements against lag (log-log), with error bars."""
    ax = _axes(ax)
    lag = ds["lag"].values
    for name, label in (("msd_tracer", "tracer"), ("msd_collective", "collective / N")):
        y = ds[name].values
        ok = y > 0
        ax.errorbar(lag[ok], y[ok], yerr=ds[name + "_stderr"].values[ok], marker="o", ms=3,
                    capsize=2, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("lag (steps tau)")
    ax.set_ylabel("mean-square displacement (Å$^2$)")
    ax.legend(frameon=False)
    return ax


def plot_series(x, y, yerr=None, ax=None, *, label=None, marker="o", ls="none", **kwargs):
    """One simulated quantity with error bars against a parameter (for example temperature)."""
    ax = _axes(ax)
    ax.errorbar(np.asarray(x), np.asarray(y), yerr=None if yerr is None else np.asarray(yerr),
                marker=marker, ms=4, capsize=2, ls=ls, label=label, **kwargs)
    return ax


def plot_blocks(ds, ax=None, *, variable: str = "block_hop_probability"):
    """Per-block series of each replica with the detected warm-up shaded."""
    ax = _axes(ax)
    blocks = ds["block"].values
    for r in ds["replica"].values:
        y = ds[variable].sel(replica=r).values
        line = ax.plot(blocks, y, lw=1, label=f"replica {r}")[0]
        w = int(ds["warmup_blocks"].sel(replica=r))
        if w:
            ax.axvspan(-0.5, w - 0.5, color=line.get_color(), alpha=0.12)
    ax.set_xlabel("block")
    ax.set_ylabel(variable.replace("block_", "").replace("_", " "))
    return ax
