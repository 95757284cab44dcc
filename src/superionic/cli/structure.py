"""CLI subcommand ``structure``: site and hop classes of a crystal, and a model spec to fill in.

Reads a structure file (CIF, POSCAR, ...), prints the mobile ion's site classes and hop classes
(:func:`superionic.materials.hop_network`) and writes a TOML model spec whose energies are named
placeholders, one per site class and one saddle per hop class. Once they are filled in, the spec
works with ``spectrum``, ``conductivity``, ``transitions`` and ``simulate``; before, those
commands refuse it and name every unfilled energy.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import click

from ..errors import ModelError
from ._group import main


def _site_option(text: str):
    """``4f:0.3333,0.6667,0.625`` or ``0.5,0.5,0`` -> an explicit site."""
    label, _, coords = text.rpartition(":")
    try:
        point = tuple(float(x) for x in coords.split(","))
    except ValueError:
        raise click.BadParameter(f"{text!r}: expected [WYCKOFF:]x,y,z",
                                 param_hint="--site") from None
    if len(point) != 3:
        raise click.BadParameter(f"{text!r}: expected three fractional coordinates",
                                 param_hint="--site")
    return (label, point) if label else point


@main.command("structure")
@click.argument("structure_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mobile", required=True, help="Mobile species, e.g. Ag or Ag+.")
@click.option("--cutoff", type=click.FloatRange(min=0, min_open=True), required=True,
              help="Longest hop in Å.")
@click.option("--sites", "mode", type=click.Choice(["occupied", "voronoi"]), default="occupied",
              show_default=True, help="Where the mobile ions sit (ignored with --site).")
@click.option("--site", "explicit", multiple=True, metavar="[WYCKOFF:]x,y,z",
              help="An explicit site, expanded by the space group (repeatable).")
@click.option("--min-distance", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Voronoi route: least distance to a framework atom, Å.")
@click.option("--charge", type=float, default=None,
              help="Z in e [default: the oxidation state in the structure].")
@click.option("--filling", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Ions per cell [default: the structure's occupancy].")
@click.option("--attempt-frequency", type=click.FloatRange(min=0, min_open=True), default=1e13,
              show_default=True, help="Attempt frequency in Hz (sets the spec's step and "
                                      "degeneracies).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Spec file [default: <structure stem>_<mobile>.toml].")
@click.option("--netcdf", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the network (sites, bonds, classes) as NetCDF.")
def structure_command(structure_file: Path, mobile: str, cutoff: float, mode: str,
                      explicit: tuple[str, ...], min_distance: float, charge: float | None,
                      filling: float | None, attempt_frequency: float, output: Path | None,
                      netcdf: Path | None) -> None:
    """Site and hop classes of MOBILE in STRUCTURE_FILE, and a TOML spec with energies to fill.

    Every placeholder "FILL IN (eV)" in the spec's [energies.sites] and [energies.saddles]
    tables needs a number before the spec can be used.
    """
    try:
        from .. import materials
    except ImportError as exc:  # pragma: no cover - the [materials] extra
        raise click.ClickException(
            f"the structure command needs the [materials] extra ({exc}): "
            "pip install 'superionic[materials]'"
        ) from None
    from ..io import write_netcdf
    from ..io.atomic import write_text_atomic
    from ._outputs import check_output

    if output is None:
        output = Path(f"{structure_file.stem}_{mobile}.toml")
    check_output(output, "--output")
    if netcdf is not None:
        check_output(netcdf, "--netcdf")
    sites = [_site_option(s) for s in explicit] if explicit else mode
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", materials.FrameworkClashWarning)
            network = materials.hop_network(structure_file, mobile=mobile, cutoff=cutoff,
                                            sites=sites, min_distance=min_distance)
        text = materials.model_spec(network, attempt_frequency=attempt_frequency, charge=charge,
                                    filling=filling, source=structure_file.name)
    except ModelError as exc:
        raise click.ClickException(str(exc)) from None
    for w in caught:
        if issubclass(w.category, materials.FrameworkClashWarning):
            click.echo(f"warning: {w.message}", err=True)
    click.echo(repr(network))
    if network.percolation_dimension < 3:
        click.echo(
            f"warning: the network percolates in {network.percolation_dimension}D only "
            f"({network.percolation_description()}); a model needs a longer cutoff",
            err=True,
        )
    write_text_atomic(output, text)
    click.echo(f"wrote {output}: fill in the {len(network.site_classes)} site energies and "
               f"{len(network.hop_classes)} saddle energies (eV)")
    if netcdf is not None:
        write_netcdf(network.to_dataset(), netcdf)
        click.echo(f"wrote {netcdf}")
