"""CLI subcommand ``simulate``: many-body Monte Carlo of a TOML model spec.

Writes the result Dataset (NetCDF), a JSON summary of the main observables and a PNG of the
mean-square displacements. The progress bar is on unless ``--no-progress``; ``--checkpoint DIR``
resumes an interrupted run with identical statistics.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np

from .. import io as sio
from ..errors import ModelError
from ._group import main

SUMMARY = ("drift_velocity", "polarization", "polarization_abs", "binder_cumulant",
           "hop_probability", "tracer_diffusion", "jump_diffusion", "collective_diffusion",
           "thermodynamic_factor", "haven_ratio", "mobility", "conductivity",
           "conductivity_einstein_helfand")


def _numbers(text: str | None, what: str, kind=float):
    if text is None:
        return None
    try:
        return [kind(x) for x in text.replace(" ", "").split(",") if x != ""]
    except ValueError:
        raise click.BadParameter(f"{text!r}: expected comma-separated numbers",
                                 param_hint=what) from None


def summary(ds) -> dict:
    """JSON-serialisable summary of a :func:`superionic.simulate` Dataset."""
    out: dict = {}
    for name in SUMMARY:
        if name in ds:
            out[name] = np.asarray(ds[name].values).tolist()
            out[name + "_stderr"] = np.asarray(ds[name + "_stderr"].values).tolist()
    for key in ("attempts", "hops", "wall_time", "engine", "update", "n_sites", "n_ions",
                "warmup_steps", "saturated_attempts", "max_out_probability", "bytes_per_site"):
        v = ds.attrs.get(key)
        out[key] = v.item() if isinstance(v, np.generic) else v
    return out


@main.command("simulate")
@click.argument("spec", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--temperature", "-T", type=float, default=None, help="Temperature in K.")
@click.option("--field", default=None, help="Reduced field f (1/Å), comma-separated vector.")
@click.option("--filling", type=float, default=None, help="Ions per cell (overrides the spec).")
@click.option("--supercell", required=True, help="Repeats per lattice vector, e.g. 32,32.")
@click.option("--steps", type=float, required=True,
              help="Steps tau per replica (kmc: duration in tau).")
@click.option("--seed", type=int, required=True, help="Root seed (SeedSequence).")
@click.option("--engine", type=click.Choice(["discrete", "kmc"]), default="discrete",
              show_default=True)
@click.option("--update", type=click.Choice(["sequential", "parallel"]), default="sequential",
              show_default=True)
@click.option("--concerted", type=click.Choice(["previous", "same"]), default="previous",
              show_default=True, help="When the M0 boost acts.")
@click.option("--coupling", type=click.Choice(["symmetric", "full"]), default="symmetric",
              show_default=True)
@click.option("--replicas", type=int, default=1, show_default=True)
@click.option("--block", type=float, default=None, help="Block length (steps or tau).")
@click.option("--warmup", default="auto", show_default=True, help="'auto' or steps to drop.")
@click.option("--executor", type=click.Choice(["processes", "threads", "inline"]),
              default=None, help="Where replicas run (default: processes when replicas > 1).")
@click.option("--checkpoint", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory for checkpoints; rerun the same command to resume.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("simulation.nc"), show_default=True, help="NetCDF output file.")
@click.option("--no-plot", is_flag=True, help="Do not write the PNG figure.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
def simulate_command(spec, temperature, field, filling, supercell, steps, seed, engine, update,
                     concerted, coupling, replicas, block, warmup, executor, checkpoint, output,
                     no_plot, no_progress):
    """Many-body simulation of the model in SPEC (a TOML model spec)."""
    from ..simulation import simulate

    try:
        parsed = sio.read_spec(spec)
        model = sio.spec_to_model(parsed)
        ds = simulate(
            model, temperature=temperature, field=_numbers(field, "--field"), filling=filling,
            supercell=_numbers(supercell, "--supercell", int), steps=steps, seed=seed,
            coupling=coupling, engine=engine, update=update, concerted=concerted,
            replicas=replicas, block=block, warmup=warmup if warmup == "auto" else float(warmup),
            executor=executor, progress=not no_progress, checkpoint=checkpoint,
            cell_volume=getattr(parsed, "cell_volume", None),
        )
    except (ModelError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    output.parent.mkdir(parents=True, exist_ok=True)
    sio.write_netcdf(ds, output)
    info = summary(ds)
    json_path = output.with_suffix(".json")
    json_path.write_text(json.dumps(info, indent=2), encoding="utf-8")
    written = [output, json_path]
    if not no_plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from ..plot.simulation import plot_msd

        ax = plot_msd(ds)
        png = output.with_suffix(".png")
        from ..io.atomic import save_figure

        save_figure(ax.figure, png, dpi=120)
        plt.close(ax.figure)
        written.append(png)
    d = info.get("tracer_diffusion"), info.get("tracer_diffusion_stderr")
    click.echo(f"{ds.attrs['hops']:.0f} hops in {ds.attrs['wall_time']:.1f} s; "
               f"tracer D = {d[0]:.4g} ± {d[1]:.2g} Å^2/tau")
    for path in written:
        click.echo(f"wrote {path}")
