"""numba kernels of the discrete-time many-body Monte Carlo in the paper's step tau.

State (per site): ``occ`` (uint8, bit 0 occupied, bit 1 claimed during a parallel step), ``code``
(uint16, see :mod:`.supercell`) and, with concerted hopping only, ``vac`` (uint8: the hop that last
vacated the site and the step it happened, modulo 4). Per ion: its site (int32), its unwrapped
displacement in cells since the last tracer reset (int16 per dimension) and the basis index at that
reset (uint8). That is 3-4 bytes per site plus 6-11 bytes per ion.

Update schemes (one step tau)
-----------------------------
``sequential`` (default)
    Every ion is visited once per step, in the order ``(a k + b) mod N`` with ``a`` (coprime to N)
    and ``b`` drawn anew each step; ion labels are random, so the order is a fresh pseudo-random
    permutation. The visited ion draws one uniform ``u``. Each of its hops owns an interval of
    ``u`` as wide as the largest probability the hop can have (consecutive, in the model's hop
    order); the hop whose interval ``[start, end)`` holds ``u`` is evaluated on the *current*
    configuration, which includes the hops made earlier in the step, and taken when
    ``u < start + p`` with p its actual probability (exact, since p never exceeds the width). The
    thresholds ``start + p`` are tabulated per hop and number of occupied blockers
    (:class:`.supercell.Supercell`), so an attempt costs one random number, a few comparisons and
    loads, and no exponential. Each single-ion
    move satisfies detailed balance when the model does, so with K0 alone the stationary state is
    the exact Boltzmann distribution of the lattice gas with nearest-neighbour repulsion K0, for any
    step tau.
``parallel``
    All ions choose their hops from the configuration at the start of the step; a hop needs a target
    that was empty then. When several ions aim at one empty site, the first in the step's random
    order takes it and the others stay (each claimant wins with equal probability). Then all chosen
    hops are executed together. This is the literal reading of ``n(t + tau) = P n(t)`` with all ions
    moving at once; it differs from ``sequential`` at order P^2.

Concerted hopping (M0)
----------------------
The hop ``h: s -> t`` has its probability multiplied by ``exp(M0 / kB T)`` when t was vacated by a
concerted partner of h (a hop t -> u continuing in the direction of h) in the *previous* step
(``concerted="previous"``, default: the boost acts in the next step) or earlier in the *same* step
(``concerted="same"``, sequential update only: a chain of hops within one step).

Out-probabilities above one
---------------------------
A lowered barrier can push an ion's total out-probability above one. The kernels then let the ion
hop with certainty, choosing among its hops in proportion to their probabilities, count the
attempt as *saturated* and record the largest total seen; nothing is clipped silently.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._rng import next_below, next_double

# accumulator slots (float64 array, reset by the driver at each block)
A_HOPS = 0
A_ATTEMPTS = 1
A_G1 = 2
A_GABS = 3
A_G2 = 4
A_G4 = 5
A_SAMPLES = 6
A_SATURATED = 7
A_MAXOUT = 8
A_CONFLICTS = 9
A_DISP = 10  # dim slots follow
N_ACC_BASE = 10

UPDATE_SEQUENTIAL = 0
UPDATE_PARALLEL = 1
CONCERTED_PREVIOUS = 0
CONCERTED_SAME = 1


@njit(cache=True, nogil=True)
def gcd(a, b):
    while b:
        a, b = b, a % b
    return a


@njit(cache=True, nogil=True)
def draw_order(rng, n):
    """Step order (a, b) of the affine permutation k -> (a k + b) mod n."""
    if n <= 1:
        return 1, 0
    b = next_below(rng, n)
    a = 1 + next_below(rng, n - 1)
    while gcd(a, n) != 1:
        a = 1 + next_below(rng, n - 1)
    return a, b


@njit(cache=True, nogil=True)
def place_ions(occ, ion_site, rng):
    """Random initial configuration: distinct random sites, ions labelled in random order."""
    n_sites = occ.size
    n_ions = ion_site.size
    if 2 * n_ions <= n_sites:
        for i in range(n_ions):
            while True:
                s = next_below(rng, n_sites)
                if occ[s] == 0:
                    occ[s] = 1
                    ion_site[i] = s
                    break
    else:
        for s in range(n_sites):
            occ[s] = 1
        for _ in range(n_sites - n_ions):
            while True:
                s = next_below(rng, n_sites)
                if occ[s] == 1:
                    occ[s] = 0
                    break
        k = 0
        for s in range(n_sites):
            if occ[s] == 1:
                ion_site[k] = s
                k += 1
        for i in range(n_ions - 1, 0, -1):
            j = next_below(rng, i + 1)
            tmp = ion_site[i]
            ion_site[i] = ion_site[j]
            ion_site[j] = tmp


@njit(cache=True, nogil=True)
def slot_probability(q, s, occ, vac, stamp, slot_hop, slot_target, slot_block, slot_nblock, nblk,
                     prob, fac, boost, partner, concerted):
    """Per-step probability of slot q for the ion at site s (0 if the target is taken).

    Used where an ion's hops can sum to more than one (the saturating branch); the common branch
    reads the same numbers from ``slot_threshold``.
    """
    t = s + slot_target[q]
    if occ[t] & 1:
        return 0.0
    n = 0
    for j in range(slot_nblock[q]):
        n += occ[s + slot_block[q * nblk + np.uint64(j)]] & 1
    h = slot_hop[q]
    p = prob[h] * fac[n]
    if concerted:
        v = vac[t]
        if v != 0 and (v & 3) == stamp and partner[h, (v >> 2) - 1]:
            p *= boost
    return p


@njit(cache=True, nogil=True)
def run_steps(
    nsteps, update, concerted_mode, concerted,
    occ, code, vac, ion_site, ion_ucell, code_basis,
    hop_slots, block_slots, slot_cum, slot_target, slot_hop, slot_block, slot_nblock,
    slot_threshold, prob, fac, boost, partner, hop_cell, hop_disp, hop_source_basis,
    hop_target_basis, sign, pending, scratch,
    rng, counters, acc,
):
    """Run ``nsteps`` discrete-time steps in place (see module doc).

    ``counters[0]`` is the global step number (advanced here); ``acc`` accumulates the block
    statistics (slots ``A_*``). The slot tables are those of :class:`.supercell.Supercell`;
    ``slot_target`` and ``slot_block`` are passed as ``uint64`` views of the signed offsets.

    Cost per attempt: one random number, the ion's site and code, one comparison per slot of the
    code to find the slot that owns ``u``, the occupations of the target and of the blockers
    (counted without branches), one threshold look-up. Site, slot and ion indices are unsigned
    (offsets wrap modulo 2**64 to the right site), so that numba emits no negative-index
    wraparound code on the hot path.
    """
    n = ion_site.size
    dim = hop_cell.shape[1]
    nsites = occ.size
    gsum = 0.0
    for i in range(n):
        gsum += sign[code_basis[code[ion_site[i]]]]
    inv_n = 1.0 / n
    n_hops_total = hop_cell.shape[0]
    hop_count = np.zeros(n_hops_total, dtype=np.int64)
    hop_dsign = np.empty(n_hops_total)
    for h in range(n_hops_total):
        hop_dsign[h] = sign[hop_target_basis[h]] - sign[hop_source_basis[h]]
    nslot = np.uint64(hop_slots)
    last = np.uint64(hop_slots - 1)
    nblk = np.uint64(block_slots)
    nk = np.uint64(block_slots + 1)
    width = np.uint64(3 * (block_slots + 1))
    thr = slot_threshold.ravel()
    one = np.uint64(1)
    three = np.uint64(3)
    parallel = update == UPDATE_PARALLEL
    for _ in range(nsteps):
        step = counters[0]
        if concerted and (step & 1) == 0:
            keep = (step - 1) & 3
            for x in range(nsites):
                v = vac[x]
                if v != 0 and (v & 3) != keep:
                    vac[x] = 0
        if concerted_mode == CONCERTED_SAME:
            stamp = np.uint64(step & 3)
        else:
            stamp = np.uint64((step - 1) & 3)
        a, b = draw_order(rng, n)
        idx = b
        for _k in range(n):
            i = np.uint64(idx)
            idx += a
            if idx >= n:
                idx -= n
            s = np.uint64(ion_site[i])
            q0 = np.uint64(code[s]) * nslot
            u = next_double(rng)
            bound = slot_cum[q0 + last]
            if u >= bound:
                continue
            chosen = nslot  # no hop
            if bound <= 1.0:
                # The slot whose interval holds u (intervals are consecutive and increasing) ...
                q = q0
                for j in range(hop_slots - 1):
                    q += np.uint64(u >= slot_cum[q0 + np.uint64(j)])
                # ... is taken when u lies below its threshold for the current occupations.
                t = s + slot_target[q]
                k = nk * np.uint64(occ[t] & 1)
                for j in range(block_slots):
                    k += np.uint64(occ[s + slot_block[q * nblk + np.uint64(j)]] & 1)
                if concerted and k < nk:
                    v = np.uint64(vac[t])
                    if v != 0 and (v & three) == stamp and partner[slot_hop[q], (v >> 2) - one]:
                        k += nk + nk
                if u < thr[q * width + k]:
                    chosen = q - q0
            else:
                total = 0.0
                for j in range(hop_slots):
                    p = slot_probability(
                        q0 + np.uint64(j), s, occ, vac, stamp, slot_hop, slot_target, slot_block,
                        slot_nblock, nblk, prob, fac, boost, partner, concerted,
                    )
                    scratch[j] = p
                    total += p
                if total > 1.0:
                    acc[A_SATURATED] += 1.0
                if total > acc[A_MAXOUT]:
                    acc[A_MAXOUT] = total
                target_u = u * max(total, 1.0)
                cum = 0.0
                for j in range(hop_slots):
                    cum += scratch[j]
                    if target_u < cum:
                        chosen = np.uint64(j)
                        break
            if chosen == nslot:
                continue
            q = q0 + chosen
            t = s + slot_target[q]
            if parallel:
                if occ[t] & 2:
                    acc[A_CONFLICTS] += 1.0
                else:
                    occ[t] |= 2
                    pending[i] = chosen + one
                continue
            h = np.uint64(slot_hop[q])
            occ[s] = 0
            occ[t] = 1
            ion_site[i] = t
            for d in range(dim):
                ion_ucell[i, np.uint64(d)] += hop_cell[h, np.uint64(d)]
            hop_count[h] += 1
            gsum += hop_dsign[h]
            if concerted:
                vac[s] = ((h + one) << np.uint64(2)) | np.uint64(step & 3)
        if parallel:
            for i in range(n):
                k = pending[i]
                if k == 0:
                    continue
                pending[i] = 0
                s = np.uint64(ion_site[i])
                q = np.uint64(code[s]) * nslot + np.uint64(k - 1)
                t = s + slot_target[q]
                h = np.uint64(slot_hop[q])
                occ[s] = 0
                occ[t] = 1
                ion_site[i] = t
                for d in range(dim):
                    ion_ucell[i, np.uint64(d)] += hop_cell[h, np.uint64(d)]
                hop_count[h] += 1
                gsum += hop_dsign[h]
                if concerted:
                    vac[s] = ((h + one) << np.uint64(2)) | np.uint64(step & 3)
        acc[A_ATTEMPTS] += n
        g = gsum * inv_n
        g2 = g * g
        acc[A_G1] += g
        acc[A_GABS] += abs(g)
        acc[A_G2] += g2
        acc[A_G4] += g2 * g2
        acc[A_SAMPLES] += 1.0
        counters[0] = step + 1
    # executed hops per primitive hop give the collective displacement exactly
    nhops = 0
    for h in range(n_hops_total):
        nhops += hop_count[h]
    acc[A_HOPS] += nhops
    for d in range(dim):
        x = 0.0
        for h in range(n_hops_total):
            x += hop_count[h] * hop_disp[h, d]
        acc[A_DISP + d] += x


@njit(cache=True, nogil=True)
def reset_tracer(ion_site, ion_ucell, ion_ref, code, code_basis):
    """Start a new tracer origin: zero the unwrapped cells, remember each ion's basis."""
    for i in range(ion_site.size):
        for d in range(ion_ucell.shape[1]):
            ion_ucell[i, d] = 0
        ion_ref[i] = code_basis[code[ion_site[i]]]


@njit(cache=True, nogil=True)
def tracer_moments(ion_site, ion_ucell, ion_ref, code, code_basis, matrix, basis_pos, first,
                   second):
    """Sum over ions of the displacement since the tracer origin and of its outer product."""
    dim = matrix.shape[0]
    dr = np.zeros(dim)
    for i in range(ion_site.size):
        b = code_basis[code[ion_site[i]]]
        r = ion_ref[i]
        for d in range(dim):
            x = basis_pos[b, d] - basis_pos[r, d]
            for k in range(dim):
                x += ion_ucell[i, k] * matrix[k, d]
            dr[d] = x
        for d in range(dim):
            first[d] += dr[d]
            for k in range(dim):
                second[d, k] += dr[d] * dr[k]
