"""All self-consistent solutions at one temperature: :func:`solve` and its result types.

A :class:`Solution` carries the order parameters (polarization gamma, mean hop probability P0),
the occupations and hop probabilities, its linear stability, the P0 branch (lower: stable concerted
feedback ``c P0 < 1``; upper: ``c P0 > 1``) and its validity in the discrete-time model (DESIGN
3.7): ``valid_domain`` (no negative diagonal: every site's out-probability <= 1, on the chain
``P0 (1 + |gamma|) <= 1``) and ``valid_occupancy`` (no double occupancy: every mean occupation
< 1, on the chain ``|gamma| < 2/n0 - 1``; with the K-infinity exclusion a solution outside it is
not self-consistent).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validate import finite_float
from ..errors import ModelError
from ..lattice import HoppingModel
from ..units import KB_EV
from . import chain as cf
from .engine import (
    GAMMA_TOL,
    MeanFieldData,
    _evaluate,
    compile_model,
    find_roots,
    mean_hop_probability,
    polarization_of,
    stability,
)
from .geometry import detect_geometry

#: Stability threshold: spectral radius (or slope) below ``1 - STABILITY_TOL`` is stable.
STABILITY_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class Solution:
    """One self-consistent mean-field solution.

    Attributes
    ----------
    temperature : float
        K.
    gamma : float
        Polarization (Eq. 44; see :func:`~superionic.meanfield.engine.polarization_of`).
    P0 : float
        Mean hop probability per step (Eq. 23's ``P_ab + P_ba``; site-averaged out-probability).
    occupations : ndarray, shape (n_sites,)
        Mean occupations n (sum n0).
    probabilities : ndarray, shape (n_hops,)
        Self-consistent hop probabilities, in the order of ``model.hop_table``.
    polarization : {"+", "0", "-"}
        Sign of gamma (``"0"`` when ``|gamma|`` is below 1e-6 or ten times ``uncertainty``).
    branch : {"lower", "upper"}
        P0 branch: the concerted feedback's gain is below (lower) or above (upper) one.
    stable : bool
        ``feedback_gain < 1`` and ``occupation_rate < 0``
        (:class:`~superionic.meanfield.engine.Stability`).
    feedback_gain : float
        Gain of the concerted feedback at fixed occupations (``c P0``, the slope of Eq. 55).
    occupation_rate : float
        Largest relaxation rate of ion-conserving occupation perturbations per step, over P0
        (``2 (x (1 - gamma^2) - 1)`` on two-sublattice lattices: negative iff Eq. 50's slope
        ``x (1 - gamma^2)`` is below one).
    valid_domain, valid_occupancy, valid : bool
    residual : float
        Max |ln P - ln Phi| at the solution.
    uncertainty : float
        Newton error estimate ``|J^-1 R|`` in ln P (0 for closed forms); large only at a
        bifurcation point, where gamma is labelled ``"0"`` when below ten times it.
    status : {"converged", "exact"}
        Engine solutions are kept only when Newton converged (residual below
        ``1e-13 (1 + max |ln P|)``); seeds that did not are counted in
        :attr:`SolutionSet.n_failed`.
    drift : ndarray, shape (dim,)
        Zero-field drift per ion and step, Å (nonzero only for symmetry-broken solutions).
    method : {"engine", "closed-form"}
    """

    temperature: float
    gamma: float
    P0: float
    occupations: np.ndarray
    probabilities: np.ndarray | None
    polarization: str
    branch: str
    stable: bool
    feedback_gain: float
    occupation_rate: float
    valid_domain: bool
    valid_occupancy: bool
    residual: float
    status: str
    drift: np.ndarray | None
    method: str
    uncertainty: float = 0.0

    @property
    def valid(self) -> bool:
        """Inside the model's domain: no negative diagonal and no double occupancy."""
        return self.valid_domain and self.valid_occupancy

    @property
    def label(self) -> str:
        """Branch label, e.g. ``"+/lower"``."""
        return f"{self.polarization}/{self.branch}"

    def as_dict(self) -> dict:
        """JSON-serialisable summary."""
        return {
            "temperature": self.temperature,
            "gamma": self.gamma,
            "P0": self.P0,
            "label": self.label,
            "stable": self.stable,
            "feedback_gain": self.feedback_gain,
            "occupation_rate": self.occupation_rate,
            "valid": self.valid,
            "valid_domain": self.valid_domain,
            "valid_occupancy": self.valid_occupancy,
            "residual": self.residual,
            "status": self.status,
            "occupations": [float(x) for x in self.occupations],
            "method": self.method,
        }


@dataclass(frozen=True, eq=False)
class SolutionSet:
    """Every solution found at one temperature.

    Attributes
    ----------
    temperature : float
    solutions : tuple of Solution
        Sorted: lower branch first, then by decreasing gamma.
    status : {"ok", "no-solution", "none-found"}
        ``no-solution``: the closed forms prove that none exists (beyond a type-I fold);
        ``none-found``: the engine's seeds all failed (also the case beyond a fold).
    n_seeds, n_failed : int
        Engine diagnostics: starting points used and those that did not converge.
    method : str
    """

    temperature: float
    solutions: tuple[Solution, ...]
    status: str
    n_seeds: int = 0
    n_failed: int = 0
    method: str = "engine"
    notes: tuple[str, ...] = field(default=())

    @property
    def stable(self) -> tuple[Solution, ...]:
        return tuple(s for s in self.solutions if s.stable)

    def __len__(self) -> int:
        return len(self.solutions)

    def __iter__(self):
        return iter(self.solutions)

    def as_dict(self) -> dict:
        return {
            "temperature": self.temperature,
            "status": self.status,
            "method": self.method,
            "n_seeds": self.n_seeds,
            "n_failed": self.n_failed,
            "solutions": [s.as_dict() for s in self.solutions],
        }


def _sort_key(s: Solution):
    return (s.branch != "lower", -s.gamma, s.P0)


def _polarization_label(gamma: float, uncertainty: float = 0.0) -> str:
    if abs(gamma) < max(GAMMA_TOL, uncertainty):
        return "0"
    return "+" if gamma > 0 else "-"


# --------------------------------------------------------------------------- engine
def _engine_solution(data: MeanFieldData, u: np.ndarray, residual: float, temperature: float,
                     error: float = 0.0) -> Solution:
    kt = KB_EV * temperature
    log_b = np.log(data.base_probability(temperature))
    ev = _evaluate(data, u[None], log_b, kt, jacobian=False)
    P = ev.P[0]
    n = ev.n[0]
    out = np.zeros(data.n_sites)
    np.add.at(out, data.source, P)
    stab = stability(data, n, P, temperature)
    gamma = polarization_of(data, n)
    drift = (P * ev.pi[0][data.source]) @ data.displacement
    return Solution(
        temperature=float(temperature),
        gamma=gamma,
        P0=mean_hop_probability(data, P),
        occupations=n,
        probabilities=P,
        polarization=_polarization_label(gamma, 10.0 * error),
        branch="lower" if stab.feedback_gain < 1.0 else "upper",
        stable=stab.stable,
        feedback_gain=stab.feedback_gain,
        occupation_rate=stab.occupation_rate,
        valid_domain=bool(np.all(out <= 1.0 + 1e-12)),
        valid_occupancy=bool(np.all(n < 1.0)) or not data.exclusion,
        residual=float(residual),
        uncertainty=float(error),
        status="converged",
        drift=drift,
        method="engine",
    )


def _check_temperature(temperature) -> float:
    return finite_float("temperature (K)", temperature, minimum=0.0, strict_min=True)


def solve(model: HoppingModel, *, temperature: float, method: str = "engine", seeds=None,
          symmetric: bool = True) -> SolutionSet:
    """All self-consistent mean-field solutions of ``model`` at one temperature (Sec. IV).

    Parameters
    ----------
    model : HoppingModel
        Any model with ``interactions`` (K0, M0) and ``filling`` n0; its hops give the base
        probabilities (Eq. 47 on the chain).
    temperature : float
        K.
    method : {"engine", "closed-form"}
        ``engine``: the general self-consistency (:mod:`~superionic.meanfield.engine`).
        ``closed-form``: Eqs. 49-55 (two-sublattice lattices only; ModelError otherwise).
    seeds : array_like, optional
        Extra starting points (``ln P`` per hop class), e.g. from a neighbouring temperature.
    symmetric : bool
        Solve in the symmetric sector (hop classes of the equitable partition; default) or in
        the full hop space.

    Returns
    -------
    SolutionSet
    """
    t = _check_temperature(temperature)
    if method == "closed-form":
        det = detect_geometry(model)
        if det is None:
            raise ModelError(
                "method='closed-form' needs a two-sublattice lattice (like the chain or the "
                "honeycomb); use method='engine' for this model"
            )
        return closed_form_solutions(
            t, det.lambda0, det.K0, det.M0, det.n0, geometry=det.geometry,
            exclusion=model.interactions.exclusion,
        )
    if method != "engine":
        raise ModelError(f"method must be 'engine' or 'closed-form', got {method!r}")
    data = compile_model(model, symmetric=symmetric)
    return solve_compiled(data, t, seeds=seeds)


def solve_compiled(data: MeanFieldData, temperature: float, *, seeds=None,
                   light: bool = False) -> SolutionSet:
    """:func:`solve` on a compiled model (reuse the compilation along temperature paths).

    ``light=True`` uses a reduced set of structured starting points (with ``seeds`` from a
    neighbouring temperature, for refinement by bisection).
    """
    roots, resid, stats = find_roots(data, temperature, seeds=seeds, light=light)
    sols = [_engine_solution(data, u, r, temperature, e)
            for u, r, e in zip(roots, resid, stats["error"], strict=True)]
    sols.sort(key=_sort_key)
    return SolutionSet(
        temperature=float(temperature),
        solutions=tuple(sols),
        status="ok" if sols else "none-found",
        n_seeds=stats["n_seeds"],
        n_failed=stats["n_failed"],
        method="engine",
    )


def class_coordinates(data: MeanFieldData, solution: Solution) -> np.ndarray:
    """``ln P`` per hop class of a solution (a continuation seed for :func:`solve`)."""
    if solution.probabilities is None:
        raise ModelError("this solution carries no hop probabilities")
    return np.log(solution.probabilities[data.representative])


# --------------------------------------------------------------------------- closed form
def closed_form_solutions(temperature: float, lambda0: float, K0: float, M0: float = 0.0,
                          n0: float = 1.0, *, geometry: cf.Geometry | str = cf.CHAIN,
                          exclusion: bool = True) -> SolutionSet:
    """Every solution of Eqs. 49-55 at one temperature (the chain reference; any geometry).

    Below Tp the polarizations ``+gamma, 0, -gamma`` (Eq. 50), above Tp only 0; for each, the
    lower and (when M0 > 0) upper P0 of Eq. 55 when ``A c e <= 1``. Stability: ``x (1 - gamma^2)
    < 1`` (Eq. 50's slope) and ``c P0 < 1`` (Eq. 55's slope, the lower branch). The upper
    branch is at infinity when ``c = 0`` and is then omitted.
    """
    geometry = cf.geometry_named(geometry)
    t = _check_temperature(temperature)
    cf.check_parameters(lambda0=lambda0, K0=K0, M0=M0, n0=n0, geometry=geometry)
    sols: list[Solution] = []
    for polarized in (True, False):
        form = cf.closed_form(t, lambda0, K0, M0, n0, geometry=geometry, polarized=polarized)
        g = float(form.gamma)
        if not polarized and float(form.x) <= 1.0:
            break  # above Tp the symmetric solution is the polarized one
        lower, upper = cf.lambert_branches(form.log_A, form.log_c)
        x = float(form.x)
        slope_g = x * float(form.one_minus_gamma2)
        c = float(form.c)
        gammas = [g, -g] if g > 0 else [0.0]
        for branch, p0 in (("lower", float(lower)), ("upper", float(upper))):
            if not np.isfinite(p0):
                continue
            slope_p = c * p0
            for gg in gammas:
                occ = np.array([n0 * (1 + gg) / 2, n0 * (1 - gg) / 2])
                sols.append(
                    Solution(
                        temperature=t,
                        gamma=gg,
                        P0=p0,
                        occupations=occ,
                        probabilities=None,
                        polarization=_polarization_label(gg),
                        branch=branch,
                        stable=bool(slope_p < 1.0 - STABILITY_TOL
                                    and slope_g < 1.0 - STABILITY_TOL),
                        feedback_gain=slope_p,
                        occupation_rate=2.0 * (slope_g - 1.0),
                        valid_domain=p0 * (1 + abs(gg)) <= 1.0 + 1e-12,
                        valid_occupancy=bool(np.all(occ < 1.0)) or not exclusion,
                        residual=0.0,
                        status="exact",
                        drift=None,
                        method="closed-form",
                    )
                )
    sols.sort(key=_sort_key)
    return SolutionSet(
        temperature=t,
        solutions=tuple(sols),
        status="ok" if sols else "no-solution",
        method="closed-form",
    )
