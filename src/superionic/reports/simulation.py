"""Report section ``simulation``: the mean field against the many-body simulation (Sec. IV).

Computes and writes into ``outdir``:

* **chain** (Lambda0 = 0.25 eV, K0 = 0.5 eV, n0 = 1, Fig. 4(b,c)): |gamma|(T) and the jump
  (Einstein-Helfand) diffusion, which sets sigma(T), across the mean-field Tp = n0 K0 / 2 kB, with
  the Arrhenius activation energies below and above Tp;
* **honeycomb** (same energies, App. A): the same comparison; the mean field with the blocking
  geometry of :mod:`superionic.lattice.neighbours` (two blocking neighbours per hop) gives
  Tp = n0 K0 / kB;
* **finite-size scaling** on the honeycomb: Binder cumulant U(T) of gamma for several supercells;
  their crossing locates the true ordering temperature, compared with the mean-field Tp and with
  the exact critical temperature of the equivalent antiferromagnetic Ising model (half filling,
  J = K0 / 4, Tc = 2 J / (kB ln(2 + sqrt 3)));
* **concerted hopping** (M0 = 2.0 eV, K0 = 0, Fig. 4(e,f)): the hop probability and jump diffusion
  against temperature with and without M0, next to the mean-field P0 of Eq. 54 and its type-I fold.

The mean-field curves come from the public mean-field API, the one users get
(:mod:`superionic.meanfield`), on the very models that are simulated: :func:`~superionic.meanfield.
solve_path` (general engine, with continuation) followed along its stable branch
(:func:`~superionic.meanfield.stable_branch`; +gamma below Tp) gives gamma(T), P0(T) and the
mobility, and :func:`~superionic.meanfield.transitions` gives Tp (type II, Eq. 51) and the type-I
fold (Eq. 54). The mean-field jump diffusion is that mobility (Å^2 per step, isotropic; with the
symmetric field coupling the mobility of a frozen model equals its diffusion coefficient,
Nernst-Einstein), i.e. a^2 P0 (1 - gamma^2) / 8 on the chain and / 12 on the honeycomb.

NetCDF data, PNG figures, ``simulation.md`` (the written comparison with the numbers) and
``summary.json``; :func:`build` returns the summary.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import xarray as xr

from .. import meanfield, models
from ..io import atomic, write_netcdf
from ..plot.simulation import plot_series
from ..simulation import simulate_many
from ..units import KB_EV
from .exact import exact_markdown, exact_part
from .page import claim, number, table

PARAMS = {"lambda0": 0.25, "K0": 0.5, "n0": 1.0, "M0": 2.0, "a_chain": 4.0, "a_honeycomb": 3.5}
ISING_HONEYCOMB = 2.0 / math.log(2.0 + math.sqrt(3.0))  # kB Tc / J
#: Units and meaning of the run counters kept per temperature.
RUN_COUNTERS = {
    "saturated_attempts": {"units": "1", "long_name": "attempts whose out-probability exceeded 1"},
    "attempts": {"units": "1", "long_name": "hop attempts"},
    "hops": {"units": "1", "long_name": "executed hops"},
    "warmup_steps": {"units": "tau", "long_name": "steps discarded as warm-up"},
    "wall_time": {"units": "s", "long_name": "wall-clock time of the run"},
}
SCALARS = ("polarization_abs", "binder_cumulant", "hop_probability", "jump_diffusion",
           "tracer_diffusion", "collective_diffusion", "haven_ratio")


# --------------------------------------------------------------------------- mean field
def mf_transition(model, kind: str, temperature_range) -> meanfield.Transition | None:
    """The first transition of ``kind`` ("type-I" or "type-II") in the range, or None."""
    for rec in meanfield.transitions(model, temperature_range=temperature_range):
        if rec.kind == kind:
            return rec
    return None


def mf_curves(model, temperatures) -> xr.Dataset:
    """Stable mean-field branch of ``model`` along ``temperatures`` (K, increasing).

    Returns the Dataset of :func:`superionic.meanfield.stable_branch` (``gamma``, ``P0``,
    ``mobility`` in Å^2 per step, ``exists``); where no stable solution exists (beyond a type-I
    fold) the values are NaN. At the pitchfork itself (T = Tp) the gamma = 0 solution is only
    marginally stable (relaxation rate 0); it is taken there, as the common limit of both sides.
    """
    path = meanfield.solve_path(model, np.asarray(temperatures, dtype=float))
    marginal = (path["exists"] & path["valid"] & (path["feedback_gain"] < 1.0)
                & (np.abs(path["occupation_rate"].fillna(np.inf)) <= 1e-9))
    path["stable"] = path["stable"] | (marginal & ~path["stable"].any("branch"))
    sb = meanfield.stable_branch(path)
    for name in ("gamma", "P0", "mobility"):
        sb[name] = sb[name].where(sb["exists"])
    # the +gamma branch; a gamma at the rounding level (1e-16 above Tp) is the gamma = 0 branch
    g = np.abs(sb["gamma"])
    sb["gamma"] = g.where(~(g < 1e-12), 0.0)
    return sb


def _arrhenius(temperature, value):
    """Activation energy (eV) of value(T) from a straight line in ln(value) against 1 / kB T."""
    t, v = np.asarray(temperature, float), np.asarray(value, float)
    ok = v > 0
    if ok.sum() < 2:
        return float("nan")
    slope = np.polyfit(1.0 / (KB_EV * t[ok]), np.log(v[ok]), 1)[0]
    return float(-slope)


def _arrhenius_err(temperature, value, stderr):
    """Weighted Arrhenius fit of simulated data: (activation energy, its standard error) in eV.

    ln(value) is fitted against 1 / kB T with weights 1 / sigma, sigma = stderr / value (points
    with value <= 0 are left out); the error is the parameter error of the weighted fit.
    """
    t, v, e = (np.asarray(x, float) for x in (temperature, value, stderr))
    ok = (v > 0) & (e > 0) & np.isfinite(e)
    if ok.sum() < 3:
        return _arrhenius(t, v), float("nan")
    x, y, s = 1.0 / (KB_EV * t[ok]), np.log(v[ok]), e[ok] / v[ok]
    coef, cov = np.polyfit(x, y, 1, w=1.0 / s, cov="unscaled")
    return float(-coef[0]), float(math.sqrt(cov[0, 0]))


# --------------------------------------------------------------------------- scans
def _scan(model, temperatures, *, supercell, steps, seed, replicas=2, **kw) -> xr.Dataset:
    out = simulate_many([{"temperature": float(t)} for t in temperatures], model=model,
                        supercell=supercell, steps=steps, seed=seed, replicas=replicas, **kw)
    data = {}
    for name in SCALARS:
        attrs = {k: v for k, v in out[0][name].attrs.items() if k in ("units", "long_name")}
        data[name] = ("temperature", [float(d[name]) for d in out], attrs)
        err_attrs = {k: v for k, v in out[0][name + "_stderr"].attrs.items()
                     if k in ("units", "long_name")}
        data[name + "_stderr"] = ("temperature", [float(d[name + "_stderr"]) for d in out],
                                  err_attrs)
    for attr in ("saturated_attempts", "attempts", "hops", "warmup_steps", "wall_time"):
        data[attr] = ("temperature", [float(d.attrs[attr]) for d in out], RUN_COUNTERS[attr])
    ds = xr.Dataset(data, coords={"temperature": ("temperature", np.asarray(temperatures, float),
                                                  {"units": "K"})})
    ds.attrs.update({"supercell": np.asarray(supercell), "steps": float(steps),
                     "replicas": replicas, "n_sites": int(out[0].n_sites),
                     "n_ions": int(out[0].n_ions), "time_unit": "tau"})
    return ds


def _figure(ncols=2):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.6 * ncols, 3.6), layout="constrained")
    return fig, fig.subplots(1, ncols)


def _save_figure(fig, path: Path, files: list[str]) -> None:
    atomic.save_figure(fig, path, dpi=130)
    files.append(path.name)


def _variant_label(label: str) -> str:
    """Legend text of a concerted-hopping variant ("M0, previous step" -> readable words)."""
    m0 = f"M0 = {PARAMS['M0']:g} eV"
    return {"M0=0": "M0 = 0", "M0, previous step": f"{m0}, boost in the next step",
            "M0, same step": f"{m0}, boost in the same step"}.get(label, label)


def _k0_part(name, outdir, quick, files, *, a):
    p = PARAMS
    lam, k0, n0 = p["lambda0"], p["K0"], p["n0"]
    if name == "chain":
        model = models.interacting_chain(lam, k0, n0=n0, a=a)
        supercell = (64,) if quick else (256,)
        ratios = np.array([0.4, 0.7, 1.0, 1.3]) if quick else np.linspace(0.35, 1.5, 10)
    else:
        model = models.interacting_honeycomb(lam, k0, n0=n0, a=a)
        supercell = (8, 8) if quick else (24, 24)
        ratios = np.array([0.25, 0.4, 0.7, 1.1]) if quick else np.linspace(0.25, 1.2, 11)
    # Tp of the mean field (type II, Eq. 51): n0 K0 / 2 kB on the chain, n0 K0 / kB on the
    # honeycomb (two blocking neighbours per hop)
    scale = n0 * k0 / KB_EV
    rec = mf_transition(model, "type-II", (0.1 * scale, 2.0 * scale))
    tp = rec.temperature
    temps = ratios * tp
    # the jump diffusion comes from one collective displacement per block, so its error bar
    # shrinks with the number of blocks: blocks of 2000 steps (several hops per ion at the lowest
    # temperature that diffuses), 200 per replica on the chain and 100 on the honeycomb
    steps = 3000 if quick else (400000 if name == "chain" else 200000)
    block = None if quick else 2000
    # start from the ordered state: below the ordering temperature a random start coarsens slowly
    ds = _scan(model, temps, supercell=supercell, steps=steps, seed=41 if name == "chain" else 42,
               replicas=1 if quick else 2, initial="sublattice", block=block)
    mf = mf_curves(model, temps)
    g_mf, d_mf = mf.gamma.values, mf.mobility.values
    ds["gamma_meanfield"] = ("temperature", g_mf, {"units": "1",
                                                   "long_name": "mean-field polarization"})
    ds["jump_diffusion_meanfield"] = ("temperature", d_mf, {
        "units": "angstrom^2 / tau", "long_name": "mean-field mobility (= jump diffusion)"})
    files.append(write_netcdf(ds, outdir / f"{name}_k0_scan.nc").name)
    fine = np.linspace(temps.min(), temps.max(), 60 if quick else 160)
    mf_fine = mf_curves(model, fine)
    fig, (ax1, ax2) = _figure()
    ax1.plot(fine / tp, mf_fine.gamma, "k-", label="mean field (Eq. 50)")
    plot_series(ratios, ds.polarization_abs, ds.polarization_abs_stderr, ax=ax1,
                label=f"simulation, {ds.n_sites} sites")
    ax1.set_xlabel(f"T / Tp (mean field, Tp = {tp:.0f} K)")
    ax1.set_ylabel("sublattice polarization |γ|")
    ax1.legend(frameon=False, fontsize=8)
    ax2.plot(tp / fine, mf_fine.mobility, "k-", label="mean field")
    plot_series(1 / ratios, ds.jump_diffusion, ds.jump_diffusion_stderr, ax=ax2,
                label="simulation (Einstein-Helfand)")
    ax2.set_yscale("log")
    ax2.set_xlabel("Tp / T")
    ax2.set_ylabel("jump diffusion (Å$^2$/τ; σT ∝ it)")
    ax2.legend(frameon=False, fontsize=8)
    fig.suptitle(f"{name}: Λ0 = {lam} eV, K0 = {k0} eV, n0 = {n0:g}", fontsize=10)
    _save_figure(fig, outdir / f"fig_sim_{name}_k0.png", files)
    below, above = temps < tp, temps > tp
    dj, dj_err = ds.jump_diffusion.values, ds.jump_diffusion_stderr.values
    # the true ordering temperature: none on the chain, the Ising value on the honeycomb
    t_true = ISING_HONEYCOMB * (k0 / 4) / KB_EV if name == "honeycomb" else None
    summary = {
        "Tp_meanfield_K": tp,
        "temperatures_K": temps,
        "gamma_meanfield": g_mf,
        "abs_gamma_simulation": ds.polarization_abs.values,
        "abs_gamma_simulation_stderr": ds.polarization_abs_stderr.values,
        "jump_diffusion_simulation": dj,
        "jump_diffusion_meanfield": d_mf,
        "ratio_simulation_to_meanfield": dj / d_mf,
        "jump_diffusion_simulation_stderr": dj_err,
        "Ea_meanfield_below_Tp_eV": _arrhenius(temps[below], d_mf[below]),
        "Ea_meanfield_above_Tp_eV": _arrhenius(temps[above], d_mf[above]),
        "supercell": list(supercell),
        "steps": steps,
    }
    segments = {"below_Tp": below, "above_Tp": above, "all": np.ones_like(below)}
    if t_true is not None:
        summary["Tc_exact_K"] = t_true
        segments.update(below_Tc=temps < t_true, above_Tc=temps > t_true)
    for key, sel in segments.items():
        ea, err = _arrhenius_err(temps[sel], dj[sel], dj_err[sel])
        summary[f"Ea_simulation_{key}_eV"] = ea
        summary[f"Ea_simulation_{key}_stderr_eV"] = err
    return summary


def _binder_crossings(sizes, temps, u):
    """Temperatures where U(T) of successive sizes cross (linear interpolation)."""
    out = []
    for i in range(len(sizes) - 1):
        diff = u[i + 1] - u[i]
        idx = np.nonzero(np.diff(np.sign(diff)) < 0)[0]
        if idx.size == 0:
            out.append(float("nan"))
            continue
        k = idx[0]
        t0, t1, d0, d1 = temps[k], temps[k + 1], diff[k], diff[k + 1]
        out.append(float(t0 - d0 * (t1 - t0) / (d1 - d0)))
    return out


def _fss_part(outdir, quick, files):
    k0, n0 = PARAMS["K0"], PARAMS["n0"]
    lam = 0.05  # equilibrium statistics do not depend on Lambda0; a low barrier equilibrates fast
    tc = ISING_HONEYCOMB * (k0 / 4) / KB_EV
    model = models.interacting_honeycomb(lam, k0, n0=n0, a=PARAMS["a_honeycomb"])
    tp = mf_transition(model, "type-II", (0.1 * n0 * k0 / KB_EV, 2 * n0 * k0 / KB_EV)).temperature
    sizes = [8, 16] if quick else [8, 12, 16, 24, 32]
    ratios = np.array([0.92, 1.0, 1.08]) if quick else np.linspace(0.9, 1.1, 9)
    temps = ratios * tc
    steps = 6000 if quick else 100000
    u, uerr, scans = [], [], []
    for L in sizes:
        ds = _scan(model, temps, supercell=(L, L), steps=steps, seed=100 + L,
                   replicas=1 if quick else 2, initial="sublattice")
        ds = ds.expand_dims(size=[L])
        scans.append(ds)
        u.append(ds.binder_cumulant.values[0])
        uerr.append(ds.binder_cumulant_stderr.values[0])
    u, uerr = np.array(u), np.array(uerr)
    all_ds = xr.concat(scans, dim="size")
    files.append(write_netcdf(all_ds, outdir / "honeycomb_binder.nc").name)
    crossings = _binder_crossings(sizes, temps, u)
    fig, (ax1, ax2) = _figure()
    for i, L in enumerate(sizes):
        plot_series(temps, u[i], uerr[i], ax=ax1, label=f"L = {L}", marker="o", ls="-", lw=0.8)
    ax1.axvline(tc, color="k", ls="--", lw=1, label="exact Ising Tc")
    ax1.set_xlabel("T (K)")
    ax1.set_ylabel("Binder cumulant U of γ (1)")
    ax1.legend(frameon=False, fontsize=8)
    for i, L in enumerate(sizes):
        ax2.plot(temps / tc, all_ds.polarization_abs.values[i], "o-", ms=3,
                 label=f"L = {L} ({L}×{L} cells)")
    ax2.set_xlabel("T / Tc (exact Ising)")
    ax2.set_ylabel("sublattice polarization |γ|")
    ax2.legend(frameon=False, fontsize=8)
    fig.suptitle(f"honeycomb, K0 = {k0} eV: mean-field Tp = {tp:.0f} K, exact Tc = {tc:.0f} K",
                 fontsize=10)
    _save_figure(fig, outdir / "fig_sim_honeycomb_binder.png", files)
    finite = np.array([c for c in crossings if math.isfinite(c)])
    t_sim = float(finite.mean()) if finite.size else float("nan")
    t_err = float(finite.std(ddof=1) / math.sqrt(finite.size)) if finite.size > 1 else float("nan")
    return {
        "sizes": sizes,
        "temperatures_K": temps,
        "binder": u,
        "binder_stderr": uerr,
        "crossings_K": crossings,
        "Tc_simulation_K": t_sim,
        "Tc_simulation_stderr_K": t_err,
        "Tc_exact_ising_K": tc,
        "Tp_meanfield_K": tp,
        "meanfield_over_true": tp / t_sim if math.isfinite(t_sim) else float("nan"),
        "lambda0_eV": lam,
        "steps": steps,
    }


def _concerted_part(outdir, quick, files):
    lam, m0, n0 = PARAMS["lambda0"], PARAMS["M0"], PARAMS["n0"]
    model_m0 = models.interacting_chain(lam, 0.0, M0=m0, n0=n0, a=PARAMS["a_chain"])
    model_0 = models.interacting_chain(lam, 0.0, n0=n0, a=PARAMS["a_chain"])
    fold = mf_transition(model_m0, "type-I", (300.0, 3000.0))
    t_fold, p_fold = fold.temperature, fold.P0
    temps = np.array([800.0, 1000.0, 1200.0, 1400.0]) if quick else np.linspace(700, 1500, 9)
    supercell = (64,) if quick else (256,)
    steps = 3000 if quick else 60000
    reps = 1 if quick else 2
    runs = {}
    variants = [("M0=0", 0.0, "previous"), ("M0, previous step", m0, "previous")]
    if not quick:
        variants.append(("M0, same step", m0, "same"))
    for label, m, mode in variants:
        model = models.interacting_chain(lam, 0.0, M0=m, n0=n0, a=PARAMS["a_chain"])
        runs[label] = _scan(model, temps, supercell=supercell, steps=steps, seed=7,
                            replicas=reps, concerted=mode)
    # mean-field P0 of the simulated models (Eq. 54; gamma = 0 since K0 = 0); NaN beyond the fold
    p_mf = mf_curves(model_m0, temps).P0.values
    p_mf0 = mf_curves(model_0, temps).P0.values
    merged = xr.concat([ds.expand_dims(variant=[k]) for k, ds in runs.items()], dim="variant")
    merged["p0_meanfield"] = ("temperature", p_mf, {
        "units": "1", "long_name": "mean-field hop probability per step P0 (Eq. 54)"})
    merged["p0_meanfield_M0_0"] = ("temperature", p_mf0, {
        "units": "1", "long_name": "mean-field hop probability per step P0 with M0 = 0"})
    # a hop succeeds only into an empty site: at filling c the executed hops per ion per step
    # are (1 - c) P0 in the mean field (c = 1/2 here: the factor 2 between the two)
    filling = float(merged.attrs["n_ions"]) / float(merged.attrs["n_sites"])
    merged.attrs["filling"] = filling
    merged["p0_meanfield"].attrs["comparison"] = (
        "the simulated hop_probability counts executed hops; compare with (1 - filling) P0")
    merged.attrs["fold_temperature_K"] = t_fold
    files.append(write_netcdf(merged, outdir / "chain_concerted_scan.nc").name)
    fine = np.linspace(temps.min(), temps.max(), 60 if quick else 160)
    fine = np.sort(np.append(fine[fine < t_fold], t_fold * (1 - 1e-9)))
    fig, (ax1, ax2) = _figure()
    empty = 1.0 - filling
    ax1.plot(fine, empty * mf_curves(model_m0, fine).P0, "k-",
             label=f"mean field (1 − c) P0, Eq. 54, c = {filling:g}")
    fine0 = np.linspace(temps.min(), temps.max(), 30)
    ax1.plot(fine0, empty * mf_curves(model_0, fine0).P0, "k:",
             label="mean field (1 − c) P0, M0 = 0")
    ax1.axvline(t_fold, color="r", ls="--", lw=1, label=f"type-I fold (mean field) {t_fold:.0f} K")
    for label, ds in runs.items():
        plot_series(temps, ds.hop_probability, ds.hop_probability_stderr, ax=ax1,
                    label=f"simulation, {_variant_label(label)}")
        plot_series(temps, ds.jump_diffusion, ds.jump_diffusion_stderr, ax=ax2,
                    label=f"simulation, {_variant_label(label)}")
    ax1.set_yscale("log")
    ax1.set_xlabel("T (K)")
    ax1.set_ylabel("executed hops per ion per step (1/τ)")
    ax1.legend(frameon=False, fontsize=7)
    ax1.set_title("P0 is per attempt; a hop needs an empty target: factor 1 − c = "
                  f"{empty:g}", fontsize=8)
    ax2.set_yscale("log")
    ax2.set_xlabel("T (K)")
    ax2.set_ylabel("jump diffusion (Å$^2$/τ)")
    ax2.legend(frameon=False, fontsize=7)
    fig.suptitle(f"chain, Λ0 = {lam} eV, M0 = {m0} eV, K0 = 0, n0 = {n0:g}", fontsize=10)
    _save_figure(fig, outdir / "fig_sim_chain_concerted.png", files)
    out = {"fold_temperature_meanfield_K": t_fold, "P0_at_fold_meanfield": p_fold,
           "temperatures_K": temps,
           "P0_meanfield": [None if not math.isfinite(p) else float(p) for p in p_mf],
           "P0_meanfield_M0_0": p_mf0, "steps": steps, "supercell": list(supercell),
           "filling": filling}
    for label, ds in runs.items():
        p = ds.hop_probability.values
        lnp = np.log(p)
        # largest departure of ln P from a straight Arrhenius line: a fold would show as a jump
        x = 1.0 / (KB_EV * temps)
        fit = np.polyval(np.polyfit(x, lnp, 1), x)
        out[label] = {
            "hop_probability": p,
            "hop_probability_stderr": ds.hop_probability_stderr.values,
            "jump_diffusion": ds.jump_diffusion.values,
            "jump_diffusion_stderr": ds.jump_diffusion_stderr.values,
            "Ea_hop_probability_eV": _arrhenius(temps, p),
            "max_departure_from_arrhenius_lnP": float(np.max(np.abs(lnp - fit))),
            "saturated_fraction": (ds.saturated_attempts / ds.attempts).values,
        }
    base = out["M0=0"]["hop_probability"]
    out["enhancement_previous_step"] = out["M0, previous step"]["hop_probability"] / base
    if "M0, same step" in out:
        out["enhancement_same_step"] = out["M0, same step"]["hop_probability"] / base
    return out


def _fmt(x, nd=3):
    return "nan" if x is None or not math.isfinite(float(x)) else f"{float(x):.{nd}g}"


def _ea(part: dict, key: str) -> str:
    value, err = part.get(f"Ea_simulation_{key}_eV"), part.get(f"Ea_simulation_{key}_stderr_eV")
    if value is None or not math.isfinite(float(value)):
        return "n/a (fewer than two points)"
    if err is None or not math.isfinite(float(err)):
        return f"{_fmt(value)} (two points, no error)"
    return f"{_fmt(value)} ± {_fmt(err, 2)}"


def _markdown(summary: dict) -> str:
    c, h, f, m = (summary.get(k, {}) for k in ("chain", "honeycomb", "fss", "concerted"))
    lines = ["# Mean field against the many-body simulation", ""]
    if c:
        lines += [
            "## Chain, K0 only (type II)",
            f"Mean-field Tp = {_fmt(c['Tp_meanfield_K'], 4)} K. Simulated |gamma| at T/Tp = "
            + ", ".join(f"{t / c['Tp_meanfield_K']:.2f}: {_fmt(g)} (MF {_fmt(gm)})" for t, g, gm
                        in zip(c["temperatures_K"], c["abs_gamma_simulation"],
                               c["gamma_meanfield"], strict=True)) + ".",
            "The chain cannot order at T > 0: the simulated |gamma| is a finite-size value that "
            "falls smoothly through Tp, with no kink.",
            "Activation energy of the jump diffusion (weighted fits, standard errors): simulation "
            f"{_ea(c, 'below_Tp')} eV below Tp, {_ea(c, 'above_Tp')} eV above, "
            f"{_ea(c, 'all')} eV over the whole range; mean field "
            f"{_fmt(c['Ea_meanfield_below_Tp_eV'])} / {_fmt(c['Ea_meanfield_above_Tp_eV'])} eV.",
            "",
        ]
    if h:
        lines += [
            "## Honeycomb, K0 only (type II)",
            f"Mean-field Tp = {_fmt(h['Tp_meanfield_K'], 4)} K. Simulated |gamma| at T/Tp = "
            + ", ".join(f"{t / h['Tp_meanfield_K']:.2f}: {_fmt(g)} (MF {_fmt(gm)})" for t, g, gm
                        in zip(h["temperatures_K"], h["abs_gamma_simulation"],
                               h["gamma_meanfield"], strict=True)) + ".",
            "Simulated over mean-field jump diffusion: "
            + ", ".join(_fmt(r, 2) for r in h["ratio_simulation_to_meanfield"]) + ".",
            "Activation energy of the jump diffusion (weighted fits, standard errors): simulation "
            f"{_ea(h, 'below_Tc')} eV below the true Tc, {_ea(h, 'above_Tc')} eV above; mean field "
            f"{_fmt(h['Ea_meanfield_below_Tp_eV'])} / {_fmt(h['Ea_meanfield_above_Tp_eV'])} eV "
            "below / above its Tp.",
            "",
        ]
    if f:
        lines += [
            "## Finite-size scaling on the honeycomb",
            f"Binder crossings (sizes {f['sizes']}): "
            + ", ".join(_fmt(x, 4) for x in f["crossings_K"])
            + f" K. True ordering temperature {_fmt(f['Tc_simulation_K'], 4)} ± "
            f"{_fmt(f['Tc_simulation_stderr_K'], 2)} K (mean of the crossings; exact Ising "
            f"{_fmt(f['Tc_exact_ising_K'], 4)} K) against the mean-field "
            f"{_fmt(f['Tp_meanfield_K'], 4)} K: the mean field overestimates it by a factor "
            f"{_fmt(f['meanfield_over_true'])}.",
            "",
        ]
    if m:
        lines += [
            "## Concerted hopping and the type-I fold",
            f"Mean-field fold of Eq. 54 at {_fmt(m['fold_temperature_meanfield_K'], 4)} K "
            f"(P0 = {_fmt(m['P0_at_fold_meanfield'])}). In the simulation the hop probability "
            "stays on an Arrhenius line through the fold (largest departure of ln P: "
            + ", ".join(f"{k}: {_fmt(v['max_departure_from_arrhenius_lnP'], 2)}"
                        for k, v in m.items() if isinstance(v, dict))
            + "); M0 raises it by a factor "
            + ", ".join(_fmt(x, 3) for x in m["enhancement_previous_step"])
            + " (boost in the next step).",
            "",
        ]
    lines += exact_markdown(summary.get("exact", {}))
    return "\n".join(lines) + "\n"


def _num(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def page(summary: dict) -> dict:
    """Title, description, figure captions, tables and checked claims of the section."""
    c, h, f, m = (summary.get(k, {}) for k in ("chain", "honeycomb", "fss", "concerted"))
    rows = []
    for name, part in (("chain", c), ("honeycomb", h)):
        for i, t in enumerate(part.get("temperatures_K", [])):
            rows.append([name, _num(t) / _num(part["Tp_meanfield_K"]),
                         f"{number(part['abs_gamma_simulation'][i], 3)} ± "
                         f"{number(part['abs_gamma_simulation_stderr'][i], 2)}",
                         _num(part["gamma_meanfield"][i]),
                         f"{number(part['jump_diffusion_simulation'][i], 3)} ± "
                         f"{number(part['jump_diffusion_simulation_stderr'][i], 2)}",
                         _num(part["jump_diffusion_meanfield"][i])])
    ea_rows = []
    for name, part, keys in (("chain", c, ("below_Tp", "above_Tp")),
                             ("honeycomb", h, ("below_Tc", "above_Tc"))):
        if part:
            ea_rows.append([name, _ea(part, keys[0]), _ea(part, keys[1]), _ea(part, "all"),
                            number(part["Ea_meanfield_below_Tp_eV"]),
                            number(part["Ea_meanfield_above_Tp_eV"])])
    ratio = _num(f.get("meanfield_over_true"))
    filling = _num(m.get("filling"))
    conc_rows = []
    if m:
        for i, t in enumerate(m["temperatures_K"]):
            p0_0 = _num(m["P0_meanfield_M0_0"][i])
            conc_rows.append([_num(t), _num(m["P0_meanfield"][i]), p0_0, (1 - filling) * p0_0,
                              _num(m["M0=0"]["hop_probability"][i]),
                              _num(m["M0, previous step"]["hop_probability"][i])])
    departures = [_num(v["max_departure_from_arrhenius_lnP"]) for v in m.values()
                  if isinstance(v, dict)]
    return {
        "title": "Mean field against the many-body simulation (Sec. IV)",
        "description": (
            "The mean field replaces the neighbours of a hopping ion by their averages. The "
            "same lattice gas simulated exactly (discrete-time Monte Carlo with hard exclusion) "
            "shows what that costs: the polarization and jump diffusion of the chain and the "
            "honeycomb across the mean-field Tp, the true ordering temperature of the honeycomb "
            "from the Binder cumulants of several supercells, and the concerted-hopping chain "
            "across the mean-field type-I fold. The quick mode uses small cells and short runs "
            "(large error bars); the full mode gives the numbers of the docs."),
        "figures": {
            "fig_sim_chain_k0.png": (
                "Chain, K0 = 0.5 eV: simulated |gamma| (left) and jump diffusion (right, "
                "Einstein-Helfand, sigma T is proportional to it) against the mean field. Look "
                "for: no transition in the simulation (|gamma| is a finite-size value falling "
                "smoothly) and one activation energy across Tp."),
            "fig_sim_honeycomb_k0.png": (
                "Honeycomb, K0 = 0.5 eV: the same comparison. The simulated order is lost far "
                "below the mean-field Tp (at the Ising temperature), so the mean field "
                "overestimates the polarization between the two."),
            "fig_sim_honeycomb_binder.png": (
                "Binder cumulant U of the polarization for supercells of L x L cells (left) and "
                "|gamma| (right): the curves of different sizes cross at the true ordering "
                "temperature, next to the exact Ising value (dashed) and far below the mean-field "
                "Tp given in the title."),
            "fig_sim_chain_concerted.png": (
                "Chain with concerted hopping (M0 = 2 eV, K0 = 0): executed hops per ion per step "
                "(left) and jump diffusion (right). The mean-field P0 is the probability per "
                "attempt; a hop needs an empty target, which at half filling (c = 1/2) halves "
                "the executed hops, so the mean-field lines show (1 - c) P0. Look for: no fold "
                "in the simulation where the mean field has one (red dashed line)."),
            "fig_sim_exact_small_cell.png": (
                "A cell small enough to enumerate: mean field, the exact many-body Markov chain "
                "(superionic.exact) and the simulation of the same rules. Left: <|gamma|> of the "
                "K0 chain; right: hop probability of the M0 chain with both concerted rules. "
                "Look for: simulation on the exact curve within its error bars, the mean field "
                "off it, with no statistical error to blur the comparison."),
        },
        "tables": [
            table("Mean field against simulation (K0 only)",
                  ["lattice", "T / Tp", "|gamma| simulated", "|gamma| mean field",
                   "jump diffusion simulated (Å^2/step)", "mean field (Å^2/step)"], rows),
            table("Ordering temperature of the honeycomb (K)",
                  ["mean field Tp", "simulation (Binder crossings)", "exact Ising Tc",
                   "mean field / simulation"],
                  [[_num(f.get("Tp_meanfield_K")), _num(f.get("Tc_simulation_K")),
                    _num(f.get("Tc_exact_ising_K")), ratio]] if f else []),
            table("Activation energies of the jump diffusion (eV)",
                  ["lattice", "simulation below Tp (Tc)", "above", "whole range",
                   "mean field below Tp", "mean field above Tp"], ea_rows,
                  note="Weighted Arrhenius fits with standard errors; n/a where a range has "
                       "fewer than two temperatures (quick mode)."),
            table("Concerted hopping: hops per ion per step",
                  ["T (K)", "mean-field P0, M0 = 2 eV", "mean-field P0, M0 = 0",
                   "(1 - c) P0, M0 = 0", "simulated, M0 = 0", "simulated, M0 = 2 eV"], conc_rows,
                  note=f"n/a: no mean-field solution beyond the fold. Filling c = "
                       f"{number(filling, 3)}: the factor 1 - c is the exclusion the mean field "
                       "leaves out."),
        ],
        "claims": [
            claim("The polarization (type II) transition occurs at the mean-field Tp.",
                  holds=math.isfinite(ratio) and ratio > 1.5, status="corrected",
                  evidence=(f"honeycomb orders at {number(f.get('Tc_simulation_K'))} K "
                            f"(exact Ising {number(f.get('Tc_exact_ising_K'))} K), the mean field "
                            f"at {number(f.get('Tp_meanfield_K'))} K: {number(ratio, 3)} times "
                            "higher; the chain does not order"),
                  page="simulation.md", heading="Mean field against simulation"),
            claim("Concerted hopping (M0) melts the sublattice at a type-I fold (Eq. 54).",
                  holds=bool(departures) and max(departures) < 0.25, status="corrected",
                  evidence=("largest departure of ln P from one Arrhenius line through the "
                            "mean-field fold: "
                            + number(max(departures) if departures else None, 2)),
                  page="simulation.md", heading="Mean field against simulation"),
            claim("The mean-field P0 is the simulated hop rate per ion.",
                  holds=bool(conc_rows) and all(
                      abs(r[4] / r[3] - 1) < 0.3 for r in conc_rows if r[3] > 0),
                  status="corrected",
                  evidence=("simulated M0 = 0 hop rate / ((1 - c) P0): "
                            + ", ".join(number(r[4] / r[3], 3) for r in conc_rows if r[3] > 0)
                            + f" (c = {number(filling, 3)})"),
                  page="theory.md", heading="5. Exclusion in the mean field and in the simulation"),
        ],
    }


def build(outdir: Path, *, quick: bool = False, progress=None) -> dict:
    """Compute, plot and write the simulation section; return its JSON-serialisable summary.

    Parameters
    ----------
    outdir : pathlib.Path
    quick : bool
        Small supercells and short runs (a few seconds).
    progress : callable, optional
        Called with a message before each part.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    files: list[str] = []
    summary: dict = {"quick": bool(quick), "parameters": dict(PARAMS),
                     "meanfield": "superionic.meanfield: solve_path (engine) along "
                                  "stable_branch; transitions for Tp and the type-I fold"}
    parts = [
        ("chain", "chain: mean field vs simulation (K0)",
         lambda: _k0_part("chain", outdir, quick, files, a=PARAMS["a_chain"])),
        ("honeycomb", "honeycomb: mean field vs simulation (K0)",
         lambda: _k0_part("honeycomb", outdir, quick, files, a=PARAMS["a_honeycomb"])),
        ("fss", "honeycomb: finite-size scaling (Binder)", lambda: _fss_part(outdir, quick, files)),
        ("concerted", "chain: concerted hopping and the type-I fold",
         lambda: _concerted_part(outdir, quick, files)),
        # small cell: mean field, exact enumeration and simulation (superionic.exact)
        ("exact", "small cell: mean field, exact enumeration and simulation",
         lambda: exact_part(outdir, quick, files)),
    ]
    for key, message, func in parts:
        if progress is not None:
            progress(message)
        summary[key] = func()
    summary = json.loads(json.dumps(summary, default=_json))
    atomic.write_text_atomic(outdir / "simulation.md", _markdown(summary))
    files.append("simulation.md")
    summary.update(page(summary))
    summary["files"] = sorted(files)
    summary["seconds"] = round(time.perf_counter() - start, 2)
    atomic.write_text_atomic(outdir / "summary.json", json.dumps(summary, indent=2) + "\n")
    return summary


def _json(value):
    if isinstance(value, np.ndarray):
        return [_json(v) if isinstance(v, np.generic) else v for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
