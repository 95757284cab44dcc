"""Drift, diffusion, mobility and conductivity from the stable Bloch mode.

Eqs. 20-22, 34-38 and 60-63 of the paper, in general form.

Everything here is exact and analytic (no finite differences):

* drift velocity ``v = sum_h d_h P_h pi_source(h) / tau``: the steady-state flux, equal to the
  group velocity of the stable k = 0 mode at any field strength (first-order perturbation of
  the eigenvalue 1 with left eigenvector 1 and right eigenvector pi);
* diffusion tensor ``D = -(1/2 tau) Re d^2 ln p_stable / dk^2`` at k = 0, from second-order
  perturbation theory with the fundamental matrix ``Z = (I - P0 + pi 1^T)^-1``;
* mobility ``d v / d f`` from the derivative of the stationary state, ``d pi = Z (dP0/df) pi``.

Velocities are in Å per second when ``tau`` is in seconds (per step when ``tau = 1``); the
reduced field ``f = Z E / kB T`` is in 1/Å.
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr
from scipy import stats

from .._validate import finite_array, finite_float, positive_temperature
from ..errors import DomainWarning, ModelError
from ..lattice import (
    HoppingModel,
    HopTable,
    coupling_factor,
    response_solver,
    stationary_distribution,
)
from ..units import ANGSTROM, ELEMENTARY_CHARGE, KB_EV


def _field_batch(model: HoppingModel, field) -> np.ndarray | None:
    """The reduced field as shape ``(..., dim)``: the last axis holds the components, leading
    axes form a batch. A 1D model also takes a scalar (one field). A 1D model given a 1-D array of
    several numbers is refused, as ambiguous: a batch of fields must say so by its shape
    ``(n, 1)`` (docs/conventions.md, "Fields and batches")."""
    if field is None:
        return None
    f = finite_array("field", field)
    if model.dim == 1 and f.ndim == 0:
        return f[None]
    if model.dim == 1 and f.ndim == 1 and f.size > 1:
        raise ModelError(
            f"field of shape {f.shape} for a 1D model is ambiguous: one field has one component "
            "(a number or [f]); give a batch of fields with an explicit component axis, shape "
            f"({f.size}, 1), e.g. np.asarray(fields)[:, None]"
        )
    if f.ndim == 0 or f.shape[-1] != model.dim:
        raise ModelError(
            f"field must have {model.dim} component(s) (last axis), got shape {f.shape}"
        )
    return f


def _warn_if_not_spanning(model: HoppingModel) -> None:
    model.check_connected(spanning=False)  # disconnected sites: DisconnectedNetworkError
    spanned = model.spanned_dimensions()
    if spanned < model.dim:
        warnings.warn(
            f"the hop network spans only {spanned} of {model.dim} lattice direction(s): there is "
            "no long-range transport along the others (their diffusion and mobility are zero)",
            DomainWarning,
            stacklevel=3,
        )


def drift_from_table(
    table: HopTable, tau: float, pi: np.ndarray | None = None, *, solver: str = "auto"
) -> np.ndarray:
    """Steady-state drift per ion, ``sum_h d_h P_h pi_s(h) / tau``, shape (..., dim)."""
    if pi is None:
        pi = stationary_distribution(table, solver=solver)
    flux = table.probability * pi[..., table.source]
    return flux @ table.displacement / tau


def drift_velocity(
    model: HoppingModel,
    *,
    field,
    coupling: str = "symmetric",
    temperature=None,
    solver: str = "auto",
) -> np.ndarray:
    """Exact drift velocity per ion at any field strength (Eqs. 20, 36, 41, 62).

    Parameters
    ----------
    model : HoppingModel
    field : array_like, shape (..., dim)
        Reduced field f = Z E / kB T in 1/Å; the last axis holds the components and leading
        axes form a batch. A 1D model also takes a number; a batch of fields for a 1D model has
        shape (n, 1): a flat list of several numbers is refused as ambiguous.
    coupling : {"symmetric", "full"}
    temperature : float, optional
        K; required for models declared by energies.
    solver : {"auto", "dense", "sparse", "amg"}
        Linear algebra of the stationary state: dense for small cells, sparse for large ones
        with ``"auto"`` (:mod:`superionic.lattice.linsolve`); the results agree.

    Returns
    -------
    ndarray, shape (..., dim)
        Velocity in Å per unit of ``model.tau`` (Å/s when tau is in s).
    """
    f = _field_batch(model, field)
    table = model.hop_table(temperature=temperature, field=f, coupling=coupling)
    return drift_from_table(table, model.tau, solver=solver)


def _hop_sums(table: HopTable, weights: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``sum over hops h with at[h] = site of weights[h, mu]``, shape (dim, n_sites)."""
    n = table.n_sites
    return np.stack([np.bincount(at, weights=w, minlength=n) for w in weights.T])


