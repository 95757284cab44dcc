"""Time-dependent driving: transient currents, relaxation, pulses and AC response."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import strategies as S
from superionic import driving as dr
from superionic.errors import DomainWarning, ModelError
from superionic.kspace import bloch_matrix, eigenvalues
from superionic.lattice import Hop, HoppingModel, Lattice, Site
from superionic.models import bcc_tetrahedral, two_site_chain
from superionic.realspace import evolve, real_space
from superionic.transport import (
    conductivity_tensor,
    differential_mobility,
    drift_velocity,
    mobility_tensor,
)


def offset_chain(P0=0.4, gamma=0.3, a=2.0, xb=0.3, tau=1.0) -> HoppingModel:
    """The two-site chain with site b at x_b a instead of a / 2: a field moves ions between the
    sublattices (the symmetric chain's occupations do not depend on the field)."""
    lat = Lattice([[a]], [Site("a", [0.0]), Site("b", [xb])])
    pab, pba = P0 * (1 - gamma) / 2, P0 * (1 + gamma) / 2
    hops = [
        Hop("a", "b", 0, probability=pab),
        Hop("a", "b", -1, probability=pab),
        Hop("b", "a", 0, probability=pba),
        Hop("b", "a", 1, probability=pba),
    ]
    return HoppingModel(lat, hops, tau=tau)


def bravais_chain(p=0.2, a=1.5, tau=1.0) -> HoppingModel:
    """One site per cell: no internal relaxation, the response is instantaneous."""
    lat = Lattice([[a]], [Site("s", [0.0])])
    return HoppingModel(
        lat, [Hop("s", "s", 1, probability=p), Hop("s", "s", -1, probability=p)], tau=tau
    )


# --------------------------------------------------------------------------- field step
@pytest.mark.parametrize("coupling", ["symmetric", "full"])
def test_step_relaxes_at_the_non_stable_k0_eigenvalue(coupling):
    model = offset_chain(tau=2.5)
    f1 = 0.05
    ds = dr.step_response(model, [f1], n_steps=40, coupling=coupling)
    v = ds.velocity.values[:, 0]
    v_inf = float(drift_velocity(model, field=[f1], coupling=coupling)[0])
    assert ds.steady_velocity.values[0] == pytest.approx(v_inf, rel=1e-12)
    p_minus = eigenvalues(model, 0.0, field=[f1], coupling=coupling)[1].real
    ratios = (v[1:6] - v_inf) / (v[:5] - v_inf)  # |p_-|^5 ~ 3e-4: above rounding
    np.testing.assert_allclose(ratios, p_minus, rtol=1e-8)
    # the transient is real: the jump overshoots the steady drift
    assert abs(v[0] - v_inf) > 0.1 * abs(v_inf)
    rate = ds.relaxation_rate.values[1]
    assert rate == pytest.approx(-np.log(abs(p_minus)) / model.tau, rel=1e-12)
    np.testing.assert_allclose(ds.modal_velocity.values, ds.velocity.values, atol=1e-15)
    assert ds.mode_amplitude_real.values[0, 0] == pytest.approx(v_inf, rel=1e-12)


def test_symmetric_chain_has_no_transient():
    """With b at a/2 the stationary occupations do not depend on the field (both couplings)."""
    model = two_site_chain(0.4, 0.3, a=2.0)
    ds = dr.step_response(model, [0.2], n_steps=10)
    v_inf = float(drift_velocity(model, field=[0.2])[0])
    np.testing.assert_allclose(ds.velocity.values[:, 0], v_inf, rtol=1e-12)
    assert abs(ds.mode_amplitude_real.values[1, 0]) < 1e-15
    # (a / 2 tau) P0 (1 - gamma^2) sinh(c f a / 2) with c = 1/2
    assert v_inf == pytest.approx(0.5 * 2.0 * 0.4 * (1 - 0.09) * np.sinh(0.5 * 0.2 * 2.0 / 2))


@pytest.mark.parametrize("f1", [0.0, 0.3])
def test_paper_chain_prepared_off_balance_relaxes_at_p_minus(f1):
    """Sec. III chain with every ion on site a at t = 0: the current relaxes at the non-stable
    k = 0 eigenvalue, 1 - 2 P0 at zero field (Eq. 26) and Eq. 33's p_- in a field."""
    P0, gamma = 0.3, 0.4
    model = two_site_chain(P0, gamma, a=2.0)
    ds = dr.drive(model, dr.StepField([f1]), n_steps=12, initial=[1.0, 0.0])
    v = ds.velocity.values[:, 0]
    v_inf = float(drift_velocity(model, field=[f1])[0])
    occ = ds.occupation.values[:, 0] - (1 + gamma) / 2  # Eq. 28: pi_a = (1 + gamma) / 2
    p_minus = eigenvalues(model, 0.0, field=[f1])[1].real
    if f1 == 0.0:
        assert p_minus == pytest.approx(1 - 2 * P0, rel=1e-12)
        np.testing.assert_allclose(v, 0.0, atol=1e-15)
    else:
        np.testing.assert_allclose((v[1:6] - v_inf) / (v[:5] - v_inf), p_minus, rtol=1e-9)
    np.testing.assert_allclose(occ[1:8] / occ[:7], p_minus, rtol=1e-9)


def test_memory_time_from_relaxation_modes(honeycomb_tau):
    modes = dr.relaxation_modes(honeycomb_tau, field=[0.1, 0.05])
    assert modes.eigenvalue_real.values[0] == pytest.approx(1.0, abs=1e-12)
    assert modes.relaxation_rate.values[0] == pytest.approx(0.0, abs=1e-10)
    slowest = modes.relaxation_rate.values[1:].min()
    assert modes.attrs["memory_time"] == pytest.approx(1 / slowest)
    ds = dr.step_response(honeycomb_tau, [0.1, 0.05], n_steps=60, before=[-0.05, 0.02])
    dv = np.abs(ds.velocity.values - ds.steady_velocity.values).max(axis=1)
    # the transient dies out at the memory time scale
    late = ds.time.values > 8 * modes.attrs["memory_time"]
    assert np.all(dv[late] < 1e-3 * dv[0])
    np.testing.assert_allclose(ds.modal_velocity.values, ds.velocity.values, atol=1e-13)


@settings(max_examples=20, deadline=None)
@given(case=S.cases(max_sites=4), data=st.data())
def test_modal_decomposition_and_steady_state_random_models(case, data):
    f1 = data.draw(S.fields(case))
    f0 = data.draw(S.fields(case))
    ds = dr.step_response(case.model, f1, before=f0, n_steps=25, **case.kw)
    np.testing.assert_allclose(
        ds.modal_velocity.values, ds.velocity.values, atol=1e-10 * (1 + np.abs(ds.velocity).max())
    )
    np.testing.assert_allclose(ds.occupation.sum("site"), 1.0, atol=1e-13)
    assert np.all(ds.occupation.values >= -1e-14)


# --------------------------------------------------------------------------- engines and spaces
@settings(max_examples=15, deadline=None)
@given(case=S.cases(max_sites=4), data=st.data())
def test_numba_python_and_real_reciprocal_parity(case, data):
    amp = data.draw(S.fields(case))
    omega = data.draw(st.floats(0.0, 3.0)) / case.model.tau
    protocol = dr.ACField(amp, omega, phase=0.3)
    kw = {"n_steps": 12, **case.kw}
    a = dr.drive(case.model, protocol, **kw)
    b = dr.drive(case.model, protocol, engine="python", **kw)
    np.testing.assert_allclose(a.velocity, b.velocity, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a.occupation, b.occupation, rtol=1e-12, atol=1e-15)
    c = dr.drive(case.model, protocol, space="real", repeats=2, **kw)
    np.testing.assert_allclose(c.velocity, a.velocity, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(c.occupation, a.occupation, rtol=1e-9, atol=1e-14)


def test_real_space_matches_core_dynamics_at_constant_field(honeycomb):
    field = [0.2, -0.1]
    system = real_space(honeycomb, (4, 3), field=field)
    rng = np.random.default_rng(5)
    n0 = rng.random(system.n_total)
    n0 /= n0.sum()
    ref = evolve(system, n0, 15, store_density=True)
    ds = dr.drive(honeycomb, field, n_steps=15, space="real", repeats=(4, 3), initial=n0)
    np.testing.assert_allclose(ds.velocity.values, ref.current.values[:-1], rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(ds.final_density.values, ref.density.values[-1], rtol=1e-12)


def test_density_wave_amplitudes_follow_bloch_matrix(chain):
    k = 0.7
    ds = dr.drive(chain, [0.3], n_steps=6, wavevector=k, initial=[0.6, 0.4])
    amp = ds.amplitude_real.values + 1j * ds.amplitude_imag.values
    pk = bloch_matrix(chain, k, field=[0.3])
    x = np.array([0.6, 0.4], dtype=complex)
    for n in range(6):
        np.testing.assert_allclose(amp[n], x, atol=1e-14)
        x = pk @ x
    assert "velocity" not in ds


# --------------------------------------------------------------------------- pulses
def test_pulse_integrates_to_linear_response_displacement():
    """Total displacement after a pulse = DC mobility x pulse area, up to O(f^2) terms.

    The offset chain lacks inversion symmetry, so the displacement has an even (rectified)
    part of order f^2; the odd part is mu * area + O(f^3).
    """
    model = offset_chain(tau=1e-13)
    mu = mobility_tensor(model)[0, 0]
    odd_err, even = [], []
    for amp in (0.02, 0.04):
        totals = []
        for sign in (1, -1):
            pulse = dr.PulseField([sign * amp], start=5e-13, duration=20e-13)
            ds = dr.drive(model, pulse, n_steps=200)
            area = ds.field_area.values[0]
            assert area == pytest.approx(sign * amp * 20e-13, rel=1e-9)
            # after the pulse the current decays to zero (loss of memory)
            assert abs(ds.velocity.values[-1, 0]) < 1e-12 * abs(ds.velocity.values).max()
            totals.append(ds.displacement.values[-1, 0])
        odd = 0.5 * (totals[0] - totals[1])
        odd_err.append(abs(odd / (mu * amp * 20e-13) - 1))
        even.append(0.5 * (totals[0] + totals[1]))
    assert odd_err[1] < 1e-3
    assert odd_err[1] / odd_err[0] == pytest.approx(4.0, rel=0.05)  # O(f^3) corrections
    assert even[1] / even[0] == pytest.approx(4.0, rel=0.05)  # rectified part ~ f^2


def test_bravais_chain_pulse_is_exact_at_any_amplitude():
    model = bravais_chain(tau=1.0)
    pulse = dr.PulseField([0.8], start=3.0, duration=7.0)
    ds = dr.drive(model, pulse, n_steps=20)
    v_on = float(drift_velocity(model, field=[0.8])[0])
    assert ds.displacement.values[-1, 0] == pytest.approx(7 * v_on, rel=1e-13)
    # 2 p a sinh(c f a) with c = 1/2
    assert v_on == pytest.approx(2 * 0.2 * 1.5 * np.sinh(0.5 * 0.8 * 1.5), rel=1e-13)


# --------------------------------------------------------------------------- AC response
@pytest.mark.parametrize("coupling", ["symmetric", "full"])
def test_ac_zero_frequency_is_dc(coupling, honeycomb_tau):
    for model in (offset_chain(tau=3.0), honeycomb_tau, two_site_chain(0.3, -0.2, a=1.3)):
        ac = dr.ac_response(model, [0.0, 1e-9 / model.tau], coupling=coupling)
        mu = mobility_tensor(model, coupling=coupling)
        np.testing.assert_allclose(ac.mobility_real.values[0], mu, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(ac.mobility_imag.values[0], 0.0, atol=1e-15)
        np.testing.assert_allclose(ac.mobility_real.values[1], mu, rtol=1e-8, atol=1e-14)


def test_ac_dc_conductivity_in_s_per_cm():
    model = bcc_tetrahedral(barrier=0.1, a=5.07, tau=1e-13)
    ac = dr.ac_response(model, [0.0], temperature=600.0)
    sigma = conductivity_tensor(model, temperature=600.0)
    np.testing.assert_allclose(ac.sigma_real.values[0], sigma, rtol=1e-10, atol=1e-14)


def test_ac_conductivity_has_both_parts():
    model = offset_chain(tau=1e-13)
    ac = dr.ac_response(model, [0.0, 2e12, 2e13], temperature=500.0, cell_volume=40.0)
    ratio_sigma = ac.sigma_imag.values / ac.sigma_real.values
    ratio_mu = ac.mobility_imag.values / ac.mobility_real.values
    np.testing.assert_allclose(ratio_sigma, ratio_mu, rtol=1e-12, atol=1e-15)
    assert np.all(np.abs(ac.sigma_imag.values[1:]) > 0)


def test_ac_differential_response_around_a_bias(chain):
    ac = dr.ac_response(chain, [0.0], field=[0.7])
    np.testing.assert_allclose(
        ac.mobility_real.values[0], differential_mobility(chain, field=[0.7]), rtol=1e-12
    )


def test_ac_matches_driven_evolution():
    model = offset_chain(tau=1.0)
    omega = 2 * np.pi / 16
    amp = 1e-4
    ds = dr.drive(model, dr.ACField([amp], omega), n_steps=16 * 40)
    t = ds.time.values[-16 * 10:]
    v = ds.velocity.values[-16 * 10:, 0]
    measured = 2 * np.mean(v * np.exp(-1j * omega * t)) / amp
    ac = dr.ac_response(model, [omega])
    expected = ac.mobility_real.values[0, 0, 0] + 1j * ac.mobility_imag.values[0, 0, 0]
    assert measured == pytest.approx(expected, rel=1e-6)
    assert abs(expected.imag) > 1e-3 * abs(expected.real)  # a genuinely dispersive response


def test_symmetric_chain_ac_response_is_flat():
    model = two_site_chain(0.4, 0.3, a=2.0)
    ac = dr.ac_response(model, np.linspace(0, np.pi, 7))
    expected = np.broadcast_to(mobility_tensor(model), ac.mobility_real.shape)
    np.testing.assert_allclose(ac.mobility_real.values, expected, rtol=1e-12)
    np.testing.assert_allclose(ac.mobility_imag.values, 0.0, atol=1e-15)


# --------------------------------------------------------------------------- protocols, errors
def test_protocol_values():
    step = dr.StepField([0.1, 0.0], time=2.0, before=[0.0, 0.3])
    np.testing.assert_allclose(step(np.array([1.0, 2.0])), [[0.0, 0.3], [0.1, 0.0]])
    pulse = dr.PulseField([0.2], start=1.0, duration=2.0)
    np.testing.assert_allclose(pulse(np.array([0.5, 1.0, 2.9, 3.0]))[:, 0], [0, 0.2, 0.2, 0])
    np.testing.assert_allclose(pulse.area, [0.4])
    ac = dr.ACField([1.0], omega=np.pi, phase=0.0, start=1.0)
    np.testing.assert_allclose(ac(np.array([0.0, 1.0, 2.0]))[:, 0], [0.0, 1.0, -1.0], atol=1e-15)


def test_errors(chain):
    with pytest.raises(ModelError, match="outside the discrete-time domain"):
        dr.drive(chain, [40.0], n_steps=3)
    flagged = dr.drive(chain, [40.0], n_steps=3, domain="flag")
    assert flagged.attrs["in_domain"] == 0
    with pytest.warns(DomainWarning, match="outside the discrete-time domain"):
        dr.drive(chain, [40.0], n_steps=3, domain="warn")
    with pytest.raises(ModelError, match="must return shape"):
        dr.drive(chain, lambda t: np.zeros((np.size(t), 2)), n_steps=3)
    with pytest.raises(ModelError, match="repeats"):
        dr.drive(chain, None, n_steps=3, space="real")
    with pytest.raises(ModelError, match="engine"):
        dr.drive(chain, None, n_steps=3, engine="fortran")
    with pytest.raises(ModelError, match="duration"):
        dr.PulseField([0.1], start=0.0, duration=-1.0)
    with pytest.raises(ModelError, match="omega"):
        dr.ac_response(chain, [-1.0])
    with pytest.raises(ModelError, match="initial"):
        dr.drive(chain, None, n_steps=3, initial=[1.0, 0.0, 0.0])


def test_dataset_units_and_honeycomb_2d(honeycomb):
    ds = dr.drive(honeycomb, dr.StepField([0.1, 0.2]), n_steps=5)
    assert ds.velocity.attrs["units"] == "angstrom/s"
    assert ds.field.attrs["units"] == "1/angstrom"
    assert list(ds.axis.values) == ["x", "y"]
    assert ds.time.attrs["units"] == "s"
    np.testing.assert_allclose(ds.occupation.sum("site"), 1.0)
