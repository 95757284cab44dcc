"""Time-dependent driving: field steps, pulses and AC fields (paper Eqs. 4, 15-17, Sec. III.2).

A field protocol ``f(t)`` (reduced field ``Z E / kB T`` in 1/Å, time in s) makes every hop
probability time dependent, ``P_h(t) = P_h exp(c f(t).d_h)`` with the core's coupling factor
``c`` (1/2 "symmetric", 1 "full"); the diagonal stays ``1 - sum of out-probabilities``. Step ``n``
covers ``[t_n, t_n + tau)`` with ``t_n = start + n tau`` and uses the field at its start (Eq. 1:
``P(t)`` acts at the moment ``t``).

Evolution
---------
* ``space="reciprocal"`` (default): the k = 0 block, ``x_{n+1} = P_0(t_n) x_n`` for the sublattice
  occupations per ion, and the current from the first k-derivative of ``P_k``: the ions move on
  average ``sum_h d_h P_h(t_n) x_n[source(h)]`` during step n. This is the homogeneous
  (macroscopic) part of Eq. 17; with ``wavevector=k`` the Bloch amplitudes ``n_k`` of a density
  wave evolve by ``P_k(t_n)`` instead (Eqs. 13, 15).
* ``space="real"``: the hops repeated on a periodic supercell (the site order of
  :func:`superionic.realspace.dynamics.real_space`), for any initial density; the mean velocity
  agrees with
  the reciprocal route whenever the sublattice occupations do.

The sequential loop is a numba kernel with a pure-NumPy twin (``engine="python"``) of identical
results.

Currents are ion velocities per ion (Å/s when ``model.tau`` is in s), positive along the ions'
motion (Eq. 17 with the sign of :mod:`superionic.realspace.dynamics`); an electric current density
is
``Z e n0 / V`` times this.

Relaxation (Sec. III.2, "loss of memory"). After a step to a constant field ``f1``,
``x_n = sum_nu c_nu p_nu^n u_nu`` over the eigenmodes of ``P_0(f1)``, so the velocity is
``v_n = v_inf + sum_{nu >= 1} a_nu p_nu^n``: it relaxes to the steady drift at the decay rates of
the non-stable k = 0 modes (:func:`superionic.kspace.bloch.eigenmodes`). :func:`step_response`
returns
the amplitudes ``a_nu`` and rates beside the evolution.

Field protocols (:class:`StepField`, :class:`PulseField`, :class:`ACField`) are defined in
:mod:`superionic.realspace.field_protocols` and the small-signal AC mobility and conductivity
(:func:`ac_response`) in :mod:`superionic.realspace.linear_response`; both are re-exported here.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numba
import numpy as np
import xarray as xr

from .._validate import finite_array, finite_float
from ..errors import DomainWarning, ModelError
from ..kspace import eigenmodes
from ..lattice import HoppingModel, coupling_factor, stationary_distribution
from ..transport import drift_velocity
from .field_protocols import ACField, PulseField, StepField
from .linear_response import ac_response
from .supercell import _cell_grid, _repeats, _supercell_hop_sites

__all__ = [
    "ACField",
    "PulseField",
    "StepField",
    "ac_response",
    "drive",
    "relaxation_modes",
    "step_response",
]

_AXES = ("x", "y", "z")


# --------------------------------------------------------------------------- kernels
@numba.njit(cache=True)
def _evolve_numba(src, tgt, kind, phase, disp, prob, x0, basis, n_basis):  # pragma: no cover
    n_steps = prob.shape[0]
    n_hops = src.shape[0]
    dim = disp.shape[1]
    x = x0.copy()
    occ = np.zeros((n_steps + 1, n_basis), dtype=x0.dtype)
    moves = np.zeros((n_steps, dim), dtype=x0.dtype)
    for i in range(x.shape[0]):
        occ[0, basis[i]] += x[i]
    for n in range(n_steps):
        new = x.copy()
        for h in range(n_hops):
            flux = prob[n, kind[h]] * x[src[h]]
            new[src[h]] -= flux
            new[tgt[h]] += phase[h] * flux
            for mu in range(dim):
                moves[n, mu] += flux * disp[h, mu]
        x = new
        for i in range(x.shape[0]):
            occ[n + 1, basis[i]] += x[i]
    return x, occ, moves


def _evolve_python(src, tgt, kind, phase, disp, prob, x0, basis, n_basis):
    """Pure-NumPy twin of :func:`_evolve_numba` (same arithmetic, one vector op per step)."""
    n_steps = prob.shape[0]
    x = x0.copy()
    occ = np.zeros((n_steps + 1, n_basis), dtype=x0.dtype)
    moves = np.zeros((n_steps, disp.shape[1]), dtype=x0.dtype)
    np.add.at(occ[0], basis, x)
    for n in range(n_steps):
        flux = prob[n, kind] * x[src]
        new = x.copy()
        np.subtract.at(new, src, flux)
        np.add.at(new, tgt, phase * flux)
        moves[n] = flux @ disp
        x = new
        np.add.at(occ[n + 1], basis, x)
    return x, occ, moves


_ENGINES = {"numba": _evolve_numba, "python": _evolve_python}


# --------------------------------------------------------------------------- helpers
def _protocol(model: HoppingModel, field) -> Callable:
    if field is None:
        return lambda t: np.zeros((*np.shape(t), model.dim))
    if callable(field):
        return field
    f = np.atleast_1d(finite_array("field (reduced, 1/Å)", field))
    if f.shape != (model.dim,):
        raise ModelError(f"field must have {model.dim} component(s), got shape {f.shape}")
    return lambda t: np.broadcast_to(f, (*np.shape(t), model.dim))


def _field_values(model: HoppingModel, protocol: Callable, times: np.ndarray) -> np.ndarray:
    f = np.asarray(protocol(times), dtype=float)
    if model.dim == 1 and f.shape == times.shape:
        f = f[..., None]
    if f.shape != (*times.shape, model.dim):
        raise ModelError(
            f"the field protocol must return shape {(*times.shape, model.dim)} (reduced field per "
            f"time, 1/Å), got {f.shape}"
        )
    if not np.all(np.isfinite(f)):
        raise ModelError("the field protocol returned non-finite values")
    return f


def _step_probabilities(model, table, fields, coupling, domain):
    c = coupling_factor(coupling)
    prob = table.probability * np.exp(c * fields @ table.displacement.T)  # (n_steps, n_hops)
    out = np.zeros((prob.shape[0], table.n_sites))
    np.add.at(out, (slice(None), table.source), prob)
    bad = out > 1.0 + 1e-12
    if np.any(bad):
        step, site = np.unravel_index(int(np.argmax(out)), out.shape)
        msg = (
            f"out-probability of site {model.lattice.site_names[site]!r} reaches "
            f"{float(out[step, site]):.6g} > 1 at step {int(step)} (field "
            f"{fields[step].tolist()} 1/Å): outside the discrete-time domain"
        )
        if domain == "raise":
            raise ModelError(msg + "; lower the field or use a shorter step")
        if domain == "warn":
            warnings.warn(msg, DomainWarning, stacklevel=3)
    return prob, bool(not np.any(bad))


def _check_engine(engine: str):
    if engine not in _ENGINES:
        raise ModelError(f"engine must be 'numba' or 'python', got {engine!r}")
    return _ENGINES[engine]


def _supercell_hops(model: HoppingModel, table, repeats: tuple[int, ...]):
    """Expanded hops in the site order of :func:`superionic.realspace.dynamics.real_space`."""
    cells = _cell_grid(repeats)
    src, tgt = _supercell_hop_sites(table, cells, repeats)
    kind = np.tile(np.arange(table.n_hops), cells.shape[0])
    return src, tgt, kind, cells.shape[0]


# --------------------------------------------------------------------------- drive
def drive(
    model: HoppingModel,
    field,
    *,
    n_steps: int,
    temperature=None,
    coupling: str = "symmetric",
    start: float = 0.0,
    initial=None,
    space: str = "reciprocal",
    repeats=None,
    wavevector=None,
    engine: str = "numba",
    domain: str = "raise",
) -> xr.Dataset:
    """Evolve a model under a time-dependent field and record the ionic current (Eqs. 4, 17).

    Parameters
    ----------
    model : HoppingModel
        ``model.tau`` is the step (s).
    field : callable, array_like or None
        Protocol ``t -> (..., dim)`` reduced field in 1/Å (:class:`StepField`,
        :class:`PulseField`, :class:`ACField` or any function broadcasting over times), a
        constant vector, or None (zero field).
    n_steps : int
        Number of steps.
    temperature : float, optional
        K; required for models declared by energies.
    coupling : {"symmetric", "full"}
    start : float
        Time of the first step, s.
    initial : array_like, optional
        Initial occupations per ion: shape (n_sites,) in reciprocal space, (n_cells, n_sites) or
        (n_cells * n_sites,) in real space; normalised to one ion. Default: the stationary state
        at the field one step before ``start`` (the system has settled before the protocol).
    space : {"reciprocal", "real"}
    repeats : int or sequence of int
        Supercell for ``space="real"``.
    wavevector : array_like, optional
        In reciprocal space, evolve the Bloch amplitudes of this k (1/Å) instead of k = 0; the
        dataset then holds the complex wave (``amplitude_*``) instead of velocities.
    engine : {"numba", "python"}
    domain : {"raise", "warn", "flag"}
        Out-probabilities above one (a negative diagonal): raise ModelError, or proceed and set
        ``attrs["in_domain"] = 0`` (with a DomainWarning for "warn").

    Returns
    -------
    xarray.Dataset
        Coordinate ``time`` = ``t_n`` (start of step n, s) and ``axis``, ``site``:

        * ``field`` (time, axis): reduced field during the step, 1/Å;
        * ``velocity`` (time, axis): mean ion velocity during the step, Å/s (Eq. 17);
        * ``displacement`` (time, axis): mean displacement per ion at the end of the step, Å;
        * ``occupation`` (time, site): sublattice occupations per ion at ``t_n``;
        * ``field_area`` (axis): ``sum_n f_n tau``, 1/Å s;
        * ``amplitude_real``/``amplitude_imag`` (time, site) with ``wavevector``;
        * ``final_density`` (cell_site) in real space (site order of
          :func:`superionic.realspace.dynamics.real_space`).
    """
    if not isinstance(model, HoppingModel):
        raise ModelError(f"model must be a HoppingModel, got {type(model).__name__}")
    n_steps = int(finite_float("n_steps", n_steps, minimum=1))
    start = finite_float("start (s)", start)
    if space not in ("reciprocal", "real"):
        raise ModelError(f"space must be 'reciprocal' or 'real', got {space!r}")
    if domain not in ("raise", "warn", "flag"):
        raise ModelError(f"domain must be 'raise', 'warn' or 'flag', got {domain!r}")
    kernel = _check_engine(engine)
    protocol = _protocol(model, field)
    tau = model.tau
    times = start + tau * np.arange(n_steps)
    fields = _field_values(model, protocol, times)
    table = model.hop_table(temperature=temperature)
    prob, ok = _step_probabilities(model, table, fields, coupling, domain)
    n = model.n_sites
    f_before = _field_values(model, protocol, np.array([start - tau]))[0]

    def stationary():
        t0 = model.hop_table(
            temperature=temperature, field=f_before, coupling=coupling, domain="ignore"
        )
        return stationary_distribution(t0)

    disp = table.displacement
    if space == "reciprocal":
        src, tgt, kind = table.source, table.target, np.arange(table.n_hops)
        basis = np.arange(n)
        if initial is None:
            x0 = stationary()
        else:
            x0 = finite_array("initial (occupations per ion)", initial).reshape(-1)
            if x0.shape != (n,):
                raise ModelError(f"initial must have {n} occupations, got shape {x0.shape}")
        if wavevector is None:
            phase = np.ones(table.n_hops)
        else:
            if wavevector is not None and np.ndim(wavevector) == 0:
                wavevector = [wavevector]
            kv = finite_array("wavevector (1/Å)", wavevector).reshape(-1)
            if kv.size != model.dim:
                raise ModelError(f"wavevector must have {model.dim} component(s)")
            phase = np.exp(1j * (disp @ kv))
            x0 = x0.astype(complex)
        n_cells = 1
    else:
        if wavevector is not None:
            raise ModelError("wavevector is for space='reciprocal'")
        if repeats is None:
            raise ModelError("space='real' needs repeats (supercell size)")
        reps = _repeats(repeats, model.dim)
        src, tgt, kind, n_cells = _supercell_hops(model, table, reps)
        basis = np.tile(np.arange(n), n_cells)
        phase = np.ones(src.size)
        if initial is None:
            x0 = np.tile(stationary(), n_cells) / n_cells
        else:
            x0 = finite_array("initial (occupations per ion)", initial).reshape(-1)
            if x0.shape != (n_cells * n,):
                raise ModelError(
                    f"initial must have {n_cells * n} site occupations (cells x sites), "
                    f"got {x0.size}"
                )
        disp = np.tile(disp, (n_cells, 1))
    if wavevector is None:
        total = x0.sum()
        if not total > 0 or np.any(x0 < 0):
            raise ModelError("initial occupations must be >= 0 with a positive sum")
        x0 = x0 / total
    final, occ, moves = kernel(
        np.ascontiguousarray(src, dtype=np.int64),
        np.ascontiguousarray(tgt, dtype=np.int64),
        np.ascontiguousarray(kind, dtype=np.int64),
        np.ascontiguousarray(phase),
        np.ascontiguousarray(disp, dtype=float),
        np.ascontiguousarray(prob, dtype=float),
        np.ascontiguousarray(x0),
        np.ascontiguousarray(basis, dtype=np.int64),
        n,
    )
    axes = list(_AXES[: model.dim])
    data = {
        "field": (
            ("time", "axis"),
            fields,
            {"units": "1/angstrom", "long_name": "reduced field Z E / kB T"},
        ),
        "field_area": ("axis", fields.sum(axis=0) * tau, {"units": "s/angstrom"}),
    }
    if wavevector is None:
        velocity = moves.real / tau
        data["velocity"] = (
            ("time", "axis"),
            velocity,
            {"units": "angstrom/s", "long_name": "mean ion velocity (Eq. 17)"},
        )
        data["displacement"] = (
            ("time", "axis"),
            np.cumsum(moves.real, axis=0),
            {"units": "angstrom", "long_name": "mean displacement per ion"},
        )
        data["occupation"] = (("time", "site"), occ[:-1].real, {"units": "ions per ion"})
    else:
        data["amplitude_real"] = (("time", "site"), occ[:-1].real)
        data["amplitude_imag"] = (("time", "site"), occ[:-1].imag)
    if space == "real":
        data["final_density"] = (
            "cell_site",
            final.real,
            {"long_name": "density per site after the last step"},
        )
    return xr.Dataset(
        data,
        coords={
            "time": ("time", times, {"units": "s"}),
            "axis": axes,
            "site": list(model.lattice.site_names),
        },
        attrs={
            "tau_s": tau,
            "coupling": coupling,
            "space": space,
            "n_cells": n_cells,
            "in_domain": int(ok),
            "temperature_K": float("nan") if temperature is None else float(temperature),
            "equations": "n(t + tau) = P(t) n(t) (Eqs. 4, 13); current Eq. 17",
        },
    )


# --------------------------------------------------------------------------- relaxation
def _k0_modes(model: HoppingModel, field, coupling: str, temperature):
    """Eigenmodes of the k = 0 matrix ``P_0(f)`` by the general solver, stable mode first."""
    return eigenmodes(
        model,
        np.zeros(model.dim),
        field=field,
        coupling=coupling,
        temperature=temperature,
        method="general",
    )


def relaxation_modes(
    model: HoppingModel, *, field=None, temperature=None, coupling: str = "symmetric"
) -> xr.Dataset:
    """The k = 0 eigenmodes that carry the relaxation towards steady state (Sec. III.2).

    Returns
    -------
    xarray.Dataset
        Dimension ``mode`` (stable mode first): ``eigenvalue_real``/``eigenvalue_imag``,
        ``decay_rate`` ``(1 - |p|) / tau`` (Eq. 15) and ``relaxation_rate`` ``-ln|p| / tau``
        (the exact per-time rate of ``|p|^n``), both 1/s, and ``frequency`` ``arg p / tau``.
        ``attrs["memory_time"]``: ``1 / (smallest relaxation rate of the non-stable modes)``.
    """
    f = None if field is None else np.atleast_1d(finite_array("field", field))
    modes = _k0_modes(model, f, coupling, temperature)
    p = modes.values
    with np.errstate(divide="ignore"):
        rate = -np.log(np.abs(p)) / model.tau
    slowest = float(np.min(rate[1:])) if p.size > 1 else math.inf
    return xr.Dataset(
        {
            "eigenvalue_real": ("mode", p.real, {"units": "1"}),
            "eigenvalue_imag": ("mode", p.imag, {"units": "1"}),
            "decay_rate": ("mode", modes.decay_rate, {"units": "1/s"}),
            "relaxation_rate": ("mode", rate, {"units": "1/s"}),
            "frequency": ("mode", modes.frequency, {"units": "rad/s"}),
        },
        coords={"mode": np.arange(p.size)},
        attrs={
            "memory_time": 1.0 / slowest if slowest > 0 else math.inf,
            "memory_time_units": "s",
            "tau_s": model.tau,
        },
    )


def step_response(
    model: HoppingModel,
    amplitude,
    *,
    n_steps: int,
    before=None,
    temperature=None,
    coupling: str = "symmetric",
    engine: str = "numba",
) -> xr.Dataset:
    """Transient current after a field step at t = 0 and its modal decomposition (Sec. III.2).

    The system starts in the stationary state at ``before`` (default zero field). Besides the
    variables of :func:`drive`:

    * ``steady_velocity`` (axis): the drift at the new field
      (:func:`superionic.transport.drift_velocity`);
    * ``mode_eigenvalue_real``/``_imag`` (mode), ``relaxation_rate`` (mode) of ``P_0(f1)``;
    * ``mode_amplitude_real``/``_imag`` (mode, axis): ``a_nu`` in
      ``v_n = sum_nu a_nu p_nu^n`` (the stable mode's amplitude is the steady drift);
    * ``modal_velocity`` (time, axis): that sum, equal to ``velocity`` to rounding.
    """
    step = StepField(amplitude, 0.0, before)
    f1 = np.array(step.amplitude)
    if f1.size != model.dim:
        raise ModelError(f"amplitude must have {model.dim} component(s)")
    ds = drive(
        model, step, n_steps=n_steps, temperature=temperature, coupling=coupling, engine=engine
    )
    table = model.hop_table(temperature=temperature, field=f1, coupling=coupling)
    modes = _k0_modes(model, f1, coupling, temperature)
    w = np.zeros((model.dim, model.n_sites))
    np.add.at(w.T, table.source, table.probability[:, None] * table.displacement)
    x0 = ds.occupation.values[0]
    coeff = modes.left @ x0  # (mode,)
    amp = (w @ modes.right) * coeff[None, :] / model.tau  # (axis, mode)
    nn = np.arange(n_steps)
    modal = np.real(np.einsum("am,nm->na", amp, modes.values[None, :] ** nn[:, None]))
    with np.errstate(divide="ignore"):
        rate = -np.log(np.abs(modes.values)) / model.tau
    steady = drift_velocity(model, field=f1, coupling=coupling, temperature=temperature)
    ds = ds.assign(
        steady_velocity=("axis", np.asarray(steady).reshape(-1), {"units": "angstrom/s"}),
        mode_eigenvalue_real=("mode", modes.values.real, {"units": "1"}),
        mode_eigenvalue_imag=("mode", modes.values.imag, {"units": "1"}),
        relaxation_rate=("mode", rate, {"units": "1/s", "long_name": "-ln|p| / tau"}),
        decay_rate=("mode", modes.decay_rate, {"units": "1/s", "long_name": "(1 - |p|) / tau"}),
        mode_amplitude_real=(("mode", "axis"), amp.T.real, {"units": "angstrom/s"}),
        mode_amplitude_imag=(("mode", "axis"), amp.T.imag, {"units": "angstrom/s"}),
        modal_velocity=(("time", "axis"), modal, {"units": "angstrom/s"}),
    )
    return ds.assign_coords(mode=np.arange(modes.values.size))
