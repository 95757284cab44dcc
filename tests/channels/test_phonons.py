"""Phonon data, phonopy I/O and the mode ranking of Sec. II.2 (superionic.phonons)."""

from __future__ import annotations

import numpy as np
import pytest

from superionic import channel_average as ca
from superionic import phonons as ph
from superionic.errors import ModelError
from superionic.models import interacting_chain


@pytest.fixture(scope="module")
def chain():
    return ph.diatomic_chain(nq=21)


# --------------------------------------------------------------------------- synthetic data
def test_diatomic_chain_closed_form(chain):
    """omega^2 = K (1/m + 1/M) +- K sqrt((1/m + 1/M)^2 - 4 sin^2(qa/2) / (m M))."""
    m, big, k, kt, a = 6.94, 126.9, 2.0, 0.6, 4.0
    qa = 2 * np.pi * chain.qpoints[:, 0]
    s = 1 / m + 1 / big
    expected = []
    for spring in (k, kt, kt):
        root = np.sqrt(s**2 - 4 * np.sin(qa / 2) ** 2 / (m * big))
        expected += [spring * (s - root), spring * (s + root)]
    expected = np.sort(np.sqrt(np.maximum(np.array(expected).T, 0)) * ph.EV_A2_AMU_TO_THZ,
                       axis=1)
    np.testing.assert_allclose(chain.frequencies, expected, rtol=1e-9, atol=1e-6)
    # the top optical frequency at Gamma: sqrt(2 K (1/m + 1/M)) / 2 pi
    assert chain.frequencies[0, -1] == pytest.approx(np.sqrt(2 * k * s) * ph.EV_A2_AMU_TO_THZ)
    # acoustic sound velocity a sqrt(K / (2 (m + M))) in Å/ps (THz Å), times cos(qa/2) near q=0
    v_sound = a * np.sqrt(k / (2 * (m + big))) * ph.EV_A2_AMU_TO_THZ * 2 * np.pi
    v1 = np.max(np.abs(chain.group_velocities[1, :, 0]))
    assert v1 == pytest.approx(v_sound * np.cos(qa[1] / 2), rel=1e-3)


def test_group_velocities_match_finite_differences(chain):
    fd = ph.PhononModes(
        chain.lattice, chain.positions, chain.masses, chain.symbols, chain.qpoints,
        chain.frequencies, distances=chain.distances, segments=chain.segments,
    ).band_group_velocities()
    inner = slice(2, -2)
    scale = np.abs(chain.group_velocities).max()
    np.testing.assert_allclose(fd[inner], chain.group_velocities[inner], atol=0.02 * scale)


# --------------------------------------------------------------------------- ranking
def test_ranking_criteria_on_the_chain(chain):
    r = ph.rank_modes(chain, "Li")
    assert r.sizes["mode"] == chain.nq * chain.nband
    assert np.all(np.diff(r.score.values) <= 0)
    np.testing.assert_array_equal(r["rank"].values, np.arange(1, r.sizes["mode"] + 1))
    # acoustic modes at Gamma: rigid translation, zero relative motion and score
    gamma = r.where((r.q_index == 0) & (r.frequency < 1e-6), drop=True)
    assert gamma.sizes["mode"] == 3
    np.testing.assert_allclose(gamma.relative_weight, 0.0, atol=1e-12)
    np.testing.assert_allclose(gamma.score, 0.0)
    # optical modes at Gamma: the light mobile ion against the rigid host, relative weight 1
    opt = r.where((r.q_index == 0) & (r.frequency > 1.0), drop=True)
    np.testing.assert_allclose(opt.relative_weight, 1.0, rtol=1e-12)
    # mobile-ion energy share of the Gamma optical mode: M / (m + M)
    np.testing.assert_allclose(opt.mobile_weight, 126.9 / (6.94 + 126.9), rtol=1e-12)
    # the winners are optical (flat, mobile-dominated) modes
    assert np.all(r.relative_weight.values[:6] > 0.9)
    assert np.all(r.dispersion_score.values[:6] > float(r.dispersion_score.median()))
    assert 0 < r.attrs["band_center"] < chain.frequencies.max()
    # all scores within [0, 1]
    for name in ("eigenvector_score", "frequency_score", "dispersion_score", "score"):
        assert np.all((r[name] >= 0) & (r[name] <= 1))


def test_ranking_subsets_and_options(chain):
    only_f = ph.rank_modes(chain, [0], criteria=["frequency"], center=5.0, width=1.0)
    best = only_f.frequency.values[0]
    assert abs(best - 5.0) == pytest.approx(np.min(np.abs(chain.frequencies - 5.0)), abs=1e-12)
    by_symbol = ph.rank_modes(chain, "Li")
    by_index = ph.rank_modes(chain, [0])
    np.testing.assert_allclose(by_symbol.score, by_index.score)
    with pytest.raises(ModelError, match="criteria"):
        ph.rank_modes(chain, "Li", criteria=["beauty"])
    with pytest.raises(ModelError, match="not found"):
        ph.rank_modes(chain, "Na")
    with pytest.raises(ModelError, match="no host"):
        ph.rank_modes(chain, ["Li", "I"])


