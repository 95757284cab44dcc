"""CLI subcommands of the single-particle theory: ``spectrum`` and ``conductivity``.

Both read a TOML model spec (:mod:`superionic.io`), call the library and write a data file
(NetCDF ``.nc`` or CSV ``.csv``, chosen by the suffix of ``--output``) plus a PNG figure next to
it. Invalid specs and parameters outside the model's domain end with a one-paragraph error that
names the field, the value and what is allowed (exit code 1), never with a traceback. Every
output path is checked before the work (:mod:`._outputs`), and a ``--mesh`` too large for the
memory is refused before it is allocated (exit status 4).

The computation is imported inside the command functions, so that ``superionic --help`` and
usage errors do not pay for it.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import click
import numpy as np

from ..errors import DomainWarning, InsufficientMemoryError, ModelError
from ._group import failure, main
from ._outputs import check_output

if TYPE_CHECKING:
    import xarray as xr

    from .. import io as sio
    from ..lattice import HoppingModel

GAMMA_ALIASES = {"G": "Γ", "Gamma": "Γ", "GAMMA": "Γ", "gamma": "Γ"}


# --------------------------------------------------------------------------- helpers
def _fail(exc: Exception) -> click.ClickException:
    return failure(exc)


def _load(path: Path) -> tuple[sio.ExplicitSpec | sio.CannedSpec, HoppingModel]:
    from .. import io as sio

    try:
        spec = sio.read_spec(path)
        return spec, sio.spec_to_model(spec)
    except ModelError as exc:
        raise _fail(exc) from None


def _floats(text: str | None, what: str) -> np.ndarray | None:
    if text is None:
        return None
    try:
        values = np.array([float(x) for x in text.replace(" ", "").split(",") if x != ""])
    except ValueError:
        raise click.BadParameter(
            f"{text!r}: expected comma-separated numbers", param_hint=what
        ) from None
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise click.BadParameter(f"{text!r}: expected finite numbers", param_hint=what)
    return values


def _output_paths(output: Path, png: Path | None, no_plot: bool) -> tuple[Path, str, Path | None]:
    suffix = output.suffix.lower()
    if suffix not in (".nc", ".csv"):
        raise click.BadParameter(
            f"{output}: the suffix must be .nc (NetCDF) or .csv", param_hint="--output"
        )
    figure = None if no_plot else (png if png is not None else output.with_suffix(".png"))
    check_output(output, "--output")
    if figure is not None:
        check_output(figure, "--png" if png is not None else "--output (its figure)")
    return output, "netcdf" if suffix == ".nc" else "csv", figure


def _split_dims(ds: xr.Dataset, dims: tuple[str, ...]) -> xr.Dataset:
    """Replace each variable carrying ``dims`` by one variable per label combination
    (``group_velocity`` -> ``group_velocity_x``...), for flat CSV tables."""
    out = ds.copy()
    for name in list(ds.variables):
        var = ds[name]
        use = [d for d in dims if d in var.dims]
        if not use or name in ds.dims:
            continue
        labels = [[str(v) for v in ds[d].values] for d in use]
        is_coord = name in ds.coords
        new = {}
        for combo in np.ndindex(*[len(lab) for lab in labels]):
            suffix = "".join(labels[i][j] for i, j in enumerate(combo))
            part = var.isel(dict(zip(use, combo, strict=True)), drop=True)
            new[f"{name}_{suffix}"] = part
        out = out.drop_vars(name)
        out = out.assign_coords(new) if is_coord else out.assign(new)
    return out.drop_vars([d for d in dims if d in out.variables])


def _write(ds: xr.Dataset, path: Path, fmt: str, flat_dims: tuple[str, ...]) -> None:
    from .. import io as sio

    if fmt == "netcdf":
        sio.write_netcdf(ds, path)
        return
    drop = [v for v in ds.variables if "vertex" in ds[v].dims]
    flat = _split_dims(ds.drop_vars(drop), flat_dims)
    sio.write_csv(flat, path)


def _plot_core():
    """:mod:`superionic.plot.core` when this installation has it (with the three functions used
    here), else None: the commands then draw simpler figures themselves."""
    try:
        from ..plot import core as plot_core
    except ImportError:
        return None
    needed = ("plot_spectrum", "plot_zone_map", "plot_conductivity")
    return plot_core if all(hasattr(plot_core, name) for name in needed) else None


def _figure(ncols: int = 1, size=(5.5, 4.0)):
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, axes


def _model_name(spec, path: Path) -> str:
    return spec.name or path.stem


# --------------------------------------------------------------------------- figures
def _path_figure(ds: xr.Dataset, title: str):
    """Decay rates and frequencies of every mode along the path."""
    fig, (ax1, ax2) = _figure(2, (9, 3.6))
    plot_core = _plot_core()
    if plot_core is not None:
        plot_core.plot_spectrum(ds, "decay_rate", ax=ax1)
        plot_core.plot_spectrum(ds, "frequency", ax=ax2)
    else:
        x = ds["distance"].values
        for mode in ds["mode"].values:
            label = "stable mode" if mode == 0 else f"mode {mode}"
            ax1.plot(x, ds["decay_rate"].sel(mode=mode), label=label)
            ax2.plot(x, ds["frequency"].sel(mode=mode), label=label)
        ax1.set_ylabel(f"decay rate κ ({ds['decay_rate'].attrs.get('units', '')})")
        ax2.set_ylabel(f"frequency ω ({ds['frequency'].attrs.get('units', '')})")
        ticks = np.atleast_1d(ds.attrs.get("tick_distance", []))
        labels = str(ds.attrs.get("tick_labels", "")).split(",")
        for ax in (ax1, ax2):
            if len(labels) == ticks.size and ticks.size:
                ax.set_xticks(ticks, labels)
            ax.set_xlim(x.min(), x.max())
    if ds.sizes["mode"] <= 6:
        ax1.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    return fig


def _mesh_figure(ds: xr.Dataset, title: str):
    """2D: map of the stable branch's decay rate; 1D: lines; 3D: histogram of decay rates."""
    dim = int(ds.attrs["dim"])
    units = ds["decay_rate"].attrs.get("units", "")
    plot_core = _plot_core()
    fig, ax = _figure(1, (5.2, 4.2) if dim == 2 else (5.5, 3.8))
    if dim == 2:
        if plot_core is not None:
            plot_core.plot_zone_map(ds, "decay_rate", mode=0, ax=ax)
        else:
            from matplotlib.tri import Triangulation

            kc = ds["k_cartesian"].values
            kappa = ds["decay_rate"].sel(mode=0).values
            art = ax.tripcolor(Triangulation(kc[:, 0], kc[:, 1]), kappa, shading="gouraud")
            fig.colorbar(art, ax=ax, label=f"decay rate κ ({units})")
            ax.set(xlabel="kx (1/Å)", ylabel="ky (1/Å)", aspect="equal")
        ax.set_title("stable mode", fontsize=9)
    elif dim == 1:
        if plot_core is not None:
            plot_core.plot_spectrum(ds, "decay_rate", ax=ax)
        else:
            k = ds["k_cartesian"].values[:, 0]
            for mode in ds["mode"].values:
                ax.plot(k, ds["decay_rate"].sel(mode=mode).values, label=f"mode {mode}")
            ax.set(xlabel="k (1/Å)", ylabel=f"decay rate κ ({units})")
        ax.legend(fontsize=8)
    else:
        many = ds.sizes["mode"] > 6
        for mode in ds["mode"].values:
            ax.hist(ds["decay_rate"].sel(mode=mode).values, bins=40, histtype="step",
                    label=None if many else f"mode {mode}")
        ax.set(xlabel=f"decay rate κ ({units})", ylabel="k-points")
        if not many:
            ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    return fig


