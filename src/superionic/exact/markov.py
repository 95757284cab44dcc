"""The many-body Markov chain of one step tau on a small periodic supercell, by enumeration.

A *state* is the occupation of every site plus, with concerted hopping and
``concerted="previous"``, the one-step memory the simulation keeps: for every empty site, the hop
that vacated it in the last step (only hops that are a concerted partner of some hop are
remembered; the others cannot change any probability). States are packed into one unsigned
64-bit key with a few bits per site.

One step is expanded exactly, for all states of a batch at once (NumPy arrays of per-site codes,
no loop over states):

``sequential``
    The ions are visited once each, in a uniformly random order: at sub-step k one of the n - k
    ions not yet visited is chosen with probability 1 / (n - k), evaluates its hops on the current
    configuration (exclusion, K0 blockers, the M0 boost when its target was vacated by a concerted
    partner in the previous step or earlier in the same step) and hops or stays. Intermediate
    configurations of one parent that coincide are merged after every sub-step.
``parallel``
    Every ion chooses from the configuration at the start of the step; when several ions choose
    one empty site, one of them, uniformly, takes it and the others stay; the chosen hops are made
    together.

With out-probabilities above one an ion hops with certainty, choosing in proportion to the
probabilities, as the simulation does. Besides the transition probability of every pair
(parent, child), the expansion returns the first moment of the displacement ``sum_paths prob x
dX`` per pair and, per parent, the second moment and the expected number of hops.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ModelError

# per-site codes of the rows (uint8)
EMPTY = 0
OCC = 1  # occupied, not yet visited in this step
VISITED = 2  # occupied, visited
TAG = 3  # the tagged ion, not yet visited
TAG_VISITED = 4
PREV0 = 5  # empty, vacated in the previous step by slot j of the site: PREV0 + j
# CUR0 = PREV0 + n_slots: empty, vacated in this step by slot j


@dataclass(frozen=True)
class Geometry:
    """Per-site hop tables of the supercell with a phantom empty site at index ``n_sites``.

    Attributes
    ----------
    target : ndarray of int (n_sites, n_slots)
        Target site of slot j of each site (``n_sites`` for padding).
    hop : ndarray of int (n_sites, n_slots)
        Primitive hop index of each slot (0 for padding).
    base : ndarray (n_sites, n_slots)
        Base per-step probability of the slot (0 for padding).
    blockers : ndarray of int (n_sites, n_slots, n_block)
        Blocking neighbours (``n_sites`` for padding: always empty).
    displacement : ndarray (n_hops, dim)
    repulsion_factor : ndarray (n_block + 1,)
    boost : float
    partner : ndarray of bool (n_hops, n_hops)
    remember : ndarray of bool (n_hops,)
        Hops whose vacancy can boost some later hop (a concerted partner of some hop).
    weight : ndarray (n_sites,)
        Sublattice weight of every site (polarization).
    slab : ndarray of int (n_sites,)
        Slab of every site for the thermodynamic factor (-1 outside every slab).
    """

    n_sites: int
    n_slots: int
    target: np.ndarray
    hop: np.ndarray
    base: np.ndarray
    blockers: np.ndarray
    displacement: np.ndarray
    repulsion_factor: np.ndarray
    boost: float
    partner: np.ndarray
    remember: np.ndarray
    weight: np.ndarray
    slab: np.ndarray
    n_slabs: int
    slab_fraction: float

    @property
    def dim(self) -> int:
        return int(self.displacement.shape[1])

    @property
    def concerted(self) -> bool:
        return self.boost != 1.0 and bool(self.remember.any())


@dataclass(frozen=True)
class StateCodec:
    """Packing of the per-site codes of a state into one uint64 key.

    Inter-step codes: EMPTY, OCC, TAG and PREV0 + j (j < n_slots); each maps to a compact digit
    of ``bits`` bits.
    """

    n_sites: int
    n_slots: int
    bits: int

    @staticmethod
    def for_geometry(geo: Geometry, *, memory: bool, tagged: bool) -> StateCodec:
        max_digit = (2 + geo.n_slots) if memory else (2 if tagged else 1)
        n_digits = max_digit + 1
        bits = max(1, max_digit.bit_length())
        if bits * geo.n_sites > 64:
            raise ModelError(
                f"supercell has {geo.n_sites} sites with {n_digits} codes each: more than the 64 "
                "bits of a state key; use a smaller supercell"
            )
        return StateCodec(geo.n_sites, geo.n_slots, bits)

    def _digits(self) -> np.ndarray:
        lut = np.zeros(256, dtype=np.uint64)
        lut[OCC] = 1
        lut[TAG] = 2
        for j in range(self.n_slots):
            lut[PREV0 + j] = 3 + j
        return lut

    def encode(self, rows: np.ndarray) -> np.ndarray:
        """Keys of rows of inter-step codes (phantom column ignored)."""
        lut = self._digits()
        key = np.zeros(rows.shape[0], dtype=np.uint64)
        for x in range(self.n_sites):
            key |= lut[rows[:, x]] << np.uint64(self.bits * x)
        return key

    def decode(self, keys: np.ndarray) -> np.ndarray:
        """Rows of codes (with the phantom empty column) from keys."""
        keys = np.asarray(keys, dtype=np.uint64)
        inv = np.zeros(3 + self.n_slots, dtype=np.uint8)
        inv[1] = OCC
        inv[2] = TAG
        inv[3:] = PREV0 + np.arange(self.n_slots)
        shifts = (np.arange(self.n_sites, dtype=np.uint64) * np.uint64(self.bits))
        mask = np.uint64((1 << self.bits) - 1)
        d = (keys[:, None] >> shifts[None, :]) & mask
        rows = np.zeros((keys.size, self.n_sites + 1), dtype=np.uint8)
        rows[:, : self.n_sites] = inv[d.astype(np.int64)]
        return rows


def occupation_states(n_sites: int, n_ions: int, *, tagged: bool) -> np.ndarray:
    """Rows (with phantom column) of every configuration of ``n_ions`` on ``n_sites`` sites.

    With ``tagged``, every configuration appears once per choice of the tagged ion.
    """
    combos = np.array(list(_combinations(n_sites, n_ions)), dtype=np.int64).reshape(-1, n_ions)
    m = combos.shape[0]
    rows = np.zeros((m, n_sites + 1), dtype=np.uint8)
    rows[np.repeat(np.arange(m), n_ions), combos.ravel()] = OCC
    if not tagged:
        return rows
    out = np.repeat(rows, n_ions, axis=0)
    out[np.arange(m * n_ions), combos.ravel()] = TAG
    return out


def _combinations(n: int, k: int):
    import itertools

    return itertools.combinations(range(n), k)


def _occupied(codes: np.ndarray) -> np.ndarray:
    return (codes >= OCC) & (codes <= TAG_VISITED)


@dataclass(frozen=True)
class StepExpansion:
    """One step from a batch of parent states.

    Attributes
    ----------
    parent : ndarray of int (n_pairs,)
        Index of the parent within the batch.
    child : ndarray of uint64 (n_pairs,)
        Key of the child state.
    probability : ndarray (n_pairs,)
    first : ndarray (n_pairs, dim)
        ``sum over paths of probability x displacement`` per pair.
    second : ndarray (n_parents, dim, dim)
        ``E[dX dX^T | parent]``.
    hops : ndarray (n_parents,)
        Expected number of hops in the step.
    """

    parent: np.ndarray
    child: np.ndarray
    probability: np.ndarray
    first: np.ndarray
    second: np.ndarray
    hops: np.ndarray


def _group_sum(inv, m, values):
    """Sums of ``values`` (n, ...) over the groups ``inv`` (n,) -> (m, ...)."""
    flat = values.reshape(values.shape[0], -1)
    out = np.empty((m, flat.shape[1]))
    for c in range(flat.shape[1]):
        out[:, c] = np.bincount(inv, weights=flat[:, c], minlength=m)
    return out.reshape((m, *values.shape[1:]))


def _row_keys(pid, rows):
    """One sortable key per (parent, row): uint64 when it fits, else raw bytes."""
    n_codes = int(rows.max(initial=0)) + 1
    bits = max(1, (n_codes - 1).bit_length())
    pid_bits = max(1, int(pid.max(initial=0)).bit_length())
    n = rows.shape[1]
    if bits * n + pid_bits <= 64:
        key = pid.astype(np.uint64)
        b = np.uint64(bits)
        for c in range(n):
            key = (key << b) | rows[:, c]
        return key
    key = np.concatenate([pid.astype(">i8").view(np.uint8).reshape(-1, 8), rows], axis=1)
    return np.ascontiguousarray(key).view(np.dtype((np.void, key.shape[1]))).ravel()


def _merge(pid, rows, w, first, second, hops):
    """Merge rows with equal (parent, codes), summing weights and moments."""
    key = _row_keys(pid, rows)
    uniq, first_idx, inv = np.unique(key, return_index=True, return_inverse=True)
    m = uniq.size
    inv = inv.ravel()
    return (pid[first_idx], rows[first_idx], np.bincount(inv, weights=w, minlength=m),
            _group_sum(inv, m, first), _group_sum(inv, m, second),
            np.bincount(inv, weights=hops, minlength=m))


def _slot_probabilities(geo: Geometry, rows: np.ndarray, x: int, mem_base: int | None):
    """Per-step probabilities (n_rows, n_slots) of the ion at site x in each row.

    ``mem_base`` is the code base of the vacancies that boost (PREV0 or CUR0), None without M0.
    """
    r = rows.shape[0]
    p = np.zeros((r, geo.n_slots))
    for j in range(geo.n_slots):
        base = geo.base[x, j]
        if base == 0.0:
            continue
        t = geo.target[x, j]
        ct = rows[:, t]
        n_block = np.zeros(r, dtype=np.int64)
        for b in geo.blockers[x, j]:
            n_block += _occupied(rows[:, b])
        pj = base * geo.repulsion_factor[n_block]
        if mem_base is not None:
            h = geo.hop[x, j]
            slot_t = ct.astype(np.int64) - mem_base
            valid = (slot_t >= 0) & (slot_t < geo.n_slots)
            vac_hop = geo.hop[t, np.where(valid, slot_t, 0)]
            boosted = valid & geo.partner[h, vac_hop]
            pj = np.where(boosted, pj * geo.boost, pj)
        p[:, j] = np.where(_occupied(ct), 0.0, pj)
    total = p.sum(axis=1)
    p *= np.where(total > 1.0, 1.0 / np.maximum(total, 1e-300), 1.0)[:, None]
    return p, total


def _finish_rows(rows: np.ndarray, geo: Geometry, keep_current: bool) -> np.ndarray:
    """Inter-step codes after a step: visited -> occupied; current vacancies -> previous."""
    out = rows.copy()
    cur0 = PREV0 + geo.n_slots
    out[rows == VISITED] = OCC
    out[rows == TAG_VISITED] = TAG
    prev = (rows >= PREV0) & (rows < cur0)
    out[prev] = EMPTY
    cur = rows >= cur0
    out[cur] = (rows[cur] - geo.n_slots) if keep_current else EMPTY
    return out


def sequential_step(geo: Geometry, parents: np.ndarray, n_ions: int, *, concerted: str,
                    tracer: bool, codec: StateCodec) -> StepExpansion:
    """Expand one sequential step (uniformly random visiting order) of every parent row."""
    dim = geo.dim
    m = parents.shape[0]
    cur0 = PREV0 + geo.n_slots
    memory = geo.concerted
    mem_base = None if not memory else (PREV0 if concerted == "previous" else cur0)
    rows = parents.copy()
    pid = np.arange(m, dtype=np.int64)
    w = np.ones(m)
    first = np.zeros((m, dim))
    second = np.zeros((m, dim, dim))
    hops = np.zeros(m)
    for k in range(n_ions):
        parts = []
        inv_left = 1.0 / (n_ions - k)
        for x in range(geo.n_sites):
            sel = np.flatnonzero((rows[:, x] == OCC) | (rows[:, x] == TAG))
            if sel.size == 0:
                continue
            r_sel = rows[sel]
            tagged = r_sel[:, x] == TAG
            p, _ = _slot_probabilities(geo, r_sel, x, mem_base)
            stay = np.maximum(1.0 - p.sum(axis=1), 0.0)
            ws, fs, ss, hs = w[sel] * inv_left, first[sel] * inv_left, second[sel] * inv_left, \
                hops[sel] * inv_left
            r_stay = r_sel.copy()
            r_stay[:, x] = np.where(tagged, TAG_VISITED, VISITED)
            keep = stay > 0.0
            parts.append((pid[sel][keep], r_stay[keep], ws[keep] * stay[keep],
                          fs[keep] * stay[keep, None], ss[keep] * stay[keep, None, None],
                          hs[keep] * stay[keep]))
            for j in range(geo.n_slots):
                pj = p[:, j]
                keep = pj > 0.0
                if not keep.any():
                    continue
                h = geo.hop[x, j]
                t = geo.target[x, j]
                q = pj[keep]
                r_hop = r_sel[keep].copy()
                r_hop[:, x] = (cur0 + j) if (memory and geo.remember[h]) else EMPTY
                r_hop[:, t] = np.where(tagged[keep], TAG_VISITED, VISITED)
                e = np.broadcast_to(geo.displacement[h], (q.size, dim)).copy()
                if tracer:
                    e *= tagged[keep, None]
                wk, fk, sk = ws[keep], fs[keep], ss[keep]
                f_new = q[:, None] * (fk + wk[:, None] * e)
                s_new = q[:, None, None] * (
                    sk + fk[:, :, None] * e[:, None, :] + e[:, :, None] * fk[:, None, :]
                    + wk[:, None, None] * e[:, :, None] * e[:, None, :]
                )
                parts.append((pid[sel][keep], r_hop, wk * q, f_new, s_new, q * (hs[keep] + wk)))
        pid, rows, w, first, second, hops = (np.concatenate(a) for a in zip(*parts, strict=True))
        pid, rows, w, first, second, hops = _merge(pid, rows, w, first, second, hops)
    final = _finish_rows(rows, geo, keep_current=memory and concerted == "previous")
    return _collect(codec, m, pid, final, w, first, second, hops)


def parallel_step(geo: Geometry, parents: np.ndarray, n_ions: int, *, tracer: bool,
                  codec: StateCodec) -> StepExpansion:
    """Expand one parallel step (choices from the start configuration, uniform conflicts)."""
    dim = geo.dim
    m = parents.shape[0]
    memory = geo.concerted
    mem_base = PREV0 if memory else None
    n = geo.n_sites
    # choice profiles: slot per site (-1: stays or no ion)
    pid = np.arange(m, dtype=np.int64)
    w = np.ones(m)
    choice = np.full((m, n), -1, dtype=np.int16)
    for x in range(n):
        start = parents[pid]
        sel = np.flatnonzero(_occupied(start[:, x]))
        if sel.size == 0:
            continue
        p, _ = _slot_probabilities(geo, start[sel], x, mem_base)
        stay = np.maximum(1.0 - p.sum(axis=1), 0.0)
        rest = np.setdiff1d(np.arange(pid.size), sel, assume_unique=True)
        new_pid, new_w, new_c = [pid[rest]], [w[rest]], [choice[rest]]
        keep = stay > 0
        new_pid.append(pid[sel][keep])
        new_w.append(w[sel][keep] * stay[keep])
        new_c.append(choice[sel][keep])
        for j in range(geo.n_slots):
            keep = p[:, j] > 0
            if not keep.any():
                continue
            c = choice[sel][keep].copy()
            c[:, x] = j
            new_pid.append(pid[sel][keep])
            new_w.append(w[sel][keep] * p[keep, j])
            new_c.append(c)
        pid, w, choice = np.concatenate(new_pid), np.concatenate(new_w), np.concatenate(new_c)
    # conflicts: among the claimants of one target, one wins uniformly
    claimants: list[list[tuple[int, int]]] = [[] for _ in range(n + 1)]
    for x in range(n):
        for j in range(geo.n_slots):
            if geo.base[x, j] > 0:
                claimants[geo.target[x, j]].append((x, j))
    for t in range(n):
        cl = claimants[t]
        if len(cl) < 2:
            continue
        claims = np.stack([choice[:, x] == j for x, j in cl], axis=1)
        count = claims.sum(axis=1)
        conflict = count >= 2
        if not conflict.any():
            continue
        idx = np.flatnonzero(conflict)
        new_pid, new_w, new_c = [pid[~conflict]], [w[~conflict]], [choice[~conflict]]
        for a in range(len(cl)):
            win = idx[claims[idx, a]]
            c = choice[win].copy()
            for b, (x2, _j2) in enumerate(cl):
                if b != a:
                    c[claims[win, b], x2] = -1
            new_pid.append(pid[win])
            new_w.append(w[win] / count[win])
            new_c.append(c)
        pid, w, choice = np.concatenate(new_pid), np.concatenate(new_w), np.concatenate(new_c)
    # execute
    start = parents[pid]
    rows = start.copy()
    cur0 = PREV0 + geo.n_slots
    rows[(start >= PREV0) & (start < cur0)] = EMPTY
    disp = np.zeros((pid.size, dim))
    nh = np.zeros(pid.size)
    for x in range(n):
        for j in range(geo.n_slots):
            mv = np.flatnonzero(choice[:, x] == j)
            if mv.size == 0:
                continue
            h = geo.hop[x, j]
            t = geo.target[x, j]
            code = start[mv, x]
            rows[mv, t] = code
            rows[mv, x] = (PREV0 + j) if (memory and geo.remember[h]) else EMPTY
            e = geo.displacement[h]
            disp[mv] += e[None, :] * ((code == TAG)[:, None] if tracer else 1.0)
            nh[mv] += 1.0
    first = w[:, None] * disp
    second = w[:, None, None] * disp[:, :, None] * disp[:, None, :]
    return _collect(codec, m, pid, rows, w, first, second, w * nh)


def _collect(codec: StateCodec, m: int, pid, rows, w, first, second, hops) -> StepExpansion:
    child = codec.encode(rows)
    order = np.lexsort((child, pid))
    pid, child = pid[order], child[order]
    new = np.ones(pid.size, dtype=bool)
    new[1:] = (pid[1:] != pid[:-1]) | (child[1:] != child[:-1])
    inv = np.cumsum(new) - 1
    n_pairs = int(inv[-1]) + 1 if inv.size else 0
    prob = np.bincount(inv, weights=w[order], minlength=n_pairs)
    f = _group_sum(inv, n_pairs, first[order])
    s = _group_sum(pid, m, second[order])
    hp = np.bincount(pid, weights=hops[order], minlength=m)
    return StepExpansion(parent=pid[new].astype(np.int64), child=child[new], probability=prob,
                         first=f, second=s, hops=hp)
