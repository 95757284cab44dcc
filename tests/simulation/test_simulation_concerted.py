"""Concerted hopping (M0) against an exact Markov chain written independently in NumPy.

Three ions on a ring of six sites (the interacting chain, K0 = 0): each step visits the ions in a
random order (every permutation equally likely); an ion hops to an empty neighbour with
probability ``p`` per direction, multiplied by ``B = exp(M0 / kB T)`` when the target was vacated
by a hop in the same direction (its concerted partner) in the previous step
(``concerted="previous"``) or earlier in the same step (``"same"``). The state of the chain is
the positions and, for ``"previous"``, the direction each ion hopped in the last step. Its
stationary distribution gives the exact hop probability per ion and step, which the simulation
must reproduce to a fraction of a percent; the two rules, and a boost of half the strength, differ
by far more than that.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

from superionic import models, simulate
from superionic.errors import ShortRunWarning
from superionic.units import KB_EV

T = 300.0
P_DIR = 0.1  # base hop probability per direction
BOOST = 5.0


def chain_parameters(p_dir=P_DIR, boost=BOOST):
    kt = KB_EV * T
    lambda0 = -kt * np.log(2 * p_dir)  # interacting_chain: exp(-lambda0 / kT) / 2 per direction
    m0 = kt * np.log(boost)
    return lambda0, m0


def exact_hop_probability(n_sites, n_ions, p, boost, rule):
    """Hop probability per ion and step of ``n_ions`` ions on a ring, from the exact chain.

    A state is the sorted tuple of ``(position, direction of the last step's hop)``; the step
    visits the ions in a uniformly random order (the engine's affine orders are all permutations
    for two or three ions).
    """
    dirs = (0, 1, -1) if rule == "previous" else (0,)
    states = sorted({tuple(sorted(zip(pos, ds, strict=True)))
                     for pos in itertools.combinations(range(n_sites), n_ions)
                     for ds in itertools.product(dirs, repeat=n_ions)})
    index = {s: k for k, s in enumerate(states)}
    size = len(states)
    trans = np.zeros((size, size))
    hops = np.zeros(size)  # expected hops per step from each state
    orders = list(itertools.permutations(range(n_ions)))

    def attempts(pos, occupied, vac):
        """(probability, new position, direction) of one ion's attempt."""
        res, total = [], 0.0
        for d in (1, -1):
            t = (pos + d) % n_sites
            if t in occupied:
                continue
            q = p
            if vac.get(t) == (d, "prev" if rule == "previous" else "now"):
                q *= boost
            res.append((q, t, d))
            total += q
        assert total <= 1.0
        res.append((1.0 - total, pos, 0))
        return res

    def visit(k, order, x, moved, vac, weight, start):
        if weight == 0.0:
            return
        if k == len(order):
            key = tuple(sorted(zip(x, moved if rule == "previous" else [0] * n_ions,
                                   strict=True)))
            trans[index[key], start] += weight
            hops[start] += weight * sum(d != 0 for d in moved)
            return
        i = order[k]
        for q, y, d in attempts(x[i], set(x) - {x[i]}, vac):
            x2, m2, v2 = list(x), list(moved), dict(vac)
            if d != 0:
                v2[x[i]] = (d, "now")
            x2[i], m2[i] = y, d
            visit(k + 1, order, x2, m2, v2, weight * q, start)

    for k, s in enumerate(states):
        x = [site for site, _ in s]
        vac0 = {(site - d) % n_sites: (d, "prev") for site, d in s if d != 0}
        for order in orders:
            visit(0, order, x, [0] * n_ions, vac0, 1.0 / len(orders), k)
    np.testing.assert_allclose(trans.sum(axis=0), 1.0, rtol=0, atol=1e-12)
    # stationary state: the null vector of (P - 1) with sum 1
    a = trans - np.eye(size)
    a[-1] = 1.0
    rhs = np.zeros(size)
    rhs[-1] = 1.0
    pi = np.linalg.solve(a, rhs)
    return float(pi @ hops) / n_ions


def test_exact_chain_without_boost_is_symmetric_exclusion():
    """Sanity of the reference: B = 1 gives 2 p (L - N) / (L - 1) for either rule."""
    for rule in ("previous", "same"):
        got = exact_hop_probability(6, 3, P_DIR, 1.0, rule)
        assert got == pytest.approx(2 * P_DIR * 3 / 5, rel=1e-12)


@pytest.mark.parametrize("rule", ["previous", "same"])
def test_concerted_hopping_matches_the_exact_markov_chain(rule):
    n_cells, n_ions = 3, 3
    lambda0, m0 = chain_parameters()
    model = models.interacting_chain(lambda0, 0.0, M0=m0, n0=n_ions / n_cells)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShortRunWarning)
        ds = simulate(model, temperature=T, supercell=(n_cells,), steps=300000, block=3000,
                      lags=[3000], seed=61, concerted=rule, executor="inline")
    assert ds.n_ions == n_ions and ds.saturated_attempts == 0
    n_sites = 2 * n_cells
    exact = exact_hop_probability(n_sites, n_ions, P_DIR, BOOST, rule)
    other = exact_hop_probability(n_sites, n_ions, P_DIR, BOOST,
                                  "same" if rule == "previous" else "previous")
    weaker = exact_hop_probability(n_sites, n_ions, P_DIR, np.sqrt(BOOST), rule)  # M0 / 2
    hop, err = float(ds.hop_probability), float(ds.hop_probability_stderr)
    assert err < 0.006 * exact
    # the reference separates the rules and the boost strength by many error bars ...
    assert abs(other - exact) > 7 * err and abs(weaker - exact) > 7 * err
    # ... and the simulation agrees with it
    assert abs(hop - exact) <= 4 * err, (hop, err, exact, other, weaker)