def _arrhenius_figure(ds: xr.Dataset, title: str, fit: dict | None):
    """ln(sigma T) against 1000 / T at the valid temperatures, with the fitted line."""
    valid = ds.isel(temperature=np.flatnonzero(ds["valid"].values))
    fig, ax = _figure(1, (5.5, 4.0))
    plot_core = _plot_core()
    if plot_core is not None:
        plot_core.plot_conductivity(valid, fit=fit, ax=ax)
    else:
        from ..units import KB_EV

        t = valid["temperature"].values
        ax.plot(1000.0 / t, np.log(valid["sigma_iso"].values * t), "o", ms=4, label="computed")
        if fit is not None:
            tt = np.linspace(t.min(), t.max(), 50)
            line = np.log(fit["prefactor"]) - fit["activation_energy"] / (KB_EV * tt)
            ax.plot(1000.0 / tt, line, "k-", lw=1,
                    label=f"Arrhenius fit, Ea = {fit['activation_energy']:.4f} eV")
        ax.set(xlabel="1000 / T (1/K)", ylabel="ln(σ T / (S K/cm))")
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    return fig


def _save(fig, path: Path) -> None:
    from ..io.atomic import save_figure

    save_figure(fig, path, dpi=120)


# --------------------------------------------------------------------------- field options
def _field(model: HoppingModel, spec, field: str | None, efield: str | None,
           temperature: float | None, charge: float | None) -> np.ndarray | None:
    if field is not None and efield is not None:
        raise click.UsageError("give either --field (reduced, 1/Å) or --efield (V/m), not both")
    raw, hint = (field, "--field") if field is not None else (efield, "--efield")
    values = _floats(raw, hint)
    if values is None:
        return None
    if model.dim == 1 and values.size == 1:
        pass
    elif values.size != model.dim:
        raise click.BadParameter(
            f"{raw!r}: the model is {model.dim}D, give {model.dim} comma-separated component(s)",
            param_hint=hint,
        )
    if efield is None:
        return values
    if temperature is None:
        raise click.UsageError("--efield (V/m) needs --temperature to form f = Z E / kB T")
    from ..units import reduced_field

    z = spec.charge if charge is None else charge
    return reduced_field(values, temperature=temperature, charge=z)


