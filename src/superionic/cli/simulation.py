"""CLI subcommand ``simulate``: many-body Monte Carlo of a TOML model spec.

Writes the result Dataset (NetCDF), a JSON summary of the main observables and a PNG of the
mean-square displacements. The progress bar is on unless ``--no-progress``; ``--checkpoint DIR``
resumes an interrupted run with identical statistics. SIGINT (Ctrl-C) or SIGTERM saves the finished
blocks there, reports where the run stopped and exits with status 128 + the signal number.

resumes an interrupted run with identical statistics.

Every output is checked before the run (exit status 3 when one cannot be written), a supercell
too large for the memory is refused before it is allocated (exit status 4), a model outside the
discrete-time domain is reported on the console and in the Dataset, and a run too short to
measure anything says so on the console, in the files and in the figure.
"""

from __future__ import annotations

import json
import math
import signal
import threading
import warnings
from pathlib import Path

import click
import numpy as np

from ..errors import DomainWarning, ModelError
from ._group import failure, main
from ._outputs import check_output

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


def _json_value(value):
    """Plain JSON value: NaN (not measured, not defined) becomes null."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def summary(ds) -> dict:
    """JSON-serialisable summary of a :func:`superionic.simulate` Dataset (NaN -> null)."""
    out: dict = {}
    for key in ("status", "measured", "in_domain", "domain"):
        if key in ds.attrs:
            out[key] = _json_value(ds.attrs[key])
    for name in SUMMARY:
        if name in ds:
            out[name] = _json_value(np.asarray(ds[name].values).tolist())
            out[name + "_stderr"] = _json_value(np.asarray(ds[name + "_stderr"].values).tolist())
    for key in ("attempts", "hops", "wall_time", "engine", "update", "n_sites", "n_ions",
                "warmup_steps", "saturated_attempts", "max_out_probability",
                "max_out_probability_table", "bytes_per_site", "reliable_error_bars",
                "error_bar_warning"):
        out[key] = _json_value(ds.attrs.get(key))
    return out


def _too_short_figure(ds, path: Path) -> None:
    """A figure that says the run measured nothing, instead of empty log axes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.5, 3.0), layout="constrained")
    ax = fig.add_subplot()
    ax.set_axis_off()
    text = str(ds.attrs.get("status", "too short to measure"))
    ax.text(0.5, 0.5, "No mean-square displacement to show:\n" + _wrap(text, 60),
            ha="center", va="center", fontsize=9, transform=ax.transAxes)
    fig.savefig(path, dpi=120)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def interruption_message(signal_name: str, checkpoint: Path | None) -> str:
    """Where an interrupted run stopped and how to resume it."""
    if checkpoint is None:
        return (f"interrupted by {signal_name}: no checkpoint directory was given, so the "
                "finished blocks are lost; rerun with --checkpoint DIR to keep them next time")
    lines = [f"interrupted by {signal_name}; finished blocks saved in {checkpoint}:"]
    files = sorted(Path(checkpoint).glob("point*-replica*.npz"))
    for path in files:
        try:
            with np.load(path) as data:
                done, total = int(data["done"]), int(data["rec_acc"].shape[0])
        except (OSError, KeyError, ValueError):
            continue
        lines.append(f"  {path.name}: {done} of {total} blocks")
    if not files:
        lines.append("  (no block had finished yet)")
    lines.append("resume by running the same command again (same arguments and --checkpoint); "
                 "the resumed run ends with the statistics of an uninterrupted one")
    return "\n".join(lines)


@main.command("simulate")
@click.argument("spec", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--temperature", "-T", type=float, default=None, help="Temperature in K.")
@click.option("--field", default=None, help="Reduced field f (1/Å), comma-separated vector.")
@click.option("--filling", type=float, default=None, help="Ions per cell (overrides the spec).")
@click.option("--supercell", required=True, help="Repeats per lattice vector, e.g. 32,32.")
@click.option("--steps", type=float, required=True,
              help="Steps tau per replica (kmc: duration in tau).")
@click.option("--seed", type=click.IntRange(min=0), required=True,
              help="Root seed (SeedSequence), a non-negative integer.")
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
    from .. import io as sio
    from ..simulation import simulate

    json_path = output.with_suffix(".json")
    png = None if no_plot else output.with_suffix(".png")
    check_output(output, "--output")
    check_output(json_path, "--output (its JSON summary)")
    if png is not None:
        check_output(png, "--output (its figure)")
    if warmup != "auto":
        try:
            warmup_steps = float(warmup)
        except ValueError:
            raise click.BadParameter(f"{warmup!r}: 'auto' or a number of steps",
                                     param_hint="--warmup") from None
    else:
        warmup_steps = "auto"
    caught: list = []
    received = {}

    def on_signal(signum, frame):
        received["signal"] = signum
        raise KeyboardInterrupt

    handlers = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            handlers[sig] = signal.signal(sig, on_signal)
    try:
        parsed = sio.read_spec(spec)
        model = sio.spec_to_model(parsed)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DomainWarning)
            ds = simulate(
                model, temperature=temperature, field=_numbers(field, "--field"),
                filling=filling, supercell=_numbers(supercell, "--supercell", int), steps=steps,
                seed=seed, coupling=coupling, engine=engine, update=update, concerted=concerted,
                replicas=replicas, block=block, warmup=warmup_steps, executor=executor,
                progress=not no_progress, checkpoint=checkpoint,
                cell_volume=getattr(parsed, "cell_volume", None),
            )
    except ModelError as exc:
        raise failure(exc) from None
    except KeyboardInterrupt:
        signum = received.get("signal", signal.SIGINT)
        click.echo(interruption_message(signal.Signals(signum).name, checkpoint), err=True)
        raise SystemExit(128 + int(signum)) from None
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    for w in caught:
        if issubclass(w.category, DomainWarning):
            click.echo(f"warning: {w.message}", err=True)
    sio.write_netcdf(ds, output)
    info = summary(ds)
    json_path.write_text(json.dumps(info, indent=2, allow_nan=False), encoding="utf-8")
    written = [output, json_path]
    measured = bool(ds.attrs.get("measured", 1))
    if png is not None:
        if measured:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            from ..plot.simulation import plot_msd

            ax = plot_msd(ds)
            from ..io.atomic import save_figure

            save_figure(ax.figure, png, dpi=120)
            plt.close(ax.figure)
        else:
            _too_short_figure(ds, png)
        written.append(png)
    if measured:
        d = float(ds["tracer_diffusion"]), float(ds["tracer_diffusion_stderr"])
        error = f" ± {d[1]:.2g}" if math.isfinite(d[1]) else " (no error bar)"
        click.echo(f"{ds.attrs['hops']:.0f} hops in {ds.attrs['wall_time']:.1f} s; "
                   f"tracer D = {d[0]:.4g}{error} Å^2/tau")
        if ds.attrs.get("in_domain", 1) and ds.attrs.get("status", "ok") != "ok":
            click.echo(f"note: {ds.attrs['status']}", err=True)
    else:
        click.echo(f"{ds.attrs['hops']:.0f} hops in {ds.attrs['wall_time']:.1f} s; "
                   "nothing measured")
        click.echo(f"warning: {ds.attrs['status']}", err=True)
    for path in written:
        click.echo(f"wrote {path}")
