"""Report section ``materials``: from a crystal structure to predictions (alpha-AgI).

Computes and writes into ``outdir``:

* the alpha-AgI CIF (Im-3m, I on 2a, Ag on 12d at occupancy 1/6) the section starts from, its
  hop network (site and hop classes, percolation) as NetCDF and a figure of the cell;
* sigma(T) in S/cm from a table of energies and from the bond-valence site-energy landscape,
  with their Arrhenius activation energies;
* the mean-field ordering transition of the same lattice with a repulsion K0 (Sec. IV): the
  order parameter along temperature and, in the full run, the located type-II transition;
* a many-body simulation check: with hard exclusion alone the simulated (Einstein-Helfand)
  conductivity is ``(1 - c)`` times the single-particle one, c = 1/6 the site occupancy.

The section is a list of parts (:data:`PARTS`); each takes ``(outdir, quick, files, state)``,
writes its files, may leave results in ``state`` for later parts and returns its summary. A
later part (a fit of measured data, for example) is added by appending to :data:`PARTS` and
naming its figures in :data:`FIGURES`. :func:`build` returns the summary.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

import superionic as si

from ..plot import materials as plot_mat
from ._common import open_section, save_figure, save_netcdf, say, write_summary
from .page import claim, close, number, table

#: alpha-AgI: cubic lattice constant (Å) and the CIF the section writes.
A_AGI = 5.07
AGI_CIF = f"""data_alpha-AgI
_symmetry_space_group_name_H-M   'I m -3 m'
_symmetry_Int_Tables_number      229
_cell_length_a   {A_AGI}
_cell_length_b   {A_AGI}
_cell_length_c   {A_AGI}
_cell_angle_alpha 90
_cell_angle_beta  90
_cell_angle_gamma 90
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_occupancy
I1 I 0 0 0 1
Ag1 Ag 0.25 0 0.5 0.1666667
"""
#: Hop cutoff (Å): the face-sharing (a sqrt(2)/4) and edge (a/2) classes.
CUTOFF = 2.6
#: Energies from a table, eV (illustrative: ~0.1 eV is the measured activation of alpha-AgI).
SITE_ENERGIES = {"12d": 0.0}
SADDLE_ENERGIES = {"12d-12d/1.79": 0.10, "12d-12d/2.54": 0.40}
#: Repulsion K0 (eV) for the mean-field and simulation parts.
REPULSION = 0.2

#: Figures and their captions.
FIGURES: dict[str, str] = {
    "agi_network.png": "alpha-AgI cell: iodide framework, the 12 Ag sites (12d) and the two "
                       "hop classes within 2.6 Å",
    "agi_sigma.png": "sigma(T) in S/cm of the network with energies from a table and from BVSE",
    "agi_meanfield.png": "mean-field order parameter gamma against T with K0 = 0.2 eV on the "
                         "face-sharing network",
    "agi_simulation.png": "simulated conductivity (hard exclusion) against (1 - c) x the "
                          "single-particle value",
    "measured_type_ii_fit.png": "synthetic measured sigma(T) from the chain mean field with a "
                                "type-II transition: the fit picks the kink and its Tp; the "
                                "right panel removes the line above Tp so the small kB Tp drop "
                                "in activation energy becomes visible",
    "measured_type_i_fit.png": "synthetic type-I data (a jump at T_I): the fit picks the jump "
                               "and the (Lambda0, M0) pairs whose fold lies at T_I",
}


def _quiet():
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.filterwarnings("ignore", message=".*CIF.*")
    warnings.filterwarnings("ignore", message="No _symmetry_equiv_pos_as_xyz")
    return ctx


# --------------------------------------------------------------------------- parts
def _structure_part(outdir: Path, quick: bool, files: list[str], state: dict) -> dict:
    from .. import materials

    cif = outdir / "agi.cif"
    cif.write_text(AGI_CIF, encoding="utf-8")
    files.append(cif.name)
    ctx = _quiet()
    try:
        network = materials.hop_network(cif, mobile="Ag", cutoff=CUTOFF)
    finally:
        ctx.__exit__(None, None, None)
    state["network"] = network
    save_netcdf(network.to_dataset(), outdir / "agi_network.nc", files)
    ax = plot_mat.plot_hop_network(network)
    save_figure(ax.figure, outdir / "agi_network.png", files)
    return {
        "space_group": network.space_group,
        "sites_per_cell": network.n_sites,
        "filling_ions_per_cell": network.filling,
        "site_classes": {c.name: c.count for c in network.site_classes},
        "hop_classes": {h.name: {"length_A": h.length, "per_cell": h.multiplicity}
                        for h in network.hop_classes},
        "shortest_hop_over_a_sqrt2_over_4": network.hop_classes[0].length
        / (A_AGI * np.sqrt(2) / 4),
        "percolation_dimension": network.percolation_dimension,
        "text": repr(network),
    }


def _conductivity_part(outdir: Path, quick: bool, files: list[str], state: dict) -> dict:
    from .. import materials

    network = state["network"]
    table = materials.build_model(network, site_energies=SITE_ENERGIES,
                                  saddle_energies=SADDLE_ENERGIES)
    bvse = materials.build_model(network, site_energies="bvse", saddle_energies="bvse")
    state["model"] = table
    bvse_energies = materials.class_energies(network, site_energies="bvse",
                                             saddle_energies="bvse")
    temps = np.linspace(420.0, 1000.0, 6 if quick else 24)
    curves = {}
    out: dict = {"energies_table_eV": {**SITE_ENERGIES, **SADDLE_ENERGIES},
                 "energies_bvse_eV": {
                     **{k: float(v) for k, v in zip(bvse_energies["site_class_name"].values,
                                                    bvse_energies["site_energy"].values,
                                                    strict=True)},
                     **{k: float(v) for k, v in zip(bvse_energies["hop_class_name"].values,
                                                    bvse_energies["saddle_energy"].values,
                                                    strict=True)}},
                 "charge_e": table.charge, "filling": table.filling,
                 "cell_volume_A3": table.lattice.volume, "tau_s": table.tau}
    for label, model in (("table", table), ("bvse", bvse)):
        ds = si.conductivity_vs_temperature(model, temps)
        ds.attrs["energies"] = label
        save_netcdf(ds, outdir / f"agi_sigma_{label}.nc", files)
        curves[f"energies from {label}"] = ds
        fit = si.arrhenius_fit(temps, ds["sigma_iso"].values)
        out[label] = {"sigma_500K_S_per_cm": float(
            np.trace(si.conductivity_tensor(model, temperature=500.0)) / 3),
            "activation_energy_eV": fit["activation_energy"]}
    ax = plot_mat.plot_sigma_arrhenius(curves)
    ax.set_title("alpha-AgI: single-particle sigma(T)")
    save_figure(ax.figure, outdir / "agi_sigma.png", files)
    return out


def _meanfield_part(outdir: Path, quick: bool, files: list[str], state: dict) -> dict:
    from .. import materials

    # the face-sharing hops only: K0 acts between the four face-sharing neighbours of a site
    model = materials.build_model(state["network"], site_energies=SITE_ENERGIES,
                                  saddle_energies={**SADDLE_ENERGIES, "12d-12d/2.54": None},
                                  interactions=si.Interactions(repulsion=REPULSION))
    state["interacting"] = model
    temps = np.linspace(600.0, 1600.0, 6 if quick else 21)
    transport = si.meanfield.Transport(tau=model.tau)
    path = si.meanfield.solve_path(model, temps, transport=transport)
    save_netcdf(path.drop_vars("status", errors="ignore"), outdir / "agi_meanfield.nc", files)
    stable = si.meanfield.stable_branch(path)
    gamma = np.abs(stable["gamma"].values)
    ordered = temps[gamma > 1e-6]
    disordered = temps[gamma <= 1e-6]
    out: dict = {"K0_eV": REPULSION,
                 "ordered_below_K": float(ordered.max()) if ordered.size else None,
                 "disordered_above_K": float(disordered.min()) if disordered.size else None}
    fig = Figure(figsize=(5.2, 3.8), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(temps, gamma, marker="o", label="stable branch |gamma|")
    if not quick:
        found = si.meanfield.transitions(model, temperature_range=(float(temps[0]),
                                                                   float(temps[-1])),
                                         n_grid=12)
        out["transitions"] = [{"kind": t.kind, "temperature_K": t.temperature,
                               "order": t.order} for t in found]
        for t in found:
            ax.axvline(t.temperature, color="C3", ls="--",
                       label=f"{t.kind} {t.temperature:.0f} K")
    ax.set_xlabel("T (K)")
    ax.set_ylabel("|gamma| (sublattice order)")
    ax.set_title(f"alpha-AgI mean field, K0 = {REPULSION} eV")
    ax.legend(fontsize=8)
    save_figure(fig, outdir / "agi_meanfield.png", files)
    return out


def _simulation_part(outdir: Path, quick: bool, files: list[str], state: dict) -> dict:
    model = state["model"]
    temps = np.array([500.0, 800.0]) if quick else np.array([450.0, 600.0, 800.0, 1000.0])
    steps = 4000 if quick else 40000
    occupancy = model.filling / model.n_sites
    rows = []
    for k, t in enumerate(temps):
        ds = si.simulate(model, temperature=float(t), supercell=(4, 4, 4), steps=steps,
                         seed=100 + k, replicas=2 if quick else 4, executor="inline",
                         cell_volume=model.lattice.volume, charge=model.charge)
        single = float(np.trace(si.conductivity_tensor(model, temperature=float(t))) / 3)
        rows.append((single, float(ds["conductivity_einstein_helfand"]),
                     float(ds["conductivity_einstein_helfand_stderr"])))
    single, sim, err = (np.array(x) for x in zip(*rows, strict=True))
    ds = xr.Dataset(
        {"sigma_single_particle": ("temperature", single, {"units": "S/cm"}),
         "sigma_simulation": ("temperature", sim, {"units": "S/cm"}),
         "sigma_simulation_stderr": ("temperature", err, {"units": "S/cm"})},
        coords={"temperature": ("temperature", temps, {"units": "K"})},
        attrs={"site_occupancy": occupancy, "steps": steps, "supercell": "4x4x4"})
    save_netcdf(ds, outdir / "agi_simulation.nc", files)
    z = (sim - (1 - occupancy) * single) / err
    fig = Figure(figsize=(5.2, 3.8), layout="constrained")
    ax = fig.add_subplot()
    ax.semilogy(1000 / temps, single, "k-", label="single particle")
    ax.semilogy(1000 / temps, (1 - occupancy) * single, "k--", label="(1 - c) x single particle")
    ax.errorbar(1000 / temps, sim, yerr=err, fmt="o", color="C1", label="simulation")
    ax.set_xlabel("1000 / T (1/K)")
    ax.set_ylabel("sigma (S/cm)")
    ax.legend(fontsize=8)
    save_figure(fig, outdir / "agi_simulation.png", files)
    return {"temperatures_K": temps.tolist(), "sigma_single_particle": single.tolist(),
            "sigma_simulation": sim.tolist(), "sigma_simulation_stderr": err.tolist(),
            "z_vs_one_minus_c_times_single": z.tolist(), "site_occupancy": occupancy}


def _measurements_part(outdir: Path, quick: bool, files: list[str], state: dict) -> dict:
    """A synthetic measured data set fitted and turned back into parameters."""
    from .measurements import write_fit_example

    result = write_fit_example(outdir, quick=quick)
    files.extend(name for name in result["files"] if name not in files)
    return result


#: The parts in order: (summary key, progress message, function).
PARTS: list[tuple[str, str, Callable[..., dict]]] = [
    ("structure", "alpha-AgI from its CIF: site and hop classes", _structure_part),
    ("conductivity", "sigma(T) from a table of energies and from BVSE", _conductivity_part),
    ("meanfield", "mean-field ordering with K0", _meanfield_part),
    ("simulation", "simulation check of the conductivity", _simulation_part),
    ("measurements", "fit of a synthetic measured sigma(T)", _measurements_part),
]


def build(outdir: Path, *, quick: bool = False, progress=None) -> dict:
    """Compute, plot and write the materials section; return its JSON-serialisable summary.

    Parameters
    ----------
    outdir : pathlib.Path
        Folder for the CIF, NetCDF, PNG and ``summary.json`` (created if missing).
    quick : bool
        Coarser grids and shorter simulations, no transition search.
    progress : callable, optional
        Called with a message before each part.
    """
    outdir, start, files = open_section(outdir)
    summary: dict = {
        "title": "From a crystal to predictions: alpha-AgI",
        "description": (
            "alpha-AgI from its CIF to site and hop classes, sigma(T) in S/cm from a table of "
            "energies and from bond valences, the mean-field ordering with a repulsion K0 and "
            "a many-body simulation check; then a synthetic measured sigma(T) fitted with one or "
            "two "
            "Arrhenius segments and turned back into the theory's parameters."
        ),
        "quick": bool(quick),
        "figures": dict(FIGURES),
    }
    state: dict = {}
    for key, message, part in PARTS:
        say(progress, message)
        summary[key] = part(outdir, quick, files, state)
    summary["figures"] = {name: text for name, text in FIGURES.items() if name in files}
    summary.update(page(summary))
    return write_summary(outdir, summary, files, start, as_json=True)


def page(summary: dict) -> dict:
    """Tables and checked claims of the section, from its own numbers."""
    st, co = summary["structure"], summary["conductivity"]
    sim, fit = summary["simulation"], summary["measurements"]["type_II"]
    hops = [[name, number(h["length_A"]), h["per_cell"]] for name, h in st["hop_classes"].items()]
    sigma = [[source, number(co[key]["sigma_500K_S_per_cm"]),
              number(co[key]["activation_energy_eV"])]
             for source, key in (("table", "table"), ("bond valences (BVSE)", "bvse"))]
    sims = [[number(t), number(a), f"{number(b)} ± {number(e, 2)}", number(z, 2)]
            for t, a, b, e, z in zip(sim["temperatures_K"], sim["sigma_single_particle"],
                                     sim["sigma_simulation"], sim["sigma_simulation_stderr"],
                                     sim["z_vs_one_minus_c_times_single"], strict=True)]
    true = fit["true"]
    tp, tp_err = fit["transition_temperature_K"], fit["transition_temperature_stderr_K"]
    fits = [["Tp (K)", number(true["Tp"]), f"{number(tp)} ± {number(tp_err, 2)}"],
            ["K0 (eV)", number(true["K0"]), number(fit["K0_eV"])],
            ["Λ0 (eV)", number(true["lambda0"]), number(fit["lambda0_eV"])],
            ["activation-energy drop (eV)", number(fit["predicted_drop_eV"]),
             number(fit["activation_energy_drop_eV"])]]
    shape_ok = (st["sites_per_cell"] == 12 and close(st["filling_ions_per_cell"], 2.0, 1e-5)
                and close(st["shortest_hop_over_a_sqrt2_over_4"], 1.0, 1e-9))
    fit_ok = (fit["kind"] == "type-II" and abs(tp - true["Tp"]) <= 3.0 * tp_err
              and "consistent" in fit["verdict"] and "not consistent" not in fit["verdict"])
    return {
        "tables": [
            table("Hop classes of alpha-AgI within the cutoff",
                  ["hop class", "length (Å)", "per cell"], hops),
            table("Activation energies and σ(500 K) of alpha-AgI",
                  ["energies from", "σ(500 K) (S/cm)", "Ea (eV)"], sigma),
            table("Simulation (hard exclusion) against the single-particle σ",
                  ["T (K)", "σ single particle (S/cm)", "σ simulated (S/cm)",
                   "z against (1 - c) σ single"], sims),
            table("Fit of a synthetic measured σ(T) (chain mean field, type II)",
                  ["quantity", "true", "recovered"], fits,
                  note=fit["verdict"]),
        ],
        "claims": [
            claim("alpha-AgI: Ag on 12d at occupancy 1/6 gives 12 sites and 2 ions per cell, "
                  "and the shortest hop is a√2/4 (face-sharing tetrahedra)",
                  holds=shape_ok, status="reproduced",
                  evidence=f"{st['sites_per_cell']} sites, filling "
                           f"{number(st['filling_ions_per_cell'], 7)}, shortest hop / (a√2/4) = "
                           f"{number(st['shortest_hop_over_a_sqrt2_over_4'], 10)}",
                  page="materials.md", heading="2. Site and hop classes"),
            claim("Type II: the activation energy drops by about kB Tp on heating through Tp, "
                  "and a two-segment fit with a kink recovers Tp",
                  holds=fit_ok, status="reproduced",
                  evidence=f"Tp {number(tp)} ± {number(tp_err, 2)} K (true {true['Tp']:g} K); "
                           + fit["verdict"],
                  page="experiment.md", heading="Inference"),
        ],
    }
