"""Report section ``core``: single-particle spectra and conductivities (Secs. II.3-III, App. A).

Computes and writes into ``outdir``:

* the two-site chain's spectrum along the zone at zero field and in a field (Eqs. 26, 33);
* Fig. 3(c): the '+' branch for P0 = 0.60, gamma = 0.88, f = 0.5 in the paper's ``full``
  coupling. These parameters lie outside the discrete-time domain (P0 (1 + gamma) cosh(f a / 2)
  > 1: the diagonal of P is negative), so the matrices are evaluated with ``domain="ignore"`` and
  the figure says so; the branch is compared with Eq. 33;
* the honeycomb's spectrum along Gamma-M-K-Gamma and a decay-rate / frequency map over the first
  Brillouin zone (Eqs. 56-58);
* weak-field conductivities against their closed forms (Eqs. 38, 63) and sigma(T) with Arrhenius
  fits for the chain, the honeycomb and the 12-site bcc tetrahedral lattice (alpha-AgI type);
* real-space checks: density waves relax at the Bloch decay rate (kappa ~ k^2, Eq. 27) and the
  drift measured by evolving a supercell equals the Bloch drift.

NetCDF data, PNG figures and ``summary.json``; :func:`build` returns the summary.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .. import models, transport
from ..kspace import spectrum
from ..plot import core as plot_core
from ..realspace import dynamics
from ..units import KB_EV
from ._common import open_section, save_figure, save_netcdf, say, write_summary
from .page import claim, close, number, table

#: Chain of Sec. III in reduced units (a = 1 Å, tau = 1 step).
CHAIN = {"P0": 0.4, "gamma": 0.3, "a": 1.0, "f": 0.5}
#: Fig. 3(c) of the paper (full coupling).
FIG3C = {"P0": 0.60, "gamma": 0.88, "a": 1.0, "f": 0.5}
#: Honeycomb of App. A in reduced units.
HONEYCOMB = {"P0": 0.4, "gamma": 0.3, "a": 1.0, "f": (0.4, 0.2)}
#: Physical parametrisation for sigma(T): barriers, lattice constants, steps and cell volumes.
PHYSICAL = {
    "chain": {"lambda0_eV": 0.25, "a_A": 4.0, "tau_s": 1e-13, "cross_section_A2": 16.0},
    "honeycomb": {"lambda0_eV": 0.25, "a_A": 3.5, "tau_s": 1e-13, "layer_spacing_A": 6.0},
    "bcc": {"barrier_eV": 0.10, "a_A": 5.07, "tau_s": 1e-13},
}


def _chain_section(outdir: Path, quick: bool, files: list[str]) -> dict:
    c = CHAIN
    chain = models.two_site_chain(c["P0"], c["gamma"], a=c["a"])
    path = spectrum.kpath(chain.lattice, n=101 if quick else 401)
    zero = spectrum.spectrum(chain, path)
    field = spectrum.spectrum(chain, path, field=[c["f"]], coupling="full")
    save_netcdf(zero, outdir / "chain_spectrum.nc", files)
    save_netcdf(field, outdir / "chain_spectrum_field.nc", files)
    # Eq. 26 / 33 check
    k = path.k[:, 0]
    a, P0, g, f = c["a"], c["P0"], c["gamma"], c["f"]
    om0 = math.cosh(f * a / 2)
    om = np.cos(k * a / 2) * om0 + 1j * np.sin(k * a / 2) * math.sinh(f * a / 2)
    eq33 = 1 - P0 * om0 * (1 - np.sqrt(g * g + (1 - g * g) * (om / om0) ** 2))
    got = field.eigenvalue_real.sel(mode=0).values + 1j * field.eigenvalue_imag.sel(mode=0).values
    fig = plot_core.Figure(figsize=(9.0, 3.4), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    plot_core.plot_spectrum(zero, "decay_rate", ax=ax1)
    ax1.set_title("chain, f = 0")
    plot_core.plot_spectrum(field, "decay_rate", ax=ax2)
    ax2.set_title(f"chain, f a = {f * a:g} (full coupling)")
    plot_core.plot_spectrum(field, "frequency", ax=ax3)
    ax3.set_title("frequencies")
    ax1.legend(fontsize=7, frameon=False)
    save_figure(fig, outdir / "chain_spectrum.png", files)
    drift = transport.drift_velocity(chain, field=[f], coupling="full")[0]
    exact = a / 2 * P0 * (1 - g * g) * math.sinh(f * a / 2)
    return {
        "parameters": c,
        "eq33_max_abs_deviation": float(np.max(np.abs(got - eq33))),
        "stable_group_velocity_at_gamma": float(
            field.group_velocity.values[np.argmin(abs(k)), 0, 0]
        ),
        "drift_exact_full_coupling": exact,
        "drift_velocity": float(drift),
        "diffusion": float(transport.diffusion_tensor(chain)[0, 0]),
        "diffusion_closed_form": a * a * P0 * (1 - g * g) / 8,
    }


def _fig3c_section(outdir: Path, quick: bool, files: list[str]) -> dict:
    c = FIG3C
    chain = models.two_site_chain(c["P0"], c["gamma"], a=c["a"])
    path = spectrum.kpath(chain.lattice, n=201 if quick else 801)
    ds = spectrum.spectrum(chain, path, field=[c["f"]], coupling="full", domain="ignore")
    a, P0, g, f = c["a"], c["P0"], c["gamma"], c["f"]
    worst = P0 * (1 + g) * math.cosh(f * a / 2)
    ds.attrs["caption"] = (
        "Fig. 3(c): '+' branch, P0 = 0.60, gamma = 0.88, f = 0.5 (full coupling). Outside the "
        f"discrete-time domain: P0 (1 + gamma) cosh(f a / 2) = {worst:.3f} > 1 (negative P_bb); "
        "evaluated with domain='ignore'."
    )
    save_netcdf(ds, outdir / "fig3c.nc", files)
    k = path.k[:, 0]
    om0 = math.cosh(f * a / 2)
    om = np.cos(k * a / 2) * om0 + 1j * np.sin(k * a / 2) * math.sinh(f * a / 2)
    eq33 = 1 - P0 * om0 * (1 - np.sqrt(g * g + (1 - g * g) * (om / om0) ** 2))
    got = ds.eigenvalue_real.sel(mode=0).values + 1j * ds.eigenvalue_imag.sel(mode=0).values
    fig = plot_core.Figure(figsize=(5.6, 4.0), layout="constrained")
    ax = fig.add_subplot()
    plot_core.plot_eigenvalue_branch(ds, mode=0, ax=ax)
    ax.set_title(
        "Fig. 3(c): P0 = 0.60, γ = 0.88, f = 0.5 (full coupling)\n"
        f"outside the discrete-time domain: P0(1+γ)cosh(fa/2) = {worst:.3f} > 1",
        fontsize=9,
    )
    save_figure(fig, outdir / "fig3c.png", files)
    i0 = int(np.argmin(np.abs(k)))
    return {
        "parameters": c,
        "in_domain": bool(ds.attrs["in_domain"]),
        "domain_measure_P0_1pg_cosh": worst,
        "eq33_max_abs_deviation": float(np.max(np.abs(got - eq33))),
        "p_plus_at_gamma": [float(got[i0].real), float(got[i0].imag)],
        "max_modulus_plus_branch": float(ds.modulus.sel(mode=0).max()),
        "note": "evaluated with domain='ignore'; |p| = 1 only at k = 0 as in the paper's caption",
    }


def _honeycomb_section(outdir: Path, quick: bool, files: list[str]) -> dict:
    c = HONEYCOMB
    hc = models.honeycomb(c["P0"], c["gamma"], a=c["a"])
    path = spectrum.kpath(hc.lattice, n=121 if quick else 401)
    zero = spectrum.spectrum(hc, path)
    field = spectrum.spectrum(hc, path, field=list(c["f"]), coupling="full")
    save_netcdf(zero, outdir / "honeycomb_spectrum.nc", files)
    save_netcdf(field, outdir / "honeycomb_spectrum_field.nc", files)
    mesh = spectrum.kmesh(hc.lattice, 36 if quick else 96, first_zone=True)
    zone = spectrum.spectrum(hc, mesh)
    zone_f = spectrum.spectrum(hc, mesh, field=list(c["f"]), coupling="full")
    save_netcdf(zone, outdir / "honeycomb_zone.nc", files)
    save_netcdf(zone_f, outdir / "honeycomb_zone_field.nc", files)
    fig = plot_core.Figure(figsize=(9.0, 3.4), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    plot_core.plot_spectrum(zero, "decay_rate", ax=ax1)
    ax1.set_title("honeycomb, f = 0")
    ax1.legend(fontsize=7, frameon=False)
    plot_core.plot_spectrum(field, "frequency", ax=ax2)
    ax2.set_title(f"honeycomb, f = {c['f']} 1/Å (full coupling)")
    save_figure(fig, outdir / "honeycomb_spectrum.png", files)
    # no layout engine: the colour bars sit in the gaps beside their (square) maps
    fig = plot_core.Figure(figsize=(12.0, 3.7))
    ax1, ax2, ax3 = fig.subplots(1, 3)
    fig.subplots_adjust(left=0.05, right=0.92, bottom=0.14, top=0.91, wspace=0.75)
    plot_core.plot_zone_map(zone, "decay_rate", mode=0, ax=ax1)
    ax1.set_title("stable κ, f = 0", fontsize=10)
    plot_core.plot_zone_map(zone, "decay_rate", mode=1, ax=ax2)
    ax2.set_title("second mode κ, f = 0", fontsize=10)
    plot_core.plot_zone_map(zone_f, "frequency", mode=0, ax=ax3, cmap="coolwarm")
    ax3.set_title(f"stable ω, f = {c['f']} 1/Å", fontsize=10)
    save_figure(fig, outdir / "honeycomb_zone_map.png", files)
    # Eq. 58 at zero field over the mesh
    P0, g, a = c["P0"], c["gamma"], c["a"]
    s3 = math.sqrt(3.0)
    avec = a * np.array([[0.5, 0.5 / s3], [-0.5, 0.5 / s3], [0.0, -1 / s3]])
    omega_p = np.exp(1j * mesh.k @ avec.T).mean(axis=1)
    omega_m = np.exp(-1j * mesh.k @ avec.T).mean(axis=1)
    eq58 = 1 - P0 + P0 * np.sqrt(g * g + (1 - g * g) * omega_p * omega_m)
    drift = transport.drift_velocity(hc, field=list(c["f"]), coupling="full")
    return {
        "parameters": {**c, "f": list(c["f"])},
        "eq58_max_abs_deviation": float(
            np.max(np.abs(zone.eigenvalue_real.sel(mode=0) - eq58.real))
        ),
        "mesh_points": len(mesh),
        "max_decay_rate_stable_mode": float(zone.decay_rate.sel(mode=0).max()),
        "drift_velocity_full_coupling": drift.tolist(),
        "mobility_full": transport.mobility_tensor(hc, coupling="full").tolist(),
        "mobility_eq62": P0 * (1 - g * g) * a * a / 6,
    }


def _conductivity_section(outdir: Path, quick: bool, files: list[str]) -> dict:
    out: dict = {}
    fig = plot_core.Figure(figsize=(12.0, 3.6), layout="constrained")
    axes = fig.subplots(1, 3)
    n_t = 8 if quick else 40
    # --- chain: Eq. 38 with P0 = exp(-Lambda0 / kT), gamma = 0
    p = PHYSICAL["chain"]
    chain = models.interacting_chain(p["lambda0_eV"], K0=0.0, a=p["a_A"], tau=p["tau_s"])
    volume = p["a_A"] * p["cross_section_A2"]
    temps = np.linspace(300.0, 900.0, n_t)
    ds = transport.conductivity_vs_temperature(chain, temps, cell_volume=volume)
    fit = transport.arrhenius_fit(temps, ds.sigma_iso.values)
    save_netcdf(ds, outdir / "conductivity_chain.nc", files)
    t0 = 600.0
    full = transport.conductivity_tensor(chain, temperature=t0, cell_volume=volume,
                                         coupling="full")[0, 0]
    kt = KB_EV * t0
    a, tau = p["a_A"], p["tau_s"]
    # sigma_weak = (n0 Z a / V tau) (Z a / 4 kT) P0 in S/cm: e^2 / (kT [J]) with Å -> m, /100
    e = 1.602176634e-19
    eq38 = (1.0 * a / (volume * tau)) * (a / (4 * kt * e)) * math.exp(-p["lambda0_eV"] / kt)
    eq38 *= e * e * 1e-10 * 1e-10 / 1e-30 / 100.0
    out["chain"] = {
        "parameters": p,
        "cell_volume_A3": volume,
        "arrhenius": fit,
        "sigma_full_600K_S_per_cm": float(full),
        "eq38_600K_S_per_cm": eq38,
        "ratio_full_to_eq38": float(full / eq38),
        "ratio_symmetric_to_full": float(
            transport.conductivity_tensor(chain, temperature=t0, cell_volume=volume)[0, 0] / full
        ),
    }
    plot_core.plot_conductivity(ds, fit=fit, ax=axes[0])
    axes[0].set_title(f"chain, Λ0 = {p['lambda0_eV']} eV")
    # --- honeycomb: Eq. 63
    p = PHYSICAL["honeycomb"]
    hc = models.interacting_honeycomb(p["lambda0_eV"], K0=0.0, a=p["a_A"], tau=p["tau_s"])
    volume = hc.lattice.volume * p["layer_spacing_A"]
    ds = transport.conductivity_vs_temperature(hc, temps, cell_volume=volume)
    fit = transport.arrhenius_fit(temps, ds.sigma_iso.values)
    save_netcdf(ds, outdir / "conductivity_honeycomb.nc", files)
    full = transport.conductivity_tensor(hc, temperature=t0, cell_volume=volume, coupling="full")
    a, tau = p["a_A"], p["tau_s"]
    j0 = a / (volume * tau)
    eq63 = j0 * a / (6 * kt * e) * math.exp(-p["lambda0_eV"] / kt) * e * e * 1e-20 / 1e-30 / 100
    out["honeycomb"] = {
        "parameters": p,
        "cell_volume_A3": volume,
        "arrhenius": fit,
        "sigma_full_600K_S_per_cm": full.tolist(),
        "eq63_600K_S_per_cm": eq63,
        "ratio_full_to_eq63": float(full[0, 0] / eq63),
        "isotropic": bool(
            np.allclose(full, full[0, 0] * np.eye(2), rtol=0, atol=1e-10 * full[0, 0])
        ),
    }
    plot_core.plot_conductivity(ds, fit=fit, ax=axes[1])
    axes[1].set_title(f"honeycomb, Λ0 = {p['lambda0_eV']} eV")
    # --- bcc tetrahedral (alpha-AgI type), 3D; 4 exp(-Ea / kT) <= 1 below ~837 K
    p = PHYSICAL["bcc"]
    bcc = models.bcc_tetrahedral(barrier=p["barrier_eV"], a=p["a_A"], tau=p["tau_s"])
    temps_b = np.linspace(420.0, 800.0, n_t)
    ds = transport.conductivity_vs_temperature(bcc, temps_b)
    fit = transport.arrhenius_fit(temps_b, ds.sigma_iso.values)
    save_netcdf(ds, outdir / "conductivity_bcc.nc", files)
    sig = ds.sigma.values
    out["bcc_tetrahedral"] = {
        "parameters": p,
        "temperatures_K": [float(temps_b[0]), float(temps_b[-1])],
        "arrhenius": fit,
        "sigma_600K_S_per_cm": float(ds.sigma_iso.interp(temperature=600.0)),
        "isotropic": bool(
            np.allclose(sig, sig[:, :1, :1] * np.eye(3), rtol=0, atol=1e-10 * sig.max())
        ),
    }
    plot_core.plot_conductivity(ds, fit=fit, ax=axes[2])
    axes[2].set_title(f"bcc tetrahedral (α-AgI type), {p['barrier_eV']} eV")
    save_figure(fig, outdir / "conductivity.png", files)
    return out


def _real_space_section(outdir: Path, quick: bool, files: list[str]) -> dict:
    c = CHAIN
    chain = models.two_site_chain(c["P0"], c["gamma"], a=c["a"])
    cells = 128 if quick else 512
    modes = [[1], [2], [4], [8], [16]]
    ds = dynamics.relaxation(chain, cells, modes, steps=2000 if quick else 6000)
    save_netcdf(ds, outdir / "relaxation.nc", files)
    d = float(transport.diffusion_tensor(chain)[0, 0])
    hc = models.honeycomb(HONEYCOMB["P0"], HONEYCOMB["gamma"], a=HONEYCOMB["a"])
    f = list(HONEYCOMB["f"])
    measured = dynamics.measure_drift(hc, (4, 4), steps=400, field=f, coupling="full")
    exact = transport.drift_velocity(hc, field=f, coupling="full")
    return {
        "relaxation_max_rel_deviation_from_bloch": float(
            np.max(np.abs(ds.decay_rate / ds.bloch_decay_rate - 1))
        ),
        "kappa_over_k2_smallest_k": float(ds.decay_rate_over_k2[0]),
        "diffusion_bloch": d,
        "honeycomb_drift_real_space": measured.velocity.tolist(),
        "honeycomb_drift_bloch": exact.tolist(),
        "drift_max_abs_deviation": float(np.max(np.abs(measured.velocity - exact))),
    }


def build(outdir: Path, *, quick: bool = False, progress=None) -> dict:
    """Compute, plot and write the core section; return its JSON-serialisable summary.

    Parameters
    ----------
    outdir : pathlib.Path
        Folder for NetCDF, PNG and ``summary.json`` (created if missing).
    quick : bool
        Coarser paths, meshes and temperature grids (a few seconds).
    progress : callable, optional
        Called with a message before each part.
    """
    outdir, start, files = open_section(outdir)
    summary: dict = {"quick": bool(quick)}
    parts = [
        ("chain", "chain spectra (Eqs. 26, 33)", _chain_section),
        ("fig3c", "Fig. 3(c)", _fig3c_section),
        ("honeycomb", "honeycomb spectra and zone maps (Eqs. 56-58)", _honeycomb_section),
        ("conductivity", "conductivities and Arrhenius fits (Eqs. 38, 39, 63)",
         _conductivity_section),
        ("real_space", "real-space relaxation and drift (Eqs. 8, 17, 27)", _real_space_section),
    ]
    for key, message, func in parts:
        say(progress, message)
        summary[key] = func(outdir, quick, files)
    summary.update(page(summary))
    return write_summary(outdir, summary, files, start)


def page(summary: dict) -> dict:
    """Title, description, figure captions, tables and checked claims of the section."""
    ch, f3, hc = summary["chain"], summary["fig3c"], summary["honeycomb"]
    co, rs = summary["conductivity"], summary["real_space"]
    fits = [("chain", co["chain"]), ("honeycomb", co["honeycomb"]),
            ("bcc tetrahedral", co["bcc_tetrahedral"])]
    return {
        "title": "Single-particle spectra and conductivities (Secs. II.3-III, App. A)",
        "description": (
            "The exact Bloch analysis of one ion on the paper's lattices: the spectrum of ionic "
            "density waves of the two-site chain and of the honeycomb layer with and without a "
            "field, compared with the closed forms Eqs. 26, 33 and 58; weak-field conductivities "
            "in S/cm against Eqs. 38 and 63 and sigma(T) with Arrhenius fits on the chain, the "
            "honeycomb and a 3D bcc lattice; and real-space checks that a supercell evolved step "
            "by step relaxes and drifts as the Bloch analysis says. Rates are per step (tau = 1) "
            "in the reduced-unit spectra and per second in the conductivities (tau = 1e-13 s)."),
        "figures": {
            "chain_spectrum.png": (
                "Decay rates and frequencies of the chain's two modes along the zone (P0 = 0.4, "
                "gamma = 0.3). Look for: the stable mode's decay rate vanishes at Gamma (particle "
                "conservation) and rises as k^2 (diffusion); the field tilts the frequencies, "
                "whose slope at Gamma is the drift."),
            "fig3c.png": (
                "Fig. 3(c): real and imaginary parts and modulus of the '+' branch for the "
                "caption's parameters. They lie outside the discrete-time domain (the title "
                "gives the measure), so the curve is shown as the paper's formula evaluated "
                "there, not as a physical spectrum; |p| = 1 only at k = 0."),
            "honeycomb_spectrum.png": (
                "Honeycomb layer (App. A) along Gamma-M-K-Gamma: decay rates at zero field and "
                "frequencies in the field f = (0.4, 0.2) 1/Å. Look for the stable mode's zero at "
                "Gamma and the field-odd frequencies."),
            "honeycomb_zone_map.png": (
                "Decay rate of the stable and the second mode and the stable mode's frequency in "
                "the field, over the first Brillouin zone. Look for the isotropic minimum at "
                "Gamma (isotropic diffusion of the honeycomb) and the frequency changing sign "
                "across the plane normal to the field."),
            "conductivity.png": (
                "ln(sigma T) against 1000/T with the Arrhenius fit for each lattice: straight "
                "lines whose slopes give the barriers put in (0.25, 0.25 and 0.10 eV)."),
        },
        "tables": [
            table("Activation energies of sigma T (Arrhenius fits)",
                  ["lattice", "barrier put in (eV)", "fitted Ea (eV)", "fit error (eV)"],
                  [[name, d["parameters"].get("lambda0_eV", d["parameters"].get("barrier_eV")),
                    d["arrhenius"]["activation_energy"],
                    d["arrhenius"].get("activation_energy_stderr", 0.0)] for name, d in fits]),
            table("Closed forms against the general engine",
                  ["check", "engine", "closed form", "max deviation"],
                  [["chain '+' branch in a field, Eq. 33", "spectrum", "Eq. 33",
                    ch["eq33_max_abs_deviation"]],
                   ["honeycomb stable branch, Eq. 58", "spectrum", "Eq. 58",
                    hc["eq58_max_abs_deviation"]],
                   ["chain drift, full coupling (Å per step)", ch["drift_velocity"],
                    ch["drift_exact_full_coupling"],
                    abs(ch["drift_velocity"] - ch["drift_exact_full_coupling"])],
                   ["chain diffusion a^2 P0 (1 - gamma^2) / 8 (Å^2 per step)", ch["diffusion"],
                    ch["diffusion_closed_form"],
                    abs(ch["diffusion"] - ch["diffusion_closed_form"])],
                   ["chain sigma at 600 K, Eq. 38 (S/cm)", co["chain"]["sigma_full_600K_S_per_cm"],
                    co["chain"]["eq38_600K_S_per_cm"], abs(co["chain"]["ratio_full_to_eq38"] - 1)],
                   ["honeycomb sigma at 600 K, Eq. 63 (S/cm)",
                    co["honeycomb"]["sigma_full_600K_S_per_cm"][0][0],
                    co["honeycomb"]["eq63_600K_S_per_cm"],
                    abs(co["honeycomb"]["ratio_full_to_eq63"] - 1)],
                   ["relaxation rate of density waves / Bloch decay rate", "real space", "Bloch",
                    rs["relaxation_max_rel_deviation_from_bloch"]]],
                  note="Relative deviations for the conductivities and the relaxation rate."),
        ],
        "claims": [
            claim("The field spectrum of the two-site chain is Eq. 33.",
                  holds=ch["eq33_max_abs_deviation"] < 1e-10, status="reproduced",
                  evidence=f"max |p - Eq. 33| = {number(ch['eq33_max_abs_deviation'], 2)}",
                  page="theory.md", heading="Sec. III: the two-site chain"),
            claim("The weak-field conductivities of the chain and the honeycomb are Eqs. 38 and "
                  "63.",
                  holds=close(co["chain"]["ratio_full_to_eq38"], 1.0, 1e-9)
                  and close(co["honeycomb"]["ratio_full_to_eq63"], 1.0, 1e-9),
                  status="reproduced",
                  evidence=(f"ratios {number(co['chain']['ratio_full_to_eq38'], 12)} and "
                            f"{number(co['honeycomb']['ratio_full_to_eq63'], 12)} (full coupling)"),
                  page="theory.md", heading="App. A: the honeycomb layer"),
            claim("Fig. 3(c) shows a physical spectrum for P0 = 0.60, gamma = 0.88, f = 0.5.",
                  holds=not f3["in_domain"], status="corrected",
                  evidence=(f"P0 (1 + gamma) cosh(f a / 2) = "
                            f"{number(f3['domain_measure_P0_1pg_cosh'])} > 1: a negative "
                            "diagonal of P, outside the discrete-time model"),
                  page="theory.md", heading="7. The domain of the discrete-time model"),
            claim("Density waves relax at the Bloch decay rate, kappa ~ D k^2 at small k "
                  "(Eq. 27).",
                  holds=rs["relaxation_max_rel_deviation_from_bloch"] < 1e-6
                  and close(rs["kappa_over_k2_smallest_k"], rs["diffusion_bloch"], 1e-2),
                  status="reproduced",
                  evidence=(f"kappa / k^2 = {number(rs['kappa_over_k2_smallest_k'])} at the "
                            f"smallest k, D = {number(rs['diffusion_bloch'])}"),
                  page="theory.md", heading="Sec. III: the two-site chain"),
        ],
    }