def _hermitian(model: HoppingModel, temperature: float | None) -> bool:
    """True for detailed balance: at zero field the spectrum is real (Hermitian solver)."""
    try:
        return model.detailed_balance(temperature=temperature)
    except ModelError:
        return False


def _path_labels(text: str | None, points: dict) -> list[list[str]] | None:
    if text is None:
        return None
    segments = []
    for seg in text.split("|"):
        labels = [s.strip() for s in seg.split(",") if s.strip()]
        labels = [lab if lab in points else GAMMA_ALIASES.get(lab, lab) for lab in labels]
        unknown = [lab for lab in labels if lab not in points]
        if unknown:
            raise click.BadParameter(
                f"unknown point(s) {unknown}; available: {', '.join(points)} "
                "(declare others in the spec's [kpath.points])",
                param_hint="--path",
            )
        if len(labels) < 2:
            raise click.BadParameter(
                f"segment {seg!r} needs at least two points", param_hint="--path"
            )
        segments.append(labels)
    return segments


# --------------------------------------------------------------------------- spectrum
@main.command("spectrum")
@click.argument("model_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("spectrum.nc"), show_default=True,
              help="Data file: .nc (NetCDF) or .csv.")
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Figure file [default: OUTPUT with suffix .png].")
@click.option("--no-plot", is_flag=True, help="Write no figure.")
@click.option("--path", "path_text", default=None, metavar="A,B,C|D,E",
              help="Labels of the k-path, comma-separated; '|' starts a new segment. Labels "
                   "come from the spec's [kpath] or the lattice's default points (G = Γ).")
@click.option("-n", "--npoints", type=click.IntRange(min=2), default=200, show_default=True,
              help="Approximate number of k-points along the path.")
@click.option("--mesh", default=None, metavar="N[,N,N]",
              help="A Monkhorst-Pack mesh over the Brillouin zone instead of a path "
                   "(2D: decay-rate map).")
@click.option("--field", default=None, metavar="F[,F,F]",
              help="Reduced field f = Z E / kB T in 1/Å, one component per dimension.")
@click.option("--efield", default=None, metavar="E[,E,E]",
              help="Electric field in V/m (needs --temperature; charge from the spec).")
@click.option("--coupling", type=click.Choice(["symmetric", "full"]), default="symmetric",
              show_default=True, help="Field coupling convention (see docs/conventions.md).")
