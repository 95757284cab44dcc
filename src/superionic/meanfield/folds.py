"""Superionic transitions of the mean field: type II (Eq. 51), type-I folds (Eqs. 54-55).

* **Type II** (order 2, polarization mean field, driven by K0): the temperature where the stable
  polarization vanishes continuously, ``Tp = z_b n0 K0 / 2 kB`` on two-sublattice lattices
  (Eq. 51 on the chain).
* **Type I** (order 1, concerted-hopping mean field, driven by M0): a fold where the lower
  (stable) P0 branch merges with the upper one and ceases to exist, ``A c e = 1`` on
  two-sublattice lattices. Above it the mean field has no self-consistent solution: the mobile
  sublattice melts and the tight-binding description ends (Sec. V.2).

On two-sublattice lattices the fold is found exactly: on the stable branch ``ln(A c e)``
increases monotonically with T up to Tp (for ``kB T < kB Tp <= Lambda0 + z_b n0 K0 / 2``), and
above Tp it rises up to ``kB T* = Lambda0 + z_b n0 K0 / 2`` and then falls, so it crosses zero
at most once on each of these three segments; each crossing is bracketed and refined by Brent's
method to 1e-13 relative. A second crossing above T* means the lower branch re-forms on further
heating. With Sec. V.1's parameters the first fold lies above Tp exactly when
``M0 < 2 K0 exp(2 Lambda0 / (n0 K0))`` (the value of ``A c e`` at Tp is
``(M0 / 2 K0) exp(-2 Lambda0 / n0 K0)`` on the chain).

For any other model the engine sweeps the temperature range with continuation, brackets the
changes in the set of solutions and refines them by bisection (1e-9 relative).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import brentq

from .._validate import finite_array
from ..errors import ModelError
from ..lattice import HoppingModel
from ..units import KB_EV
from . import chain as cf
from .conductivity import Transport
from .engine import compile_model
from .geometry import detect_geometry
from .solutions import SolutionSet, class_coordinates, solve_compiled

#: Polarization above which a solution counts as polarized when bracketing type II; the
#: temperature is then extrapolated to gamma = 0 from gamma^2 (linear in T near a pitchfork).
POLARIZED = 1e-3


@dataclass(frozen=True)
class Transition:
    """A located transition.

    Attributes
    ----------
    kind : {"type-I", "type-II"}
    temperature : float
        K.
    order : int
        1 (discontinuous: a fold, the order parameter jumps or the solution disappears) or 2
        (continuous: the order parameter vanishes with a kink).
    order_parameter : {"P0", "gamma"}
    mean_field : str
        ``"polarization (K0)"`` or ``"concerted hopping (M0)"``.
    event : str
        What happens on heating: ``"depolarizes"``, ``"melts"`` (the lower P0 branch ceases to
        exist) or ``"re-forms"`` (it exists again).
    gamma, P0 : float
        Order parameters of the stable solution at the transition (from below for a fold; the
        lower and upper branches meet there with ``c P0 = 1``).
    sigma : float or None
        Conductivity in S/cm at the transition (from the stable side), when physical inputs
        were given.
    sigma_ratio_bound : float or None
        Type I: lower bound on the conductivity jump, the ratio of the largest P0 the
        discrete-time model can hold (``P0 (1 + |gamma|) = 1``) to P0 at the fold.
    rel_tolerance : float
        Relative uncertainty of ``temperature``.
    method : {"closed-form", "engine"}
    coexistence : tuple of float or None
        Temperatures (K) bounding an interval where two stable, non-equivalent solutions
        coexist next to this transition (hysteresis); None when there is none.
    """

    kind: str
    temperature: float
    order: int
    order_parameter: str
    mean_field: str
    event: str
    gamma: float
    P0: float
    sigma: float | None
    sigma_ratio_bound: float | None
    rel_tolerance: float
    method: str
    coexistence: tuple[float, float] | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _range(temperature_range) -> tuple[float, float]:
    r = finite_array("temperature_range (K)", temperature_range)
    if r.shape != (2,) or not 0 < r[0] < r[1]:
        raise ModelError(
            f"temperature_range must be (T_min, T_max) with 0 < T_min < T_max K, got {r!r}"
        )
    return float(r[0]), float(r[1])


# --------------------------------------------------------------------------- closed form
def fold_condition(temperature, lambda0, K0, M0, n0=1.0, *, geometry=cf.CHAIN,
                   polarized: bool = True):
    """``ln(A c e)`` on the stable (``polarized=True``) or symmetric branch; zero at a fold."""
    return cf.closed_form(temperature, lambda0, K0, M0, n0, geometry=geometry,
                          polarized=polarized).log_fold


def closed_form_transitions(lambda0: float, K0: float, M0: float = 0.0, n0: float = 1.0, *,
                            temperature_range=(1.0, 1e5), geometry=cf.CHAIN,
                            transport: Transport | None = None, a: float = 1.0
                            ) -> tuple[Transition, ...]:
    """Exact transitions of Eqs. 50-55 in a temperature range (see module doc)."""
    geometry = cf.geometry_named(geometry)
    t_lo, t_hi = _range(temperature_range)
    cf.check_parameters(lambda0=lambda0, K0=K0, M0=M0, n0=n0, geometry=geometry)
    out: list[Transition] = []
    tp = float(cf.transition_temperature(K0, n0, geometry))
    exists_at_tp = K0 > 0 and (
        M0 == 0 or float(fold_condition(tp, lambda0, K0, M0, n0, geometry=geometry)) <= 0.0
    )
    if exists_at_tp and t_lo <= tp <= t_hi:
        out.append(_record_closed("type-II", tp, 0.0, lambda0, K0, M0, n0, geometry,
                                  transport, a, "depolarizes", 0.0))
    if M0 > 0:
        t_star = (lambda0 + geometry.blocking * n0 * K0 / 2.0) / KB_EV
        edges = sorted({t_lo, t_hi, *[t for t in (tp, t_star) if t_lo < t < t_hi]})

        def f(t):
            return float(fold_condition(t, lambda0, K0, M0, n0, geometry=geometry))

        for a_, b_ in itertools.pairwise(edges):
            fa, fb = f(a_), f(b_)
            if (fa <= 0.0) == (fb <= 0.0):
                continue
            root = brentq(f, a_, b_, xtol=1e-13 * a_, rtol=1e-15, maxiter=200)
            event = "melts" if fa <= 0.0 else "re-forms"
            out.append(_record_closed("type-I", root, 1e-12, lambda0, K0, M0, n0, geometry,
                                      transport, a, event, 0.0))
    out.sort(key=lambda r: r.temperature)
    return tuple(out)


def _mean_field_of(kind: str) -> dict[str, str]:
    """The order parameter and the mean field behind a transition of ``kind``."""
    if kind == "type-I":
        return {"order_parameter": "P0", "mean_field": "concerted hopping (M0)"}
    return {"order_parameter": "gamma", "mean_field": "polarization (K0)"}


def _record_closed(kind, t, tol, lambda0, K0, M0, n0, geometry, transport, a, event, _):
    form = cf.closed_form(t, lambda0, K0, M0, n0, geometry=geometry)
    lower, _upper = cf.lambert_branches(form.log_A, form.log_c)
    gamma = float(form.gamma)
    p0 = float(lower) if np.isfinite(lower) else float(1.0 / form.c)
    sigma = None
    if transport is not None and transport.cell_volume is not None:
        mob = cf.mobility(p0, form.one_minus_gamma2, a=a, geometry=geometry,
                          coupling=transport.coupling)
        if p0 * (1 + abs(gamma)) <= 1.0:
            sigma = float(transport.conductivity(mob, temperature=t, filling=n0,
                                                 cell_volume=transport.cell_volume))
    ratio = None
    if kind == "type-I" and event == "melts":
        ratio = float(1.0 / ((1.0 + abs(gamma)) * p0))
    return Transition(
        kind=kind,
        temperature=float(t),
        order=1 if kind == "type-I" else 2,
        **_mean_field_of(kind),
        event=event,
        gamma=gamma,
        P0=p0,
        sigma=sigma,
        sigma_ratio_bound=ratio,
        rel_tolerance=tol,
        method="closed-form",
        coexistence=None,
    )


def type_i_before_type_ii(lambda0, K0, M0, n0=1.0, *, geometry=cf.CHAIN) -> bool:
    """True when the fold comes before Tp on heating: ``A c e > 1`` already at Tp.

    On the chain ``A c e (Tp) = (M0 / 2 K0) exp(-2 Lambda0 / (n0 K0))``; Sec. V.1's statement
    that type I occurs at or above type II holds exactly when this is <= 1.
    """
    tp = float(cf.transition_temperature(K0, n0, cf.geometry_named(geometry)))
    if not tp > 0 or not M0 > 0:
        return False
    return float(fold_condition(tp, lambda0, K0, M0, n0, geometry=geometry)) > 0.0


# --------------------------------------------------------------------------- engine
@dataclass(frozen=True)
class _Point:
    temperature: float
    sols: SolutionSet

    @property
    def polarized(self) -> bool:
        return any(s.branch == "lower" and abs(s.gamma) > POLARIZED for s in self.sols)

    @property
    def lower(self) -> bool:
        return any(s.branch == "lower" for s in self.sols)

    @property
    def n_distinct_stable(self) -> int:
        keys = {(round(abs(s.gamma), 6), round(math.log(s.P0), 6)) for s in self.sols
                if s.stable}
        return len(keys)


def engine_transitions(model: HoppingModel, *, temperature_range, n_grid: int = 48,
                       rtol: float = 1e-9, transport: Transport | None = None
                       ) -> tuple[Transition, ...]:
    """Transitions of any model by a continuation sweep and bisection (see module doc)."""
    t_lo, t_hi = _range(temperature_range)
    data = compile_model(model)
    grid = np.geomspace(t_lo, t_hi, int(n_grid))
    points: list[_Point] = []
    seeds = None
    for t in grid:
        ss = solve_compiled(data, float(t), seeds=seeds)
        points.append(_Point(float(t), ss))
        seeds = np.array([class_coordinates(data, s) for s in ss.solutions]) if len(ss) else None

    def at(t, near: _Point):
        s0 = np.array([class_coordinates(data, s) for s in near.sols.solutions])
        return _Point(t, solve_compiled(data, t, seeds=s0 if s0.size else None, light=True))

    def bisect(lo: _Point, hi: _Point, pred):
        target = pred(lo)
        while (hi.temperature - lo.temperature) > rtol * lo.temperature:
            mid = at(math.sqrt(lo.temperature * hi.temperature), lo)
            if pred(mid) == target:
                lo = mid
            else:
                hi = mid
        return lo, hi

    out: list[Transition] = []
    for p, q in itertools.pairwise(points):
        if p.polarized and not q.polarized and q.lower:
            lo, hi = bisect(p, q, lambda x: x.polarized)
            gmax = _max_gamma(lo)
            order = 2 if gmax < 10 * POLARIZED else 1
            rec = _record_engine("type-II", lo, hi, order, "depolarizes", data, transport)
            if order == 2:
                # gamma^2 is linear in T near the pitchfork: extrapolate it to zero
                far = at(lo.temperature * (1.0 - 1e-5), lo)
                g1, g2 = gmax**2, _max_gamma(far) ** 2
                if g2 > g1:
                    t0 = lo.temperature + g1 * (lo.temperature - far.temperature) / (g2 - g1)
                    rec = Transition(**{**asdict(rec), "temperature": float(t0),
                                        "gamma": 0.0,
                                        "rel_tolerance": float(abs(t0 - lo.temperature) / t0)})
            out.append(rec)
        if p.lower != q.lower:
            lo, hi = bisect(p, q, lambda x: x.lower)
            event = "melts" if p.lower else "re-forms"
            side = lo if p.lower else hi
            if lo.temperature > hi.temperature:
                lo, hi = hi, lo
            out.append(_record_engine("type-I", lo, hi, 1, event, data, transport,
                                      exists_side=side))
    # coexistence of two stable, non-equivalent solutions (hysteresis)
    runs = _runs([pt.n_distinct_stable >= 2 for pt in points])
    coex = []
    for i0, i1 in runs:
        lo_t = points[i0 - 1].temperature if i0 > 0 else points[i0].temperature
        hi_t = points[i1 + 1].temperature if i1 + 1 < len(points) else points[i1].temperature
        coex.append((points[i0].temperature, points[i1].temperature, lo_t, hi_t))
    if coex:
        out = [_attach_coexistence(r, coex) for r in out]
    out.sort(key=lambda r: r.temperature)
    return tuple(out)


def _max_gamma(point: _Point) -> float:
    return max((abs(s.gamma) for s in point.sols if s.branch == "lower"), default=0.0)


def _runs(flags):
    runs, start = [], None
    for i, f in enumerate([*flags, False]):
        if f and start is None:
            start = i
        elif not f and start is not None:
            runs.append((start, i - 1))
            start = None
    return runs


def _attach_coexistence(record: Transition, coex) -> Transition:
    for a, b, lo, hi in coex:
        if lo <= record.temperature <= hi:
            return Transition(**{**asdict(record), "coexistence": (a, b)})
    return record


def _record_engine(kind, lo: _Point, hi: _Point, order, event, data, transport,
                   exists_side: _Point | None = None) -> Transition:
    side = exists_side if exists_side is not None else lo
    stable = [s for s in side.sols if s.stable] or [s for s in side.sols if s.branch == "lower"]
    best = max(stable, key=lambda s: (s.gamma, -s.P0)) if stable else None
    t = 0.5 * (lo.temperature + hi.temperature)
    sigma = None
    if best is not None and transport is not None and best.valid:
        from .conductivity import solution_mobility

        try:
            volume = transport.volume_for(data.model)
        except ModelError:
            volume = None
        mob = solution_mobility(data, best.probabilities, coupling=transport.coupling)
        if volume is not None and mob is not None:
            sigma = float(transport.conductivity(mob, temperature=t, filling=data.n0,
                                                 cell_volume=volume))
    gamma = float(best.gamma) if best is not None else float("nan")
    p0 = float(best.P0) if best is not None else float("nan")
    ratio = None
    if kind == "type-I" and best is not None and event == "melts":
        out = np.zeros(data.n_sites)
        np.add.at(out, data.source, best.probabilities)
        ratio = float(1.0 / out.max())
    return Transition(
        kind=kind,
        temperature=t,
        order=order,
        **_mean_field_of(kind),
        event=event,
        gamma=gamma,
        P0=p0,
        sigma=sigma,
        sigma_ratio_bound=ratio,
        rel_tolerance=float((hi.temperature - lo.temperature) / t) or 1e-16,
        method="engine",
    )


# --------------------------------------------------------------------------- public
def transitions(model: HoppingModel, *, temperature_range, method: str = "auto",
                transport: Transport | None = None, n_grid: int = 48
                ) -> tuple[Transition, ...]:
    """All type-I and type-II transitions of ``model`` in ``temperature_range`` (K).

    Parameters
    ----------
    model : HoppingModel
    temperature_range : (float, float)
        K.
    method : {"auto", "closed-form", "engine"}
        ``auto``: exact closed forms on two-sublattice lattices (chain, honeycomb), the engine
        sweep otherwise.
    transport : Transport, optional
        Physical inputs for the conductivity at each transition.
    n_grid : int
        Engine sweep points (geometric grid) before bisection.

    Returns
    -------
    tuple of Transition
        Sorted by temperature; each with ``kind``, ``temperature`` (K) and ``order``.
    """
    _range(temperature_range)
    if method not in ("auto", "closed-form", "engine"):
        raise ModelError(f"method must be 'auto', 'closed-form' or 'engine', got {method!r}")
    if method in ("auto", "closed-form"):
        det = detect_geometry(model)
        if det is not None:
            if transport is not None and transport.cell_volume is None and model.dim == 3:
                transport = Transport(transport.charge, model.lattice.volume, transport.tau,
                                      transport.coupling)
            return closed_form_transitions(
                det.lambda0, det.K0, det.M0, det.n0, temperature_range=temperature_range,
                geometry=det.geometry, transport=transport, a=1.0,
            )
        if method == "closed-form":
            raise ModelError("method='closed-form' needs a two-sublattice lattice")
    return engine_transitions(model, temperature_range=temperature_range, n_grid=n_grid,
                              transport=transport)
