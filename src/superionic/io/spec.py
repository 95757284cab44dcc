"""Model specs: the validated schema of a TOML model file and the rules it must obey.

The classes here are the pydantic schema of a model spec (the file format is described in
:mod:`superionic.io`): :class:`ExplicitSpec` declares a model site by site and hop by hop,
:class:`CannedSpec` names one of :data:`CANNED_MODELS`. Every problem found in a spec is a
:class:`SpecProblem` naming the field by its dotted path (``hops[2].probability``), the value found
and what is allowed; :class:`SpecError` reports them all at once. Unknown keys are errors, and so
are ``nan`` and ``inf``.

Validation has two stages, both collected here: pydantic's type and range errors, translated
into problems with the field's description, and the checks across fields (site names, hop ends,
dimensions, saddles below sites, duplicate hops, k-path labels, canned-model parameters).
:func:`superionic.spec_model.parse_spec` runs them and builds the model once.
"""

from __future__ import annotations

import inspect
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import models as _models
from ..errors import ModelError
from ..lattice import HoppingModel

__all__ = [
    "CANNED_MODELS",
    "CannedSpec",
    "ExplicitSpec",
    "HopSpec",
    "InteractionsSpec",
    "KPathSpec",
    "ModelSpec",
    "ShellSpec",
    "SiteSpec",
    "SpecError",
    "SpecProblem",
]

#: Canned models available through ``model = "<name>"`` in a spec file.
CANNED_MODELS: dict[str, typing.Callable[..., HoppingModel]] = {
    "two_site_chain": _models.two_site_chain,
    "honeycomb": _models.honeycomb,
    "bcc_tetrahedral": _models.bcc_tetrahedral,
    "interacting_chain": _models.interacting_chain,
    "interacting_honeycomb": _models.interacting_honeycomb,
}

_MISSING = object()


# =========================================================================== errors
@dataclass(frozen=True)
class SpecProblem:
    """One problem in a spec: the dotted ``path`` of the field, the ``value`` found, the rule."""

    path: str
    value: Any
    message: str

    def __str__(self) -> str:
        if not self.path:
            if self.value is _MISSING:
                return self.message
            return f"{_show(self.value)}: {self.message}"
        if self.value is _MISSING:
            return f"{self.path}: {self.message}"
        return f"{self.path} = {_show(self.value)}: {self.message}"