def _stable_mode_derivatives(table: HopTable, tau: float, solver: str = "auto"):
    """Real derivatives of the stable eigenvalue p(k) at k = 0 (zero field or any field).

    With ``dP/dk_mu = i G_mu`` (``G_mu[t, s] = sum d_mu P`` over hops s -> t): ``dp/dk_mu = i f_mu``
    with ``f_mu = 1^T G_mu pi``, and ``d^2 ln p / dk_mu dk_nu = -sum_h d_mu d_nu P_h pi_s
    - o_mu . w_nu - o_nu . w_mu + f_mu f_nu``, where ``o_mu = 1^T G_mu`` and
    ``w_nu = Z (G_nu pi - f_nu pi)`` (second-order perturbation theory; ``Z`` is applied to
    ``dim`` vectors only).

    Returns ``f`` (dim,), the Hessian of ln p (dim, dim), pi and the solver.
    """
    lin = response_solver(table, solver=solver)
    pi = lin.pi
    d, p = table.displacement, table.probability
    dim = d.shape[1]
    flux = p * pi[table.source]
    g_pi = _hop_sums(table, d * flux[:, None], table.target)  # G_mu pi, (dim, n)
    out_d = _hop_sums(table, d * p[:, None], table.source)  # o_mu = 1^T G_mu, (dim, n)
    first = flux @ d  # f_mu
    w = lin.apply(g_pi - first[:, None] * pi[None, :])  # (dim, n)
    direct = -(flux[:, None, None] * d[:, :, None] * d[:, None, :]).sum(axis=0)
    cross = out_d @ w.T  # o_mu . w_nu
    hess_log = direct - cross - cross.T + np.outer(first, first)
    return first, hess_log.reshape(dim, dim), pi, lin


def diffusion_tensor(
    model: HoppingModel, *, temperature=None, solver: str = "auto"
) -> np.ndarray:
    """Single-particle diffusion tensor at zero field, ``-(1/2 tau) d^2 ln p / dk^2`` (Eq. 27).

    Parameters
    ----------
    model : HoppingModel or SiteNetwork
    temperature : float, optional
        K; required for models declared by energies.
    solver : {"auto", "dense", "sparse", "amg"}
        Dense linear algebra for small cells; sparse LU or, for large cells in detailed
        balance, AMG-preconditioned conjugate gradients (:mod:`superionic.lattice.linsolve`).

    Returns
    -------
    ndarray, shape (dim, dim)
        Å^2 per unit of ``model.tau``. For the chain, ``a^2 P0 (1 - gamma^2) / (8 tau)``.
    """
    _warn_if_not_spanning(model)
    table = model.hop_table(temperature=temperature)
    _, hess, _, _ = _stable_mode_derivatives(table, model.tau, solver)
    out = -0.5 * hess.real / model.tau
    return 0.5 * (out + out.T)


