"""Closed forms of the mean field on two-sublattice lattices (paper Eqs. 49-55, App. A).

The chain of Sec. IV and the honeycomb of App. A are both bipartite lattices with two sites per
cell, in which every hop sees the same numbers of blocking neighbours and concerted partners. For
such a lattice (a :class:`Geometry`) with coordination ``z``, ``z_b`` blocking neighbours and
``z_c`` concerted partners per hop, and base probability ``w exp(-Lambda0 / kB T) / z`` per
direction, the self-consistency of :mod:`superionic.meanfield.engine` reduces to

* polarization (Eq. 50): ``gamma = tanh(x gamma)``, ``x = z_b n0 K0 / (2 kB T) = Tp / T``;
* type-II temperature (Eq. 51): ``kB Tp = z_b n0 K0 / 2``;
* hop probability (Eqs. 49, 54, 55): ``P0 = A exp(c P0)`` with
  ``A = w exp(-(Lambda0 + z_b n0 K0 / 2) / kB T) cosh(x gamma)`` and
  ``c = z_c M0 n0 (1 - gamma^2) / (2 z kB T)``.

For the chain (``z = 2``, ``z_b = z_c = 1``, ``w = 1``) these are literally Eqs. 49-51 and 55
(Eq. 54 is Eq. 55 with ``K0 = 0``, i.e. ``gamma = 0`` and no repulsion shift). For the honeycomb
(``z = 3``, ``z_b = z_c = 2``) they are the hand derivation in docs/meanfield.md.

``P0 = A exp(c P0)`` has the solutions ``P0 = A exp(-W_k(-A c))`` on the Lambert-W branches
``k = 0`` (lower, stable) and ``k = -1`` (upper, unstable); they exist iff ``A c e <= 1`` and merge
at the fold ``A c e = 1`` (``c P0 = 1``), where the concerted field has raised P0 by exactly ``e``
over its bare value A.

Everything here broadcasts over arrays and is computed in log space (``cosh(x gamma)`` overflows
below about Tp / 700 otherwise); Eq. 50 is solved as ``s = x tanh(s)`` for ``s = x gamma``, so
that ``1 - gamma^2 = sech^2(s)`` keeps full precision as ``gamma -> 1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from .._validate import finite_array
from ..errors import ModelError
from ..units import KB_EV


@dataclass(frozen=True)
class Geometry:
    """Constants of a bipartite two-sublattice lattice for the closed forms.

    Attributes
    ----------
    name : str
    coordination : int
        z: hops out of every site.
    blocking : int
        z_b: blocking neighbours per hop (neighbours of the target other than the source).
    partners : int
        z_c: concerted partners per hop (hops leaving the target in the same direction).
    dim : int
        Spatial dimension (the conductivity is isotropic, ``sigma_ii``).
    hop_length : float
        Hop length in units of the lattice constant ``a``.
    prefactor : float
        w: the base probability per direction is ``w exp(-Lambda0 / kB T) / z`` (1 for the
        canned models, Eq. 47).
    """

    name: str
    coordination: int
    blocking: int
    partners: int
    dim: int
    hop_length: float
    prefactor: float = 1.0

    def __post_init__(self) -> None:
        for field in ("coordination", "blocking", "partners", "dim"):
            if int(getattr(self, field)) != getattr(self, field) or getattr(self, field) < 0:
                raise ModelError(f"Geometry.{field} must be a non-negative integer")
        if self.coordination < 1 or self.dim < 1:
            raise ModelError("Geometry.coordination and Geometry.dim must be >= 1")
        if not (self.hop_length > 0 and self.prefactor > 0):
            raise ModelError("Geometry.hop_length and Geometry.prefactor must be > 0")

    @property
    def concerted_weight(self) -> float:
        """``z_c / (2 z)``: the coefficient of ``M0 n0 P0 (1 - gamma^2)`` (1/4 on the chain)."""
        return self.partners / (2.0 * self.coordination)


#: The chain of Sec. IV (Eqs. 43-55): one blocking neighbour and one concerted partner per hop.
CHAIN = Geometry("chain", coordination=2, blocking=1, partners=1, dim=1, hop_length=0.5)
#: The honeycomb of App. A: two blocking neighbours and two partners (at 60 degrees) per hop.
HONEYCOMB = Geometry(
    "honeycomb", coordination=3, blocking=2, partners=2, dim=2, hop_length=1.0 / math.sqrt(3.0)
)
GEOMETRIES = {"chain": CHAIN, "honeycomb": HONEYCOMB}


def geometry_named(lattice: str | Geometry) -> Geometry:
    """Return a :class:`Geometry` from a name (``"chain"``, ``"honeycomb"``) or itself."""
    if isinstance(lattice, Geometry):
        return lattice
    try:
        return GEOMETRIES[lattice]
    except (KeyError, TypeError):
        raise ModelError(f"lattice must be one of {sorted(GEOMETRIES)}, got {lattice!r}") from None


# --------------------------------------------------------------------------- validation
def check_parameters(temperature=None, lambda0=None, K0=None, M0=None, n0=None,
                     geometry: Geometry = CHAIN) -> dict[str, np.ndarray]:
    """Validate mean-field parameters (arrays allowed); raise ModelError naming the field.

    Temperatures must be > 0 K, Lambda0, K0, M0 >= 0 eV, 0 < n0 <= 2 (two sites per cell);
    NaN and infinities are rejected.
    """
    out: dict[str, np.ndarray] = {}
    rules = {
        "temperature": (temperature, "K", 0.0, True, None),
        "lambda0": (lambda0, "eV", 0.0, False, None),
        "K0": (K0, "eV", 0.0, False, None),
        "M0": (M0, "eV", 0.0, False, None),
        "n0": (n0, "ions per cell", 0.0, True, 2.0),
    }
    for name, (value, unit, low, strict, high) in rules.items():
        if value is None:
            continue
        arr = finite_array(f"{name} ({unit})", value)
        if strict and np.any(arr <= low):
            bad = arr[arr <= low].flat[0]
            raise ModelError(f"{name} ({unit}) must be > {low:g}, got {bad!r}")
        if not strict and np.any(arr < low):
            bad = arr[arr < low].flat[0]
            raise ModelError(f"{name} ({unit}) must be >= {low:g}, got {bad!r}")
        if high is not None and np.any(arr > high):
            bad = arr[arr > high].flat[0]
            raise ModelError(
                f"{name} ({unit}) must be <= {high:g} (the number of sites per cell of the "
                f"{geometry.name}), got {bad!r}"
            )
        out[name] = arr
    return out


# --------------------------------------------------------------------------- Eq. 50-51
def transition_temperature(K0, n0=1.0, geometry: Geometry = CHAIN):
    """Type-II temperature ``Tp = z_b n0 K0 / (2 kB)`` in K (Eq. 51 on the chain)."""
    return geometry.blocking * np.asarray(n0, float) * np.asarray(K0, float) / (2.0 * KB_EV)


def _s_root(x):
    """Positive root s of ``s = x tanh(s)`` for x > 1 (0 for x <= 1), vectorised, exact.

    Newton from an upper bound converges monotonically because ``x tanh(s) - s`` is concave for
    s > 0. The bound comes from the continued fraction ``tanh s <= s / (1 + s^2/(3 + s^2/5))``:
    the root is at most ``sqrt(15 (x - 1) / (6 - x))`` for x < 6, and at most x always.
    """
    x = np.asarray(x, dtype=float)
    s = np.zeros_like(x)
    pol = x > 1.0
    if not np.any(pol):
        return s
    xp = x[pol]
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = np.where(xp < 6.0, np.sqrt(15.0 * (xp - 1.0) / (6.0 - xp)), np.inf)
    sp = np.minimum(xp, bound)
    for _ in range(100):
        t = np.tanh(sp)
        g = xp * t - sp
        dg = xp * (1.0 - t * t) - 1.0
        step = np.where(dg < 0, g / dg, 0.0)
        sp = sp - step
        if np.all(np.abs(step) <= 4e-16 * np.maximum(sp, 1e-300)):
            break
    s[pol] = sp
    return s


def polarization(temperature, K0, n0=1.0, geometry: Geometry = CHAIN):
    """Non-negative root gamma of Eq. 50, ``gamma = tanh(gamma Tp / T)``; 0 at and above Tp.

    The roots are ``{-gamma, 0, +gamma}`` below Tp and ``{0}`` above.
    """
    return np.tanh(_s_root(_x(temperature, K0, n0, geometry)))


def _x(temperature, K0, n0, geometry):
    kt = KB_EV * np.asarray(temperature, float)
    return geometry.blocking * np.asarray(n0, float) * np.asarray(K0, float) / (2.0 * kt)


def _logcosh(s):
    s = np.abs(s)
    return s + np.log1p(np.exp(-2.0 * s)) - math.log(2.0)


# --------------------------------------------------------------------------- Eqs. 49, 54, 55
@dataclass(frozen=True)
class ClosedForm:
    """Closed-form quantities at broadcast parameters, for one polarization branch.

    Attributes (arrays, broadcast shape)
    ----------------------------------
    gamma : polarization (>= 0 on the polarized branch, 0 on the symmetric one)
    x : ``Tp / T`` (Eq. 50's ``n0 K0 / 2 kB T`` on the chain)
    log_A, log_c : ``ln A`` and ``ln c`` of ``P0 = A exp(c P0)`` (``c = 0`` gives ``-inf``)
    one_minus_gamma2 : ``1 - gamma^2`` computed as ``sech^2(x gamma)``
    log_fold : ``ln(A c e)``; a self-consistent P0 exists iff it is <= 0
    """

    gamma: np.ndarray
    x: np.ndarray
    log_A: np.ndarray
    log_c: np.ndarray
    one_minus_gamma2: np.ndarray
    log_fold: np.ndarray

    @property
    def exists(self) -> np.ndarray:
        """True where Eq. 55 has a solution (``A c e <= 1``)."""
        return self.log_fold <= 0.0

    @property
    def A(self) -> np.ndarray:
        return np.exp(self.log_A)

    @property
    def c(self) -> np.ndarray:
        return np.exp(self.log_c)


def closed_form(temperature, lambda0, K0, M0=0.0, n0=1.0, *, geometry: Geometry = CHAIN,
                polarized: bool = True) -> ClosedForm:
    """Evaluate Eqs. 49-50 and the coefficients of Eq. 55 (broadcasting, no validation).

    Parameters
    ----------
    temperature : array_like
        K.
    lambda0, K0, M0 : array_like
        eV.
    n0 : array_like
        Ions per cell.
    geometry : Geometry
    polarized : bool
        True for the stable branch (``gamma > 0`` below Tp, which is 0 above); False for the
        symmetric solution ``gamma = 0`` at every temperature (unstable below Tp).
    """
    t = np.asarray(temperature, float)
    kt = KB_EV * t
    x = _x(t, K0, n0, geometry)
    s = _s_root(x) if polarized else np.zeros(np.broadcast(x).shape)
    gamma = np.tanh(s)
    lc = _logcosh(s)
    one_m = np.exp(-2.0 * lc)  # sech^2(s)
    n0a = np.asarray(n0, float)
    log_A = (
        math.log(geometry.prefactor)
        - (np.asarray(lambda0, float) + geometry.blocking * n0a * np.asarray(K0, float) / 2.0) / kt
        + lc
    )
    coef = geometry.concerted_weight * np.asarray(M0, float) * n0a / kt
    with np.errstate(divide="ignore"):
        log_c = np.log(coef) - 2.0 * lc
    log_fold = 1.0 + log_A + log_c
    shape = np.broadcast_shapes(t.shape, np.shape(lambda0), np.shape(K0), np.shape(M0),
                                n0a.shape)
    return ClosedForm(
        gamma=np.broadcast_to(gamma, shape),
        x=np.broadcast_to(x, shape),
        log_A=np.broadcast_to(log_A, shape),
        log_c=np.broadcast_to(log_c, shape),
        one_minus_gamma2=np.broadcast_to(one_m, shape),
        log_fold=np.broadcast_to(log_fold, shape),
    )


def _wm1_log(log_z):
    """``W_{-1}(-z)`` for ``z = exp(log_z)`` in (0, 1/e], also where z underflows (log form).

    Solves ``w + ln(-w) = ln z`` for ``w <= -1`` by Newton from ``ln z - ln(-ln z)``.
    """
    L = np.asarray(log_z, float)
    w = L - np.log(-L)
    for _ in range(50):
        f = w + np.log(-w) - L
        w_new = w - f / (1.0 + 1.0 / w)
        if np.all(np.abs(w_new - w) <= 1e-15 * np.abs(w_new)):
            w = w_new
            break
        w = w_new
    return w


def lambert_branches(log_A, log_c):
    """Both solutions of ``P0 = A exp(c P0)`` in closed form (Lambert W), log arguments.

    Parameters
    ----------
    log_A, log_c : array_like
        ``ln A`` and ``ln c`` (``-inf`` for c = 0, i.e. M0 = 0 or gamma = +-1).

    Returns
    -------
    lower, upper : ndarray
        ``A exp(-W_0(-A c))`` (stable) and ``A exp(-W_{-1}(-A c))`` (unstable). Where no
        solution exists (``A c e > 1``) both are NaN: callers flag these points through
        :attr:`ClosedForm.exists`. Where ``c = 0`` the upper branch is at infinity (``inf``).
    """
    log_A = np.asarray(log_A, float)
    log_c = np.asarray(log_c, float)
    log_z = log_A + log_c  # ln(A c)
    shape = np.broadcast_shapes(log_A.shape, log_c.shape)
    log_A = np.broadcast_to(log_A, shape)
    log_z = np.broadcast_to(log_z, shape)
    lower = np.full(shape, np.nan)
    upper = np.full(shape, np.nan)
    # At the branch point A c e = 1 rounding may put the argument a hair beyond -1/e.
    ok = log_z <= -1.0 + 1e-13
    zero = ok & np.isneginf(log_z)
    regular = ok & ~zero
    lower[zero] = np.exp(log_A[zero])
    upper[zero] = np.inf
    if np.any(regular):
        lz = np.minimum(log_z[regular], -1.0)
        arg = -np.exp(lz)
        w0 = special.lambertw(arg, 0).real
        big = lz > -700.0
        wm1 = np.empty_like(lz)
        wm1[big] = special.lambertw(arg[big], -1).real
        wm1[~big] = _wm1_log(lz[~big])
        la = log_A[regular]
        lower[regular] = np.exp(la - w0)
        with np.errstate(over="ignore"):
            upper[regular] = np.exp(la - wm1)
    return lower, upper


def hop_probability(temperature, lambda0, K0=0.0, M0=0.0, n0=1.0, *,
                    geometry: Geometry = CHAIN, polarized: bool = True):
    """Lower and upper self-consistent P0 of Eq. 55 (Eq. 49 when M0 = 0; Eq. 54 when K0 = 0).

    Returns
    -------
    lower, upper, gamma, exists : ndarray
        NaN in ``lower``/``upper`` exactly where ``exists`` is False (beyond a type-I fold).
    """
    cf = closed_form(temperature, lambda0, K0, M0, n0, geometry=geometry, polarized=polarized)
    lower, upper = lambert_branches(cf.log_A, cf.log_c)
    return lower, upper, cf.gamma, cf.exists


def p0_fixed_point(log_A, c, *, branch: str = "lower", tol: float = 1e-15, maxiter: int = 500):
    """Independent reference for ``P0 = A exp(c P0)`` by bisection in ``q = ln P0`` (scalar).

    ``g(q) = q - ln A - c e^q`` is concave with its maximum at ``q = -ln c``; the lower root
    lies in ``[ln A, -ln c]`` and the upper one above ``-ln c``. Returns NaN when no root
    exists (``A c e > 1``) and ``inf`` for the upper branch when ``c = 0``.
    """
    if c <= 0:
        return math.exp(log_A) if branch == "lower" else math.inf
    if 1.0 + log_A + math.log(c) > 0:
        return math.nan

    def g(q):
        return q - log_A - c * math.exp(q)

    top = -math.log(c)
    if branch == "lower":
        lo, hi = min(log_A, top), top  # g(lo) <= 0 <= g(hi)
    else:
        lo, step = top, 1.0
        hi = top + step
        while g(hi) > 0:
            step *= 2.0
            hi = top + step
    glo = g(lo)
    for _ in range(maxiter):
        mid = 0.5 * (lo + hi)
        gm = g(mid)
        if (gm > 0) == (glo > 0):
            lo, glo = mid, gm
        else:
            hi = mid
        if hi - lo <= tol * max(1.0, abs(hi)):
            break
    return math.exp(0.5 * (lo + hi))


# --------------------------------------------------------------------------- transport
def mobility(P0, one_minus_gamma2, *, a=1.0, geometry: Geometry = CHAIN,
             coupling: str = "symmetric"):
    """Weak-field mobility ``d v / d f`` per step in Å^2 (Eqs. 36, 38, 62-63).

    ``(2 c) l^2 P0 (1 - gamma^2) / (2 dim)`` with hop length ``l`` and coupling fraction ``c``
    (1/2 symmetric, which equals the diffusion coefficient; 1 full, literally Eqs. 38 and 63).
    """
    from ..lattice import coupling_factor

    cfac = coupling_factor(coupling)
    length = geometry.hop_length * float(a)
    return 2.0 * cfac * length**2 * np.asarray(P0) * np.asarray(one_minus_gamma2) / (
        2.0 * geometry.dim
    )


def log_sigma_t(temperature, lambda0, K0=0.0, M0=0.0, n0=1.0, *,
                geometry: Geometry = CHAIN):
    """``ln(P0 (1 - gamma^2))`` of the stable branch: ``ln(sigma T)`` up to a constant."""
    cf = closed_form(temperature, lambda0, K0, M0, n0, geometry=geometry)
    lower, _ = lambert_branches(cf.log_A, cf.log_c)
    return np.log(lower) + np.log(cf.one_minus_gamma2)


def activation_energy(temperature, lambda0, K0=0.0, M0=0.0, n0=1.0, *,
                      geometry: Geometry = CHAIN, rel_step: float = 1e-5):
    """Local activation energy ``-d ln(sigma T) / d(1 / kB T)`` in eV on the stable branch.

    Below Tp it tends to ``Lambda0 + z_b n0 K0`` as T -> 0; above Tp with M0 = 0 it is exactly
    ``Lambda0 + z_b n0 K0 / 2`` (``Lambda0 + n0 K0`` and ``Lambda0 + n0 K0 / 2`` on the chain).
    Central difference in ``beta = 1 / kB T`` (the closed forms are smooth away from Tp).
    """
    t = np.asarray(temperature, float)
    beta = 1.0 / (KB_EV * t)
    h = rel_step * beta
    plus = log_sigma_t(1.0 / (KB_EV * (beta + h)), lambda0, K0, M0, n0, geometry=geometry)
    minus = log_sigma_t(1.0 / (KB_EV * (beta - h)), lambda0, K0, M0, n0, geometry=geometry)
    return -(plus - minus) / (2.0 * h)
