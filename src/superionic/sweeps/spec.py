"""The ``[sweep]`` table of a TOML model spec: task, grid, seed and task options, validated.

Example (a canned model; the other keys of the file declare the model as usual)::

    model = "interacting_honeycomb"
    cell_volume = 40.0
    [parameters]
    Lambda0 = 0.1
    K0 = 0.05

    [sweep]
    task = "simulation"          # "conductivity", "meanfield" or "simulation"
    seed = 1
    field_direction = [1.0, 0.0] # optional, for a "field" axis

    [sweep.grid]
    temperature = [500.0, 600.0, 700.0]               # a list of values
    K0 = { start = 0.0, stop = 0.1, num = 3 }         # or evenly spaced ("scale": "log")

    [sweep.options]              # fixed keywords of the task
    supercell = [16, 16]
    steps = 2000

Problems are reported all at once in a :class:`superionic.io.SpecError` naming the field by its
dotted path (``sweep.grid.K0.num``), the value found and what is allowed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import io as sio
from ..errors import ModelError


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, frozen=True)


class RangeSpec(_Strict):
    """Evenly spaced values: ``num`` points from ``start`` to ``stop`` (both included)."""

    start: float = Field(description="first value")
    stop: float = Field(description="last value")
    num: int = Field(ge=1, le=100000, description="number of values")
    scale: Literal["linear", "log"] = Field(default="linear", description="spacing")

    def values(self) -> list[float]:
        if self.scale == "log":
            if self.start <= 0 or self.stop <= 0:
                raise ModelError("a log-spaced range needs start > 0 and stop > 0")
            return np.geomspace(self.start, self.stop, self.num).tolist()
        return np.linspace(self.start, self.stop, self.num).tolist()


class ConductivityOptions(_Strict):
    """Options of the ``conductivity`` task."""

    charge: float | None = Field(default=None, description="ionic charge Z (default: the spec's)")
    cell_volume: float | None = Field(default=None, gt=0.0, description="Å^3 per cell")
    coupling: Literal["symmetric", "full"] = "symmetric"


class MeanfieldOptions(_Strict):
    """Options of the ``meanfield`` task."""

    method: Literal["engine", "closed-form"] = "engine"


class SimulationOptions(_Strict):
    """Options of the ``simulation`` task (keywords of :func:`superionic.simulate`)."""

    supercell: list[int] = Field(min_length=1, max_length=3, description="repeats per vector")
    steps: float = Field(gt=0.0, description="steps tau per replica (kmc: duration in tau)")
    replicas: int = Field(default=1, ge=1)
    engine: Literal["discrete", "kmc"] = "discrete"
    update: Literal["sequential", "parallel"] = "sequential"
    concerted: Literal["previous", "same"] = "previous"
    coupling: Literal["symmetric", "full"] = "symmetric"
    block: float | None = Field(default=None, gt=0.0, description="block length")
    warmup: float | Literal["auto"] = "auto"
    initial: Literal["random", "sublattice"] = "random"
    cell_volume: float | None = Field(default=None, gt=0.0, description="Å^3 per cell")
    charge: float | None = Field(default=None, description="ionic charge Z (default: the spec's)")


_OPTIONS = {"conductivity": ConductivityOptions, "meanfield": MeanfieldOptions,
            "simulation": SimulationOptions}


class SweepSpec(_Strict):
    """The ``[sweep]`` table (see the module docstring)."""

    task: Literal["conductivity", "meanfield", "simulation"] = Field(description="what to compute")
    grid: dict[str, list[float] | RangeSpec] = Field(min_length=1, description="axes")
    seed: int | None = Field(default=None, ge=0, description="root seed (simulation)")
    field_direction: list[float] | None = Field(default=None, min_length=1, max_length=3)
    options: dict[str, Any] = Field(default_factory=dict, description="task options")

    def grid_values(self) -> dict[str, list[float]]:
        return {k: v.values() if isinstance(v, RangeSpec) else list(v)
                for k, v in self.grid.items()}

    def task_options(self, model_spec=None) -> dict:
        """Validated task options (keywords of :func:`superionic.sweep`)."""
        opts = _OPTIONS[self.task].model_validate(self.options)
        out = {k: v for k, v in opts.model_dump().items() if v is not None}
        if self.task == "simulation":
            for k, default in SimulationOptions.model_fields.items():
                if k in out and out[k] == default.default and k not in self.options:
                    del out[k]
            out["supercell"] = tuple(opts.supercell)
        if self.task in ("conductivity", "simulation") and model_spec is not None:
            if "cell_volume" not in out and model_spec.cell_volume is not None:
                out["cell_volume"] = model_spec.cell_volume
            if "charge" not in out and model_spec.charge != 1.0:
                out["charge"] = model_spec.charge
        if self.field_direction is not None:
            out["field_direction"] = tuple(self.field_direction)
        return out


def _problems(exc: ValidationError, prefix: str) -> list:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith(("list[", "function")))
        path = f"{prefix}.{loc}" if loc else prefix
        out.append(sio.SpecProblem(path, err.get("input"), err["msg"]))
    return out


def parse_sweep_spec(data, *, source: str | None = None):
    """Split a parsed TOML mapping into (model spec, :class:`SweepSpec`), both validated."""
    data = dict(data)
    raw = data.pop("sweep", None)
    if raw is None:
        raise sio.SpecError([sio.SpecProblem("sweep", None, "the spec has no [sweep] table")],
                            source)
    model_spec = sio.parse_spec(data, source=source)
    try:
        spec = SweepSpec.model_validate(raw)
    except ValidationError as exc:
        raise sio.SpecError(_problems(exc, "sweep"), source) from None
    try:
        spec.task_options(model_spec)
    except ValidationError as exc:
        raise sio.SpecError(_problems(exc, "sweep.options"), source) from None
    problems = []
    for name, v in spec.grid.items():
        try:
            v.values() if isinstance(v, RangeSpec) else None
        except ModelError as exc:
            problems.append(sio.SpecProblem(f"sweep.grid.{name}", v.model_dump(), str(exc)))
    if spec.task == "simulation" and spec.seed is None:
        problems.append(sio.SpecProblem("sweep.seed", None, "required for the simulation task"))
    if problems:
        raise sio.SpecError(problems, source)
    return model_spec, spec


def read_sweep_spec(path):
    """Read a TOML model spec with a ``[sweep]`` table: (model spec, :class:`SweepSpec`)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        # the model-spec reader reports malformed TOML with its line; reuse it
        sio.parse_spec(text, source=str(path))
        raise
    return parse_sweep_spec(data, source=str(path))


def sweep_from_spec(model_spec, spec: SweepSpec, **kwargs):
    """Run the sweep a spec describes (keywords: ``executor``, ``store``, ``resume``,
    ``progress``, as in :func:`superionic.sweeps.sweep`)."""
    from .api import sweep

    return sweep(spec.task, model_spec, spec.grid_values(), seed=spec.seed,
                 **spec.task_options(model_spec), **kwargs)