def test_relative_weight_is_invariant_to_global_phase(chain):
    rotated = ph.PhononModes(
        chain.lattice, chain.positions, chain.masses, chain.symbols, chain.qpoints,
        chain.frequencies, eigenvectors=chain.eigenvectors * np.exp(0.7j),
        group_velocities=chain.group_velocities,
    )
    np.testing.assert_allclose(
        ph.rank_modes(rotated, "Li").relative_weight, ph.rank_modes(chain, "Li").relative_weight,
        atol=1e-14,
    )


def test_top_channels_feed_channel_average(chain):
    ranking = ph.rank_modes(chain, "Li")
    model = interacting_chain(0.4, 0.0, a=4.0, tau=1e-13)
    chans = ph.top_channels(ranking, ca.model_thresholds(model), count=2)
    assert len(chans) == 2
    assert chans[0].frequency == pytest.approx(ranking.frequency.values[0] * 1e12)
    tau = 3 / min(c.frequency for c in chans)
    full = ca.full_hopping_matrix(chans, tau, model=model, temperature=700.0)
    np.testing.assert_allclose(full.sum(axis=0), 1.0, atol=1e-12)


# --------------------------------------------------------------------------- YAML I/O
def test_yaml_round_trip_band(tmp_path, chain):
    path = tmp_path / "band.yaml"
    path.write_text(ph.to_phonopy_yaml(chain))
    back = ph.read_phonopy_yaml(path)
    np.testing.assert_allclose(back.frequencies, chain.frequencies, atol=1e-9)
    np.testing.assert_allclose(back.eigenvectors, chain.eigenvectors, atol=1e-13)
    np.testing.assert_allclose(back.group_velocities, chain.group_velocities, atol=1e-6)
    assert back.segments == chain.segments
    assert back.symbols == ("Li", "I")
    np.testing.assert_allclose(back.masses, chain.masses, rtol=1e-6)


def test_yaml_mesh_with_weights(tmp_path, chain):
    mesh = ph.PhononModes(
        chain.lattice, chain.positions, chain.masses, chain.symbols, chain.qpoints[:5],
        chain.frequencies[:5], eigenvectors=chain.eigenvectors[:5], weights=[1, 2, 2, 2, 1],
    )
    path = tmp_path / "mesh.yaml"
    path.write_text(ph.to_phonopy_yaml(mesh))
    back = ph.read_phonopy_yaml(path)
    np.testing.assert_allclose(back.weights, [1, 2, 2, 2, 1])
    assert back.group_velocities is None and back.segments is None
    with pytest.raises(ModelError, match="no group velocities"):
        ph.rank_modes(back, "Li")
    ranked = ph.rank_modes(back, "Li", criteria=("eigenvector", "frequency"))
    assert np.all(np.isnan(ranked.dispersion_score))


def _write(tmp_path, text, name="band.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        (lambda t: t.replace("phonon:", "phonons:"), "no 'phonon' entry"),
        (lambda t: t.replace("points:", "pts:"), "no 'points'"),
        (lambda t: t.replace("q-position", "q-pos", 1), "q-point 1 has no 'q-position'"),
        (lambda t: t.replace("    frequency:", "    freq:", 1), "band 1 has no 'frequency'"),
        (lambda t: t.replace("natom: 2", "natom: 3"), "natom = 3"),
        (lambda t: t.replace("nqpoint: 21", "nqpoint: 22"), "nqpoint = 22"),
        (lambda t: t + "  - [oops\n", "not valid YAML"),
        (lambda t: "just text\n", "mapping at the top level"),
    ],
)
def test_malformed_yaml_errors(tmp_path, chain, edit, pattern):
    path = _write(tmp_path, edit(ph.to_phonopy_yaml(chain)))
    with pytest.raises(ModelError, match=pattern):
        ph.read_phonopy_yaml(path)


def test_missing_bands_and_bad_eigenvectors(tmp_path, chain):
    text = ph.to_phonopy_yaml(chain)
    head, _, rest = text.partition("  - # 6\n")
    # drop band 6 of the first q-point
    nxt = rest.index("- q-position")
    broken = head + rest[nxt:]
    with pytest.raises(ModelError, match="lists 5 bands, expected 3 natom = 6"):
        ph.read_phonopy_yaml(_write(tmp_path, broken))
    bad = ph.to_phonopy_yaml(chain).replace("    - # atom 2\n", "    - # atom 2\n      - [ 0.1 ]\n",
                                            1)
    with pytest.raises(ModelError, match="malformed eigenvector"):
        ph.read_phonopy_yaml(_write(tmp_path, bad, "b2.yaml"))
    with pytest.raises(ModelError, match="does not exist"):
        ph.read_phonopy_yaml(tmp_path / "nothing.yaml")