def _show(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class SpecError(ModelError):
    """A model spec is malformed or invalid; ``problems`` lists every problem found.

    The message names each field by its dotted path (``hops[2].probability``), the value found and
    what is allowed.
    """

    def __init__(self, problems: list[SpecProblem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        head = f"invalid model spec {source}" if source else "invalid model spec"
        lines = [f"{head}: {len(self.problems)} problem(s)"]
        lines += [f"  {p}" for p in self.problems]
        super().__init__("\n".join(lines))


# =========================================================================== schema
class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, frozen=True)


class SiteSpec(_Strict):
    """A site: ``name``, fractional ``position`` (one coordinate per lattice vector), ``energy``."""

    name: str = Field(min_length=1, description="site name, unique in the cell")
    position: list[float] = Field(
        min_length=1, max_length=3, description="fractional coordinates, one per lattice vector"
    )
    energy: float = Field(default=0.0, description="site energy in eV")


class HopSpec(_Strict):
    """A hop: ``source``, ``target``, ``cell`` and exactly one of ``saddle`` or ``probability``."""

    source: str = Field(min_length=1, description="name of the origin site")
    target: str = Field(min_length=1, description="name of the destination site")
    cell: list[int] | None = Field(
        default=None,
        min_length=1,
        max_length=3,
        description="integer cell offset of the target, one per lattice vector",
    )
    saddle: float | None = Field(
        default=None, description="saddle-point energy in eV (a bond hopped both ways)"
    )
    probability: float | None = Field(
        default=None, ge=0.0, le=1.0, description="directed per-step probability in [0, 1]"
    )
    degeneracy: float = Field(
        default=1.0, gt=0.0, description="degeneracy lambda of Eq. 2 (probability divided by it)"
    )


class ShellSpec(_Strict):
    """Bonds of one neighbour shell (``shell = 0`` nearest), all with one saddle energy."""

    shell: int = Field(default=0, ge=0, description="neighbour shell index, 0 = nearest")
    saddle: float = Field(description="saddle-point energy in eV")
    cutoff: float | None = Field(default=None, gt=0.0, description="search radius in Å")
    degeneracy: float = Field(default=1.0, gt=0.0, description="degeneracy lambda of Eq. 2")


class InteractionsSpec(_Strict):
    """Interactions of Sec. IV: ``K0`` repulsion, ``M0`` concerted hopping (eV), ``exclusion``."""

    K0: float = Field(default=0.0, description="nearest-neighbour repulsion K0 in eV")
    M0: float = Field(default=0.0, ge=0.0, description="concerted-hopping strength M0 in eV")
    exclusion: bool = Field(default=True, description="hard exclusion of double occupancy")


class KPathSpec(_Strict):
    """High-symmetry points (fractional reciprocal coordinates) and a path through them."""

    points: dict[str, list[float]] = Field(
        min_length=1, description="labels -> fractional coordinates in the reciprocal basis"
    )
    path: list[str] = Field(min_length=2, description="labels of the points, in order")


class _Common(_Strict):
    name: str | None = Field(default=None, description="a short name of the model")
    description: str | None = Field(default=None, description="free text")
    charge: float = Field(default=1.0, description="ionic charge Z in units of e (nonzero)")
    cell_volume: float | None = Field(
        default=None, gt=0.0, description="crystal volume per cell in Å^3"
    )
    kpath: KPathSpec | None = None


class ExplicitSpec(_Common):
    """A model declared site by site and hop by hop."""

    vectors: list[list[float]] = Field(
        min_length=1, max_length=3, description="lattice vectors as rows, in Å"
    )
    sites: list[SiteSpec] = Field(min_length=1)
    hops: list[HopSpec] = Field(default_factory=list)
    shells: list[ShellSpec] = Field(default_factory=list)
    tau: float = Field(default=1.0, gt=0.0, description="time step in s")
    filling: float = Field(default=1.0, gt=0.0, description="mobile ions per cell")
    interactions: InteractionsSpec = Field(default_factory=InteractionsSpec)

    @property
    def dim(self) -> int:
        return len(self.vectors)


class CannedSpec(_Common):
    """A canned model of :mod:`superionic.models` with its keyword parameters."""

    model: Literal[
        "two_site_chain",
        "honeycomb",
        "bcc_tetrahedral",
        "interacting_chain",
        "interacting_honeycomb",
    ] = Field(description="name of a canned model")
    parameters: dict[str, float] = Field(
        default_factory=dict, description="keyword arguments of the canned model"
    )


ModelSpec = ExplicitSpec | CannedSpec


# =========================================================================== pydantic -> problems
def _format_loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _unwrap(annotation):
    """Strip ``X | None`` down to ``X``."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return annotation


def _resolve(root: type[BaseModel], loc: tuple):
    """Walk ``loc`` through the schema: return (model class, field name) of the last named
    field, and the type reached at the end of ``loc`` (None where unknown)."""
    current: Any = root
    owner: tuple[type[BaseModel], str] | None = None
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str):
            info = current.model_fields.get(part)
            if info is None:
                return owner, None
            owner = (current, part)
            current = info.annotation
            continue
        origin = typing.get_origin(current)
        args = typing.get_args(current)
        if origin is list and args and isinstance(part, int):
            current = args[0]
        elif origin is dict and len(args) == 2 and isinstance(part, str):
            current = args[1]
        else:
            return owner, None
    return owner, _unwrap(current)


#: Rules for the pydantic error types that need no context.
_FIXED_RULES = {
    "missing": "required field is missing",
    "finite_number": "must be a finite number (nan and inf are not allowed)",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "list_type": "must be an array",
    "tuple_type": "must be an array",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
    "string_too_short": "must not be empty",
}

#: Rules that quote one entry of the error's context: (template, context key).
_CONTEXT_RULES = {
    "greater_than": ("must be > {}", "gt"),
    "greater_than_equal": ("must be >= {}", "ge"),
    "less_than": ("must be < {}", "lt"),
    "less_than_equal": ("must be <= {}", "le"),
    "too_short": ("must have at least {} item(s)", "min_length"),
    "too_long": ("must have at most {} item(s)", "max_length"),
    "literal_error": ("must be one of {}", "expected"),
}


def _rule(err: dict, root: type[BaseModel]) -> str:
    kind = err["type"]
    ctx = err.get("ctx", {})
    loc = tuple(err["loc"])
    if kind in _FIXED_RULES:
        rule = _FIXED_RULES[kind]
    elif kind in _CONTEXT_RULES:
        template, key = _CONTEXT_RULES[kind]
        rule = template.format(ctx.get(key))
    elif kind == "extra_forbidden":
        _, parent = _resolve(root, loc[:-1])
        if isinstance(parent, type) and issubclass(parent, BaseModel):
            allowed = ", ".join(parent.model_fields)
            rule = f"unknown field; allowed here: {allowed}"
        else:
            rule = "unknown field"
    else:
        rule = err.get("msg", kind)
    owner, _ = _resolve(root, loc)
    if owner is not None and kind not in ("extra_forbidden",):
        cls, name = owner
        desc = cls.model_fields[name].description
        if desc and loc and loc[-1] == name:
            rule = f"{rule} ({name}: {desc})"
    return rule


def _problems_from_validation(exc: ValidationError, root: type[BaseModel]) -> list[SpecProblem]:
    problems = []
    for err in exc.errors():
        value = _MISSING if err["type"] == "missing" else err.get("input", _MISSING)
        if isinstance(value, Mapping):
            value = _MISSING if err["type"] != "extra_forbidden" else dict(value)
        problems.append(SpecProblem(_format_loc(tuple(err["loc"])), value, _rule(err, root)))
    return problems


# =========================================================================== semantic checks
def _check_kpath(kpath: KPathSpec | None, dim: int, problems: list[SpecProblem]) -> None:
    if kpath is None:
        return
    for label, coords in kpath.points.items():
        if len(coords) != dim:
            problems.append(
                SpecProblem(
                    f"kpath.points.{label}",
                    coords,
                    f"must have {dim} fractional coordinate(s), one per reciprocal vector",
                )
            )
    for i, label in enumerate(kpath.path):
        if label not in kpath.points:
            problems.append(
                SpecProblem(
                    f"kpath.path[{i}]", label, f"unknown point; declared: {sorted(kpath.points)}"
                )
            )


def _check_explicit(spec: ExplicitSpec) -> list[SpecProblem]:
    problems: list[SpecProblem] = []
    dim = spec.dim
    for i, row in enumerate(spec.vectors):
        if len(row) != dim:
            problems.append(
                SpecProblem(
                    f"vectors[{i}]",
                    row,
                    f"must have {dim} component(s): {dim} lattice vector(s) of {dim} "
                    "Cartesian components (Å)",
                )
            )
    if not problems:
        volume = abs(float(np.linalg.det(np.array(spec.vectors, dtype=float))))
        if not volume > 1e-12:
            problems.append(
                SpecProblem("vectors", spec.vectors, "lattice vectors are linearly dependent")
            )
    names: dict[str, int] = {}
    energies: dict[str, float] = {}
    for i, site in enumerate(spec.sites):
        if len(site.position) != dim:
            problems.append(
                SpecProblem(
                    f"sites[{i}].position",
                    site.position,
                    f"must have {dim} fractional coordinate(s), one per lattice vector",
                )
            )
        if site.name in names:
            problems.append(
                SpecProblem(
                    f"sites[{i}].name", site.name, f"duplicate of sites[{names[site.name]}].name"
                )
            )
        else:
            names[site.name] = i
            energies[site.name] = site.energy
    known = sorted(names)
    if not spec.hops and not spec.shells:
        problems.append(
            SpecProblem("hops", [], "declare at least one [[hops]] entry (or a [[shells]] entry)")
        )
    seen: dict[tuple, int] = {}
    for i, hop in enumerate(spec.hops):
        ok = True
        for end in ("source", "target"):
            name = getattr(hop, end)
            if name not in names:
                problems.append(
                    SpecProblem(f"hops[{i}].{end}", name, f"unknown site; sites are {known}")
                )
                ok = False
        if (hop.saddle is None) == (hop.probability is None):
            problems.append(
                SpecProblem(
                    f"hops[{i}]",
                    _MISSING,
                    "give exactly one of saddle (eV; a bond hopped both ways) or probability "
                    "(a directed per-step probability in [0, 1]), got "
                    + ("both" if hop.saddle is not None else "neither"),
                )
            )
            ok = False
        cell = tuple(hop.cell) if hop.cell is not None else (0,) * dim
        if len(cell) != dim:
            problems.append(
                SpecProblem(
                    f"hops[{i}].cell",
                    hop.cell,
                    f"must have {dim} integer(s), one per lattice vector",
                )
            )
            ok = False
        if not ok:
            continue
        if hop.source == hop.target and not any(cell):
            problems.append(
                SpecProblem(
                    f"hops[{i}].cell",
                    list(cell),
                    "zero-length hop: the target is the source site itself; give a nonzero cell",
                )
            )
            continue
        if hop.saddle is not None:
            lowest = max(energies[hop.source], energies[hop.target])
            if hop.saddle < lowest:
                problems.append(
                    SpecProblem(
                        f"hops[{i}].saddle",
                        hop.saddle,
                        f"must be >= the energies of both end sites ({hop.source}: "
                        f"{energies[hop.source]} eV, {hop.target}: {energies[hop.target]} eV); "
                        "a saddle below a site would give a probability above 1",
                    )
                )
        keys = [(hop.source, hop.target, cell)]
        if hop.saddle is not None:
            keys.append((hop.target, hop.source, tuple(-c for c in cell)))
        for key in keys:
            if key in seen:
                problems.append(
                    SpecProblem(
                        f"hops[{i}]",
                        _MISSING,
                        f"duplicates hops[{seen[key]}] (direction {key[0]} -> {key[1]}, "
                        f"cell {list(key[2])}; a saddle hop declares both directions)",
                    )
                )
                break
            seen[key] = i
    if spec.filling > len(spec.sites):
        problems.append(
            SpecProblem(
                "filling",
                spec.filling,
                f"must be <= the number of sites per cell ({len(spec.sites)})",
            )
        )
    if spec.charge == 0:
        problems.append(SpecProblem("charge", spec.charge, "must be nonzero (Z in units of e)"))
    _check_kpath(spec.kpath, dim, problems)
    return problems


def _raw_site_checks(data: Mapping[str, Any]) -> list[SpecProblem]:
    """Unknown site names in hops, found on the raw data when the schema check failed, so that
    they are reported together with the type errors."""
    sites, hops = data.get("sites"), data.get("hops")
    if not isinstance(sites, list) or not isinstance(hops, list):
        return []
    names = [s.get("name") for s in sites if isinstance(s, Mapping)]
    if not names or not all(isinstance(n, str) for n in names):
        return []
    problems = []
    for i, hop in enumerate(hops):
        if not isinstance(hop, Mapping):
            continue
        for end in ("source", "target"):
            name = hop.get(end)
            if isinstance(name, str) and name not in names:
                rule = f"unknown site; sites are {sorted(names)}"
                problems.append(SpecProblem(f"hops[{i}].{end}", name, rule))
    return problems


def _canned_signature(name: str) -> inspect.Signature:
    return inspect.signature(CANNED_MODELS[name])


def _check_canned(spec: CannedSpec) -> list[SpecProblem]:
    problems: list[SpecProblem] = []
    sig = _canned_signature(spec.model)
    allowed = list(sig.parameters)
    for key, value in spec.parameters.items():
        if key not in sig.parameters:
            problems.append(
                SpecProblem(
                    f"parameters.{key}",
                    value,
                    f"unknown parameter of {spec.model}; allowed: {', '.join(allowed)}",
                )
            )
    for key, par in sig.parameters.items():
        if par.default is inspect.Parameter.empty and key not in spec.parameters:
            problems.append(
                SpecProblem(
                    f"parameters.{key}",
                    _MISSING,
                    f"required parameter of {spec.model} is missing (parameters: "
                    f"{', '.join(allowed)})",
                )
            )
    if spec.charge == 0:
        problems.append(SpecProblem("charge", spec.charge, "must be nonzero (Z in units of e)"))
    return problems
