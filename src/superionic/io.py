"""Model spec files (TOML, validated) and result files (NetCDF, CSV).

A *model spec* is a TOML file that declares a :class:`~superionic.model.HoppingModel`, either
explicitly::

    name = "two-site chain"
    vectors = [[4.0]]            # lattice vectors as rows, Å
    tau = 1e-13                  # step, s
    filling = 1.0                # mobile ions per cell

    [[sites]]
    name = "a"
    position = [0.0]             # fractional
    energy = 0.0                 # eV

    [[sites]]
    name = "b"
    position = [0.5]
    energy = 0.05

    [[hops]]                     # a bond, hopped both ways (Eq. 3)
    source = "a"
    target = "b"
    cell = [0]
    saddle = 0.35
    degeneracy = 2

    [interactions]               # Sec. IV (optional)
    K0 = 0.0
    M0 = 0.0

or through a canned model of :mod:`superionic.models`::

    model = "two_site_chain"
    [parameters]
    P0 = 0.3
    gamma = 0.4

Hops may also be given as explicit directed per-step ``probability`` values, and bonds can be
generated from neighbour shells (``[[shells]]`` with ``shell``, ``saddle``, optional ``cutoff`` in
Å and ``degeneracy``). Optional keys common to both forms: ``name``, ``description``, ``charge``
(Z in e), ``cell_volume`` (Å^3 per cell of the 3D crystal, needed for conductivities of 1D and 2D
models) and a ``[kpath]`` table (``points``: labels -> fractional reciprocal coordinates,
``path``: a list of labels).

Every problem found is reported at once in a :class:`SpecError` that names the field by its dotted
path (``hops[2].probability``), the value found and what is allowed. Unknown keys are errors
(a misspelt key never passes silently), and so are ``nan`` and ``inf``.

Datasets are written to NetCDF with the h5netcdf engine (complex variables split into
``<name>_real`` and ``<name>_imag`` and joined again on reading) and to CSV.
"""

from __future__ import annotations

import inspect
import json
import math
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import xarray as xr
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import models as _models
from .errors import ModelError
from .hops import Hop
from .lattice import Lattice, Site
from .model import HoppingModel, Interactions

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
    "load_model",
    "model_to_toml",
    "parse_spec",
    "read_netcdf",
    "read_spec",
    "spec_to_model",
    "write_csv",
    "write_model",
    "write_netcdf",
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
            lattice, hops, tau=spec.tau, filling=spec.filling, interactions=interactions
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
    """Build the :class:`~superionic.model.HoppingModel` a validated spec declares.

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


# =========================================================================== parse / read
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


def read_spec(path: str | Path) -> ModelSpec:
    """Read and validate a TOML model spec file (see the module docstring for the format).

    Raises
    ------
    SpecError
        For a malformed TOML file (with the line) or an invalid spec (with the fields).
    FileNotFoundError
        When the file does not exist.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    return parse_spec(text, source=str(path))


def load_model(path: str | Path) -> HoppingModel:
    """Read a TOML model spec and return the :class:`~superionic.model.HoppingModel`."""
    return spec_to_model(read_spec(path))


# =========================================================================== write specs
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


def write_model(model: HoppingModel, path: str | Path, **kwargs) -> Path:
    """Write ``model`` as an explicit TOML spec (keywords as in :func:`model_to_toml`)."""
    path = Path(path)
    path.write_text(model_to_toml(model, **kwargs), encoding="utf-8")
    return path


# =========================================================================== datasets
_COMPLEX_PART = "complex_part"
_COMPLEX_OF = "complex_of"
_JSON_ATTRS = "json_attrs"


def _clean_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """Attributes NetCDF can hold: numbers, strings, numeric arrays; the rest as JSON text."""
    out: dict[str, Any] = {}
    as_json: list[str] = []
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, bool | np.bool_):
            out[key] = int(value)
        elif isinstance(value, str | int | float | np.integer | np.floating):
            out[key] = value
        elif isinstance(value, list | tuple | np.ndarray) and np.asarray(value).dtype.kind in "iuf":
            out[key] = np.asarray(value)
        else:
            out[key] = json.dumps(value, default=_json_default)
            as_json.append(key)
    if as_json:
        out[_JSON_ATTRS] = json.dumps(as_json)
    return out