def mobility_tensor(
    model: HoppingModel,
    *,
    coupling: str = "symmetric",
    temperature=None,
    field=None,
    solver: str = "auto",
) -> np.ndarray:
    """Mobility ``d v_mu / d f_nu`` (Eqs. 22, 36, 62), analytic; at zero field by default.

    With ``field`` given this is the differential mobility at that field (the strong-field
    response, Eq. 42 as corrected in docs/theory.md). ``solver`` as in :func:`diffusion_tensor`
    (AMG only at zero field).

    Returns
    -------
    ndarray, shape (dim, dim)
        Å^2 per unit of ``model.tau``. With ``coupling="symmetric"`` and detailed balance it
        equals :func:`diffusion_tensor` (Nernst-Einstein in reduced units); ``"full"`` doubles it.
    """
    c = coupling_factor(coupling)
    _warn_if_not_spanning(model)
    f = _field_batch(model, field)
    if f is not None and f.ndim != 1:
        raise ModelError("mobility_tensor takes one field vector at a time")
    table = model.hop_table(temperature=temperature, field=f, coupling=coupling)
    lin = response_solver(table, solver=solver, zero_field=f is None or not np.any(f))
    pi = lin.pi
    d, p = table.displacement, table.probability
    flux = p * pi[table.source]  # (n_hops,)
    # d pi / d f_nu = Z (dP0/df_nu) pi, dP0/df_nu: hop h moves c d_nu P_h pi_s from s to t.
    moved = c * d * flux[:, None]
    rate = _hop_sums(table, moved, table.target) - _hop_sums(table, moved, table.source)
    dpi = lin.apply(rate)  # (dim_nu, n)
    direct = (c * flux[:, None] * d).T @ d  # (mu, nu): sum_h d_mu c d_nu P pi
    indirect = (p[None, :] * dpi[:, table.source]) @ d  # (nu, mu)
    return (direct + indirect.T) / model.tau


def differential_mobility(
    model: HoppingModel, *, field, coupling="symmetric", temperature=None, solver: str = "auto"
):
    """``d v / d f`` at a finite reduced field (strong-field response), shape (dim, dim)."""
    return mobility_tensor(
        model, coupling=coupling, temperature=temperature, field=field, solver=solver
    )


# --------------------------------------------------------------------------- physical units
def mobility_to_conductivity(
    mobility, *, temperature, charge=1.0, filling=1.0, cell_volume, tau=1.0
) -> np.ndarray:
    """Convert a reduced mobility ``d v / d f`` into a conductivity in S/cm (Eqs. 21-22, 38, 63).

    ``sigma = (n0 / V) (Z e)^2 / (kB T) * M``, with ``M`` in m^2/s and V in m^3, divided by 100
    for S/cm.

    Parameters
    ----------
    mobility : array_like
        Reduced mobility ``d v / d f`` in Å^2 per time unit; the unit lasts ``tau`` seconds.
        :func:`mobility_tensor` returns Å^2 per second when the model's ``tau`` is in seconds:
        pass it with the default ``tau=1``. For a mobility per step (a model with ``tau = 1``)
        pass the physical step in seconds as ``tau``.
    temperature : float
        K.
    charge : float
        Z in units of e.
    filling : float
        Mobile ions per cell, n0.
    cell_volume : float
        Cell volume in Å^3 (for 1D and 2D lattices, give the volume per cell of the 3D crystal).
    tau : float
        Duration in s of the mobility's time unit.
    """
    temperature = positive_temperature(temperature)
    tau = finite_float("tau (s)", tau, minimum=0.0, strict_min=True)
    volume = finite_float("cell_volume (Å^3)", cell_volume, minimum=0.0, strict_min=True)
    charge = finite_float("charge (e)", charge)
    filling = finite_float("filling (ions per cell)", filling, minimum=0.0)
    kt_joule = KB_EV * temperature * ELEMENTARY_CHARGE
    mobility = finite_array("mobility", mobility)
    mu_si = mobility * ANGSTROM**2 / tau * (charge * ELEMENTARY_CHARGE) / kt_joule
    density = filling / (volume * ANGSTROM**3)
    return density * charge * ELEMENTARY_CHARGE * mu_si / 100.0


