"""Command-line interface: one click group, one module per family of subcommands."""

from __future__ import annotations

from . import channels, core, fit, meanfield, report, simulation  # noqa: F401  (register commands)
from ._group import main

__all__ = ["main"]