def test_imaginary_modes_are_refused(tmp_path, chain):
    freq = chain.frequencies.copy()
    freq[3, 2] = -0.5
    with pytest.raises(ModelError, match=r"imaginary mode.*band 3 at q-point 4.*-0.5 THz"):
        ph.PhononModes(chain.lattice, chain.positions, chain.masses, chain.symbols,
                       chain.qpoints, freq)
    text = ph.to_phonopy_yaml(chain).replace(
        f"    frequency: {chain.frequencies[0, 0]:15.10f}", "    frequency:   -1.2000000000", 1
    )
    with pytest.raises(ModelError, match="imaginary"):
        ph.read_phonopy_yaml(_write(tmp_path, text))
    # tiny negative values at Gamma (numerical noise of acoustic modes) are set to zero
    freq = chain.frequencies.copy()
    freq[0, 0] = -1e-5
    ok = ph.PhononModes(chain.lattice, chain.positions, chain.masses, chain.symbols,
                        chain.qpoints, freq)
    assert ok.frequencies[0, 0] == 0.0


def test_phonon_modes_validation(chain):
    kw = {"lattice": chain.lattice, "positions": chain.positions, "masses": chain.masses,
          "symbols": chain.symbols, "qpoints": chain.qpoints, "frequencies": chain.frequencies}
    with pytest.raises(ModelError, match="masses"):
        ph.PhononModes(**{**kw, "masses": [1.0, -2.0]})
    with pytest.raises(ModelError, match="frequencies must have shape"):
        ph.PhononModes(**{**kw, "frequencies": chain.frequencies[:, :5]})
    with pytest.raises(ModelError, match="normalised"):
        ph.PhononModes(**kw, eigenvectors=2 * chain.eigenvectors)
    with pytest.raises(ModelError, match="frequencies"):
        ph.PhononModes(**{**kw, "frequencies": np.full_like(chain.frequencies, np.nan)})


# --------------------------------------------------------------------------- DOS files
def test_total_dos_file(tmp_path):
    nu = np.linspace(0.0, 10.0, 101)
    dos = nu**2 * np.exp(-nu / 3)
    path = tmp_path / "total_dos.dat"
    np.savetxt(path, np.column_stack([nu, dos]), header="Sigma = 0.1")
    tab = ph.read_total_dos(path)
    np.testing.assert_allclose(tab.energy, nu * ph.THZ_TO_EV)
    assert ph.THZ_TO_EV == pytest.approx(4.135667e-3, rel=1e-6)
    bad = dos.copy()
    bad[40] = -0.3
    np.savetxt(path, np.column_stack([nu, bad]))
    with pytest.raises(ModelError, match=r"must be >= 0.*-0.3"):
        ph.read_total_dos(path)
    bad[40] = np.inf
    np.savetxt(path, np.column_stack([nu, bad]))
    with pytest.raises(ModelError, match="not integrable"):
        ph.read_total_dos(path)
    path.write_text("1.0\n")
    with pytest.raises(ModelError, match="two columns"):
        ph.read_total_dos(path)


# --------------------------------------------------------------------------- phonopy (optional)
def test_load_phonopy_without_phonopy_is_clear(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "phonopy" or name.startswith("phonopy."):
            raise ImportError("No module named 'phonopy'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ModelError, match=r"optional dependency phonopy.*pip install"):
        ph.load_phonopy(tmp_path / "phonopy.yaml", mesh=[4, 4, 4])


def test_from_phonopy_reproduces_the_synthetic_chain():
    import phonopy
    from phonopy.structure.atoms import PhonopyAtoms

    a, kl, kt = 4.0, 2.0, 0.6
    unit = PhonopyAtoms(symbols=["Li", "I"], cell=np.diag([a, 10.0, 10.0]),
                        scaled_positions=[[0, 0, 0], [0.5, 0, 0]], masses=[6.94, 126.9])
    phonon = phonopy.Phonopy(unit, supercell_matrix=np.diag([4, 1, 1]), primitive_matrix="P")
    sc = phonon.supercell
    pos, cell = sc.positions, sc.cell
    n = len(pos)
    fc = np.zeros((n, n, 3, 3))
    spring = np.diag([kl, kt, kt])
    for i in range(n):
        for j in range(n):
            frac = (pos[j] - pos[i]) @ np.linalg.inv(cell)
            d = (frac - np.round(frac)) @ cell
            if i != j and abs(np.linalg.norm(d) - a / 2) < 1e-6:
                fc[i, j] = -spring
        fc[i, i] = -fc[i].sum(axis=0)
    phonon.force_constants = fc
    modes = ph.from_phonopy(phonon, band_paths=[[[0, 0, 0], [0.5, 0, 0]]], npoints=21)
    ref = ph.diatomic_chain(nq=21)
    np.testing.assert_allclose(modes.frequencies, ref.frequencies, atol=1e-5)
    np.testing.assert_allclose(modes.group_velocities, ref.group_velocities, atol=1e-4)
    np.testing.assert_allclose(
        ph.rank_modes(modes, "Li").relative_weight, ph.rank_modes(ref, "Li").relative_weight,
        atol=1e-9,
    )
