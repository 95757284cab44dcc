"""The ``--quick`` report, generated once per test session and shared by the report tests.

Every figure the run saves is kept (the Figure object, by its path relative to the report
folder), so that tests can check what each figure draws against the Datasets written beside it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest


@dataclasses.dataclass
class QuickReport:
    outdir: Path
    record: dict
    figures: dict  # relative path -> matplotlib Figure
    lines: list[str]


@pytest.fixture(scope="session")
def quick_report(tmp_path_factory) -> QuickReport:
    import matplotlib

    matplotlib.use("Agg")
    from superionic.cli.report import run_report
    from superionic.io import atomic

    outdir = tmp_path_factory.mktemp("quick_report") / "results"
    figures: dict = {}
    original = atomic.save_figure

    def keep(fig, path, **kwargs):
        figures[Path(path).resolve().relative_to(outdir.resolve()).as_posix()] = fig
        return original(fig, path, **kwargs)

    lines: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(atomic, "save_figure", keep)
        record = run_report(outdir, quick=True, echo=lines.append)
    return QuickReport(outdir, record, figures, lines)
