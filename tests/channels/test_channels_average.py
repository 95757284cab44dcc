"""Eqs. 4-7: channel products, phase and channel averages, hop rate versus tau."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from superionic import channel_average as ca
from superionic import channels as chn
from superionic.errors import ModelError
from superionic.models import interacting_chain, two_site_chain

NU = 5e12  # Hz


# --------------------------------------------------------------------------- strategies
@st.composite
def stochastic(draw, n: int) -> np.ndarray:
    """A random column-stochastic n x n matrix (some zero entries allowed)."""
    raw = np.array(
        draw(st.lists(st.floats(0.0, 1.0), min_size=n * n, max_size=n * n)), dtype=float
    ).reshape(n, n)
    raw += np.eye(n) * 1e-3  # every column non-zero
    return raw / raw.sum(axis=0, keepdims=True)


@st.composite
def matrix_channels(draw, n: int, static: bool | None = None) -> ca.MatrixChannel:
    freq = draw(st.floats(0.5e12, 2e13))
    a = draw(stochastic(n))
    if static is None:
        static = draw(st.booleans())
    if static:
        return ca.MatrixChannel(freq, a)
    b = draw(stochastic(n))
    nu_mod = draw(st.floats(1e11, 3e13))
    theta = draw(st.floats(0.0, 6.0))

    def matrix(t, a=a, b=b, nu_mod=nu_mod, theta=theta):
        s = 0.5 * (1 + np.sin(2 * np.pi * nu_mod * np.asarray(t) + theta))[..., None, None]
        return s * a + (1 - s) * b

    return ca.MatrixChannel(freq, matrix)


def _assert_stochastic(m):
    assert np.all(m >= -1e-14)
    np.testing.assert_allclose(m.sum(axis=-2), 1.0, atol=1e-12)


# --------------------------------------------------------------------------- Eq. 4
@pytest.mark.parametrize("n_steps", [1, 2, 5, 17])
def test_one_channel_gives_nth_power(n_steps):
    rng = np.random.default_rng(3)
    a = rng.random((3, 3))
    a /= a.sum(axis=0)
    chan = ca.MatrixChannel(NU, a)
    for tau in (n_steps / NU, (n_steps + 0.5) / NU, (n_steps + 0.999) / NU):
        full = ca.full_hopping_matrix(chan, tau)
        np.testing.assert_allclose(full, np.linalg.matrix_power(a, n_steps), rtol=1e-12)
        np.testing.assert_allclose(ca.channel_product(chan, tau), full, rtol=1e-12)


def test_time_ordering_earliest_on_the_right():
    a = np.array([[1.0, 0.3], [0.0, 0.7]])
    b = np.array([[0.6, 0.0], [0.4, 1.0]])
    chan = ca.MatrixChannel(NU, lambda t: np.where((np.asarray(t) * NU < 0.5)[..., None, None],
                                                   a, b))
    # two sub-steps at t = 0 (a) and t = 1/NU (b): the product is b @ a
    prod = ca.channel_product(chan, 2 / NU, phase=0.0)
    np.testing.assert_allclose(prod, b @ a)
    assert not np.allclose(prod, a @ b)


def test_sub_steps_are_spread_over_tau():
    """t_l = t + l tau / N, not l tau_c, when tau is not a multiple of the period."""
    seen = []

    def matrix(t):
        seen.append(np.array(t, copy=True))
        return np.broadcast_to(np.eye(2), (*np.shape(t), 2, 2))

    chan = ca.MatrixChannel(NU, matrix)
    tau = 3.6 / NU
    ca.channel_product(chan, tau, time=1e-12, phase=0.25)
    times = np.concatenate([s.ravel() for s in seen])
    np.testing.assert_allclose(times, 1e-12 + 0.25 / NU + np.arange(3) * tau / 3)


def test_channel_longer_than_tau_is_identity_and_tau_below_shortest_period_refused():
    fast = ca.MatrixChannel(2 * NU, [[0.9, 0.2], [0.1, 0.8]])
    slow = ca.MatrixChannel(NU / 4, [[0.5, 0.5], [0.5, 0.5]])
    tau = 1.0 / NU
    full = ca.full_hopping_matrix([fast, slow], tau)
    fast2 = np.linalg.matrix_power(np.array(fast.matrix), 2)
    np.testing.assert_allclose(full, 0.5 * fast2 + 0.5 * np.eye(2))
    with pytest.raises(ModelError, match=r"shorter than the shortest channel period"):
        ca.full_hopping_matrix([fast, slow], 0.4 / NU)
    with pytest.raises(ModelError, match=r"shorter than the shortest"):
        ca.hop_rate([fast, slow], [1 / NU, 0.1 / NU])


# --------------------------------------------------------------------------- Eqs. 5-7
def test_uniform_phases_static_channels_reduce_to_plain_average():
    rng = np.random.default_rng(11)
    mats = [rng.random((4, 4)) for _ in range(3)]
    mats = [m / m.sum(axis=0) for m in mats]
    freqs = [3e12, 7e12, 1.1e13]
    chans = [ca.MatrixChannel(f, m) for f, m in zip(freqs, mats, strict=True)]
    tau = 2.3e-12
    plain = np.mean(
        [np.linalg.matrix_power(m, int(np.floor(tau * f))) for f, m in zip(freqs, mats,
                                                                           strict=True)],
        axis=0,
    )
    for density in (None, "uniform", lambda phi: 2 * phi, ([0.0, 0.5], [0.3, 0.7])):
        full = ca.full_hopping_matrix(chans, tau, phase_density=density, n_phases=8)
        np.testing.assert_allclose(full, plain, rtol=1e-13)
    weighted = ca.full_hopping_matrix(chans, tau, weights=[1, 0, 3])
    expected = 0.25 * np.linalg.matrix_power(mats[0], 6) + 0.75 * np.linalg.matrix_power(
        mats[2], 25
    )
    np.testing.assert_allclose(weighted, expected, rtol=1e-12)


def test_phase_average_matches_direct_integral():
    """Eq. 6 for a time-dependent channel: compare with adaptive quadrature over X."""
    a = np.array([[0.8, 0.3], [0.2, 0.7]])
    b = np.array([[0.5, 0.1], [0.5, 0.9]])
    nu_mod = 0.37 * NU

    def matrix(t):
        s = (0.5 * (1 + np.cos(2 * np.pi * nu_mod * np.asarray(t))))[..., None, None]
        return s * a + (1 - s) * b

    chan = ca.MatrixChannel(NU, matrix)
    tau = 3.0 / NU

    for density, arg in ((lambda x: 1.0, None), (lambda x: 6 * x * (1 - x),
                                                  lambda phi: 6 * phi * (1 - phi))):
        avg = ca.phase_average(chan, tau, phase_density=arg, n_phases=24)
        ref, _ = integrate.quad_vec(
            lambda x, density=density: ca.channel_product(chan, tau, phase=x) * density(x),
            0.0, 1.0, epsabs=1e-13,
        )
        np.testing.assert_allclose(avg, ref, atol=1e-10)
        _assert_stochastic(avg)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(2, 4),
    data=st.data(),
    ratio=st.floats(1.0, 12.0),
    n_phases=st.integers(1, 6),
)
def test_products_and_averages_conserve_probability(n, data, ratio, n_phases):
    chans = data.draw(st.lists(matrix_channels(n), min_size=1, max_size=3))
    fastest = max(c.frequency for c in chans)
    tau = ratio / fastest
    for c in chans:
        for phase in (0.0, 0.3):
            _assert_stochastic(ca.channel_product(c, tau, phase=phase))
        _assert_stochastic(ca.phase_average(c, tau, n_phases=n_phases))
    weights = data.draw(st.lists(st.floats(0.1, 2.0), min_size=len(chans), max_size=len(chans)))
    _assert_stochastic(ca.full_hopping_matrix(chans, tau, weights=weights, n_phases=n_phases))


def test_bad_matrices_and_phase_densities_rejected():
    with pytest.raises(ModelError, match="columns must sum to 1"):
        ca.MatrixChannel(NU, [[0.9, 0.2], [0.2, 0.8]])
    with pytest.raises(ModelError, match="negative entries"):
        ca.MatrixChannel(NU, [[1.2, 0.0], [-0.2, 1.0]])
    bad = ca.MatrixChannel(NU, lambda t: np.broadcast_to([[0.5, 0.0], [0.6, 1.0]],
                                                         (*np.shape(t), 2, 2)))
    with pytest.raises(ModelError, match="columns must sum to 1"):
        ca.channel_product(bad, 2 / NU)
    good = ca.MatrixChannel(NU, lambda t: np.broadcast_to(np.eye(2), (*np.shape(t), 2, 2)))
    with pytest.raises(ModelError, match="integrate to 1"):
        ca.phase_average(good, 2 / NU, phase_density=lambda phi: 3 * phi)
    with pytest.raises(ModelError, match=">= 0"):
        ca.phase_average(good, 2 / NU, phase_density=lambda phi: 2 - 4 * phi + 0 * phi)
    with pytest.raises(ModelError, match="frequency"):
        ca.MatrixChannel(-1.0, np.eye(2))
    with pytest.raises(ModelError, match="weights"):
        ca.full_hopping_matrix([good, good], 2 / NU, weights=[1.0, -1.0])


# --------------------------------------------------------------------------- model channels
def test_model_channel_reproduces_core_matrices():
    model = interacting_chain(0.3, 0.0, tau=1e-13)
    thr = ca.model_thresholds(model)
    chan = ca.Channel(NU, thr)
    for t in (400.0, 900.0):
        np.testing.assert_allclose(
            ca.channel_matrix(chan, model=model, temperature=t),
            model.hop_table(temperature=t).cell_matrix(),
            rtol=1e-14,
        )
        field = [0.3]
        np.testing.assert_allclose(
            ca.channel_matrix(chan, model=model, temperature=t, field=field),
            model.hop_table(temperature=t, field=field).cell_matrix(),
            rtol=1e-14,
        )


def test_model_channel_bloch_products():
    """Products of P_k equal the Bloch transform of real-space products (k conserved)."""
    from superionic.kspace import bloch_matrix

    model = interacting_chain(0.2, 0.0, a=2.0, tau=1e-13)
    chan = ca.Channel(NU, ca.model_thresholds(model), dos=chn.power_law_dos(0.0, 1.0))
    k = np.linspace(-1.5, 1.5, 7)
    pk = ca.channel_matrix(chan, model=model, temperature=700.0, k=k)
    p = chn.hop_probability(threshold=0.2, temperature=700.0, dos=chn.power_law_dos(0.0, 1.0),
                            degeneracy=2)
    ref_model = two_site_chain(P0=2 * p, gamma=0.0, a=2.0)  # each of the 2 hops: P0 / 2 = p
    np.testing.assert_allclose(pk, bloch_matrix(ref_model, k), atol=1e-14)
    full = ca.full_hopping_matrix(chan, 3 / NU, model=model, temperature=700.0, k=k)
    np.testing.assert_allclose(full, np.linalg.matrix_power(pk, 3), atol=1e-13)


def test_time_dependent_thresholds_and_field():
    model = interacting_chain(0.25, 0.0, a=2.0, tau=1e-13)
    n_hops = model.hop_table(temperature=500.0).n_hops
    amp = 0.05

    def thresholds(t):
        return 0.25 + amp * np.cos(2 * np.pi * 0.3 * NU * np.asarray(t))[..., None] * np.ones(
            n_hops
        )

    chan = ca.Channel(NU, thresholds)
    assert not chan.is_static
    tau = 4 / NU
    full = ca.full_hopping_matrix(chan, tau, model=model, temperature=500.0, n_phases=12)
    _assert_stochastic(full)
    # the explicit product for one phase
    phase = 0.2
    times = (np.arange(4) + phase) / NU
    mats = [ca.channel_matrix(ca.Channel(NU, thresholds(t)), model=model, temperature=500.0)
            for t in times]
    prod = mats[3] @ mats[2] @ mats[1] @ mats[0]
    np.testing.assert_allclose(
        ca.channel_product(chan, tau, phase=phase, model=model, temperature=500.0), prod,
        rtol=1e-13,
    )
    # a field given as a function of time
    fprod = ca.channel_product(
        ca.Channel(NU, 0.25), tau, model=model, temperature=500.0,
        field=lambda t: 0.2 * np.sin(2 * np.pi * 0.3 * NU * np.asarray(t)),
    )
    _assert_stochastic(fprod)


def test_model_channel_errors():
    model = interacting_chain(0.25, 0.0, tau=1e-13)
    with pytest.raises(ModelError, match="needs model= and temperature="):
        ca.channel_matrix(ca.Channel(NU, 0.3))
    with pytest.raises(ModelError, match="directed hops"):
        ca.channel_matrix(ca.Channel(NU, [0.3, 0.3]), model=model, temperature=300.0)
    with pytest.raises(ModelError, match="out-probabilities"):
        ca.channel_matrix(ca.Channel(NU, 0.0), model=model, temperature=300.0, field=[30.0])
    with pytest.raises(ModelError, match="saddle"):
        ca.model_thresholds(two_site_chain(0.3, 0.2))


# --------------------------------------------------------------------------- hop rate
def test_hop_rate_converges_when_one_channel_dominates():
    """Sec. II.2: sum_{j != i} P_ji / tau -> constant for tau > 1 / omega_c."""
    model = interacting_chain(0.45, 0.0, a=2.0, tau=1e-13)
    thr = ca.model_thresholds(model)
    nu_c = 4e12
    chans = [
        ca.Channel(nu_c, thr, label="dominant"),
        ca.Channel(1.5e13, thr + 0.25, label="fast, weak"),
        ca.Channel(0.7e12, thr + 0.2, label="slow, weak"),
    ]
    temp = 500.0
    taus = np.linspace(1 / 1.5e13, 40 / nu_c, 160)
    ds = ca.hop_rate(chans, taus, model=model, temperature=temp, rtol=0.05)
    assert ds.attrs["dominant_frequency"] == nu_c
    limit = ds.limit.values
    rate = ds.rate.values
    # below the dominant period only the weak fast channel acts: far from the limit
    assert np.all(rate[taus < 1 / nu_c] < 0.1 * limit)
    # beyond it, the deviation is the floor(tau / tau_c) granularity, bounded by tau_c / tau
    late = taus >= 1 / nu_c
    dev = np.abs(rate[late] / limit - 1)
    bound = (1 / nu_c) / taus[late] + 0.02
    assert np.all(dev <= bound[:, None])
    assert np.all(ds.converged.values)
    assert np.all(ds.converged_tau.values <= 25 / nu_c)
    # the limit is sum_c nu_c exp(-E_A,c / kB T) / 3 (equal channel weights); each site has two
    # hops of degeneracy 2, so the out-probability per exchange is exp(-E_A / kB T)
    expected = sum(
        c.frequency * chn.hop_probability(threshold=c.thresholds[0], temperature=temp) / 3
        for c in chans
    )
    np.testing.assert_allclose(limit, expected, rtol=1e-12)
    assert nu_c * chn.hop_probability(threshold=0.45, temperature=temp) / 3 > 0.95 * limit[0]


def test_hop_rate_counts_returns_in_real_space():
    """On a chain, a -> b -> a(next cell) is a hop away: the k-mesh average gets it right."""
    chain = interacting_chain(0.05, 0.0, a=2.0, tau=1e-13)
    chan = ca.Channel(NU, ca.model_thresholds(chain))
    temp = 2000.0
    ds = ca.hop_rate(chan, [2 / NU], model=chain, temperature=temp)
    p = float(chn.hop_probability(threshold=0.05, temperature=temp, degeneracy=2))
    # two exchanges; stay: (1 - 2p)^2 + (return to the same site) 2 * p * p
    stay = (1 - 2 * p) ** 2 + 2 * p * p
    assert ds.rate.values[0, 0] == pytest.approx((1 - stay) / (2 / NU), rel=1e-12)


def test_hop_rate_matrix_channels_exact():
    p = 1e-3
    m = np.array([[1 - p, p], [p, 1 - p]])
    chan = ca.MatrixChannel(NU, m)
    taus = np.arange(1, 30) / NU + 0.3 / NU
    ds = ca.hop_rate(chan, taus)
    n = np.floor(taus * NU)
    stay = 0.5 * (1 + (1 - 2 * p) ** n)
    np.testing.assert_allclose(ds.rate.values[:, 0], (1 - stay) / taus, rtol=1e-12)
    np.testing.assert_allclose(ds.limit.values, NU * p)


def test_hop_rate_on_site_probability_matches_real_space():
    """The zone average (on a mesh reduced where far cells are out of reach to 1e-14) equals
    the return probability of a real-space walk on a large supercell."""
    from superionic.models import interacting_honeycomb
    from superionic.realspace import real_space

    model = interacting_honeycomb(0.35, 0.0, a=3.0, tau=1e-13)
    temp = 900.0
    chan = ca.Channel(NU, ca.model_thresholds(model))
    n_ex = 12
    ds = ca.hop_rate(chan, [n_ex / NU], model=model, temperature=temp)
    system = real_space(model, (2 * n_ex + 1, 2 * n_ex + 1), temperature=temp)
    for site in range(2):
        start = np.zeros(system.n_total)
        start[site] = 1.0  # site of cell (0, 0)
        walk = start
        for _ in range(n_ex):
            walk = system.matrix @ walk
        rate = (1 - walk[site]) / (n_ex / NU)
        assert ds.rate.values[0, site] == pytest.approx(rate, rel=1e-10)
