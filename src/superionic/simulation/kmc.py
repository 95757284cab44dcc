"""Rejection-free continuous-time kinetic Monte Carlo for memoryless models (M0 = 0).

Each allowed hop is a Poisson process of rate ``P / tau`` (the per-step probability of the
discrete-time engine divided by the step: the continuous-time limit of small P, Sec. II.2). The
engine keeps, per ion, its total rate ``R_i = sum_h P_h exp(-K0 n_h / kB T)`` over hops to empty
targets in a Fenwick (binary indexed) tree over the ions, so that

1. the waiting time is exponential with the total rate ``R = sum_i R_i``;
2. the ion is found by a top-down search of the tree (O(log N)), its hop by walking its few hops;
3. after the hop the mover's rate is recomputed, and for the other ions only the hop entries that
   read the two changed sites (precomputed per hop, see :class:`.supercell.Supercell`) are
   re-evaluated; one evaluation gives the entry's value before and after the hop, and each
   changed ion updates its leaf of the tree (O(log N)).

The rates and the tree are rebuilt from scratch after every 64 events per ion (and whenever the
configuration was set from outside), so rounding cannot accumulate over a run.
A wait that would pass the end of a call is discarded (exact for Poisson processes).

Memory: per site an occupation (uint8), an ion index (int32) and the code (uint16); per ion its
site (int32), unwrapped cells (int16 per dimension), reference basis (uint8) and rate (float64);
the partial-sum tree has one float64 per block of 32 ions.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..errors import ModelError
from ._rng import PyRng, next_double
from .kernels import A_DISP, A_G1, A_G2, A_G4, A_GABS, A_HOPS, A_SAMPLES
from .supercell import Rules, Supercell

S_TIME = 0  # state slots (float64)
S_TOTAL = 1
S_OVERFLOW = 2
S_SINCE = 3  # events since the last rebuild (< 0: rebuild at the next call)
REBUILD_EVERY = 64  # rebuild after this many events per ion


BLOCK = 32  # ions per leaf of the partial-sum tree


U0 = np.uint64(0)
U1 = np.uint64(1)


@njit(cache=True, nogil=True, inline="always")
def _ion_rate(s, occ, code, entry_ptr, entry_prob, entry_target, block_ptr, block_delta, fac):
    """Total rate of the ion on site ``s``: ``sum_e P_e exp(-K0 n_e / kB T)`` over its hops to
    empty targets (the same floating-point operations, in the same order, as the twin).

    Site, entry and offset arrays are unsigned (offsets wrap modulo 2**64 to the right site), so
    that numba emits no negative-index wraparound code."""
    c = np.uint64(code[s])
    r = 0.0
    for e in range(entry_ptr[c], entry_ptr[c + U1]):
        if occ[s + entry_target[e]]:
            continue
        n = U0
        for j in range(block_ptr[e], block_ptr[e + U1]):
            n += np.uint64(occ[s + block_delta[j]])
        r += entry_prob[e] * fac[n]
    return r


@njit(cache=True, nogil=True, inline="always")
def _fenwick_add(tree, i, delta):
    k = np.uint64(i) + U1
    n = np.uint64(tree.size - 1)
    while k <= n:
        tree[k] += delta
        k += k & (U0 - k)


@njit(cache=True, nogil=True)
def rebuild(tree, rate, state, ion_site, occ, code, entry_ptr, entry_prob, entry_target,
            block_ptr, block_delta, fac):
    """Recompute every ion's rate, the tree over blocks of ions and the total from scratch."""
    n = ion_site.size
    nblocks = tree.size - 1
    total = 0.0
    for k in range(tree.size):
        tree[k] = 0.0
    for i in range(n):
        r = _ion_rate(np.uint64(ion_site[i]), occ, code, entry_ptr, entry_prob, entry_target,
                      block_ptr, block_delta, fac)
        rate[i] = r
        tree[i // BLOCK + 1] += r
        total += r
    for k in range(1, nblocks + 1):
        parent = k + (k & (-k))
        if parent <= nblocks:
            tree[parent] += tree[k]
    state[S_TOTAL] = total


@njit(cache=True, nogil=True)
def run_time(
    duration, occ, site_ion, code, ion_site, ion_ucell,
    code_basis, entry_ptr, entry_prob, entry_target, block_ptr, block_delta,
    aff_ptr, aff_delta, aff_k, aff_flags, entry_hop, fac, hop_cell, hop_disp, sign,
    tree, rate, rng, state, acc,
):
    """Advance the kinetic Monte Carlo by ``duration`` (units of tau); statistics into ``acc``.

    ``entry_ptr``, ``entry_target``, ``block_ptr``, ``block_delta``, ``aff_ptr``, ``aff_delta``
    are ``uint64`` views of the supercell's tables and ``entry_prob[e]`` the probability of
    entry e's hop (:class:`KMCEngine` prepares them)."""
    n = ion_site.size
    dim = hop_cell.shape[1]
    if state[S_SINCE] < 0.0 or state[S_SINCE] > REBUILD_EVERY * n:
        rebuild(tree, rate, state, ion_site, occ, code, entry_ptr, entry_prob, entry_target,
                block_ptr, block_delta, fac)
        state[S_SINCE] = 0.0
    nblocks = np.uint64(tree.size - 1)
    gsum = 0.0
    for i in range(n):
        gsum += sign[code_basis[code[ion_site[i]]]]
    inv_n = 1.0 / n
    top = U1
    while top * np.uint64(2) <= nblocks:
        top *= np.uint64(2)
    un = np.uint64(n)
    ublock = np.uint64(BLOCK)
    t_end = state[S_TIME] + duration
    time = state[S_TIME]
    disp = np.zeros(dim)
    nhops = 0
    g1 = 0.0
    gabs = 0.0
    g2 = 0.0
    g4 = 0.0
    while True:
        total = state[S_TOTAL]
        if total > 0.0:
            dt = -math.log(1.0 - next_double(rng)) / total
        else:
            dt = np.inf
        if time + dt >= t_end:
            dt = t_end - time
            stop = True
        else:
            stop = False
        g = gsum * inv_n
        g1 += g * dt
        gabs += abs(g) * dt
        g2 += g * g * dt
        g4 += g * g * g * g * dt
        if stop:
            break
        time += dt
        # block: smallest index whose prefix sum exceeds u; then the ion inside the block
        u = next_double(rng) * total
        pos = U0
        rem = u
        step = top
        while step > U0:
            nxt = pos + step
            if nxt <= nblocks and tree[nxt] <= rem:
                pos = nxt
                rem -= tree[nxt]
            step >>= U1
        if pos >= nblocks:
            pos = nblocks - U1
        i0 = pos * ublock
        i1 = min(i0 + ublock, un)
        found = False
        i = U0
        for k in range(i0, i1):
            rk = rate[k]
            if rk > 0.0:
                i = k
                found = True
                if rem < rk:
                    break
                rem -= rk
        if not found:
            # rounding reached an empty block: refresh the sums and draw again
            rebuild(tree, rate, state, ion_site, occ, code, entry_ptr, entry_prob, entry_target,
                    block_ptr, block_delta, fac)
            continue
        s = np.uint64(ion_site[i])
        c = np.uint64(code[s])
        chosen = U0
        cum = 0.0
        for e in range(entry_ptr[c], entry_ptr[c + U1]):
            if occ[s + entry_target[e]]:
                continue
            nb = U0
            for j in range(block_ptr[e], block_ptr[e + U1]):
                nb += np.uint64(occ[s + block_delta[j]])
            cum += entry_prob[e] * fac[nb]
            chosen = e
            if rem < cum:
                break
        t = s + entry_target[chosen]
        h = np.uint64(entry_hop[chosen])
        occ[s] = 0
        occ[t] = 1
        site_ion[s] = -1
        site_ion[t] = i
        ion_site[i] = t
        for d in range(dim):
            v = ion_ucell[i, d] + hop_cell[h, d]
            if v > 32000 or v < -32000:
                state[S_OVERFLOW] = 1.0
            ion_ucell[i, d] = v
            disp[d] += hop_disp[h, d]
        nhops += 1
        gsum += sign[code_basis[code[t]]] - sign[code_basis[c]]
        total = state[S_TOTAL]
        # the mover: its whole rate at the new site
        rn = _ion_rate(t, occ, code, entry_ptr, entry_prob, entry_target, block_ptr,
                       block_delta, fac)
        delta = rn - rate[i]
        rate[i] = rn
        _fenwick_add(tree, i // ublock, delta)
        total += delta
        # other ions: only the entries that read s or t, before and after from one evaluation
        k = aff_ptr[chosen]
        k1 = aff_ptr[chosen + U1]
        while k < k1:
            x = s + aff_delta[k]
            j = site_ion[x]
            delta = 0.0
            while True:
                fl = aff_flags[k]
                e = entry_ptr[np.uint64(code[x])] + np.uint64(aff_k[k])
                # an entry whose target stays occupied, or whose blockers s and t both are
                # (one filled, one emptied), keeps its probability: skip the count
                if j >= 0 and ((fl & 3) != 0 or (
                        occ[x + entry_target[e]] == 0 and (fl & 12) != 12)):
                    n_after = U0
                    for jj in range(block_ptr[e], block_ptr[e + U1]):
                        n_after += np.uint64(occ[x + block_delta[jj]])
                    n_before = n_after + np.uint64((fl >> 2) & 1) - np.uint64((fl >> 3) & 1)
                    p = entry_prob[e]
                    if fl & 1:  # target was occupied (s), now empty
                        delta += p * fac[n_after]
                    elif fl & 2:  # target was empty (t), now occupied
                        delta -= p * fac[n_before]
                    elif n_after != n_before:
                        delta += p * (fac[n_after] - fac[n_before])
                k += U1
                if k >= k1 or aff_delta[k] != aff_delta[k - U1]:
                    break
            if j >= 0 and delta != 0.0:
                rate[j] += delta
                _fenwick_add(tree, np.uint64(j) // ublock, delta)
                total += delta
        state[S_TOTAL] = total
    state[S_TIME] = t_end
    state[S_SINCE] += nhops
    acc[A_HOPS] += nhops
    for d in range(dim):
        acc[A_DISP + d] += disp[d]
    acc[A_G1] += g1
    acc[A_GABS] += gabs
    acc[A_G2] += g2
    acc[A_G4] += g4
    acc[A_SAMPLES] += duration


@njit(cache=True, nogil=True, inline="always")
def _displacement(i, ion_site, ion_ucell, ion_ref, nb, matrix, basis_pos, d):
    """Component d of ion i's displacement since the tracer origin (the operations of
    :func:`.kernels.tracer_moments`)."""
    b = np.uint64(ion_site[i]) % nb
    r = ion_ref[i]
    x = basis_pos[b, d] - basis_pos[r, d]
    for k in range(matrix.shape[0]):
        x += ion_ucell[i, k] * matrix[k, d]
    return x


@njit(cache=True, nogil=True)
def tracer_moments_by_index(ion_site, ion_ucell, ion_ref, n_basis, matrix, basis_pos, first,
                            second):
    """:func:`.kernels.tracer_moments` with each ion's basis read from its site index
    (``site % n_basis``, the supercell's numbering) instead of the site code, and the sums kept
    in registers: the same floating-point operations in the same order (bit-identical sums),
    without a random access into the per-site codes or a store per ion."""
    dim = matrix.shape[0]
    nb = np.uint64(n_basis)
    n = ion_site.size
    if dim == 2:
        f0, f1 = first[0], first[1]
        s00, s01, s10, s11 = second[0, 0], second[0, 1], second[1, 0], second[1, 1]
        for i in range(n):
            x0 = _displacement(i, ion_site, ion_ucell, ion_ref, nb, matrix, basis_pos, 0)
            x1 = _displacement(i, ion_site, ion_ucell, ion_ref, nb, matrix, basis_pos, 1)
            f0 += x0
            s00 += x0 * x0
            s01 += x0 * x1
            f1 += x1
            s10 += x1 * x0
            s11 += x1 * x1
        first[0], first[1] = f0, f1
        second[0, 0], second[0, 1], second[1, 0], second[1, 1] = s00, s01, s10, s11
        return
    dr = np.zeros(dim)
    for i in range(n):
        for d in range(dim):
            dr[d] = _displacement(i, ion_site, ion_ucell, ion_ref, nb, matrix, basis_pos, d)
        for d in range(dim):
            first[d] += dr[d]
            for k in range(dim):
                second[d, k] += dr[d] * dr[k]


class KMCEngine:
    """One replica of the rejection-free kinetic Monte Carlo (interface of DiscreteEngine)."""

    def __init__(self, rules: Rules, cell: Supercell, n_ions: int, sign) -> None:
        if rules.concerted:
            raise ModelError(
                "the kinetic Monte Carlo engine needs a memoryless model (M0 = 0): concerted "
                "hopping depends on the previous step; use engine='discrete'"
            )
        if cell.n_basis > 255:
            raise ModelError(f"at most 255 basis sites are supported, got {cell.n_basis}")
        self.rules = rules
        self.cell = cell
        self.dim = rules.dim
        self.n_ions = int(n_ions)
        self.sign = np.ascontiguousarray(sign, dtype=np.float64)
        self.code = cell.codes()
        self.site_ion = np.full(cell.n_sites, -1, dtype=np.int32)
        self.ion_site = np.zeros(self.n_ions, dtype=np.int32)
        self.ion_ucell = np.zeros((self.n_ions, self.dim), dtype=np.int16)
        self.ion_ref = np.zeros(self.n_ions, dtype=np.uint8)
        self.occ = np.zeros(cell.n_sites, dtype=np.uint8)
        self.rate = np.zeros(self.n_ions)
        self.tree = np.zeros((self.n_ions + BLOCK - 1) // BLOCK + 1)
        self.state_f = np.zeros(4)
        self.state_f[S_SINCE] = -1.0
        from .engine import n_accumulators

        self.acc = np.zeros(n_accumulators(self.dim))
        self.max_cell = int(np.max(np.abs(rules.cell))) if rules.cell.size else 1
        # unsigned views of the tables (offsets wrap modulo 2**64 to the right site) and the
        # probability of each entry's hop, for the kernel
        self._tables = {
            name: np.ascontiguousarray(getattr(cell, name)).view(np.uint64)
            for name in ("entry_ptr", "entry_target", "block_ptr", "block_delta", "aff_ptr",
                         "aff_delta")
        }
        self._tables["entry_prob"] = np.ascontiguousarray(rules.probability[cell.entry_hop])

    @property
    def bytes_per_site(self) -> float:
        arrays = (self.occ, self.site_ion, self.code, self.ion_site, self.ion_ucell, self.ion_ref,
                  self.rate, self.tree)
        return sum(a.nbytes for a in arrays) / self.cell.n_sites

    @property
    def time(self) -> float:
        return float(self.state_f[S_TIME])

    def place_random(self, rng) -> None:
        from .kernels import place_ions

        self.occ[:] = 0
        place_ions(self.occ, self.ion_site, rng)
        self._sync_sites()
        self.state_f[S_SINCE] = -1.0

    def place_sites(self, sites) -> None:
        sites = np.asarray(sites, dtype=np.int64)
        if sites.shape != (self.n_ions,) or np.unique(sites).size != sites.size:
            raise ModelError("initial sites must be distinct, one per ion")
        self.ion_site[:] = sites
        self._sync_sites()
        self.state_f[S_SINCE] = -1.0

    def _sync_sites(self) -> None:
        self.site_ion[:] = -1
        self.site_ion[self.ion_site] = np.arange(self.n_ions, dtype=np.int32)
        self.occ[:] = 0
        self.occ[self.ion_site] = 1

    def state(self) -> dict:
        return {"ion_site": self.ion_site, "ion_ucell": self.ion_ucell, "ion_ref": self.ion_ref,
                "state_f": self.state_f, "rate": self.rate, "tree": self.tree}

    def load_state(self, state: dict) -> None:
        for key, arr in self.state().items():
            arr[...] = state[key]
        self._sync_sites()

    def run(self, duration: float, rng) -> None:
        c, r = self.cell, self.rules
        u = self._tables
        run_time(
            float(duration), self.occ, self.site_ion, self.code, self.ion_site, self.ion_ucell,
            c.code_basis, u["entry_ptr"], u["entry_prob"], u["entry_target"], u["block_ptr"],
            u["block_delta"], u["aff_ptr"], u["aff_delta"], c.aff_k, c.aff_flags, c.entry_hop,
            r.repulsion_factor, r.cell, r.displacement, self.sign, self.tree, self.rate, rng,
            self.state_f, self.acc,
        )
        if self.state_f[S_OVERFLOW]:
            raise ModelError(
                "an ion moved more than 32000 cells within one tracer block: use shorter blocks"
            )

    def rebuild(self) -> None:
        """Recompute every rate, the tree and the total from scratch (as the kernel does)."""
        u = self._tables
        rebuild(self.tree, self.rate, self.state_f, self.ion_site, self.occ, self.code,
                u["entry_ptr"], u["entry_prob"], u["entry_target"], u["block_ptr"],
                u["block_delta"], self.rules.repulsion_factor)

    def reset_tracer(self) -> None:
        from .kernels import reset_tracer

        reset_tracer(self.ion_site, self.ion_ucell, self.ion_ref, self.code, self.cell.code_basis)

    def tracer_moments(self):
        first = np.zeros(self.dim)
        second = np.zeros((self.dim, self.dim))
        tracer_moments_by_index(self.ion_site, self.ion_ucell, self.ion_ref, self.cell.n_basis,
                                self.cell.matrix, self.cell.basis_positions, first, second)
        return first, second


class KMCReference:
    """Pure-Python twin of :func:`run_time`: rates recomputed from scratch at every event."""

    def __init__(self, rules: Rules, repeats, ion_sites, rng_state) -> None:
        from .reference import _Lattice

        self.lat = _Lattice(rules, repeats)
        self.rules = rules
        self.rng = PyRng(rng_state)
        self.ions = [self.lat.site(s) for s in ion_sites]
        self.occupied = set(self.ions)
        self.time = 0.0
        self.hops = 0
        self.events: list[tuple[int, int]] = []

    def _moves(self, site):
        r = self.rules
        out = []
        for h in self.lat.hops_by_basis[site[1]]:
            target = self.lat.shift(site, r.cell[h], int(r.target_basis[h]))
            if target in self.occupied:
                continue
            n = sum(1 for b, c in r.blockers[h] if self.lat.shift(site, c, b) in self.occupied)
            out.append((h, target, float(r.probability[h]) * float(r.repulsion_factor[n])))
        return out

    def run(self, duration: float) -> None:
        t_end = self.time + duration
        while True:
            moves = [self._moves(s) for s in self.ions]
            rates = [sum(p for _, _, p in m) for m in moves]
            total = math.fsum(rates)
            dt = -math.log(1.0 - self.rng.next_double()) / total if total > 0 else math.inf
            if self.time + dt >= t_end:
                break
            self.time += dt
            u = self.rng.next_double() * total
            cum = 0.0
            i = len(rates) - 1
            for k, rk in enumerate(rates):
                if u < cum + rk:
                    i = k
                    break
                cum += rk
            rem = u - cum
            acc = 0.0
            chosen = moves[i][-1]
            for mv in moves[i]:
                acc += mv[2]
                if rem < acc:
                    chosen = mv
                    break
            h, target, _ = chosen
            self.occupied.discard(self.ions[i])
            self.occupied.add(target)
            self.ions[i] = target
            self.hops += 1
            self.events.append((i, h))
        self.time = t_end
