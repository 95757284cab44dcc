"""Command-line interface: one click group, one module per family of subcommands."""

from __future__ import annotations

from . import (  # noqa: F401  (the imports register the commands)
    channels,
    core,
    fit,
    meanfield,
    report,
    simulation,
    structure,
    sweep,
)
from ._group import main

__all__ = ["main"]