@click.option("-T", "--temperature", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Temperature in K (required for models declared by energies).")
@click.option("--charge", type=float, default=None, help="Z in e [default: from the spec].")
@click.option("--allow-outside-domain", is_flag=True,
              help="Compute even where out-probabilities exceed 1 (flagged in the output).")
def spectrum_command(model_file: Path, output: Path, png: Path | None, no_plot: bool,
                     path_text: str | None, npoints: int, mesh: str | None, field: str | None,
                     efield: str | None, coupling: str, temperature: float | None,
                     charge: float | None, allow_outside_domain: bool) -> None:
    """Spectrum of ionic density waves of MODEL_FILE (a TOML spec) along a k-path or a mesh.

    Writes decay rates, frequencies and group velocities of every mode (Eqs. 12-15) to OUTPUT
    and a figure to PNG. A disconnected hop network is refused, as by ``conductivity``.
    """
    from .._validate import check_memory
    from ..kspace import kmesh_memory_bytes, spectrum_memory_bytes
    from ..kspace import spectrum as spec_mod
    from ..units import electric_field

    spec, model = _load(model_file)
    output, fmt, figure = _output_paths(output, png, no_plot)
    f = _field(model, spec, field, efield, temperature, charge)
    if model.requires_temperature and temperature is None:
        raise click.UsageError(
            f"{model_file} declares hops by saddle energies: give --temperature (K)"
        )
    if not model.interactions.is_trivial:
        click.echo(
            "note: the spectrum is that of the single-particle theory and ignores the "
            "interactions K0/M0 of the spec (the mean-field commands include them)",
            err=True,
        )
    try:
        if mesh is not None:
            divisions = _floats(mesh, "--mesh")
            if np.any(divisions != np.round(divisions)) or np.any(divisions < 1):
                raise click.BadParameter(f"{mesh!r}: positive integers", param_hint="--mesh")
            divisions = tuple(int(d) for d in divisions)
            if len(divisions) == 1:
                divisions = divisions * model.dim
            if len(divisions) != model.dim:
                raise click.BadParameter(
                    f"{mesh!r}: give 1 or {model.dim} division(s)", param_hint="--mesh"
                )
            n_k = math.prod(divisions)
            check_memory(
                kmesh_memory_bytes(divisions, model.dim)
                + spectrum_memory_bytes(n_k, model.n_sites, model.dim),
                what=f"--mesh {mesh} ({n_k} wave vectors x {model.n_sites} modes)",
                advice="use a coarser --mesh (fewer divisions)",
            )
            kpoints = spec_mod.kmesh(model.lattice, divisions, first_zone=True)
        else:
            if spec.kpath is not None:
                points = {k: tuple(v) for k, v in spec.kpath.points.items()}
                default = [list(spec.kpath.path)]
            else:
                points, default = spec_mod.high_symmetry_points(model.lattice)
            segments = _path_labels(path_text, points) or default
            kpoints = spec_mod.kpath(model.lattice, points, segments, n=npoints)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DomainWarning)
            ds = spec_mod.spectrum(
                model,
                kpoints,
                field=f,
                coupling=coupling,
                temperature=temperature,
                domain="warn" if allow_outside_domain else "raise",
                method="hermitian" if f is None and _hermitian(model, temperature) else "auto",
            )
        for w in caught:
            if issubclass(w.category, DomainWarning):
                click.echo(f"warning: {w.message}", err=True)
    except InsufficientMemoryError:
        raise
    except ModelError as exc:
        hint = "" if allow_outside_domain else (
            " (--allow-outside-domain computes anyway and flags the result)"
            if "out-probabilit" in str(exc) else ""
        )
        raise click.ClickException(f"{exc}{hint}") from None
    title = _model_name(spec, model_file)
    ds.attrs.update(model=title, model_file=str(model_file))
    if f is not None and temperature is not None:
        z = spec.charge if charge is None else charge
        ds.attrs["electric_field_V_per_m"] = list(
            np.atleast_1d(electric_field(f, temperature=temperature, charge=z))
        )
    _write(ds, output, fmt, ("direction",))
    click.echo(f"wrote {output}")
    if figure is not None:
        if mesh is None:
            _save(_path_figure(ds, title), figure)
        else:
            _save(_mesh_figure(ds, title), figure)
        click.echo(f"wrote {figure}")
    if not int(ds.attrs.get("in_domain", 1)):
        click.echo(f"note: {ds.attrs.get('status')}", err=True)


# --------------------------------------------------------------------------- conductivity
@main.command("conductivity")
@click.argument("model_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("conductivity.nc"), show_default=True,
              help="Data file: .nc (NetCDF) or .csv. The fit goes to <stem>_fit.json.")
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Figure file [default: OUTPUT with suffix .png].")
@click.option("--no-plot", is_flag=True, help="Write no figure.")
@click.option("--tmin", type=click.FloatRange(min=0, min_open=True), default=300.0,
              show_default=True, help="Lowest temperature, K.")
@click.option("--tmax", type=click.FloatRange(min=0, min_open=True), default=1000.0,
              show_default=True, help="Highest temperature, K.")
@click.option("--nt", type=click.IntRange(min=1), default=15, show_default=True,
              help="Number of temperatures (equally spaced in 1/T).")
@click.option("--temperatures", default=None, metavar="T1,T2,...",
              help="Explicit temperatures in K (instead of --tmin/--tmax/--nt).")
@click.option("--coupling", type=click.Choice(["symmetric", "full"]), default="symmetric",
              show_default=True, help="Field coupling convention (see docs/conventions.md).")
