"""Segmented Arrhenius fits of measured sigma(T) or D(T): none, type II (kink), type I (jump).

The fitted variable is ``y = ln(sigma T)`` for a conductivity (the form of Eq. 39, whose slope
against ``1 / kB T`` is the activation energy of the mobility) or ``y = ln D`` for a diffusion
coefficient, against ``x = 1 / kB T`` (1/eV). Three models:

``none``
    one line, ``y = ln A - Ea x`` (2 parameters);
``type-II``
    two lines meeting at a kink ``x_b`` (continuous ``y``, the slope changes: the signature of
    the type-II transition, Eq. 51), ``y = ln A_hi - Ea_hi min(x, x_b) - Ea_lo max(x - x_b, 0)``
    (4 parameters: ``ln A_hi``, ``Ea_hi``, ``Ea_lo``, ``x_b``);
``type-I``
    two independent lines with a jump between two adjacent data points (the type-I fold,
    Eqs. 54-55; 5 parameters: two lines and the split).

The kink's breakpoint is profiled exactly: the model is linear once ``x_b`` is fixed, and the
optimal ``x_b`` is either a data point or, in a gap between adjacent points, the intersection of
the two free lines fitted to the points on either side (Hudson 1966), so every such candidate is
scored (vectorised: cumulative weighted moments for the free lines, batched normal equations at
the data points). The jump's split is exhaustive over the gaps, from the same moments.

Model choice (``criterion``, default ``"BIC"``): the Bayesian information criterion
``-2 ln L + k ln n``. Why BIC and not AICc: the question asked of the data is which model is
*true* (is there a transition at all?), not which predicts best; BIC is consistent (it picks the
true model with probability -> 1 as n grows) while AIC-type criteria keep a fixed chance of
choosing the larger model, and the profiled breakpoint makes the two-segment models more
flexible than their parameter count, which a per-parameter penalty growing with ``ln n`` absorbs.
AICc is computed too and reported in ``evidence``; ``criterion="AICc"`` selects with it. With
stated errors the likelihood is Gaussian with those errors (``-2 ln L = chi^2``); without, the
variance is fitted too (``-2 ln L = n ln(RSS / n)`` and one more parameter), and the standard
errors are scaled by the residual variance.

Fewer than 3 points on a side: a two-segment model needs at least 3 points per segment. When the
data hold fewer than 6 points, or when the best description is a break with only 2 points on one
side (these candidates are scored too, only to detect this), the result says that the data
cannot decide (``kind="undecided"``, ``decided=False``) instead of guessing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..units import KB_EV
from .errors import InsufficientDataError, MeasurementError
from .table import CANONICAL_UNITS, QUANTITIES, check_measurements

KINDS = ("none", "type-I", "type-II", "undecided")
CRITERIA = ("BIC", "AICc")
#: Minimum points per segment for a two-segment model to be decided.
MIN_POINTS = 3
MODEL_PARAMETERS = {"none": 2, "type-II": 4, "type-I": 5}
#: Effective parameters of the kink's profiled breakpoint and of the jump's profiled split.
KINK_COST = 2
SPLIT_COST = 5
#: Models within this many criterion units of the best count as tied; the simplest is kept.
PARSIMONY = 2.0


@dataclass(frozen=True)
class Segment:
    """One Arrhenius line ``y = ln A - Ea / kB T`` of a fit.

    Attributes
    ----------
    activation_energy, activation_energy_stderr : float
        Ea and its standard error in eV.
    prefactor : float
        A in S K/cm (``sigma T``) or cm^2/s (``D``).
    ln_prefactor, ln_prefactor_stderr : float
        ``ln A`` and its standard error.
    covariance : tuple
        2x2 covariance of ``(ln A, Ea)`` (for confidence bands).
    temperature_range : (float, float)
        K, the range this line describes (bounded by the transition where there is one).
    n_points : int
        Data points on this line.
    """

    activation_energy: float
    activation_energy_stderr: float
    prefactor: float
    ln_prefactor: float
    ln_prefactor_stderr: float
    covariance: tuple[tuple[float, float], tuple[float, float]]
    temperature_range: tuple[float, float]
    n_points: int

    def ln_value(self, temperature):
        """``ln(sigma T)`` or ``ln D`` of this line at ``temperature`` (K)."""
        return self.ln_prefactor - self.activation_energy / (KB_EV * np.asarray(temperature,
                                                                                 float))

    def ln_value_stderr(self, temperature):
        """Standard error of :meth:`ln_value` (from the covariance)."""
        x = 1.0 / (KB_EV * np.asarray(temperature, float))
        (caa, cae), (_, cee) = self.covariance
        return np.sqrt(np.maximum(caa - 2.0 * x * cae + x * x * cee, 0.0))


@dataclass(frozen=True)
class ModelEvidence:
    """Information criteria of one candidate model.

    ``delta`` and ``weight`` are relative to the best candidate under the fit's criterion
    (``weight = exp(-delta / 2)`` normalised over the candidates).
    """

    model: str
    n_parameters: int
    minus_two_log_likelihood: float
    bic: float
    aicc: float
    delta: float
    weight: float


@dataclass(frozen=True)
class ArrheniusFit:
    """Result of :func:`fit_arrhenius`.

    Attributes
    ----------
    kind : {"none", "type-I", "type-II", "undecided"}
        The chosen model; ``"undecided"`` when the data cannot decide (``reason`` says why).
    decided : bool
    reason : str
        Why this kind (criterion differences) or why undecided.
    quantity : {"sigma", "D"}
    criterion : {"BIC", "AICc"}
    transition_temperature : float or None
        K. The kink (type II), or the centre in 1/T of the bracketing gap (type I).
    transition_temperature_stderr : float or None
        K, type II only (from the breakpoint's standard error).
    transition_interval : (float, float) or None
        K, type I: the adjacent data temperatures that bracket the jump (the data say no more).
    segments : tuple of Segment
        Low-temperature segment first; one segment for ``"none"``.
    jump_ratio : float or None
        sigma (or D) just above over just below the transition, from the fitted lines (1 for a
        kink).
    ln_jump_ratio_stderr : float or None
    evidence : tuple of ModelEvidence
        Every candidate scored, best first.
    drop_stderr : float or None
        Standard error of ``Ea_below - Ea_above`` (with the kink's full covariance).
    reduced_chi2 : float or None
        chi^2 / (n - k) of the chosen model with stated errors, else the residual variance
        of ``y`` (the errors then come from the scatter); None when no line was fitted.
    weighted : bool
        Whether stated errors weighted the fit.
    temperature, values, errors : ndarray
        The data (K, canonical units), sorted.
    notes : tuple of str
    """

    kind: str
    decided: bool
    reason: str
    quantity: str
    criterion: str
    transition_temperature: float | None
    transition_temperature_stderr: float | None
    transition_interval: tuple[float, float] | None
    segments: tuple[Segment, ...]
    jump_ratio: float | None
    ln_jump_ratio_stderr: float | None
    evidence: tuple[ModelEvidence, ...]
    drop_stderr: float | None
    reduced_chi2: float | None
    weighted: bool
    temperature: np.ndarray
    values: np.ndarray
    errors: np.ndarray | None
    notes: tuple[str, ...] = field(default=())

    @property
    def unit(self) -> str:
        return CANONICAL_UNITS[self.quantity]

    @property
    def fitted_variable(self) -> str:
        return "ln(sigma T / (S K/cm))" if self.quantity == "sigma" else "ln(D / (cm^2/s))"

    def segment_at(self, temperature: float) -> Segment:
        """The segment that describes ``temperature`` (K)."""
        if not self.segments:
            raise MeasurementError("this fit has no segment (the data were too few)")
        if len(self.segments) == 1 or self.transition_temperature is None:
            return self.segments[0]
        return self.segments[0] if temperature < self.transition_temperature else \
            self.segments[1]

    def activation_energy_drop(self) -> tuple[float, float] | None:
        """``(Ea_below - Ea_above, stderr)`` in eV for two segments, else None.

        For a kink the two activation energies are correlated through the common breakpoint;
        the standard error uses the full covariance.
        """
        if len(self.segments) != 2:
            return None
        lo, hi = self.segments
        return (lo.activation_energy - hi.activation_energy, float(self.drop_stderr))

    def as_dict(self) -> dict:
        """Plain summary (numbers and strings) for JSON."""
        drop = self.activation_energy_drop()
        return {
            "kind": self.kind, "decided": self.decided, "reason": self.reason,
            "quantity": self.quantity, "fitted_variable": self.fitted_variable,
            "criterion": self.criterion,
            "transition_temperature_K": self.transition_temperature,
            "transition_temperature_stderr_K": self.transition_temperature_stderr,
            "transition_interval_K": self.transition_interval,
            "jump_ratio": self.jump_ratio,
            "activation_energy_drop_eV": None if drop is None else drop[0],
            "activation_energy_drop_stderr_eV": None if drop is None else drop[1],
            "segments": [
                {"temperature_range_K": s.temperature_range, "n_points": s.n_points,
                 "activation_energy_eV": s.activation_energy,
                 "activation_energy_stderr_eV": s.activation_energy_stderr,
                 "prefactor": s.prefactor,
                 "prefactor_unit": "S K/cm" if self.quantity == "sigma" else "cm^2/s",
                 "ln_prefactor_stderr": s.ln_prefactor_stderr}
                for s in self.segments
            ],
            "evidence": [
                {"model": e.model, "n_parameters": e.n_parameters, "BIC": e.bic,
                 "AICc": e.aicc, f"delta_{self.criterion}": e.delta, "weight": e.weight}
                for e in self.evidence
            ],
            "reduced_chi2": self.reduced_chi2, "weighted": self.weighted,
            "n_points": int(self.temperature.size),
            "notes": list(self.notes),
        }

    def to_dataset(self):
        """Data, fitted lines and their standard errors as an :class:`xarray.Dataset`.

        Variables ``value`` (and ``error``) on the data temperatures, ``fit_ln`` /
        ``fit_ln_stderr`` (the fitted variable of the segment describing each point) and
        ``residual``; per segment ``activation_energy`` etc. along ``segment``; the summary
        in attrs (JSON text for nested entries).
        """
        import json

        import xarray as xr

        t = self.temperature
        y = _fitted_variable(t, self.values, self.quantity)
        segs = self.segments
        names = (["below", "above"] if len(segs) == 2 else ["all"])[: len(segs)]
        ds = xr.Dataset(
            {
                "value": ("temperature", self.values, {"units": self.unit}),
                "activation_energy": ("segment", [s.activation_energy for s in segs],
                                      {"units": "eV"}),
                "activation_energy_stderr": ("segment", [s.activation_energy_stderr
                                                         for s in segs], {"units": "eV"}),
                "ln_prefactor": ("segment", [s.ln_prefactor for s in segs],
                                 {"units": "1", "long_name": "ln of the prefactor in its unit"}),
                "ln_prefactor_stderr": ("segment", [s.ln_prefactor_stderr for s in segs],
                                        {"units": "1"}),
                "t_min": ("segment", [s.temperature_range[0] for s in segs], {"units": "K"}),
                "t_max": ("segment", [s.temperature_range[1] for s in segs], {"units": "K"}),
            },
            coords={"temperature": ("temperature", t, {"units": "K"}),
                    "segment": ("segment", names)},
        )
        if segs:
            fit = np.array([self.segment_at(ti).ln_value(ti) for ti in t])
            fse = np.array([self.segment_at(ti).ln_value_stderr(ti) for ti in t])
            ds["fit_ln"] = ("temperature", fit, {"long_name": self.fitted_variable, "units": "1"})
            ds["fit_ln_stderr"] = ("temperature", fse, {"units": "1"})
            ds["residual"] = ("temperature", y - fit,
                              {"long_name": "data - fit, " + self.fitted_variable, "units": "1"})
        if self.errors is not None:
            ds["error"] = ("temperature", self.errors, {"units": self.unit})
        summary = self.as_dict()
        ds.attrs = {
            "kind": self.kind, "decided": int(self.decided), "criterion": self.criterion,
            "quantity": self.quantity, "reason": self.reason,
            "summary_json": json.dumps(_plain(summary)),
        }
        if self.transition_temperature is not None:    # absent: no transition
            ds.attrs["transition_temperature_K"] = self.transition_temperature
        return ds


def _plain(obj):
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, float | np.floating):
        x = float(obj)
        return x if math.isfinite(x) else str(x)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def _fitted_variable(temperature, values, quantity):
    t = np.asarray(temperature, float)
    v = np.asarray(values, float)
    return np.log(v * t) if quantity == "sigma" else np.log(v)


# --------------------------------------------------------------------------- least squares
@dataclass(frozen=True)
class _Data:
    x: np.ndarray      # 1 / kB T, decreasing with index (T increasing)
    y: np.ndarray
    w: np.ndarray      # weights 1 / s_y^2, or ones
    known: bool        # errors stated

    @property
    def n(self) -> int:
        return int(self.x.size)


def _minus2loglik(data: _Data, rss: np.ndarray | float):
    rss = np.asarray(rss, float)
    if data.known:
        return rss
    return data.n * np.log(np.maximum(rss, 1e-300) / data.n)


def _criteria(data: _Data, m2ll, n_params: int) -> tuple[float, float]:
    k = n_params + (0 if data.known else 1)
    n = data.n
    bic = float(m2ll + k * math.log(n))
    aicc = float(m2ll + 2 * k + (2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else math.inf))
    return bic, aicc


def _wls(X, y, w):
    """Weighted least squares; returns (beta, rss, (X^T W X)^-1)."""
    sw = np.sqrt(w)
    A = X * sw[:, None]
    b = y * sw
    beta, *_ = np.linalg.lstsq(A, b, rcond=None)
    r = b - A @ beta
    return beta, float(r @ r), np.linalg.inv(A.T @ A)


def _line(x, y, w):
    X = np.column_stack([np.ones_like(x), -x])
    return _wls(X, y, w)


def _kink_design(x, xb):
    return np.column_stack([np.ones_like(x), -np.minimum(x, xb), -np.maximum(x - xb, 0.0)])


def _kink_rss_many(data: _Data, xbs: np.ndarray) -> np.ndarray:
    """RSS of the kink model at every candidate breakpoint (batched normal equations)."""
    x, y, w = data.x, data.y, data.w
    X = np.stack([np.ones((xbs.size, x.size)),
                  -np.minimum(x[None, :], xbs[:, None]),
                  -np.maximum(x[None, :] - xbs[:, None], 0.0)], axis=-1)   # (G, n, 3)
    Xw = X * w[None, :, None]
    G = np.einsum("gni,gnj->gij", Xw, X)
    r = np.einsum("gni,n->gi", Xw, y)
    G = G + 1e-12 * np.eye(3) * np.trace(G, axis1=1, axis2=2)[:, None, None]
    beta = np.linalg.solve(G, r[..., None])[..., 0]
    res = y[None, :] - np.einsum("gni,gi->gn", X, beta)
    return np.einsum("gn,n,gn->g", res, w, res)


def _kink_range(xs_sorted: np.ndarray, m: int) -> tuple[float, float]:
    """Breakpoints leaving at least ``m`` points on each side (the point at x_b counts)."""
    n = xs_sorted.size
    return float(xs_sorted[m - 1]), float(xs_sorted[n - m])


def _kink_candidates(data: _Data):
    """Every candidate optimum of the kink's breakpoint, with its RSS (Hudson's algorithm).

    For a fixed partition of the points the continuous two-line fit is a constrained version
    of two free lines; when the free lines of a partition intersect inside its gap, that
    intersection is the optimum for the gap (the constraint holds for free), otherwise the
    optimum over the gap lies at one of its data points. So the global optimum is among the
    data points and the in-gap intersections (D. J. Hudson, JASA 61, 1097 (1966)).
    """
    rss_free, lines = _jump_rss_all(data, with_lines=True)
    x = data.x
    k = np.arange(1, x.size)
    a_lo, b_lo, a_hi, b_hi = (v[k] for v in lines)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_int = (a_hi - a_lo) / (b_lo - b_hi)     # lines y = a + b x meet here
    inside = np.isfinite(x_int) & (x_int <= x[k - 1]) & (x_int >= x[k]) & np.isfinite(
        rss_free[k])
    cand_x = np.concatenate([x, x_int[inside]])
    cand_rss = np.concatenate([_kink_rss_many(data, x), rss_free[k][inside]])
    return cand_x, cand_rss


def _best_kink(cands, lo: float, hi: float):
    """The best candidate breakpoint in [lo, hi] (1/eV) and its RSS."""
    cand_x, cand_rss = cands
    tol = 1e-12 * max(abs(lo), abs(hi))
    sel = (cand_x >= lo - tol) & (cand_x <= hi + tol)
    i = int(np.argmin(np.where(sel, cand_rss, np.inf)))
    return float(cand_x[i]), float(cand_rss[i])


def _jump_rss_all(data: _Data, *, with_lines: bool = False):
    """RSS of two independent lines for every split k (points [:k] and [k:]).

    From cumulative weighted moments; with ``with_lines`` also the lines ``y = a + b x`` of
    both sides, ``(a_lo, b_lo, a_hi, b_hi)`` per split.
    """
    x, y, w = data.x, data.y, data.w
    pre = [np.concatenate([[0.0], np.cumsum(v)]) for v in
           (w, w * x, w * y, w * x * x, w * x * y, w * y * y)]
    suf = [m[-1] - m for m in pre]

    def fit(S, Sx, Sy, Sxx, Sxy, Syy):
        with np.errstate(divide="ignore", invalid="ignore"):
            vxx = Sxx - Sx * Sx / S
            vxy = Sxy - Sx * Sy / S
            vyy = Syy - Sy * Sy / S
            rss = vyy - vxy * vxy / vxx
            b = vxy / vxx
            a = (Sy - b * Sx) / S
        return np.where(np.isfinite(rss), np.maximum(rss, 0.0), np.inf), a, b

    rss_lo, a_lo, b_lo = fit(*pre)
    rss_hi, a_hi, b_hi = fit(*suf)
    rss = rss_lo + rss_hi      # index k: split before point k
    if with_lines:
        return rss, (a_lo, b_lo, a_hi, b_hi)
    return rss


# --------------------------------------------------------------------------- results
def _segment_from(beta, cov, t_range, n_points) -> Segment:
    lnA, ea = float(beta[0]), float(beta[1])
    cov = np.asarray(cov, float)
    return Segment(
        activation_energy=ea,
        activation_energy_stderr=float(math.sqrt(max(cov[1, 1], 0.0))),
        prefactor=float(math.exp(lnA)),
        ln_prefactor=lnA,
        ln_prefactor_stderr=float(math.sqrt(max(cov[0, 0], 0.0))),
        covariance=((float(cov[0, 0]), float(cov[0, 1])), (float(cov[1, 0]), float(cov[1, 1]))),
        temperature_range=(float(t_range[0]), float(t_range[1])),
        n_points=int(n_points),
    )


def _scale(data: _Data, rss: float, n_params: int) -> float:
    if data.known:
        return 1.0
    dof = data.n - n_params
    return rss / dof if dof > 0 else math.inf


def _fit_none(data: _Data, t: np.ndarray):
    beta, rss, inv = _line(data.x, data.y, data.w)
    seg = _segment_from(beta, inv * _scale(data, rss, 2), (t[0], t[-1]), t.size)
    return seg, rss


def _fit_kink(data: _Data, t: np.ndarray, xb: float):
    x, y, w = data.x, data.y, data.w
    beta, rss, _ = _wls(_kink_design(x, xb), y, w)
    a_hi, e_hi, e_lo = beta
    # full Jacobian in (a_hi, E_hi, E_lo, x_b)
    J = np.column_stack([np.ones_like(x), -np.minimum(x, xb), -np.maximum(x - xb, 0.0),
                         np.where(x > xb, e_lo - e_hi, 0.0)])
    JW = J * w[:, None]
    M = J.T @ JW
    try:
        cov4 = np.linalg.inv(M) * _scale(data, rss, 4)
    except np.linalg.LinAlgError:
        cov4 = np.full((4, 4), np.inf)
    # above (hot, x <= xb): (a_hi, E_hi); below (cold): a_lo = a_hi + (E_lo - E_hi) x_b
    g_hi = np.array([[1, 0, 0, 0], [0, 1, 0, 0]], float)
    g_lo = np.array([[1, -xb, xb, e_lo - e_hi], [0, 0, 1, 0]], float)
    tb = 1.0 / (KB_EV * xb)
    n_lo = int(np.sum(x > xb))
    hi = _segment_from([a_hi, e_hi], g_hi @ cov4 @ g_hi.T, (tb, t[-1]), t.size - n_lo)
    lo = _segment_from([a_hi + (e_lo - e_hi) * xb, e_lo], g_lo @ cov4 @ g_lo.T, (t[0], tb),
                       n_lo)
    d = np.array([0, -1, 1, 0], float)
    drop_se = float(math.sqrt(max(d @ cov4 @ d, 0.0)))
    tb_se = float(math.sqrt(max(cov4[3, 3], 0.0)) / (KB_EV * xb * xb))
    return lo, hi, rss, tb, tb_se, drop_se


def _fit_jump(data: _Data, t: np.ndarray, k: int, rss_total: float):
    x, y, w = data.x, data.y, data.w
    scale = _scale(data, rss_total, 4)
    b_lo, _, inv_lo = _line(x[:k], y[:k], w[:k])
    b_hi, _, inv_hi = _line(x[k:], y[k:], w[k:])
    xt = 0.5 * (x[k - 1] + x[k])
    tt = 1.0 / (KB_EV * xt)
    lo = _segment_from(b_lo, inv_lo * scale, (t[0], t[k - 1]), k)
    hi = _segment_from(b_hi, inv_hi * scale, (t[k], t[-1]), t.size - k)
    ln_jump = float(hi.ln_value(tt) - lo.ln_value(tt))
    se = float(math.hypot(hi.ln_value_stderr(tt), lo.ln_value_stderr(tt)))
    return lo, hi, tt, (float(t[k - 1]), float(t[k])), ln_jump, se


def _evidence(data: _Data, scores: dict[str, tuple[int, float]], criterion: str):
    rows = []
    for name, (k, rss) in scores.items():
        m2 = float(_minus2loglik(data, rss))
        bic, aicc = _criteria(data, m2, k)
        rows.append([name, k, m2, bic, aicc])
    col = 3 if criterion == "BIC" else 4
    best = min(r[col] for r in rows)
    deltas = [r[col] - best for r in rows]
    ws = np.exp(-0.5 * np.array(deltas))
    ws = ws / ws.sum()
    out = [ModelEvidence(r[0], r[1], r[2], r[3], r[4], float(d), float(wt))
           for r, d, wt in zip(rows, deltas, ws, strict=True)]
    return tuple(sorted(out, key=lambda e: e.delta))


# --------------------------------------------------------------------------- public
def fit_arrhenius(temperature, values, *, quantity: str = "sigma", segments="auto",
                  errors=None, criterion: str = "BIC") -> ArrheniusFit:
    """Fit ``ln(sigma T)`` (or ``ln D``) against ``1 / kB T`` with 1 or 2 Arrhenius segments.

    Parameters
    ----------
    temperature : array_like
        K (any order; sorted here). At least 2 distinct points.
    values : array_like
        sigma in S/cm (``quantity="sigma"``) or D in cm^2/s (``quantity="D"``), > 0.
    quantity : {"sigma", "D"}
    segments : {"auto", 1, 2}
        ``"auto"`` chooses among none / type II / type I by ``criterion``; 1 fits one line
        (``kind="none"``); 2 chooses between the kink and the jump.
    errors : array_like, optional
        One standard uncertainty of each value (same unit); the fit is then weighted with
        ``1 / (error / value)^2`` in the log variable and the likelihood uses these errors.
    criterion : {"BIC", "AICc"}
        Information criterion for the model choice (see the module doc for why BIC is the
        default).

    Returns
    -------
    ArrheniusFit

    Raises
    ------
    MeasurementError (and subclasses)
        Bad data (see :func:`~superionic.experiment.check_measurements`), an unknown
        ``quantity``, ``segments`` or ``criterion``, or too few points for ``segments``.
    """
    if quantity not in QUANTITIES:
        raise MeasurementError(f"quantity must be one of {QUANTITIES}, got {quantity!r}")
    if segments not in ("auto", 1, 2):
        raise MeasurementError(f"segments must be 'auto', 1 or 2, got {segments!r}")
    if criterion not in CRITERIA:
        raise MeasurementError(f"criterion must be one of {CRITERIA}, got {criterion!r}")
    t, v, e = check_measurements(temperature, values, errors, quantity=quantity)
    y = _fitted_variable(t, v, quantity)
    x = 1.0 / (KB_EV * t)
    known = e is not None
    w = (v / e) ** 2 if known else np.ones_like(y)
    data = _Data(x, y, w, known)
    n = t.size
    notes: list[str] = []
    if not known:
        notes.append("no errors stated: unweighted fit, standard errors from the scatter")

    def result(kind, decided, reason, segs, tt=None, tt_se=None, interval=None, jump=None,
               jump_se=None, evidence=(), rss=math.nan, k=2, extra=(), drop_se=None):
        dof = n - k
        red = rss / dof if dof > 0 and math.isfinite(rss) else None
        return ArrheniusFit(
            kind=kind, decided=decided, reason=reason, quantity=quantity, criterion=criterion,
            transition_temperature=tt, transition_temperature_stderr=tt_se,
            transition_interval=interval, segments=tuple(segs), jump_ratio=jump,
            ln_jump_ratio_stderr=jump_se, evidence=tuple(evidence), drop_stderr=drop_se,
            reduced_chi2=red,
            weighted=known, temperature=t, values=v, errors=e,
            notes=tuple(notes) + tuple(extra),
        )

    if segments == 1:
        if n < MIN_POINTS:
            raise InsufficientDataError(
                f"segments=1 needs at least {MIN_POINTS} points (2 fit a line exactly, with no "
                f"error estimate), got {n}"
            )
        seg, rss = _fit_none(data, t)
        ev = _evidence(data, {"none": (2, rss)}, criterion)
        return result("none", True, "one segment requested", [seg], evidence=ev, rss=rss)

    if n < 2 * MIN_POINTS:
        segs, rss = [], math.nan
        if n >= MIN_POINTS:
            seg, rss = _fit_none(data, t)
            segs = [seg]
        reason = (f"{n} points cannot decide between one and two segments: a two-segment fit "
                  f"needs at least {MIN_POINTS} points per segment ({2 * MIN_POINTS} in all)")
        if segments == 2:
            raise InsufficientDataError(reason)
        return result("undecided", False, reason, segs, rss=rss)

    xs = np.sort(x)
    scores: dict[str, tuple[int, float]] = {}
    if segments == "auto":
        seg_none, rss_none = _fit_none(data, t)
        scores["none"] = (2, rss_none)
    lo3, hi3 = _kink_range(xs, MIN_POINTS)
    cands = _kink_candidates(data)
    kink = _best_kink(cands, lo3, hi3)
    scores["type-II"] = (3 + KINK_COST, kink[1])
    jr = _jump_rss_all(data)
    ks = np.arange(n + 1)
    inner = (ks >= MIN_POINTS) & (ks <= n - MIN_POINTS)
    k_jump = int(ks[inner][np.argmin(jr[inner])])
    scores["type-I"] = (4 + SPLIT_COST, float(jr[k_jump]))
    # near-edge candidates (2 points on a side), scored only to detect an undecidable break
    edge = {}
    if n >= 2 * MIN_POINTS - 1:
        lo2, hi2 = _kink_range(xs, MIN_POINTS - 1)
        ek = min(_best_kink(cands, lo2, lo3), _best_kink(cands, hi3, hi2), key=lambda r: r[1])
        edge["type-II (2 points on one side)"] = (3 + KINK_COST, ek[1])
        edge_ks = (ks == MIN_POINTS - 1) | (ks == n - MIN_POINTS + 1)
        if np.any(edge_ks):
            edge["type-I (2 points on one side)"] = (4 + SPLIT_COST,
                                                     float(np.min(jr[edge_ks])))
    ev_all = _evidence(data, {**scores, **edge}, criterion)
    ev = _evidence(data, scores, criterion)
    best_regular = min(_criteria(data, float(_minus2loglik(data, r)), k)[CRITERIA.index(
        criterion)] for k, r in scores.values())
    edge_wins = [e for e in ev_all if e.model in edge and
                 (e.bic if criterion == "BIC" else e.aicc) < best_regular]
    if edge_wins:
        best = edge_wins[0].model
        segs = [seg_none] if segments == "auto" else []
        win = edge_wins[0].bic if criterion == "BIC" else edge_wins[0].aicc
        reason = (f"the best description ({best}, {criterion} lower by "
                  f"{best_regular - win:.1f} "
                  "than the best with 3 points a side) puts a break with fewer than "
                  f"{MIN_POINTS} points on one side: the data cannot decide; measure beyond "
                  "the range's end")
        return result("undecided", False, reason, segs, evidence=ev_all,
                      rss=scores.get("none", (2, math.nan))[1])
    # parsimony: the simplest model within PARSIMONY of the best
    close = [e for e in ev if e.delta < PARSIMONY]
    pick = min(close, key=lambda e: (e.n_parameters, e.delta))
    chosen = pick.model
    others = [e for e in ev if e.model != chosen]
    reason = (f"{chosen} chosen by {criterion} (weight {pick.weight:.3f}, delta "
              f"{pick.delta:.2f}); " + ", ".join(
                  f"{e.model}: delta {e.delta:.2f}" for e in others))
    if pick.delta > 0:
        reason += (f" (within {PARSIMONY:g} of the best, the model with fewer parameters is "
                   "kept)")
    if chosen == "none":
        return result("none", True, reason, [seg_none], evidence=ev, rss=rss_none)
    if chosen == "type-II":
        lo, hi, rss, tb, tb_se, drop_se = _fit_kink(data, t, kink[0])
        extra = []
        if lo.activation_energy < hi.activation_energy:
            extra.append("the activation energy rises on heating: a kink, but not the type-II "
                         "signature (which lowers it by kB Tp)")
        return result("type-II", True, reason, [lo, hi], tt=tb, tt_se=tb_se, jump=1.0,
                      jump_se=0.0, evidence=ev, rss=rss, k=4, extra=extra, drop_se=drop_se)
    lo, hi, tt, interval, ln_jump, jse = _fit_jump(data, t, k_jump, float(jr[k_jump]))
    extra = []
    if ln_jump < 0:
        extra.append("the fitted lines jump down on heating: not a superionic (type-I) jump")
    return result("type-I", True, reason, [lo, hi], tt=tt, interval=interval,
                  jump=float(math.exp(ln_jump)), jump_se=jse, evidence=ev,
                  rss=float(jr[k_jump]), k=5, extra=extra,
                  drop_se=math.hypot(lo.activation_energy_stderr, hi.activation_energy_stderr))
