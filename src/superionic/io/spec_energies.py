"""Named energies in model specs: an ``[energies]`` table that sites and hops refer to by name.

A spec may hold a table of named energies (eV), one per site class and one per hop class::

    [energies.sites]
    "12d" = 0.0

    [energies.saddles]
    "12d-12d/1.79" = 0.1

    [[sites]]
    name = "12d_0"
    position = [0.25, 0.0, 0.5]
    energy = "12d"            # the site energy named "12d"

    [[hops]]
    source = "12d_0"
    target = "12d_1"
    saddle = "12d-12d/1.79"   # the saddle energy named "12d-12d/1.79"

A string where a site ``energy`` or a hop ``saddle`` is expected names an entry of
``energies.sites`` or ``energies.saddles``. An entry whose value is still a string (the
placeholder written by ``superionic structure``, for example ``"FILL IN (eV)"``) is unfilled: the
spec is refused with one problem per unfilled name. :func:`resolve_energy_names` substitutes the
numbers and removes the table, so the rest of the spec machinery sees a plain explicit spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .spec import SpecError, SpecProblem

__all__ = ["ENERGY_TABLES", "resolve_energy_names"]

#: The sub-tables of ``[energies]`` and the field of sites / hops that refers to each.
ENERGY_TABLES = {"sites": ("sites", "energy"), "saddles": ("hops", "saddle")}

_NO_VALUE = object()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def resolve_energy_names(data: Mapping[str, Any], source: str | None = None) -> dict[str, Any]:
    """Replace named energies by their values; return a new mapping without ``energies``.

    Parameters
    ----------
    data : mapping
        A parsed spec (what ``tomllib`` returns).
    source : str, optional
        Where the spec came from, for error messages.

    Raises
    ------
    SpecError
        One problem per unfilled placeholder (``energies.sites."12d"``), per reference to a name
        that the table lacks, and per malformed table.
    """
    if "energies" not in data:
        return dict(data)
    out = dict(data)
    table = out.pop("energies")
    problems: list[SpecProblem] = []
    if not isinstance(table, Mapping):
        raise SpecError([SpecProblem("energies", table, "must be a table of named energies")],
                        source)
    for key in table:
        if key not in ENERGY_TABLES:
            problems.append(SpecProblem(f"energies.{key}", _NO_VALUE,
                                        f"unknown table; allowed: {sorted(ENERGY_TABLES)}"))
    for key, (items, field) in ENERGY_TABLES.items():
        names = table.get(key, {})
        if not isinstance(names, Mapping):
            problems.append(SpecProblem(f"energies.{key}", names, "must be a table name -> eV"))
            continue
        for name, value in names.items():
            if isinstance(value, str):
                problems.append(SpecProblem(
                    f'energies.{key}."{name}"', value,
                    "unfilled placeholder: give the energy in eV"))
            elif not _is_number(value):
                problems.append(SpecProblem(f'energies.{key}."{name}"', value,
                                            "must be a number (eV)"))
        entries = out.get(items)
        if not isinstance(entries, list):
            continue
        resolved = []
        for i, entry in enumerate(entries):
            if isinstance(entry, Mapping) and isinstance(entry.get(field), str):
                name = entry[field]
                if name not in names:
                    problems.append(SpecProblem(
                        f"{items}[{i}].{field}", name,
                        f"names no entry of energies.{key} (has {sorted(names)})"))
                elif _is_number(names[name]):
                    entry = {**entry, field: float(names[name])}
            resolved.append(entry)
        out[items] = resolved
    if problems:
        raise SpecError(problems, source)
    return out
