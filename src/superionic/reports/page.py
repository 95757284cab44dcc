"""What a report section tells its reader: description, figure captions, tables and claims.

A section's summary (the dict its ``build`` returns) carries, beside its numbers, the keys the
report page is rendered from (:mod:`superionic.reports.index`), so that a new section only
supplies data:

* ``title`` and ``description``: what was computed and why;
* ``figures``: ``{file name: caption}``, the caption saying what to look for;
* ``tables``: a list of :func:`table` dicts (key numbers of this run);
* ``claims``: a list of :func:`claim` dicts, the paper's statements the run checks, each with
  its status decided by the run's numbers and a link to the reasoning in the docs.
"""

from __future__ import annotations

import math
from typing import Any

#: Statuses of a claim: the run agrees with the paper, the run confirms the package's correction
#: of the paper (the docs give the reasoning), or the check failed in this run.
STATUSES = ("reproduced", "corrected", "not reproduced")


def table(title: str, columns: list[str], rows: list[list[Any]], note: str = "") -> dict:
    """A table of key numbers: ``columns`` headers, ``rows`` of cells (numbers or text)."""
    for row in rows:
        if len(row) != len(columns):
            raise ValueError(f"table {title!r}: row {row!r} has {len(row)} cells, "
                             f"expected {len(columns)}")
    return {"title": title, "columns": list(columns), "rows": [list(r) for r in rows],
            "note": note}


def claim(text: str, *, holds: bool, status: str, evidence: str, page: str,
          heading: str) -> dict:
    """A statement of the paper checked by the run.

    Parameters
    ----------
    text : str
        The paper's statement.
    holds : bool
        Whether this run's numbers confirm ``status`` (otherwise the status is
        "not reproduced").
    status : {"reproduced", "corrected"}
        What confirmation means: the paper reproduced, or the package's correction confirmed.
    evidence : str
        The numbers of this run that decide it.
    page, heading : str
        The docs page (``"theory.md"``) and the exact text of the heading whose section gives
        the reasoning.
    """
    if status not in STATUSES[:2]:
        raise ValueError(f"status must be 'reproduced' or 'corrected', got {status!r}")
    return {"claim": text, "status": status if holds else STATUSES[2], "evidence": evidence,
            "docs": {"page": page, "heading": heading}}


def close(value: Any, expected: float, rtol: float = 1e-6, atol: float = 0.0) -> bool:
    """True when ``value`` is a finite number within the tolerances of ``expected``."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(x) and abs(x - expected) <= atol + rtol * abs(expected)


def number(value: Any, digits: int = 4) -> str:
    """``value`` with ``digits`` significant digits ("n/a" for missing or non-finite values)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "n/a" if value is None else str(value)
    return f"{x:.{digits}g}" if math.isfinite(x) else "n/a"
