"""Command-line interface: one click group, one module per family of subcommands."""

from __future__ import annotations

from . import channels, core, meanfield, report, simulation, structure  # noqa: F401

# (the imports above register the commands)
from ._group import main

__all__ = ["main"]
