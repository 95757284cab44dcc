"""Hop probabilities from Boltzmann statistics over a density of states (paper Eqs. 2-3).

Eq. 2 gives the probability that an ion on site ``i`` hops to site ``j`` during one energy
exchange with a phonon channel::

    P_ji = (1 / lambda) * N / D,
    N = int_{E_ji}^inf exp(-E / kB T) g(E) dE,   D = int_{E_ii}^inf exp(-E / kB T) g(E) dE,

with the hop threshold ``E_ji`` (the least energy that carries the ion over the saddle), the
origin energy ``E_ii`` (the chemical potential of site ``i``), the degeneracy ``lambda`` of
destinations sharing the threshold and the density of states ``g(E)``. A constant ``g`` gives
Eq. 3, ``P_ji = exp(-(E_ji - E_ii) / kB T) / lambda``.

Numerics
--------
Each integral is written relative to its lower limit ``b``::

    int_b^inf exp(-E / kB T) g(E) dE = kB T exp(-b / kB T) F(b),
    F(b) = int_0^inf exp(-x) g(b + kB T x) dx,

so that ``P_ji = exp(-(b_j - b_i) / kB T) F(b_j) / (lambda F(b_i))`` never under- or overflows
(``b`` is the larger of the limit and the lower end of the DOS support). ``F`` is computed

* exactly for a :class:`TabulatedDOS` (``g`` linear between the tabulated points, zero outside);
* by composite Gauss-Legendre quadrature for a :class:`FunctionDOS` (any callable): panels
  graded geometrically towards both ends of the integration range (integrable end-point
  singularities such as ``(E - E0)^(-1/2)``), uniform in between, over ``x <= 60`` (the weight
  ``exp(-x)`` is then below 1e-26). The result is checked against a rule of half the order, the
  innermost panel and the tail; when any check fails the DOS is reported as non-integrable or too
  rough for the rule (:class:`~superionic.errors.ConvergenceError`).

With a constant ``g`` the quadrature gives the same ``F`` for numerator and denominator, so Eq. 2
reproduces Eq. 3 to the last bit. Accuracy is uniform in ``kB T`` from 0.005 eV to 1 eV and
beyond because the variable ``x`` scales with ``kB T``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import xarray as xr

from .._validate import finite_array, finite_float, positive_temperature
from ..errors import ConvergenceError, ModelError
from ..units import KB_EV

__all__ = [
    "FunctionDOS",
    "TabulatedDOS",
    "as_dos",
    "boltzmann_tail",
    "constant_dos",
    "effective_activation_energy",
    "gaussian_dos",
    "hop_probability",
    "power_law_dos",
    "probability_vs_temperature",
]

#: Upper end of the reduced energy x = (E - b) / kB T for unbounded DOS supports.
X_MAX = 60.0
_GAUSS_ORDER = 10
_GRADED_LEVELS = 60
_UNIFORM_PANELS = 120
_RTOL = 1e-9


# --------------------------------------------------------------------------- DOS types
@dataclass(frozen=True)
class FunctionDOS:
    """A density of states given by a callable ``g(E)`` (E in eV).

    Parameters
    ----------
    function : callable
        Vectorised ``g(E)`` returning non-negative values of the same shape as ``E`` (a scalar
        return value is broadcast: ``lambda E: 1.0`` is a constant DOS).
    support : (float, float)
        Energies (eV) outside which ``g`` is zero. Giving the support of a narrow band lets the
        quadrature place its nodes on the band; default ``(-inf, inf)``.
    label : str
        Free text for plots and datasets.
    """

    function: Callable
    support: tuple[float, float] = (-math.inf, math.inf)
    label: str = ""

    def __post_init__(self) -> None:
        if not callable(self.function):
            raise ModelError(f"FunctionDOS.function must be callable, got {self.function!r}")
        try:
            lo, hi = (float(x) for x in self.support)
        except (TypeError, ValueError):
            raise ModelError(
                f"FunctionDOS.support must be a pair (low, high) of energies in eV, "
                f"got {self.support!r}"
            ) from None
        if math.isnan(lo) or math.isnan(hi) or not lo < hi:
            raise ModelError(f"FunctionDOS.support must satisfy low < high, got {self.support!r}")
        object.__setattr__(self, "support", (lo, hi))

    def __call__(self, energy) -> np.ndarray:
        e = np.asarray(energy, dtype=float)
        values = np.asarray(self.function(e), dtype=float)
        if values.shape != e.shape:
            try:
                values = np.broadcast_to(values, e.shape)
            except ValueError:
                raise ModelError(
                    f"DOS function returned shape {values.shape} for energies of shape {e.shape}: "
                    "it must be vectorised (return one value per energy)"
                ) from None
        lo, hi = self.support
        return np.where((e >= lo) & (e <= hi), values, 0.0)


@dataclass(frozen=True)
class TabulatedDOS:
    """A density of states tabulated on an energy grid, linear in between, zero outside.

    Parameters
    ----------
    energy : array_like, shape (M,)
        Strictly increasing energies in eV, M >= 2.
    values : array_like, shape (M,)
        Non-negative, finite DOS values (any normalisation: Eq. 2 is a ratio).
    label : str
    """

    energy: np.ndarray
    values: np.ndarray
    label: str = ""

    def __post_init__(self) -> None:
        e = finite_array("TabulatedDOS.energy (eV)", self.energy, ndim=1)
        g = finite_array("TabulatedDOS.values", self.values, ndim=1)
        if e.size < 2 or e.shape != g.shape:
            raise ModelError(
                "TabulatedDOS needs matching 1D energy and value arrays of at least 2 points, "
                f"got shapes {e.shape} and {g.shape}"
            )
        steps = np.diff(e)
        if np.any(steps <= 0):
            bad = int(np.argmin(steps))
            raise ModelError(
                "TabulatedDOS.energy must be strictly increasing, got "
                f"energy[{bad}]={e[bad]!r} >= energy[{bad + 1}]={e[bad + 1]!r}"
            )
        if np.any(g < 0):
            bad = int(np.argmin(g))
            raise ModelError(
                f"TabulatedDOS.values must be >= 0 (a density of states), got {g[bad]!r} at "
                f"E = {e[bad]!r} eV"
            )
        if not np.any(g > 0):
            raise ModelError("TabulatedDOS.values are all zero: there are no states")
        e.setflags(write=False)
        g.setflags(write=False)
        object.__setattr__(self, "energy", e)
        object.__setattr__(self, "values", g)

    @property
    def support(self) -> tuple[float, float]:
        """Energies (eV) of the first and last tabulated points."""
        return float(self.energy[0]), float(self.energy[-1])

    def __call__(self, energy) -> np.ndarray:
        return np.interp(np.asarray(energy, dtype=float), self.energy, self.values, 0.0, 0.0)

    def __hash__(self) -> int:
        return hash((self.energy.tobytes(), self.values.tobytes(), self.label))

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, TabulatedDOS)
            and np.array_equal(self.energy, other.energy)
            and np.array_equal(self.values, other.values)
            and self.label == other.label
        )


DOS = FunctionDOS | TabulatedDOS


def as_dos(dos) -> DOS | None:
    """Normalise a DOS argument: None (constant DOS), a callable, a pair (energies, values),
    a :class:`FunctionDOS` or a :class:`TabulatedDOS`."""
    if dos is None or isinstance(dos, FunctionDOS | TabulatedDOS):
        return dos
    if callable(dos):
        return FunctionDOS(dos)
    if isinstance(dos, tuple | list) and len(dos) == 2:
        return TabulatedDOS(np.asarray(dos[0]), np.asarray(dos[1]))
    raise ModelError(
        "dos must be None (constant, Eq. 3), a callable g(E), a pair (energies, values), "
        f"a FunctionDOS or a TabulatedDOS; got {type(dos).__name__}"
    )


def constant_dos() -> FunctionDOS:
    """The trivial DOS ``g = 1`` of Eq. 3 (through the quadrature path)."""
    return FunctionDOS(lambda e: np.ones_like(e), label="constant")


def power_law_dos(origin: float, exponent: float) -> FunctionDOS:
    """``g(E) = (E - origin)^exponent`` above ``origin``, zero below (exponent > -1).

    With ``origin`` equal to the origin energy ``E_ii`` Eq. 2 has the closed form
    ``P = Q(exponent + 1, Lambda / kB T) / lambda`` (regularised upper incomplete gamma function):
    exponent 1/2 is a free particle in 3D, ``d - 1`` a classical oscillator in d dimensions.
    """
    origin = finite_float("power_law_dos origin (eV)", origin)
    exponent = finite_float("power_law_dos exponent", exponent, minimum=-1.0, strict_min=True)

    def g(e):
        x = np.maximum(e - origin, 0.0)
        with np.errstate(divide="ignore"):
            return np.where(e > origin, x**exponent, 0.0)

    return FunctionDOS(g, support=(origin, math.inf), label=f"(E - {origin:g})^{exponent:g}")


def gaussian_dos(center: float, width: float) -> FunctionDOS:
    """A Gaussian band ``exp(-(E - center)^2 / (2 width^2))``, support center +- 12 width."""
    center = finite_float("gaussian_dos center (eV)", center)
    width = finite_float("gaussian_dos width (eV)", width, minimum=0.0, strict_min=True)
    return FunctionDOS(
        lambda e: np.exp(-0.5 * ((e - center) / width) ** 2),
        support=(center - 12 * width, center + 12 * width),
        label=f"Gaussian({center:g}, {width:g})",
    )


# --------------------------------------------------------------------------- quadrature rule
@lru_cache(maxsize=4)
def _rule(order: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes and weights on t in [0, 1] and the index range of the innermost panel.

    Panels: geometric towards t = 0 and t = 1 (ratio 1/2, ``_GRADED_LEVELS`` levels below a
    width of 1 / (2 * _UNIFORM_PANELS)), uniform in between.
    """
    h = 1.0 / _UNIFORM_PANELS
    inner = h * 0.5 ** np.arange(_GRADED_LEVELS, 0, -1)  # increasing, < h
    left = np.concatenate([[0.0], inner, np.arange(1, _UNIFORM_PANELS) * h])
    right = 1.0 - inner[::-1]
    edges = np.concatenate([left, right, [1.0]])
    x, w = np.polynomial.legendre.leggauss(order)
    a, b = edges[:-1], edges[1:]
    nodes = (0.5 * (b - a)[:, None] * (x + 1.0) + a[:, None]).ravel()
    weights = (0.5 * (b - a)[:, None] * w).ravel()
    return nodes, weights, np.arange(order)


