"""Exact stationary averages and transport coefficients of the many-body Markov chain.

The chain of one step tau (:mod:`superionic.exact.markov`) is assembled as a column-stochastic
``scipy.sparse`` matrix ``T[s', s] = P(s -> s')`` over the states reachable from the memoryless
configurations of n ions. Its stationary state solves ``(I - T) pi = 0`` with ``sum pi = 1``
(one equation replaced by ``pi_k = 1``, sparse LU, then normalised).

Transport (per ion, Å^2 per step): the collective displacement ``dX`` of a step has the mean
``V = sum_s pi_s g_s`` with ``g_s = E[dX | s]``, and the covariance rate

``Sigma = C_0 + G + G^T``,  ``C_0 = E_pi[dX dX^T] - V V^T``,
``G_ab = sum_{n >= 1} Cov(dX_0^a, dX_n^b) = g^b . y^a``,

where ``y^a`` solves ``(I - T) y^a = h^a - pi V_a`` with ``sum y^a = 0`` and ``h^a = M^a pi``
(``M^a[s', s]`` the displacement-weighted transition probability). This is the fundamental-matrix
(group inverse) form of ``sum_n T^n``; no series is summed. Then the jump (Einstein-Helfand)
diffusion tensor is ``Sigma / (2 N)``, the Green-Kubo formula of a discrete-time chain
``D = (1 / 2 tau) [<dX^2> + 2 sum_{n >= 1} <dX_0 dX_n>]`` with the drift removed. The tracer
diffusion is the same formula for the displacement of one tagged ion, on the chain of states
that also say which ion is tagged.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
import xarray as xr

from .._validate import finite_float, int_tuple, positive_temperature
from ..errors import ConvergenceError, ModelError
from ..lattice import HoppingModel, coupling_factor
from ..simulation.supercell import build_rules, compile_supercell, sublattice_signs
from ..transport import mobility_to_conductivity
from . import markov as mk

UPDATES = ("sequential", "parallel")
CONCERTED = ("previous", "same")
MAX_STATES = 2**20
AXES = ("x", "y", "z")


class StateSpaceTooLarge(ModelError):
    """The supercell has more many-body states than the exact solver enumerates."""


def count_configurations(n_sites: int, n_ions: int) -> int:
    """Number of configurations of ``n_ions`` ions on ``n_sites`` sites (hard exclusion)."""
    return math.comb(n_sites, n_ions)


def geometry(model: HoppingModel, repeats, *, temperature=None, field=None,
             coupling: str = "symmetric", sublattice=None):
    """Per-site tables of the supercell (the simulation's own compiled rules)."""
    rules = build_rules(model, temperature=temperature, field=field, coupling=coupling)
    cell = compile_supercell(rules, model, repeats)
    codes = cell.codes()
    n = cell.n_sites
    n_slots = max(cell.hop_slots, 1)
    nblk = cell.block_slots
    target = np.full((n, n_slots), n, dtype=np.int64)
    hop = np.zeros((n, n_slots), dtype=np.int64)
    base = np.zeros((n, n_slots))
    blockers = np.full((n, n_slots, max(nblk, 1)), n, dtype=np.int64)
    for s in range(n):
        c = int(codes[s])
        for j in range(cell.entry_ptr[c + 1] - cell.entry_ptr[c]):
            e = cell.entry_ptr[c] + j
            h = int(cell.entry_hop[e])
            target[s, j] = s + cell.entry_target[e]
            hop[s, j] = h
            base[s, j] = rules.probability[h]
            bl = s + cell.block_delta[cell.block_ptr[e] : cell.block_ptr[e + 1]]
            blockers[s, j, : bl.size] = bl
    sign, defined = sublattice_signs(model, sublattice)
    basis = np.asarray(cell.code_basis)[codes.astype(np.int64)]
    # slabs of whole layers along lattice vector 0, as the simulation's runner defines them
    layers = max(2, cell.repeats[0] // 32)
    n_slabs = cell.repeats[0] // layers
    slab_sites = layers * (cell.n_cells // cell.repeats[0]) * cell.n_basis
    slab = np.arange(n) // slab_sites
    if n_slabs < 2:
        n_slabs = 0
    slab = np.where(slab < n_slabs, slab, -1)
    partner = rules.partner.astype(bool)
    geo = mk.Geometry(
        n_sites=n, n_slots=n_slots, target=target, hop=hop, base=base, blockers=blockers,
        displacement=np.asarray(rules.displacement, dtype=float),
        repulsion_factor=np.asarray(rules.repulsion_factor, dtype=float), boost=rules.boost,
        partner=partner, remember=partner.any(axis=0), weight=sign[basis], slab=slab,
        n_slabs=n_slabs, slab_fraction=slab_sites / n if n_slabs else 0.0,
    )
    return geo, rules, cell, bool(defined)


def _expand(geo, rows, n_ions, update, concerted, tracer, codec, batch_rows):
    """Expand a list of parent rows in batches; concatenated arrays with global parent ids."""
    out = []
    for a in range(0, rows.shape[0], batch_rows):
        part = rows[a : a + batch_rows]
        if update == "sequential":
            ex = mk.sequential_step(geo, part, n_ions, concerted=concerted, tracer=tracer,
                                    codec=codec)
        else:
            ex = mk.parallel_step(geo, part, n_ions, tracer=tracer, codec=codec)
        out.append((ex.parent + a, ex.child, ex.probability, ex.first, ex.second, ex.hops))
    return [np.concatenate(x) for x in zip(*out, strict=True)]


def build_chain(geo, n_ions: int, *, update: str, concerted: str, tracer: bool,
                max_states: int = MAX_STATES, batch_rows: int = 2048) -> dict:
    """Enumerate the reachable states and the sparse transition matrix of one step.

    Returns a dict with ``keys`` (sorted uint64 state keys), ``rows`` (codes), ``T`` (CSC,
    column-stochastic), ``M`` (list of CSC displacement-weighted matrices, one per axis),
    ``second`` (n_states, dim, dim), ``hops`` (n_states,), ``root`` (index of a memoryless
    state) and ``build_time`` (s).
    """
    t0 = time.perf_counter()
    memory = geo.concerted and (update == "parallel" or concerted == "previous")
    codec = mk.StateCodec.for_geometry(geo, memory=memory, tagged=tracer)
    rows0 = mk.occupation_states(geo.n_sites, n_ions, tagged=tracer)
    keys0 = codec.encode(rows0)
    order = np.argsort(keys0)
    known_keys = keys0[order]
    known_rows = rows0[order]
    frontier = known_rows
    pieces = []
    offset = 0
    parent_keys = []
    while frontier.shape[0]:
        par, child, prob, first, second, hops = _expand(
            geo, frontier, n_ions, update, concerted, tracer, codec, batch_rows)
        pieces.append((par + offset, child, prob, first, second, hops))
        parent_keys.append(codec.encode(frontier))
        offset += frontier.shape[0]
        new = np.setdiff1d(np.unique(child), known_keys, assume_unique=True)
        if known_keys.size + new.size > max_states:
            raise StateSpaceTooLarge(
                f"the one-step memory of concerted hopping makes more than {max_states} states "
                f"reachable ({known_keys.size + new.size} found so far); use a smaller supercell"
            )
        known_keys = np.concatenate([known_keys, new])
        frontier = codec.decode(new)
    all_parent_keys = np.concatenate(parent_keys)
    order = np.argsort(all_parent_keys)
    keys = all_parent_keys[order]
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    par = rank[np.concatenate([p[0] for p in pieces])]
    child = np.searchsorted(keys, np.concatenate([p[1] for p in pieces]))
    prob = np.concatenate([p[2] for p in pieces])
    first = np.concatenate([p[3] for p in pieces])
    n_states = keys.size
    second = np.zeros((n_states, geo.dim, geo.dim))
    hops = np.zeros(n_states)
    second[rank[: offset]] = np.concatenate([p[4] for p in pieces])
    hops[rank[: offset]] = np.concatenate([p[5] for p in pieces])
    shape = (n_states, n_states)
    T = sp.csc_matrix((prob, (child, par)), shape=shape)
    M = [sp.csc_matrix((first[:, a], (child, par)), shape=shape) for a in range(geo.dim)]
    root = int(np.searchsorted(keys, codec.encode(rows0[:1])[0]))
    return {"keys": keys, "rows": codec.decode(keys), "T": T, "M": M, "second": second,
            "hops": hops, "root": root, "build_time": time.perf_counter() - t0,
            "codec": codec, "memory": bool(memory)}


DENSE_LIMIT = 5000


class _DenseLU:
    """LU factorisation of a small matrix with the ``solve`` method of ``splu``'s result."""

    def __init__(self, A):
        import scipy.linalg as sla

        self._lu = sla.lu_factor(A.toarray())

    def solve(self, rhs):
        import scipy.linalg as sla

        return sla.lu_solve(self._lu, rhs)


class _Krylov:
    """Restarted GMRES on a large sparse system, with the ``solve`` method of ``splu``'s result.

    Sparse LU fills in badly on the many-body chains (one sequential sweep connects many
    states); GMRES needs only products with the matrix.
    """

    def __init__(self, A):
        self._A = A.tocsr()

    def solve(self, rhs):
        x, info = spla.gmres(self._A, rhs, rtol=1e-12, atol=0.0, restart=200, maxiter=200)
        if info != 0:
            raise ConvergenceError(
                f"GMRES did not reach a relative residual of 1e-12 on {rhs.size} states "
                f"(info={info}); the chain mixes too slowly for the iterative solver"
            )
        return x


def stationary(T: sp.spmatrix, root: int):
    """Stationary distribution and an LU factorisation reused for the transport solves.

    ``(I - T) pi = 0`` with the equation of state ``root`` replaced by ``pi_root = 1``; dense LU
    up to ``DENSE_LIMIT`` states (one sweep of the sequential update connects many states, so
    sparse LU factors fill in), restarted GMRES above.
    """
    n = T.shape[0]
    keep = np.ones(n)
    keep[root] = 0.0
    A = sp.diags(keep) @ (sp.identity(n, format="csc") - T)
    A = (A + sp.csc_matrix(([1.0], ([root], [root])), shape=(n, n))).tocsc()
    lu = _DenseLU(A) if n <= DENSE_LIMIT else _Krylov(A)
    rhs = np.zeros(n)
    rhs[root] = 1.0
    pi = lu.solve(rhs)
    total = pi.sum()
    if not np.isfinite(total) or total <= 0 or np.min(pi) < -1e-9 * total:
        raise ModelError("the many-body chain has no unique stationary state (reducible chain)")
    return np.maximum(pi / total, 0.0), lu


def _centered_solve(lu, pi, rhs, root):
    r = rhs.copy()
    r[root] = 0.0
    y = lu.solve(r)
    return y - pi * y.sum()


def transport_moments(chain: dict, pi: np.ndarray, lu) -> dict:
    """Mean displacement per step V, covariance rate Sigma and expected hops (collective)."""
    M = chain["M"]
    dim = len(M)
    g = np.stack([np.asarray(Ma.sum(axis=0)).ravel() for Ma in M])  # (dim, n)
    h = np.stack([Ma @ pi for Ma in M])
    V = g @ pi
    C0 = np.einsum("s,sab->ab", pi, chain["second"]) - np.outer(V, V)
    G = np.zeros((dim, dim))
    for a in range(dim):
        y = _centered_solve(lu, pi, h[a] - pi * V[a], chain["root"])
        G[a] = g @ y
    sigma = C0 + G + G.T
    return {"V": V, "sigma": sigma, "hops": float(pi @ chain["hops"])}


def _setup(model, *, temperature, field, filling, supercell, update, concerted, coupling,
           sublattice, tracer, max_states) -> dict:
    """Validate the arguments of :func:`solve` and compile the supercell's tables."""
    if not isinstance(model, HoppingModel):
        raise ModelError(f"model must be a HoppingModel, got {type(model).__name__}")
    if update not in UPDATES:
        raise ModelError(f"update must be one of {list(UPDATES)}, got {update!r}")
    if concerted not in CONCERTED:
        raise ModelError(f"concerted must be one of {list(CONCERTED)}, got {concerted!r}")
    if update == "parallel" and concerted == "same":
        raise ModelError(
            "concerted='same' needs update='sequential': in a parallel step every target must be "
            "empty at the start of the step, so no site can be vacated and refilled in it"
        )
    coupling_factor(coupling)
    if temperature is not None:
        temperature = float(positive_temperature(temperature))
    reps = int_tuple("supercell", supercell, model.dim)
    n_cells = int(np.prod(reps))
    n0 = model.filling if filling is None else finite_float(
        "filling (ions per cell)", filling, minimum=0.0, strict_min=True,
        maximum=float(model.n_sites))
    n_ions = round(n0 * n_cells)
    n_sites = n_cells * model.n_sites
    if not 1 <= n_ions <= n_sites:
        raise ModelError(
            f"filling {n0} ions per cell on {n_cells} cells gives {n_ions} ions; need 1..{n_sites}"
        )
    max_states = int(max_states)
    n_conf = count_configurations(n_sites, n_ions)
    if n_conf > max_states:
        raise StateSpaceTooLarge(
            f"supercell {reps} holds {n_conf} configurations of {n_ions} ions on {n_sites} sites; "
            f"exact enumeration is limited to max_states={max_states}"
        )
    if tracer and n_conf * n_ions > max_states:
        raise StateSpaceTooLarge(
            f"the tracer chain has {n_conf * n_ions} states ({n_conf} configurations x {n_ions} "
            f"tagged ions), more than max_states={max_states}; pass tracer=False"
        )
    if field is not None:
        f = np.asarray(field, dtype=float).reshape(-1)
        if f.shape != (model.dim,) or not np.all(np.isfinite(f)):
            raise ModelError(f"field must be a finite reduced-field vector (1/Å) with {model.dim} "
                             f"component(s), got {field!r}")
        field = f if np.any(f) else None
    geo, rules, _cell, defined = geometry(model, reps, temperature=temperature, field=field,
                                          coupling=coupling, sublattice=sublattice)
    return {"geometry": geo, "rules": rules, "defined": defined, "temperature": temperature,
            "field": field, "supercell": reps, "n_ions": n_ions, "n_cells": n_cells,
            "n_sites": n_sites, "n_configurations": n_conf}


@dataclass(frozen=True)
class ManyBodyChain:
    """The transition matrix of one step tau and its stationary state.

    Attributes
    ----------
    transition : scipy.sparse.csc_matrix (n_states, n_states)
        ``transition[s2, s] = P(s -> s2)`` (columns sum to one).
    stationary : ndarray (n_states,)
    occupation : ndarray of bool (n_states, n_sites)
    state_key : ndarray of uint64 (n_states,)
        Packed per-site codes (``bits`` per site: 0 empty, 1 occupied, 3 + j empty and vacated
        by the site's hop j in the last step).
    bits : int
    """

    transition: sp.csc_matrix
    stationary: np.ndarray
    occupation: np.ndarray
    state_key: np.ndarray
    bits: int


def markov_chain(model: HoppingModel, *, temperature=None, field=None, filling=None, supercell,
                 update: str = "sequential", concerted: str = "previous",
                 coupling: str = "symmetric", max_states: int = MAX_STATES) -> ManyBodyChain:
    """The many-body Markov chain that :func:`solve` solves (for inspection and checks)."""
    setup = _setup(model, temperature=temperature, field=field, filling=filling,
                   supercell=supercell, update=update, concerted=concerted, coupling=coupling,
                   sublattice=None, tracer=False, max_states=max_states)
    chain = build_chain(setup["geometry"], setup["n_ions"], update=update, concerted=concerted,
                        tracer=False, max_states=max_states)
    pi, _ = stationary(chain["T"], chain["root"])
    occ = mk._occupied(chain["rows"][:, : setup["n_sites"]])
    return ManyBodyChain(transition=chain["T"], stationary=pi, occupation=occ,
                         state_key=chain["keys"], bits=chain["codec"].bits)


def solve(
    model: HoppingModel,
    *,
    temperature=None,
    field=None,
    filling=None,
    supercell,
    update: str = "sequential",
    concerted: str = "previous",
    coupling: str = "symmetric",
    sublattice=None,
    tracer: bool = True,
    cell_volume=None,
    charge: float = 1.0,
    max_states: int = MAX_STATES,
) -> xr.Dataset:
    """Exact stationary averages of the many-body simulation's Markov chain on a small supercell.

    Enumerates every configuration of the ions on the periodic supercell (with the one-step memory
    of concerted hopping where the rules need it), builds the transition matrix of one step tau
    of the very rules :func:`superionic.simulate` samples (hard exclusion, K0 blockers, M0 boost,
    field coupling, the update scheme) and solves it exactly (see module doc and
    ``docs/exact.md``).

    Parameters
    ----------
    model, temperature, field, filling, supercell, coupling, sublattice
        As in :func:`superionic.simulate`.
    update : {"sequential", "parallel"}
        ``sequential``: ions visited in a uniformly random order each step. The simulation
        draws its order from the affine maps ``k -> (a k + b) mod N`` of the ion labels; those
        are all N! orders for N <= 3 ions and give every pair of ions either order with
        probability 1/2 for any N, so the two chains differ only through the order of three or
        more ions that interact within one step (order P^3).
    concerted : {"previous", "same"}
    tracer : bool
        Also solve the chain with one tagged ion (n times more states) for the tracer diffusion
        and the Haven ratio.
    cell_volume, charge
        Å^3 per primitive cell and Z: add the conductivities in S/cm (``model.tau`` in s).
    max_states : int
        Largest number of states enumerated (default 2**20).

    Returns
    -------
    xarray.Dataset
        The variables of :func:`superionic.simulate` without standard errors and without the
        lag-dependent mean-square displacements: ``drift_velocity``, ``polarization``,
        ``polarization_abs``, ``binder_cumulant``, ``hop_probability``, ``jump_diffusion``,
        ``tracer_diffusion``, ``thermodynamic_factor``, ``collective_diffusion``, their tensors,
        ``haven_ratio``, ``mobility_einstein_helfand``, ``mobility`` (with a field) and
        conductivities (with ``cell_volume``); ``stationary_probability`` over ``state``; attrs
        with the number of states, the build and solve times.

    Raises
    ------
    StateSpaceTooLarge
        When the supercell has more than ``max_states`` configurations (checked before any
        array is allocated).
    """
    c = coupling_factor(coupling)
    setup = _setup(model, temperature=temperature, field=field, filling=filling,
                   supercell=supercell, update=update, concerted=concerted, coupling=coupling,
                   sublattice=sublattice, tracer=tracer, max_states=max_states)
    geo, rules, defined = setup["geometry"], setup["rules"], setup["defined"]
    temperature, field, reps = setup["temperature"], setup["field"], setup["supercell"]
    n_ions, n_cells, n_sites, n_conf = (setup[k] for k in ("n_ions", "n_cells", "n_sites",
                                                          "n_configurations"))
    chain = build_chain(geo, n_ions, update=update, concerted=concerted, tracer=False,
                        max_states=max_states)
    t0 = time.perf_counter()
    pi, lu = stationary(chain["T"], chain["root"])
    mom = transport_moments(chain, pi, lu)
    solve_time = time.perf_counter() - t0
    build_time = chain["build_time"]
    rows = chain["rows"][:, :n_sites]
    occ = mk._occupied(rows)
    gamma = occ.astype(float) @ geo.weight / n_ions
    dim = model.dim
    d_jump = mom["sigma"] / (2.0 * n_ions)
    drift = mom["V"] / n_ions
    data: dict = {}
    units_v, units_d = "angstrom / tau", "angstrom^2 / tau"

    def put(name, dims, value, units, long_name):
        data[name] = (dims, np.asarray(value, dtype=float),
                      {"units": units, "long_name": long_name})

    put("drift_velocity", ("direction",), drift, units_v, "drift velocity per ion")
    put("polarization", (), pi @ gamma, "1", "sublattice polarization gamma")
    put("polarization_abs", (), pi @ np.abs(gamma), "1", "mean |gamma|")
    g2, g4 = pi @ gamma**2, pi @ gamma**4
    put("binder_cumulant", (), 1.0 - g4 / (3.0 * g2**2) if g2 > 0 else np.nan, "1",
        "1 - <g^4> / (3 <g^2>^2)")
    put("hop_probability", (), mom["hops"] / n_ions, "1 / tau", "executed hops per ion per step")
    put("jump_diffusion", (), np.trace(d_jump) / dim, units_d,
        "jump (Einstein-Helfand, charge) diffusion per ion (trace/dim)")
    put("jump_diffusion_tensor", ("direction", "direction2"), d_jump, units_d,
        "jump (Einstein-Helfand) diffusion tensor per ion")
    if geo.n_slabs:
        counts = np.stack([occ[:, geo.slab == k].sum(axis=1) for k in range(geo.n_slabs)], axis=1)
        dev = counts - geo.slab_fraction * n_ions
        var = pi @ np.mean(dev * dev, axis=1)
        phi = geo.slab_fraction * n_ions * (1.0 - geo.slab_fraction) / var if var > 0 else np.nan
    else:
        phi = np.nan
    put("thermodynamic_factor", (), phi, "1",
        "<N_v>(1 - v/V) / Var(N_v) over slabs of the supercell")
    put("collective_diffusion", (), phi * np.trace(d_jump) / dim, units_d,
        "collective (chemical) diffusion = thermodynamic factor x jump diffusion (trace/dim)")
    put("collective_diffusion_tensor", ("direction", "direction2"), phi * d_jump, units_d,
        "collective (chemical) diffusion tensor")
    put("mobility_einstein_helfand", ("direction", "direction2"), 2 * c * d_jump, units_d,
        "reduced mobility dv/df from the jump diffusion (Nernst-Einstein)")
    n_tracer_states = 0
    if tracer:
        tchain = build_chain(geo, n_ions, update=update, concerted=concerted, tracer=True,
                             max_states=max_states)
        t1 = time.perf_counter()
        tpi, tlu = stationary(tchain["T"], tchain["root"])
        tmom = transport_moments(tchain, tpi, tlu)
        solve_time += time.perf_counter() - t1
        build_time += tchain["build_time"]
        n_tracer_states = int(tchain["keys"].size)
        d_tr = tmom["sigma"] / 2.0
        put("tracer_diffusion", (), np.trace(d_tr) / dim, units_d,
            "tracer diffusion (trace/dim)")
        put("tracer_diffusion_tensor", ("direction", "direction2"), d_tr, units_d,
            "tracer diffusion tensor")
        tr_j = np.trace(d_jump)
        put("haven_ratio", (), np.trace(d_tr) / tr_j if tr_j > 0 else np.nan, "1",
            "tracer / jump diffusion")
    if field is not None:
        fn = float(np.linalg.norm(field))
        put("mobility", (), float(drift @ field) / fn**2, units_d, "reduced mobility v.f / |f|^2")
    if cell_volume is not None and temperature is not None:
        kw = dict(temperature=temperature, charge=charge, filling=n_ions / n_cells,
                  cell_volume=cell_volume, tau=model.tau)
        if field is not None:
            put("conductivity", (), float(mobility_to_conductivity(data["mobility"][1], **kw)),
                "S/cm", "conductivity from the drift along the field")
        eh = np.trace(2 * c * d_jump) / dim
        put("conductivity_einstein_helfand", (), float(mobility_to_conductivity(eh, **kw)),
            "S/cm", "conductivity from the jump diffusion (Einstein-Helfand)")
    data["stationary_probability"] = (("state",), pi, {"units": "1",
                                                       "long_name": "stationary probability"})
    data["state_key"] = (("state",), chain["keys"], {
        "long_name": f"packed per-site codes, {chain['codec'].bits} bit(s) per site"})
    axes = list(AXES[:dim])
    attrs = {
        "method": "exact enumeration",
        "update": update,
        "concerted": concerted,
        "coupling": coupling,
        "temperature": np.nan if temperature is None else temperature,
        "field": np.zeros(dim) if field is None else np.asarray(field, dtype=float),
        "supercell": np.asarray(reps),
        "n_sites": n_sites,
        "n_ions": n_ions,
        "filling": n_ions / n_cells,
        "n_configurations": n_conf,
        "n_states": int(chain["keys"].size),
        "n_tracer_states": n_tracer_states,
        "n_transitions": int(chain["T"].nnz),
        "memory": int(chain["memory"]),
        "build_time": build_time,
        "solve_time": solve_time,
        "in_domain": int(rules.in_domain),
        "max_out_probability_table": rules.max_out_probability,
        "polarization_defined": int(defined),
        "tau_s": model.tau,
        "time_unit": "tau (one step)",
        "K0_eV": model.interactions.repulsion,
        "M0_eV": model.interactions.concerted,
    }
    coords = {"direction": axes, "direction2": axes}
    return xr.Dataset(data, coords=coords, attrs=attrs)
