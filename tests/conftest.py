"""Shared fixtures: canned models of the paper, the session's --quick report and a reproducible
hypothesis profile.

The hypothesis profile ``superionic`` is derandomized (the same examples on every run, so a
failure is reproducible and CI is deterministic) and has no deadline (the first call of a numba or
LAPACK routine may be slow). Select another with ``HYPOTHESIS_PROFILE=<name>``; ``explore``
draws fresh random examples.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from superionic import models

settings.register_profile(
    "superionic",
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "superionic"))

#: Chain parameters inside the discrete-time domain for |f a| up to about 2 in full coupling.
CHAIN = {"P0": 0.4, "gamma": 0.3, "a": 1.7}
#: Honeycomb parameters (App. A), inside the domain for |f a| up to about 1.5.
HONEYCOMB = {"P0": 0.3, "gamma": -0.4, "a": 2.1}
#: Fig. 3(c): P0 = 0.60, gamma = 0.88, f = 0.5 (outside the domain at this field: P_bb < 0).
FIG3C = {"P0": 0.60, "gamma": 0.88, "f": 0.5}


@pytest.fixture
def chain():
    """Two-site chain of Sec. III, one step per time unit (tau = 1)."""
    return models.two_site_chain(CHAIN["P0"], CHAIN["gamma"], a=CHAIN["a"])


@pytest.fixture
def chain_tau():
    """The same chain with tau = 2.5 (time unit != step), to catch missing 1/tau factors."""
    return models.two_site_chain(CHAIN["P0"], CHAIN["gamma"], a=CHAIN["a"], tau=2.5)


@pytest.fixture
def honeycomb():
    """Honeycomb lattice of App. A (Eqs. 56-57), tau = 1."""
    return models.honeycomb(HONEYCOMB["P0"], HONEYCOMB["gamma"], a=HONEYCOMB["a"])


@pytest.fixture
def honeycomb_tau():
    """The honeycomb with tau = 0.4."""
    return models.honeycomb(HONEYCOMB["P0"], HONEYCOMB["gamma"], a=HONEYCOMB["a"], tau=0.4)


@pytest.fixture
def bcc():
    """12 tetrahedral sites of a bcc anion cell (alpha-AgI type), declared by energies."""
    return models.bcc_tetrahedral(barrier=0.1, a=5.07, tau=1e-13)


# --------------------------------------------------------------------------- the --quick report
# Generated once per session and shared by the report tests (tests/reports): every figure the run
# saves is kept (the Figure object, by its path relative to the report folder), so that tests can
# check what each figure draws against the Datasets written beside it.


@dataclasses.dataclass
class QuickReport:
    """The ``--quick`` report of the session: folder, record, kept figures, progress lines."""

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
