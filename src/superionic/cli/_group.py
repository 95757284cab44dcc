"""The ``superionic`` command group; subcommands live in the sibling modules."""

from __future__ import annotations

import click

from .. import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="superionic")
def main() -> None:
    """superionic: lattice theory of ionic conduction and superionic transitions.

    Each subcommand reads a TOML spec (or options), calls one public function and writes
    NetCDF/CSV/JSON data plus PNG figures.
    """
