"""Invariants of the Bloch and transport engines on random lattices (hypothesis).

Random models (``tests/strategies.py``): 1-3 dimensions, 1-6 sites per cell, connected networks
spanning every lattice direction; detailed-balance models declared by site and saddle energies and
driven models declared by independent directed probabilities. Checked: probability conservation
and |p| <= 1, non-negativity and drift of real-space evolution, Boltzmann stationary state and zero
drift at zero field, Nernst-Einstein in both couplings, Bloch drift = steady-state flux, batched =
looped, analytic derivatives = finite differences, invariance under origin shift, site relabelling
and supercell folding, the Hermitian and general eigen-solvers, biorthonormal eigenvectors.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

import strategies as S
import superionic as si
from superionic import Hop, HoppingModel, Lattice, Site, models
from superionic.kspace import bloch_from_table
from superionic.lattice import stationary_distribution

COUPLINGS = st.sampled_from(["symmetric", "full"])
FEW = settings(max_examples=30, deadline=None)
SOME = settings(max_examples=60, deadline=None)


# ----------------------------------------------------------------------------- helpers
def spectrum_distance(a, b) -> float:
    """Largest distance between optimally matched eigenvalues of each batch entry."""
    a = np.reshape(a, (-1, np.shape(a)[-1]))
    b = np.reshape(b, (-1, np.shape(b)[-1]))
    worst = 0.0
    for x, y in zip(a, b, strict=True):
        cost = np.abs(x[:, None] - y[None, :])
        r, c = linear_sum_assignment(cost)
        worst = max(worst, float(cost[r, c].max()))
    return worst


def transport_scale(case: S.Case) -> float:
    """Typical size of a drift (Å per time unit) in this model, for absolute tolerances."""
    table = case.model.hop_table(**case.kw)
    return float(np.max(table.probability) * np.max(np.linalg.norm(table.displacement, axis=1)))


def evolve(table, start: np.ndarray, steps: int):
    """Exact real-space evolution n(t + tau) = P n(t) (Eq. 8) on the infinite lattice.

    ``start`` is an occupation of the sites of cell 0. Returns, for each step, the entries
    (cells (m, dim), sites (m,), weights (m,)) of the occupied (cell, site) pairs.
    """
    dim = table.dim
    cells = np.zeros((table.n_sites, dim), dtype=np.int64)
    sites = np.arange(table.n_sites)
    weights = np.asarray(start, dtype=float).copy()
    stay = 1.0 - table.out_probability()
    history = []
    for _ in range(steps):
        parts_c, parts_s, parts_w = [cells], [sites], [weights * stay[sites]]
        for h in range(table.n_hops):
            mask = sites == table.source[h]
            parts_c.append(cells[mask] + table.cell[h])
            parts_s.append(np.full(int(mask.sum()), table.target[h]))
            parts_w.append(weights[mask] * table.probability[h])
        allc = np.concatenate(parts_c)
        alls = np.concatenate(parts_s)
        allw = np.concatenate(parts_w)
        keys, inverse = np.unique(np.column_stack([allc, alls]), axis=0, return_inverse=True)
        weights = np.bincount(inverse.ravel(), weights=allw, minlength=len(keys))
        cells, sites = keys[:, :dim], keys[:, dim]
        history.append((cells, sites, weights))
    return history


def mean_position(model: HoppingModel, cells, sites, weights) -> np.ndarray:
    lat = model.lattice
    pos = cells @ lat.matrix + lat.positions[sites]
    return weights @ pos


# ----------------------------------------------------------------------------- conservation
@SOME
@given(S.cases(), st.data())
def test_probability_conservation_and_bounded_spectrum(case, data):
    """Columns of P(k = 0) sum to 1; |p| <= 1 at every k; p = 1 at k = 0 (both couplings)."""
    f = data.draw(S.fields(case))
    coupling = data.draw(COUPLINGS)
    kw = dict(case.kw, field=f, coupling=coupling)
    table = case.model.hop_table(**kw)
    p0 = table.cell_matrix()
    np.testing.assert_allclose(p0.sum(axis=0), 1.0, atol=1e-13)
    assert np.all(p0 >= 0.0)
    pk0 = si.bloch_matrix(case.model, np.zeros(case.dim), **kw)
    np.testing.assert_allclose(pk0, p0, atol=1e-14)
    ks = data.draw(S.wavevectors(case, size=6))
    for p in (
        si.eigenvalues(case.model, ks, **kw),
        si.eigenmodes(case.model, ks, **kw).values,
    ):
        assert np.all(np.abs(p) <= 1.0 + 1e-12)
    stable = si.eigenvalues(case.model, np.zeros(case.dim), **kw)
    assert stable[0] == pytest.approx(1.0, abs=1e-10)
    if case.n_sites > 1:
        assert np.all(np.abs(stable[1:]) < 1.0 - 1e-9)


@SOME
@given(S.cases(), st.data())
def test_real_space_evolution_nonnegative_conserving_and_drifting(case, data):
    """Real space (Eq. 8): P >= 0 entrywise, total occupation conserved, and starting from the
    stationary occupations the mean position advances by exactly v tau per step, with v the
    steady-state flux and the stable-mode group velocity (Eq. 20)."""
    f = data.draw(S.fields(case))
    coupling = data.draw(COUPLINGS)
    kw = dict(case.kw, field=f, coupling=coupling)
    table = case.model.hop_table(**kw)
    assert np.all(table.probability >= 0)
    assert np.all(1.0 - table.out_probability() >= 0)
    pi = stationary_distribution(table)
    steps = 3
    history = evolve(table, pi, steps)
    origin = pi @ case.model.lattice.positions
    for n, (cells, sites, w) in enumerate(history, start=1):
        assert np.all(w >= 0)
        assert w.sum() == pytest.approx(1.0, abs=1e-13)
        measured = (mean_position(case.model, cells, sites, w) - origin) / (n * case.model.tau)
        drift = si.drift_velocity(case.model, **kw)
        np.testing.assert_allclose(measured, drift, atol=1e-12 * transport_scale(case) + 1e-15)
    vg = si.group_velocities(case.model, np.zeros(case.dim), **kw)[0]
    np.testing.assert_allclose(vg, drift, rtol=1e-8, atol=1e-10 * transport_scale(case))


# ----------------------------------------------------------------------------- equilibrium
@SOME
@given(S.balanced_cases())
def test_boltzmann_stationary_state_and_zero_drift(case):
    """Energy-declared models: pi ~ exp(-E / kB T), detailed balance, no drift at zero field."""
    model = case.model
    boltz = case.boltzmann()
    np.testing.assert_allclose(model.stationary(**case.kw), boltz, rtol=1e-9, atol=1e-14)
    assert model.detailed_balance(**case.kw)
    scale = transport_scale(case)
    np.testing.assert_allclose(
        si.drift_velocity(model, field=np.zeros(case.dim), **case.kw), 0.0, atol=1e-13 * scale
    )
    modes = si.eigenmodes(model, np.zeros(case.dim), **case.kw)
    right = modes.right[:, 0] / modes.right[:, 0].sum()
    np.testing.assert_allclose(right, boltz, rtol=1e-8, atol=1e-13)
    np.testing.assert_allclose(modes.left[0] / modes.left[0, 0], 1.0, atol=1e-8)
    vg = si.group_velocities(model, np.zeros(case.dim), **case.kw)[0]
    np.testing.assert_allclose(vg, 0.0, atol=1e-10 * scale)


@SOME
@given(S.balanced_cases())
def test_nernst_einstein(case):
    """Detailed balance: mobility(symmetric) = D (reduced units) and mobility(full) = 2 D."""
    d = si.diffusion_tensor(case.model, **case.kw)
    scale = np.max(np.abs(d))
    assert np.all(np.linalg.eigvalsh(d) > 0)
    sym = si.mobility_tensor(case.model, **case.kw)
    full = si.mobility_tensor(case.model, coupling="full", **case.kw)
    np.testing.assert_allclose(sym, d, rtol=1e-8, atol=1e-10 * scale)
    np.testing.assert_allclose(full, 2 * d, rtol=1e-8, atol=1e-10 * scale)


@FEW
@given(S.driven_cases())
def test_driven_models_break_nernst_einstein_only_through_detailed_balance(case):
    """Without detailed balance the engines still run; D is symmetric positive definite."""
    d = si.diffusion_tensor(case.model)
    np.testing.assert_allclose(d, d.T, atol=1e-14 * np.max(np.abs(d)))
    assert np.all(np.linalg.eigvalsh(d) > 0)
    if case.model.detailed_balance():
        np.testing.assert_allclose(
            si.mobility_tensor(case.model), d, rtol=1e-8, atol=1e-10 * np.max(np.abs(d))
        )


# ----------------------------------------------------------------------------- Bloch = flux
@SOME
@given(S.cases(), st.data())
def test_bloch_drift_equals_steady_state_flux(case, data):
    """Group velocity of the stable k = 0 mode = steady-state flux, at random finite fields."""
    f = data.draw(S.fields(case, allow_zero=False))
    coupling = data.draw(COUPLINGS)
    kw = dict(case.kw, field=f, coupling=coupling)
    vg = si.group_velocities(case.model, np.zeros(case.dim), **kw)
    assert vg.shape == (case.n_sites, case.dim)
    v = si.drift_velocity(case.model, **kw)
    assert v.shape == (case.dim,)
    np.testing.assert_allclose(vg[0], v, rtol=1e-8, atol=1e-10 * transport_scale(case))


# ----------------------------------------------------------------------------- batched
@SOME
@given(S.cases(), st.data())
def test_batched_equals_looped(case, data):
    """bloch_matrix / eigenvalues / group_velocities over a (2, 3) batch of k equal one-by-one
    calls; drift_velocity over a batch of fields equals the loop."""
    f = data.draw(S.fields(case))
    coupling = data.draw(COUPLINGS)
    kw = dict(case.kw, field=f, coupling=coupling)
    ks = data.draw(S.wavevectors(case, size=6)).reshape(2, 3, case.dim)
    batch = si.bloch_matrix(case.model, ks, **kw)
    assert batch.shape == (2, 3, case.n_sites, case.n_sites)
    vals = si.eigenvalues(case.model, ks, **kw)
    for i, j in itertools.product(range(2), range(3)):
        one = si.bloch_matrix(case.model, ks[i, j], **kw)
        np.testing.assert_allclose(batch[i, j], one, atol=1e-14)
        assert spectrum_distance(vals[i, j], si.eigenvalues(case.model, ks[i, j], **kw)) < 1e-10
    fs = np.stack([data.draw(S.fields(case)) for _ in range(4)]).reshape(2, 2, case.dim)
    vb = si.drift_velocity(case.model, field=fs, coupling=coupling, **case.kw)
    assert vb.shape == (2, 2, case.dim)
    for i, j in itertools.product(range(2), range(2)):
        v1 = si.drift_velocity(case.model, field=fs[i, j], coupling=coupling, **case.kw)
        np.testing.assert_allclose(vb[i, j], v1, rtol=1e-12, atol=1e-15)


@FEW
@given(S.balanced_cases())
def test_base_probability_broadcasts_over_temperatures(case):
    temps = case.temperature * np.array([[0.8, 1.0], [1.3, 2.0]])
    batch = case.model.base_probability(temps)
    assert batch.shape == (2, 2, len(case.model.hop_table(**case.kw).probability))
    for i, j in itertools.product(range(2), range(2)):
        np.testing.assert_allclose(
            batch[i, j], case.model.base_probability(temps[i, j]), rtol=1e-14
        )


# ----------------------------------------------------------------------------- derivatives
@SOME
@given(S.cases(), st.data())
def test_bloch_derivative_equals_finite_differences(case, data):
    """dP/dk (analytic, Eq. 12 differentiated) = central differences; the same for d2P/dk2."""
    f = data.draw(S.fields(case))
    coupling = data.draw(COUPLINGS)
    kw = dict(case.kw, field=f, coupling=coupling)
    k = data.draw(S.wavevectors(case))
    dmax = case.max_hop_length
    h = 1e-5 / dmax
    analytic = si.bloch_derivative(case.model, k, **kw)
    assert analytic.shape == (case.dim, case.n_sites, case.n_sites)
    table = case.model.hop_table(**kw)
    second = bloch_from_table(table, k, derivative=2)
    for mu in range(case.dim):
        e = np.zeros(case.dim)
        e[mu] = h
        fd = si.bloch_matrix(case.model, k + e, **kw) - si.bloch_matrix(case.model, k - e, **kw)
        np.testing.assert_allclose(analytic[mu], fd / (2 * h), atol=1e-7 * dmax)
        fd2 = bloch_from_table(table, k + e, derivative=1) - bloch_from_table(
            table, k - e, derivative=1
        )
        np.testing.assert_allclose(second[mu], fd2 / (2 * h), atol=1e-7 * dmax**2)


def _log_stable(model, k, kw):
    return np.log(si.eigenvalues(model, k, **kw)[..., 0])


@SOME
@given(S.cases())
def test_diffusion_equals_curvature_of_log_p(case):
    """D = -(1/2 tau) Re d^2 ln p_stable / dk^2 at k = 0 (finite differences of eigenvalues)."""
    model, kw = case.model, case.kw
    h = 1e-3 / case.max_hop_length
    eye = np.eye(case.dim) * h
    fd = np.empty((case.dim, case.dim))
    for mu, nu in itertools.product(range(case.dim), repeat=2):
        pts = np.array(
            [eye[mu] + eye[nu], eye[mu] - eye[nu], -eye[mu] + eye[nu], -eye[mu] - eye[nu]]
        )
        lp = _log_stable(model, pts, kw)
        fd[mu, nu] = ((lp[0] - lp[1] - lp[2] + lp[3]) / (4 * h * h)).real
    expected = -fd / (2 * model.tau)
    d = si.diffusion_tensor(model, **kw)
    np.testing.assert_allclose(d, expected, rtol=1e-4, atol=1e-5 * np.max(np.abs(d)))


@SOME
@given(S.cases(), st.data())
def test_mobility_equals_field_derivative_of_drift(case, data):
    """mobility_tensor(field=f) = d v / d f by central differences of the exact drift."""
    coupling = data.draw(COUPLINGS)
    f = 0.5 * data.draw(S.fields(case))
    h = 1e-4 * case.max_field
    mob = si.mobility_tensor(case.model, coupling=coupling, field=f, **case.kw)
    fd = np.empty((case.dim, case.dim))
    for nu in range(case.dim):
        e = np.zeros(case.dim)
        e[nu] = h
        fd[:, nu] = (
            si.drift_velocity(case.model, field=f + e, coupling=coupling, **case.kw)
            - si.drift_velocity(case.model, field=f - e, coupling=coupling, **case.kw)
        ) / (2 * h)
    np.testing.assert_allclose(mob, fd, rtol=1e-6, atol=1e-8 * np.max(np.abs(mob)))
    zero = si.mobility_tensor(case.model, coupling=coupling, **case.kw)
    np.testing.assert_allclose(
        zero,
        si.mobility_tensor(case.model, coupling=coupling, field=np.zeros(case.dim), **case.kw),
        rtol=1e-12,
        atol=1e-15,
    )


# ----------------------------------------------------------------------------- symmetries
def _rebuild(model: HoppingModel, sites, cell_shift=None, hop_order=None) -> HoppingModel:
    """The same model with new sites; hop cells corrected by integer site shifts if given."""
    shift = cell_shift or {}
    hops = []
    for hop in model.hops if hop_order is None else [model.hops[i] for i in hop_order]:
        c = np.asarray(hop.cell if hop.cell else (0,) * model.dim)
        c = c + shift.get(hop.target, 0) - shift.get(hop.source, 0)
        hops.append(
            Hop(
                hop.source,
                hop.target,
                tuple(int(x) for x in c),
                saddle=hop.saddle,
                probability=hop.probability,
                degeneracy=hop.degeneracy,
            )
        )
    lattice = Lattice(model.lattice.matrix, sites)
    return HoppingModel(lattice, hops, tau=model.tau, filling=model.filling)


def _same_transport(a: S.Case, b_model: HoppingModel, f, coupling) -> None:
    kw = a.kw
    scale = transport_scale(a)
    np.testing.assert_allclose(
        si.drift_velocity(b_model, field=f, coupling=coupling, **kw),
        si.drift_velocity(a.model, field=f, coupling=coupling, **kw),
        rtol=1e-9,
        atol=1e-12 * scale,
    )
    d = si.diffusion_tensor(a.model, **kw)
    np.testing.assert_allclose(
        si.diffusion_tensor(b_model, **kw), d, rtol=1e-8, atol=1e-10 * np.max(np.abs(d))
    )
    m = si.mobility_tensor(a.model, coupling=coupling, **kw)
    np.testing.assert_allclose(
        si.mobility_tensor(b_model, coupling=coupling, **kw),
        m,
        rtol=1e-8,
        atol=1e-10 * np.max(np.abs(m)),
    )


@SOME
@given(S.cases(), st.data())
def test_origin_shift_invariance(case, data):
    """Shifting every fractional position by the same vector (then wrapping into [0, 1) with the
    hop cells corrected) leaves P(k), its spectrum and all transport unchanged."""
    delta = np.asarray(
        data.draw(st.lists(st.floats(-1.5, 1.5), min_size=case.dim, max_size=case.dim))
    )
    wrap = data.draw(st.booleans())
    sites, shift = [], {}
    for s in case.model.lattice.sites:
        pos = np.asarray(s.position) + delta
        n = np.floor(pos).astype(int) if wrap else np.zeros(case.dim, dtype=int)
        shift[s.name] = n
        sites.append(Site(s.name, pos - n, energy=s.energy))
    shifted = _rebuild(case.model, sites, shift)
    f = data.draw(S.fields(case))
    coupling = data.draw(COUPLINGS)
    kw = dict(case.kw, field=f, coupling=coupling)
    ks = data.draw(S.wavevectors(case, size=4))
    np.testing.assert_allclose(
        si.bloch_matrix(shifted, ks, **kw), si.bloch_matrix(case.model, ks, **kw), atol=1e-12
    )
    _same_transport(case, shifted, f, coupling)


@SOME
@given(S.cases(), st.data())
def test_site_relabelling_invariance(case, data):
    """Permuting the site order (and the hop order) permutes P(k) and pi; spectra and transport
    are unchanged."""
    perm = data.draw(S.permutations(case.n_sites))
    hop_order = data.draw(S.permutations(len(case.model.hops)))
    sites = [case.model.lattice.sites[i] for i in perm]
    relabelled = _rebuild(case.model, sites, hop_order=hop_order)
    f = data.draw(S.fields(case))
    coupling = data.draw(COUPLINGS)
    kw = dict(case.kw, field=f, coupling=coupling)
    ks = data.draw(S.wavevectors(case, size=4))
    p_old = si.bloch_matrix(case.model, ks, **kw)
    p_new = si.bloch_matrix(relabelled, ks, **kw)
    idx = np.asarray(perm)
    np.testing.assert_allclose(p_new, p_old[..., idx[:, None], idx[None, :]], atol=1e-14)
    assert (
        spectrum_distance(
            si.eigenvalues(relabelled, ks, **kw), si.eigenvalues(case.model, ks, **kw)
        )
        < 1e-9
    )
    np.testing.assert_allclose(
        relabelled.stationary(**kw), case.model.stationary(**kw)[idx], rtol=1e-10, atol=1e-14
    )
    _same_transport(case, relabelled, f, coupling)


@FEW
@given(S.cases(max_sites=4), st.data())
def test_supercell_folding(case, data):
    """models.supercell: per-ion drift, D and mobility unchanged; the supercell's eigenvalues at k
    are the primitive eigenvalues at the folded wave vectors k + G_super."""
    reps = tuple(data.draw(st.lists(st.integers(1, 2), min_size=case.dim, max_size=case.dim)))
    if case.n_sites * int(np.prod(reps)) > 16:
        reps = (2,) + (1,) * (case.dim - 1)
    big = models.supercell(case.model, reps)
    assert big.n_sites == case.n_sites * int(np.prod(reps))
    big.check_connected()
    f = data.draw(S.fields(case))
    coupling = data.draw(COUPLINGS)
    _same_transport(case, big, f, coupling)
    kw = dict(case.kw, field=f, coupling=coupling)
    k = data.draw(S.wavevectors(case))
    big_vals = si.eigenvalues(big, k, **kw)
    b_super = big.lattice.reciprocal
    folded = np.array(
        [k + np.asarray(m) @ b_super for m in itertools.product(*[range(r) for r in reps])]
    )
    prim_vals = si.eigenvalues(case.model, folded, **kw).ravel()
    assert spectrum_distance(big_vals, prim_vals) < 1e-8


# ----------------------------------------------------------------------------- eigen-solvers
@SOME
@given(S.balanced_cases(), st.data())
def test_hermitian_path_equals_general_path(case, data):
    """At zero field the Hermitian similarity (eigh) and the general solver (eig) agree."""
    ks = data.draw(S.wavevectors(case, size=3))
    herm = si.eigenmodes(case.model, ks, method="hermitian", **case.kw)
    gen = si.eigenmodes(case.model, ks, method="general", **case.kw)
    auto = si.eigenmodes(case.model, ks, **case.kw)
    assert spectrum_distance(herm.values, gen.values) < 1e-10
    np.testing.assert_allclose(auto.values, herm.values, atol=1e-13)
    assert spectrum_distance(si.eigenvalues(case.model, ks, **case.kw), gen.values) < 1e-10
    np.testing.assert_allclose(herm.values.imag, 0.0, atol=1e-14)
    pk = si.bloch_matrix(case.model, ks, **case.kw)
    for modes in (herm, gen):
        _check_eigensystem(pk, modes)
    # stable mode first in both
    np.testing.assert_allclose(np.abs(herm.values[..., 0]), np.abs(gen.values[..., 0]), atol=1e-10)


def _check_eigensystem(pk, modes):
    n = pk.shape[-1]
    right, left, vals = modes.right, modes.left, modes.values
    np.testing.assert_allclose(left @ right, np.broadcast_to(np.eye(n), right.shape), atol=1e-8)
    np.testing.assert_allclose(pk @ right, right * vals[..., None, :], atol=1e-10)
    np.testing.assert_allclose(left @ pk, vals[..., :, None] * left, atol=1e-8)
    mags = np.abs(vals)
    assert np.all(np.diff(mags, axis=-1) <= 1e-12)  # sorted by decreasing |p|


@SOME
@given(S.cases(), st.data())
def test_left_right_eigenvectors_biorthonormal(case, data):
    """left @ right = I, P right = right diag(p), left P = diag(p) left, at random fields."""
    f = data.draw(S.fields(case))
    coupling = data.draw(COUPLINGS)
    kw = dict(case.kw, field=f, coupling=coupling)
    ks = data.draw(S.wavevectors(case, size=3))
    modes = si.eigenmodes(case.model, ks, **kw)
    _check_eigensystem(si.bloch_matrix(case.model, ks, **kw), modes)
    np.testing.assert_allclose(
        modes.decay_rate, (1 - np.abs(modes.values)) / case.model.tau, atol=1e-12 / case.model.tau
    )
    np.testing.assert_allclose(modes.frequency, np.angle(modes.values) / case.model.tau)


def _ring3(p=0.45) -> HoppingModel:
    lat = Lattice([[3.0]], [Site("a", [0.0]), Site("b", [1 / 3]), Site("c", [2 / 3])])
    hops = []
    for s, t, c in [("a", "b", 0), ("b", "c", 0), ("c", "a", 1)]:
        hops.append(Hop(s, t, c, probability=p))
        hops.append(Hop(t, s, -c, probability=p))
    return HoppingModel(lat, hops)


def test_eigenvalues_and_eigenmodes_use_the_same_order():
    """Both sort by decreasing |p| (stable mode first), also on eigenvalues()' Hermitian path:
    with out-probabilities 0.9 (inside the domain) P(k) has negative eigenvalues of large
    modulus, where sorting by the real part would differ."""
    model = _ring3()
    ks = np.linspace(0.0, np.pi / 3, 7)
    np.testing.assert_allclose(
        si.eigenvalues(model, ks), si.eigenmodes(model, ks).values, atol=1e-12
    )


def test_eigenvalues_order_with_negative_modes_general_path():
    """Sanity of the same model on the general path: sorted by |p|, stable (= 1 at k = 0) first."""
    model = _ring3()
    vals = si.eigenmodes(model, np.linspace(0.0, np.pi / 3, 7), method="general").values
    assert np.all(np.diff(np.abs(vals), axis=-1) <= 1e-12)
    assert vals[0, 0] == pytest.approx(1.0)


@SOME
@given(S.cases(), st.data())
def test_group_velocities_equal_finite_differences_of_frequency(case, data):
    """d omega / dk of every mode (Hellmann-Feynman with left/right eigenvectors) = central
    differences of arg p / tau, at random k and field, for well-separated eigenvalues."""
    f = data.draw(S.fields(case))
    coupling = data.draw(COUPLINGS)
    kw = dict(case.kw, field=f, coupling=coupling)
    k = data.draw(S.wavevectors(case))
    p = si.eigenvalues(case.model, k, **kw)
    gaps = np.abs(p[:, None] - p[None, :]) + np.eye(case.n_sites)
    assume(gaps.min() > 1e-3 and np.abs(p).min() > 1e-3)
    vg = si.group_velocities(case.model, k, **kw)
    assert vg.shape == (case.n_sites, case.dim)
    h = 1e-6 / case.max_hop_length
    for mu in range(case.dim):
        e = np.zeros(case.dim)
        e[mu] = h
        plus = si.eigenvalues(case.model, k + e, **kw)
        minus = si.eigenvalues(case.model, k - e, **kw)
        for nu in range(case.n_sites):
            pp = plus[np.argmin(np.abs(plus - p[nu]))]
            pm = minus[np.argmin(np.abs(minus - p[nu]))]
            fd = np.angle(pp / pm) / (2 * h * case.model.tau)
            scale = case.max_hop_length / case.model.tau
            assert vg[nu, mu] == pytest.approx(fd, rel=1e-5, abs=1e-6 * scale)


@pytest.mark.parametrize("where", ["field", "driven"])
def test_forced_hermitian_method_is_refused_where_invalid(where):
    """method='hermitian' must raise ModelError unless the model has detailed balance and there
    is no field; it must never return the eigenvalues of a different matrix."""
    if where == "field":
        model, kw = models.two_site_chain(0.4, 0.3), {"field": 0.5, "coupling": "full"}
    else:
        lat = Lattice([[3.0]], [Site("a", [0.0]), Site("b", [1 / 3]), Site("c", [2 / 3])])
        hops = [
            Hop("a", "b", 0, probability=0.3),
            Hop("b", "c", 0, probability=0.2),
            Hop("c", "a", 1, probability=0.25),
            Hop("b", "a", 0, probability=0.05),
            Hop("c", "b", 0, probability=0.1),
            Hop("a", "c", -1, probability=0.1),
        ]
        model, kw = HoppingModel(lat, hops), {}
        assert not model.detailed_balance()
    general = si.eigenmodes(model, 0.7, method="general", **kw).values
    try:
        forced = si.eigenmodes(model, 0.7, method="hermitian", **kw).values
    except si.ModelError:
        return
    assert spectrum_distance(forced, general) < 1e-10


# ----------------------------------------------------------------------------- small probabilities
def _rescaled(case: S.Case, lam: float) -> HoppingModel:
    """The same network with every directed probability multiplied by ``lam`` (explicit hops)."""
    model = case.model
    table = model.hop_table(**case.kw)
    names = model.lattice.site_names
    hops = [
        Hop(names[s], names[t], tuple(int(x) for x in c), probability=float(p * lam))
        for s, t, c, p in zip(
            table.source, table.target, table.cell, table.probability, strict=True
        )
    ]
    return HoppingModel(model.lattice, hops, tau=model.tau)


@FEW
@given(S.cases(), st.data())
def test_rescaling_all_probabilities_rescales_transport_mildly(case, data):
    """lam P: the stationary state is unchanged; drift and mobility scale by lam exactly, and so
    does D at zero field for detailed-balance models. Moderate lam (1e-3): within 1e-9."""
    _check_rescaling(case, data, 1e-3, 1e-9)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # hypothesis' failure-patch writer
@settings(max_examples=30, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(S.cases(), st.data())
def test_rescaling_all_probabilities_rescales_transport_small(case, data):
    """The same with lam = 1e-12 (low temperature): the results must still be accurate."""
    _check_rescaling(case, data, 1e-12, 1e-8)


def _check_rescaling(case, data, lam, rtol):
    small = _rescaled(case, lam)
    f = data.draw(S.fields(case))
    coupling = data.draw(COUPLINGS)
    np.testing.assert_allclose(
        small.stationary(), case.model.stationary(**case.kw), rtol=rtol, atol=1e-14
    )
    scale = transport_scale(case)
    v0 = si.drift_velocity(case.model, field=f, coupling=coupling, **case.kw)
    v1 = si.drift_velocity(small, field=f, coupling=coupling) / lam
    np.testing.assert_allclose(v1, v0, rtol=rtol, atol=rtol * scale)
    m0 = si.mobility_tensor(case.model, coupling=coupling, **case.kw)
    m1 = si.mobility_tensor(small, coupling=coupling) / lam
    np.testing.assert_allclose(m1, m0, rtol=rtol, atol=rtol * np.max(np.abs(m0)))
    if case.balanced:
        d0 = si.diffusion_tensor(case.model, **case.kw)
        d1 = si.diffusion_tensor(small) / lam
        np.testing.assert_allclose(d1, d0, rtol=rtol, atol=rtol * np.max(np.abs(d0)))


def _driven_ring(lam: float) -> HoppingModel:
    lat = Lattice([[3.0]], [Site("a", [0.0]), Site("b", [1 / 3]), Site("c", [2 / 3])])
    spec = [("a", "b", 0, 0.3), ("b", "c", 0, 0.2), ("c", "a", 1, 0.25),
            ("b", "a", 0, 0.05), ("c", "b", 0, 0.1), ("a", "c", -1, 0.1)]  # fmt: skip
    return HoppingModel(lat, [Hop(s, t, c, probability=p * lam) for s, t, c, p in spec])


@pytest.mark.parametrize(
    "lam",
    [
        1.0,
        1e-14,
    ],
)
def test_detailed_balance_check_is_scale_invariant(lam):
    """A driven ring (net circulation: drift at zero field) never satisfies detailed balance."""
    model = _driven_ring(lam)
    assert abs(si.drift_velocity(model, field=0.0)[0]) > 0.1 * lam
    assert not model.detailed_balance()
    vals = si.eigenmodes(model, 0.7).values
    assert spectrum_distance(vals, si.eigenmodes(model, 0.7, method="general").values) < 1e-15
