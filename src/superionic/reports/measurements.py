"""A fit of a synthetic measured data set, for the main job's ``materials`` section.

:func:`write_fit_example` generates sigma(T) of the mean-field chain with a type-II transition
(fixed seed, 2 % noise), writes it as a CSV table with units in its header, reads it back,
fits it (:func:`superionic.experiment.fit_arrhenius`), infers the mean-field parameters
(:func:`superionic.experiment.infer_parameters`) and writes a figure, NetCDF and JSON. Without
``quick`` it does the same for a type-I example (a fold of Eq. 54). It returns a summary of the
key numbers (true beside recovered) and the names of the files it wrote.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from .. import experiment as ex
from ..io import atomic
from ..plot import experiment as pe
from ..units import KB_EV
from ._common import jsonable, save_figure, save_netcdf

SEED = 20260
#: Type-II example: chain, Lambda0 = 0.30 eV, Tp = 520 K (K0 = 2 kB Tp / n0), n0 = 1.
TYPE_II = {"lambda0": 0.30, "Tp": 520.0, "n0": 1.0, "relative_error": 0.02}
#: Type-I example: chain, Lambda0 = 0.25 eV, fold at T_I = 700 K (Eq. 54, K0 = 0), n0 = 1.
TYPE_I = {"lambda0": 0.25, "T_I": 700.0, "n0": 1.0, "relative_error": 0.02}


def _figure():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10.0, 4.0), layout="constrained")
    return fig, fig.subplots(1, 2)


def _write_csv(table, path: Path) -> None:
    lines = ["# synthetic sigma(T) from the superionic mean field", f"# {table.source}",
             "T (K),sigma (S/cm),sigma_err (S/cm)"]
    lines += [f"{t!r},{v!r},{e!r}" for t, v, e in
              zip(table.temperature.tolist(), table.values.tolist(), table.errors.tolist(),
                  strict=True)]
    atomic.write_text_atomic(path, "\n".join(lines) + "\n")


def _one(outdir: Path, name: str, table, truth: dict, files: list[str]) -> dict:
    csv = outdir / f"{name}.csv"
    _write_csv(table, csv)
    files.append(csv.name)
    read = ex.read_table(csv)
    fit = ex.fit_arrhenius(read.temperature, read.values, errors=read.errors)
    inference = ex.infer_parameters(fit, filling=truth["n0"], lattice="chain")
    fig, (ax, dev) = _figure()
    pe.plot_fit(fit, inference, ax=ax)
    ax.set_title(f"synthetic {truth['kind']} data (chain mean field)", fontsize="small")
    pe.plot_deviation(fit, inference, ax=dev)
    dev.set_title("minus the line above the transition", fontsize="small")
    save_figure(fig, outdir / f"{name}_fit.png", files)
    ds = fit.to_dataset()
    ds.attrs["inference_json"] = json.dumps(jsonable(inference.as_dict()))
    save_netcdf(ds, outdir / f"{name}_fit.nc", files)
    result = {"truth": truth, "fit": fit.as_dict(), "inference": inference.as_dict()}
    atomic.write_text_atomic(outdir / f"{name}_fit.json",
                             json.dumps(jsonable(result), indent=2) + "\n")
    files.append(f"{name}_fit.json")
    drop = fit.activation_energy_drop()
    return {
        "true": truth,
        "kind": fit.kind,
        "criterion": fit.criterion,
        "transition_temperature_K": fit.transition_temperature,
        "transition_temperature_stderr_K": fit.transition_temperature_stderr,
        "transition_interval_K": fit.transition_interval,
        "activation_energies_eV": [s.activation_energy for s in fit.segments],
        "activation_energy_stderrs_eV": [s.activation_energy_stderr for s in fit.segments],
        "activation_energy_drop_eV": None if drop is None else drop[0],
        "jump_ratio": fit.jump_ratio,
        "lambda0_eV": inference.lambda0,
        "K0_eV": inference.K0,
        "M0_eV": inference.M0,
        "predicted_drop_eV": inference.predicted_drop,
        "predicted_drop_asymptotic_eV": inference.predicted_drop_asymptotic,
        "predicted_jump_bound": inference.predicted_jump_bound,
        "round_trip_temperature_K": inference.round_trip_temperature,
        "verdict": inference.verdict,
    }


def write_fit_example(outdir: Path, *, quick: bool) -> dict:
    """Fit synthetic measurements from the mean field; write figures, NetCDF and JSON.

    Parameters
    ----------
    outdir : Path
        Created if missing.
    quick : bool
        Only the type-II example (16 points); otherwise 30 points and a type-I example too.

    Returns
    -------
    dict
        ``{"type_II": {...}, ["type_I": {...},] "files": [...]}`` with the true parameters
        beside the fitted and inferred ones.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    files: list[str] = []
    p = TYPE_II
    k0 = 2.0 * KB_EV * p["Tp"] / p["n0"]
    n = 16 if quick else 30
    t = np.linspace(0.6 * p["Tp"], 1.6 * p["Tp"], n)
    table = ex.synthetic_table(t, lambda0=p["lambda0"], K0=k0, n0=p["n0"],
                               relative_error=p["relative_error"], rng=rng)
    truth = {"kind": "type-II", "lambda0": p["lambda0"], "K0": k0, "Tp": p["Tp"],
             "n0": p["n0"], "relative_error": p["relative_error"], "n_points": n}
    out = {"type_II": _one(outdir, "measured_type_ii", table, truth, files)}
    if not quick:
        q = TYPE_I
        kt = KB_EV * q["T_I"]
        m0 = 4.0 * kt / q["n0"] * math.exp(q["lambda0"] / kt - 1.0)   # A c e = 1 at T_I
        t = np.linspace(0.65 * q["T_I"], 1.45 * q["T_I"], 24)
        table = ex.synthetic_table(t, lambda0=q["lambda0"], M0=m0, n0=q["n0"],
                                   relative_error=q["relative_error"], rng=rng)
        truth = {"kind": "type-I", "lambda0": q["lambda0"], "M0": m0, "T_I": q["T_I"],
                 "n0": q["n0"], "relative_error": q["relative_error"], "n_points": t.size}
        out["type_I"] = _one(outdir, "measured_type_i", table, truth, files)
    out["files"] = sorted(files)
    return out