@click.option("--charge", type=float, default=None, help="Z in e [default: from the spec].")
@click.option("--cell-volume", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Crystal volume per cell in Å^3 [default: the spec's cell_volume, or the "
                   "cell volume of a 3D lattice].")
def conductivity_command(model_file: Path, output: Path, png: Path | None, no_plot: bool,
                         tmin: float, tmax: float, nt: int, temperatures: str | None,
                         coupling: str, charge: float | None,
                         cell_volume: float | None) -> None:
    """Weak-field conductivity of MODEL_FILE against temperature, with an Arrhenius fit.

    Writes sigma(T) in S/cm and D(T) to OUTPUT, the fit of ln(sigma T) against 1/T (Eq. 39) to
    <stem>_fit.json and a figure to PNG. Temperatures where the model leaves the discrete-time
    domain (out-probabilities above 1) are kept in the file with valid = 0 and left out of the fit.
    """
    from .. import transport

    spec, model = _load(model_file)
    output, fmt, figure = _output_paths(output, png, no_plot)
    check_output(output.with_name(output.stem + "_fit.json"), "--output (its fit)")
    if temperatures is not None:
        temps = _floats(temperatures, "--temperatures")
        if np.any(temps <= 0):
            raise click.BadParameter("temperatures must be > 0 K", param_hint="--temperatures")
    else:
        if tmax < tmin:
            raise click.BadParameter(f"--tmax {tmax} is below --tmin {tmin}",
                                     param_hint="--tmax")
        temps = 1.0 / np.linspace(1.0 / tmin, 1.0 / tmax, nt)
    temps = np.sort(np.asarray(temps, dtype=float))
    z = spec.charge if charge is None else charge
    volume = cell_volume if cell_volume is not None else spec.cell_volume
    if volume is None and model.dim != 3:
        raise click.UsageError(
            f"{model_file} is a {model.dim}D model: give --cell-volume (Å^3 per cell of the "
            "crystal) or cell_volume in the spec"
        )
    if not model.interactions.is_trivial:
        click.echo(
            "note: this single-particle calculation ignores the interactions K0/M0 of the spec "
            "(the mean-field commands include them)",
            err=True,
        )
    valid = np.ones(temps.size, dtype=bool)
    reasons = []
    for i, t in enumerate(temps):
        try:
            model.hop_table(temperature=t if model.requires_temperature else None)
        except ModelError as exc:
            valid[i] = False
            reasons.append(f"T = {t:g} K: {exc}")
    if not valid.any():
        raise click.ClickException(
            "no temperature lies inside the model's domain:\n  " + "\n  ".join(reasons)
        )
    for reason in reasons:
        click.echo(f"warning: outside the domain, skipped: {reason}", err=True)
    try:
        part = transport.conductivity_vs_temperature(
            model, temps[valid], charge=z, cell_volume=volume, coupling=coupling
        )
    except ModelError as exc:
        raise _fail(exc) from None
    ds = part.reindex(temperature=temps)
    ds["valid"] = ("temperature", valid.astype(np.int8),
                   {"long_name": "1 inside the discrete-time domain, 0 outside (no value)"})
    title = _model_name(spec, model_file)
    ds.attrs.update(model=title, model_file=str(model_file), charge_e=z,
                    cell_volume_A3=float(volume if volume is not None else model.lattice.volume),
                    filling=model.filling)
    fit: dict = {"model": title, "model_file": str(model_file), "coupling": coupling,
                 "temperatures_K": temps[valid].tolist()}
    if valid.sum() >= 3:
        try:
            result = transport.arrhenius_fit(temps[valid], ds["sigma_iso"].values[valid])
        except ModelError as exc:
            fit["status"] = f"no fit: {exc}"
        else:
            fit.update(result, status="ok", quantity="sigma_iso (mean of the diagonal), S/cm",
                       law="ln(sigma T) = ln(prefactor) - activation_energy / (kB T)  (Eq. 39)")
            ds.attrs.update(fit_activation_energy=result["activation_energy"],
                            fit_activation_energy_stderr=result["activation_energy_stderr"],
                            fit_ln_prefactor=float(np.log(result["prefactor"])))
    else:
        fit["status"] = "no fit: fewer than 3 temperatures inside the domain"
    _write(ds, output, fmt, ("i", "j"))
    click.echo(f"wrote {output}")
    fit_path = output.with_name(output.stem + "_fit.json")
    fit_path.write_text(json.dumps(fit, indent=2) + "\n", encoding="utf-8")
    click.echo(f"wrote {fit_path}")
    if fit.get("status") == "ok":
        click.echo(
            f"Arrhenius fit: Ea = {fit['activation_energy']:.4f} "
            f"+- {fit['activation_energy_stderr']:.4f} eV"
        )
    else:
        click.echo(fit["status"], err=True)
    if figure is not None:
        _save(_arrhenius_figure(ds, title, fit if fit.get("status") == "ok" else None), figure)
        click.echo(f"wrote {figure}")
