"""Public entry points: :func:`simulate` (one parameter point) and :func:`simulate_many`."""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
import xarray as xr

from .._validate import check_memory, finite_float, int_tuple, positive_temperature
from ..errors import DomainWarning, ModelError, ShortRunWarning, show
from ..lattice import HoppingModel, coupling_factor
from ..transport import mobility_to_conductivity
from . import observables as obs
from .engine import CONCERTED_MODES, UPDATES
from .kernels import A_ATTEMPTS, A_CONFLICTS, A_HOPS, A_MAXOUT, A_SATURATED
from .runner import RunSpec, run_tasks
from .supercell import sublattice_signs

ENGINES = ("discrete", "kmc")
AXES = ("x", "y", "z")

#: Fewest measured blocks (after the warm-up) for an error bar; with fewer, the standard errors
#: are NaN (not 0, which would read as an exact measurement).
MIN_MEASURED_BLOCKS = 2


def simulation_memory_bytes(n_sites: int, n_ions: int, dim: int, *, engine: str = "discrete",
                            replicas: int = 1) -> int:
    """Estimated peak bytes of the state of a simulation (all replicas held at once).

    Per site: the occupation and vacancy bytes, the uint16 site code and an int64 index used
    while the ions are placed (kmc adds the site-to-ion int32 map); per ion: its site (int32),
    unit-cell counters (int16 per direction) and flags (kmc adds its rate and the rate tree,
    float64). The per-block accumulators are negligible next to these.
    """
    per_site = 1 + 1 + 2 + 8 + (4 if engine == "kmc" else 0)
    per_ion = 4 + 2 * dim + 2 + (16 if engine == "kmc" else 0)
    return int(max(1, replicas) * (per_site * int(n_sites) + per_ion * int(n_ions)))



def _default_lags(block: float, integer: bool) -> tuple:
    if integer:
        lags = np.unique(np.round(np.geomspace(1, block, 12)).astype(int))
        return tuple(int(x) for x in lags)
    return tuple(float(x) for x in np.geomspace(block / 1000.0, block, 12))


def _check_seed(seed) -> None:
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ModelError(
            f"seed must be a non-negative integer or a numpy SeedSequence, got {show(seed)}"
        )


