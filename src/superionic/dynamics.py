"""Real-space dynamics on a periodic supercell (paper Eqs. 8-9, 16-17, 27).

A model's hops, repeated over ``L_1 x ... x L_dim`` cells with periodic boundaries, give the
real-space hopping matrix ``P[target, source]`` (a :class:`scipy.sparse.csr_matrix`), and the
density evolves as ``n(t + tau) = P n(t)`` (Eq. 8). Columns of ``P`` sum to one, so the number of
ions is conserved exactly (Eq. 9).

Site ordering: the global index of site ``a`` in cell ``c = (c_1, ..., c_dim)`` is
``ravel_multi_index(c, repeats) * n_sites + a`` (C order), so ``density.reshape(n_cells,
n_sites)`` separates cells and sublattices.

Currents (Eq. 17). During one step the ions on a site ``j`` of sublattice ``a`` carry the flux
``n_j sum_{hops h from a} P_h d_h``; summed over the supercell this is the ionic current per step,
equal to the exact change of the dipole ``sum_j r_j n_j`` with unwrapped hop vectors. Currents are
given as ion velocities (Å per unit of ``tau``, i.e. Å/s when tau is in s) summed over the ions;
multiply by ``Z e`` for an electric current. The paper's Eq. 17 carries the opposite sign
(``-d/dt`` of the polarization); here the current points along the ions' motion.

Density waves (Eq. 27). For a wave vector ``k`` commensurate with the supercell, the sublattice
Fourier amplitudes ``n_k,a = sum_cells exp(+i k.r) n`` evolve exactly by the Bloch matrix,
``n_k(t + tau) = P(k) n_k(t)`` (the convention of :mod:`superionic.bloch`), so a cosine density
wave relaxes at the stable-mode decay rate ``kappa(k) = (1 - |p(k)|) / tau ~ k.D.k`` and, in a
field, propagates at the frequency ``arg p(k) / tau``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
import xarray as xr

from ._validate import finite_array, finite_float, int_tuple
from .bloch import bloch_from_table, stationary_distribution
from .errors import ModelError
from .model import HoppingModel, HopTable, in_domain

_AXES = ("x", "y", "z")


# --------------------------------------------------------------------------- supercell
@dataclass(frozen=True, eq=False)
class RealSpaceSystem:
    """A model on a periodic supercell: the sparse hopping matrix and its geometry (Eq. 8).

    Build it with :func:`real_space`.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix, shape (n_total, n_total)
        ``P[target, source]``, per-step probabilities; every column sums to one.
    table : HopTable
        The primitive cell's compiled hops (one temperature and field).
    repeats : tuple of int
        Cells along each lattice vector.
    n_sites : int
        Sites per primitive cell.
    cell : ndarray of int, shape (n_total, dim)
        Cell index of every site.
    sublattice : ndarray of int, shape (n_total,)
        Index of every site in the primitive cell.
    positions : ndarray, shape (n_total, dim)
        Cartesian positions in Å (cell origin + site position, cells 0..L-1).
    lattice_vectors : ndarray, shape (dim, dim)
        Primitive lattice vectors (rows), Å.
    tau : float
        Step in s.
    site_velocity : ndarray, shape (n_sites, dim)
        ``sum over hops h from a of P_h d_h / tau``: the mean velocity of an ion on sublattice a
        during one step (Å per unit of tau).
    in_domain : bool
        False when some out-probability exceeds one (negative diagonal; DESIGN 3.7).
    """

    matrix: sp.csr_matrix
    table: HopTable
    repeats: tuple[int, ...]
    n_sites: int
    cell: np.ndarray
    sublattice: np.ndarray
    positions: np.ndarray
    lattice_vectors: np.ndarray
    tau: float
    site_velocity: np.ndarray
    in_domain: bool

    @property
    def dim(self) -> int:
        return len(self.repeats)

    @property
    def n_cells(self) -> int:
        return int(np.prod(self.repeats))

    @property
    def n_total(self) -> int:
        """Number of sites in the supercell."""
        return self.n_cells * self.n_sites

    @property
    def reciprocal(self) -> np.ndarray:
        """Primitive reciprocal vectors (rows), 1/Å."""
        return 2.0 * np.pi * np.linalg.inv(self.lattice_vectors).T

    @cached_property
    def current_operator(self) -> np.ndarray:
        """``V[mu, j]``: velocity of an ion on site j, shape (dim, n_total); J = V n (Eq. 17)."""
        return np.ascontiguousarray(self.site_velocity[self.sublattice].T)

    def commensurate_k(self, m) -> np.ndarray:
        """Cartesian k = sum_i m_i b_i / L_i (1/Å) for integers ``m``: a wave that fits the cell."""
        m = np.asarray(int_tuple("m", m, self.dim), dtype=float)
        return (m / np.asarray(self.repeats)) @ self.reciprocal


def _cell_grid(repeats: tuple[int, ...]) -> np.ndarray:
    return np.indices(repeats).reshape(len(repeats), -1).T


def real_space(
    model: HoppingModel,
    repeats,
    *,
    temperature=None,
    field=None,
    coupling: str = "symmetric",
    domain: str = "raise",
) -> RealSpaceSystem:
    """Build the real-space hopping matrix of a periodic supercell (Eq. 8), vectorised.

    Parameters
    ----------
    model : HoppingModel
    repeats : int or sequence of int
        Number of primitive cells along each lattice vector (periodic boundaries). A hop that
        wraps onto its own source (possible when a repeat is 1) simply stays on the site.
    temperature : float, optional
        K; required for models declared by energies.
    field : array_like, shape (dim,), optional
        Reduced field f = Z E / kB T in 1/Å.
    coupling : {"symmetric", "full"}
    domain : {"raise", "warn", "ignore"}
        Handling of out-probabilities above one (see :meth:`HoppingModel.hop_table`).

    Returns
    -------
    RealSpaceSystem
    """
    dim = model.dim
    if isinstance(repeats, int | np.integer):
        repeats = (int(repeats),) * dim
    reps = int_tuple("repeats", repeats, dim)
    if any(r < 1 for r in reps):
        raise ModelError(f"repeats must be >= 1 along every lattice vector, got {reps}")
    if field is not None:
        f = finite_array("field", field)
        if f.ndim > 1 or (f.ndim == 1 and f.size != dim) or (f.ndim == 0 and dim != 1):
            raise ModelError(f"field must be one vector of {dim} component(s), got shape {f.shape}")
        field = f.reshape(dim)
    table = model.hop_table(temperature=temperature, field=field, coupling=coupling, domain=domain)
    n = model.n_sites
    reps_a = np.asarray(reps, dtype=np.int64)
    cells = _cell_grid(reps)  # (n_cells, dim)
    n_cells = cells.shape[0]
    n_total = n_cells * n
    if n_total >= 2**31 - 1:
        raise ModelError(f"supercell of {n_total} sites is too large (limit 2^31 - 1)")
    strides = np.array([int(np.prod(reps[i + 1 :])) for i in range(dim)], dtype=np.int64)
    src_flat = cells @ strides  # (n_cells,)
    tgt_cells = np.mod(cells[:, None, :] + table.cell[None, :, :], reps_a)  # (n_cells, n_hops, dim)
    tgt_flat = tgt_cells @ strides  # (n_cells, n_hops)
    index_dtype = np.int32
    rows = (tgt_flat * n + table.target[None, :]).astype(index_dtype).ravel()
    cols = (src_flat[:, None] * n + table.source[None, :]).astype(index_dtype).ravel()
    data = np.broadcast_to(table.probability, (n_cells, table.n_hops)).ravel()
    diag_idx = np.arange(n_total, dtype=index_dtype)
    diag = np.tile(1.0 - table.out_probability(), n_cells)
    matrix = sp.csr_matrix(
        (
            np.concatenate([data, diag]),
            (np.concatenate([rows, diag_idx]), np.concatenate([cols, diag_idx])),
        ),
        shape=(n_total, n_total),
    )
    matrix.sum_duplicates()
    lat = model.lattice
    sublattice = np.tile(np.arange(n), n_cells)
    cell_of_site = np.repeat(cells, n, axis=0)
    positions = cell_of_site @ lat.matrix + lat.positions[sublattice]
    velocity = np.zeros((n, dim))
    np.add.at(velocity, table.source, table.probability[:, None] * table.displacement)
    return RealSpaceSystem(
        matrix=matrix,
        table=table,
        repeats=reps,
        n_sites=n,
        cell=cell_of_site,
        sublattice=sublattice,
        positions=positions,
        lattice_vectors=lat.matrix.copy(),
        tau=model.tau,
        site_velocity=velocity / model.tau,
        in_domain=bool(in_domain(table)),
    )


def hopping_matrix(model: HoppingModel, repeats, **kwargs) -> sp.csr_matrix:
    """The sparse real-space hopping matrix ``P[target, source]`` of a periodic supercell.

    Shorthand for ``real_space(model, repeats, **kwargs).matrix``; see :func:`real_space`.
    """
    return real_space(model, repeats, **kwargs).matrix


# --------------------------------------------------------------------------- evolution
def _density(system: RealSpaceSystem, density) -> np.ndarray:
    n = finite_array("density", density)
    if n.shape[:1] != (system.n_total,) or n.ndim > 2:
        raise ModelError(
            f"density must have shape ({system.n_total},) or ({system.n_total}, batch), "
            f"got {n.shape}"
        )
    return n


def propagate(system: RealSpaceSystem, density, steps: int) -> np.ndarray:
    """Apply ``steps`` steps of Eq. 8, ``n <- P n``; returns the final density.

    Parameters
    ----------
    system : RealSpaceSystem
    density : array_like, shape (n_total,) or (n_total, batch)
        Initial density (ions per site); a second axis evolves a batch of densities at once.
    steps : int
        Number of steps (>= 0).
    """
    n = _density(system, density)
    steps = int(finite_float("steps", steps, minimum=0))
    p = system.matrix
    for _ in range(steps):
        n = p @ n
    return n


def _current(system: RealSpaceSystem, n: np.ndarray) -> np.ndarray:
    out = system.current_operator @ n
    return out if n.ndim == 1 else out.T


def ionic_current(system: RealSpaceSystem, density) -> np.ndarray:
    """Total ionic current during the next step (Eq. 17), shape (dim,) or (batch, dim).

    ``J = sum over sites j and hops h leaving j of d_h P_h n_j / tau``: the summed ion velocity,
    in Å per unit of tau times ions. It equals the exact change of the dipole per step.
    """
    return _current(system, _density(system, density))


def local_current(system: RealSpaceSystem, density) -> np.ndarray:
    """Outgoing flux vector of every site during the next step, shape (n_total, dim).

    ``n_j sum_{h from j} P_h d_h / tau`` (Eq. 17 resolved per site); sums to :func:`ionic_current`.
    """
    n = _density(system, density)
    if n.ndim != 1:
        raise ModelError("local_current takes one density vector")
    return n[:, None] * system.site_velocity[system.sublattice]


def fourier_amplitudes(system: RealSpaceSystem, density, k) -> np.ndarray:
    """Sublattice Fourier amplitudes ``n_k,a = sum_cells exp(+i k.r) n`` (Eq. 10's sign flipped).

    With this sign ``n_k(t + tau) = P(k) n_k(t)`` exactly in the convention of
    :func:`superionic.bloch_matrix`, for k commensurate with the supercell.

    Returns
    -------
    ndarray, complex, shape (n_sites,) or (n_sites, batch)
    """
    n = _density(system, density)
    kv = _commensurate(system, k)
    phase = np.exp(1j * (system.positions @ kv))
    weighted = phase.reshape(system.n_cells, system.n_sites, *([1] * (n.ndim - 1)))
    return (weighted * n.reshape(system.n_cells, system.n_sites, *n.shape[1:])).sum(axis=0)


def _commensurate(system: RealSpaceSystem, k) -> np.ndarray:
    kv = finite_array("k", k).reshape(-1)
    if kv.size != system.dim:
        raise ModelError(f"k must have {system.dim} component(s), got {np.shape(k)}")
    m = (kv @ system.lattice_vectors.T) / (2 * np.pi) * np.asarray(system.repeats)
    if not np.allclose(m, np.round(m), atol=1e-8):
        raise ModelError(
            f"k = {kv.tolist()} 1/Å is not commensurate with the {system.repeats} supercell: "
            f"k . L_i a_i / 2 pi = {m.tolist()} must be integers; use "
            "RealSpaceSystem.commensurate_k(m)"
        )
    return kv


def evolve(
    system: RealSpaceSystem,
    density,
    steps: int,
    *,
    every: int = 1,
    store_density: bool = True,
) -> xr.Dataset:
    """Evolve a density by Eq. 8 and record its trajectory.

    Parameters
    ----------
    system : RealSpaceSystem
    density : array_like, shape (n_total,)
        Initial density in ions per site (any real vector; probability is conserved).
    steps : int
        Number of steps.
    every : int
        Record every ``every`` steps (the final step is always recorded).
    store_density : bool
        Keep the density snapshots (``n_total`` numbers per record); otherwise only the
        integrated quantities.

    Returns
    -------
    xarray.Dataset
        Dimension ``time`` (recorded steps) and, when stored, ``site``:

        * ``density`` (time, site): ions per site;
        * ``total`` (time): number of ions (conserved, Eq. 9);
        * ``current`` (time, direction): the ionic current of the next step (Eq. 17), Å/s x ions;
        * ``displacement`` (time, direction): exact cumulative dipole change
          ``sum_t' current(t') tau``, Å x ions (unwrapped, so it grows without bound in a field).

        Coordinates ``step``, ``time`` (s), ``position`` (site, direction), ``sublattice``,
        ``cell``.
    """
    n = _density(system, density)
    if n.ndim != 1:
        raise ModelError("evolve takes one density vector; use propagate() for a batch")
    steps = int(finite_float("steps", steps, minimum=0))
    every = int(finite_float("every", every, minimum=1))
    record = sorted(set(range(0, steps + 1, every)) | {steps})
    p = system.matrix
    snapshots, totals, currents, displacements, recorded = [], [], [], [], []
    disp = np.zeros(system.dim)
    ri = 0
    for step in range(steps + 1):
        cur = _current(system, n)
        if step == record[ri]:
            recorded.append(step)
            totals.append(n.sum())
            currents.append(cur)
            displacements.append(disp.copy())
            if store_density:
                snapshots.append(n.copy())
            ri += 1
        if step == steps:
            break
        disp += cur * system.tau
        n = p @ n
    steps_a = np.asarray(recorded)
    axes = list(_AXES[: system.dim])
    data = {
        "total": ("time", np.asarray(totals), {"units": "ions", "long_name": "number of ions"}),
        "current": (
            ("time", "direction"),
            np.asarray(currents),
            {"units": "angstrom/s * ions", "long_name": "ionic current of the next step (Eq. 17)"},
        ),
        "displacement": (
            ("time", "direction"),
            np.asarray(displacements),
            {"units": "angstrom * ions", "long_name": "cumulative dipole change"},
        ),
    }
    coords = {
        "step": ("time", steps_a),
        "time": ("time", steps_a * system.tau, {"units": "s"}),
        "direction": axes,
    }
    if store_density:
        data["density"] = (("time", "site"), np.asarray(snapshots), {"units": "ions per site"})
        coords["position"] = (("site", "direction"), system.positions, {"units": "angstrom"})
        coords["sublattice"] = ("site", system.sublattice)
        coords["cell"] = (("site", "direction"), system.cell)
    return xr.Dataset(
        data,
        coords=coords,
        attrs={
            "tau_s": system.tau,
            "repeats": list(system.repeats),
            "in_domain": int(system.in_domain),
            "equation": "n(t + tau) = P n(t) (Eq. 8); current: Eq. 17",
        },
    )


# --------------------------------------------------------------------------- drift
@dataclass(frozen=True)
class DriftMeasurement:
    """Drift velocity measured by real-space evolution.

    Attributes
    ----------
    velocity : ndarray, shape (dim,)
        Current per ion during the last step (Å per unit of tau); converges exponentially to the
        steady-state drift.
    mean_velocity : ndarray, shape (dim,)
        Cumulative displacement per ion over the second half of the run divided by its duration.
    change : float
        ``|velocity(last step) - velocity(step before)|``: a convergence indicator.
    steps : int
    """

    velocity: np.ndarray
    mean_velocity: np.ndarray
    change: float
    steps: int


def measure_drift(
    model: HoppingModel,
    repeats,
    *,
    steps: int = 2000,
    temperature=None,
    field=None,
    coupling: str = "symmetric",
    density=None,
    domain: str = "raise",
) -> DriftMeasurement:
    """Measure the drift velocity per ion by evolving a density on a periodic supercell.

    The current per ion of Eq. 17 relaxes to the steady-state drift, which the Bloch analysis
    gives exactly (:func:`superionic.drift_velocity`); this is an independent real-space check.

    Parameters
    ----------
    model : HoppingModel
    repeats : int or sequence of int
        Supercell size.
    steps : int
        Number of steps to run.
    temperature, field, coupling, domain
        As for :func:`real_space`.
    density : array_like, optional
        Initial density; default one ion on the first site of cell 0.
    """
    system = real_space(
        model, repeats, temperature=temperature, field=field, coupling=coupling, domain=domain
    )
    steps = int(finite_float("steps", steps, minimum=2))
    if density is None:
        n = np.zeros(system.n_total)
        n[0] = 1.0
    else:
        n = _density(system, density).astype(float)
    total = float(n.sum())
    if not total > 0:
        raise ModelError(f"density must hold a positive number of ions, got {total}")
    half = steps // 2
    disp_half = np.zeros(system.dim)
    disp = np.zeros(system.dim)
    cur = _current(system, n)
    prev = cur
    for step in range(steps):
        if step == half:
            disp_half = disp.copy()
        disp += cur * system.tau
        n = system.matrix @ n
        prev, cur = cur, _current(system, n)
    duration = (steps - half) * system.tau
    return DriftMeasurement(
        velocity=cur / total,
        mean_velocity=(disp - disp_half) / duration / total,
        change=float(np.max(np.abs(cur - prev)) / total),
        steps=steps,
    )


# --------------------------------------------------------------------------- relaxation
def stable_mode(table: HopTable, k: np.ndarray) -> tuple[complex, np.ndarray]:
    """Stable eigenvalue p(k) (largest |p|) and its right eigenvector, normalised to sum 1."""
    pk = bloch_from_table(table, np.asarray(k, dtype=float)[None, :])[0]
    w, v = np.linalg.eig(pk)
    i = int(np.argmax(np.abs(w)))
    u = v[:, i]
    norm = u.sum()
    if abs(norm) < 1e-12:
        norm = u[np.argmax(np.abs(u))] / abs(u[np.argmax(np.abs(u))])
    return complex(w[i]), u / norm


def density_wave(
    system: RealSpaceSystem,
    k,
    *,
    amplitude: float = 0.5,
    profile: str = "equilibrium",
) -> np.ndarray:
    """A cosine density wave on top of the stationary occupations, one ion per cell on average.

    Parameters
    ----------
    system : RealSpaceSystem
    k : array_like, shape (dim,)
        Cartesian wave vector (1/Å), commensurate with the supercell.
    amplitude : float
        Relative modulation, in [0, 1].
    profile : {"equilibrium", "mode"}
        ``"equilibrium"``: ``n = pi_a (1 + A cos(k.r))`` (the local equilibrium occupation,
        modulated), which relaxes into the stable mode after the faster modes die out;
        ``"mode"``: ``n = pi_a + A Re(u_a(k) exp(-i k.r))`` with the stable right eigenvector
        ``u(k)`` of P(k) normalised to sum 1: its Fourier amplitude ``n_k`` (see
        :func:`fourier_amplitudes`) is proportional to ``u(k)``, so it decays as a pure mode from
        the first step (and, in a field, travels along +k at ``arg p / (tau |k|)``). At a zone
        boundary point where k and -k are equivalent (2k a reciprocal-lattice vector) a real
        density necessarily mixes the modes of p and of its complex conjugate.

    Returns
    -------
    ndarray, shape (n_total,)
    """
    amplitude = finite_float("amplitude", amplitude, minimum=0.0, maximum=1.0)
    kv = _commensurate(system, k)
    pi = stationary_distribution(system.table)
    phase = system.positions @ kv
    base = pi[system.sublattice]
    if profile == "equilibrium":
        n = base * (1.0 + amplitude * np.cos(phase))
    elif profile == "mode":
        _, u = stable_mode(system.table, kv)
        n = base + amplitude * np.real(u[system.sublattice] * np.exp(-1j * phase))
        if np.any(n < 0):
            raise ModelError(
                f"amplitude={amplitude} gives negative densities for this mode; use a smaller one"
            )
    else:
        raise ModelError(f"profile must be 'equilibrium' or 'mode', got {profile!r}")
    return n


@dataclass(frozen=True)
class DecayMeasurement:
    """Decay of a density wave measured in real space, with the Bloch prediction.

    Attributes
    ----------
    k : ndarray, shape (dim,)
        Wave vector, 1/Å.
    p : complex
        Measured late-time factor per step of the wave's amplitude.
    decay_rate : float
        ``(1 - |p|) / tau`` (Eq. 15).
    frequency : float
        ``arg p / tau``.
    bloch_p : complex
        Stable eigenvalue of P(k) (Eq. 14).
    bloch_decay_rate, bloch_frequency : float
    amplitude : ndarray, complex, shape (steps + 1, n_sites)
        Sublattice Fourier amplitudes ``n_k(t)``.
    window : tuple of int
        Steps used for the fit.
    tau : float
    """

    k: np.ndarray
    p: complex
    decay_rate: float
    frequency: float
    bloch_p: complex
    bloch_decay_rate: float
    bloch_frequency: float
    amplitude: np.ndarray
    window: tuple[int, int]
    tau: float

    def to_dataset(self) -> xr.Dataset:
        """The amplitude history and the measured / predicted rates as a Dataset."""
        steps = np.arange(self.amplitude.shape[0])
        return xr.Dataset(
            {
                "amplitude_abs": (("time", "sublattice"), np.abs(self.amplitude)),
                "amplitude_phase": (("time", "sublattice"), np.angle(self.amplitude)),
            },
            coords={"step": ("time", steps), "time": ("time", steps * self.tau, {"units": "s"})},
            attrs={
                "k": self.k.tolist(),
                "decay_rate": self.decay_rate,
                "frequency": self.frequency,
                "bloch_decay_rate": self.bloch_decay_rate,
                "bloch_frequency": self.bloch_frequency,
                "rate_units": "1/s",
                "fit_window": list(self.window),
            },
        )


def measure_decay(
    system: RealSpaceSystem,
    density,
    k,
    steps: int,
    *,
    floor: float = 1e-7,
) -> DecayMeasurement:
    """Evolve a density and measure the decay rate and frequency of its Fourier component k.

    The amplitude ``A(t) = <n_k(t_end), n_k(t)>`` is fitted to ``A0 p^t`` over the second half of
    the steps in which ``|n_k|`` stays above ``floor`` times its initial size (roundoff sets in
    below that). After the transient of the faster modes ``p`` is the stable eigenvalue of P(k),
    so the measured decay rate is the Bloch ``kappa(k)`` (Eqs. 15, 27).

    Parameters
    ----------
    system : RealSpaceSystem
    density : array_like, shape (n_total,)
    k : array_like, shape (dim,)
        Commensurate wave vector, 1/Å; not a reciprocal-lattice vector of the supercell.
    steps : int
        Number of steps (>= 4).
    floor : float
        Relative amplitude below which points are not used.
    """
    kv = _commensurate(system, k)
    m = (kv @ system.lattice_vectors.T) / (2 * np.pi)
    if np.allclose(m, np.round(m), atol=1e-8):
        raise ModelError(f"k = {kv.tolist()} is a reciprocal-lattice vector: no density wave")
    steps = int(finite_float("steps", steps, minimum=4))
    n = _density(system, density)
    if n.ndim != 1:
        raise ModelError("measure_decay takes one density vector")
    fourier = sp.csr_matrix(
        (np.exp(1j * (system.positions @ kv)), (system.sublattice, np.arange(system.n_total))),
        shape=(system.n_sites, system.n_total),
    )
    amps = np.empty((steps + 1, system.n_sites), dtype=complex)
    for t in range(steps + 1):
        amps[t] = fourier @ n
        if t < steps:
            n = system.matrix @ n
    size = np.linalg.norm(amps, axis=1)
    if not size[0] > 0:
        raise ModelError("the density has no Fourier component at this k")
    good = np.nonzero(size < floor * size[0])[0]
    last = int(good[0]) - 1 if good.size else steps
    if last < 3:
        raise ModelError(
            "the wave decays below the roundoff floor within 3 steps: use a smaller k or step"
        )
    first = last // 2
    ref = np.conj(amps[last])
    proj = amps[first : last + 1] @ ref
    t = np.arange(first, last + 1)
    logs = np.log(np.abs(proj)) + 1j * np.unwrap(np.angle(proj))
    slope = np.polyfit(t, logs.real, 1)[0] + 1j * np.polyfit(t, logs.imag, 1)[0]
    p = complex(np.exp(slope))
    bloch_p, _ = stable_mode(system.table, kv)
    tau = system.tau
    return DecayMeasurement(
        k=kv,
        p=p,
        decay_rate=(1.0 - abs(p)) / tau,
        frequency=float(np.angle(p)) / tau,
        bloch_p=bloch_p,
        bloch_decay_rate=(1.0 - abs(bloch_p)) / tau,
        bloch_frequency=float(np.angle(bloch_p)) / tau,
        amplitude=amps,
        window=(first, last),
        tau=tau,
    )


def relaxation(
    model: HoppingModel,
    repeats,
    modes,
    *,
    steps: int = 400,
    temperature=None,
    field=None,
    coupling: str = "symmetric",
    amplitude: float = 0.5,
    profile: str = "equilibrium",
    domain: str = "raise",
) -> xr.Dataset:
    """Relaxation of cosine density waves on a supercell: decay rate against k (Eq. 27).

    For each integer vector ``m`` in ``modes`` the wave ``k = sum_i m_i b_i / L_i`` is prepared by
    :func:`density_wave`, evolved in real space and its decay rate and frequency measured by
    :func:`measure_decay`, beside the Bloch prediction of the stable mode.

    Returns
    -------
    xarray.Dataset
        Dimension ``wave``: ``k`` (wave, direction) 1/Å, ``k_norm``, ``decay_rate`` and
        ``frequency`` (measured), ``bloch_decay_rate`` and ``bloch_frequency``, and
        ``decay_rate_over_k2`` (tends to k^.D.k^ as k -> 0, Eq. 27), all rates in 1/s.
    """
    system = real_space(
        model, repeats, temperature=temperature, field=field, coupling=coupling, domain=domain
    )
    rows = []
    for m in modes:
        kv = system.commensurate_k(m)
        n0 = density_wave(system, kv, amplitude=amplitude, profile=profile)
        rows.append(measure_decay(system, n0, kv, steps))
    ks = np.array([r.k for r in rows])
    knorm = np.linalg.norm(ks, axis=1)
    kappa = np.array([r.decay_rate for r in rows])
    return xr.Dataset(
        {
            "decay_rate": ("wave", kappa, {"units": "1/s", "long_name": "measured (1-|p|)/tau"}),
            "frequency": ("wave", np.array([r.frequency for r in rows]), {"units": "rad/s"}),
            "bloch_decay_rate": (
                "wave",
                np.array([r.bloch_decay_rate for r in rows]),
                {"units": "1/s"},
            ),
            "bloch_frequency": (
                "wave",
                np.array([r.bloch_frequency for r in rows]),
                {"units": "rad/s"},
            ),
            "decay_rate_over_k2": (
                "wave",
                kappa / knorm**2,
                {"units": "angstrom^2/s", "long_name": "kappa / k^2"},
            ),
        },
        coords={
            "k": (("wave", "direction"), ks, {"units": "1/angstrom"}),
            "k_norm": ("wave", knorm, {"units": "1/angstrom"}),
            "direction": list(_AXES[: system.dim]),
        },
        attrs={
            "repeats": list(system.repeats),
            "steps": steps,
            "profile": profile,
            "tau_s": system.tau,
            "in_domain": int(system.in_domain),
            "equation": "kappa_k = (1 - |p_k|) / tau ~ k.D.k (Eqs. 15, 27)",
        },
    )
