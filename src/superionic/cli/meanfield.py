"""CLI subcommands of the mean field: ``transitions``, ``sigma-t`` and ``phase-diagram``.

The model is either a canned lattice with interactions (``--lattice chain|honeycomb`` and
``--lambda0 --K0 --M0 --n0``) or a TOML model spec (``--spec``, :mod:`superionic.io`) whose
``[interactions]`` and ``filling`` carry K0, M0 and n0. Errors in parameters end with a message
that names the field, the value and what is allowed (exit code 1), never a traceback; output
paths are checked before the work. The computation is imported inside the commands.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import click
import numpy as np

from ..errors import ModelError
from ._group import failure, main
from ._outputs import check_output

LATTICES = ("chain", "honeycomb")


def _fail(exc: Exception) -> click.ClickException:
    return failure(exc)


def _model_options(f):
    options = [
        click.option("--spec", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     default=None, help="TOML model spec (overrides --lattice and parameters)."),
        click.option("--lattice", type=click.Choice(LATTICES), default="chain", show_default=True),
        click.option("--lambda0", type=float, default=0.25, show_default=True,
                     help="Single-particle barrier Lambda0 (eV)."),
        click.option("--K0", "k0", type=float, default=0.5, show_default=True,
                     help="Coulomb repulsion K0 (eV)."),
        click.option("--M0", "m0", type=float, default=0.25, show_default=True,
                     help="Concerted-hopping strength M0 (eV)."),
        click.option("--n0", type=float, default=1.0, show_default=True,
                     help="Filling, ions per cell."),
        click.option("--a", "a", type=float, default=4.0, show_default=True,
                     help="Lattice constant (Å)."),
        click.option("--tau", type=float, default=1e-13, show_default=True,
                     help="Step tau (s)."),
        click.option("--charge", type=float, default=1.0, show_default=True, help="Z (e)."),
        click.option("--cell-volume", type=float, default=None,
                     help="Crystal volume per cell (Å^3); default a x 16 Å^2 (chain) or "
                          "the honeycomb cell area x 6 Å."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def _build(spec, lattice, lambda0, k0, m0, n0, a, tau, charge, cell_volume):
    from .. import io as sio
    from .. import models
    from ..meanfield import Transport

    try:
        if spec is not None:
            model = sio.load_model(spec)
            raw = sio.read_spec(spec)
            volume = cell_volume or getattr(raw, "cell_volume", None)
            charge = getattr(raw, "charge", None) or charge
            tau = model.tau  # the spec's step
        else:
            maker = models.interacting_chain if lattice == "chain" else \
                models.interacting_honeycomb
            model = maker(lambda0, k0, m0, n0, a=a, tau=1.0)
            volume = cell_volume or _default_volume(lattice, a)
        transport = Transport(charge=charge, cell_volume=volume, tau=tau)
    except ModelError as exc:
        raise _fail(exc) from None
    return model, transport


def _default_volume(lattice: str, a: float) -> float:
    if lattice == "chain":
        return a * 16.0
    return math.sqrt(3.0) / 2.0 * a * a * 6.0


def _figure(ncols=1, size=(5.0, 3.8)):
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.subplots(1, ncols)


@main.command("transitions")
@_model_options
@click.option("--tmin", type=float, default=50.0, show_default=True, help="K")
@click.option("--tmax", type=float, default=20000.0, show_default=True, help="K")
@click.option("--method", type=click.Choice(["auto", "closed-form", "engine"]), default="auto",
              show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON records instead of a table.")
@click.option("--table1", "with_table", is_flag=True,
              help="Also print the computed Table 1 (two-sublattice lattices).")
def transitions_cmd(spec, lattice, lambda0, k0, m0, n0, a, tau, charge, cell_volume, tmin,
                    tmax, method, as_json, with_table):
    """Locate the type-II (Eq. 51) and type-I (fold of Eqs. 54-55) transitions."""
    from .. import meanfield

    model, transport = _build(spec, lattice, lambda0, k0, m0, n0, a, tau, charge, cell_volume)
    try:
        records = meanfield.transitions(model, temperature_range=(tmin, tmax), method=method,
                                        transport=transport)
    except ModelError as exc:
        raise _fail(exc) from None
    if as_json:
        click.echo(json.dumps([_clean(r.as_dict()) for r in records], indent=2))
    else:
        click.echo(f"{'kind':8s} {'T (K)':>14s} {'order':>5s}  {'event':12s} {'gamma':>9s} "
                   f"{'P0':>10s} {'sigma (S/cm)':>13s}  mean field")
        for r in records:
            sigma = f"{r.sigma:13.4g}" if r.sigma is not None else f"{'-':>13s}"
            click.echo(f"{r.kind:8s} {r.temperature:14.6f} {r.order:5d}  {r.event:12s} "
                       f"{r.gamma:9.3g} {r.P0:10.4g} {sigma}  {r.mean_field}")
        if not records:
            click.echo(f"no transition between {tmin:g} and {tmax:g} K")
    if with_table:
        det = meanfield.detect_geometry(model)
        if det is None:
            raise click.ClickException("--table1 needs a two-sublattice lattice")
        rows = meanfield.table1(det.lambda0, det.K0, det.M0, det.n0, lattice=det.geometry,
                                temperature_range=(tmin, tmax))
        click.echo(meanfield.table_markdown(rows))
        click.echo(
            f"\nThe type-I column uses this model's K0 = {det.K0:g} eV; the report's Table 1 "
            "uses K0 = 0 there (Eq. 54 with gamma = 0, the reading of Fig. 4(e,f)), so its fold "
            "threshold M0_min = 2 z (Lambda0 + z_b n0 K0 / 2) / (w z_c n0) is lower."
        )


def _clean(d: dict) -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, float) and not math.isfinite(v):
            v = str(v)
        out[k] = v
    return out


@main.command("sigma-t")
@_model_options
@click.option("--tmin", type=float, default=300.0, show_default=True, help="K")
@click.option("--tmax", type=float, default=6000.0, show_default=True, help="K")
@click.option("--n", "n_points", type=int, default=120, show_default=True)
@click.option("--method", type=click.Choice(["engine", "closed-form"]), default="engine",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("sigma_t.nc"), show_default=True, help="NetCDF output (.nc).")
@click.option("--no-plot", is_flag=True)
def sigma_t_cmd(spec, lattice, lambda0, k0, m0, n0, a, tau, charge, cell_volume, tmin, tmax,
                n_points, method, output, no_plot):
    """Self-consistent branches and conductivity against temperature (Figs. 4(b,c,e,f))."""
    from .. import io as sio
    from .. import meanfield

    if n_points < 2:
        raise click.BadParameter("need at least 2 points", param_hint="--n")
    check_output(output, "--output")
    if not no_plot:
        check_output(output.with_suffix(".png"), "--output (its figure)")
    model, transport = _build(spec, lattice, lambda0, k0, m0, n0, a, tau, charge, cell_volume)
    try:
        temps = np.linspace(tmin, tmax, n_points)
        ds = meanfield.solve_path(model, temps, method=method, transport=transport)
        recs = meanfield.transitions(model, temperature_range=(tmin, tmax), transport=transport)
    except ModelError as exc:
        raise _fail(exc) from None
    sio.write_netcdf(ds, output)
    click.echo(f"wrote {output}")
    for r in recs:
        click.echo(f"{r.kind} at {r.temperature:.6g} K (order {r.order}, {r.event})")
    if not no_plot:
        from ..plot import meanfield as pm

        fig, (ax1, ax2) = _figure(2, (9.5, 3.8))
        pm.plot_branches(ds, "gamma", ax=ax1)
        pm.plot_transitions(recs, ax=ax1)
        var = "sigma" if "sigma" in ds else "mobility"
        pm.plot_branches(ds, var, ax=ax2, log=True)
        pm.plot_transitions(recs, ax=ax2)
        ax1.legend(fontsize=7)
        png = output.with_suffix(".png")
        from ..io.atomic import save_figure

        save_figure(fig, png, dpi=120)
        click.echo(f"wrote {png}")


def _grid(text: str, what: str) -> np.ndarray:
    """``"0.1"``, ``"0.1,0.2,0.5"`` or ``"start:stop:n"`` -> array."""
    try:
        if ":" in text:
            start, stop, n = text.split(":")
            return np.linspace(float(start), float(stop), int(n))
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise click.BadParameter(
            f"{text!r}: expected numbers 'x', 'x,y,...' or 'start:stop:n'", param_hint=what
        ) from None
    arr = np.array(values)
    return arr[0] if arr.size == 1 else arr


@main.command("phase-diagram")
@click.option("--lattice", type=click.Choice(LATTICES), default="chain", show_default=True)
@click.option("--temperature", "t_text", default="200:6000:200", show_default=True,
              help="K: value, list or start:stop:n")
@click.option("--lambda0", "l_text", default="0.25", show_default=True, help="eV")
@click.option("--K0", "k_text", default="0.5", show_default=True, help="eV")
@click.option("--M0", "m_text", default="0:3:121", show_default=True, help="eV")
@click.option("--n0", "n_text", default="1.0", show_default=True, help="ions per cell")
@click.option("--a", "a", type=float, default=4.0, show_default=True, help="Å")
@click.option("--tau", type=float, default=1e-13, show_default=True, help="s")
@click.option("--charge", type=float, default=1.0, show_default=True)
@click.option("--cell-volume", type=float, default=None, help="Å^3 (default as sigma-t)")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("phase_diagram.nc"), show_default=True)
@click.option("--x", "x_axis", default="temperature", show_default=True,
              help="Abscissa of the PNG.")
@click.option("--y", "y_axis", default=None, help="Ordinate of the PNG (default: the first "
                                                   "other array axis).")
@click.option("--no-plot", is_flag=True)
def phase_diagram_cmd(lattice, t_text, l_text, k_text, m_text, n_text, a, tau, charge,
                      cell_volume, output, x_axis, y_axis, no_plot):
    """Vectorised phase diagram over (temperature, Lambda0, K0, M0, n0): NetCDF + PNG."""
    from .. import io as sio
    from .. import meanfield

    check_output(output, "--output")
    if not no_plot:
        check_output(output.with_suffix(".png"), "--output (its figure)")

    try:
        ds = meanfield.phase_diagram(
            _grid(t_text, "--temperature"), _grid(l_text, "--lambda0"), _grid(k_text, "--K0"),
            _grid(m_text, "--M0"), _grid(n_text, "--n0"), lattice=lattice, a=a,
            transport=meanfield.Transport(charge=charge, tau=tau,
                                          cell_volume=cell_volume or _default_volume(lattice, a)),
        )
    except ModelError as exc:
        raise _fail(exc) from None
    sio.write_netcdf(ds, output)
    click.echo(f"wrote {output} ({ds['phase'].size} points)")
    dims = list(ds["phase"].dims)
    if not no_plot and len(dims) >= 2:
        y = y_axis or next(d for d in dims if d != x_axis)
        if x_axis not in dims or y not in dims:
            raise click.BadParameter(f"--x/--y must be among the array axes {dims}")
        from ..plot import meanfield as pm

        fig, ax = _figure(1, (5.5, 4.2))
        pm.plot_phase_diagram(ds, x=x_axis, y=y, ax=ax)
        png = output.with_suffix(".png")
        from ..io.atomic import save_figure

        save_figure(fig, png, dpi=120)
        click.echo(f"wrote {png}")
