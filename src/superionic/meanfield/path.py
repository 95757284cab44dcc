"""Solutions along a temperature path with continuation: :func:`solve_path` -> Dataset.

Each temperature is solved with the previous temperatures' solutions (linearly extrapolated in
``ln P``) as extra starting points, so branches are followed through Tp and up to a fold. Branches
are identified by their label (polarization sign and P0 branch, which only change where branches
meet) and, among equal labels, by distance to the previous point.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy.optimize import linear_sum_assignment

from .._validate import finite_array
from ..errors import ModelError
from ..lattice import HoppingModel
from . import chain as cf
from .conductivity import Transport, solution_mobility
from .engine import compile_model
from .geometry import detect_geometry
from .solutions import SolutionSet, class_coordinates, solve_compiled

#: Order of the closed-form branch labels.
CLOSED_FORM_BRANCHES = ("+/lower", "0/lower", "-/lower", "+/upper", "0/upper", "-/upper")
STATUS_CODES = {"ok": 0, "no-solution": 1, "none-found": 2}


def _temperatures(temperatures) -> np.ndarray:
    t = finite_array("temperatures (K)", temperatures)
    if t.ndim != 1 or t.size < 1:
        raise ModelError(f"temperatures must be a 1D array of K, got shape {t.shape}")
    if np.any(t <= 0):
        raise ModelError(f"temperatures must be > 0 K, got {t[t <= 0][0]!r}")
    return t


def solve_path(model: HoppingModel, temperatures, *, method: str = "engine",
               transport: Transport | None = None) -> xr.Dataset:
    """All solutions over a temperature grid, as branches (Figs. 4(b,c,e,f)).

    Parameters
    ----------
    model : HoppingModel
    temperatures : array_like, 1D
        K, in the order of continuation (usually increasing).
    method : {"engine", "closed-form"}
    transport : Transport, optional
        Physical inputs; ``sigma`` (S/cm) is added when the cell volume is known.

    Returns
    -------
    xarray.Dataset
        Dims ``(temperature, branch)`` (and ``site``): ``exists``, ``gamma``, ``P0``,
        ``stable``, ``valid``, ``valid_domain``, ``valid_occupancy``, ``feedback_gain``,
        ``occupation_rate``, ``occupations``, ``mobility`` (Å^2 per step, isotropic, valid
        solutions only), ``sigma`` (S/cm; NaN where the branch is absent or invalid: see
        ``exists`` and ``valid``), ``status`` per temperature (0 ok, 1 no solution exists, 2 none
        found).
    """
    temps = _temperatures(temperatures)
    transport = Transport() if transport is None else transport
    if method == "closed-form":
        det = detect_geometry(model)
        if det is None:
            raise ModelError("method='closed-form' needs a two-sublattice lattice")
        ds = closed_form_path(temps, det.lambda0, det.K0, det.M0, det.n0,
                              geometry=det.geometry, a=1.0, transport=transport,
                              exclusion=model.interactions.exclusion)
        return ds.assign_coords(site=list(model.lattice.site_names))
    if method != "engine":
        raise ModelError(f"method must be 'engine' or 'closed-form', got {method!r}")
    data = compile_model(model)
    sets: list[SolutionSet] = []
    history: list[list[np.ndarray]] = []
    for i, t in enumerate(temps):
        seeds = []
        if i >= 1:
            prev = history[-1]
            seeds.extend(prev)
            if i >= 2 and len(history[-2]) == len(prev):
                # linear extrapolation of matched points (same ordering when counts agree)
                seeds.extend(2 * p - q for p, q in zip(prev, history[-2], strict=True))
        ss = solve_compiled(data, float(t), seeds=np.array(seeds) if seeds else None)
        sets.append(ss)
        history.append([class_coordinates(data, s) for s in ss.solutions])
    ds = _engine_dataset(data, temps, sets, transport)
    return ds


def _engine_dataset(data, temps, sets, transport: Transport) -> xr.Dataset:
    model = data.model
    # assign branch ids
    branch_names: list[str] = []
    last_u: dict[str, np.ndarray] = {}
    assignment: list[dict[str, object]] = []
    for ss in sets:
        at_t: dict[str, object] = {}
        by_label: dict[str, list] = {}
        for s in ss.solutions:
            by_label.setdefault(s.label, []).append(s)
        for label, sols in by_label.items():
            known = [b for b in branch_names if b.split("#")[0] == label]
            us = [class_coordinates(data, s) for s in sols]
            if known:
                cost = np.array([[np.max(np.abs(u - last_u[b])) if b in last_u else 1e6
                                  for b in known] for u in us])
                rows, cols = linear_sum_assignment(cost)
                used = set()
                for r, c in zip(rows, cols, strict=True):
                    at_t[known[c]] = sols[r]
                    last_u[known[c]] = us[r]
                    used.add(r)
                rest = [r for r in range(len(sols)) if r not in used]
            else:
                rest = list(range(len(sols)))
            for r in rest:
                k = 1 + sum(1 for b in branch_names if b.split("#")[0] == label)
                name = label if k == 1 else f"{label}#{k}"
                branch_names.append(name)
                at_t[name] = sols[r]
                last_u[name] = us[r]
        assignment.append(at_t)
    nt, nb, ns = len(temps), len(branch_names), data.n_sites
    shape = (nt, nb)
    arrays = _empty_arrays(shape)
    occ = np.full((nt, nb, ns), np.nan)
    for i, at_t in enumerate(assignment):
        for j, name in enumerate(branch_names):
            s = at_t.get(name)
            if s is None:
                continue
            arrays["exists"][i, j] = True
            arrays["gamma"][i, j] = s.gamma
            arrays["P0"][i, j] = s.P0
            arrays["stable"][i, j] = s.stable
            arrays["valid"][i, j] = s.valid
            arrays["valid_domain"][i, j] = s.valid_domain
            arrays["valid_occupancy"][i, j] = s.valid_occupancy
            arrays["feedback_gain"][i, j] = s.feedback_gain
            arrays["occupation_rate"][i, j] = s.occupation_rate
            occ[i, j] = s.occupations
            if s.valid:
                mob = solution_mobility(data, s.probabilities, coupling=transport.coupling)
                if mob is not None:
                    arrays["mobility"][i, j] = mob
    status = np.array([STATUS_CODES[ss.status] for ss in sets], dtype=np.int8)
    ds = _assemble(temps, branch_names, arrays, occ, status, list(model.lattice.site_names))
    ds.attrs.update(
        method="engine",
        K0_eV=data.K0,
        M0_eV=data.M0,
        n0=data.n0,
        n_failed_seeds=[int(ss.n_failed) for ss in sets],
    )
    return _add_sigma(ds, model, transport)


def _empty_arrays(shape) -> dict[str, np.ndarray]:
    """The (temperature, branch) variables of a path, False or NaN where no solution is."""
    return {
        "exists": np.zeros(shape, bool),
        "gamma": np.full(shape, np.nan),
        "P0": np.full(shape, np.nan),
        "stable": np.zeros(shape, bool),
        "valid": np.zeros(shape, bool),
        "valid_domain": np.zeros(shape, bool),
        "valid_occupancy": np.zeros(shape, bool),
        "feedback_gain": np.full(shape, np.nan),
        "occupation_rate": np.full(shape, np.nan),
        "mobility": np.full(shape, np.nan),
    }


def _assemble(temps, branches, arrays, occ, status, sites) -> xr.Dataset:
    dims = ("temperature", "branch")
    attrs = {
        "exists": {"long_name": "a solution on this branch exists"},
        "gamma": {"long_name": "polarization (Eq. 44)", "units": "1"},
        "P0": {"long_name": "mean hop probability per step (Eq. 23)", "units": "1"},
        "stable": {"long_name": "linearly stable"},
        "valid": {"long_name": "inside the discrete-time model's domain (DESIGN 3.7)"},
        "valid_domain": {"long_name": "no negative diagonal: P0 (1 + |gamma|) <= 1"},
        "valid_occupancy": {"long_name": "no double occupancy: |gamma| < 2/n0 - 1"},
        "feedback_gain": {"long_name": "concerted-feedback gain (c P0)", "units": "1"},
        "occupation_rate": {"long_name": "largest occupation relaxation rate / P0",
                            "units": "1"},
        "mobility": {"long_name": "isotropic weak-field mobility per step",
                     "units": "angstrom^2"},
    }
    data_vars = {k: (dims, v, attrs[k]) for k, v in arrays.items()}
    data_vars["occupations"] = (("temperature", "branch", "site"), occ,
                                {"long_name": "mean site occupations", "units": "ions"})
    data_vars["status"] = ("temperature", status,
                           {"flag_values": [0, 1, 2],
                            "flag_meanings": "ok no_solution_exists none_found"})
    return xr.Dataset(
        data_vars,
        coords={"temperature": ("temperature", temps, {"units": "K"}),
                "branch": list(branches), "site": list(sites)},
    )


def _add_sigma(ds: xr.Dataset, model: HoppingModel | None, transport: Transport,
               cell_volume=None, n0=None) -> xr.Dataset:
    volume = cell_volume
    if volume is None and model is not None:
        try:
            volume = transport.volume_for(model)
        except ModelError:
            volume = None
    if volume is None:
        volume = transport.cell_volume
    ds.attrs.update(charge_e=transport.charge, tau_s=transport.tau, coupling=transport.coupling)
    if volume is None:
        return ds
    n0 = model.filling if n0 is None else n0
    mob = ds["mobility"].values
    temps = np.broadcast_to(ds["temperature"].values[:, None], mob.shape)
    ok = np.isfinite(mob)
    sigma = np.full(mob.shape, np.nan)
    if np.any(ok):
        sigma[ok] = transport.conductivity(
            mob[ok], temperature=temps[ok], filling=n0, cell_volume=volume
        )
    ds["sigma"] = (("temperature", "branch"), sigma,
                   {"units": "S/cm", "long_name": "weak-field ionic conductivity"})
    ds.attrs["cell_volume_A3"] = volume
    return ds


def closed_form_path(temperatures, lambda0: float, K0: float, M0: float = 0.0, n0: float = 1.0,
                     *, geometry: cf.Geometry | str = cf.CHAIN, a: float = 1.0,
                     transport: Transport | None = None, exclusion: bool = True) -> xr.Dataset:
    """The six closed-form branches of Eqs. 49-55 over temperatures (same layout as the engine).

    Branches ``+/lower, 0/lower, -/lower`` and their upper partners; the polarized ones exist
    below Tp only; every one exists only where ``A c e <= 1``; upper branches only when M0 > 0.
    """
    geometry = cf.geometry_named(geometry)
    temps = _temperatures(temperatures)
    cf.check_parameters(lambda0=lambda0, K0=K0, M0=M0, n0=n0, geometry=geometry)
    transport = Transport() if transport is None else transport
    nt = temps.size
    shape = (nt, len(CLOSED_FORM_BRANCHES))
    arrays = _empty_arrays(shape)
    occ = np.full((*shape, 2), np.nan)
    pol = cf.closed_form(temps, lambda0, K0, M0, n0, geometry=geometry, polarized=True)
    sym = cf.closed_form(temps, lambda0, K0, M0, n0, geometry=geometry, polarized=False)
    below = pol.x > 1.0
    for j, label in enumerate(CLOSED_FORM_BRANCHES):
        sign, branch = label.split("/")
        form = sym if sign == "0" else pol
        lower, upper = cf.lambert_branches(form.log_A, form.log_c)
        p0 = lower if branch == "lower" else upper
        exists = form.exists & np.isfinite(p0)
        if sign != "0":
            exists &= below
        gamma = np.where(sign == "-", -1.0, 1.0) * form.gamma if sign != "0" else np.zeros(nt)
        slope_g = form.x * form.one_minus_gamma2
        slope_p = form.c * np.where(np.isfinite(p0), p0, 0.0)  # p0 = inf where no branch
        arrays["exists"][:, j] = exists
        arrays["gamma"][:, j] = np.where(exists, gamma, np.nan)
        arrays["P0"][:, j] = np.where(exists, p0, np.nan)
        stable = (slope_g < 1 - 1e-9) & (slope_p < 1 - 1e-9)
        arrays["stable"][:, j] = exists & stable
        vd = p0 * (1 + np.abs(gamma)) <= 1 + 1e-12
        n_max = n0 * (1 + np.abs(gamma)) / 2
        vo = (n_max < 1.0) | (not exclusion)
        arrays["valid_domain"][:, j] = exists & vd
        arrays["valid_occupancy"][:, j] = exists & vo
        arrays["valid"][:, j] = exists & vd & vo
        arrays["feedback_gain"][:, j] = np.where(exists, slope_p, np.nan)
        arrays["occupation_rate"][:, j] = np.where(exists, 2 * (slope_g - 1), np.nan)
        occ[:, j, 0] = np.where(exists, n0 * (1 + gamma) / 2, np.nan)
        occ[:, j, 1] = np.where(exists, n0 * (1 - gamma) / 2, np.nan)
        mob = cf.mobility(p0, form.one_minus_gamma2, a=a, geometry=geometry,
                          coupling=transport.coupling)
        arrays["mobility"][:, j] = np.where(arrays["valid"][:, j], mob, np.nan)
    status = np.where(pol.exists, 0, 1).astype(np.int8)
    ds = _assemble(temps, CLOSED_FORM_BRANCHES, arrays, occ, status, ["a", "b"])
    ds.attrs.update(method="closed-form", geometry=geometry.name, lambda0_eV=float(lambda0),
                    K0_eV=float(K0), M0_eV=float(M0), n0=float(n0),
                    Tp_K=float(cf.transition_temperature(K0, n0, geometry)))
    return _add_sigma(ds, None, transport, cell_volume=transport.cell_volume, n0=n0)


def stable_branch(ds: xr.Dataset) -> xr.Dataset:
    """The stable valid solution with the largest gamma at each temperature (NaN-free mask
    ``exists``): the branch a heated sample follows (``+gamma`` below Tp by convention)."""
    score = xr.where(ds["stable"], ds["gamma"].fillna(-np.inf), -np.inf)
    has = ds["stable"].any("branch")
    idx = score.argmax("branch")
    out = ds.isel(branch=idx).drop_vars("branch")
    out["exists"] = has
    return out
