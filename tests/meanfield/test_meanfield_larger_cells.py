"""The general mean field on cells with more than two sites (supercells, the bcc lattice)."""

import numpy as np
import pytest

import superionic
from superionic import meanfield, models
from superionic.meanfield.engine import compile_model, mean_field_map
from superionic.meanfield.selfconsistency import _gth, _stationary_scaled
from superionic.units import KB_EV

K0 = 0.5
TP = K0 / (2.0 * KB_EV)  # Eq. 51 with n0 = 1


@pytest.mark.parametrize("temperature", [300.0, 1000.0, 2000.0, 0.97 * TP])
def test_doubled_chain_finds_the_ordered_closed_form_solutions(temperature):
    """A 2x supercell of the chain has the primitive chain's +-gamma solutions (Eqs. 49-51)."""
    chain = models.interacting_chain(0.25, K0)
    doubled = models.supercell(chain, (2,))
    exact = [s for s in meanfield.solve(chain, temperature=temperature, method="closed-form")
             if abs(s.gamma) > 1e-3]
    assert len(exact) == 2
    found = meanfield.solve(doubled, temperature=temperature)
    for ref in exact:
        occ = np.tile(ref.occupations, 2)
        match = [s for s in found if np.max(np.abs(s.occupations - occ)) < 1e-9]
        assert len(match) == 1, (temperature, ref.gamma, [s.gamma for s in found])
        s = match[0]
        assert s.stable and ref.stable
        np.testing.assert_allclose(s.P0, ref.P0, rtol=1e-9)
        np.testing.assert_allclose(s.gamma, ref.gamma, rtol=1e-9, atol=1e-12)
    assert found.n_failed == 0


def test_bcc_half_filled_has_a_stable_ordered_fixed_point_at_300K():
    base = models.bcc_tetrahedral()
    model = superionic.HoppingModel(
        base.lattice, base.hops, filling=6.0,
        interactions=superionic.Interactions(repulsion=0.3),
    )
    data = compile_model(model)
    sols = meanfield.solve(model, temperature=300.0)
    stable = sols.stable
    assert stable
    for s in stable:
        assert s.residual < 1e-12
        new = mean_field_map(data, s.occupations, s.probabilities, temperature=300.0)
        np.testing.assert_allclose(new, s.probabilities, rtol=1e-10)
        pi, _, _ = _stationary_scaled(data, s.probabilities[None])
        np.testing.assert_allclose(s.occupations, data.n0 * pi[0], rtol=1e-9, atol=1e-15)
        # ordered: one sublattice full, the other empty
        assert abs(s.gamma) > 0.99
    # the disordered solution exists and is unstable
    assert any(abs(s.gamma) < 1e-6 and not s.stable for s in sols)


def test_gth_matches_the_linear_solve_and_keeps_tiny_components():
    rng = np.random.default_rng(3)
    rates = rng.random((5, 6, 6))
    pi = _gth(rates)
    gen = np.swapaxes(rates, -1, -2).copy()
    idx = np.arange(6)
    gen[:, idx, idx] = 0.0
    gen[:, idx, idx] = -gen.sum(axis=1)
    np.testing.assert_allclose(np.einsum("sij,sj->si", gen, pi), 0.0, atol=1e-14)
    np.testing.assert_allclose(pi.sum(axis=1), 1.0)
    # two-state chain with rates 1 and 1e-30: pi = (1e-30, 1) / (1 + 1e-30), relative precision
    p = _gth(np.array([[0.0, 1.0], [1e-30, 0.0]]))
    np.testing.assert_allclose(p, [1e-30, 1.0], rtol=1e-15)
