"""What one grid point computes: the exact conductivity, the mean field or the simulation.

:func:`run_point` is the function an executor's workers call (a module-level function, so any
executor can pickle it). It builds the point's model from the *model source*:

* a :class:`~superionic.model.HoppingModel` (fixed; only run variables may vary);
* a callable ``factory(**parameters) -> HoppingModel`` (the grid's model parameters are its
  keywords; fixed ones can be bound with :func:`functools.partial`);
* a validated model spec of :mod:`superionic.io` (a canned spec's ``parameters`` by their bare
  names, or any dotted path of the spec such as ``interactions.K0`` or ``sites.1.energy``).

Every task returns an :class:`xarray.Dataset` of fixed shape whatever the point, with units in the
variables' attrs and nothing that depends on the wall clock.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .. import io as sio
from .. import meanfield
from ..errors import ModelError
from ..lattice import HoppingModel
from ..simulation import simulate
from ..transport import conductivity_tensor, diffusion_tensor, drift_velocity, mobility_tensor

TASKS = ("conductivity", "meanfield", "simulation")
AXES = ("x", "y", "z")

#: simulate() attributes that vary from point to point: kept as data variables of the sweep.
SIMULATION_FACTS = ("hops", "attempts", "saturated_attempts", "max_out_probability", "n_ions",
                    "in_domain", "warmup_steps", "measured_blocks")


def _set_path(data, path: str, value) -> None:
    keys = path.split(".")
    node = data
    for k, key in enumerate(keys):
        last = k == len(keys) - 1
        if isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                raise ModelError(f"grid name {path!r}: {key!r} is not an index of a list of "
                                 f"{len(node)} in the spec")
            if last:
                node[int(key)] = value
            else:
                node = node[int(key)]
        elif isinstance(node, dict):
            if last:
                node[key] = value
            else:
                if node.get(key) is None:
                    node[key] = {}
                node = node[key]
        else:
            raise ModelError(f"grid name {path!r}: the spec has no field {key!r} there")


def build_model(source, parameters: dict) -> HoppingModel:
    """The model of one grid point (see the module docstring for the sources)."""
    if isinstance(source, HoppingModel):
        if parameters:
            raise ModelError(
                f"grid names {sorted(parameters)} are model parameters, but the model is a fixed "
                "HoppingModel; pass a model factory or a spec to sweep them (run variables: "
                "temperature, field, filling)"
            )
        return source
    if isinstance(source, sio.CannedSpec | sio.ExplicitSpec):
        data = source.model_dump(exclude_none=True)
        for name, value in parameters.items():
            path = name
            if isinstance(source, sio.CannedSpec) and "." not in name:
                path = f"parameters.{name}"
            _set_path(data, path, float(value) if isinstance(source, sio.CannedSpec)
                      or isinstance(value, float) else value)
        return sio.spec_to_model(sio.parse_spec(data))
    if callable(source):
        try:
            model = source(**parameters)
        except TypeError as exc:
            raise ModelError(f"model factory rejected the grid parameters {sorted(parameters)}: "
                             f"{exc}") from None
        if not isinstance(model, HoppingModel):
            raise ModelError(f"model factory returned {type(model).__name__}, not a HoppingModel")
        return model
    raise ModelError(
        f"model must be a HoppingModel, a factory returning one, or a model spec; got "
        f"{type(source).__name__}"
    )


def _with_filling(model: HoppingModel, filling) -> HoppingModel:
    if filling is None:
        return model
    return HoppingModel(model.lattice, model.hops, tau=model.tau, filling=float(filling),
                        interactions=model.interactions)


def field_vector(model: HoppingModel, magnitude, direction) -> np.ndarray | None:
    """Reduced field vector (1/Å) of magnitude ``magnitude`` along ``direction`` (default x)."""
    if magnitude is None:
        return None
    if direction is None:
        u = np.zeros(model.dim)
        u[0] = 1.0
    else:
        u = np.asarray(direction, dtype=float).reshape(-1)
        norm = float(np.linalg.norm(u)) if u.size == model.dim else 0.0
        if u.size != model.dim or not np.isfinite(norm) or norm == 0.0:
            raise ModelError(f"field_direction must be a non-zero vector with {model.dim} "
                             f"component(s), got {direction!r}")
        u = u / norm
    return float(magnitude) * u


def _conductivity(model, run, options) -> xr.Dataset:
    allowed = {"charge", "cell_volume", "coupling", "field_direction"}
    _check_options("conductivity", options, allowed)
    temperature = run.get("temperature")
    if model.requires_temperature and temperature is None:
        raise ModelError("the model is declared by energies: the grid (or the options) must "
                         "give a temperature (K)")
    t_model = temperature if model.requires_temperature else None
    coupling = options.get("coupling", "symmetric")
    axes = list(AXES[: model.dim])
    units = "angstrom^2 / tau"
    f = field_vector(model, run.get("field"), options.get("field_direction"))
    data = {
        "diffusion": (("direction", "direction2"), diffusion_tensor(model, temperature=t_model),
                      {"units": units, "long_name": "diffusion tensor at zero field (Eq. 27)"}),
        "mobility": (("direction", "direction2"),
                     mobility_tensor(model, coupling=coupling, temperature=t_model, field=f),
                     {"units": units, "long_name": "reduced mobility dv/df (differential at the "
                                                   "field)"}),
        "drift_velocity": (("direction",), np.zeros(model.dim) if f is None else
                           drift_velocity(model, field=f, coupling=coupling, temperature=t_model),
                           {"units": "angstrom / tau", "long_name": "drift velocity per ion"}),
    }
    cell_volume = options.get("cell_volume")
    if temperature is not None and (cell_volume is not None or model.dim == 3):
        sigma = conductivity_tensor(model, temperature=temperature,
                                    charge=options.get("charge", 1.0), cell_volume=cell_volume,
                                    coupling=coupling, filling=model.filling)
        data["conductivity"] = (("direction", "direction2"), sigma,
                                {"units": "S/cm", "long_name": "weak-field conductivity"})
    return xr.Dataset(data, coords={"direction": axes, "direction2": axes})


def _meanfield(model, run, options) -> xr.Dataset:
    _check_options("meanfield", options, {"method"})
    if run.get("field") is not None:
        raise ModelError("the mean-field task has no field: remove 'field' from the grid")
    temperature = run.get("temperature")
    if temperature is None:
        raise ModelError("the mean-field task needs a temperature (K) in the grid")
    sols = meanfield.solve(model, temperature=temperature, method=options.get("method", "engine"))
    ok = [s for s in sols.solutions if s.stable and s.valid]
    best = max(ok, key=lambda s: s.gamma) if ok else None
    nan = float("nan")
    data = {
        "gamma": ((), best.gamma if best else nan,
                  {"units": "1", "long_name": "polarization of the stable branch (largest gamma; "
                                              "NaN where stable_exists is False)"}),
        "P0": ((), best.P0 if best else nan,
               {"units": "1", "long_name": "mean hop probability per step of the stable branch"}),
        "stable_exists": ((), best is not None,
                          {"long_name": "a stable solution inside the model's domain exists"}),
        "n_solutions": ((), len(sols.solutions), {"long_name": "self-consistent solutions"}),
        "n_stable": ((), len(ok), {"long_name": "stable valid solutions"}),
    }
    return xr.Dataset(data)


def _simulation(model, run, options, seed) -> xr.Dataset:
    if seed is None:
        raise ModelError("the simulation task needs a seed (int or SeedSequence)")
    opts = dict(options)
    direction = opts.pop("field_direction", None)
    for key in ("temperature", "field", "filling", "seed", "executor", "progress", "checkpoint"):
        if key in opts:
            raise ModelError(f"option {key!r} is set by the sweep itself; put temperature, field "
                             "or filling in the grid")
    ds = simulate(model, temperature=run.get("temperature"),
                  field=field_vector(model, run.get("field"), direction), filling=None,
                  seed=seed, executor="inline", progress=False, **opts)
    for name in SIMULATION_FACTS:
        ds[name] = ((), np.asarray(ds.attrs.pop(name)).item())
    ds.attrs.pop("wall_time", None)
    ds.attrs.pop("seed_entropy", None)
    return ds


def _check_options(task, options, allowed) -> None:
    extra = sorted(set(options) - allowed)
    if extra:
        raise ModelError(f"task {task!r} takes the options {sorted(allowed)}; got {extra}")


def run_point(task: str, source, point: dict, options: dict, seed=None) -> xr.Dataset:
    """Compute one grid point.

    Parameters
    ----------
    task : {"conductivity", "meanfield", "simulation"}
    source : HoppingModel, callable or model spec
    point : dict
        The grid point, ``{name: value}`` (run variables and model parameters).
    options : dict
        Fixed keywords of the task (``conductivity``: ``charge``, ``cell_volume``, ``coupling``,
        ``field_direction``; ``meanfield``: ``method``; ``simulation``: the keywords of
        :func:`superionic.simulate` other than the run variables, plus ``field_direction``).
    seed : numpy.random.SeedSequence, optional
        The point's seed (simulation).
    """
    if task not in TASKS:
        raise ModelError(f"task must be one of {TASKS}, got {task!r}")
    from .grid import RUN_VARIABLES

    run = {k: v for k, v in point.items() if k in RUN_VARIABLES}
    params = {k: v for k, v in point.items() if k not in RUN_VARIABLES}
    model = _with_filling(build_model(source, params), run.get("filling"))
    if task == "conductivity":
        return _conductivity(model, run, options)
    if task == "meanfield":
        return _meanfield(model, run, options)
    return _simulation(model, run, options, seed)
