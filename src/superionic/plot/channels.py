"""Figures of phonon-channel statistics and driven dynamics (Eqs. 2-7, 15-17, Sec. III.2).

Every function draws a Dataset produced by :mod:`superionic.channels`,
:mod:`superionic.channels.average`, :mod:`superionic.channels.phonons` or
:mod:`superionic.realspace.driving` onto
``ax`` (a new Figure's Axes when None), returns the Axes and never calls ``show()``; no global
style is set (figures are created without pyplot).
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = [
    "plot_ac_response",
    "plot_hop_probability",
    "plot_mode_ranking",
    "plot_pulse",
    "plot_rate_convergence",
    "plot_transient",
]


def _axes(ax: Axes | None, size=(5.0, 3.6)) -> Axes:
    if ax is None:
        ax = Figure(figsize=size, layout="constrained").add_subplot()
    return ax


def plot_hop_probability(ds: xr.Dataset, ax: Axes | None = None) -> Axes:
    """Arrhenius plot ``log10 P`` against ``1000 / T`` for each DOS of
    :func:`superionic.channels.probability_vs_temperature`; the legend gives the apparent
    activation energy at the middle temperature."""
    ax = _axes(ax)
    t = ds["temperature"].values
    mid = t.size // 2
    for name in ds["dos"].values:
        p = ds["probability"].sel(dos=name).values
        ea = float(ds["activation_energy"].sel(dos=name).values[mid])
        with np.errstate(divide="ignore"):
            ax.plot(1000.0 / t, np.log10(p), label=f"{name}: $E_A$ = {ea:.3f} eV")
    ax.set_xlabel("1000 / T (1/K)")
    ax.set_ylabel(r"$\log_{10} P_{ji}$")
    thr = ds.attrs.get("threshold_eV")
    if thr is not None:
        ax.set_title(
            f"Eq. 2: threshold {thr:g} eV above the origin {ds.attrs.get('origin_energy_eV', 0):g}"
            " eV", fontsize=9,
        )
    ax.legend(fontsize=7)
    return ax


def plot_rate_convergence(ds: xr.Dataset, ax: Axes | None = None, site: int = 0) -> Axes:
    """Hop rate ``sum_{j != i} P_ji / tau`` against ``tau omega_c`` with its limit
    (:func:`superionic.channels.average.hop_rate`)."""
    ax = _axes(ax)
    omega_c = float(ds.attrs["dominant_frequency"])
    x = ds["tau"].values * omega_c
    rate = ds["rate"].isel(site=site).values
    limit = float(ds["limit"].isel(site=site).values)
    ax.plot(x, rate / limit, "-", lw=1.2, label="Eq. 7: (1 - P_ii) / tau")
    ax.axhline(1.0, color="k", lw=0.8, ls="--", label=r"limit $\sum_c w_c\,\omega_c\,P_c$")
    rtol = float(ds.attrs.get("rtol", 0.05))
    ax.axhspan(1 - rtol, 1 + rtol, color="0.9", zorder=0)
    ax.axvline(1.0, color="C3", lw=0.8, ls=":", label=r"$\tau = 1/\omega_c$")
    conv = ds["converged_tau"].isel(site=site).values
    if np.isfinite(conv):
        ax.axvline(float(conv) * omega_c, color="C2", lw=0.8, ls="-.",
                   label=f"within {rtol:.0%} from here")
    ax.set_xlabel(r"$\tau\,\omega_c$")
    ax.set_ylabel("hop rate / limit")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7)
    return ax


def plot_mode_ranking(ranking: xr.Dataset, ax: Axes | None = None, x: str = "qpoint") -> Axes:
    """Phonon dispersion coloured by the mode score
    (:func:`superionic.channels.phonons.rank_modes`);
    the three best modes are circled. ``x`` is "qpoint" (first reduced component) or
    "q_index"."""
    ax = _axes(ax)
    xs = ranking["qpoint"].values[:, 0] if x == "qpoint" else ranking["q_index"].values
    art = ax.scatter(xs, ranking["frequency"].values, c=ranking["score"].values, s=12,
                     cmap="viridis", vmin=0.0)
    ax.figure.colorbar(art, ax=ax, label="score (criteria 1-3 of Sec. II.2)")
    top = slice(0, 3)
    ax.scatter(xs[top], ranking["frequency"].values[top], s=80, facecolors="none",
               edgecolors="C3", label="best ranked")
    ax.set_xlabel("q (reduced)" if x == "qpoint" else "q-point index")
    ax.set_ylabel("frequency (THz)")
    ax.legend(fontsize=7, loc="lower right")
    return ax


def velocity_scale(values, units: str = "angstrom/s") -> tuple[float, str]:
    """A power of ten to divide velocities by and the axis unit that says so.

    Matplotlib would otherwise print the power as an offset text above the axes, where it
    crowds the title; ``(1e11, "10$^{11}$ Å/s")`` for velocities of order 1e11 Å/s.
    """
    unit = str(units).replace("angstrom", "Å")
    peak = float(np.nanmax(np.abs(values))) if np.size(values) else 0.0
    if not np.isfinite(peak) or peak == 0.0:
        return 1.0, unit
    power = int(np.floor(np.log10(peak)))
    if -2 <= power <= 3:
        return 1.0, unit
    return 10.0**power, f"10$^{{{power}}}$ {unit}"


def plot_transient(ds: xr.Dataset, ax: Axes | None = None, axis: int = 0) -> Axes:
    """Velocity after a field step with its steady value and, if present, the modal sum
    (:func:`superionic.realspace.driving.step_response`); time in units of tau."""
    ax = _axes(ax)
    tau = float(ds.attrs["tau_s"])
    n = ds["time"].values / tau
    v = ds["velocity"].isel(axis=axis).values
    scale, unit = velocity_scale(v, ds["velocity"].attrs.get("units", ""))
    ax.plot(n, v / scale, "o", ms=3, label="evolution (Eq. 17)")
    if "modal_velocity" in ds:
        ax.plot(n, ds["modal_velocity"].isel(axis=axis).values / scale, "-", lw=1,
                label=r"$\sum_\nu a_\nu p_\nu^n$ (k = 0 modes)")
    if "steady_velocity" in ds:
        ax.axhline(float(ds["steady_velocity"].isel(axis=axis)) / scale, color="k", ls="--",
                   lw=0.8, label="steady drift")
    ax.ticklabel_format(axis="y", useOffset=False)
    ax.set_xlabel(r"time / $\tau$")
    ax.set_ylabel(f"mean ion velocity ({unit})")
    ax.legend(fontsize=7)
    return ax


def plot_pulse(ds: xr.Dataset, ax: Axes | None = None, axis: int = 0,
               linear_displacement: float | None = None) -> Axes:
    """Velocity during and after a field pulse, and the cumulative displacement (right axis)
    with the linear-response value ``mobility . area`` when given."""
    ax = _axes(ax)
    tau = float(ds.attrs["tau_s"])
    n = ds["time"].values / tau
    v = ds["velocity"].isel(axis=axis).values
    scale, unit = velocity_scale(v, ds["velocity"].attrs.get("units", ""))
    ax.plot(n, v / scale, "-", color="C0", label="velocity")
    field = ds["field"].isel(axis=axis).values
    ax.fill_between(n, 0, np.where(field != 0, 1, 0), step="post", color="C1", alpha=0.12,
                    transform=ax.get_xaxis_transform(), label="pulse on")
    ax.set_xlabel(r"time / $\tau$")
    ax.set_ylabel(f"mean ion velocity ({unit})", color="C0")
    twin = ax.twinx()
    twin.plot(n, ds["displacement"].isel(axis=axis).values, "-", color="C2",
              label="displacement")
    if linear_displacement is not None:
        twin.axhline(linear_displacement, color="C2", ls="--", lw=0.8,
                     label="mobility × pulse area")
    twin.set_ylabel("displacement per ion (Å)", color="C2")
    lines = ax.get_legend_handles_labels()
    lines2 = twin.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=7, loc="center right")
    return ax


def plot_ac_response(ds: xr.Dataset, ax: Axes | None = None, i: int = 0, j: int = 0,
                     dc: float | None = None) -> Axes:
    """Real and imaginary parts of sigma(Omega) (or the mobility when no conductivity is
    present) against ``Omega tau`` (:func:`superionic.realspace.driving.ac_response`)."""
    ax = _axes(ax)
    name = "sigma" if "sigma_real" in ds else "mobility"
    tau = float(ds.attrs["tau_s"])
    x = ds["omega"].values * tau
    re = ds[f"{name}_real"].isel(i=i, j=j).values
    im = ds[f"{name}_imag"].isel(i=i, j=j).values
    units = str(ds[f"{name}_real"].attrs.get("units", "")).replace("angstrom", "Å")
    symbol = "σ" if name == "sigma" else "μ"
    keep = x > 0
    ax.semilogx(x[keep], re[keep], "-", label=f"Re {symbol}(Ω)")
    ax.semilogx(x[keep], im[keep], "--", label=f"Im {symbol}(Ω)")
    if dc is not None:
        ax.axhline(dc, color="k", lw=0.8, ls=":", label=f"DC {symbol} (transport)")
    ax.set_xlabel(r"$\Omega\,\tau$")
    ax.set_ylabel(f"{'conductivity' if name == 'sigma' else 'mobility'} {symbol}(Ω) ({units})")
    ax.legend(fontsize=7)
    return ax
