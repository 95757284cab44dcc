"""The closed forms of Sec. III and App. A, each in the convention it was written in.

Chain (Sec. III): Eqs. 25-29 at zero field; Eqs. 31-37 and 40-41 with the field in the paper's
``coupling="full"`` (Eq. 30: the whole drop f a / 2 shifts each barrier); the exact drift at any
field in both couplings; diffusion; the differential (strong-field) mobility of Eq. 42 as
corrected in DESIGN 3.2; Eqs. 38-39 in S/cm. Honeycomb (App. A): Eqs. 56-63 (Eq. 56 keeps a
field-independent diagonal, ours conserves probability: DESIGN 3.3). A 3D check on the bcc
tetrahedral network closes the file.

Expected values are computed here from the printed formulas (and, for S/cm, from SI constants by
hand), never copied from the package.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import constants
from scipy.optimize import linear_sum_assignment

import superionic as si
from conftest import CHAIN, FIG3C, HONEYCOMB
from superionic import models
from superionic.errors import DomainWarning, ModelError
from superionic.transport import mobility_to_conductivity
from superionic.units import electric_field

P0, G, A = CHAIN["P0"], CHAIN["gamma"], CHAIN["a"]
HP0, HG, HA = HONEYCOMB["P0"], HONEYCOMB["gamma"], HONEYCOMB["a"]
KB, E_CH = constants.k, constants.e  # J/K, C


def assert_same_spectrum(got, expected, atol=1e-12):
    """Equal eigenvalue multisets for each batch entry (order-independent)."""
    got = np.reshape(got, (-1, np.shape(got)[-1]))
    expected = np.reshape(expected, (-1, np.shape(expected)[-1]))
    for g, e in zip(got, expected, strict=True):
        cost = np.abs(g[:, None] - e[None, :])
        r, c = linear_sum_assignment(cost)
        assert cost[r, c].max() <= atol, (g, e)


# ============================================================================ chain, zero field
def omega_chain(k, f, a=A):
    """Eq. 32, first form: (exp(-i k a/2 - f a/2) + exp(i k a/2 + f a/2)) / 2."""
    return 0.5 * (np.exp(-1j * k * a / 2 - f * a / 2) + np.exp(1j * k * a / 2 + f * a / 2))


def chain_eq31(k, f, p0=P0, g=G, a=A):
    """The 2x2 matrix of Eq. 31 (Eq. 25 at f = 0), basis (n_a, n_b), shape (..., 2, 2)."""
    k = np.asarray(k, dtype=float)
    out = np.empty((*k.shape, 2, 2), dtype=complex)
    out[..., 0, 0] = 1 - p0 * (1 - g) * omega_chain(0.0, -f, a)
    out[..., 0, 1] = p0 * (1 + g) * omega_chain(k, f, a)
    out[..., 1, 0] = p0 * (1 - g) * omega_chain(-k, -f, a)
    out[..., 1, 1] = 1 - p0 * (1 + g) * omega_chain(0.0, f, a)
    return out


KS = np.linspace(-2 * np.pi / A, 2 * np.pi / A, 37)


def test_eq25_bloch_matrix(chain):
    """Eq. 25: diagonal 1 - P0 (1 -+ gamma), off-diagonals P0 (1 +- gamma) cos(k a / 2)."""
    pk = si.bloch_matrix(chain, KS)
    c = np.cos(KS * A / 2)
    assert pk.shape == (KS.size, 2, 2)
    np.testing.assert_allclose(pk[:, 0, 0], 1 - P0 * (1 - G), atol=1e-15)
    np.testing.assert_allclose(pk[:, 1, 1], 1 - P0 * (1 + G), atol=1e-15)
    np.testing.assert_allclose(pk[:, 0, 1], P0 * (1 + G) * c, atol=1e-15)
    np.testing.assert_allclose(pk[:, 1, 0], P0 * (1 - G) * c, atol=1e-15)


def test_eq24_real_space_probabilities(chain):
    """Eq. 24: P(a -> b) = P0 (1 - gamma)/2 to each neighbour, P(b -> a) = P0 (1 + gamma)/2."""
    table = chain.hop_table()
    names = chain.lattice.site_names
    for s, t, p in zip(table.source, table.target, table.probability, strict=True):
        expected = P0 * (1 - G) / 2 if names[s] == "a" else P0 * (1 + G) / 2
        assert names[s] != names[t]
        assert p == pytest.approx(expected, rel=1e-15)
    p0 = table.cell_matrix()
    np.testing.assert_allclose(np.diag(p0), [1 - P0 * (1 - G), 1 - P0 * (1 + G)], atol=1e-15)


def test_eq3_saddle_declared_probabilities():
    """Eq. 3 with the 1/lambda of Eq. 2: P(s -> t) = exp(-(S - E_s) / kB T) / lambda, for both
    directions of a bond; explicit probabilities are divided by their degeneracy too."""
    temperature, e_b, saddle, lam = 700.0, 0.07, 0.3, 2.0
    kt = si.units.KB_EV * temperature
    lat = si.Lattice([[3.0]], [si.Site("a", [0.0]), si.Site("b", [0.5], energy=e_b)])
    m = si.HoppingModel(
        lat,
        [
            si.Hop("a", "b", 0, saddle=saddle, degeneracy=lam),
            si.Hop("b", "a", 1, saddle=saddle + 0.1, degeneracy=1.0),
        ],
    )
    table = m.hop_table(temperature=temperature)
    got = {
        (int(s), int(t), int(c[0])): p
        for s, t, c, p in zip(
            table.source, table.target, table.cell, table.probability, strict=True
        )
    }
    assert got == pytest.approx(
        {
            (0, 1, 0): math.exp(-saddle / kt) / lam,
            (1, 0, 0): math.exp(-(saddle - e_b) / kt) / lam,
            (1, 0, 1): math.exp(-(saddle + 0.1 - e_b) / kt),
            (0, 1, -1): math.exp(-(saddle + 0.1) / kt),
        },
        rel=1e-14,
    )
    explicit = si.HoppingModel(
        lat,
        [
            si.Hop("a", "b", 0, probability=0.4, degeneracy=2.0),
            si.Hop("b", "a", 0, probability=0.3),
        ],
    )
    np.testing.assert_allclose(explicit.hop_table().probability, [0.2, 0.3], rtol=1e-15)


def eq26(k, p0=P0, g=G, a=A):
    root = np.sqrt(np.cos(k * a / 2) ** 2 + g**2 * np.sin(k * a / 2) ** 2)
    return np.stack([1 - p0 + p0 * root, 1 - p0 - p0 * root], axis=-1)


@pytest.mark.parametrize("method", ["closed", "hermitian", "general"])
def test_eq26_eigenvalues(chain, method):
    """Eq. 26 for every k of two Brillouin zones, by each eigen-solver; '+' branch first."""
    if method == "closed":
        p = si.eigenvalues(chain, KS)
    else:
        p = si.eigenmodes(chain, KS, method=method).values
    expected = eq26(KS)
    np.testing.assert_allclose(p.imag, 0.0, atol=1e-14)
    np.testing.assert_allclose(p, expected, atol=1e-13)


def test_eq27_decay_rate_k_squared(chain_tau):
    """Eq. 27: kappa_+ = (P0/tau) (1/2) (1 - gamma^2) (k a / 2)^2 + O((k a)^4), tau = 2.5."""
    tau = chain_tau.tau
    ks = np.array([0.04, 0.02, 0.01, 0.005])
    kappa = si.eigenmodes(chain_tau, ks).decay_rate[:, 0]
    expected = P0 / tau * 0.5 * (1 - G**2) * (ks * A / 2) ** 2
    rel = np.abs(kappa / expected - 1)
    assert np.all(rel <= (ks * A) ** 2)  # the O((k a)^2) relative correction
    np.testing.assert_allclose(rel[:-1] / rel[1:], 4.0, rtol=0.02)  # and it is quadratic
    # exact: kappa = (1 - p_+) / tau with p_+ of Eq. 26
    np.testing.assert_allclose(kappa, (1 - eq26(ks)[:, 0]) / tau, rtol=1e-9)


@pytest.mark.parametrize("method", ["hermitian", "general"])
def test_eq28_stationary_ratio(chain, method):
    """Eq. 28: u_{0,+,b} / u_{0,+,a} = (1 - gamma) / (1 + gamma) = P_ba / P_ab."""
    modes = si.eigenmodes(chain, 0.0, method=method)
    u = modes.right[:, 0]
    assert u[1] / u[0] == pytest.approx((1 - G) / (1 + G), rel=1e-12)
    np.testing.assert_allclose(chain.stationary(), [(1 + G) / 2, (1 - G) / 2], rtol=1e-13)
    assert chain.detailed_balance()


def test_eq29_polarization():
    """Eq. 29: polarization of the stable eigenvector, exactly and to O(k^2).

    From Eq. 25 exactly: with c = cos(ka/2) and R = sqrt(c^2 + gamma^2 sin^2(ka/2)),
    (u_a - u_b)/(u_a + u_b) = ((1+gamma) c - R + gamma) / ((1+gamma) c + R - gamma), whose
    expansion is gamma + gamma (1 - gamma^2) (k a / 4)^2: the printed Eq. 29 has (k a / 2)^2,
    four times too large (a misprint of the paper; the leading term gamma is right).
    """
    for p0, g in [(P0, G), (0.2, -0.7), (0.9, 0.05)]:
        model = models.two_site_chain(p0, g, a=A)
        ks = np.array([0.3, 1.0, 2.5, 0.01, 0.005])
        u = si.eigenmodes(model, ks).right[..., 0]
        pol = (u[:, 0] - u[:, 1]) / (u[:, 0] + u[:, 1])
        np.testing.assert_allclose(pol.imag, 0.0, atol=1e-13)
        c, s = np.cos(ks * A / 2), np.sin(ks * A / 2)
        r = np.sqrt(c**2 + g**2 * s**2)
        exact = ((1 + g) * c - r + g) / ((1 + g) * c + r - g)
        np.testing.assert_allclose(pol.real, exact, rtol=1e-12, atol=1e-14)
        # O(k^2) coefficient, from the two smallest k
        coeff = (pol.real[-2:] - g) / (ks[-2:] * A / 2) ** 2
        np.testing.assert_allclose(coeff, g * (1 - g**2) / 4, rtol=1e-3, atol=1e-7)
        assert pol.real[0] - g == pytest.approx(g * (1 - g**2) * (0.3 * A / 4) ** 2, rel=0.05)


# ============================================================================ chain with field
FIELDS = [-1.2, -0.3, 0.4, 1.0]  # |f| a / 2 <= 1.02: inside the domain (P0 (1 + gamma) cosh <= 1)


@pytest.mark.parametrize("f", FIELDS)
def test_eq31_eq32_bloch_matrix_full_coupling(chain, f):
    """Eqs. 30-32: P_k in the full coupling equals Eq. 31 with Omega(k, f) of Eq. 32, exactly."""
    pk = si.bloch_matrix(chain, KS, field=f, coupling="full")
    np.testing.assert_allclose(pk, chain_eq31(KS, f), atol=1e-14)
    # Eq. 32, second form
    omega = pk[:, 0, 1] / (P0 * (1 + G))
    second = np.cos(KS * A / 2) * np.cosh(f * A / 2) + 1j * np.sin(KS * A / 2) * np.sinh(f * A / 2)
    np.testing.assert_allclose(omega, second, atol=1e-14)


@pytest.mark.parametrize("f", FIELDS)
def test_symmetric_coupling_halves_the_field(chain, f):
    """Symmetric coupling (DESIGN 2): Eq. 31 with f replaced by f / 2."""
    pk = si.bloch_matrix(chain, KS, field=f, coupling="symmetric")
    np.testing.assert_allclose(pk, chain_eq31(KS, f / 2), atol=1e-14)
    assert np.array_equal(pk, si.bloch_matrix(chain, KS, field=f))  # the default


def eq33(k, f, p0=P0, g=G, a=A):
    om0 = omega_chain(0.0, f, a)
    root = np.sqrt(g**2 + (1 - g**2) * (omega_chain(k, f, a) / om0) ** 2)
    return np.stack([1 - p0 * om0 * (1 - root), 1 - p0 * om0 * (1 + root)], axis=-1)


@pytest.mark.parametrize("f", FIELDS)
def test_eq33_eigenvalues_exact(chain, f):
    """Eq. 33 holds exactly with Omega(k, f), for both the closed-form and general solvers."""
    expected = eq33(KS, f)
    assert_same_spectrum(si.eigenvalues(chain, KS, field=f, coupling="full"), expected)
    assert_same_spectrum(si.eigenmodes(chain, KS, field=f, coupling="full").values, expected)
    # stable mode first: |p| = 1 exactly at k = 0 (mod 2 pi / a) and only there (Fig. 3(c))
    gamma_pts = np.array([0.0, 2 * np.pi / A, -2 * np.pi / A])
    p0 = si.eigenvalues(chain, gamma_pts, field=f, coupling="full")
    np.testing.assert_allclose(p0[:, 0], 1.0, atol=1e-14)
    off = KS[np.abs(np.remainder(KS * A / (2 * np.pi) + 0.5, 1.0) - 0.5) > 1e-3]
    p = si.eigenvalues(chain, off, field=f, coupling="full")
    assert np.all(np.abs(p) < 1 - 1e-6)


def test_fig3c_parameters_are_outside_the_domain():
    """Fig. 3(c) (P0 = 0.60, gamma = 0.88, f = 0.5) has P_bb = 1 - P0 (1+gamma) cosh < 0.

    The default raises; ``domain="warn"`` warns and still gives the spectrum of Eq. 33.
    """
    model = models.two_site_chain(FIG3C["P0"], FIG3C["gamma"])
    p0, g, f = FIG3C["P0"], FIG3C["gamma"], FIG3C["f"]
    assert 1 - p0 * (1 + g) * math.cosh(f / 2) < 0
    with pytest.raises(ModelError, match="out-probabilit"):
        si.bloch_matrix(model, 0.1, field=f, coupling="full")
    with pytest.warns(DomainWarning, match="out-probabilit"):
        p = si.eigenvalues(model, KS, field=f, coupling="full", domain="warn")
    assert_same_spectrum(p, eq33(KS, f, p0, g, 1.0))


def test_eq34_weak_field_eigenvalue(chain):
    """Eq. 34: p_{k,+} = 1 + i P0 (1 - gamma^2) (k a / 4) (f a) near k = 0, f = 0 (full).

    The field changes |p| only at second order (the text after Eq. 35).
    """
    rel = []
    for eps in [0.02, 0.01, 0.005]:
        k, f = eps / A, -0.7 * eps / A
        p = si.eigenvalues(chain, k, field=f, coupling="full")[0]
        lin = P0 * (1 - G**2) * (k * A / 4) * (f * A)
        rel.append(abs(p.imag / lin - 1))
        p_nofield = si.eigenvalues(chain, k)[0]
        assert abs(abs(p) - abs(p_nofield)) <= 2 * eps**2 * abs(lin)  # O(k^2 f^2)
        assert abs(p - 1 - 1j * lin) <= 2 * eps**2  # the k^2 decay term and higher orders
    rel = np.array(rel)
    assert rel.max() < 1e-3
    np.testing.assert_allclose(rel[:-1] / rel[1:], 4.0, rtol=0.05)


@pytest.mark.parametrize("f", [0.01, -0.02])
def test_eq35_eq36_weak_field_frequency_and_velocity(chain_tau, f):
    """Eqs. 35-36: omega_{k,+} / k and v_{0,+} = (a/tau) P0 (1-gamma^2) (a f / 4) at weak field.

    Eq. 35 is d omega / dk (a velocity); both hold to relative O((f a)^2).
    """
    tau = chain_tau.tau
    v36 = A / tau * P0 * (1 - G**2) * (A * f / 4)
    k = 1e-5
    omega = np.angle(si.eigenvalues(chain_tau, k, field=f, coupling="full")[0]) / tau
    assert omega / k == pytest.approx(v36, rel=(f * A) ** 2)
    assert si.eigenmodes(chain_tau, k, field=f, coupling="full").frequency[0] == pytest.approx(
        omega, rel=1e-9
    )
    v_group = si.group_velocities(chain_tau, 0.0, field=f, coupling="full")[0, 0]
    v_drift = si.drift_velocity(chain_tau, field=f, coupling="full")[0]
    assert v_group == pytest.approx(v36, rel=(f * A) ** 2)
    assert v_drift == pytest.approx(v_group, rel=1e-10)


@pytest.mark.parametrize("f", [0.01, 0.6])
def test_eq37_eigenvector_phase(chain, f):
    """Eq. 37: u_b / u_a = ((1-gamma)/(1+gamma)) (1 + i gamma (k a / 4) (f a)) (full coupling).

    Exactly to first order in k (Eq. 33's eigenvector): 1 + i gamma (k a / 2) tanh(f a / 2).
    """
    k = 1e-4
    u = si.eigenmodes(chain, k, field=f, coupling="full").right[:, 0]
    ratio = (u[1] / u[0]) / ((1 - G) / (1 + G))
    assert ratio.real == pytest.approx(1.0, abs=(k * A) ** 2)
    assert ratio.imag / k == pytest.approx(G * A / 2 * math.tanh(f * A / 2), rel=1e-6)
    if abs(f * A) < 0.05:
        assert ratio.imag == pytest.approx(G * (k * A / 4) * (f * A), rel=(f * A) ** 2, abs=0)


def test_eq40_structure_factor_ratio(chain):
    """Eq. 40: Omega(k, f) / Omega(0, f) = 1 + i (k a / 2) tanh(f a / 2) + O((k a)^2)."""
    f = 1.1
    for k in [1e-3, 1e-4]:
        ratio = (
            si.bloch_matrix(chain, k, field=f, coupling="full")[0, 1]
            / si.bloch_matrix(chain, 0.0, field=f, coupling="full")[0, 1]
        )
        assert abs(ratio - (1 + 1j * k * A / 2 * math.tanh(f * A / 2))) <= (k * A) ** 2


@pytest.mark.parametrize("f", [0.8, -1.3])
def test_eq41_strong_field_frequency_has_one_over_tau(chain_tau, f):
    """Eq. 41 corrected (DESIGN 3.2): omega_{k,+} = P0 (1-gamma^2) sinh(f a/2) (k a/2) / tau."""
    tau = chain_tau.tau
    k = 1e-6
    omega = si.eigenmodes(chain_tau, k, field=f, coupling="full").frequency[0]
    expected = P0 * (1 - G**2) * math.sinh(f * A / 2) * (k * A / 2) / tau
    assert omega == pytest.approx(expected, rel=1e-5, abs=0)
    assert omega != pytest.approx(expected * tau, rel=0.1)  # the printed form (no 1/tau) fails


# ============================================================================ exact transport
def chain_drift(f, coupling, p0=P0, g=G, a=A, tau=1.0):
    """DESIGN 3.2: v = (a / 2 tau) P0 (1 - gamma^2) sinh(c f a / 2), c = 1 (full) or 1/2."""
    c = {"full": 1.0, "symmetric": 0.5}[coupling]
    return a / (2 * tau) * p0 * (1 - g**2) * np.sinh(c * np.asarray(f) * a / 2)


@pytest.mark.parametrize("coupling", ["full", "symmetric"])
def test_exact_chain_drift_any_field(chain_tau, coupling):
    """Drift at any field: sinh(f a / 2) in full and sinh(f a / 4) in symmetric coupling."""
    f = np.linspace(-1.4, 1.4, 15)
    v = si.drift_velocity(chain_tau, field=f[:, None], coupling=coupling)
    assert v.shape == (f.size, 1)
    np.testing.assert_allclose(
        v[:, 0], chain_drift(f, coupling, tau=chain_tau.tau), rtol=1e-12, atol=1e-16
    )
    # the same from the Bloch analysis: group velocity of the stable mode at k = 0 (Eq. 20)
    for fi, vi in zip(f[::4], v[::4, 0], strict=True):
        vg = si.group_velocities(chain_tau, 0.0, field=fi, coupling=coupling)[0, 0]
        assert vg == pytest.approx(vi, rel=1e-10, abs=1e-15)


def test_chain_diffusion(chain_tau):
    """D = a^2 P0 (1 - gamma^2) / (8 tau), from -(1/2 tau) d^2 ln p_+ / dk^2 (Eqs. 26-27)."""
    d = si.diffusion_tensor(chain_tau)
    assert d.shape == (1, 1)
    assert d[0, 0] == pytest.approx(A**2 * P0 * (1 - G**2) / (8 * chain_tau.tau), rel=1e-12)


def test_eq36_weak_field_mobility(chain_tau):
    """Eq. 36: d v / d f = (a^2 / 4 tau) P0 (1 - gamma^2) in full coupling; half in symmetric."""
    tau = chain_tau.tau
    full = si.mobility_tensor(chain_tau, coupling="full")
    sym = si.mobility_tensor(chain_tau)
    assert full[0, 0] == pytest.approx(A**2 / (4 * tau) * P0 * (1 - G**2), rel=1e-12)
    assert sym[0, 0] == pytest.approx(A**2 / (8 * tau) * P0 * (1 - G**2), rel=1e-12)


@pytest.mark.parametrize("f", [0.0, 0.5, -1.2])
def test_eq42_differential_mobility(chain_tau, f):
    """Eq. 42 as corrected (DESIGN 3.2): d v / d f = (a^2/4tau) P0 (1-gamma^2) cosh(f a / 2).

    Symmetric coupling: (a^2 / 8 tau) P0 (1 - gamma^2) cosh(f a / 4).
    """
    tau = chain_tau.tau
    full = si.mobility_tensor(chain_tau, coupling="full", field=f)[0, 0]
    sym = si.differential_mobility(chain_tau, field=f)[0, 0]
    assert full == pytest.approx(
        A**2 / (4 * tau) * P0 * (1 - G**2) * math.cosh(f * A / 2), rel=1e-12
    )
    assert sym == pytest.approx(
        A**2 / (8 * tau) * P0 * (1 - G**2) * math.cosh(f * A / 4), rel=1e-12
    )


def test_eq42_strong_field_conductivity_ratio_carries_the_charge():
    """sigma(E) / sigma_weak = cosh(Z E a / 2 kB T): the cosh argument of Eq. 42 needs Z."""
    model = models.two_site_chain(P0, G, a=A, tau=1e-13)
    temperature, charge = 450.0, 2.0
    e_field = 1e8  # V/m
    f = si.units.reduced_field(e_field, temperature=temperature, charge=charge)
    weak = si.mobility_tensor(model, coupling="full")[0, 0]
    strong = si.mobility_tensor(model, coupling="full", field=f)[0, 0]
    arg = charge * E_CH * e_field * A * 1e-10 / (2 * KB * temperature)
    assert strong / weak == pytest.approx(math.cosh(arg), rel=1e-12)
    assert strong / weak != pytest.approx(math.cosh(arg / charge), rel=1e-3)


# ============================================================================ S/cm
def test_eq38_conductivity_in_si_units():
    """Eq. 38: sigma = (n0 Z a / V tau) (Z a / 4 kB T) (1 - gamma^2) P0, computed here in SI."""
    tau, temperature, charge, volume, n0 = 2e-13, 600.0, 1.5, 37.0, 0.8
    model = models.two_site_chain(P0, G, a=A, tau=tau)
    a_m, v_m3 = A * 1e-10, volume * 1e-30
    q = charge * E_CH
    expected = (n0 * q * a_m / (v_m3 * tau)) * (q * a_m / (4 * KB * temperature)) * (1 - G**2) * P0
    expected /= 100.0  # S/m -> S/cm
    sig = si.conductivity_tensor(
        model,
        temperature=temperature,
        charge=charge,
        cell_volume=volume,
        coupling="full",
        filling=n0,
    )
    assert sig.shape == (1, 1)
    assert sig[0, 0] == pytest.approx(expected, rel=1e-12)
    # symmetric (Nernst-Einstein): sigma = (n0 / V) q^2 D / (kB T), with D of the chain
    d_si = a_m**2 * P0 * (1 - G**2) / (8 * tau)
    sym = si.conductivity_tensor(
        model, temperature=temperature, charge=charge, cell_volume=volume, filling=n0
    )
    assert sym[0, 0] == pytest.approx(n0 / v_m3 * q**2 * d_si / (KB * temperature) / 100, rel=1e-12)
    # the conversion alone: a mobility per step with the step in seconds
    per_step = A**2 / 4 * P0 * (1 - G**2)
    conv = mobility_to_conductivity(
        per_step, temperature=temperature, charge=charge, filling=n0, cell_volume=volume, tau=tau
    )
    assert conv == pytest.approx(expected, rel=1e-12)


def test_eq39_arrhenius_law():
    """Eq. 39: with P0 = exp(-Lambda0 / kB T), ln(sigma T) is linear in 1/T with slope -Lambda0.

    The chain of Sec. IV without interactions has P(a->b) = P(b->a) = exp(-Lambda0/kB T)/2.
    """
    lambda0, volume, tau = 0.25, 30.0, 1e-13
    model = models.interacting_chain(lambda0, K0=0.0, a=A, tau=tau)
    temps = np.array([300.0, 400.0, 550.0, 700.0, 900.0])
    ds = si.conductivity_vs_temperature(model, temps, cell_volume=volume, coupling="full")
    sigma = ds["sigma"].values[:, 0, 0]
    p0 = np.exp(-lambda0 / (si.units.KB_EV * temps))
    expected = (E_CH * A * 1e-10) ** 2 * p0 / (4 * volume * 1e-30 * tau * KB * temps) / 100
    np.testing.assert_allclose(sigma, expected, rtol=1e-12)
    fit = si.arrhenius_fit(temps, sigma)
    assert fit["activation_energy"] == pytest.approx(lambda0, rel=1e-10)
    assert fit["r_squared"] == pytest.approx(1.0, abs=1e-12)
    assert fit["activation_energy_stderr"] < 1e-10


# ============================================================================ honeycomb (App. A)
S3 = math.sqrt(3.0)
A_J = HA * np.array([[0.5, 1 / (2 * S3)], [-0.5, 1 / (2 * S3)], [0.0, -1 / S3]])  # Eq. 57


def omega_hc(k, f):
    """Eq. 57: (1/3) sum_j exp(i (k - i f) . a_j), for k, f of shape (..., 2)."""
    k, f = np.asarray(k, dtype=float), np.asarray(f, dtype=float)
    return np.exp(1j * (k @ A_J.T) + f @ A_J.T).mean(axis=-1)


def eq58(k, f, p0=HP0, g=HG):
    root = np.sqrt(g**2 + (1 - g**2) * omega_hc(k, f) * omega_hc(-np.asarray(k), -np.asarray(f)))
    return np.stack([1 - p0 + p0 * root, 1 - p0 - p0 * root], axis=-1)


def random_k(rng, n, scale=1.0):
    return rng.uniform(-1, 1, size=(n, 2)) * scale * 2 * np.pi / HA


def test_honeycomb_geometry(honeycomb):
    """Eq. 57's inter-site vectors a_j are the B -> A displacements; A -> B are -a_j."""
    table = honeycomb.hop_table()
    names = honeycomb.lattice.site_names
    assert names == ("A", "B")
    b_to_a = table.displacement[table.source == 1]
    a_to_b = table.displacement[table.source == 0]
    key = lambda d: sorted(map(tuple, np.round(d, 12)))  # noqa: E731
    assert key(b_to_a) == key(A_J)
    assert key(a_to_b) == key(-A_J)


@pytest.mark.parametrize("fvec", [(0.0, 0.0), (0.3, -0.2), (-0.5, 0.45)])
def test_eq56_off_diagonal_exact_and_conserving_diagonal(honeycomb, fvec):
    """Eq. 56's off-diagonals hold exactly (full coupling); our diagonal conserves probability.

    Ours: P_AA = 1 - P0 (1-gamma) Omega(0,-f), P_BB = 1 - P0 (1+gamma) Omega(0,f) (DESIGN 3.3);
    Eq. 56 prints 1 - P0 (1 -+ gamma), whose columns sum to 1 + O(f^2) at k = 0.
    """
    f = np.asarray(fvec)
    ks = random_k(np.random.default_rng(1), 25)
    pk = si.bloch_matrix(honeycomb, ks, field=f, coupling="full")
    np.testing.assert_allclose(pk[:, 0, 1], HP0 * (1 + HG) * omega_hc(ks, f), atol=1e-14)
    np.testing.assert_allclose(pk[:, 1, 0], HP0 * (1 - HG) * omega_hc(-ks, -f), atol=1e-14)
    np.testing.assert_allclose(pk[:, 0, 0], 1 - HP0 * (1 - HG) * omega_hc([0, 0], -f), atol=1e-14)
    np.testing.assert_allclose(pk[:, 1, 1], 1 - HP0 * (1 + HG) * omega_hc([0, 0], f), atol=1e-14)
    p0 = si.bloch_matrix(honeycomb, [0.0, 0.0], field=f, coupling="full")
    np.testing.assert_allclose(p0.sum(axis=0), 1.0, atol=1e-14)
    if np.any(f):
        eq56_col = 1 - HP0 * (1 - HG) + HP0 * (1 - HG) * omega_hc([0, 0], -f)
        assert abs(eq56_col - 1) > 1e-4  # Eq. 56 as printed does not conserve probability
    else:
        np.testing.assert_allclose(
            np.diagonal(pk, axis1=1, axis2=2),
            [[1 - HP0 * (1 - HG), 1 - HP0 * (1 + HG)]] * len(ks),
            atol=1e-15,
        )


def test_eq58_exact_at_zero_field(honeycomb):
    """Eq. 58 at f = 0 holds exactly (there our diagonal equals Eq. 56's)."""
    ks = random_k(np.random.default_rng(2), 40)
    expected = eq58(ks, np.zeros(2))
    np.testing.assert_allclose(si.eigenvalues(honeycomb, ks), expected, atol=1e-13)
    np.testing.assert_allclose(
        si.eigenmodes(honeycomb, ks, method="general").values, expected, atol=1e-13
    )


def test_eq58_first_order_in_field(honeycomb):
    """With a field, Eq. 58 (field-free diagonal) and ours differ at O(f^2), not O(f)."""
    rng = np.random.default_rng(3)
    ks = random_k(rng, 30)
    direction = np.array([0.6, -0.8])
    errs = []
    for eps in [0.08, 0.04, 0.02]:
        f = eps * direction
        ours = si.eigenvalues(honeycomb, ks, field=f, coupling="full")
        expected = eq58(ks, f)
        err = 0.0
        for o, e in zip(ours, expected, strict=True):
            cost = np.abs(o[:, None] - e[None, :])
            r, c = linear_sum_assignment(cost)
            err = max(err, cost[r, c].max())
        errs.append(err)
    errs = np.array(errs)
    assert errs[0] > 1e-6  # a real difference, second order
    assert np.all(errs <= 2 * HP0 * (0.08 * HA) ** 2)
    np.testing.assert_allclose(errs[:-1] / errs[1:], 4.0, rtol=0.1)


def test_eq59_structure_factor_product(honeycomb):
    """Eq. 59: Omega(k,f) Omega(-k,-f) = 1 + i (a^2/3) k.f to first order in k and in f.

    Read from the off-diagonal product of our P(k) (full coupling); its mixed derivative
    d^2 / dk_mu df_nu at 0 is i (a^2 / 3) delta_mu_nu, and the pure k and f terms are
    -(a^2/6) k^2 and +(a^2/6) f^2 (not written in Eq. 59).
    """
    norm = HP0**2 * (1 - HG**2)

    def product(k, f):
        pk = si.bloch_matrix(honeycomb, k, field=f, coupling="full")
        return pk[0, 1] * pk[1, 0] / norm

    h = 1e-3
    eye = np.eye(2)
    mixed = np.empty((2, 2), dtype=complex)
    for mu in range(2):
        for nu in range(2):
            kp, km, fp, fm = h * eye[mu], -h * eye[mu], h * eye[nu], -h * eye[nu]
            mixed[mu, nu] = (
                product(kp, fp) - product(kp, fm) - product(km, fp) + product(km, fm)
            ) / (4 * h * h)
    np.testing.assert_allclose(mixed, 1j * HA**2 / 3 * eye, atol=1e-5)
    eps = 1e-3
    k, f = eps * np.array([0.3, 0.9]), eps * np.array([-0.7, 0.4])
    pred = 1 + 1j * HA**2 / 3 * (k @ f) + HA**2 / 6 * (f @ f - k @ k)
    assert abs(product(k, f) - pred) <= 10 * eps**3 * HA**3


def test_eq60_eq61_weak_field_eigenvalue_and_frequency(honeycomb_tau):
    """Eq. 60: Im p_{k,+} = P0 (1-gamma^2) (a^2/6) k.f; Eq. 61 in SI units (full coupling)."""
    tau, temperature, charge = honeycomb_tau.tau, 500.0, 1.0
    rel = []
    for eps in [0.02, 0.01, 0.005]:
        k = eps / HA * np.array([0.8, 0.6])
        f = eps / HA * np.array([0.5, -0.9])
        p = si.eigenvalues(honeycomb_tau, k, field=f, coupling="full")[0]
        rel.append(abs(p.imag / (HP0 * (1 - HG**2) * HA**2 / 6 * (k @ f)) - 1))
        # Eq. 61: omega = Z P0 (1-gamma^2) a^2 (k.E) / (6 tau kB T), E in V/m, SI lengths
        e_field = electric_field(f, temperature=temperature, charge=charge)
        omega61 = (
            charge
            * E_CH
            * HP0
            * (1 - HG**2)
            * (HA * 1e-10) ** 2
            * ((k * 1e10) @ e_field)
            / (6 * tau * KB * temperature)
        )
        omega = si.eigenmodes(honeycomb_tau, k, field=f, coupling="full").frequency[0]
        assert omega == pytest.approx(omega61, rel=3 * eps)
    rel = np.array(rel)
    assert rel.max() < 1e-3
    assert np.all(rel[:-1] > rel[1:])


def test_eq62_group_velocity_and_mobility(honeycomb_tau):
    """Eq. 62: v = Z P0 (1-gamma^2) a^2 E / (6 tau kB T); mobility exact and isotropic."""
    tau = honeycomb_tau.tau
    coeff = HP0 * (1 - HG**2) * HA**2 / (6 * tau)  # d v / d f, full coupling
    f = np.array([0.004, -0.003])
    vg = si.group_velocities(honeycomb_tau, [0.0, 0.0], field=f, coupling="full")[0]
    np.testing.assert_allclose(vg, coeff * f, rtol=(np.linalg.norm(f) * HA) ** 2)
    np.testing.assert_allclose(
        si.drift_velocity(honeycomb_tau, field=f, coupling="full"), vg, rtol=1e-10
    )
    np.testing.assert_allclose(
        si.mobility_tensor(honeycomb_tau, coupling="full"),
        coeff * np.eye(2),
        rtol=1e-12,
        atol=1e-15,
    )
    np.testing.assert_allclose(
        si.mobility_tensor(honeycomb_tau), coeff / 2 * np.eye(2), rtol=1e-12, atol=1e-15
    )
    np.testing.assert_allclose(
        si.diffusion_tensor(honeycomb_tau),
        HA**2 * HP0 * (1 - HG**2) / (12 * tau) * np.eye(2),
        rtol=1e-12,
        atol=1e-15,
    )


def test_eq63_conductivity_tensor_in_si_units():
    """Eq. 63: sigma_xx = sigma_yy = (J0 Z a / 6 kB T) P0 (1-gamma^2), J0 = Z n0 a / V tau."""
    tau, temperature, charge, volume, n0 = 1e-13, 700.0, 1.0, 55.0, 1.3
    model = models.honeycomb(HP0, HG, a=HA, tau=tau)
    q, a_m, v_m3 = charge * E_CH, HA * 1e-10, volume * 1e-30
    j0 = q * n0 * a_m / (v_m3 * tau)
    expected = j0 * q * a_m / (6 * KB * temperature) * HP0 * (1 - HG**2) / 100
    sig = si.conductivity_tensor(
        model,
        temperature=temperature,
        charge=charge,
        cell_volume=volume,
        coupling="full",
        filling=n0,
    )
    np.testing.assert_allclose(sig, expected * np.eye(2), rtol=1e-12, atol=1e-12 * expected)
    assert sig[0, 1] == 0.0 or abs(sig[0, 1]) < 1e-12 * expected


# ============================================================================ 3D
def test_bcc_tetrahedral_random_walk(bcc):
    """3D check: 12 equivalent tetrahedral sites, 4 neighbours each at a sqrt(2)/4.

    Every site's out-displacements sum to zero, so D = z p l^2 / (6 tau) = p a^2 / (12 tau),
    isotropic, with p = exp(-barrier / kB T); Nernst-Einstein in SI: sigma = n q^2 D / (kB T).
    """
    temperature, a, tau = 600.0, 5.07, 1e-13
    p = math.exp(-0.1 / (si.units.KB_EV * temperature))
    table = bcc.hop_table(temperature=temperature)
    np.testing.assert_allclose(np.linalg.norm(table.displacement, axis=1), a * math.sqrt(2) / 4)
    assert np.all(np.bincount(table.source) == 4)
    d = si.diffusion_tensor(bcc, temperature=temperature)
    d0 = p * a**2 / (12 * tau)
    np.testing.assert_allclose(d, d0 * np.eye(3), rtol=1e-12, atol=1e-12 * d0)
    sig = si.conductivity_tensor(bcc, temperature=temperature)
    d_si = p * (a * 1e-10) ** 2 / (12 * tau)
    expected = 1.0 / (a * 1e-10) ** 3 * E_CH**2 * d_si / (KB * temperature) / 100
    np.testing.assert_allclose(sig, expected * np.eye(3), rtol=1e-12, atol=1e-12 * expected)


@pytest.mark.parametrize(("barrier", "temperature"), [(0.8, 300.0), (0.7, 250.0), (0.9, 200.0)])
def test_bcc_tetrahedral_at_low_temperature(barrier, temperature):
    """Room-temperature hopping over a typical barrier: p = exp(-Ea / kB T) ~ 1e-12 - 1e-23 per
    step of 0.1 ps. D = p a^2 / (12 tau) must hold to full precision (it is linear in p)."""
    a, tau = 5.07, 1e-13
    model = models.bcc_tetrahedral(barrier=barrier, a=a, tau=tau)
    p = math.exp(-barrier / (si.units.KB_EV * temperature))
    d0 = p * a**2 / (12 * tau)
    np.testing.assert_allclose(
        si.diffusion_tensor(model, temperature=temperature),
        d0 * np.eye(3),
        rtol=1e-9,
        atol=1e-12 * d0,
    )
    np.testing.assert_allclose(
        si.mobility_tensor(model, temperature=temperature),
        d0 * np.eye(3),
        rtol=1e-9,
        atol=1e-12 * d0,
    )


def test_chain_closed_forms_at_small_p0():
    """The chain's D, mobility and drift are linear in P0: exact at P0 = 1e-13 too."""
    p0, g = 1e-13, 0.5
    chain = models.two_site_chain(p0, g, a=A)
    assert si.diffusion_tensor(chain)[0, 0] == pytest.approx(
        A**2 * p0 * (1 - g**2) / 8, rel=1e-9, abs=0
    )
    assert si.mobility_tensor(chain, coupling="full")[0, 0] == pytest.approx(
        A**2 * p0 * (1 - g**2) / 4, rel=1e-9, abs=0
    )
    v = si.drift_velocity(chain, field=0.7, coupling="full")[0]
    assert v == pytest.approx(chain_drift(0.7, "full", p0, g), rel=1e-9, abs=0)


def test_decay_rate_keeps_precision_at_tiny_probabilities():
    """kappa = (1 - |p|) / tau from P(k) - I directly: Eq. 27 holds to full relative precision
    even when P0 ~ 1e-14, where 1 - |p| would be lost to rounding."""
    P0, g, a = 1e-14, 0.3, 2.0
    chain = si.models.two_site_chain(P0, g, a=a)
    k = np.array([0.3, 1.0, 2.5])
    modes = si.eigenmodes(chain, k[:, None])
    root = np.sqrt(np.cos(k * a / 2) ** 2 + g**2 * np.sin(k * a / 2) ** 2)
    np.testing.assert_allclose(modes.decay_rate[:, 0], P0 * (1 - root), rtol=1e-9)
    np.testing.assert_allclose(modes.decay_rate[:, 1], P0 * (1 + root), rtol=1e-9)
