"""Compile a model and its interaction tables into flat arrays for a periodic supercell.

The supercell holds ``L_1 x ... x L_dim`` primitive cells; site ``(cell c, basis b)`` has the index
``lin(c) * n_basis + b`` with ``lin`` row-major. Nothing per site is stored but one ``uint16``
*code* (plus the occupations the engines keep): the code combines the site's basis index with the
*boundary class* of its cell, which says, per dimension, whether the cell lies within ``m`` cells of
the supercell's edge (``m`` is the largest cell offset any rule looks at). All cells of one class
see their neighbours at the same index offsets, so every neighbour of a site is ``s + delta`` with
``delta`` from a small table indexed by the code: no division, no per-site neighbour list.

The microscopic rules come from :func:`superionic.lattice.neighbours.interaction_tables`, the same
tables
the mean field uses:

* hop ``h: s -> t`` has the per-step probability ``P_h`` of the model's hop table (field included);
* hard exclusion: the hop needs an empty target;
* K0: ``P_h`` is multiplied by ``exp(-K0 n / kB T)`` with n the number of occupied *blocking
  neighbours* of ``h`` (neighbours of t other than s);
* M0: ``P_h`` is multiplied by ``exp(M0 / kB T)`` when t was vacated by a *concerted partner* of h
  (a hop t -> u continuing in the direction of h), see :mod:`superionic.simulation.kernels`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from .._validate import int_tuple
from ..errors import ModelError
from ..lattice import HoppingModel, interaction_tables
from ..units import KB_EV

MAX_HOPS_CONCERTED = 63  # hop ids are packed into 6 bits of the vacancy stamp


@dataclass(frozen=True)
class Rules:
    """Per-hop rules of a model at one temperature and field (independent of the supercell).

    Attributes
    ----------
    probability : ndarray (n_hops,)
        Base per-step probability ``P_h`` (field included).
    source_basis, target_basis : ndarray of int (n_hops,)
    cell : ndarray of int (n_hops, dim)
        Cell offset of the target relative to the source.
    displacement : ndarray (n_hops, dim), Å
    blockers : list of list of (basis, cell offset relative to the source cell)
    partner : ndarray of uint8 (n_hops, n_hops)
        ``partner[h, h2] = 1`` when h2 is a concerted partner of h.
    repulsion_factor : ndarray (max_blockers + 1,)
        ``exp(-K0 n / kB T)`` for n occupied blocking neighbours.
    boost : float
        ``exp(M0 / kB T)`` (1 when M0 = 0).
    """

    probability: np.ndarray
    source_basis: np.ndarray
    target_basis: np.ndarray
    cell: np.ndarray
    displacement: np.ndarray
    blockers: tuple
    partner: np.ndarray
    repulsion_factor: np.ndarray
    boost: float
    n_basis: int
    dim: int
    in_domain: bool
    max_out_probability: float

    @property
    def n_hops(self) -> int:
        return int(self.probability.size)

    @property
    def concerted(self) -> bool:
        return self.boost != 1.0


def build_rules(
    model: HoppingModel, *, temperature=None, field=None, coupling: str = "symmetric"
) -> Rules:
    """Per-hop probabilities and interaction geometry of ``model`` (see module doc)."""
    inter = model.interactions
    if not inter.exclusion:
        raise ModelError(
            "Interactions.exclusion=False is not supported by the many-body simulation: "
            "occupations are 0 or 1 (hard exclusion)"
        )
    if (inter.repulsion != 0.0 or inter.concerted != 0.0) and temperature is None:
        raise ModelError(
            "temperature (K) is required: the interactions K0/M0 enter as exp(-dE / kB T)"
        )
    if field is not None:
        f = np.asarray(field, dtype=float)
        if f.ndim == 0:
            f = f[None]
        if f.shape != (model.dim,):
            raise ModelError(
                f"field must be one reduced-field vector with {model.dim} component(s) (1/Å), "
                f"got shape {f.shape}"
            )
        field = f
    table = model.hop_table(
        temperature=temperature if model.requires_temperature else None,
        field=field,
        coupling=coupling,
        domain="ignore",
    )
    if temperature is not None and not model.requires_temperature:
        from .._validate import positive_temperature

        positive_temperature(temperature)
    out = table.out_probability()
    it = interaction_tables(model)
    n_hops = table.n_hops
    blockers = []
    for h in range(n_hops):
        sl = slice(it.block_ptr[h], it.block_ptr[h + 1])
        blockers.append(
            tuple(
                (int(b), tuple(int(x) for x in c))
                for b, c in zip(it.block_site[sl], it.block_cell[sl], strict=True)
            )
        )
    partner = np.zeros((n_hops, n_hops), dtype=np.uint8)
    for h in range(n_hops):
        for h2 in it.partner_hop[it.partner_ptr[h] : it.partner_ptr[h + 1]]:
            partner[h, int(h2)] = 1
    max_block = max((len(b) for b in blockers), default=0)
    if temperature is not None:
        kt = KB_EV * float(temperature)
        fac = np.exp(-inter.repulsion * np.arange(max_block + 1) / kt)
        boost = float(np.exp(inter.concerted / kt))
    else:
        fac = np.ones(max_block + 1)
        boost = 1.0
    if boost != 1.0 and n_hops > MAX_HOPS_CONCERTED:
        raise ModelError(
            f"concerted hopping (M0 > 0) supports at most {MAX_HOPS_CONCERTED} directed hops per "
            f"cell, this model has {n_hops}"
        )
    if not np.all(np.isfinite(fac)) or not math.isfinite(boost):
        raise ModelError("K0/M0 over kB T overflow exp(): temperature too low for these energies")
    return Rules(
        probability=np.ascontiguousarray(table.probability, dtype=np.float64),
        source_basis=table.source.astype(np.int64),
        target_basis=table.target.astype(np.int64),
        cell=table.cell.astype(np.int64),
        displacement=np.ascontiguousarray(table.displacement, dtype=np.float64),
        blockers=tuple(blockers),
        partner=partner,
        repulsion_factor=fac,
        boost=boost,
        n_basis=model.n_sites,
        dim=model.dim,
        in_domain=bool(np.all(out <= 1.0 + 1e-12)),
        max_out_probability=float(np.max(out)),
    )


def sublattice_signs(model: HoppingModel, sublattice=None) -> tuple[np.ndarray, bool]:
    """Weights ``w_b`` of the basis sites for the polarization ``gamma = sum_i w_b(i) / N``.

    Default: a two-site basis gets (+1, -1) (the paper's gamma, Eq. 44); otherwise a bipartite
    two-colouring of the hop graph (+1 / -1) when it exists, else zeros (gamma undefined, flagged).
    """
    nb = model.n_sites
    if sublattice is not None:
        w = np.asarray(sublattice, dtype=float)
        if w.shape != (nb,) or not np.all(np.isfinite(w)):
            raise ModelError(f"sublattice must hold {nb} finite weights (one per basis site), got "
                             f"{sublattice!r}")
        return w, True
    if nb == 2:
        return np.array([1.0, -1.0]), True
    hp = model.hop_parameters
    colour = [0] * nb
    colour[0] = 1
    adj: list[list[int]] = [[] for _ in range(nb)]
    for s, t in zip(hp.source, hp.target, strict=True):
        adj[int(s)].append(int(t))
        adj[int(t)].append(int(s))
    ok = True
    for start in range(nb):
        if colour[start] == 0:
            colour[start] = 1
        stack = [start]
        while stack:
            a = stack.pop()
            for b in adj[a]:
                if colour[b] == 0:
                    colour[b] = -colour[a]
                    stack.append(b)
                elif colour[b] == colour[a]:
                    ok = False
    if not ok:
        return np.zeros(nb), False
    return np.array(colour, dtype=float), True


@dataclass(frozen=True)
class Supercell:
    """Flat tables of a periodic supercell for the kernels (read-only arrays).

    Entry ``e`` in ``[entry_ptr[c], entry_ptr[c + 1])`` is one hop out of a site of code ``c``:
    ``entry_hop[e]`` (primitive hop index), ``entry_target[e]`` (index offset of the target),
    blockers at offsets ``block_delta[block_ptr[e]:block_ptr[e + 1]]`` and, for the kinetic Monte
    Carlo, the entries of other ions whose probabilities the hop changes: site offset
    ``aff_delta``, local hop index ``aff_k`` and ``aff_flags`` (bit 0/1: their target is the hop's
    source / target; bit 2/3: the source / target is one of their blockers), in
    ``[aff_ptr[e], aff_ptr[e + 1])``, grouped by site.

    The discrete-time engine reads the same entries laid out in fixed-size *slots*: code ``c``
    owns slots ``c * hop_slots ... c * hop_slots + hop_slots - 1`` (its entries in order, then
    padding), so that no pointer has to be followed:

    * ``slot_cum[q]``: the end of the interval of the uniform number ``u`` that slot q owns (each
      hop owns a width equal to the largest probability it can have, :func:`hop_width`); the
      intervals of one code are consecutive from 0, padding slots have width 0, so the last slot
      of a code ends at the code's *bound* (an ion hops only when ``u`` lies below it);
    * ``slot_target[q]``, ``slot_hop[q]``: target offset and primitive hop (padding: offset 0,
      the site itself, which is always occupied, and hop 0);
    * ``slot_block[q * block_slots + j]``: blocker offsets, padded with 0 (the site itself, always
      occupied) up to ``block_slots``; ``slot_nblock[q]`` the true number;
    * ``slot_threshold[q, k]`` with ``3 * (block_slots + 1)`` columns: the hop is taken when
      ``u < slot_threshold[q, k]``, where ``k`` is the padded count of occupied blockers
      (``n + block_slots - slot_nblock[q]``), plus ``block_slots + 1`` when the target is occupied
      (threshold -1: never) or ``2 (block_slots + 1)`` when the M0 boost applies. The threshold
      is ``start + P_h exp(-K0 n / kB T)`` (times ``exp(M0 / kB T)`` when boosted), ``start``
      the beginning of the slot's interval: one table look-up replaces the probability.
    """

    repeats: tuple[int, ...]
    margin: tuple[int, ...]
    n_basis: int
    n_cells: int
    n_sites: int
    n_codes: int
    code_basis: np.ndarray
    entry_ptr: np.ndarray
    entry_hop: np.ndarray
    entry_target: np.ndarray
    block_ptr: np.ndarray
    block_delta: np.ndarray
    aff_ptr: np.ndarray
    aff_delta: np.ndarray
    aff_k: np.ndarray
    aff_flags: np.ndarray
    matrix: np.ndarray
    basis_positions: np.ndarray
    hop_slots: int
    block_slots: int
    slot_cum: np.ndarray
    slot_target: np.ndarray
    slot_hop: np.ndarray
    slot_block: np.ndarray
    slot_nblock: np.ndarray
    slot_threshold: np.ndarray

    @property
    def code_bound(self) -> np.ndarray:
        """Per code, the sum of its hops' widths (an ion hops only when ``u`` lies below it)."""
        return self.slot_cum[self.hop_slots - 1 :: self.hop_slots] if self.hop_slots else (
            np.zeros(self.n_codes)
        )

    def site_index(self, cell, basis: int) -> int:
        """Index of site ``basis`` in (wrapped) cell ``cell``."""
        c = np.mod(np.asarray(cell, dtype=np.int64), self.repeats)
        lin = 0
        for ci, li in zip(c, self.repeats, strict=True):
            lin = lin * li + int(ci)
        return lin * self.n_basis + int(basis)

    def site_cell(self, index: int) -> tuple[np.ndarray, int]:
        """Cell coordinates and basis index of a site index."""
        lin, b = divmod(int(index), self.n_basis)
        c = []
        for li in reversed(self.repeats):
            lin, ci = divmod(lin, li)
            c.append(ci)
        return np.array(c[::-1], dtype=np.int64), b

    def codes(self) -> np.ndarray:
        """The per-site code array (uint16, length n_sites)."""
        code = np.empty(self.n_sites, dtype=np.uint16)
        _fill_codes(
            code,
            np.asarray(self.repeats, dtype=np.int64),
            np.asarray(self.margin, dtype=np.int64),
            self.n_basis,
        )
        return code


@njit(cache=True)
def _fill_codes(code, repeats, margin, nb):
    dim = repeats.size
    n_cells = 1
    for d in range(dim):
        n_cells *= repeats[d]
    cvec = np.zeros(dim, dtype=np.int64)
    for lin in range(n_cells):
        rem = lin
        for d in range(dim - 1, -1, -1):
            cvec[d] = rem % repeats[d]
            rem //= repeats[d]
        cls = 0
        for d in range(dim):
            m = margin[d]
            c = cvec[d]
            if c < m:
                k = c
            elif c >= repeats[d] - m:
                k = m + 1 + (c - (repeats[d] - m))
            else:
                k = m
            cls = cls * (2 * m + 1) + k
        for b in range(nb):
            code[lin * nb + b] = cls * nb + b


def hop_width(rules: Rules, h: int) -> float:
    """Upper bound of hop h's probability over all configurations (its interval of u)."""
    return float(rules.probability[h]) * float(np.max(rules.repulsion_factor)) * (
        rules.boost if rules.partner[h].any() else 1.0
    )


def _class_representatives(repeats, margin):
    """Representative cell of every boundary class, in class-index order."""
    per_dim = []
    for L, m in zip(repeats, margin, strict=True):
        reps = list(range(m)) + [m] + [L - m + j for j in range(m)]
        per_dim.append(reps)
    grids = np.meshgrid(*[np.array(r) for r in per_dim], indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1).astype(np.int64)


def _affected_entries(rules: Rules, h: int):
    """Entries of other ions whose probability changes when hop h (s -> t) is executed.

    Returns sorted (basis of x, cell of x relative to s, local hop index k of x, flags) where
    flags bit 0/1: the entry's target is s / t; bit 2/3: s / t is among its blockers. The mover's
    own entries (x = s before, x = t after) are excluded: they are recomputed whole.
    """
    dim = rules.dim
    zero = (0,) * dim
    s_key = (int(rules.source_basis[h]), zero)
    t_key = (int(rules.target_basis[h]), tuple(int(x) for x in rules.cell[h]))
    local = {}
    for b in range(rules.n_basis):
        k = 0
        for g in range(rules.n_hops):
            if int(rules.source_basis[g]) == b:
                local[g] = k
                k += 1
    found: dict = {}
    for g in range(rules.n_hops):
        bx = int(rules.source_basis[g])
        tg = (int(rules.target_basis[g]), tuple(int(x) for x in rules.cell[g]))
        deps = [tg, *rules.blockers[g]]
        for b_dep, off in deps:
            for z in (s_key, t_key):
                if b_dep != z[0]:
                    continue
                cx = tuple(zc - o for zc, o in zip(z[1], off, strict=True))
                if (bx, cx) in (s_key, t_key):
                    continue
                found[(bx, cx, local[g], g)] = True
    rows = []
    for bx, cx, k, g in sorted(found):
        def rel(key, cx=cx):
            return (key[0], tuple(a - c for a, c in zip(key[1], cx, strict=True)))
        tg = (int(rules.target_basis[g]), tuple(int(x) for x in rules.cell[g]))
        blk = set(rules.blockers[g])
        flags = 0
        if tg == rel(s_key):
            flags |= 1
        if tg == rel(t_key):
            flags |= 2
        if rel(s_key) in blk:
            flags |= 4
        if rel(t_key) in blk:
            flags |= 8
        rows.append((bx, cx, k, flags))
    return rows


def compile_supercell(
    rules: Rules, model: HoppingModel, repeats, *, kmc: bool = False
) -> Supercell:
    """Build the flat supercell tables (see :class:`Supercell`)."""
    dim, nb = rules.dim, rules.n_basis
    reps = int_tuple("supercell", repeats, dim)
    if any(r < 1 for r in reps):
        raise ModelError(f"supercell repeats must be >= 1, got {reps}")
    offsets: list[tuple[int, ...]] = []
    for h in range(rules.n_hops):
        offsets.append(tuple(int(x) for x in rules.cell[h]))
        offsets.extend(c for _, c in rules.blockers[h])
    affected_rows = []
    if kmc:
        for h in range(rules.n_hops):
            rows = _affected_entries(rules, h)
            affected_rows.append(rows)
            offsets.extend(r[1] for r in rows)
    margin = tuple(
        max([abs(o[d]) for o in offsets] + [0]) for d in range(dim)
    )
    for d in range(dim):
        if reps[d] < 2 * margin[d] + 1:
            raise ModelError(
                f"supercell[{d}] = {reps[d]} is too small: the "
                f"{'kinetic Monte Carlo ' if kmc else ''}rules reach {margin[d]} cell(s) along "
                f"lattice vector {d}, so at least "
                f"{2 * margin[d] + 1} repeats are needed"
            )
    n_cells = int(np.prod(reps))
    n_sites = n_cells * nb
    if n_sites >= 2**31:
        raise ModelError(f"supercell has {n_sites} sites; at most 2**31 - 1 are supported")
    reps_cells = _class_representatives(reps, margin)
    n_classes = reps_cells.shape[0]
    n_codes = n_classes * nb
    if n_codes > 65535:
        raise ModelError(f"{n_codes} site codes exceed the uint16 code range")
    rep_arr = np.array(reps, dtype=np.int64)

    def index(cell, b):
        c = np.mod(cell, rep_arr)
        lin = 0
        for ci, li in zip(c, reps, strict=True):
            lin = lin * li + int(ci)
        return lin * nb + int(b)

    hops_by_basis: list[list[int]] = [[] for _ in range(nb)]
    for h in range(rules.n_hops):
        hops_by_basis[int(rules.source_basis[h])].append(h)
    entry_ptr = [0]
    entry_hop, entry_target, block_ptr, block_delta = [], [], [0], []
    entry_start, entry_cum = [], []
    aff_ptr, aff_delta, aff_k, aff_flags = [0], [], [], []
    code_basis = np.zeros(n_codes, dtype=np.int64)
    for k in range(n_classes):
        cell0 = reps_cells[k]
        for b in range(nb):
            code = k * nb + b
            code_basis[code] = b
            s = index(cell0, b)
            bound = 0.0
            for h in hops_by_basis[b]:
                t = index(cell0 + rules.cell[h], rules.target_basis[h])
                if t == s:
                    raise ModelError(
                        f"supercell {reps} is too small: hop {h} returns to its own site"
                    )
                bl = [index(cell0 + np.array(c), bb) for bb, c in rules.blockers[h]]
                if len(set(bl)) != len(bl) or s in bl or t in bl:
                    raise ModelError(
                        f"supercell {reps} is too small: the blocking neighbours of hop {h} "
                        "coincide through the periodic boundary"
                    )
                entry_hop.append(h)
                entry_target.append(t - s)
                block_delta.extend(x - s for x in bl)
                block_ptr.append(len(block_delta))
                if kmc:
                    for bb, cx, k_local, flags in affected_rows[h]:
                        aff_delta.append(index(cell0 + np.array(cx), bb) - s)
                        aff_k.append(k_local)
                        aff_flags.append(flags)
                aff_ptr.append(len(aff_delta))
                entry_start.append(bound)
                bound += hop_width(rules, h)
                entry_cum.append(bound)
            entry_ptr.append(len(entry_hop))
    site_pos = model.lattice.fractional_positions @ model.lattice.matrix
    slots = _slot_tables(
        rules, n_codes, entry_ptr, entry_hop, entry_target, block_ptr, block_delta, entry_start,
        entry_cum,
    )
    return Supercell(
        repeats=reps,
        margin=margin,
        n_basis=nb,
        n_cells=n_cells,
        n_sites=n_sites,
        n_codes=n_codes,
        code_basis=code_basis,
        entry_ptr=np.array(entry_ptr, dtype=np.int64),
        entry_hop=np.array(entry_hop, dtype=np.int64),
        entry_target=np.array(entry_target, dtype=np.int64),
        block_ptr=np.array(block_ptr, dtype=np.int64),
        block_delta=np.array(block_delta, dtype=np.int64),
        aff_ptr=np.array(aff_ptr, dtype=np.int64),
        aff_delta=np.array(aff_delta, dtype=np.int64),
        aff_k=np.array(aff_k, dtype=np.int64),
        aff_flags=np.array(aff_flags, dtype=np.int64),
        matrix=np.ascontiguousarray(model.lattice.matrix, dtype=np.float64),
        basis_positions=np.ascontiguousarray(site_pos, dtype=np.float64),
        **slots,
    )


def _slot_tables(rules: Rules, n_codes, entry_ptr, entry_hop, entry_target, block_ptr,
                 block_delta, entry_start, entry_cum) -> dict:
    """Fixed-size slot layout of the entries and the acceptance thresholds (see Supercell)."""
    counts = np.diff(np.asarray(entry_ptr, dtype=np.int64))
    nblocks = np.diff(np.asarray(block_ptr, dtype=np.int64))
    n_slots = max(int(counts.max(initial=0)), 1)
    n_block = int(nblocks.max(initial=0))
    nk = n_block + 1
    fac = rules.repulsion_factor
    cum = np.zeros(n_codes * n_slots)
    target = np.zeros(n_codes * n_slots, dtype=np.int64)
    hop = np.zeros(n_codes * n_slots, dtype=np.int64)
    block = np.zeros(n_codes * n_slots * max(n_block, 1), dtype=np.int64)
    nblock = np.zeros(n_codes * n_slots, dtype=np.int64)
    threshold = np.full((n_codes * n_slots, 3 * nk), -1.0)
    for c in range(n_codes):
        e0, e1 = entry_ptr[c], entry_ptr[c + 1]
        bound = entry_cum[e1 - 1] if e1 > e0 else 0.0
        for j in range(n_slots):
            q = c * n_slots + j
            e = e0 + j
            if e >= e1:
                cum[q] = bound
                continue
            h = entry_hop[e]
            cum[q] = entry_cum[e]
            target[q] = entry_target[e]
            hop[q] = h
            nb_e = int(nblocks[e])
            nblock[q] = nb_e
            block[q * n_block : q * n_block + nb_e] = block_delta[block_ptr[e] : block_ptr[e + 1]]
            pad = n_block - nb_e
            for n in range(nb_e + 1):
                # the same floating-point operations as the pure-Python twin
                p = float(rules.probability[h]) * float(fac[n])
                threshold[q, pad + n] = entry_start[e] + p
                threshold[q, 2 * nk + pad + n] = entry_start[e] + p * rules.boost
    return {
        "hop_slots": n_slots,
        "block_slots": n_block,
        "slot_cum": cum,
        "slot_target": target,
        "slot_hop": hop,
        "slot_block": block,
        "slot_nblock": nblock,
        "slot_threshold": threshold,
    }