def _json_default(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _restore_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(attrs)
    names = out.pop(_JSON_ATTRS, None)
    if names is not None:
        for key in json.loads(names):
            if key in out:
                out[key] = json.loads(out[key])
    return out


def _split_complex(ds: xr.Dataset) -> xr.Dataset:
    ds = ds.copy()
    for name in list(ds.data_vars) + [c for c in ds.coords if c not in ds.dims]:
        var = ds[name]
        if not np.iscomplexobj(var.values):
            continue
        is_coord = name in ds.coords
        parts = {}
        for part, values in (("real", var.values.real), ("imag", var.values.imag)):
            attrs = {**var.attrs, _COMPLEX_PART: part, _COMPLEX_OF: name}
            parts[f"{name}_{part}"] = xr.Variable(var.dims, values, attrs)
        ds = ds.drop_vars(name)
        ds = ds.assign_coords(parts) if is_coord else ds.assign(parts)
    for name in ds.dims:
        if name in ds.coords and np.iscomplexobj(ds[name].values):
            raise ModelError(f"complex dimension coordinate {name!r} cannot be written")
    return ds


def _join_complex(ds: xr.Dataset) -> xr.Dataset:
    pairs: dict[str, dict[str, str]] = {}
    for name in ds.variables:
        part = ds[name].attrs.get(_COMPLEX_PART)
        base = ds[name].attrs.get(_COMPLEX_OF)
        if part in ("real", "imag") and base:
            pairs.setdefault(base, {})[part] = name
    for base, names in pairs.items():
        if set(names) != {"real", "imag"}:
            continue
        re, im = ds[names["real"]], ds[names["imag"]]
        is_coord = names["real"] in ds.coords
        attrs = {k: v for k, v in re.attrs.items() if k not in (_COMPLEX_PART, _COMPLEX_OF)}
        var = xr.Variable(re.dims, re.values + 1j * im.values, attrs)
        ds = ds.drop_vars([names["real"], names["imag"]])
        ds = ds.assign_coords({base: var}) if is_coord else ds.assign({base: var})
    return ds


def write_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    """Write a Dataset to NetCDF-4 (h5netcdf engine).

    Complex variables become ``<name>_real`` and ``<name>_imag`` (marked in their attributes, so
    :func:`read_netcdf` joins them again); booleans in attributes become integers and nested
    attributes JSON text.
    """
    path = Path(path)
    out = _split_complex(ds)
    out.attrs = _clean_attrs(out.attrs)
    for name in out.variables:
        out[name].attrs = _clean_attrs(out[name].attrs)
    out.to_netcdf(path, engine="h5netcdf")
    return path


def read_netcdf(path: str | Path) -> xr.Dataset:
    """Read a Dataset written by :func:`write_netcdf`, complex variables joined, in memory."""
    with xr.open_dataset(Path(path), engine="h5netcdf") as handle:
        ds = handle.load()
    ds = _join_complex(ds)
    ds.attrs = _restore_attrs(ds.attrs)
    for name in ds.variables:
        ds[name].attrs = _restore_attrs(ds[name].attrs)
    return ds


def write_csv(ds: xr.Dataset, path: str | Path, variables: list[str] | None = None) -> Path:
    """Write a Dataset as a CSV table (one row per point of the broadcast dimensions).

    Columns are named ``name [units]`` when a variable has a ``units`` attribute; complex
    variables are split into ``<name>_real`` and ``<name>_imag``.

    Parameters
    ----------
    ds : xarray.Dataset
    path : path
    variables : list of str, optional
        Only these data variables (default all).
    """
    path = Path(path)
    if variables is not None:
        missing = [v for v in variables if v not in ds.data_vars]
        if missing:
            raise ModelError(
                f"variables {missing} are not in the dataset; it has {list(ds.data_vars)}"
            )
        ds = ds[variables]
    flat = _split_complex(ds)
    units = {n: flat[n].attrs["units"] for n in flat.variables if "units" in flat[n].attrs}
    if flat.sizes:
        frame = flat.to_dataframe()
    else:
        import pandas as pd

        frame = pd.DataFrame({name: [flat[name].item()] for name in flat.data_vars})
    frame = frame.rename(columns={c: f"{c} [{units[c]}]" for c in frame.columns if units.get(c)})
    if frame.index.names and frame.index.names != [None]:
        frame.index = frame.index.set_names(
            [f"{n} [{units[n]}]" if units.get(n) else n for n in frame.index.names]
        )
    frame.to_csv(path)
    return path
