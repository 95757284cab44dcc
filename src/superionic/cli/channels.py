"""``superionic channels``: phonon-channel statistics and driven dynamics.

Subcommands (each calls one public function and writes a NetCDF ``.nc`` or CSV ``.csv`` data
file, by the suffix of ``--output``, plus a PNG figure next to it):

* ``probability``: Eq. 2 hop probability against temperature for one or more densities of
  states (:func:`superionic.channels.probability_vs_temperature`);
* ``rate``: hop rate of the channel-averaged matrix against the step tau for a model declared
  by saddle energies (:func:`superionic.channels.average.hop_rate`);
* ``modes``: rank phonon modes of a phonopy ``band.yaml`` / ``mesh.yaml`` (or the synthetic
  chain) by the criteria of Sec. II.2 (:func:`superionic.channels.phonons.rank_modes`);
* ``drive``: transient current under a field step, pulse or AC field
  (:func:`superionic.realspace.driving.drive`, :func:`superionic.realspace.driving.step_response`);
* ``ac``: AC mobility and conductivity sigma(Omega)
(:func:`superionic.realspace.driving.ac_response`).

Invalid input ends with a one-paragraph error naming the field and value (exit code 1); output
paths are checked before the work, and every command names each file it wrote. The computation
is imported inside the commands.
"""

from __future__ import annotations

import math
from pathlib import Path

import click
import numpy as np

from ..errors import ConvergenceError, ModelError
from ._group import failure, main
from ._outputs import check_output


def _fail(exc: Exception) -> click.ClickException:
    return failure(exc)


def _outputs(output: Path, no_plot: bool) -> tuple[str, Path | None]:
    suffix = output.suffix.lower()
    if suffix not in (".nc", ".csv"):
        raise click.BadParameter(
            f"{output}: the suffix must be .nc (NetCDF) or .csv", param_hint="--output"
        )
    png = None if no_plot else output.with_suffix(".png")
    check_output(output, "--output")
    if png is not None:
        check_output(png, "--output (its figure)")
    return ("netcdf" if suffix == ".nc" else "csv"), png


def _write(ds, output: Path, fmt: str, png: Path | None, plot) -> list[Path]:
    """Write ``ds`` to ``output`` and, unless ``png`` is None, the figure ``plot(ds, ax=ax)``;
    return the paths written."""
    from .. import io as sio

    if fmt == "netcdf":
        sio.write_netcdf(ds, output)
    else:
        sio.write_csv(ds, output)
    written = [output]
    if png is not None:
        fig, ax = _figure()
        plot(ds, ax=ax)
        from ..io.atomic import save_figure

        save_figure(fig, png, dpi=120)
        written.append(png)
    return written


def _echo_written(paths: list[Path]) -> None:
    for path in paths:
        click.echo(f"wrote {path}")


def _figure(size=(5.6, 4.0)):
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def _number(x: float, digits: int = 4) -> str:
    """A number for a table: ``1.234e+12``, ``0.5``, ``nan`` -> ``-``."""
    x = float(x)
    return "-" if not math.isfinite(x) else f"{x:.{digits}g}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    """Right-aligned plain-text table."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def _load_model(path: Path):
    from .. import io as sio

    try:
        spec = sio.read_spec(path)
        return spec, sio.spec_to_model(spec)
    except ModelError as exc:
        raise _fail(exc) from None


def _parse_dos(text: str):
    """``constant``, ``power:N[:E0]``, ``gaussian:CENTER:WIDTH`` or ``table:FILE``."""
    from .. import channels as chn
    from ..channels import phonons

    kind, _, rest = text.partition(":")
    try:
        if kind == "constant":
            return text, None
        if kind == "power":
            parts = rest.split(":")
            origin = float(parts[1]) if len(parts) > 1 else 0.0
            return text, chn.power_law_dos(origin, float(parts[0]))
        if kind == "gaussian":
            center, width = (float(x) for x in rest.split(":"))
            return text, chn.gaussian_dos(center, width)
        if kind == "table":
            return text, phonons.read_total_dos(rest)
    except ModelError as exc:
        raise _fail(exc) from None
    except ValueError:
        pass
    raise click.BadParameter(
        f"{text!r}: expected constant, power:N[:E0], gaussian:CENTER:WIDTH or table:FILE "
        "(phonopy total_dos.dat)",
        param_hint="--dos",
    )


def _vector(text: str | None, dim: int, hint: str) -> np.ndarray | None:
    if text is None:
        return None
    try:
        values = np.array([float(x) for x in text.split(",") if x.strip()])
    except ValueError:
        raise click.BadParameter(f"{text!r}: expected comma-separated numbers",
                                 param_hint=hint) from None
    if values.size != dim:
        raise click.BadParameter(f"{text!r}: the model is {dim}D, give {dim} component(s)",
                                 param_hint=hint)
    return values