def _integrate_function(dos: FunctionDOS, lower: np.ndarray, kt: np.ndarray, what: str):
    """F(b) = int_0^U exp(-x) g(b + kT x) dx for a callable DOS, with checks."""
    lo, hi = dos.support
    b = np.maximum(lower, lo)
    span = np.where(np.isfinite(hi), (hi - b) / kt, X_MAX)
    span = np.clip(span, 0.0, X_MAX)
    results = []
    for order in (_GAUSS_ORDER, _GAUSS_ORDER // 2):
        t, w, first = _rule(order)
        x = span[..., None] * t
        energy = b[..., None] + kt[..., None] * x
        g = dos(energy)
        if order == _GAUSS_ORDER:
            _check_values(g, energy, what)
        weight = np.exp(-x) * w * span[..., None]
        integrand = weight * g
        total = integrand.sum(axis=-1)
        if order == _GAUSS_ORDER:
            innermost = integrand[..., first].sum(axis=-1)
            tail_x = span[..., None] * np.array([1.0])
            tail = np.where(
                span >= X_MAX,
                np.exp(-X_MAX) * dos(b[..., None] + kt[..., None] * tail_x)[..., 0] * X_MAX,
                0.0,
            )
        results.append(total)
    fine, coarse = results
    scale = np.where(fine > 0, fine, 1.0)
    checks = (
        (np.abs(innermost) > 1e-7 * scale, "diverges at the lower end of the integral (not "
         "integrable there, or too singular for the quadrature)"),
        (np.abs(tail) > 1e-12 * scale, "does not decay against exp(-E / kB T) (grows too fast "
         "to be integrable)"),
        (np.abs(fine - coarse) > 1e-6 * scale, "is too rough for the quadrature rule (use a "
         "TabulatedDOS, or declare its support so the nodes fall on the band)"),
    )
    for bad, reason in checks:
        if np.any(bad):
            idx = np.unravel_index(int(np.argmax(bad)), bad.shape)
            raise ConvergenceError(
                f"the density of states{_label(dos)} {reason}: integral {what} from "
                f"E = {float(b[idx]):.6g} eV at kB T = {float(kt[idx]):.6g} eV"
            )
    return b, fine


def _label(dos) -> str:
    return f" {dos.label!r}" if getattr(dos, "label", "") else ""


def _check_values(g: np.ndarray, energy: np.ndarray, what: str) -> None:
    if not np.all(np.isfinite(g)):
        idx = np.unravel_index(int(np.argmax(~np.isfinite(g))), g.shape)
        raise ModelError(
            f"the density of states is not finite ({g[idx]!r}) at E = {float(energy[idx]):.6g} eV "
            f"(integral {what}): it is not integrable there"
        )
    if np.any(g < 0):
        idx = np.unravel_index(int(np.argmin(g)), g.shape)
        raise ModelError(
            f"the density of states must be >= 0, got g = {float(g[idx]):.6g} at "
            f"E = {float(energy[idx]):.6g} eV"
        )


def _phi(h: np.ndarray) -> np.ndarray:
    """(1 - exp(-h) (1 + h)) / h, accurate for small h, 0 at h = 0."""
    small = h < 1e-3
    hs = np.where(small, 1.0, h)
    direct = (-np.expm1(-hs) - hs * np.exp(-hs)) / hs
    series = h * (0.5 + h * (-1.0 / 3.0 + h * (1.0 / 8.0 + h * (-1.0 / 30.0))))
    return np.where(small, series, direct)


def _integrate_table(dos: TabulatedDOS, lower: np.ndarray, kt: np.ndarray):
    """Exact F(b) for a piecewise-linear DOS (zero outside the table)."""
    e, g = dos.energy, dos.values
    b = np.maximum(lower, e[0])
    bb, kk = b[..., None], kt[..., None]
    e0 = np.maximum(e[:-1], bb)
    e1 = np.maximum(e[1:], bb)
    g0 = np.interp(e0, e, g)
    g1 = g[1:]
    u0 = (e0 - bb) / kk
    h = (e1 - e0) / kk
    seg = np.exp(-u0) * (g0 * -np.expm1(-h) + (g1 - g0) * _phi(h))
    return b, seg.sum(axis=-1)


def boltzmann_tail(dos, lower, temperature) -> tuple[np.ndarray, np.ndarray]:
    """The reduced Boltzmann integral of Eq. 2 from a lower limit.

    Returns ``(b, F)`` with ``b = max(lower, lower end of the DOS support)`` and
    ``F = int_0^inf exp(-x) g(b + kB T x) dx``, so that
    ``int_lower^inf exp(-E / kB T) g(E) dE = kB T exp(-b / kB T) F``. Broadcasts.

    Parameters
    ----------
    dos : see :func:`hop_probability`
    lower : array_like
        Lower limit in eV.
    temperature : array_like
        K.
    """
    d = as_dos(dos)
    temp = positive_temperature(temperature)
    low = finite_array("lower (eV)", lower)
    low, temp = np.broadcast_arrays(low, temp)
    kt = KB_EV * temp
    if d is None:
        return low.astype(float), np.ones_like(kt)
    if isinstance(d, TabulatedDOS):
        return _integrate_table(d, low, kt)
    return _integrate_function(d, low, kt, "from 'lower'")


# --------------------------------------------------------------------------- Eq. 2
def hop_probability(*, threshold, temperature, origin_energy=0.0, dos=None, degeneracy=1):
    """Per-exchange hop probability of Eq. 2 (Eq. 3 when ``dos`` is None).

    Parameters
    ----------
    threshold : array_like
        Hop threshold ``E_ji`` in eV (least energy that takes the ion over the saddle).
    temperature : array_like
        Temperature in K (> 0).
    origin_energy : array_like
        Origin energy ``E_ii`` in eV, the chemical potential of the origin site; must not exceed
        ``threshold`` (the activation energy ``Lambda = E_ji - E_ii`` of Eq. 3 is >= 0).
    dos : None, callable, (energies, values), FunctionDOS or TabulatedDOS
        Density of states ``g(E)``. ``None`` is the constant DOS: Eq. 3,
        ``exp(-(E_ji - E_ii) / kB T) / lambda``.
    degeneracy : array_like
        ``lambda``, the number of destinations that share the threshold (>= 1).

    Returns
    -------
    ndarray
        Probabilities in [0, 1 / lambda], broadcast over all arguments.

    Raises
    ------
    ModelError
        Bad inputs; a DOS that is negative, not finite, or has no states above the origin.
    ConvergenceError
        A callable DOS that is not integrable against ``exp(-E / kB T)`` (or too rough for the
        quadrature; tabulate it instead).
    """
    thr = finite_array("threshold (eV)", threshold)
    origin = finite_array("origin_energy (eV)", origin_energy)
    temp = positive_temperature(temperature)
    lam = finite_array("degeneracy", degeneracy)
    if np.any(lam < 1):
        raise ModelError(f"degeneracy (lambda of Eq. 2) must be >= 1, got {degeneracy!r}")
    if np.any(thr < origin):
        thr_b, orig_b = np.broadcast_arrays(thr, origin)
        i = int(np.argmax((thr_b < orig_b).ravel()))
        raise ModelError(
            f"threshold must be >= origin_energy (activation energy Lambda = E_ji - E_ii >= 0), "
            f"got threshold={thr_b.ravel()[i]!r} eV < origin_energy={orig_b.ravel()[i]!r} eV"
        )
    thr, origin, temp, lam = np.broadcast_arrays(thr, origin, temp, lam)
    kt = KB_EV * temp
    d = as_dos(dos)
    if d is None:
        return np.exp(-(thr - origin) / kt) / lam
    if isinstance(d, TabulatedDOS):
        b_num, f_num = _integrate_table(d, thr, kt)
        b_den, f_den = _integrate_table(d, origin, kt)
    else:
        b_num, f_num = _integrate_function(d, thr, kt, "from the threshold (numerator)")
        b_den, f_den = _integrate_function(d, origin, kt, "from the origin energy (denominator)")
    if np.any(f_den <= 0):
        idx = np.unravel_index(int(np.argmax(f_den <= 0)), f_den.shape)
        raise ModelError(
            f"the density of states{_label(d)} has no states above the origin energy "
            f"E_ii = {float(origin[idx]):.6g} eV within {X_MAX:g} kB T (kB T = "
            f"{float(kt[idx]):.6g} eV): the normalisation integral of Eq. 2 vanishes"
        )
    ratio = np.where(f_num > 0, f_num / f_den, 0.0)
    return np.exp(-(b_num - b_den) / kt) * ratio / lam


def effective_activation_energy(
    *, threshold, temperature, origin_energy=0.0, dos=None, rel_step: float = 1e-4
) -> np.ndarray:
    """Arrhenius slope ``-d ln P / d(1 / kB T)`` of Eq. 2, in eV (broadcasts).

    Equal to ``E_ji - E_ii`` for a constant DOS; in general it is the mean energy of the ions
    that hop minus the mean energy of all ions on the origin site (a Tolman relation), so a DOS
    that grows with energy lowers the apparent activation energy below ``E_ji - E_ii``.
    Computed by a central difference in ``1 / kB T`` with relative step ``rel_step``.
    """
    temp = positive_temperature(temperature)
    beta = 1.0 / (KB_EV * temp)
    t_plus = 1.0 / (KB_EV * beta * (1 - rel_step))
    t_minus = 1.0 / (KB_EV * beta * (1 + rel_step))
    lp = np.log(hop_probability(threshold=threshold, temperature=t_plus,
                                origin_energy=origin_energy, dos=dos))
    lm = np.log(hop_probability(threshold=threshold, temperature=t_minus,
                                origin_energy=origin_energy, dos=dos))
    return (lp - lm) / (2 * rel_step * beta)


def probability_vs_temperature(
    *, threshold: float, temperatures, origin_energy: float = 0.0, dos=None, degeneracy=1
):
    """Eq. 2 over a temperature grid for one or several densities of states, as a Dataset.

    Parameters
    ----------
    threshold, origin_energy : float
        eV.
    temperatures : array_like
        K, 1D.
    dos : DOS argument or dict of them
        A single DOS (see :func:`hop_probability`) or ``{name: dos}``; None is Eq. 3.

    Returns
    -------
    xarray.Dataset
        ``probability`` (dos, temperature) and ``activation_energy`` (dos, temperature): the
        Arrhenius slope :func:`effective_activation_energy` in eV; attrs threshold, origin.
    """
    temps = positive_temperature(temperatures, "temperatures")
    if temps.ndim != 1:
        raise ModelError("temperatures must be a 1D array of K")
    named = dos if isinstance(dos, dict) else {"constant" if dos is None else "dos": dos}
    probs, slopes = [], []
    for value in named.values():
        probs.append(hop_probability(threshold=threshold, temperature=temps,
                                     origin_energy=origin_energy, dos=value,
                                     degeneracy=degeneracy))
        slopes.append(effective_activation_energy(threshold=threshold, temperature=temps,
                                                  origin_energy=origin_energy, dos=value))
    return xr.Dataset(
        {
            "probability": (("dos", "temperature"), np.array(probs),
                            {"long_name": "hop probability per exchange (Eq. 2)", "units": "1"}),
            "activation_energy": (("dos", "temperature"), np.array(slopes),
                                  {"units": "eV", "long_name": "-d ln P / d(1 / kB T)"}),
        },
        coords={"dos": list(named), "temperature": ("temperature", temps, {"units": "K"})},
        attrs={"threshold_eV": float(threshold), "origin_energy_eV": float(origin_energy),
               "degeneracy": float(np.max(degeneracy)), "equation": "Eq. 2 (Eq. 3 for constant)"},
    )
