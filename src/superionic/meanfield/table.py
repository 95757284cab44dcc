"""The paper's Table 1, generated from computed quantities for any parameter set.

Each row of Table 1 (Sec. V.1) is filled from the mean field of the two-sublattice closed forms:
transition temperatures and orders (:mod:`~superionic.meanfield.folds`), the signs of the feedback
derivatives and of the barrier shifts, the response of the order parameters to temperature, and
the sensitivities ``d ln T / d ln p`` of each transition temperature to the parameters. Only the
"experimental examples" row is quoted from the paper.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..units import KB_EV
from . import chain as cf
from .folds import closed_form_transitions, type_i_before_type_ii

PAPER_EXAMPLES = ("AgX (X = Cl, Br, I, S0.5)", "MCrX2 (M = Cu, Ag; X = S, Se, Cl, Br, I)")


@dataclass(frozen=True)
class TableRow:
    """One row: the category and the computed entry for each transition type."""

    category: str
    type_I: str
    type_II: str

    def as_dict(self) -> dict:
        return {"category": self.category, "type_I": self.type_I, "type_II": self.type_II}


def minimal_concerted_strength(lambda0, K0, n0=1.0, *, geometry=cf.CHAIN) -> float:
    """Smallest M0 (eV) for which a type-I fold exists at some temperature.

    ``A c e`` is largest on the depolarized branch at ``kB T* = Lambda0 + z_b n0 K0 / 2``, where
    it equals ``w z_c M0 n0 / (2 z kB T*)``; hence ``M0_min = 2 z (Lambda0 + z_b n0 K0 / 2) /
    (w z_c n0)`` (``4 (Lambda0 + n0 K0 / 2) / n0`` on the chain: 2.0 eV for Fig. 4's parameters,
    exactly the caption's M0, where the fold degenerates into a tangency at ``T* = 2 Tp``).
    """
    g = cf.geometry_named(geometry)
    if g.partners == 0:
        return math.inf
    return 2 * g.coordination * (lambda0 + g.blocking * n0 * K0 / 2.0) / (
        g.prefactor * g.partners * n0
    )


def _fold_t(lambda0, K0, M0, n0, geometry, rng):
    recs = [r for r in closed_form_transitions(lambda0, K0, M0, n0, temperature_range=rng,
                                               geometry=geometry)
            if r.kind == "type-I" and r.event == "melts"]
    return recs[0].temperature if recs else math.nan


def _log_sensitivity(fn, value, rel=1e-4):
    if value == 0:
        return math.nan
    up, down = fn(value * (1 + rel)), fn(value * (1 - rel))
    if not (np.isfinite(up) and np.isfinite(down)):
        return math.nan
    return (math.log(up) - math.log(down)) / (math.log1p(rel) - math.log1p(-rel))


def table1(lambda0: float = 0.25, K0: float = 0.5, M0: float = 2.0, n0: float = 1.0, *,
           lattice="chain", temperature_range=(10.0, 1e5), type_i_K0: float | None = None
           ) -> tuple[TableRow, ...]:
    """Table 1 from computed quantities.

    Parameters
    ----------
    lambda0, K0, M0, n0 : float
        eV, eV, eV, ions per cell.
    lattice : {"chain", "honeycomb"} or Geometry
    temperature_range : (float, float)
        K, searched for transitions.
    type_i_K0 : float, optional
        K0 for the type-I column (``0`` reproduces Eq. 54 with gamma = 0, the reading of
        Fig. 4(e,f) in DESIGN 3.4); default ``K0``. The fold threshold
        :func:`minimal_concerted_strength` grows with it (1 eV at K0 = 0, 2 eV at K0 = 0.5 eV
        for Fig. 4's Lambda0 = 0.25 eV, n0 = 1 on the chain), so every entry that quotes it
        names the K0 it was computed with.
    """
    g = cf.geometry_named(lattice)
    rng = tuple(temperature_range)
    k0_i = K0 if type_i_K0 is None else type_i_K0
    trans_i = [r for r in closed_form_transitions(lambda0, k0_i, M0, n0, temperature_range=rng,
                                                  geometry=g)
               if r.kind == "type-I" and r.event == "melts"]
    trans_ii = [r for r in closed_form_transitions(lambda0, K0, M0, n0, temperature_range=rng,
                                                   geometry=g) if r.kind == "type-II"]
    tp = float(cf.transition_temperature(K0, n0, g))
    rows: list[TableRow] = []
    m_min = minimal_concerted_strength(lambda0, k0_i, n0, geometry=g)
    # the threshold depends on the K0 of the type-I column: say which one it is computed with
    at_k0 = f" at K0 = {k0_i:g} eV"

    # --- order and temperatures
    if trans_i:
        ti = trans_i[0]
        t_i = ti.temperature
        order_i = (f"First-order: the stable P0 = {ti.P0:.4g} meets the unstable branch at "
                   f"T_I = {t_i:.6g} K (c P0 = 1) and no solution exists above")
    else:
        t_i = math.nan
        order_i = (f"No fold in {rng[0]:g}-{rng[1]:g} K for these parameters "
                   f"(needs M0 >= {m_min:.4g} eV{at_k0})")
    if trans_ii:
        g_near = float(cf.polarization(tp * (1 - 1e-6), K0, n0, g))
        order_ii = (f"Second-order: gamma -> 0 continuously at Tp = {tp:.6g} K "
                    f"(gamma = {g_near:.2e} at 0.999999 Tp)")
    else:
        order_ii = "No type-II transition in range (K0 = 0 or the lower branch has melted)"
    rows.append(TableRow("Order of transition", order_i, order_ii))

    # --- origin: which interaction removes the transition
    no_fold_without_m0 = not [r for r in closed_form_transitions(
        lambda0, k0_i, 0.0, n0, temperature_range=rng, geometry=g) if r.kind == "type-I"]
    rows.append(TableRow(
        "Origin",
        "Nonadiabatic effect: the fold " + ("vanishes" if no_fold_without_m0 else "persists")
        + " with M0 = 0",
        f"Many-body effect: Tp = z_b n0 K0 / 2 kB = {tp:.6g} K vanishes with K0 = 0",
    ))

    # --- mean fields at the transitions
    t_ref_i = t_i if np.isfinite(t_i) else tp
    form_i = cf.closed_form(t_ref_i, lambda0, k0_i, M0, n0, geometry=g)
    low_i, _ = cf.lambert_branches(form_i.log_A, form_i.log_c)
    p_i = float(low_i) if np.isfinite(low_i) else float(1 / form_i.c)
    shift_i = -g.concerted_weight * M0 * n0 * p_i * float(form_i.one_minus_gamma2)
    t_ref_ii = 0.9 * tp if tp > 0 else 300.0
    gam = float(cf.polarization(t_ref_ii, K0, n0, g))
    shift_ii = g.blocking * n0 * K0 * gam  # Delta E(into sparse) - Delta E(into dense)
    rows.append(TableRow(
        "Type of mean field",
        f"Concerted hopping: barrier shift -z_c M0 n0 P0 (1 - gamma^2) / 2z = {shift_i:.4g} eV "
        f"at {t_ref_i:.5g} K",
        f"Polarization: barrier difference z_b n0 K0 gamma = {shift_ii:.4g} eV at 0.9 Tp",
    ))
    # --- feedback signs (derivatives of the mean-field hop probability, per kB T)
    kt_i = KB_EV * t_ref_i
    dp_dp = g.partners * M0 * n0 / 2 * p_i / kt_i  # d ln P_h / d P_partners > 0
    kt_ii = KB_EV * t_ref_ii
    dp_dn = -g.blocking * K0 / kt_ii  # d ln P_h / d n_blocking < 0
    rows.append(TableRow(
        "Type of self-consistency",
        f"Positive feedback: dP/dP' = +{form_i.c * p_i:.4g} (c P0) at {t_ref_i:.5g} K",
        f"Negative feedback: d ln P / dn (blocking) = {dp_dn:.4g} per ion at 0.9 Tp",
    ))
    del dp_dp
    rows.append(TableRow(
        "Polarity of mean field",
        f"Attractive: barrier lowered ({shift_i:.3g} eV < 0)",
        f"Repulsive: barrier raised by K0 per occupied neighbour (+{K0:g} eV)",
    ))
    rows.append(TableRow("Order parameter", "Average hopping probability P0",
                         "Polarization gamma"))
    # --- role of temperature
    if np.isfinite(t_i):
        lo1, _, _, _ = cf.hop_probability(t_i * (1 - 1e-3), lambda0, k0_i, M0, n0, geometry=g)
        lo2, _, _, _ = cf.hop_probability(t_i * (1 - 1e-6), lambda0, k0_i, M0, n0, geometry=g)
        slope_ratio = float((lo2 - lo1) / (t_i * (1e-3 - 1e-6)))
        role_i = (f"Activates the mobile-ion sublattice: dP0/dT > 0, diverging at T_I "
                  f"(mean slope {slope_ratio:.3g} /K over the last 0.1 %)")
    else:
        role_i = "Activates hopping (dP0/dT > 0); no fold for these parameters"
    g1 = float(cf.polarization(0.5 * tp, K0, n0, g)) if tp > 0 else 0.0
    g2 = float(cf.polarization(0.9 * tp, K0, n0, g)) if tp > 0 else 0.0
    rows.append(TableRow(
        "Role of increasing temperature", role_i,
        f"Depolarizes: gamma = {g1:.3f} at 0.5 Tp, {g2:.3f} at 0.9 Tp, 0 above Tp",
    ))

    # --- dependences of the transition temperatures
    def ti_of(**kw):
        p = {"lambda0": lambda0, "K0": k0_i, "M0": M0, "n0": n0, **kw}
        return _fold_t(p["lambda0"], p["K0"], p["M0"], p["n0"], g, rng)

    if np.isfinite(t_i):
        s = {name: _log_sensitivity(lambda v, n=name: ti_of(**{n: v}), val)
             for name, val in (("lambda0", lambda0), ("M0", M0), ("n0", n0), ("K0", k0_i))}
        crit_i = "Depends on " + ", ".join(
            f"{n} (dlnT/dln{n} = {v:+.3g})" for n, v in s.items() if np.isfinite(v))
        coul_i = (f"Subtle: dlnT_I/dlnK0 = {s['K0']:+.3g}" if np.isfinite(s["K0"]) else
                  "Subtle: enters through Lambda0 + z_b n0 K0 / 2 and the polarization")
        fill_i = (f"High value required: dlnT_I/dln n0 = {s['n0']:+.3g} (fold needs "
                  f"M0 n0 >= {m_min * n0:.3g} eV{at_k0})")
    else:
        crit_i = f"No fold; a fold needs M0 >= {m_min:.4g} eV{at_k0}"
        coul_i = "Subtle (no fold for these parameters)"
        fill_i = f"High value required: a fold needs M0 n0 >= {m_min * n0:.3g} eV{at_k0}"
    if tp > 0:
        s2 = {name: _log_sensitivity(lambda v, n=name: float(cf.transition_temperature(
            v if n == "K0" else K0, v if n == "n0" else n0, g)), val)
            for name, val in (("K0", K0), ("n0", n0))}
        crit_ii = (f"Tp = z_b n0 K0 / 2 kB = {tp:.6g} K: dlnTp/dlnK0 = {s2['K0']:+.3g}, "
                   f"dlnTp/dln n0 = {s2['n0']:+.3g}, independent of Lambda0 and M0")
    else:
        crit_ii = "Tp = 0 (K0 = 0)"
    rows.append(TableRow("Critical temperature", crit_i, crit_ii))
    rows.append(TableRow("Dependence on Coulomb repulsion", coul_i,
                         f"Strong repulsion favours high Tp (dTp/dK0 = "
                         f"{g.blocking * n0 / (2 * KB_EV):.4g} K/eV)"))
    rows.append(TableRow("Dependence on filling number", fill_i,
                         "Subtle for the existence (Tp proportional to n0; needs |gamma| < "
                         "2/n0 - 1 to avoid double occupancy)"))
    before = type_i_before_type_ii(lambda0, K0, M0, n0, geometry=g)
    rows.append(TableRow(
        "Dependence on host lattice",
        f"Strong coupling required: M0 >= {m_min:.4g} eV{at_k0} for any fold "
        "(M0_min = 2 z (Lambda0 + z_b n0 K0 / 2) / (w z_c n0))",
        "Not sensitive: Tp independent of Lambda0 and M0"
        + ("; here the fold precedes Tp (M0 > 2 K0 exp(2 Lambda0 / n0 K0))" if before else ""),
    ))
    rows.append(TableRow("Experimental examples (paper)", *PAPER_EXAMPLES))
    return tuple(rows)


def table_markdown(rows) -> str:
    """Render table rows as a Markdown table."""
    lines = ["| Category | Type-I | Type-II |", "|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.category} | {r.type_I} | {r.type_II} |")
    return "\n".join(lines) + "\n"
