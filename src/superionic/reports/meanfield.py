"""Report section ``meanfield``: superionic transitions from the mean field (Secs. IV-V, App. A).

Computes and writes into ``outdir``:

* Fig. 4(b,c): polarization and conductivity of the chain with Lambda0 = 0.25 eV, K0 = 0.5 eV,
  M0 = 0.25 eV, n0 = 1 (type II at Tp = n0 K0 / 2 kB), all branches with their stability, the
  engine's solutions beside the closed forms, Arrhenius fits per phase and the activation-energy
  identities (Lambda0 + n0 K0 below Tp as T -> 0, Lambda0 + n0 K0 / 2 above Tp for M0 = 0);
* Fig. 4(e,f) as DESIGN 3.4 explains: P0 of Eq. 54 with gamma = 0 (K0 = 0 in Eq. 55) for
  M0 = 2.0 eV, whose fold is T_I = 1083.2 K = 0.3734 Tp(K0 = 0.5 eV); beside it the combined
  Eq. 55 with gamma from Eq. 50 (K0 = 0.5 eV), which has a solution at every temperature
  (``A c e`` only touches 1 at T = 2 Tp: M0 = 2.0 eV is exactly the smallest M0 with a fold);
* the paper's Table 1 computed from these quantities (Markdown and JSON);
* the honeycomb check (App. A): the general engine against the hand-derived closed forms
  (docs/meanfield.md), with what changes with the coordination number;
* a (T, M0) phase diagram of the chain.

NetCDF data, PNG figures, ``table1.md`` and ``summary.json``; :func:`build` returns the summary.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from .. import meanfield as mf
from .. import models
from ..meanfield import chain as cf
from ..meanfield.diagram import PHASES
from ..meanfield.folds import fold_condition
from ..plot import meanfield as pm
from ..units import KB_EV
from ._common import open_section, save_figure, save_netcdf, say, write_summary

#: Fig. 4's parameters (caption): Lambda0, K0, n0 and the two M0 values.
FIG4 = {"lambda0": 0.25, "K0": 0.5, "n0": 1.0, "M0_b": 0.25, "M0_e": 2.0}
#: Physical inputs for conductivities (as in the core section): chain a = 4 Å, a 16 Å^2 cross
#: section, tau = 1e-13 s; honeycomb a = 3.5 Å with 6 Å between layers.
CHAIN_A, CHAIN_VOLUME = 4.0, 4.0 * 16.0
HONEY_A = 3.5
HONEY_VOLUME = math.sqrt(3.0) / 2.0 * HONEY_A**2 * 6.0
TAU = 1e-13


def _figure(ncols=1, size=(5.0, 3.8)):
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.subplots(1, ncols)


def _grid(t_min, t_max, n, extra=()):
    t = np.linspace(t_min, t_max, n)
    return np.unique(np.concatenate([t, [x for x in extra if t_min < x < t_max]]))


# --------------------------------------------------------------------------- Fig. 4(b, c)
def _fig4bc(outdir: Path, quick: bool, files: list[str]) -> dict:
    p = FIG4
    tp = float(cf.transition_temperature(p["K0"], p["n0"]))
    transport = mf.Transport(cell_volume=CHAIN_VOLUME, tau=TAU)
    temps = _grid(0.25 * tp, 1.6 * tp, 60 if quick else 240, (tp * (1 - 1e-6), tp))
    ds = mf.closed_form_path(temps, p["lambda0"], p["K0"], p["M0_b"], p["n0"], a=CHAIN_A,
                             transport=transport)
    save_netcdf(ds, outdir / "fig4bc_chain.nc", files)
    model = models.interacting_chain(p["lambda0"], p["K0"], p["M0_b"], p["n0"], a=CHAIN_A)
    t_engine = np.linspace(0.3 * tp, 1.5 * tp, 7 if quick else 24)  # avoids T = Tp exactly
    de = mf.solve_path(model, t_engine, transport=transport)
    dc = mf.closed_form_path(t_engine, p["lambda0"], p["K0"], p["M0_b"], p["n0"], a=CHAIN_A,
                             transport=transport)
    dev = _path_deviation(de, dc)
    recs = mf.transitions(model, temperature_range=(0.2 * tp, 2 * tp), transport=transport)
    # Arrhenius per phase on the stable branch
    sb = mf.stable_branch(ds)
    labels = [None if not e else ("below Tp" if t < tp else "above Tp")
              for t, e in zip(sb["temperature"].values, sb["exists"].values, strict=True)]
    below = (sb["temperature"].values >= 0.3 * tp) & (sb["temperature"].values <= 0.6 * tp)
    fits = mf.arrhenius_segments(
        sb["temperature"].values, np.where(below | (sb["temperature"].values > tp),
                                           sb["sigma"].values, np.nan), labels)
    ea_low = float(cf.activation_energy(0.05 * tp, p["lambda0"], p["K0"], 0.0, p["n0"]))
    ea_high_m0 = float(cf.activation_energy(1.3 * tp, p["lambda0"], p["K0"], 0.0, p["n0"]))
    ea_high = float(cf.activation_energy(1.3 * tp, p["lambda0"], p["K0"], p["M0_b"], p["n0"]))
    fig, (ax1, ax2) = _figure(2, (10, 3.9))
    pm.plot_branches(ds, "gamma", ax=ax1, t_ref=tp, branches=["+/lower", "0/lower", "-/lower"])
    for name, marker in (("+/lower", "o"), ("0/lower", "s"), ("-/lower", "^")):
        if name in de["branch"].values:
            sel = de.sel(branch=name)
            ax1.plot(sel["temperature"] / tp, sel["gamma"], marker, ms=3.5, mfc="none",
                     color="k", label="engine" if name == "+/lower" else None)
    ax1.set_ylabel("polarization γ")
    ax1.set_title(f"Fig. 4(b): M0 = {p['M0_b']} eV", fontsize=9)
    ax1.legend(fontsize=7)
    pm.plot_branches(ds, "sigma", ax=ax2, t_ref=tp, branches=["+/lower", "0/lower"], log=True)
    for fit in fits:
        t = np.linspace(fit["t_min"], fit["t_max"], 20)
        ax2.plot(t / tp, fit["prefactor"] * np.exp(-fit["activation_energy"] / (KB_EV * t)) / t,
                 color="k", lw=0.7, ls="-.")
    ax2.set_ylabel("σ (S/cm)")
    ax2.set_title("Fig. 4(c): Arrhenius fits per phase (dash-dot)", fontsize=9)
    pm.plot_transitions(recs, ax=ax2, t_ref=tp)
    save_figure(fig, outdir / "fig4bc.png", files)
    return {
        "parameters": {**p, "M0": p["M0_b"]},
        "Tp_K": tp,
        "transitions": [r.as_dict() for r in recs],
        "arrhenius_fits": fits,
        "activation_energy_eV": {
            "below_Tp_T_to_0_M0_0": ea_low,
            "expected_below": p["lambda0"] + p["n0"] * p["K0"],
            "above_Tp_M0_0": ea_high_m0,
            "expected_above": p["lambda0"] + p["n0"] * p["K0"] / 2,
            "above_Tp_M0_0.25_local_1.3Tp": ea_high,
        },
        "engine_vs_closed_form_max_abs_deviation": dev,
    }


def _path_deviation(de, dc) -> dict:
    out = {"gamma": 0.0, "P0_rel": 0.0, "sigma_rel": 0.0, "branches_match": True,
           "stability_match": True}
    for name in dc["branch"].values:
        y = dc.sel(branch=name)
        if not bool(y["exists"].any()):
            continue
        big = np.nan_to_num(y["P0"].values, nan=0.0) > 1e7
        if name not in de["branch"].values:
            out["branches_match"] = out["branches_match"] and bool(np.all(~y["exists"] | big))
            continue
        x = de.sel(branch=name)
        ex = y["exists"].values & ~big
        out["branches_match"] &= bool(np.all(x["exists"].values[ex]))
        out["stability_match"] &= bool(np.all(x["stable"].values[ex] == y["stable"].values[ex]))
        if ex.any():
            out["gamma"] = max(out["gamma"], float(np.max(np.abs(x["gamma"] - y["gamma"])[ex])))
            out["P0_rel"] = max(out["P0_rel"], float(np.max(np.abs(x["P0"] / y["P0"] - 1)[ex])))
            s_ok = ex & np.isfinite(y["sigma"].values)
            if s_ok.any():
                out["sigma_rel"] = max(out["sigma_rel"],
                                       float(np.max(np.abs(x["sigma"] / y["sigma"] - 1)[s_ok])))
    return out


# --------------------------------------------------------------------------- Fig. 4(e, f)
def _fig4ef(outdir: Path, quick: bool, files: list[str]) -> dict:
    p = FIG4
    tp = float(cf.transition_temperature(p["K0"], p["n0"]))
    transport = mf.Transport(cell_volume=CHAIN_VOLUME, tau=TAU)
    # Eq. 54 with gamma = 0: K0 = 0 in Eq. 55
    rec54 = mf.closed_form_transitions(p["lambda0"], 0.0, p["M0_e"], p["n0"],
                                       temperature_range=(100.0, 3 * tp), transport=transport,
                                       a=CHAIN_A)
    melts = [r for r in rec54 if r.event == "melts"]
    t_i = melts[0].temperature if melts else math.nan
    temps = _grid(0.15 * tp, 0.6 * tp, 60 if quick else 240,
                  (t_i * (1 - 1e-9), t_i * (1 - 1e-6), t_i * (1 - 1e-4)))
    d54 = mf.closed_form_path(temps, p["lambda0"], 0.0, p["M0_e"], p["n0"], a=CHAIN_A,
                              transport=transport)
    t55 = _grid(0.15 * tp, 2.5 * tp, 60 if quick else 300, (tp * (1 - 1e-6), tp, 2 * tp))
    d55 = mf.closed_form_path(t55, p["lambda0"], p["K0"], p["M0_e"], p["n0"], a=CHAIN_A,
                              transport=transport)
    save_netcdf(d54, outdir / "fig4ef_eq54.nc", files)
    save_netcdf(d55, outdir / "fig4ef_eq55_combined.nc", files)
    rec55 = mf.closed_form_transitions(p["lambda0"], p["K0"], p["M0_e"], p["n0"],
                                       temperature_range=(100.0, 3 * tp))
    # A c e of the combined model at its maximum T* = (Lambda0 + n0 K0 / 2) / kB = 2 Tp
    t_star = (p["lambda0"] + p["n0"] * p["K0"] / 2) / KB_EV
    ace_max = math.exp(float(fold_condition(t_star, p["lambda0"], p["K0"], p["M0_e"], p["n0"])))
    # engine on the Eq. 54 model near the fold
    model54 = models.interacting_chain(p["lambda0"], 0.0, p["M0_e"], p["n0"], a=CHAIN_A)
    eng = mf.transitions(model54, temperature_range=(0.5 * t_i, 1.5 * t_i), method="engine",
                         transport=transport, n_grid=12 if quick else 24)
    eng_ti = [r.temperature for r in eng if r.kind == "type-I" and r.event == "melts"]
    fig, axes = _figure(4, (16, 3.8))
    ax1, ax2, ax3, ax4 = axes
    pm.plot_branches(d54, "P0", ax=ax1, t_ref=tp, branches=["0/lower", "0/upper"])
    ax1.set_ylim(0, 1.0)
    ax1.axvline(t_i / tp, color="k", ls="-.", lw=0.8)
    ax1.set_title(f"Fig. 4(e): Eq. 54, γ = 0, T_I = {t_i:.1f} K", fontsize=9)
    ax1.set_ylabel("P0")
    ax1.legend(fontsize=7)
    pm.plot_branches(d54, "sigma", ax=ax2, t_ref=tp, branches=["0/lower"], log=True)
    ax2.axvline(t_i / tp, color="k", ls="-.", lw=0.8)
    ax2.set_ylabel("σ (S/cm)")
    ax2.set_title("Fig. 4(f): no valid solution above T_I", fontsize=9)
    pm.plot_branches(d55, "P0", ax=ax3, t_ref=tp,
                     branches=["+/lower", "0/lower", "0/upper", "+/upper"])
    ax3.set_ylim(0, 1.0)
    ax3.set_ylabel("P0")
    ax3.set_title("combined Eq. 55 (K0 = 0.5 eV): no fold", fontsize=9)
    pm.plot_branches(d55, "sigma", ax=ax4, t_ref=tp, branches=["+/lower", "0/lower"], log=True)
    ax4.set_ylabel("σ (S/cm)")
    ax4.set_title(f"combined: max A c e = {ace_max:.12f} at 2 Tp", fontsize=9)
    save_figure(fig, outdir / "fig4ef.png", files)
    m = melts[0] if melts else None
    return {
        "parameters": {**p, "M0": p["M0_e"]},
        "eq54_gamma0": {
            "T_I_K": t_i,
            "T_I_over_Tp": t_i / tp,
            "P0_at_fold": m.P0 if m else None,
            "sigma_at_fold_S_cm": m.sigma if m else None,
            "sigma_jump_lower_bound": m.sigma_ratio_bound if m else None,
            "engine_T_I_K": eng_ti[0] if eng_ti else None,
            "engine_rel_difference": abs(eng_ti[0] / t_i - 1) if eng_ti else None,
            "all_folds": [r.as_dict() for r in rec54],
        },
        "eq55_combined": {
            "transitions": [r.as_dict() for r in rec55],
            "type_I_found": any(r.kind == "type-I" for r in rec55),
            "max_Ace": ace_max,
            "T_of_max_K": t_star,
            "minimal_M0_for_fold_eV": mf.minimal_concerted_strength(p["lambda0"], p["K0"],
                                                                    p["n0"]),
        },
    }


# --------------------------------------------------------------------------- Table 1
def _table(outdir: Path, files: list[str]) -> dict:
    p = FIG4
    rows = mf.table1(p["lambda0"], p["K0"], p["M0_e"], p["n0"], type_i_K0=0.0,
                     temperature_range=(50.0, 2e4))
    text = ("# Table 1, computed\n\nType-I column: Eq. 54 with gamma = 0 (K0 = 0), M0 = 2.0 eV; "
            "type-II column: K0 = 0.5 eV. Lambda0 = 0.25 eV, n0 = 1 (Fig. 4).\n\n"
            + mf.table_markdown(rows))
    (outdir / "table1.md").write_text(text, encoding="utf-8")
    files.append("table1.md")
    return {"rows": [r.as_dict() for r in rows]}


# --------------------------------------------------------------------------- honeycomb
def _honeycomb(outdir: Path, quick: bool, files: list[str]) -> dict:
    lam, k0, n0 = 0.25, 0.5, 1.0
    out: dict = {"what_changes": {
        "chain": {"coordination": 2, "blocking_per_hop": 1, "partners_per_hop": 1},
        "honeycomb": {"coordination": 3, "blocking_per_hop": 2, "partners_per_hop": 2},
        "Tp": "z_b n0 K0 / 2 kB: n0 K0 / kB on the honeycomb, twice the chain's",
        "concerted_weight": "z_c / 2z: 1/3 on the honeycomb instead of 1/4",
        "T_activation_above_Tp": "Lambda0 + z_b n0 K0 / 2",
    }}
    worst = {"gamma": 0.0, "P0_rel": 0.0, "labels_match": True, "stability_match": True,
             "count_match": True}
    cases = [(0.25, 0.5, 0.25), (0.25, 0.5, 2.5), (0.25, 0.0, 1.5)]
    temps_rel = (0.5, 0.95, 1.2) if quick else (0.3, 0.5, 0.8, 0.95, 0.999, 1.05, 1.5)
    for lam_c, k0_c, m0_c in cases:
        model = models.interacting_honeycomb(lam_c, k0_c, m0_c, n0, a=HONEY_A)
        tp = float(cf.transition_temperature(k0_c, n0, cf.HONEYCOMB)) or 3000.0
        for f in temps_rel:
            e = mf.solve(model, temperature=f * tp)
            c = mf.closed_form_solutions(f * tp, lam_c, k0_c, m0_c, n0, geometry="honeycomb")
            cs = [s for s in c if s.P0 < 1e7]
            worst["count_match"] &= len(cs) == len(e)
            for s in cs:
                best = min(e.solutions, key=lambda x, s=s: abs(x.gamma - s.gamma)
                           + abs(math.log(x.P0 / s.P0)), default=None)
                if best is None:
                    continue
                worst["gamma"] = max(worst["gamma"], abs(best.gamma - s.gamma))
                worst["P0_rel"] = max(worst["P0_rel"], abs(best.P0 / s.P0 - 1))
                worst["labels_match"] &= best.label == s.label
                worst["stability_match"] &= best.stable == s.stable
    out["engine_vs_hand_derivation"] = worst
    transport = mf.Transport(cell_volume=HONEY_VOLUME, tau=TAU)
    model = models.interacting_honeycomb(lam, k0, 2.4, n0, a=HONEY_A)
    tp_h = float(cf.transition_temperature(k0, n0, cf.HONEYCOMB))
    rng = (0.3 * tp_h, 1.6 * tp_h)
    closed = mf.transitions(model, temperature_range=rng, transport=transport)
    engine = mf.transitions(model, temperature_range=rng, method="engine", transport=transport,
                            n_grid=12 if quick else 24)
    out["transitions_closed_form"] = [r.as_dict() for r in closed]
    out["transitions_engine"] = [r.as_dict() for r in engine]
    out["Tp_honeycomb_K"] = tp_h
    out["Tp_chain_K"] = float(cf.transition_temperature(k0, n0))
    # figure: gamma(T / Tp) on both lattices and the honeycomb's P0 branches
    temps = _grid(0.3 * tp_h, 1.6 * tp_h, 40 if quick else 160, (tp_h * (1 - 1e-6),))
    dh = mf.closed_form_path(temps, lam, k0, 2.4, n0, geometry="honeycomb", a=HONEY_A,
                             transport=transport)
    t_eng = np.linspace(0.35 * tp_h, 1.5 * tp_h, 6 if quick else 16)
    de = mf.solve_path(model, t_eng, transport=transport)
    save_netcdf(dh, outdir / "honeycomb_closed_form.nc", files)
    save_netcdf(de, outdir / "honeycomb_engine.nc", files)
    fig, (ax1, ax2) = _figure(2, (10, 3.8))
    pm.plot_branches(dh, "gamma", ax=ax1, t_ref=tp_h, branches=["+/lower", "0/lower"])
    sel = de.sel(branch="+/lower") if "+/lower" in de["branch"].values else None
    if sel is not None:
        ax1.plot(sel["temperature"] / tp_h, sel["gamma"], "o", ms=3.5, mfc="none", color="k",
                 label="engine (honeycomb)")
    dch = mf.closed_form_path(temps / 2.0, lam, k0, 2.4, n0, a=CHAIN_A)
    ax1.plot(dch["temperature"] / out["Tp_chain_K"], dch["gamma"].sel(branch="+/lower"),
             color="0.5", lw=0.8, label="chain (T / its Tp)")
    ax1.set_title(f"honeycomb: Tp = n0 K0 / kB = {tp_h:.0f} K", fontsize=9)
    ax1.set_ylabel("γ")
    ax1.legend(fontsize=7)
    pm.plot_branches(dh, "P0", ax=ax2, t_ref=tp_h, branches=["+/lower", "0/lower", "+/upper",
                                                             "0/upper"])
    for name in ("+/lower", "0/lower", "0/upper", "+/upper"):
        if name in de["branch"].values:
            s = de.sel(branch=name)
            ax2.plot(s["temperature"] / tp_h, s["P0"], "o", ms=3, mfc="none", color="k")
    ax2.set_ylim(0, 1.2)
    ax2.set_ylabel("P0")
    ax2.set_title("M0 = 2.4 eV: branches (lines) and engine (circles)", fontsize=9)
    save_figure(fig, outdir / "honeycomb.png", files)
    return out


# --------------------------------------------------------------------------- phase diagram
def _phase_diagram(outdir: Path, quick: bool, files: list[str]) -> dict:
    p = FIG4
    tp = float(cf.transition_temperature(p["K0"], p["n0"]))
    n = 60 if quick else 300
    start = time.perf_counter()
    ds = mf.phase_diagram(np.linspace(0.1 * tp, 2.5 * tp, n), p["lambda0"], p["K0"],
                          np.linspace(0.0, 3.5, n), p["n0"], a=CHAIN_A,
                          transport=mf.Transport(cell_volume=CHAIN_VOLUME, tau=TAU))
    seconds = time.perf_counter() - start
    save_netcdf(ds, outdir / "phase_diagram_T_M0.nc", files)
    fig, ax = _figure(1, (5.5, 4.2))
    pm.plot_phase_diagram(ds, "temperature", "M0", ax=ax)
    ax.set_title("chain, Λ0 = 0.25 eV, K0 = 0.5 eV, n0 = 1", fontsize=9)
    save_figure(fig, outdir / "phase_diagram_T_M0.png", files)
    return {"points": int(ds["phase"].size), "seconds": round(seconds, 3),
            "phase_counts": {name: int((ds["phase"] == i).sum())
                             for i, name in enumerate(PHASES)}}


def build(outdir: Path, *, quick: bool = False, progress=None) -> dict:
    """Compute, plot and write the mean-field section; return its JSON-serialisable summary.

    Parameters
    ----------
    outdir : pathlib.Path
        Folder for NetCDF, PNG, ``table1.md`` and ``summary.json`` (created if missing).
    quick : bool
        Coarser grids and fewer engine checks (well under 20 s).
    progress : callable, optional
        Called with a message before each part.
    """
    outdir, start, files = open_section(outdir)
    summary: dict = {"quick": bool(quick)}
    parts = [
        ("fig4bc", "Fig. 4(b,c): type II (M0 = 0.25 eV)", lambda: _fig4bc(outdir, quick, files)),
        ("fig4ef", "Fig. 4(e,f): type I (Eq. 54, gamma = 0) and the combined Eq. 55",
         lambda: _fig4ef(outdir, quick, files)),
        ("table1", "Table 1 from computed quantities", lambda: _table(outdir, files)),
        ("honeycomb", "honeycomb: engine against the hand derivation (App. A)",
         lambda: _honeycomb(outdir, quick, files)),
        ("phase_diagram", "(T, M0) phase diagram", lambda: _phase_diagram(outdir, quick, files)),
    ]
    for key, message, func in parts:
        say(progress, message)
        summary[key] = func()
    return write_summary(outdir, summary, files, start, as_json=True)
