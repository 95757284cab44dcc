"""Eq. 2 and Eq. 3: hop probabilities from a density of states (superionic.channels)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import erfc, gammaincc

from superionic import channels as ch
from superionic.errors import ConvergenceError, ModelError
from superionic.lattice import Hop, HoppingModel, Lattice, Site
from superionic.units import KB_EV

# kB T from 0.005 eV to 1 eV, the accuracy range promised by the module.
KT = np.geomspace(0.005, 1.0, 41)
TEMPS = KT / KB_EV


def test_constant_dos_equals_eq3_exactly():
    thr = np.array([0.05, 0.3, 0.9])[:, None]
    p3 = ch.hop_probability(threshold=thr, temperature=TEMPS)
    for dos in (lambda e: 2.5, ch.constant_dos(), ch.FunctionDOS(lambda e: np.full_like(e, 7.0))):
        p2 = ch.hop_probability(threshold=thr, temperature=TEMPS, dos=dos)
        np.testing.assert_array_equal(p2, p3)
    np.testing.assert_allclose(p3, np.exp(-thr / KT), rtol=1e-13)


def test_eq3_matches_core_saddle_hops():
    """Eq. 3 with degeneracy is what the core uses for saddle-declared bonds."""
    lat = Lattice([[2.0]], [Site("a", [0.0], energy=0.1), Site("b", [0.5], energy=0.25)])
    model = HoppingModel(lat, [Hop("a", "b", 0, saddle=0.6, degeneracy=2)])
    for t in (300.0, 900.0):
        table = model.hop_table(temperature=t)
        origin = lat.site_energies[table.source]
        p = ch.hop_probability(threshold=0.6, temperature=t, origin_energy=origin, degeneracy=2)
        np.testing.assert_allclose(p, table.probability, rtol=1e-14)


@pytest.mark.parametrize("exponent", [-0.5, 0.0, 0.5, 1.0, 2.0, 3.5])
def test_power_law_dos_closed_form(exponent):
    """g = (E - E_ii)^n gives P = Q(n + 1, Lambda / kB T), the regularised incomplete gamma."""
    origin = 0.2
    for lam in (0.05, 0.3, 1.2):
        p = ch.hop_probability(
            threshold=origin + lam,
            temperature=TEMPS,
            origin_energy=origin,
            dos=ch.power_law_dos(origin, exponent),
        )
        exact = gammaincc(exponent + 1, lam / KT)
        # a DOS singular at E_ii is sampled at absolute energies: accuracy ~ sqrt(machine eps)
        rtol = 1e-9 if exponent >= 0 else 3e-7
        np.testing.assert_allclose(p, exact, rtol=rtol, atol=1e-300)


def test_gaussian_band_closed_form():
    center, width = 0.2, 0.01

    def integral(a, kt):
        z = (a - center + width**2 / kt) / (width * math.sqrt(2))
        return np.exp(-center / kt + width**2 / (2 * kt**2)) * erfc(z)

    kt = KT[KT < 0.2]
    p = ch.hop_probability(
        threshold=0.21, temperature=kt / KB_EV, dos=ch.gaussian_dos(center, width)
    )
    np.testing.assert_allclose(p, integral(0.21, kt) / integral(0.0, kt), rtol=1e-8)


def test_tabulated_equals_callable_form():
    """A table of a smooth g converges to the result for the callable g (second order)."""

    def g(e):
        return np.where(e >= 0, e**2 * np.exp(-e / 3.0) + 0.5 * e, 0.0)

    exact = ch.hop_probability(threshold=0.3, temperature=TEMPS, dos=g)
    errors = []
    for n in (2000, 8000):
        e = np.concatenate([[0.0], np.geomspace(1e-7, 80.0, n)])
        p = ch.hop_probability(threshold=0.3, temperature=TEMPS, dos=(e, g(e)))
        errors.append(np.max(np.abs(p / exact - 1)))
    assert errors[1] < 1e-6, errors
    assert errors[0] / errors[1] > 8.0  # second order: 16


def test_tabulated_exact_for_piecewise_linear():
    """The tabulated route integrates a piecewise-linear g exactly: compare with quadrature of
    its own interpolant on a support split at every kink."""
    e = np.array([0.0, 0.1, 0.25, 0.4, 0.7, 1.0])
    g = np.array([0.0, 1.0, 0.5, 2.0, 2.0, 0.0])
    tab = ch.TabulatedDOS(e, g)
    for t in (300.0, 1500.0, 6000.0):
        kt = KB_EV * t

        def integral(a, kt=kt):
            x, w = np.polynomial.legendre.leggauss(20)
            total = 0.0
            for lo, hi in itertools.pairwise(e):
                lo = max(lo, a)
                if hi <= lo:
                    continue
                en = 0.5 * (hi - lo) * (x + 1) + lo
                total += np.sum(0.5 * (hi - lo) * w * np.exp(-en / kt) * tab(en))
            return total

        p = ch.hop_probability(threshold=0.33, temperature=t, dos=tab)
        assert p == pytest.approx(integral(0.33) / integral(0.0), rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    lam=st.floats(0.0, 1.5),
    origin=st.floats(-1.0, 1.0),
    degeneracy=st.integers(1, 6),
    kt=st.floats(0.005, 1.0),
)
def test_degeneracy_and_origin_factors(lam, origin, degeneracy, kt):
    t = kt / KB_EV
    thr = origin + lam
    base = ch.hop_probability(threshold=thr, temperature=t, origin_energy=origin)
    with_deg = ch.hop_probability(
        threshold=thr, temperature=t, origin_energy=origin, degeneracy=degeneracy
    )
    assert with_deg == pytest.approx(base / degeneracy, rel=1e-13)
    # constant DOS: the chemical potential enters as exp(+E_ii / kB T)
    assert base == pytest.approx(math.exp(-(thr - origin) / kt), rel=1e-12)
    # general DOS: only differences matter, so shifting every energy leaves P unchanged
    shift = 0.37
    p1 = ch.hop_probability(
        threshold=thr, temperature=t, origin_energy=origin, dos=ch.power_law_dos(origin - 0.1, 1.5)
    )
    p2 = ch.hop_probability(
        threshold=thr + shift,
        temperature=t,
        origin_energy=origin + shift,
        dos=ch.power_law_dos(origin - 0.1 + shift, 1.5),
    )
    assert p2 == pytest.approx(p1, rel=1e-9)
    assert 0.0 <= p1 <= 1.0


def test_raising_origin_energy_raises_probability():
    dos = ch.power_law_dos(-0.5, 1.0)
    origins = np.linspace(-0.4, 0.2, 7)
    p = ch.hop_probability(threshold=0.3, temperature=600.0, origin_energy=origins, dos=dos)
    assert np.all(np.diff(p) > 0)
    assert p[-1] < 1.0


def test_threshold_at_origin_gives_one_over_degeneracy():
    p = ch.hop_probability(
        threshold=0.1, temperature=TEMPS, origin_energy=0.1, dos=ch.power_law_dos(0.0, 0.5),
        degeneracy=3,
    )
    np.testing.assert_allclose(p, 1 / 3, rtol=1e-12)


def test_broadcasting_shapes():
    dos = ch.power_law_dos(0.0, 1.0)
    thr = np.linspace(0.1, 0.5, 4)[:, None, None]
    temps = np.array([300.0, 600.0])[None, :, None]
    origin = np.array([0.0, 0.05, 0.08])
    p = ch.hop_probability(threshold=thr, temperature=temps, origin_energy=origin, dos=dos)
    assert p.shape == (4, 2, 3)
    for i, j, k in [(0, 0, 0), (1, 1, 1), (3, 0, 2)]:
        single = ch.hop_probability(
            threshold=float(thr[i, 0, 0]), temperature=float(temps[0, j, 0]),
            origin_energy=float(origin[k]), dos=dos,
        )
        assert p[i, j, k] == pytest.approx(float(single), rel=1e-14)


def test_effective_activation_energy():
    t = np.array([300.0, 800.0])
    np.testing.assert_allclose(ch.effective_activation_energy(threshold=0.4, temperature=t),
                               0.4, rtol=1e-7)
    # g = E^n with E_ii at the band bottom: -d ln Q(n+1, b L)/d b at large b L -> L - n kB T
    ea = ch.effective_activation_energy(
        threshold=0.4, temperature=300.0, dos=ch.power_law_dos(0.0, 2.0)
    )
    x = 0.4 / (KB_EV * 300.0)
    # P = Q(3, beta L): -d ln P / d beta = L x^2 exp(-x) / Gamma(3, x), Gamma(3, x) = 2 Q(3, x)
    expected = 0.4 * x**2 * math.exp(-x) / (2 * gammaincc(3, x))
    assert ea == pytest.approx(expected, rel=1e-6)
    assert ea < 0.4


# --------------------------------------------------------------------------- errors
def test_negative_dos_is_rejected():
    with pytest.raises(ModelError, match=r"must be >= 0.*E = "):
        ch.hop_probability(threshold=0.3, temperature=500.0, dos=lambda e: np.sin(20 * e))
    with pytest.raises(ModelError, match=r"values must be >= 0.*-1"):
        ch.TabulatedDOS([0.0, 1.0, 2.0], [1.0, -1.0, 1.0])


def test_non_integrable_dos_is_rejected():
    # grows faster than exp(E / kB T)
    with pytest.raises(ConvergenceError, match="does not decay"):
        ch.hop_probability(threshold=0.3, temperature=300.0, dos=lambda e: np.exp(e / 0.01))
    # 1 / (E - E_ii) diverges logarithmically at the origin
    with pytest.raises(ConvergenceError, match="diverges at the lower end"):
        ch.hop_probability(
            threshold=0.3, temperature=300.0,
            dos=ch.FunctionDOS(lambda e: 1.0 / e, support=(0.0, math.inf)),
        )
    # infinite values
    with pytest.raises(ModelError, match="not finite"):
        ch.hop_probability(threshold=0.3, temperature=300.0, dos=lambda e: np.full_like(e, np.inf))


def test_no_states_above_origin_is_rejected():
    with pytest.raises(ModelError, match="no states above the origin"):
        ch.hop_probability(threshold=0.6, temperature=300.0, origin_energy=0.5,
                           dos=([0.0, 0.2, 0.4], [1.0, 1.0, 1.0]))


def test_rough_dos_is_reported():
    e = np.linspace(0.0, 3.0, 301)
    tab = ch.TabulatedDOS(e, 1.0 + 0.9 * np.sign(np.sin(200 * e)))
    with pytest.raises(ConvergenceError, match="too rough"):
        ch.hop_probability(threshold=0.3, temperature=2000.0, dos=ch.FunctionDOS(tab))
    # the table itself is integrated exactly
    p = ch.hop_probability(threshold=0.3, temperature=2000.0, dos=tab)
    assert 0 < p < 1


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"threshold": 0.1, "temperature": 300.0, "origin_energy": 0.2}, "threshold must be >="),
        ({"threshold": 0.3, "temperature": -5.0}, "temperature must be > 0"),
        ({"threshold": 0.3, "temperature": 300.0, "degeneracy": 0.5}, "degeneracy"),
        ({"threshold": np.nan, "temperature": 300.0}, "threshold"),
        ({"threshold": 0.3, "temperature": 300.0, "dos": 3.0}, "dos must be"),
    ],
)
def test_bad_inputs(kwargs, pattern):
    with pytest.raises(ModelError, match=pattern):
        ch.hop_probability(**kwargs)


def test_tabulated_dos_validation():
    with pytest.raises(ModelError, match="strictly increasing"):
        ch.TabulatedDOS([0.0, 0.0, 1.0], [1.0, 1.0, 1.0])
    with pytest.raises(ModelError, match="all zero"):
        ch.TabulatedDOS([0.0, 1.0], [0.0, 0.0])
    with pytest.raises(ModelError, match="at least 2"):
        ch.TabulatedDOS([0.0], [1.0])
    with pytest.raises(ModelError, match="support"):
        ch.FunctionDOS(lambda e: e, support=(1.0, 0.0))


def test_boltzmann_tail_reconstructs_eq2():
    """kB T exp(-b / kB T) F(b) is the Boltzmann integral; the ratio of two gives Eq. 2."""
    dos = ch.power_law_dos(0.0, 1.5)
    temps = np.array([300.0, 1200.0])
    kt = KB_EV * temps
    b_num, f_num = ch.boltzmann_tail(dos, 0.4, temps)
    b_den, f_den = ch.boltzmann_tail(dos, 0.0, temps)
    ratio = np.exp(-(b_num - b_den) / kt) * f_num / f_den
    np.testing.assert_allclose(ratio, ch.hop_probability(threshold=0.4, temperature=temps,
                                                         dos=dos), rtol=1e-14)
    # int_0^inf exp(-E / kT) E^1.5 dE = Gamma(2.5) kT^2.5
    assert np.allclose(kt * np.exp(-b_den / kt) * f_den, math.gamma(2.5) * kt**2.5, rtol=1e-9)
    b, f = ch.boltzmann_tail(None, 0.2, 500.0)
    assert b == 0.2 and f == 1.0
