"""Figures of the single-particle theory: spectra, Brillouin-zone maps and sigma(T).

Every function draws a Dataset produced by :mod:`superionic.kspace.spectrum` or
:mod:`superionic.transport` onto ``ax`` (a new Figure's Axes when None), returns the Axes and
never calls ``show()``; no global style is set (figures are created without pyplot).
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.tri import Triangulation

from ..errors import ModelError
from ..units import KB_EV

_LABELS = {
    "decay_rate": r"decay rate $\kappa$",
    "frequency": r"frequency $\omega$",
    "modulus": r"$|p|$",
    "eigenvalue_real": r"Re $p$",
    "eigenvalue_imag": r"Im $p$",
}


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        ax = Figure(figsize=(5.0, 3.6), layout="constrained").add_subplot()
    return ax


def _k_axis(ds: xr.Dataset) -> tuple[np.ndarray, str]:
    if "distance" in ds.coords:
        return ds["distance"].values, r"$k$ path (1/Å)"
    if ds.sizes.get("direction") == 1:
        return ds["k_cartesian"].values[:, 0], r"$k$ (1/Å)"
    return np.arange(ds.sizes["k"]), "k-point index"


def _ticks(ax: Axes, ds: xr.Dataset) -> None:
    if "tick_distance" not in ds.attrs:
        return
    pos = np.atleast_1d(np.asarray(ds.attrs["tick_distance"], dtype=float))
    labels = str(ds.attrs.get("tick_labels", "")).split(",")
    if len(labels) != pos.size:
        return
    ax.set_xticks(pos, labels)
    for x in pos[1:-1]:
        ax.axvline(x, color="0.8", lw=0.6, zorder=0)
    ax.set_xlim(pos[0], pos[-1])


def _units(ds: xr.Dataset, name: str) -> str:
    """`` (unit)`` of ``name`` for an axis label, Å for angstrom; with tau = 1 (times counted
    in steps, the reduced units of the paper) a rate "1/s" is per step and reads "1/τ"."""
    unit = ds[name].attrs.get("units")
    if not unit:
        return ""
    unit = str(unit).replace("angstrom", "Å")
    tau = ds.attrs.get("tau_s")
    if tau is not None and float(tau) == 1.0 and unit.endswith("/s"):
        unit = unit[:-2] + "/τ, per step"
    return f" ({unit})"


def plot_spectrum(
    ds: xr.Dataset,
    quantity: str = "decay_rate",
    *,
    modes=None,
    ax: Axes | None = None,
    **line_kw,
) -> Axes:
    """One line per mode of ``quantity`` along a k-path (or a 1D list of k).

    Parameters
    ----------
    ds : xarray.Dataset
        From :func:`superionic.kspace.spectrum.spectrum`.
    quantity : str
        A (k, mode) variable: ``decay_rate``, ``frequency``, ``modulus``, ``eigenvalue_real``,
        ``eigenvalue_imag``.
    modes : sequence of int, optional
        Modes to draw (default all; mode 0 is the stable one).
    """
    if quantity not in ds or ds[quantity].dims != ("k", "mode"):
        raise ModelError(f"quantity must be a (k, mode) variable of the Dataset, got {quantity!r}")
    ax = _axes(ax)
    x, xlabel = _k_axis(ds)
    modes = range(ds.sizes["mode"]) if modes is None else modes
    for m in modes:
        kw = {"lw": 1.4 if m == 0 else 1.0, "label": "stable mode" if m == 0 else f"mode {m}"}
        kw.update(line_kw)
        ax.plot(x, ds[quantity].sel(mode=m).values, **kw)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(_LABELS.get(quantity, quantity) + _units(ds, quantity))
    _ticks(ax, ds)
    if not int(ds.attrs.get("in_domain", 1)):
        ax.text(0.02, 0.02, "outside the discrete-time domain", transform=ax.transAxes,
                fontsize=7, color="C3")
    return ax


def plot_eigenvalue_branch(ds: xr.Dataset, *, mode: int = 0, ax: Axes | None = None) -> Axes:
    """Re p, Im p and |p| of one branch against k (the layout of Fig. 3(c))."""
    ax = _axes(ax)
    x, xlabel = _k_axis(ds)
    sel = ds.sel(mode=mode)
    ax.plot(x, sel["eigenvalue_real"].values, label=r"Re $p_{k,+}$")
    ax.plot(x, sel["eigenvalue_imag"].values, label=r"Im $p_{k,+}$")
    ax.plot(x, sel["modulus"].values, "--", color="0.3", lw=1.0, label=r"$|p_{k,+}|$")
    ax.axhline(1.0, color="0.7", lw=0.6, zorder=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("eigenvalue")
    _ticks(ax, ds)
    ax.legend(fontsize=8, frameon=False)
    return ax


def plot_zone_map(
    ds: xr.Dataset,
    quantity: str = "decay_rate",
    *,
    mode: int = 0,
    ax: Axes | None = None,
    cmap: str = "viridis",
    colorbar: bool = True,
    log: bool = False,
) -> Axes:
    """Colour map of ``quantity`` of one mode over a 2D Brillouin-zone mesh.

    Parameters
    ----------
    ds : xarray.Dataset
        A mesh spectrum of a 2D lattice (:func:`superionic.kspace.spectrum.kmesh`, ideally with
        ``first_zone=True``); the zone boundary is drawn when present.
    log : bool
        Colour by log10 of the quantity (positive values only).
    """
    if ds.sizes.get("direction") != 2:
        raise ModelError("plot_zone_map needs a spectrum of a 2D lattice")
    ax = _axes(ax)
    k = ds["k_cartesian"].values
    values = ds[quantity].sel(mode=mode).values
    label = _LABELS.get(quantity, quantity) + _units(ds, quantity)
    if log:
        values = np.log10(np.clip(values, np.finfo(float).tiny, None))
        label = "log10 " + label
    tri = Triangulation(k[:, 0], k[:, 1])
    art = ax.tripcolor(tri, values, shading="gouraud", cmap=cmap)
    if "zone_boundary" in ds.coords:
        v = ds["zone_boundary"].values
        v = np.vstack([v, v[:1]])
        ax.plot(v[:, 0], v[:, 1], color="w", lw=1.0)
    ax.set_aspect("equal")
    ax.set_xlabel(r"$k_x$ (1/Å)")
    ax.set_ylabel(r"$k_y$ (1/Å)")
    if colorbar:
        # a colour bar exactly as tall as the (square) axes
        cax = ax.inset_axes([1.04, 0.0, 0.05, 1.0])
        ax.figure.colorbar(art, cax=cax, label=label)
    return ax


def _fit_label(ea: float, err: float) -> str:
    """Legend text of an Arrhenius fit: the error only when it shows at four decimals."""
    if err >= 5e-5:
        return rf"Arrhenius fit, $E_a$ = {ea:.4f} $\pm$ {err:.4f} eV"
    return rf"Arrhenius fit, $E_a$ = {ea:.4f} eV (error < 0.0001 eV)"


def plot_conductivity(
    ds: xr.Dataset,
    *,
    fit: dict | None = None,
    variable: str = "sigma_iso",
    ax: Axes | None = None,
    **line_kw,
) -> Axes:
    """Arrhenius plot of a conductivity against temperature: ln(sigma T) against 1000 / T.

    Parameters
    ----------
    ds : xarray.Dataset
        From :func:`superionic.conductivity_vs_temperature` (``temperature`` coordinate).
    fit : dict, optional
        From :func:`superionic.arrhenius_fit`; its line and activation energy are drawn.
    variable : str
        A variable over ``temperature`` in S/cm.
    """
    ax = _axes(ax)
    t = ds["temperature"].values
    sigma = ds[variable].values
    if np.any(sigma <= 0):
        raise ModelError(f"{variable} must be positive for an Arrhenius plot")
    x = 1000.0 / t
    kw = {"marker": "o", "ms": 3.5, "lw": 0.0, "label": "computed"}
    kw.update(line_kw)
    ax.plot(x, np.log(sigma * t), **kw)
    if fit is not None:
        tt = np.linspace(t.min(), t.max(), 100)
        line = np.log(fit["prefactor"]) - fit["activation_energy"] / (KB_EV * tt)
        ea, err = fit["activation_energy"], fit.get("activation_energy_stderr", 0.0)
        ax.plot(1000.0 / tt, line, color="0.3", lw=1.0,
                label=_fit_label(ea, err))
    ax.set_xlabel(r"$1000 / T$ (1/K)")
    ax.set_ylabel(r"ln($\sigma T$ / (S K/cm))")
    top = ax.secondary_xaxis("top", functions=(lambda u: 1000.0 / np.where(u == 0, np.nan, u),
                                               lambda v: 1000.0 / np.where(v == 0, np.nan, v)))
    nice = np.array([100, 200, 300, 400, 500, 600, 700, 800, 1000, 1200, 1500, 2000, 3000])
    shown = nice[(nice >= t.min() - 1e-9) & (nice <= t.max() + 1e-9)]
    while shown.size > 5:
        shown = shown[::2]
    if shown.size:
        top.set_xticks(shown, [f"{v:g}" for v in shown])
    top.set_xlabel("T (K)")
    ax.legend(fontsize=8, frameon=False)
    return ax