def conductivity_tensor(
    model: HoppingModel,
    *,
    temperature,
    charge: float | None = None,
    cell_volume: float | None = None,
    coupling: str = "symmetric",
    filling: float | None = None,
    solver: str = "auto",
) -> np.ndarray:
    """Weak-field conductivity tensor in S/cm of a single-particle model (Eqs. 21-22, 38, 63).

    Parameters
    ----------
    model : HoppingModel
        ``model.tau`` must be the physical step in seconds (the inverse attempt frequency).
    temperature : float
        K (also sets the hop probabilities of energy-declared models).
    charge : float, optional
        Ionic charge Z in units of e; default ``model.charge``.
    cell_volume : float, optional
        Å^3; default the lattice cell volume (3D lattices only).
    filling : float, optional
        Ions per cell; default ``model.filling``.
    solver : {"auto", "dense", "sparse", "amg"}
        As in :func:`diffusion_tensor`.
    """
    if cell_volume is None:
        if model.dim != 3:
            raise ModelError(
                "cell_volume (Å^3) is required for 1D and 2D lattices: give the crystal volume "
                "per cell"
            )
        cell_volume = model.cell_volume
    mob = mobility_tensor(
        model,
        coupling=coupling,
        temperature=None if not model.requires_temperature else temperature,
        solver=solver,
    )
    return mobility_to_conductivity(
        mob,
        temperature=temperature,
        charge=model.charge if charge is None else charge,
        filling=model.filling if filling is None else filling,
        cell_volume=cell_volume,
    )


def conductivity_vs_temperature(
    model: HoppingModel,
    temperatures,
    *,
    charge: float | None = None,
    cell_volume: float | None = None,
    coupling: str = "symmetric",
) -> xr.Dataset:
    """Conductivity, diffusion and drift response over a temperature grid, as a Dataset.

    Returns
    -------
    xarray.Dataset
        ``sigma`` (temperature, i, j) in S/cm, ``sigma_iso`` (mean of the diagonal),
        ``diffusion`` (temperature, i, j) in Å^2/s.
    """
    if charge is None:
        charge = model.charge
    temps = positive_temperature(temperatures, "temperatures")
    if temps.ndim != 1:
        raise ModelError("temperatures must be a 1D array of K")
    sig, dif = [], []
    for t in temps:
        sig.append(
            conductivity_tensor(
                model, temperature=t, charge=charge, cell_volume=cell_volume, coupling=coupling
            )
        )
        dif.append(diffusion_tensor(model, temperature=t if model.requires_temperature else None))
    axes = ["x", "y", "z"][: model.dim]
    sig_a = np.array(sig)
    ds = xr.Dataset(
        {
            "sigma": (("temperature", "i", "j"), sig_a, {"units": "S/cm"}),
            "sigma_iso": (
                "temperature",
                np.trace(sig_a, axis1=1, axis2=2) / model.dim,
                {"units": "S/cm", "long_name": "mean of the diagonal conductivity"},
            ),
            "diffusion": (
                ("temperature", "i", "j"),
                np.array(dif) * ANGSTROM**2 * 1e4,
                {"units": "cm^2/s"},
            ),
        },
        coords={"temperature": ("temperature", temps, {"units": "K"}), "i": axes, "j": axes},
        attrs={"charge_e": charge, "coupling": coupling, "tau_s": model.tau},
    )
    return ds


# --------------------------------------------------------------------------- Arrhenius
def arrhenius_fit(temperature, sigma) -> dict[str, float]:
    """Least-squares fit of ``ln(sigma T) = ln A - Ea / (kB T)`` (Eq. 39).

    Returns
    -------
    dict
        ``activation_energy`` and ``activation_energy_stderr`` in eV, ``prefactor`` (A, in the
        units of sigma times K) and ``ln_prefactor_stderr``, and ``r_squared``.
    """
    t = positive_temperature(temperature)
    s = finite_array("sigma", sigma)
    if t.shape != s.shape or t.ndim != 1 or t.size < 3:
        raise ModelError(
            f"arrhenius_fit needs matching 1D arrays of >= 3 points, got {t.shape} and {s.shape}"
        )
    if np.any(s <= 0):
        raise ModelError("sigma must be > 0 for an Arrhenius fit")
    res = stats.linregress(1.0 / (KB_EV * t), np.log(s * t))
    return {
        "activation_energy": float(-res.slope),
        "activation_energy_stderr": float(res.stderr),
        "prefactor": float(np.exp(res.intercept)),
        "ln_prefactor_stderr": float(res.intercept_stderr),
        "r_squared": float(res.rvalue**2),
    }
