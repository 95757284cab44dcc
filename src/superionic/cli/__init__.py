"""Command-line interface: one click group, one module per family of subcommands."""

from __future__ import annotations

from . import channels, core, meanfield, report, simulation  # noqa: F401  (register commands)
from . import sweep as _sweep  # noqa: F401  (registers ``superionic sweep``)
from ._group import main

__all__ = ["main"]
