"""CLI subcommand ``fit``: a measured sigma(T) or D(T) table fitted and interpreted.

Reads the CSV (:func:`superionic.experiment.read_table`), optionally converts D <-> sigma by
Nernst-Einstein (Haven ratio stated), fits one or two Arrhenius segments
(:func:`~superionic.experiment.fit_arrhenius`), infers mean-field parameters
(:func:`~superionic.experiment.infer_parameters`), prints the table and writes
``<stem>_fit.png``, ``<stem>_fit.nc`` and ``<stem>_fit.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import ModelError
from ._group import main


def _segments(value: str):
    if value == "auto":
        return "auto"
    try:
        return int(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected auto, 1 or 2",
                                 param_hint="--segments") from None


def fit_report(fit, inference) -> str:
    """The printed table of a fit and its inference."""
    unit = "S K/cm" if fit.quantity == "sigma" else "cm^2/s"
    lines = [f"fit of {fit.fitted_variable} against 1/kB T: {fit.kind}"
             + ("" if fit.decided else " (the data cannot decide)"),
             f"  {fit.reason}"]
    if fit.transition_temperature is not None:
        if fit.transition_interval is not None:
            a, b = fit.transition_interval
            lines.append(f"  transition between {a:.1f} and {b:.1f} K "
                         f"(centre {fit.transition_temperature:.1f} K); jump x"
                         f"{fit.jump_ratio:.3g}")
        else:
            lines.append(f"  transition at {fit.transition_temperature:.1f} ± "
                         f"{fit.transition_temperature_stderr:.1f} K")
    lines.append(f"  {'segment':<8} {'T range (K)':>17} {'n':>3} {'Ea (eV)':>9} "
                 f"{'± (eV)':>8} {'prefactor (' + unit + ')':>22}")
    names = ("below", "above") if len(fit.segments) == 2 else ("all",)
    for name, s in zip(names, fit.segments, strict=False):
        lo, hi = s.temperature_range
        lines.append(f"  {name:<8} {lo:>8.1f}-{hi:<8.1f} {s.n_points:>3} "
                     f"{s.activation_energy:>9.4f} {s.activation_energy_stderr:>8.4f} "
                     f"{s.prefactor:>22.4g}")
    lines.append(f"  evidence ({fit.criterion}): " + ", ".join(
        f"{e.model} delta {e.delta:.2f} (weight {e.weight:.3f})" for e in fit.evidence))
    for note in fit.notes:
        lines.append(f"  note: {note}")
    if inference is not None:
        lines.append(f"mean field on the {inference.lattice}, n0 = {inference.filling:g}:")
        for key, label in (("lambda0", "Lambda0"), ("K0", "K0 (mean field)"),
                           ("K0_exact", "K0 (exact ordering)"), ("M0", "M0")):
            value = getattr(inference, key)
            if value is None:
                continue
            se = getattr(inference, key + "_stderr", None)
            lines.append(f"  {label:<20} {value:.4g} eV" + (f" ± {se:.2g}" if se else ""))
        if inference.round_trip_temperature is not None:
            lines.append(f"  round trip: meanfield.transitions gives "
                         f"{inference.round_trip_temperature:.2f} K")
        lines.append(f"  {inference.verdict}")
        for note in inference.notes:
            lines.append(f"  note: {note}")
    return "\n".join(lines)


@main.command("fit")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--quantity", type=click.Choice(["sigma", "D"]), default=None,
              help="Quantity the table holds (checked against its units).")
@click.option("--filling", type=float, default=1.0, show_default=True,
              help="Mobile ions per cell n0 of the mean-field lattice.")
@click.option("--lattice", type=click.Choice(["chain", "honeycomb"]), default="chain",
              show_default=True, help="Lattice of the mean field for the inference.")
@click.option("--segments", default="auto", show_default=True, help="auto, 1 or 2.")
@click.option("--criterion", type=click.Choice(["BIC", "AICc"]), default="BIC",
              show_default=True, help="Information criterion for the model choice.")
@click.option("--convert-to", type=click.Choice(["sigma", "D"]), default=None,
              help="Convert by Nernst-Einstein before fitting (needs --charge and "
                   "--carrier-density).")
@click.option("--charge", type=float, default=1.0, show_default=True, help="Z (e).")
@click.option("--carrier-density", type=float, default=None, help="Mobile ions per cm^3.")
@click.option("--haven-ratio", type=float, default=1.0, show_default=True,
              help="Haven ratio H_R = D_tracer / D_sigma for Nernst-Einstein.")
@click.option("--outdir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True)
def fit_command(file, quantity, filling, lattice, segments, criterion, convert_to, charge,
                carrier_density, haven_ratio, outdir):
    """Fit a measured sigma(T) or D(T) table and infer mean-field parameters."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from .. import experiment as ex
    from .. import io as sio
    from ..plot import experiment as pe

    try:
        table = ex.read_table(file, quantity=quantity)
        if convert_to is not None and convert_to != table.quantity:
            if carrier_density is None:
                raise ModelError("--carrier-density (cm^-3) is required with --convert-to")
            table = ex.convert_table(table, convert_to, charge=charge,
                                     carrier_density=carrier_density,
                                     haven_ratio=haven_ratio)
        fit = ex.fit_arrhenius(table.temperature, table.values, quantity=table.quantity,
                               segments=_segments(segments), errors=table.errors,
                               criterion=criterion)
        inference = ex.infer_parameters(fit, filling=filling, lattice=lattice)
    except ModelError as exc:
        raise click.ClickException(str(exc)) from None
    for note in table.notes:
        click.echo(f"table: {note}")
    click.echo(fit_report(fit, inference))
    outdir.mkdir(parents=True, exist_ok=True)
    stem = file.stem
    fig = Figure(figsize=(10.0, 4.0), layout="constrained")
    ax, dev = fig.subplots(1, 2)
    pe.plot_fit(fit, inference, ax=ax)
    pe.plot_deviation(fit, inference, ax=dev)
    fig.savefig(outdir / f"{stem}_fit.png", dpi=130)
    ds = fit.to_dataset()
    ds.attrs["table_notes"] = "; ".join(table.notes)
    ds.attrs["inference_json"] = json.dumps(_jsonable(inference.as_dict()))
    sio.write_netcdf(ds, outdir / f"{stem}_fit.nc")
    summary = {"table": {"source": table.source, "quantity": table.quantity,
                         "notes": list(table.notes)},
               "fit": fit.as_dict(), "inference": inference.as_dict()}
    (outdir / f"{stem}_fit.json").write_text(json.dumps(_jsonable(summary), indent=2) + "\n",
                                             encoding="utf-8")
    click.echo(f"wrote {stem}_fit.png, {stem}_fit.nc, {stem}_fit.json in {outdir}")


def _jsonable(obj):
    import math

    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else str(obj)
    if hasattr(obj, "item"):
        return _jsonable(obj.item())
    return obj
