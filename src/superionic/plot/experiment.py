"""Figures of measured data and their Arrhenius fits (:mod:`superionic.experiment`).

:func:`plot_fit` draws ``log10(sigma T)`` (or ``log10 D``) against ``1000 / T``: the data with
error bars, each fitted segment with its confidence band, the transition (a line for a kink,
the bracketing interval for a jump) and, when given, the curve of the inferred mean-field
parameters.
"""

from __future__ import annotations

import math

import numpy as np

LN10 = math.log(10.0)


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(5.0, 3.8))
    return ax


def plot_fit(fit, inference=None, *, ax=None, band: float = 1.96, n_curve: int = 200):
    """Draw an :class:`~superionic.experiment.ArrheniusFit` (and an inference) on ``ax``.

    Parameters
    ----------
    fit : ArrheniusFit
    inference : Inference, optional
        Its :meth:`~superionic.experiment.Inference.model_ln_value` curve is drawn dashed.
    ax : matplotlib Axes, optional
    band : float
        Half-width of the confidence bands in standard errors (1.96: 95 %).
    n_curve : int
        Points per drawn segment.

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    t = fit.temperature
    y = np.log(fit.values * t) if fit.quantity == "sigma" else np.log(fit.values)
    inv = 1000.0 / t
    yerr = None if fit.errors is None else fit.errors / fit.values / LN10
    ax.errorbar(inv, y / LN10, yerr=yerr, fmt="o", ms=4, color="k", capsize=2,
                label="data", zorder=3)
    labels = ("below", "above") if len(fit.segments) == 2 else ("fit",)
    for seg, label, colour in zip(fit.segments, labels, ("C0", "C3"), strict=False):
        lo, hi = seg.temperature_range
        tt = np.linspace(lo, hi, n_curve)
        mid = seg.ln_value(tt) / LN10
        half = band * seg.ln_value_stderr(tt) / LN10
        ax.plot(1000.0 / tt, mid, color=colour,
                label=f"{label}: Ea = {seg.activation_energy:.3f} ± "
                      f"{seg.activation_energy_stderr:.3f} eV")
        ax.fill_between(1000.0 / tt, mid - half, mid + half, color=colour, alpha=0.2, lw=0)
    if fit.transition_interval is not None:
        a, b = fit.transition_interval
        ax.axvspan(1000.0 / b, 1000.0 / a, color="0.6", alpha=0.3,
                   label=f"{fit.kind}: {a:.0f}-{b:.0f} K")
    elif fit.transition_temperature is not None:
        tp = fit.transition_temperature
        se = fit.transition_temperature_stderr or 0.0
        ax.axvline(1000.0 / tp, color="0.4", ls=":",
                   label=f"{fit.kind}: Tp = {tp:.0f} ± {se:.0f} K")
    if inference is not None:
        tt = np.linspace(t.min(), t.max(), 2 * n_curve)
        model = inference.model_ln_value(tt)
        if np.any(np.isfinite(model)):
            ax.plot(1000.0 / tt, model / LN10, color="C2", ls="--",
                    label=_inference_label(inference))
    ax.set_xlabel("1000 / T (1/K)")
    ax.set_ylabel("log10(σT / (S K/cm))" if fit.quantity == "sigma"
                  else "log10(D / (cm²/s))")
    ax.legend(fontsize="x-small")
    return ax


def _inference_label(inference) -> str:
    parts = []
    if inference.lambda0 is not None:
        parts.append(f"Λ0 = {inference.lambda0:.3f}")
    if inference.K0:
        parts.append(f"K0 = {inference.K0:.3f}")
    if inference.M0:
        parts.append(f"M0 = {inference.M0:.3g}")
    return f"mean field ({inference.lattice}): " + ", ".join(parts) + " eV"


def plot_deviation(fit, inference=None, *, ax=None, band: float = 1.96, n_curve: int = 200):
    """Data and fits minus the hottest segment's line: makes a small kink visible.

    The type-II drop of the activation energy is only ``kB Tp`` (a few hundredths of an eV), so
    on an Arrhenius plot the two lines look like one; subtracting the line above the transition
    leaves a flat band above it and a slope of ``-(Ea_below - Ea_above)`` below it.

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    ref = fit.segments[-1]
    t = fit.temperature
    y = np.log(fit.values * t) if fit.quantity == "sigma" else np.log(fit.values)
    yerr = None if fit.errors is None else fit.errors / fit.values
    ax.errorbar(1000.0 / t, y - ref.ln_value(t), yerr=yerr, fmt="o", ms=4, color="k",
                capsize=2, label="data", zorder=3)
    labels = ("below", "above") if len(fit.segments) == 2 else ("fit",)
    for seg, label, colour in zip(fit.segments, labels, ("C0", "C3"), strict=False):
        tt = np.linspace(*seg.temperature_range, n_curve)
        mid = seg.ln_value(tt) - ref.ln_value(tt)
        half = band * seg.ln_value_stderr(tt)
        ax.plot(1000.0 / tt, mid, color=colour, label=label)
        ax.fill_between(1000.0 / tt, mid - half, mid + half, color=colour, alpha=0.2, lw=0)
    if fit.transition_interval is not None:
        a, b = fit.transition_interval
        ax.axvspan(1000.0 / b, 1000.0 / a, color="0.6", alpha=0.3)
    elif fit.transition_temperature is not None:
        ax.axvline(1000.0 / fit.transition_temperature, color="0.4", ls=":")
    if inference is not None:
        tt = np.linspace(t.min(), t.max(), 2 * n_curve)
        model = inference.model_ln_value(tt)
        if np.any(np.isfinite(model)):
            ax.plot(1000.0 / tt, model - ref.ln_value(tt), color="C2", ls="--",
                    label="mean field")
    ax.axhline(0.0, color="0.7", lw=0.8)
    ax.set_xlabel("1000 / T (1/K)")
    ax.set_ylabel("ln(value) − line above")
    ax.legend(fontsize="x-small")
    return ax
