"""Spectra along k-paths and meshes, stationary occupations and polarization (Eqs. 12-15, 26-29,
33, 37, 58)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import superionic as si
from conftest import CHAIN, FIG3C, HONEYCOMB
from strategies import balanced_cases, cases, fields
from superionic import models
from superionic import spectrum as spc
from superionic.errors import DomainWarning, ModelError


# ----------------------------------------------------------------------------- closed forms
def omega_chain(k, f, a):
    """Eq. 32: Omega(k, f)."""
    return np.cos(k * a / 2) * np.cosh(f * a / 2) + 1j * np.sin(k * a / 2) * np.sinh(f * a / 2)


def p_chain(k, P0, gamma, a, f=0.0):
    """Eq. 33 (Eq. 26 at f = 0): both eigenvalues, '+' first."""
    o0 = omega_chain(0.0, f, a)
    root = np.sqrt(gamma**2 + (1 - gamma**2) * (omega_chain(k, f, a) / o0) ** 2)
    return 1 - P0 * o0 * (1 - root), 1 - P0 * o0 * (1 + root)


def polarization_chain_exact(k, P0, gamma, a):
    """Eq. 29 without expansion: the first row of Eq. 25 gives u_b/u_a = (s - g) / ((1 + g) c)."""
    c = np.cos(k * a / 2)
    s = np.sqrt(c**2 + gamma**2 * (1 - c**2))
    r = (s - gamma) / ((1 + gamma) * c)
    return (1 - r) / (1 + r)


# ----------------------------------------------------------------------------- chain, Sec. III
def test_chain_spectrum_zero_field_is_eq26(chain):
    a = CHAIN["a"]
    path = spc.kpath(chain.lattice, n=101)
    ds = spc.spectrum(chain, path)
    assert ds.attrs["method"] == "closed"
    k = path.k[:, 0]
    plus, minus = p_chain(k, CHAIN["P0"], CHAIN["gamma"], a)
    np.testing.assert_allclose(ds.eigenvalue_real.sel(mode=0), plus.real, atol=1e-14)
    np.testing.assert_allclose(ds.eigenvalue_real.sel(mode=1), minus.real, atol=1e-14)
    np.testing.assert_allclose(ds.eigenvalue_imag, 0.0, atol=1e-14)  # purely real (Sec. III.1)
    np.testing.assert_allclose(ds.group_velocity.sel(mode=0), 0.0, atol=1e-14)
    assert ds.decay_rate.sel(mode=0).min() >= -1e-15
    assert ds.decay_rate.sel(mode=0)[np.argmin(np.abs(k))] == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("coupling, c", [("full", 1.0), ("symmetric", 0.5)])
def test_chain_spectrum_with_field_is_eq33(chain_tau, coupling, c):
    """Eq. 33 exactly (our probability-conserving diagonal equals Eq. 30's); f -> c f."""
    a, f, tau = CHAIN["a"], 0.4, chain_tau.tau
    k = np.linspace(-2 * np.pi / a, 2 * np.pi / a, 77)
    ds = spc.spectrum(chain_tau, k, field=[f], coupling=coupling)
    plus, minus = p_chain(k, CHAIN["P0"], CHAIN["gamma"], a, c * f)
    p = ds.eigenvalue_real + 1j * ds.eigenvalue_imag
    np.testing.assert_allclose(p.sel(mode=0), plus, atol=1e-13)
    np.testing.assert_allclose(p.sel(mode=1), minus, atol=1e-13)
    np.testing.assert_allclose(ds.decay_rate.sel(mode=0), (1 - np.abs(plus)) / tau, atol=1e-13)
    np.testing.assert_allclose(ds.frequency.sel(mode=0), np.angle(plus) / tau, atol=1e-13)


def test_chain_group_velocity_at_gamma_is_exact_drift(chain_tau):
    """Stable-mode group velocity at k = 0 = drift (a / 2 tau) P0 (1 - g^2) sinh(f a / 2)."""
    a, tau = CHAIN["a"], chain_tau.tau
    P0, g = CHAIN["P0"], CHAIN["gamma"]
    for f in (0.05, 0.7):
        ds = spc.spectrum(chain_tau, [0.0], field=[f], coupling="full")
        exact = a / (2 * tau) * P0 * (1 - g**2) * math.sinh(f * a / 2)
        assert float(ds.group_velocity.sel(mode=0, k=0, direction="x")) == pytest.approx(
            exact, rel=1e-12
        )


def test_eq27_small_k_decay_rate(chain_tau):
    a, tau, P0, g = CHAIN["a"], chain_tau.tau, CHAIN["P0"], CHAIN["gamma"]
    k = np.array([1e-3, 2e-3, 4e-3]) / a
    kappa = spc.spectrum(chain_tau, k).decay_rate.sel(mode=0).values
    eq27 = P0 / tau * 0.5 * (1 - g**2) * (k * a / 2) ** 2
    np.testing.assert_allclose(kappa, eq27, rtol=1e-5)
    # and kappa -> k D k with the diffusion constant of the transport module
    d = si.diffusion_tensor(chain_tau)[0, 0]
    np.testing.assert_allclose(kappa / k**2, d, rtol=1e-5)


def test_fig3c_outside_domain_is_flagged():
    """Fig. 3(c): P0 (1 + gamma) = 1.128 > 1 gives a negative diagonal; never silently."""
    m = models.two_site_chain(FIG3C["P0"], FIG3C["gamma"])
    path = spc.kpath(m.lattice, n=41)
    with pytest.raises(ModelError, match="out-probabilities"):
        spc.spectrum(m, path, field=[FIG3C["f"]], coupling="full")
    with pytest.warns(DomainWarning):
        ds = spc.spectrum(m, path, field=[FIG3C["f"]], coupling="full", domain="warn")
    assert ds.attrs["in_domain"] == 0
    assert "outside" in ds.attrs["status"]
    plus, _ = p_chain(path.k[:, 0], FIG3C["P0"], FIG3C["gamma"], 1.0, FIG3C["f"])
    p = ds.eigenvalue_real.sel(mode=0) + 1j * ds.eigenvalue_imag.sel(mode=0)
    np.testing.assert_allclose(p, plus, atol=1e-13)
    inside = spc.spectrum(models.two_site_chain(0.4, 0.3), path)
    assert inside.attrs["in_domain"] == 1 and inside.attrs["status"] == "ok"


# ----------------------------------------------------------------------------- honeycomb, App. A
def test_honeycomb_eq58_zero_field(honeycomb):
    P0, g, a = HONEYCOMB["P0"], HONEYCOMB["gamma"], HONEYCOMB["a"]
    mesh = spc.kmesh(honeycomb.lattice, 9)
    ds = spc.spectrum(honeycomb, mesh)
    s3 = math.sqrt(3.0)
    avec = a * np.array([[0.5, 0.5 / s3], [-0.5, 0.5 / s3], [0.0, -1 / s3]])
    omega = np.exp(1j * mesh.k @ avec.T).mean(axis=1)  # Eq. 57 at f = 0
    omega_m = np.exp(-1j * mesh.k @ avec.T).mean(axis=1)
    root = np.sqrt(g**2 + (1 - g**2) * omega * omega_m)
    np.testing.assert_allclose(ds.eigenvalue_real.sel(mode=0), (1 - P0 + P0 * root).real,
                               atol=1e-13)
    np.testing.assert_allclose(ds.eigenvalue_real.sel(mode=1), (1 - P0 - P0 * root).real,
                               atol=1e-13)


def test_honeycomb_eq60_weak_field(honeycomb):
    """Eq. 60: p_+ = 1 + i P0 (1 - g^2) (a^2 / 6) k.f near Gamma in full coupling (first order)."""
    P0, g, a = HONEYCOMB["P0"], HONEYCOMB["gamma"], HONEYCOMB["a"]
    f = np.array([2e-4, -1e-4])
    k = np.array([[1e-4, 3e-4]])
    ds = spc.spectrum(honeycomb, k, field=f, coupling="full")
    p = complex(ds.eigenvalue_real[0, 0] + 1j * ds.eigenvalue_imag[0, 0])
    expected_imag = P0 * (1 - g**2) * a**2 / 6 * float(k[0] @ f)
    assert p.imag == pytest.approx(expected_imag, rel=1e-3)
    assert abs(p.real - 1) < 1e-6


# ----------------------------------------------------------------------------- random models
@settings(max_examples=12)
@given(data=st.data())
def test_group_velocity_matches_finite_differences(data):
    case = data.draw(cases(max_sites=4))
    f = data.draw(fields(case))
    k = data.draw(st.lists(st.floats(-0.4, 0.4), min_size=case.dim, max_size=case.dim))
    k = np.asarray(k) @ case.model.lattice.reciprocal
    ds = spc.spectrum(case.model, k[None, :], field=f, **case.kw)
    h = 1e-6
    for mu in range(case.dim):
        e = np.zeros(case.dim)
        e[mu] = h
        up = spc.spectrum(case.model, (k + e)[None, :], field=f, **case.kw)
        dn = spc.spectrum(case.model, (k - e)[None, :], field=f, **case.kw)
        for v in range(case.n_sites):
            if not bool(ds.group_velocity_defined[0, v]):
                continue
            pu = complex(up.eigenvalue_real[0, v] + 1j * up.eigenvalue_imag[0, v])
            pd = complex(dn.eigenvalue_real[0, v] + 1j * dn.eigenvalue_imag[0, v])
            p0 = complex(ds.eigenvalue_real[0, v] + 1j * ds.eigenvalue_imag[0, v])
            # skip modes whose order changes within the stencil (near-degenerate |p|)
            gaps = np.abs(np.abs(p0) - np.abs(ds.eigenvalue_real[0] + 1j * ds.eigenvalue_imag[0]))
            gaps = np.delete(gaps.values, v)
            if gaps.size and gaps.min() < 1e-4:
                continue
            fd = np.angle(pu / pd) / (2 * h) / case.model.tau
            got = float(ds.group_velocity[0, v, mu])
            assert got == pytest.approx(fd, rel=1e-5, abs=1e-7 * (1 + abs(fd)))


@settings(max_examples=10)
@given(case=balanced_cases(max_sites=5))
def test_hermitian_path_equals_general_path(case):
    """Zero field, detailed balance: Hermitian similarity gives the same spectrum, v_g = 0."""
    mesh = spc.kmesh(case.model.lattice, 3)
    herm = spc.spectrum(case.model, mesh, method="hermitian", **case.kw)
    gen = spc.spectrum(case.model, mesh, method="general", **case.kw)
    np.testing.assert_allclose(herm.modulus, gen.modulus, atol=1e-10)
    np.testing.assert_allclose(herm.eigenvalue_real, gen.eigenvalue_real, atol=1e-10)
    np.testing.assert_allclose(gen.eigenvalue_imag, 0.0, atol=1e-10)
    # the general path differentiates the eigenvalues (Eq. 20): at zero field with detailed
    # balance they are real, so its group velocities vanish; the Hermitian path agrees
    ok = gen.group_velocity_defined.values
    scale = 1e-9 * (1 + np.abs(gen.eigenvalue_real.values).max()) / case.model.tau
    np.testing.assert_allclose(gen.group_velocity.values[ok], 0.0, atol=scale)
    np.testing.assert_allclose(herm.group_velocity.values[ok], gen.group_velocity.values[ok],
                               atol=scale)


@settings(max_examples=10)
@given(data=st.data())
def test_stable_mode_at_gamma(data):
    """|p| = 1 at k = 0 for the stable mode, |p| <= 1 everywhere, v_g(0) = drift."""
    case = data.draw(cases(max_sites=4))
    f = data.draw(fields(case))
    ds = spc.spectrum(case.model, np.zeros((1, case.dim)), field=f, **case.kw)
    assert float(ds.modulus[0, 0]) == pytest.approx(1.0, abs=1e-12)
    assert float(ds.frequency[0, 0]) == pytest.approx(0.0, abs=1e-12)
    drift = si.drift_velocity(case.model, field=f, **case.kw)
    np.testing.assert_allclose(
        ds.group_velocity[0, 0].values, drift, rtol=1e-8, atol=1e-10 * (1 + np.abs(drift).max())
    )
    mesh = spc.spectrum(case.model, spc.kmesh(case.model.lattice, 3), field=f, **case.kw)
    assert float(mesh.modulus.max()) <= 1.0 + 1e-12


@settings(max_examples=8)
@given(case=cases(dims=(2, 3), max_sites=3))
def test_folding_into_first_zone_keeps_spectrum(case):
    mesh = spc.kmesh(case.model.lattice, 3)
    folded = spc.kmesh(case.model.lattice, 3, first_zone=True)
    a = spc.spectrum(case.model, mesh, **case.kw)
    b = spc.spectrum(case.model, folded, **case.kw)
    np.testing.assert_allclose(a.modulus, b.modulus, atol=1e-12)


# ----------------------------------------------------------------------------- Eqs. 28-29, 37
def test_eq28_stationary_occupations_chain(chain):
    occ = spc.stationary_occupations(chain)
    g = CHAIN["gamma"]
    pa, pb = float(occ.probability.sel(site="a")), float(occ.probability.sel(site="b"))
    assert pb / pa == pytest.approx((1 - g) / (1 + g), rel=1e-13)
    assert pa + pb == pytest.approx(1.0)
    np.testing.assert_allclose(occ.occupation, chain.filling * occ.probability)


@settings(max_examples=10)
@given(case=balanced_cases())
def test_stationary_occupations_are_boltzmann(case):
    occ = spc.stationary_occupations(case.model, **case.kw)
    np.testing.assert_allclose(occ.probability, case.boltzmann(), rtol=1e-9, atol=1e-12)


def test_eq29_polarization_chain(chain):
    """Eq. 29 at k = 0 is gamma; its k dependence follows the exact eigenvector of Eq. 25.

    Expanding the exact ratio gives gamma + gamma (1 - gamma^2) (k a / 2)^2 / 4: the printed
    Eq. 29 lacks the factor 1/4 (docs/theory.md).
    """
    P0, g, a = CHAIN["P0"], CHAIN["gamma"], CHAIN["a"]
    assert complex(spc.polarization(chain, 0.0)) == pytest.approx(g, abs=1e-14)
    k = np.linspace(-2.5, 2.5, 31) / a
    pol = spc.polarization(chain, k)
    np.testing.assert_allclose(pol.imag, 0.0, atol=1e-14)
    np.testing.assert_allclose(pol.real, polarization_chain_exact(k, P0, g, a), atol=1e-13)
    ka = np.array([1e-2, 2e-2])
    small = spc.polarization(chain, ka / a).real
    corrected = g + g * (1 - g**2) * (ka / 2) ** 2 / 4
    np.testing.assert_allclose(small - g, corrected - g, rtol=1e-3)
    printed = g + g * (1 - g**2) * (ka / 2) ** 2
    assert np.all(np.abs(small - printed) > 0.5 * np.abs(printed - g))


def test_eq37_field_phase_lag(chain):
    """Eq. 37: u_b / u_a = ((1-g)/(1+g)) (1 + i g (k a / 4) (f a)) in full coupling, small k, f."""
    g, a = CHAIN["gamma"], CHAIN["a"]
    ka, f = 1e-2, 1e-3
    pol = complex(spc.polarization(chain, ka / a, field=[f], coupling="full"))
    r = (1 - pol) / (1 + pol)
    phase = (r / ((1 - g) / (1 + g)) - 1).imag
    assert phase == pytest.approx(g * ka / 4 * f * a, rel=1e-3)


def test_polarization_needs_two_sites_and_valid_names(chain, bcc):
    with pytest.raises(ModelError, match="unknown site"):
        spc.polarization(chain, 0.0, sites=("a", "c"))
    one = si.HoppingModel(
        si.Lattice([[1.0]], [si.Site("a", [0.0])]), [si.Hop("a", "a", (1,), probability=0.2)]
    )
    with pytest.raises(ModelError, match="two sites"):
        spc.polarization(one, 0.0)
    val = spc.polarization(bcc, np.zeros(3), sites=("t0", "t5"), temperature=500.0)
    assert complex(val) == pytest.approx(0.0, abs=1e-12)  # equivalent sites


# ----------------------------------------------------------------------------- k-path geometry
def test_kpath_geometry_honeycomb(honeycomb):
    lat = honeycomb.lattice
    path = spc.kpath(lat, n=120)
    assert path.tick_labels == ("Γ", "M", "K", "Γ")
    seg = np.linalg.norm(np.diff(path.k, axis=0), axis=1)
    np.testing.assert_allclose(np.diff(path.distance), seg, atol=1e-12)
    a = HONEYCOMB["a"]
    gm, mk, kg = 2 * np.pi / (math.sqrt(3) * a), 2 * np.pi / (3 * a), 4 * np.pi / (3 * a)
    np.testing.assert_allclose(path.tick_distance, np.cumsum([0, gm, mk, kg]), rtol=1e-12)
    # ticks sit on points of the path; K is a zone corner at 4 pi / 3a
    for d in path.tick_distance:
        assert np.min(np.abs(path.distance - d)) < 1e-12
    i_k = int(np.argmin(np.abs(path.distance - path.tick_distance[2])))
    assert np.linalg.norm(path.k[i_k]) == pytest.approx(kg, rel=1e-12)
    assert abs(len(path) - 120) <= 4


def test_kpath_custom_points_and_jumps(chain):
    lat = chain.lattice
    pts = {"A": (0.0,), "B": (0.5,), "C": (-0.25,)}
    path = spc.kpath(lat, pts, [["A", "B"], ["C", "A"]], n=30)
    assert path.tick_labels == ("A", "B|C", "A")
    a = CHAIN["a"]
    np.testing.assert_allclose(path.tick_distance, [0, np.pi / a, np.pi / a + 0.5 * np.pi / a])
    assert path.k[0, 0] == 0.0 and path.k[-1, 0] == 0.0
    with pytest.raises(ModelError, match="not among the points"):
        spc.kpath(lat, pts, ["A", "Z"])
    with pytest.raises(ModelError, match="fractional coordinate"):
        spc.kpath(lat, {"A": (0.0, 0.1), "B": (0.5,)}, ["A", "B"])


@pytest.mark.parametrize(
    "vectors, kind",
    [
        ([[3.0]], "1d"),
        ([[2.0, 0], [0, 2.0]], "square"),
        ([[2.0, 0], [0, 3.0]], "rectangular"),
        ([[1.0, 0], [0.5, math.sqrt(3) / 2]], "hexagonal"),
        ([[1.0, 0], [-0.5, math.sqrt(3) / 2]], "hexagonal"),
        ([[2.0, 0], [0.3, 1.1]], "oblique"),
        (np.eye(3) * 4.0, "cubic"),
        ([[0, 2.0, 2.0], [2.0, 0, 2.0], [2.0, 2.0, 0]], "fcc"),
        ([[-2.0, 2.0, 2.0], [2.0, -2.0, 2.0], [2.0, 2.0, -2.0]], "bcc"),
        ([[1.0, 0, 0], [-0.5, math.sqrt(3) / 2, 0], [0, 0, 1.6]], "hexagonal3d"),
        ([[1.0, 0, 0], [0.1, 1.3, 0], [0.2, 0.1, 1.6]], "triclinic"),
    ],
)
def test_lattice_kinds_and_default_paths(vectors, kind):
    dim = len(vectors)
    lat = si.Lattice(vectors, [si.Site("a", [0.0] * dim)])
    assert spc.lattice_kind(lat) == kind
    points, _ = spc.high_symmetry_points(lat)
    path = spc.kpath(lat, n=60)
    assert len(path) >= 2
    rec = lat.reciprocal
    if kind in ("hexagonal", "hexagonal3d"):
        # K is a zone corner: equidistant from Gamma and two neighbouring G vectors
        k = np.asarray(points["K"]) @ rec
        dists = sorted(np.linalg.norm(k - (np.array(m) @ rec)) for m in np.ndindex(*(3,) * dim))
        assert dists[0] == pytest.approx(np.linalg.norm(k), rel=1e-9)
    if kind in ("cubic", "fcc", "bcc"):
        # every labelled point lies in the first zone (no G brings it closer to Gamma)
        for f in points.values():
            k = np.asarray(f) @ rec
            folded = spc.to_first_zone(lat, k)
            assert np.linalg.norm(folded) == pytest.approx(np.linalg.norm(k), abs=1e-12)


def test_kmesh_monkhorst_pack(honeycomb):
    lat = honeycomb.lattice
    mp = spc.kmesh(lat, 4)
    assert mp.shape == (4, 4) and len(mp) == 16
    np.testing.assert_allclose(mp.k.sum(axis=0), 0.0, atol=1e-12)  # symmetric about Gamma
    assert not np.any(np.all(np.abs(mp.fractional) < 1e-12, axis=1))  # even MP avoids Gamma
    np.testing.assert_allclose(np.unique(mp.fractional[:, 0]), [-3 / 8, -1 / 8, 1 / 8, 3 / 8])
    assert mp.weights.sum() == pytest.approx(1.0)
    gc = spc.kmesh(lat, (3, 2), gamma_centered=True)
    assert np.any(np.all(np.abs(gc.fractional) < 1e-12, axis=1))
    assert len(gc) == 6
    folded = spc.kmesh(lat, 6, first_zone=True)
    corner = 4 * np.pi / (3 * HONEYCOMB["a"])
    assert np.linalg.norm(folded.k, axis=1).max() <= corner + 1e-12
    # folding moves by reciprocal-lattice vectors only
    shift = (folded.k - spc.kmesh(lat, 6).k) @ np.linalg.inv(lat.reciprocal)
    np.testing.assert_allclose(shift, np.round(shift), atol=1e-10)
    verts = folded.zone_boundary
    assert verts.shape == (6, 2)
    np.testing.assert_allclose(np.linalg.norm(verts, axis=1), corner, rtol=1e-12)
    with pytest.raises(ModelError):
        spc.kmesh(lat, (0, 2))


def test_spectrum_dataset_layout(bcc):
    path = spc.kpath(bcc.lattice, n=30)
    ds = spc.spectrum(bcc, path, temperature=500.0)
    assert ds.attrs["method"] == "hermitian"
    assert dict(ds.sizes) == {"k": len(path), "mode": 12, "direction": 3}
    assert ds.decay_rate.attrs["units"] == "1/s"
    assert ds.group_velocity.attrs["units"] == "angstrom/s"
    assert ds.attrs["tick_labels"].split(",")[0] == "Γ"
    np.testing.assert_allclose(ds.distance, path.distance)
    # modes sorted stable first
    assert np.all(np.diff(ds.modulus.values, axis=1) <= 1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spc.spectrum(bcc, path, temperature=500.0, field=[0.01, 0.0, 0.0])


def test_spectrum_bad_input(chain, bcc):
    with pytest.raises(ModelError, match="component"):
        spc.spectrum(bcc, np.zeros((3, 2)), temperature=500.0)
    with pytest.raises(ModelError, match="method"):
        spc.spectrum(chain, [0.0], method="magic")
    with pytest.raises(ModelError, match="two-site"):
        spc.spectrum(bcc, np.zeros((1, 3)), temperature=500.0, method="closed")
    with pytest.raises(ModelError, match="hermitian"):
        spc.spectrum(bcc, np.zeros((1, 3)), temperature=500.0, field=[0.1, 0, 0],
                     method="hermitian")
    with pytest.raises(ModelError, match="finite"):
        spc.spectrum(chain, [np.nan])


# ----------------------------------------------------------------------------- figures, report
def test_plot_functions_draw_the_data(chain, honeycomb, bcc):
    from superionic.plot import core as pc

    path_ds = spc.spectrum(chain, spc.kpath(chain.lattice, n=21), field=[0.2])
    ax = pc.plot_spectrum(path_ds, "frequency")
    modes = [line for line in ax.lines if str(line.get_label()).endswith("mode")
             or str(line.get_label()).startswith("mode")]
    assert len(modes) == path_ds.sizes["mode"]
    for m, line in enumerate(modes):
        np.testing.assert_array_equal(line.get_ydata(), path_ds.frequency.sel(mode=m).values)
    ax = pc.plot_eigenvalue_branch(path_ds)
    re_line, im_line, mod_line = ax.lines[:3]
    np.testing.assert_array_equal(re_line.get_ydata(), path_ds.eigenvalue_real.sel(mode=0))
    np.testing.assert_array_equal(im_line.get_ydata(), path_ds.eigenvalue_imag.sel(mode=0))
    np.testing.assert_array_equal(mod_line.get_ydata(), path_ds.modulus.sel(mode=0))
    mesh_ds = spc.spectrum(honeycomb, spc.kmesh(honeycomb.lattice, 6, first_zone=True))
    ax = pc.plot_zone_map(mesh_ds, log=True)
    assert ax.get_aspect() == 1.0
    rate = mesh_ds.decay_rate.sel(mode=0).values
    np.testing.assert_allclose(np.asarray(ax.collections[0].get_array()),
                               np.log10(np.clip(rate, np.finfo(float).tiny, None)))
    temps = np.linspace(450.0, 750.0, 4)
    cond = si.conductivity_vs_temperature(bcc, temps)
    fit = si.arrhenius_fit(temps, cond.sigma_iso.values)
    ax = pc.plot_conductivity(cond, fit=fit)
    np.testing.assert_allclose(ax.lines[0].get_xdata(), 1000.0 / temps)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.log(cond.sigma_iso.values * temps))
    with pytest.raises(ModelError):
        pc.plot_zone_map(path_ds)
    with pytest.raises(ModelError):
        pc.plot_spectrum(path_ds, "group_velocity")


def test_core_report_quick(tmp_path):
    import json

    from superionic.reports import core

    summary = core.build(tmp_path, quick=True)
    assert json.loads((tmp_path / "summary.json").read_text())["quick"] is True
    for name in ("fig3c.png", "fig3c.nc", "honeycomb_zone_map.png", "conductivity.png"):
        assert (tmp_path / name).is_file()
    assert summary["fig3c"]["in_domain"] is False
    assert summary["fig3c"]["eq33_max_abs_deviation"] < 1e-12
    cond = summary["conductivity"]
    assert cond["chain"]["ratio_full_to_eq38"] == pytest.approx(1.0, rel=1e-12)
    assert cond["honeycomb"]["ratio_full_to_eq63"] == pytest.approx(1.0, rel=1e-12)
    assert cond["bcc_tetrahedral"]["arrhenius"]["activation_energy"] == pytest.approx(0.1)
    assert summary["real_space"]["relaxation_max_rel_deviation_from_bloch"] < 1e-6
