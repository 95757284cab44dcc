"""Pure-Python twins of the simulation kernels, written independently of the compiled tables.

The twins work with sites as ``(cell tuple, basis)`` pairs, periodic wrapping by ``%`` and the
per-hop rules of :class:`~.supercell.Rules` (the interaction tables) directly, so that a parity test
checks the supercell compilation as well as the numba code. They draw the same random numbers in
the same order as the kernels (:class:`~._rng.PyRng`), hence give identical trajectories from one
seed. They are slow: use them on small supercells only.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import convolve2d

from ..units import KB_EV
from ._rng import PyRng
from .supercell import Rules, hop_width


class _Lattice:
    def __init__(self, rules: Rules, repeats) -> None:
        self.rules = rules
        self.repeats = tuple(int(r) for r in repeats)
        self.nb = rules.n_basis
        self.n_sites = int(np.prod(self.repeats)) * self.nb
        self.hops_by_basis = [
            [h for h in range(rules.n_hops) if int(rules.source_basis[h]) == b]
            for b in range(self.nb)
        ]

    def wrap(self, cell):
        return tuple(int(c) % L for c, L in zip(cell, self.repeats, strict=True))

    def index(self, site) -> int:
        cell, b = site
        lin = 0
        for c, L in zip(cell, self.repeats, strict=True):
            lin = lin * L + c
        return lin * self.nb + b

    def site(self, index: int):
        lin, b = divmod(int(index), self.nb)
        cell = []
        for L in reversed(self.repeats):
            lin, c = divmod(lin, L)
            cell.append(c)
        return (tuple(cell[::-1]), b)

    def shift(self, site, offset, basis):
        cell, _ = site
        return (self.wrap(tuple(c + o for c, o in zip(cell, offset, strict=True))), basis)


def place_ions(n_sites: int, n_ions: int, rng: PyRng) -> list[int]:
    """Twin of :func:`.kernels.place_ions` (site indices of the ions)."""
    occ = [0] * n_sites
    if 2 * n_ions <= n_sites:
        sites = []
        for _ in range(n_ions):
            while True:
                s = rng.next_below(n_sites)
                if occ[s] == 0:
                    occ[s] = 1
                    sites.append(s)
                    break
        return sites
    occ = [1] * n_sites
    for _ in range(n_sites - n_ions):
        while True:
            s = rng.next_below(n_sites)
            if occ[s] == 1:
                occ[s] = 0
                break
    sites = [s for s in range(n_sites) if occ[s]]
    for i in range(n_ions - 1, 0, -1):
        j = rng.next_below(i + 1)
        sites[i], sites[j] = sites[j], sites[i]
    return sites


def draw_order(rng: PyRng, n: int) -> tuple[int, int]:
    if n <= 1:
        return 1, 0
    b = rng.next_below(n)
    a = 1 + rng.next_below(n - 1)
    while math.gcd(a, n) != 1:
        a = 1 + rng.next_below(n - 1)
    return a, b


class DiscreteReference:
    """Discrete-time engine (same schemes as :func:`.kernels.run_steps`), pure Python."""

    def __init__(self, rules: Rules, repeats, ion_sites, rng_state, *, sign, update="sequential",
                 concerted="previous") -> None:
        self.lat = _Lattice(rules, repeats)
        self.rules = rules
        self.sign = [float(x) for x in sign]
        self.update = update
        self.concerted_mode = concerted
        self.rng = PyRng(rng_state)
        self.ions = [self.lat.site(s) for s in ion_sites]
        self.occupied = set(self.ions)
        self.vacated: dict = {}  # site -> (hop, step)
        self.step = 0
        self.hops = 0
        self.saturated = 0
        self.maxout = 0.0
        self.conflicts = 0
        dim = rules.dim
        self.displacement = [0.0] * dim
        self.ucell = [[0] * dim for _ in self.ions]
        self.gamma_sums = [0.0, 0.0, 0.0, 0.0]

    def probability(self, site, h, occupied, claimed=()):
        r = self.rules
        target = self.lat.shift(site, r.cell[h], int(r.target_basis[h]))
        if target in occupied:
            return 0.0, target
        n = sum(1 for b, c in r.blockers[h] if self.lat.shift(site, c, b) in occupied)
        p = float(r.probability[h]) * float(r.repulsion_factor[n])
        if r.concerted:
            rec = self.vacated.get(target)
            want = self.step if self.concerted_mode == "same" else self.step - 1
            if rec is not None and rec[1] == want and r.partner[h, rec[0]]:
                p *= r.boost
        return p, target

    def _choose(self, site, u, occupied):
        hops = self.lat.hops_by_basis[site[1]]
        if self._bound(site[1]) <= 1.0:
            # interval of u owned by each hop = its upper bound; evaluate only the hop holding u
            start = 0.0
            for k, h in enumerate(hops):
                end = start + hop_width(self.rules, h)
                if u < end or k == len(hops) - 1:
                    p, target = self.probability(site, h, occupied)
                    return (h, target) if u < start + p else (None, None)
                start = end
            return None, None
        probs = [self.probability(site, h, occupied) for h in hops]
        total = sum(p for p, _ in probs)
        if total > 1.0:
            self.saturated += 1
        self.maxout = max(self.maxout, total)
        u = u * max(total, 1.0)
        cum = 0.0
        for h, (p, target) in zip(hops, probs, strict=True):
            cum += p
            if u < cum:
                return h, target
        return None, None

    def _bound(self, b):
        bound = 0.0
        for h in self.lat.hops_by_basis[b]:
            bound += hop_width(self.rules, h)
        return bound

    def _execute(self, i, h, target):
        r = self.rules
        source = self.ions[i]
        self.occupied.discard(source)
        self.occupied.add(target)
        self.ions[i] = target
        for d in range(r.dim):
            self.ucell[i][d] += int(r.cell[h][d])
            self.displacement[d] += float(r.displacement[h][d])
        self.hops += 1
        if r.concerted:
            self.vacated[source] = (h, self.step)

    def run(self, nsteps: int) -> None:
        n = len(self.ions)
        for _ in range(nsteps):
            a, b = draw_order(self.rng, n)
            idx = b
            start = frozenset(self.occupied)
            claimed: dict = {}
            for _k in range(n):
                i = idx
                idx = (idx + a) % n
                site = self.ions[i]
                u = self.rng.next_double()
                if u >= self._bound(site[1]):
                    continue
                if self.update == "parallel":
                    h, target = self._choose(site, u, start)
                    if h is not None:
                        if target in claimed:
                            self.conflicts += 1
                        else:
                            claimed[target] = (i, h)
                    continue
                h, target = self._choose(site, u, self.occupied)
                if h is not None:
                    self._execute(i, h, target)
            if self.update == "parallel":
                for target, (i, h) in sorted(claimed.items(), key=lambda kv: kv[1][0]):
                    self._execute(i, h, target)
            g = sum(self.sign[s[1]] for s in self.ions) / n
            self.gamma_sums[0] += g
            self.gamma_sums[1] += abs(g)
            self.gamma_sums[2] += g * g
            self.gamma_sums[3] += g**4
            self.step += 1

    def ion_indices(self) -> np.ndarray:
        return np.array([self.lat.index(s) for s in self.ions], dtype=np.int64)


def chain_polarization_moments(n_cells: int, n_ions: int, repulsion: float,
                               temperature: float) -> tuple[float, float, float]:
    """Exact ``<|gamma|>, <gamma^2>, <gamma^4>`` of the K0 chain ring, by a transfer matrix.

    The ring of ``2 n_cells`` sites alternates the sublattices a and b (the interacting chain of
    :func:`superionic.models.interacting_chain` with equal site energies); ``n_ions`` ions with
    hard exclusion and a repulsion ``repulsion`` (eV) per occupied nearest-neighbour pair are in
    their Boltzmann distribution at ``temperature`` (K), the stationary state of the simulation
    with K0 alone. ``gamma = (N_a - N_b) / N``. The transfer matrices carry polynomials in the
    number of ions and the number on sublattice a, so the distribution of ``N_a`` at fixed N is
    exact (no grand-canonical approximation).
    """
    y = math.exp(-float(repulsion) / (KB_EV * float(temperature)))
    size = (2 * n_cells + 1, n_cells + 1)

    def poly(entries):
        p = np.zeros(size)
        for (i, j), v in entries.items():
            p[i, j] += v
        return p

    def mul(a, b):
        out = [[np.zeros(size), np.zeros(size)], [np.zeros(size), np.zeros(size)]]
        for i in range(2):
            for j in range(2):
                for k in range(2):
                    out[i][j] += convolve2d(a[i][k], b[k][j])[: size[0], : size[1]]
        return out

    # T[n_i][n_j] carries the weight of site i (z w^[a]) and of the pair (i, j)
    ta = [[poly({(0, 0): 1}), poly({(0, 0): 1})], [poly({(1, 1): 1}), poly({(1, 1): y})]]
    tb = [[poly({(0, 0): 1}), poly({(0, 0): 1})], [poly({(1, 0): 1}), poly({(1, 0): y})]]
    unit = mul(ta, tb)
    acc = unit
    for _ in range(n_cells - 1):
        acc = mul(acc, unit)
    coeff = (acc[0][0] + acc[1][1])[n_ions]  # weights over N_a
    na = np.arange(coeff.size)
    g = (2 * na - n_ions) / n_ions
    p = coeff / coeff.sum()
    return float(p @ np.abs(g)), float(p @ g**2), float(p @ g**4)
