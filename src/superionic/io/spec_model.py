"""Conversion between model specs and models: TOML text -> spec -> model -> TOML text.

:func:`parse_spec` validates TOML text (or a parsed mapping) against the schema of
:mod:`superionic.io.spec` and builds the model once, so that :func:`spec_to_model` succeeds on every
spec it returns; :func:`spec_to_model` builds the :class:`~superionic.lattice.HoppingModel` a spec
declares; :func:`model_to_toml` writes a model back as an explicit spec (reading it gives an equal
model). The file-level functions (:func:`~superionic.io.read_spec`,
:func:`~superionic.io.load_model`, :func:`~superionic.io.write_model`) are in :mod:`superionic.io`.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import ValidationError

from .. import models as _models
from ..errors import ModelError
from ..lattice import Hop, HoppingModel, Interactions, Lattice, Site
from .spec import (
    _MISSING,
    CANNED_MODELS,
    CannedSpec,
    ExplicitSpec,
    ModelSpec,
    SpecError,
    SpecProblem,
    _check_canned,
    _check_explicit,
    _check_kpath,
    _problems_from_validation,
    _raw_site_checks,
)
from .spec_energies import resolve_energy_names

__all__ = ["model_to_toml", "parse_spec", "spec_to_model"]


# =========================================================================== build
def _build_explicit(spec: ExplicitSpec) -> HoppingModel:
    problems: list[SpecProblem] = []
    try:
        sites = [Site(s.name, s.position, energy=s.energy) for s in spec.sites]
        lattice = Lattice(spec.vectors, sites)
    except ModelError as exc:
        raise SpecError([SpecProblem("sites", _MISSING, str(exc))]) from None
    hops: list[Hop] = []
    for i, h in enumerate(spec.hops):
        try:
            hops.append(
                Hop(
                    h.source,
                    h.target,
                    None if h.cell is None else tuple(h.cell),
                    saddle=h.saddle,
                    probability=h.probability,
                    degeneracy=h.degeneracy,
                )
            )
        except ModelError as exc:
            problems.append(SpecProblem(f"hops[{i}]", _MISSING, str(exc)))
    for i, sh in enumerate(spec.shells):
        try:
            hops.extend(
                _models.bonds_from_shell(
                    lattice, sh.shell, sh.saddle, cutoff=sh.cutoff, degeneracy=sh.degeneracy
                )
            )
        except ModelError as exc:
            problems.append(SpecProblem(f"shells[{i}]", _MISSING, str(exc)))
    if problems:
        raise SpecError(problems)
    try:
        interactions = Interactions(
            repulsion=spec.interactions.K0,
            concerted=spec.interactions.M0,
            exclusion=spec.interactions.exclusion,
        )
        return HoppingModel(
            lattice,
            hops,
            tau=spec.tau,
            filling=spec.filling,
            interactions=interactions,
            charge=spec.charge,
        )
    except ModelError as exc:
        raise SpecError([SpecProblem("hops", _MISSING, str(exc))]) from None


def _build_canned(spec: CannedSpec) -> HoppingModel:
    try:
        return CANNED_MODELS[spec.model](**spec.parameters)
    except ModelError as exc:
        message = str(exc)
        path = "parameters"
        for key in spec.parameters:
            if message.startswith(key):
                path = f"parameters.{key}"
                break
        value = spec.parameters.get(path.partition(".")[2], _MISSING)
        raise SpecError([SpecProblem(path, value, message)]) from None


def spec_to_model(spec: ExplicitSpec | CannedSpec) -> HoppingModel:
    """Build the :class:`~superionic.lattice.HoppingModel` a validated spec declares.

    Raises
    ------
    SpecError
        When the core rejects the declaration (the message names the hop, shell or parameter).
    """
    if isinstance(spec, CannedSpec):
        return _build_canned(spec)
    if isinstance(spec, ExplicitSpec):
        return _build_explicit(spec)
    raise ModelError(f"spec must be an ExplicitSpec or CannedSpec, got {type(spec).__name__}")


# =========================================================================== parse
def _decode_error(exc: tomllib.TOMLDecodeError, text: str) -> SpecProblem:
    message = str(exc)
    line_text = ""
    marker = message.rfind("(at line ")
    if marker >= 0:
        try:
            lineno = int(message[marker:].split()[2].rstrip(","))
            lines = text.splitlines()
            if 1 <= lineno <= len(lines):
                line_text = f"; line {lineno} reads: {lines[lineno - 1].strip()!r}"
        except (ValueError, IndexError):
            pass
    return SpecProblem("", _MISSING, f"malformed TOML: {message}{line_text}")


def parse_spec(data: Mapping[str, Any] | str, *, source: str | None = None) -> ModelSpec:
    """Validate a spec given as TOML text or as an already-parsed mapping.

    Parameters
    ----------
    data : str or mapping
        TOML text, or the dictionary ``tomllib`` would return.
    source : str, optional
        Where the spec came from (a file name), used in error messages.

    Returns
    -------
    ExplicitSpec or CannedSpec
        The validated spec; the model it declares has been built once, so
        :func:`spec_to_model` succeeds on it.

    Raises
    ------
    SpecError
        Listing every problem found, each naming the field, the value and what is allowed.
    """
    if isinstance(data, str):
        try:
            data = tomllib.loads(data)
        except tomllib.TOMLDecodeError as exc:
            raise SpecError([_decode_error(exc, data)], source) from None
    if not isinstance(data, Mapping):
        raise SpecError([SpecProblem("", data, "a spec must be a TOML table")], source)
    data = resolve_energy_names(data, source)
    root: type[ExplicitSpec] | type[CannedSpec] = CannedSpec if "model" in data else ExplicitSpec
    try:
        spec = root.model_validate(dict(data))
    except ValidationError as exc:
        problems = _problems_from_validation(exc, root) + _raw_site_checks(data)
        raise SpecError(problems, source) from None
    problems = _check_canned(spec) if isinstance(spec, CannedSpec) else _check_explicit(spec)
    if problems:
        raise SpecError(problems, source)
    try:
        model = spec_to_model(spec)
    except SpecError as exc:
        raise SpecError(exc.problems, source) from None
    if isinstance(spec, CannedSpec):
        problems = []
        _check_kpath(spec.kpath, model.dim, problems)
        if problems:
            raise SpecError(problems, source)
    return spec


# =========================================================================== model -> TOML
def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        x = float(value)
        if not math.isfinite(x):
            raise ModelError(f"cannot write the non-finite number {x!r} to a spec")
        text = repr(x)
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple | np.ndarray):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise ModelError(f"cannot write {type(value).__name__} to a spec")


def model_to_toml(
    model: HoppingModel,
    *,
    name: str | None = None,
    description: str | None = None,
    charge: float | None = None,
    cell_volume: float | None = None,
    kpath: Mapping[str, Any] | None = None,
) -> str:
    """The explicit TOML spec of ``model`` (reading it back gives an equal model).

    Parameters
    ----------
    model : HoppingModel
    name, description : str, optional
    charge : float, optional
        Z in e.
    cell_volume : float, optional
        Å^3 per cell.
    kpath : mapping, optional
        ``{"points": {label: fractional coords}, "path": [labels]}``.
    """
    if charge is None and model.charge != 1.0:
        charge = model.charge
    lines: list[str] = []
    if name is not None:
        lines.append(f"name = {_toml_value(name)}")
    if description is not None:
        lines.append(f"description = {_toml_value(description)}")
    lines.append(f"vectors = {_toml_value([list(v) for v in model.lattice.vectors])}")
    lines.append(f"tau = {_toml_value(model.tau)}")
    lines.append(f"filling = {_toml_value(model.filling)}")
    if charge is not None:
        lines.append(f"charge = {_toml_value(charge)}")
    if cell_volume is not None:
        lines.append(f"cell_volume = {_toml_value(cell_volume)}")
    for site in model.lattice.sites:
        lines += [
            "",
            "[[sites]]",
            f"name = {_toml_value(site.name)}",
            f"position = {_toml_value(list(site.position))}",
            f"energy = {_toml_value(site.energy)}",
        ]
    for hop in model.hops:
        lines += [
            "",
            "[[hops]]",
            f"source = {_toml_value(hop.source)}",
            f"target = {_toml_value(hop.target)}",
        ]
        if hop.cell:
            lines.append(f"cell = {_toml_value(list(hop.cell))}")
        if hop.saddle is not None:
            lines.append(f"saddle = {_toml_value(hop.saddle)}")
        else:
            lines.append(f"probability = {_toml_value(hop.probability)}")
        if hop.degeneracy != 1.0:
            lines.append(f"degeneracy = {_toml_value(hop.degeneracy)}")
    inter = model.interactions
    lines += [
        "",
        "[interactions]",
        f"K0 = {_toml_value(inter.repulsion)}",
        f"M0 = {_toml_value(inter.concerted)}",
        f"exclusion = {_toml_value(inter.exclusion)}",
    ]
    if kpath is not None:
        lines += ["", "[kpath]", f"path = {_toml_value(list(kpath['path']))}", "", "[kpath.points]"]
        for label, coords in kpath["points"].items():
            lines.append(f"{json.dumps(label)} = {_toml_value(list(coords))}")
    return "\n".join(lines) + "\n"