@main.group("channels")
def channels_group() -> None:
    """Phonon-channel statistics (Eqs. 2-7) and driven dynamics (Eqs. 15-17)."""


# --------------------------------------------------------------------------- probability
@channels_group.command("probability")
@click.option("--threshold", type=float, required=True, help="Hop threshold E_ji in eV.")
@click.option("--origin", type=float, default=0.0, show_default=True,
              help="Origin energy E_ii in eV.")
@click.option("--degeneracy", type=click.FloatRange(min=1), default=1.0, show_default=True)
@click.option("--tmin", type=click.FloatRange(min=0, min_open=True), default=300.0,
              show_default=True, help="K.")
@click.option("--tmax", type=click.FloatRange(min=0, min_open=True), default=1500.0,
              show_default=True, help="K.")
@click.option("--nt", type=click.IntRange(min=2), default=60, show_default=True)
@click.option("--dos", "dos_texts", multiple=True, default=("constant",), show_default=True,
              help="constant | power:N[:E0] | gaussian:CENTER:WIDTH | table:FILE (repeatable).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("hop_probability.nc"), show_default=True)
@click.option("--no-plot", is_flag=True)
def probability_command(threshold, origin, degeneracy, tmin, tmax, nt, dos_texts, output,
                        no_plot):
    """Hop probability against temperature for one or more densities of states.

    Eq. 2 of the paper (Eq. 3 for the constant DOS), at the given threshold and origin energy.
    """
    from .. import channels as chn
    from ..plot import channels as plot_ch

    fmt, png = _outputs(output, no_plot)
    doses = dict(_parse_dos(t) for t in dos_texts)
    try:
        ds = chn.probability_vs_temperature(
            threshold=threshold, temperatures=np.linspace(tmin, tmax, nt),
            origin_energy=origin, dos=doses, degeneracy=degeneracy,
        )
    except (ModelError, ConvergenceError) as exc:
        raise _fail(exc) from None
    written = _write(ds, output, fmt, png, plot_ch.plot_hop_probability)
    for name in ds["dos"].values:
        p = ds["probability"].sel(dos=name).values
        click.echo(f"{name}: P from {p[0]:.4g} ({tmin:g} K) to {p[-1]:.4g} ({tmax:g} K)")
    _echo_written(written)


# --------------------------------------------------------------------------- rate
@channels_group.command("rate")
@click.argument("model_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--channel", "channel_texts", multiple=True, required=True,
              metavar="FREQ_HZ[:OFFSET_EV]",
              help="A channel: frequency in Hz and threshold offset above the model's saddles "
                   "(repeatable).")
@click.option("-T", "--temperature", type=click.FloatRange(min=0, min_open=True), required=True)
@click.option("--tau-max", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Largest step in s [default: 30 periods of the slowest channel].")
@click.option("-n", "--ntau", type=click.IntRange(min=2), default=200, show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("hop_rate.nc"), show_default=True)
@click.option("--no-plot", is_flag=True)
def rate_command(model_file, channel_texts, temperature, tau_max, ntau, output, no_plot):
    """Hop rate of the channel-averaged hopping matrix against the step tau.

    sum_{j != i} P_ji / tau of Eq. 7, for channels whose thresholds are the model's saddle
    energies plus an offset.
    """
    from ..channels import average as ca
    from ..plot import channels as plot_ch

    fmt, png = _outputs(output, no_plot)
    _, model = _load_model(model_file)
    chans = []
    try:
        thr = ca.model_thresholds(model)
        for text in channel_texts:
            freq, _, offset = text.partition(":")
            chans.append(ca.Channel(float(freq), thr + (float(offset) if offset else 0.0),
                                    label=text))
    except ValueError as exc:
        raise click.BadParameter(f"{exc}", param_hint="--channel") from None
    except ModelError as exc:
        raise _fail(exc) from None
    fastest = max(c.frequency for c in chans)
    slowest = min(c.frequency for c in chans)
    tmax = 30.0 / slowest if tau_max is None else tau_max
    try:
        ds = ca.hop_rate(chans, np.linspace(1.0 / fastest, tmax, ntau), model=model,
                         temperature=temperature)
    except ModelError as exc:
        raise _fail(exc) from None
    written = _write(ds, output, fmt, png, plot_ch.plot_rate_convergence)
    taus = ds["tau"].values
    for site in ds["site"].values:
        conv = float(ds["converged_tau"].sel(site=site))
        limit = float(ds["limit"].sel(site=site))
        if math.isfinite(conv):
            reach = f"within {ds.attrs['rtol']:.0%} of it from tau = {conv:.4g} s"
        else:
            reach = (f"not within {ds.attrs['rtol']:.0%} of it at any tau up to "
                     f"{float(taus[-1]):.4g} s (raise --tau-max)")
        click.echo(f"site {site}: limit {limit:.4g} 1/s, {reach}")
    _echo_written(written)


# --------------------------------------------------------------------------- modes
@channels_group.command("modes")
@click.argument("phonon_file", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mobile", required=True, help="Mobile species (comma-separated symbols).")
@click.option("--synthetic", is_flag=True,
              help="Use the package's synthetic Li-I chain instead of a file.")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("mode_ranking.nc"), show_default=True)
@click.option("--no-plot", is_flag=True)
def modes_command(phonon_file, mobile, synthetic, top, output, no_plot):
    """Rank phonon modes of a phonopy band.yaml / mesh.yaml by the three paper criteria.

    Eigenvector (mobile-host relative motion), frequency and dispersion (end of Sec. II.2).
    """
    from ..channels import phonons
    from ..plot import channels as plot_ch

    if (phonon_file is None) == (not synthetic):
        raise click.UsageError("give a phonopy band.yaml / mesh.yaml or --synthetic")
    fmt, png = _outputs(output, no_plot)
    try:
        modes = phonons.diatomic_chain() if synthetic else phonons.read_phonopy_yaml(phonon_file)
        criteria = ("eigenvector", "frequency", "dispersion")
        if modes.group_velocities is None and modes.segments is None:
            criteria = ("eigenvector", "frequency")
            click.echo("no group velocities in the data: ranking without the dispersion "
                       "criterion")
        ranking = phonons.rank_modes(modes, [s for s in mobile.split(",") if s],
                                     criteria=criteria)
    except ModelError as exc:
        raise _fail(exc) from None
    written = _write(ranking, output, fmt, png, plot_ch.plot_mode_ranking)
    click.echo("rank  q (reduced)                 band  frequency/THz  rel.weight  score")
    for i in range(min(top, ranking.sizes["mode"])):
        q = ranking.qpoint.values[i]
        click.echo(
            f"{i + 1:4d}  ({q[0]:6.3f},{q[1]:6.3f},{q[2]:6.3f})  "
            f"{int(ranking.band.values[i]):4d}  {float(ranking.frequency.values[i]):13.4f}  "
            f"{float(ranking.relative_weight.values[i]):10.4f}  "
            f"{float(ranking.score.values[i]):.4f}"
        )
    _echo_written(written)


# --------------------------------------------------------------------------- drive
@channels_group.command("drive")
@click.argument("model_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--protocol", type=click.Choice(["step", "pulse", "ac"]), default="step",
              show_default=True)
@click.option("--amplitude", required=True, metavar="F[,F,F]",
              help="Reduced field Z E / kB T in 1/Å.")
@click.option("--start", type=float, default=0.0, show_default=True,
              help="Pulse start in units of tau.")
@click.option("--duration", type=click.FloatRange(min=0, min_open=True), default=10.0,
              show_default=True, help="Pulse duration in units of tau.")
@click.option("--omega-tau", type=click.FloatRange(min=0), default=0.3, show_default=True,
              help="AC angular frequency times tau.")
@click.option("--steps", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("-T", "--temperature", type=click.FloatRange(min=0, min_open=True), default=None)
@click.option("--coupling", type=click.Choice(["symmetric", "full"]), default="symmetric",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("drive.nc"), show_default=True)
@click.option("--no-plot", is_flag=True)
def drive_command(model_file, protocol, amplitude, start, duration, omega_tau, steps,
                  temperature, coupling, output, no_plot):
    """Transient ionic current under a field step, a pulse or an AC field.

    The k = 0 block evolves step by step (Eqs. 4, 13) and the current is Eq. 17.
    """
    from .. import transport
    from ..plot import channels as plot_ch
    from ..realspace import driving

    fmt, png = _outputs(output, no_plot)
    _, model = _load_model(model_file)
    amp = _vector(amplitude, model.dim, "--amplitude")
    tau = model.tau
    kw = {"temperature": temperature, "coupling": coupling}
    try:
        if protocol == "step":
            ds = driving.step_response(model, amp, n_steps=steps, **kw)
        elif protocol == "pulse":
            pulse = driving.PulseField(amp, start=start * tau, duration=duration * tau)
            ds = driving.drive(model, pulse, n_steps=steps, **kw)
        else:
            ds = driving.drive(model, driving.ACField(amp, omega_tau / tau), n_steps=steps, **kw)
    except ModelError as exc:
        raise _fail(exc) from None

    def plot(ds, ax):
        if protocol == "pulse":
            mob = transport.mobility_tensor(model, coupling=coupling, temperature=temperature)
            lin = float((mob @ ds["field_area"].values)[0])
            plot_ch.plot_pulse(ds, ax=ax, linear_displacement=lin)
        else:
            plot_ch.plot_transient(ds, ax=ax)

    written = _write(ds, output, fmt, png, plot)
    click.echo(_drive_table(ds, model.dim))
    _echo_written(written)


# --------------------------------------------------------------------------- ac
@channels_group.command("ac")
@click.argument("model_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--omega-tau-min", type=click.FloatRange(min=0, min_open=True), default=1e-3,
              show_default=True)
@click.option("--omega-tau-max", type=click.FloatRange(min=0, min_open=True, max=np.pi),
              default=np.pi, show_default=True)
@click.option("-n", "--npoints", type=click.IntRange(min=2), default=100, show_default=True)
@click.option("-T", "--temperature", type=click.FloatRange(min=0, min_open=True), default=None,
              help="K; with a cell volume, conductivities in S/cm.")
@click.option("--cell-volume", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Å^3 [default: from the spec; 3D lattices: the cell].")
@click.option("--coupling", type=click.Choice(["symmetric", "full"]), default="symmetric",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("ac_response.nc"), show_default=True)
@click.option("--no-plot", is_flag=True)
def ac_command(model_file, omega_tau_min, omega_tau_max, npoints, temperature, cell_volume,
               coupling, output, no_plot):
    """AC mobility and conductivity sigma(Omega) of a model in linear response.

    Omega -> 0 gives the DC conductivity of the transport module.
    """
    from ..plot import channels as plot_ch
    from ..realspace import driving

    fmt, png = _outputs(output, no_plot)
    spec, model = _load_model(model_file)
    omega = np.concatenate([[0.0], np.geomspace(omega_tau_min, omega_tau_max, npoints)])
    volume = cell_volume if cell_volume is not None else spec.cell_volume
    try:
        ds = driving.ac_response(model, omega / model.tau, temperature=temperature,
                                 coupling=coupling, charge=spec.charge, cell_volume=volume)
    except ModelError as exc:
        raise _fail(exc) from None
    written = _write(ds, output, fmt, png, plot_ch.plot_ac_response)
    click.echo(_ac_table(ds, omega))
    _echo_written(written)


def _rows_to_show(n: int, most: int = 8) -> list[int]:
    """Indices of at most ``most`` rows spread over ``n`` (first and last included)."""
    if n <= most:
        return list(range(n))
    return sorted(set(np.round(np.linspace(0, n - 1, most)).astype(int).tolist()))


def _drive_table(ds, dim: int) -> str:
    """Velocity and displacement per ion at a few times, one column per direction."""
    axes = [str(a) for a in ds["axis"].values] if "axis" in ds.coords else \
        ["x", "y", "z"][:dim]
    velocity = np.asarray(ds["velocity"].values).reshape(ds.sizes["time"], -1)
    displacement = np.asarray(ds["displacement"].values).reshape(ds.sizes["time"], -1)
    time = ds["time"].values
    v_units = ds["velocity"].attrs.get("units", "angstrom/s")
    x_units = ds["displacement"].attrs.get("units", "angstrom")
    t_units = ds["time"].attrs.get("units", "s")
    header = [f"time ({t_units})"]
    header += [f"v_{a} ({v_units})" for a in axes]
    header += [f"x_{a} ({x_units})" for a in axes]
    rows = []
    for i in _rows_to_show(time.size):
        rows.append([_number(time[i])] + [_number(v) for v in velocity[i]]
                    + [_number(x) for x in displacement[i]])
    return "per ion:\n" + _table(header, rows)


def _ac_table(ds, omega_tau: np.ndarray) -> str:
    """Real and imaginary parts of sigma (or of the mobility) at a few frequencies."""
    name = "sigma" if "sigma_real" in ds else "mobility"
    units = ds[f"{name}_real"].attrs.get("units", "")
    real = np.asarray(ds[f"{name}_real"].values)
    imag = np.asarray(ds[f"{name}_imag"].values) if f"{name}_imag" in ds else None
    real = real.reshape(real.shape[0], -1)[:, 0] if real.ndim > 1 else real
    if imag is not None:
        imag = imag.reshape(imag.shape[0], -1)[:, 0] if imag.ndim > 1 else imag
    header = ["Omega tau", f"Re {name} ({units})"]
    if imag is not None:
        header.append(f"Im {name} ({units})")
    rows = []
    for i in _rows_to_show(omega_tau.size):
        row = [_number(omega_tau[i]), _number(real[i])]
        if imag is not None:
            row.append(_number(imag[i]))
        rows.append(row)
    note = " (first diagonal component)" if np.ndim(ds[f"{name}_real"].values) > 1 else ""
    return f"{name}(Omega){note}:\n" + _table(header, rows)