def _prepare(model, *, temperature, field, filling, supercell, steps, seed, coupling, engine,
             update, concerted, replicas, block, lags, warmup, initial, sublattice,
             checkpoint_interval):
    if not isinstance(model, HoppingModel):
        raise ModelError(f"model must be a HoppingModel, got {type(model).__name__}")
    if engine not in ENGINES:
        raise ModelError(f"engine must be one of {ENGINES}, got {engine!r}")
    if update not in UPDATES:
        raise ModelError(f"update must be one of {sorted(UPDATES)}, got {update!r}")
    if concerted not in CONCERTED_MODES:
        raise ModelError(f"concerted must be one of {sorted(CONCERTED_MODES)}, got {concerted!r}")
    coupling_factor(coupling)
    if initial not in ("random", "sublattice"):
        raise ModelError(f"initial must be 'random' or 'sublattice', got {initial!r}")
    if seed is None:
        raise ModelError("seed is required (an int or a numpy SeedSequence): runs are reproducible")
    _check_seed(seed)
    if temperature is not None:
        temperature = float(positive_temperature(temperature))
    reps = int_tuple("supercell", supercell, model.dim)
    if any(r < 1 for r in reps):
        raise ModelError(
            f"supercell repeats must be >= 1 along every lattice vector, got {show(reps)}"
        )
    n_cells = math.prod(reps)
    n0 = model.filling if filling is None else finite_float(
        "filling (ions per cell)", filling, minimum=0.0, strict_min=True,
        maximum=float(model.n_sites))
    n_ions = round(n0 * n_cells)
    n_sites = n_cells * model.n_sites
    if not 1 <= n_ions <= n_sites:
        raise ModelError(
            f"filling {show(n0)} ions per cell on {n_cells} cells gives {n_ions} ions; a "
            f"simulation needs between 1 and {n_sites} ions (one per site at most): raise the "
            "filling or the supercell"
        )
    if field is not None:
        f = np.asarray(field, dtype=float).reshape(-1)
        if f.shape != (model.dim,) or not np.all(np.isfinite(f)):
            raise ModelError(
                f"field must be a finite reduced-field vector (1/Å) with {model.dim} "
                f"component(s), got {show(field)}"
            )
        field = tuple(float(x) for x in f)
        if not any(field):
            field = None
    steps = finite_float("steps", steps, minimum=0.0, strict_min=True)
    replicas = int(replicas)
    if replicas < 1:
        raise ModelError(f"replicas must be >= 1, got {replicas}")
    check_memory(
        simulation_memory_bytes(n_sites, n_ions, model.dim, engine=engine, replicas=replicas),
        what=f"a simulation of {replicas} replica(s) of {n_sites} sites and {n_ions} ions",
        advice="use a smaller supercell or fewer replicas",
    )
    sign, defined = sublattice_signs(model, sublattice)
    max_cell = max(1, max((abs(c) for h in model.hops for c in (h.cell or (0,))), default=1))
    integer = engine == "discrete"
    if integer:
        steps = int(steps)
        if steps != finite_float("steps", steps):
            raise ModelError("steps must be an integer for engine='discrete'")
        cap = 32000 // max_cell
        if block is None:
            block = max(1, min(cap, steps // 50 if steps >= 100 else steps // 4 or 1))
        block = int(block)
        if not 1 <= block <= cap:
            raise ModelError(f"block must be in 1..{cap} steps (tracer cells are int16), got "
                             f"{block}")
        n_blocks = steps // block
    else:
        if block is None:
            block = steps / 50.0
        block = finite_float("block (tau)", block, minimum=0.0, strict_min=True)
        n_blocks = math.floor(steps / block + 1e-9)
    if n_blocks < 1:
        raise ModelError(f"steps={steps} is shorter than one block ({block})")
    if lags is None:
        lags = _default_lags(block, integer)
    lags = tuple(sorted(set(int(x) if integer else float(x) for x in lags)))
    if not lags or lags[0] <= 0 or lags[-1] != block:
        lags = (*tuple(x for x in lags if 0 < x < block), block)
    if warmup == "auto":
        warm = "auto"
    else:
        w = finite_float("warmup (steps)", warmup, minimum=0.0)
        warm = math.ceil(w / block - 1e-9)
        if warm >= n_blocks:
            raise ModelError(f"warmup={warmup} leaves no block to measure ({n_blocks} blocks)")
    spec = RunSpec(
        model=model, temperature=temperature, field=field, coupling=coupling, repeats=reps,
        n_ions=n_ions, engine=engine, update=update, concerted=concerted, n_blocks=n_blocks,
        block=block, lags=lags, sign=tuple(float(x) for x in sign), initial=initial,
        checkpoint_interval=float(checkpoint_interval),
    )
    if isinstance(seed, np.random.SeedSequence):
        ss = seed
    else:
        ss = np.random.SeedSequence(seed)
    children = ss.spawn(replicas)
    return spec, children, {"warmup": warm, "polarization_defined": defined, "filling": n0,
                            "seed_entropy": str(ss.entropy)}


def _dataset(spec: RunSpec, results: list[dict], meta: dict, *, cell_volume, charge,
             wall_time: float) -> xr.Dataset:
    dim = spec.model.dim
    n = spec.n_ions
    tau = spec.model.tau
    warm_list, accs, firsts, seconds, halves = [], [], [], [], []
    for res in results:
        acc = res["acc"]
        w = obs.warmup_blocks(acc, n) if meta["warmup"] == "auto" else int(meta["warmup"])
        warm_list.append(w)
        accs.append(acc[w:])
        firsts.append(res["first"][w:])
        seconds.append(res["second"][w:])
        halves.append(res["fluct"][w:])
    acc = np.concatenate(accs)
    lengths = [a.shape[0] for a in accs]
    est = obs.block_estimates(
        acc, np.concatenate(firsts), np.concatenate(seconds), np.concatenate(halves), n_ions=n,
        block=spec.block, lags=spec.lags, subtract_drift=True,
        slab_fraction=results[0]["slab_fraction"], lengths=lengths,
    )
    axes = list(AXES[:dim])
    data: dict = {}
    units_v = "angstrom / tau"
    units_d = "angstrom^2 / tau"

    def put(name, dims, pair, units, long_name):
        if isinstance(pair, obs.Estimate):
            pair = pair.pair
        val, err = pair
        data[name] = (dims, np.asarray(val, dtype=float), {"units": units, "long_name": long_name})
        data[name + "_stderr"] = (dims, np.asarray(err, dtype=float),
                                  {"units": units, "long_name": "standard error of " + name})

    put("drift_velocity", ("direction",), est["drift_velocity"], units_v, "drift velocity per ion")
    put("polarization", (), est["polarization"], "1", "sublattice polarization gamma")
    put("polarization_abs", (), est["polarization_abs"], "1", "mean |gamma|")
    put("binder_cumulant", (), est["binder_cumulant"], "1", "1 - <g^4> / (3 <g^2>^2)")
    put("hop_probability", (), est["hop_probability"], "1 / tau",
        "executed hops per ion per step")
    put("tracer_diffusion", (), est["tracer_diffusion"], units_d, "tracer diffusion (trace/dim)")
    put("jump_diffusion", (), est["jump_diffusion"], units_d,
        "jump (Einstein-Helfand, charge) diffusion per ion (trace/dim)")
    put("thermodynamic_factor", (), est["thermodynamic_factor"], "1",
        "<N_v>(1 - v/V) / Var(N_v) over slabs of the supercell")
    put("collective_diffusion", (), est["collective_diffusion"], units_d,
        "collective (chemical) diffusion = thermodynamic factor x jump diffusion (trace/dim)")
    put("tracer_diffusion_tensor", ("direction", "direction2"), est["tracer_diffusion_tensor"],
        units_d, "tracer diffusion tensor")
    put("jump_diffusion_tensor", ("direction", "direction2"),
        est["jump_diffusion_tensor"], units_d, "jump (Einstein-Helfand) diffusion tensor per ion")
    put("collective_diffusion_tensor", ("direction", "direction2"),
        est["collective_diffusion_tensor"], units_d, "collective (chemical) diffusion tensor")
    put("haven_ratio", (), est["haven_ratio"], "1", "tracer / jump diffusion")
    put("msd_tracer", ("lag",), est["msd_tracer"], "angstrom^2", "tracer mean-square displacement")
    put("msd_collective", ("lag",), est["msd_collective"], "angstrom^2",
        "collective mean-square displacement / N")
    c = coupling_factor(spec.coupling)
    d_c, d_c_err = est["jump_diffusion_tensor"].pair
    put("mobility_einstein_helfand", ("direction", "direction2"),
        (2 * c * d_c, 2 * c * d_c_err), units_d,
        "reduced mobility dv/df from the jump diffusion (Nernst-Einstein)")
    reported = ["drift_velocity", "hop_probability", "polarization", "polarization_abs",
                "binder_cumulant", "tracer_diffusion", "jump_diffusion", "thermodynamic_factor",
                "collective_diffusion", "haven_ratio"]
    if spec.field is not None:
        f = np.asarray(spec.field)
        fn = float(np.linalg.norm(f))
        drift = est["drift_velocity"]
        # projection of the per-block drift on the field: one series, one error analysis
        mob = obs.estimate_from_series(np.sum(drift.series * f, axis=-1) / fn**2, lengths)
        est["mobility"] = mob
        reported.append("mobility")
        put("mobility", (), mob, units_d, "reduced mobility v.f / |f|^2")
    if cell_volume is not None and spec.temperature is not None:
        filling = n / (results[0]["n_cells"])
        kw = dict(temperature=spec.temperature, charge=charge, filling=filling,
                  cell_volume=cell_volume, tau=tau)
        if spec.field is not None:
            put("conductivity", (), (
                float(mobility_to_conductivity(data["mobility"][1], **kw)),
                float(mobility_to_conductivity(data["mobility_stderr"][1], **kw)),
            ), "S/cm", "conductivity from the drift along the field")
        eh = 2 * c * float(est["jump_diffusion"].value)
        eh_err = 2 * c * float(est["jump_diffusion"].stderr)
        put("conductivity_einstein_helfand", (), (
            float(mobility_to_conductivity(eh, **kw)),
            float(mobility_to_conductivity(eh_err, **kw)),
        ), "S/cm", "conductivity from the jump diffusion (Einstein-Helfand)")
    taus = np.array([est[k].summary_tau() for k in reported])
    indep = np.array([est[k].independent_blocks() for k in reported])
    data["autocorrelation_time"] = (
        ("observable",), taus,
        {"units": "blocks", "long_name": "integrated autocorrelation time of the block series "
         "(Gamma method); 1/2 for independent blocks"})
    data["independent_blocks"] = (
        ("observable",), indep,
        {"units": "1", "long_name": "measured blocks / (2 autocorrelation time)"})
    short = [k for k, m in zip(reported, indep, strict=True)
             if np.isfinite(m) and m < obs.MIN_INDEPENDENT_BLOCKS
             and np.isfinite(est[k].summary_tau())]
    if acc.shape[0] < 2:
        short = list(reported)
    message = ""
    if short:
        worst = float(np.nanmax(taus)) if np.isfinite(taus).any() else np.nan
        message = (
            f"fewer than {obs.MIN_INDEPENDENT_BLOCKS:g} independent blocks for "
            f"{', '.join(short)} ({acc.shape[0]} measured blocks of {spec.block:g} tau, "
            f"autocorrelation time up to {worst:.3g} blocks): their error bars are unreliable; "
            "run longer (more blocks) or with longer blocks"
        )
        warnings.warn(message, ShortRunWarning, stacklevel=4)
    n_blocks = spec.n_blocks
    per_rep = np.array([r["acc"] for r in results])  # (replica, block, acc)
    samples = np.maximum(per_rep[..., 6], 1e-300)
    data["block_hop_probability"] = (("replica", "block"), per_rep[..., A_HOPS] / samples / n,
                                     {"long_name": "hop probability per block (warm-up incl.)"})
    data["block_polarization"] = (("replica", "block"), per_rep[..., 2] / samples,
                                  {"long_name": "polarization per block (warm-up incl.)"})
    data["warmup_blocks"] = (("replica",), np.array(warm_list), {"long_name": "blocks dropped"})
    attempts = float(sum(r["acc"][:, A_ATTEMPTS].sum() for r in results))
    hops = float(sum(r["acc"][:, A_HOPS].sum() for r in results))
    if spec.engine == "kmc":
        attempts = hops
    lag_vals = np.asarray(spec.lags, dtype=float)
    coords = {
        "direction": axes,
        "direction2": axes,
        "lag": ("lag", lag_vals, {"units": "tau", "long_name": "time since the block origin"}),
        "replica": np.arange(len(results)),
        "observable": reported,
        "block": np.arange(n_blocks),
    }
    attrs = {
        "attempts": attempts,
        "hops": hops,
        "wall_time": wall_time,
        "engine": spec.engine,
        "update": spec.update,
        "concerted": spec.concerted,
        "coupling": spec.coupling,
        "temperature": np.nan if spec.temperature is None else spec.temperature,
        "field": np.zeros(dim) if spec.field is None else np.asarray(spec.field),
        "supercell": np.asarray(spec.repeats),
        "n_sites": results[0]["n_sites"],
        "n_ions": n,
        "filling": n / results[0]["n_cells"],
        "block": spec.block,
        "n_blocks": n_blocks,
        "replicas": len(results),
        "warmup_steps": float(np.mean(warm_list)) * spec.block,
        "measured_blocks": int(acc.shape[0]),
        "reliable_error_bars": int(not short),
        "error_bar_warning": message,
        "saturated_attempts": float(sum(r["acc"][:, A_SATURATED].sum() for r in results)),
        "max_out_probability": _measured_max_out(results),
        "max_out_probability_table": results[0]["max_out_probability_table"],
        "in_domain": int(results[0]["in_domain"]),
        "conflicts": float(sum(r["acc"][:, A_CONFLICTS].sum() for r in results)),
        "bytes_per_site": results[0]["bytes_per_site"],
        "polarization_defined": int(meta["polarization_defined"]),
        "seed_entropy": meta["seed_entropy"],
        "tau_s": tau,
        "time_unit": "tau (one step)",
        "K0_eV": spec.model.interactions.repulsion,
        "M0_eV": spec.model.interactions.concerted,
    }
    measured_hops = float(acc[:, A_HOPS].sum())
    if acc.shape[0] == 0 or measured_hops == 0:
        why = ("no block is left after the warm-up" if acc.shape[0] == 0
               else "no hop was executed in the measured blocks")
        attrs["measured"] = 0
        attrs["status"] = (
            f"too short to measure: {why} (more steps, a longer block or a larger supercell); "
            "the estimates are NaN"
        )
        _fill_nan(data, stderr_only=False)
    elif acc.shape[0] < MIN_MEASURED_BLOCKS:
        attrs["measured"] = 1
        attrs["status"] = (
            f"{acc.shape[0]} block measured after the warm-up: no error bar (at least "
            f"{MIN_MEASURED_BLOCKS} blocks are needed; use a block shorter than the run); the "
            "standard errors are NaN"
        )
        _fill_nan(data, stderr_only=True)
    else:
        attrs["measured"] = 1
        attrs["status"] = "ok"
    if not attrs["in_domain"]:
        attrs["domain"] = _domain_text(attrs["max_out_probability_table"],
                                       attrs["saturated_attempts"])
        attrs["status"] = (attrs["domain"] if attrs["status"] == "ok"
                           else f"{attrs['status']}; {attrs['domain']}")
    else:
        attrs["domain"] = "inside the discrete-time domain"
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _fill_nan(data: dict, *, stderr_only: bool) -> None:
    """Set the estimates (or only their standard errors) to NaN: not measured."""
    for name, (dims, values, var_attrs) in list(data.items()):
        base = name.removesuffix("_stderr")
        if base in _ESTIMATES and (name != base or not stderr_only):
            data[name] = (dims, np.full_like(values, np.nan), var_attrs)


#: Variables set to NaN when the run is too short to measure anything.
_ESTIMATES = (
    "drift_velocity", "polarization", "polarization_abs", "binder_cumulant", "hop_probability",
    "tracer_diffusion", "jump_diffusion", "thermodynamic_factor", "collective_diffusion",
    "tracer_diffusion_tensor", "jump_diffusion_tensor", "collective_diffusion_tensor",
    "haven_ratio", "msd_tracer", "msd_collective", "mobility_einstein_helfand", "mobility",
    "conductivity", "conductivity_einstein_helfand",
)


def _domain_text(max_out_table: float, saturated: float) -> str:
    return (
        f"outside the discrete-time domain: a site's total out-probability reaches "
        f"{max_out_table:.4g} > 1 in the hop table, so {saturated:.0f} attempt(s) had their "
        "probabilities scaled down to sum to one and the rates differ from the model's "
        "(lower the temperature, raise the saddles or use a smaller tau)"
    )


def _measured_max_out(results: list[dict]) -> float:
    """Largest total out-probability met by the engine, NaN when never measured: the fast path
    (a table bound <= 1) does not evaluate the total, so 0 there means "not measured"."""
    value = float(max(r["acc"][:, A_MAXOUT].max() for r in results))
    return value if value > 0.0 else float("nan")


def simulate_many(points, *, executor=None, progress=False, checkpoint=None,
                  cell_volume=None, charge: float = 1.0, **common) -> list[xr.Dataset]:
    """Run several parameter points (and their replicas) through one executor.

    Parameters
    ----------
    points : sequence of dict
        Per-point keyword overrides of :func:`simulate` (for example ``{"temperature": 500}``);
        ``common`` holds the shared keywords (``model``, ``supercell``, ``steps``, ``seed``, ...).
        Point k uses the seed ``SeedSequence(seed).spawn(len(points))[k]`` unless it sets its own.

    Returns
    -------
    list of xarray.Dataset, one per point (as :func:`simulate` returns).
    """
    points = list(points)
    base_seed = common.get("seed")
    if base_seed is None and not all("seed" in p for p in points):
        raise ModelError("seed is required (an int or a numpy SeedSequence)")
    _check_seed(base_seed)
    if base_seed is not None:
        root = base_seed if isinstance(base_seed, np.random.SeedSequence) else \
            np.random.SeedSequence(base_seed)
        point_seeds = root.spawn(len(points))
    else:
        point_seeds = [None] * len(points)
    prepared, tasks = [], []
    for k, p in enumerate(points):
        kw = {**common, **p}
        if "seed" not in p:
            kw["seed"] = point_seeds[k]
        kw.setdefault("coupling", "symmetric")
        for key, default in (("engine", "discrete"), ("update", "sequential"),
                             ("concerted", "previous"), ("replicas", 1), ("block", None),
                             ("lags", None), ("warmup", "auto"), ("initial", "random"),
                             ("sublattice", None), ("checkpoint_interval", 60.0),
                             ("temperature", None), ("field", None), ("filling", None)):
            kw.setdefault(key, default)
        model = kw.pop("model")
        spec, children, meta = _prepare(model, **kw)
        prepared.append((spec, meta, len(tasks), len(children)))
        for r, child in enumerate(children):
            ck = None
            if checkpoint is not None:
                from pathlib import Path

                d = Path(checkpoint)
                d.mkdir(parents=True, exist_ok=True)
                ck = str(d / f"point{k:04d}-replica{r:04d}.npz")
            tasks.append((spec, child, ck))
    t0 = time.perf_counter()
    results = run_tasks(tasks, executor=executor, progress=progress)
    wall = time.perf_counter() - t0
    out = []
    for spec, meta, start, count in prepared:
        out.append(_dataset(spec, results[start : start + count], meta, cell_volume=cell_volume,
                            charge=charge, wall_time=wall if len(prepared) == 1 else
                            float(sum(r["wall_time"] for r in results[start : start + count]))))
    for ds in out:
        if not ds.attrs["in_domain"]:
            warnings.warn(ds.attrs["domain"], DomainWarning, stacklevel=3)
    return out


def simulate(
    model: HoppingModel,
    *,
    temperature=None,
    field=None,
    filling=None,
    supercell,
    steps,
    seed,
    coupling: str = "symmetric",
    engine: str = "discrete",
    update: str = "sequential",
    concerted: str = "previous",
    replicas: int = 1,
    block=None,
    lags=None,
    warmup="auto",
    initial: str = "random",
    sublattice=None,
    cell_volume=None,
    charge: float = 1.0,
    executor=None,
    progress=False,
    checkpoint=None,
    checkpoint_interval: float = 60.0,
) -> xr.Dataset:
    """Many-body stochastic simulation of a hopping model on a periodic supercell.

    Samples exactly the microscopic rules of the model (hard exclusion, K0 repulsion, M0
    concerted hopping and the field coupling of :mod:`superionic.lattice.hops`), with the geometry
    of
    :func:`superionic.lattice.neighbours.interaction_tables` that the mean field also uses.

    Parameters
    ----------
    model : HoppingModel
    temperature : float, optional
        K; required for energy-declared models and whenever K0 or M0 is non-zero.
    field : array_like (dim,), optional
        Reduced field f = Z E / kB T in 1/Å.
    filling : float, optional
        Ions per primitive cell (overrides ``model.filling``); rounded to a whole number of ions.
    supercell : sequence of int
        Repeats of the primitive cell along each lattice vector.
    steps : int or float
        Steps tau per replica (warm-up included); with ``engine="kmc"`` the duration in units of
        tau.
    seed : int or numpy.random.SeedSequence
        Replica k runs with ``SeedSequence(seed).spawn(replicas)[k]``.
    coupling : {"symmetric", "full"}
    engine : {"discrete", "kmc"}
        Discrete-time Monte Carlo in the step tau, or rejection-free continuous-time kinetic Monte
        Carlo with rates P / tau (memoryless models, M0 = 0).
    update : {"sequential", "parallel"}
        Update scheme of the discrete-time engine (:mod:`.kernels`).
    concerted : {"previous", "same"}
        Whether the M0 boost acts in the step after the partner hop or within the same step.
    replicas : int
        Independent replicas (pooled for the error bars).
    block : int or float, optional
        Block length (steps, or tau for kmc); default ``steps / 50``. Each block is a new time
        origin for the mean-square displacements and one sample for the error bars.
    lags : sequence, optional
        Offsets inside a block at which mean-square displacements are recorded (default 12
        log-spaced values up to the block length).
    warmup : "auto" or number
        Warm-up to drop: detected by MSER on the block series (default) or given in steps.
    initial : {"random", "sublattice"}
        Random initial configuration, or the sites of positive sublattice weight filled first.
    sublattice : array_like (n_basis,), optional
        Weights w_b of the polarization ``gamma = sum_i w_b(i) / N`` (default +1/-1 on a two-site
        or bipartite basis).
    cell_volume : float, optional
        Å^3 per primitive cell of the crystal; with a temperature, adds conductivities in S/cm
        (``model.tau`` must then be the step in seconds).
    charge : float
        Ionic charge Z in units of e (conductivity only).
    executor : None, "inline", "processes", "threads" or an Executor
        Where replicas run (default: one process per core when there are several replicas);
        anything with ``submit`` works, and so does a Dask ``distributed.Client``.
    progress : bool or callable
        A tqdm bar over blocks (off by default), or a callable receiving the blocks done.
    checkpoint : path, optional
        Directory for per-replica checkpoints; a rerun with the same arguments resumes from them
        and ends with the same statistics as an uninterrupted run.

    Returns
    -------
    xarray.Dataset
        ``drift_velocity`` (direction; Å per tau, per ion), ``polarization``, ``polarization_abs``,
        ``binder_cumulant``, ``hop_probability`` (hops per ion per step), ``tracer_diffusion``,
        ``jump_diffusion`` (Einstein-Helfand), ``thermodynamic_factor``, ``collective_diffusion``
        (chemical; Å^2 per tau) and their tensors, ``haven_ratio``,
        ``msd_tracer``/``msd_collective`` (lag), ``mobility`` (with a field),
        ``mobility_einstein_helfand``, conductivities (with ``cell_volume``), each with
        ``*_stderr``; per-block series and the warm-up per replica; attrs ``attempts``, ``hops``,
        ``wall_time`` (s), ``saturated_attempts`` (attempts in which an ion's total
        out-probability exceeded one), ``max_out_probability`` (the largest total met where the
        engine evaluated it; NaN when it never had to), ``max_out_probability_table``,
        ``in_domain`` and ``domain``, ``measured`` (0 when the run is too short to measure
        anything: then every estimate is NaN) and ``status`` ("ok" or why not),
        ``bytes_per_site`` and the run parameters.
        ``autocorrelation_time`` and ``independent_blocks`` (dimension ``observable``) report the
        error analysis of each scalar observable; with fewer than 20 independent blocks for one of
        them the attributes ``reliable_error_bars = 0`` and ``error_bar_warning`` say so and a
        :class:`superionic.errors.ShortRunWarning` is issued.

    Warns
    -----
    DomainWarning
        The model's out-probabilities exceed one (outside the discrete-time domain): the engine
        scales saturated attempts down, so the dynamics differs from the model's.
    """
    (ds,) = simulate_many(
        [{}], model=model, temperature=temperature, field=field, filling=filling,
        supercell=supercell, steps=steps, seed=seed, coupling=coupling, engine=engine,
        update=update, concerted=concerted, replicas=replicas, block=block, lags=lags,
        warmup=warmup, initial=initial, sublattice=sublattice, executor=executor,
        progress=progress, checkpoint=checkpoint, checkpoint_interval=checkpoint_interval,
        cell_volume=cell_volume, charge=charge,
    )
    return ds
