"""Mean-field parameters from a segmented Arrhenius fit, with the theory's predictions beside
the measured values.

Type II (a kink at Tp)
    K0 from Tp through the mean field's own relation for the lattice: on two-sublattice lattices
    ``kB Tp = z_b n0 K0 / 2`` (Eq. 51; chain ``K0 = 2 kB Tp / n0``, honeycomb ``K0 = kB Tp /
    n0``), computed with :func:`superionic.meanfield.chain.transition_temperature`; for any other
    model by root finding on :func:`superionic.meanfield.transitions`. Lambda0 from the
    activation energy above Tp, which with M0 = 0 is exactly ``Lambda0 + z_b n0 K0 / 2 =
    Lambda0 + kB Tp`` (Eqs. 49-51). The predicted drop of the activation energy on heating
    through Tp tends to ``z_b n0 K0 / 2 = kB Tp`` as the lower segment reaches T -> 0, and is
    evaluated over the measured range below Tp by the same straight-line estimator.
Type I (a jump at T_I)
    The fold of Eq. 55 lies at T_I on a curve of (Lambda0, M0) pairs: ``ln(A c e) = 0`` is
    linear in ``ln M0``, so ``M0 = exp(-ln(A c e)|_{M0=1})`` for each Lambda0 (given K0, default 0:
    Eq. 54). The pair whose mean-field activation energy over the measured range below T_I equals
    the measured one is singled out; its lower bound on the conductivity jump
    (``1 / ((1 + |gamma|) P0)`` at the fold) stands beside the measured jump.
Exact ordering
    The mean field overestimates the ordering temperature. With K0 alone the model is an
    equilibrium lattice gas with nearest-neighbour repulsion K0, i.e. (``n = (1 + s) / 2``) an
    antiferromagnetic Ising model with ``J = K0 / 4``; at half filling on a bipartite lattice its
    critical temperature is the ferromagnet's: honeycomb ``cosh(2 J / kB Tc) = 2``, i.e.
    ``kB Tc = 2 J / ln(2 + sqrt 3) = K0 / (2 ln(2 + sqrt 3))``; square ``sinh(2 J / kB Tc) = 1``,
    ``kB Tc = K0 / (2 ln(1 + sqrt 2))``; chain: no order at T > 0. ``K0_exact`` is the K0 whose
    exact Tc equals the measured transition temperature.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.optimize import brentq

from .. import meanfield as mf
from .. import models
from ..errors import ModelError
from ..lattice import HoppingModel, Interactions
from ..units import KB_EV
from .errors import MeasurementError
from .fit import ArrheniusFit

#: Standard errors within which a prediction counts as consistent with a measurement.
CONSISTENT_Z = 2.0


# --------------------------------------------------------------------------- exact ordering
def exact_ordering_temperature(K0, lattice: str) -> float:
    """Exact ordering temperature (K) of the lattice gas with NN repulsion K0 at half filling.

    ``lattice`` is ``"honeycomb"``, ``"square"`` (antiferromagnetic Ising, ``J = K0 / 4``,
    Onsager's solution) or ``"chain"`` (0: no long-range order at T > 0).
    """
    K0 = float(K0)
    if lattice == "chain":
        return 0.0
    if lattice == "honeycomb":
        return K0 / (2.0 * math.log(2.0 + math.sqrt(3.0))) / KB_EV
    if lattice == "square":
        return K0 / (2.0 * math.log(1.0 + math.sqrt(2.0))) / KB_EV
    raise ModelError(
        f"lattice must be 'chain', 'honeycomb' or 'square' for the exact ordering temperature, "
        f"got {lattice!r}"
    )


def _exact_lattice_name(geometry) -> str | None:
    key = (geometry.coordination, geometry.dim)
    return {(2, 1): "chain", (3, 2): "honeycomb", (4, 2): "square"}.get(key)


# --------------------------------------------------------------------------- result
@dataclass(frozen=True)
class Inference:
    """Mean-field parameters inferred from a fit, and the theory beside the measurement.

    Attributes
    ----------
    kind : str
        The fit's kind.
    lattice : str
    filling : float
        n0, ions per cell.
    measured_temperature : float or None
        K, the fit's transition temperature.
    lambda0, lambda0_stderr : float or None
        eV.
    K0, K0_stderr : float or None
        eV, from the mean field's Tp relation (type II; type I: the given K0).
    M0 : float or None
        eV (type I: the pair singled out by the activation energy below T_I).
    K0_exact : float or None
        eV: the K0 whose exact ordering temperature equals the measured Tp (half filling on
        honeycomb or square); 0 ordering on the chain gives None with a note.
    exact_over_mean_field : float or None
        ``K0_exact / K0``.
    predicted_drop, predicted_drop_asymptotic : float or None
        eV: Ea below minus Ea above Tp of the inferred mean field, over the measured range and
        as T -> 0 (``kB Tp``).
    measured_drop, measured_drop_stderr : float or None
        eV, from the fit.
    drop_z : float or None
        (measured - predicted) / stderr.
    predicted_jump_bound, measured_jump, measured_jump_stderr_ln : float or None
        Type I: the theory's lower bound on sigma above / below the fold and the fitted ratio.
    pairs_lambda0, pairs_M0 : tuple of float
        Type I: (Lambda0, M0) pairs whose fold lies at the measured T_I.
    verdict : str
    round_trip_temperature : float or None
        K: the transition of the inferred parameters put back into
        :func:`superionic.meanfield.transitions`.
    ln_prefactor : float or None
        ``ln C`` such that ``ln C + ln(P0 (1 - gamma^2))`` is the model curve in the fit's
        variable (S K/cm for sigma T, cm^2/s for D).
    notes : tuple of str
    """

    kind: str
    lattice: str
    filling: float
    measured_temperature: float | None
    lambda0: float | None = None
    lambda0_stderr: float | None = None
    K0: float | None = None
    K0_stderr: float | None = None
    M0: float | None = None
    K0_exact: float | None = None
    exact_over_mean_field: float | None = None
    predicted_drop: float | None = None
    predicted_drop_asymptotic: float | None = None
    measured_drop: float | None = None
    measured_drop_stderr: float | None = None
    drop_z: float | None = None
    predicted_jump_bound: float | None = None
    measured_jump: float | None = None
    measured_jump_stderr_ln: float | None = None
    pairs_lambda0: tuple[float, ...] = ()
    pairs_M0: tuple[float, ...] = ()
    verdict: str = ""
    round_trip_temperature: float | None = None
    ln_prefactor: float | None = None
    notes: tuple[str, ...] = field(default=())
    _geometry: object = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict:
        d = asdict(self)
        d.pop("_geometry")
        d["pairs_lambda0"] = list(self.pairs_lambda0)
        d["pairs_M0"] = list(self.pairs_M0)
        d["notes"] = list(self.notes)
        return d

    def model_ln_value(self, temperature):
        """The inferred mean field's curve in the fit's variable (NaN where it has none)."""
        t = np.asarray(temperature, float)
        if self._geometry is None or self.lambda0 is None or self.ln_prefactor is None \
                or self.lambda0 < 0:
            return np.full(t.shape, np.nan)
        return self.ln_prefactor + mf.chain.log_sigma_t(
            t, self.lambda0, self.K0 or 0.0, self.M0 or 0.0, self.filling,
            geometry=self._geometry)


# --------------------------------------------------------------------------- helpers
def _geometry_of(lattice):
    """(Geometry or None, model or None, name)."""
    if isinstance(lattice, HoppingModel):
        det = mf.detect_geometry(lattice)
        if det is not None:
            return det.geometry, lattice, det.geometry.name
        return None, lattice, "model"
    try:
        geometry = mf.chain.geometry_named(lattice)
    except ModelError:
        raise ModelError(
            f"lattice must be 'chain', 'honeycomb', a meanfield Geometry or a HoppingModel, "
            f"got {lattice!r}"
        ) from None
    return geometry, None, geometry.name


def _model_with(geometry, model, lambda0, K0, M0, n0) -> HoppingModel:
    if model is None:
        build = {"chain": models.interacting_chain,
                 "honeycomb": models.interacting_honeycomb}.get(geometry.name)
        if build is None:
            raise ModelError(f"no canned model for the lattice {geometry.name!r}")
        return build(lambda0, K0, M0, n0)
    return HoppingModel(model.lattice, model.hops, tau=model.tau, filling=n0,
                        interactions=Interactions(repulsion=K0, concerted=M0,
                                                  exclusion=model.interactions.exclusion))


def _line_slope(temperature, ln_values) -> float:
    """Activation energy (eV) of a straight-line fit of ln values against 1 / kB T."""
    x = 1.0 / (KB_EV * np.asarray(temperature, float))
    ok = np.isfinite(ln_values)
    return float(-np.polyfit(x[ok], np.asarray(ln_values)[ok], 1)[0])


def _verdict(name, measured, se, predicted, unit="eV"):
    if measured is None or predicted is None or se is None or not se > 0:
        return None, f"{name}: cannot compare (no standard error)"
    z = (measured - predicted) / se
    if abs(z) <= CONSISTENT_Z:
        return z, (f"{name}: measured {measured:.4g} ± {se:.2g} {unit}, predicted "
                   f"{predicted:.4g} {unit}: consistent within errors ({z:+.1f} standard "
                   "errors)")
    return z, (f"{name}: measured {measured:.4g} ± {se:.2g} {unit}, predicted {predicted:.4g} "
               f"{unit}: not consistent, off by {measured - predicted:+.3g} {unit} "
               f"({z:+.1f} standard errors)")


def _type_ii_temperature(model: HoppingModel, t_range) -> float | None:
    recs = [r for r in mf.transitions(model, temperature_range=t_range) if r.kind == "type-II"]
    return recs[0].temperature if recs else None


# --------------------------------------------------------------------------- public
def infer_parameters(fit: ArrheniusFit, *, filling: float = 1.0, lattice="chain",
                     K0: float = 0.0) -> Inference:
    """Infer mean-field parameters from a segmented Arrhenius fit (see the module doc).

    Parameters
    ----------
    fit : ArrheniusFit
        From :func:`~superionic.experiment.fit_arrhenius`.
    filling : float
        n0, mobile ions per cell of the lattice (0 < n0 <= 2 on the chain and honeycomb).
    lattice : {"chain", "honeycomb"}, Geometry or HoppingModel
        The lattice of the mean field. A model is recognised as a two-sublattice lattice when it
        is one (closed forms); otherwise K0 comes from root finding on the general engine and
        Lambda0 is not inferred.
    K0 : float
        eV, the repulsion assumed for a type-I inference (default 0: Eq. 54).

    Returns
    -------
    Inference
        With ``verdict`` comparing the predicted activation-energy drop (type II) or
        conductivity jump (type I) with the measured one, and ``round_trip_temperature``.
    """
    if not isinstance(fit, ArrheniusFit):
        raise MeasurementError(f"fit must be an ArrheniusFit, got {type(fit).__name__}")
    geometry, model, name = _geometry_of(lattice)
    if geometry is not None:
        mf.chain.check_parameters(n0=filling, K0=K0, geometry=geometry)
    elif not 0 < float(filling) <= model.lattice.n_sites:
        raise ModelError(f"filling must be in (0, {model.lattice.n_sites}] ions per cell of the "
                         f"model, got {filling!r}")
    n0 = float(filling)
    base = {"kind": fit.kind, "lattice": name, "filling": n0,
            "measured_temperature": fit.transition_temperature, "_geometry": geometry}
    if fit.kind == "undecided":
        return Inference(**base, verdict="nothing inferred: " + fit.reason)
    if fit.kind == "none":
        seg = fit.segments[0]
        notes = ("one Arrhenius line: with K0 = M0 = 0 the mean field's activation energy is "
                 "Lambda0 itself; K0 and M0 are not determined by these data",)
        lnc = None if geometry is None else seg.ln_prefactor - math.log(geometry.prefactor)
        return Inference(**base, lambda0=seg.activation_energy,
                         lambda0_stderr=seg.activation_energy_stderr, K0=0.0, M0=0.0,
                         verdict="no transition in the measured range", ln_prefactor=lnc,
                         notes=notes)
    if fit.kind == "type-II":
        return _infer_type_ii(fit, geometry, model, name, n0, base)
    return _infer_type_i(fit, geometry, model, name, n0, float(K0), base)


def _infer_type_ii(fit, geometry, model, name, n0, base) -> Inference:
    tp = float(fit.transition_temperature)
    tp_se = float(fit.transition_temperature_stderr or 0.0)
    hi = fit.segments[1]
    notes = ["M0 = 0 assumed: a kink alone does not determine the concerted-hopping strength"]
    t_range = (0.25 * tp, 4.0 * tp)
    if geometry is not None:
        k0 = tp / float(mf.chain.transition_temperature(1.0, n0, geometry))
    else:
        trial = 2.0 * KB_EV * tp / n0          # the chain's relation as a first guess
        probe = _type_ii_temperature(_model_with(None, model, 0.0, trial, 0.0, n0),
                                     (0.05 * tp, 20.0 * tp))
        if probe is None:
            raise ModelError(f"this model shows no type-II transition for K0 = {trial:.4g} eV "
                             "at the given filling: K0 cannot be inferred from Tp")
        guess = trial * tp / probe

        def mismatch(log_k0):
            t = _type_ii_temperature(_model_with(None, model, 0.0, math.exp(log_k0), 0.0, n0),
                                     t_range)
            return (t if t is not None else 0.0) - tp

        k0 = guess
        if abs(mismatch(math.log(guess))) > 1e-6 * tp:
            k0 = math.exp(brentq(mismatch, math.log(guess) - 0.5, math.log(guess) + 0.5,
                                 xtol=1e-10))
        round_trip = mismatch(math.log(k0)) + tp
    k0_se = k0 * tp_se / tp
    kt = KB_EV * tp
    out = dict(K0=k0, K0_stderr=k0_se, M0=0.0)
    # exact ordering
    exact_name = _exact_lattice_name(geometry) if geometry is not None else None
    if exact_name in ("honeycomb", "square"):
        if math.isclose(n0, 1.0, rel_tol=1e-9):
            k_exact = k0 * tp / exact_ordering_temperature(k0, exact_name)
            out.update(K0_exact=k_exact, exact_over_mean_field=k_exact / k0)
        else:
            notes.append(f"exact ordering temperature known only at half filling (n0 = 1), "
                         f"got n0 = {n0:g}: K0_exact not given")
    elif exact_name == "chain":
        notes.append("chain: the lattice gas orders only at T = 0, so the measured Tp cannot be "
                     "an equilibrium ordering of this one-dimensional model (the mean field's "
                     "sharp Tp is a crossover in the exact model)")
    else:
        notes.append("exact ordering temperature not known in closed form for this lattice: "
                     "locate it from simulations (Binder-cumulant crossing)")
    if geometry is None:
        notes.append("Lambda0 not inferred: the relation Ea(above Tp) = Lambda0 + kB Tp holds "
                     "on two-sublattice lattices")
        return Inference(**base, **out, round_trip_temperature=round_trip, notes=tuple(notes),
                         verdict="K0 inferred; the activation energies were not compared")
    lam = hi.activation_energy - kt
    lam_se = math.hypot(hi.activation_energy_stderr, KB_EV * tp_se)
    out.update(lambda0=lam, lambda0_stderr=lam_se)
    out["ln_prefactor"] = hi.ln_prefactor - math.log(geometry.prefactor)
    asym = geometry.blocking * n0 * k0 / 2.0     # = kB Tp
    below = fit.temperature[fit.temperature < tp]
    predicted = asym
    if lam < 0:
        notes.append(f"Lambda0 = {lam:.4g} eV < 0 is outside the model's domain (Ea above Tp "
                     "is smaller than kB Tp): no model curve, no round trip")
        rt = None
    else:
        m = _model_with(geometry, None, lam, k0, 0.0, n0) if geometry.name in (
            "chain", "honeycomb") else _model_with(geometry, model, lam, k0, 0.0, n0)
        rt = _type_ii_temperature(m, t_range)
        if below.size >= 2:
            lnv = mf.chain.log_sigma_t(below, lam, k0, 0.0, n0, geometry=geometry)
            predicted = _line_slope(below, lnv) - (lam + asym)
    measured, mse = fit.activation_energy_drop()
    z, text = _verdict("activation-energy drop on heating through Tp", measured, mse,
                       predicted)
    text += (f"; as T -> 0 the mean field's drop is z_b n0 K0 / 2 = kB Tp = {asym:.4g} eV, "
             f"{asym / hi.activation_energy:.0%} of the activation energy above Tp")
    return Inference(**base, **out, predicted_drop=predicted, predicted_drop_asymptotic=asym,
                     measured_drop=measured, measured_drop_stderr=mse, drop_z=z, verdict=text,
                     round_trip_temperature=rt, notes=tuple(notes))


def _infer_type_i(fit, geometry, model, name, n0, k0, base) -> Inference:
    if geometry is None:
        raise ModelError("type-I inference needs a two-sublattice lattice (the fold in closed "
                         "form); this model is not one")
    ti = float(fit.transition_temperature)
    kt = KB_EV * ti
    lo = fit.segments[0]
    notes = [f"K0 = {k0:g} eV assumed (a jump does not determine it)",
             f"T_I taken at the centre of the bracketing interval {fit.transition_interval} K"]
    t_star_shift = geometry.blocking * n0 * k0 / 2.0

    def m0_of(lam):
        cf = mf.chain.closed_form(ti, lam, k0, 1.0, n0, geometry=geometry)
        return float(np.exp(-cf.log_fold))

    # the fold is the first crossing on heating while kB T_I < Lambda0 + z_b n0 K0 / 2
    lam_min = max(kt - t_star_shift, 0.0) * 1.0001 + 1e-6
    lam_max = max(3.0 * lo.activation_energy, lam_min * 4.0, 1.0)
    grid = np.geomspace(lam_min, lam_max, 60)
    pairs = [(float(g), m0_of(g)) for g in grid]
    below = fit.temperature[fit.temperature < ti]

    def ea_model(lam):
        lnv = mf.chain.log_sigma_t(below, lam, k0, m0_of(lam), n0, geometry=geometry)
        return _line_slope(below, lnv)

    target = lo.activation_energy
    vals = np.array([ea_model(g) for g in grid])
    diff = vals - target
    idx = np.flatnonzero(np.sign(diff[:-1]) != np.sign(diff[1:]))
    out = dict(K0=k0, pairs_lambda0=tuple(p[0] for p in pairs),
               pairs_M0=tuple(p[1] for p in pairs))
    if idx.size == 0:
        notes.append(f"no pair on the fold curve reproduces the measured activation energy "
                     f"below T_I ({target:.4g} eV; the curve spans {np.nanmin(vals):.4g} to "
                     f"{np.nanmax(vals):.4g} eV)")
        return Inference(**base, **out, notes=tuple(notes),
                         verdict="no (Lambda0, M0) on the fold curve matches the activation "
                                 "energy below T_I")
    i = int(idx[0])
    lam = brentq(lambda g: ea_model(g) - target, grid[i], grid[i + 1], xtol=1e-12)
    m0 = m0_of(lam)
    slope = (ea_model(lam * (1 + 1e-6)) - ea_model(lam)) / (lam * 1e-6)
    lam_se = lo.activation_energy_stderr / abs(slope) if slope else None
    m = _model_with(geometry, None, lam, k0, m0, n0) if geometry.name in (
        "chain", "honeycomb") else _model_with(geometry, model, lam, k0, m0, n0)
    recs = [r for r in mf.transitions(m, temperature_range=(0.3 * ti, 3.0 * ti))
            if r.kind == "type-I" and r.event == "melts"]
    rt = recs[0].temperature if recs else None
    bound = recs[0].sigma_ratio_bound if recs else None
    lnv = mf.chain.log_sigma_t(below, lam, k0, m0, n0, geometry=geometry)
    ln_c = float(np.mean(lo.ln_value(below) - lnv))
    measured = fit.jump_ratio
    lse = fit.ln_jump_ratio_stderr
    if bound is None:
        text = "no fold found for the inferred pair"
    elif measured >= bound:
        text = (f"conductivity jump: measured x{measured:.3g} (ln stderr {lse:.2g}) at or "
                f"above the theory's lower bound x{bound:.3g}: consistent")
    else:
        z = (math.log(measured) - math.log(bound)) / lse if lse else -math.inf
        word = "consistent within errors" if z >= -CONSISTENT_Z else "not consistent"
        text = (f"conductivity jump: measured x{measured:.3g} below the theory's lower bound "
                f"x{bound:.3g} by a factor {bound / measured:.3g} ({z:+.1f} standard errors "
                f"in ln): {word}")
    notes.append("above the fold the mean field has no solution (the sublattice melts): the "
                 "theory bounds the jump from below but does not predict sigma there")
    return Inference(**base, **out, lambda0=float(lam), lambda0_stderr=lam_se, M0=m0,
                     predicted_jump_bound=bound, measured_jump=measured,
                     measured_jump_stderr_ln=lse, verdict=text, round_trip_temperature=rt,
                     ln_prefactor=ln_c, notes=tuple(notes))
