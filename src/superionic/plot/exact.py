"""Figures of the exact many-body reference. Each takes ``ax=`` (created when None), returns it."""

from __future__ import annotations

import numpy as np


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(5.0, 3.6), layout="constrained")
    return ax


def plot_exact_comparison(temperature, exact, ax=None, *, meanfield=None,
                          meanfield_temperature=None, simulation=None, simulation_stderr=None,
                          simulation_temperature=None, label: str = "", color=None):
    """One observable against temperature: mean field, exact enumeration and simulation.

    Parameters
    ----------
    temperature, exact : array_like
        Temperatures (K) and the exact values on the enumerated supercell (a line).
    meanfield : array_like, optional
        Mean-field values (dashed line) at ``meanfield_temperature`` (default ``temperature``).
    simulation, simulation_stderr : array_like, optional
        Simulated values and standard errors (points with error bars) at
        ``simulation_temperature`` (default ``temperature``).
    label : str
        Appended to each legend entry.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    t = np.asarray(temperature, dtype=float)
    suffix = f", {label}" if label else ""
    line = ax.plot(t, np.asarray(exact, dtype=float), "-", color=color,
                   label="exact enumeration" + suffix)[0]
    color = line.get_color()
    if meanfield is not None:
        tm = t if meanfield_temperature is None else np.asarray(meanfield_temperature, float)
        ax.plot(tm, np.asarray(meanfield, dtype=float), "--", color=color, lw=1,
                label="mean field" + suffix)
    if simulation is not None:
        ts = t if simulation_temperature is None else np.asarray(simulation_temperature, float)
        ax.errorbar(ts, np.asarray(simulation, dtype=float),
                    yerr=None if simulation_stderr is None else np.asarray(simulation_stderr,
                                                                           float),
                    marker="o", ms=4, capsize=2, ls="none", color=color,
                    label="simulation" + suffix)
    ax.set_xlabel("T (K)")
    return ax
