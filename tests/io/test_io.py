"""Model spec files (TOML) and Dataset files: validation messages, conversion, round trips."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import superionic as si
from superionic import io as sio
from superionic.units import KB_EV

SPECS = Path(__file__).resolve().parents[2] / "examples" / "specs"

CHAIN = """
vectors = [[4.0]]
tau = 1e-13
[[sites]]
name = "a"
position = [0.0]
[[sites]]
name = "b"
position = [0.5]
energy = 0.05
[[hops]]
source = "a"
target = "b"
saddle = 0.3
degeneracy = 2
[[hops]]
source = "a"
target = "b"
cell = [-1]
saddle = 0.3
degeneracy = 2
"""


def _problems(text: str) -> list[sio.SpecProblem]:
    with pytest.raises(sio.SpecError) as info:
        sio.parse_spec(text, source="test.toml")
    assert "test.toml" in str(info.value)
    return info.value.problems


def _one(text: str) -> tuple[sio.SpecProblem, str]:
    problems = _problems(text)
    assert len(problems) == 1, problems
    return problems[0], str(problems[0])


# --------------------------------------------------------------------------- example specs
@pytest.mark.parametrize("path", sorted(SPECS.glob("*.toml")), ids=lambda p: p.name)
def test_example_specs_load_and_round_trip(path):
    spec = sio.read_spec(path)
    model = sio.spec_to_model(spec)
    again = sio.spec_to_model(sio.parse_spec(sio.model_to_toml(model)))
    assert again == model


def test_chain_spec_matches_closed_form_diffusion():
    """The energies of chain.toml give P0, gamma of Eq. 23 and D = a^2 P0 (1 - gamma^2) / 8 tau."""
    model = sio.load_model(SPECS / "chain.toml")
    temperature = 700.0
    kt = KB_EV * temperature
    p_ab = math.exp(-0.35 / kt) / 2  # a -> b, each neighbour
    p_ba = math.exp(-(0.35 - 0.05) / kt) / 2
    p0, gamma = p_ab + p_ba, (p_ba - p_ab) / (p_ab + p_ba)
    expected = 4.0**2 * p0 * (1 - gamma**2) / (8 * 1e-13)
    got = si.diffusion_tensor(model, temperature=temperature)
    assert got.shape == (1, 1)
    assert got[0, 0] == pytest.approx(expected, rel=1e-10)


def test_bcc_spec_equals_canned_model():
    model = sio.load_model(SPECS / "bcc_agi.toml")
    canned = si.models.bcc_tetrahedral(barrier=0.10, a=5.07, tau=1e-13)
    assert model.lattice == canned.lattice
    assert set(model.hops) == set(canned.hops)
    assert len(model.hops) == 24
    assert model.filling == 2.0


def test_honeycomb_spec_has_eq57_displacements():
    model = sio.load_model(SPECS / "honeycomb.toml")
    table = model.hop_table(temperature=500.0)
    a = 3.5
    b_to_a = table.displacement[(table.source == 1) & (table.target == 0)]
    expected = a * np.array([[0.5, 0.5 / math.sqrt(3)], [-0.5, 0.5 / math.sqrt(3)],
                             [0.0, -1 / math.sqrt(3)]])
    order = np.lexsort(b_to_a.T)
    assert np.allclose(b_to_a[order], expected[np.lexsort(expected.T)], atol=1e-9)


def test_canned_spec_builds_the_canned_model():
    spec = sio.parse_spec('model = "honeycomb"\n[parameters]\nP0 = 0.3\ngamma = 0.2\na = 2.0\n')
    assert isinstance(spec, sio.CannedSpec)
    assert sio.spec_to_model(spec) == si.models.honeycomb(0.3, 0.2, a=2.0)


def test_interactions_and_shells_are_read():
    spec = sio.parse_spec(
        CHAIN.replace("tau = 1e-13", "tau = 1e-13\nfilling = 0.5")
        + "\n[interactions]\nK0 = 0.4\nM0 = 0.1\nexclusion = false\n"
    )
    model = sio.spec_to_model(spec)
    assert model.interactions == si.Interactions(repulsion=0.4, concerted=0.1, exclusion=False)
    assert model.filling == 0.5


# --------------------------------------------------------------------------- round trips
@st.composite
def random_models(draw):
    dim = draw(st.integers(1, 3))
    n = draw(st.integers(1, 4))
    vectors = np.eye(dim) * draw(st.floats(1.0, 6.0)) + np.triu(
        np.array(draw(st.lists(st.floats(-0.4, 0.4), min_size=dim * dim, max_size=dim * dim)))
        .reshape(dim, dim), 1
    )
    sites = []
    for i in range(n):  # distinct first coordinates: no two sites coincide
        frac = draw(st.lists(st.floats(0, 0.99), min_size=dim, max_size=dim))
        frac[0] = (i + 0.9 * frac[0]) / n
        sites.append(si.Site(f"s{i}", frac, energy=draw(st.floats(-0.1, 0.1))))
    hops, keys = [], set()
    for _ in range(draw(st.integers(1, 6))):
        s, t = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        cell = tuple(draw(st.lists(st.integers(-1, 1), min_size=dim, max_size=dim)))
        bond = draw(st.booleans())
        key, rev = (s, t, cell), (t, s, tuple(-c for c in cell))
        if (s == t and not any(cell)) or key in keys or (bond and rev in keys):
            continue
        keys.add(key)
        if bond:
            keys.add(rev)
            hops.append(si.Hop(f"s{s}", f"s{t}", cell, saddle=draw(st.floats(0.2, 0.6)),
                               degeneracy=draw(st.sampled_from([1.0, 2.0, 3.0]))))
        else:
            hops.append(si.Hop(f"s{s}", f"s{t}", cell, probability=draw(st.floats(0, 0.2))))
    if not hops:
        hops.append(si.Hop("s0", "s0", (1,) + (0,) * (dim - 1), probability=0.1))
    return si.HoppingModel(si.Lattice(vectors, sites), hops, tau=draw(st.floats(1e-14, 1.0)),
                           filling=draw(st.floats(0.1, float(n))))


@settings(max_examples=40, deadline=None)
@given(random_models())
def test_model_to_toml_round_trip(model):
    assert sio.spec_to_model(sio.parse_spec(sio.model_to_toml(model))) == model


def test_write_model_and_load(tmp_path):
    model = si.models.interacting_honeycomb(0.25, 0.5, M0=0.1, n0=1.0, a=3.5, tau=1e-13)
    kpath = {"points": {"G": [0, 0], "M": [0.5, 0]}, "path": ["G", "M"]}
    path = sio.write_model(model, tmp_path / "m.toml", name="hc", charge=1.0, cell_volume=70.0,
                           kpath=kpath)
    spec = sio.read_spec(path)
    assert sio.spec_to_model(spec) == model
    assert spec.name == "hc" and spec.cell_volume == 70.0
    assert spec.kpath.path == ["G", "M"]


# --------------------------------------------------------------------------- error messages
def test_malformed_toml_names_the_line():
    _, text = _one('vectors = [[4.0]]\ntau = 1e-13\nfilling = = 1\n')
    assert "malformed TOML" in text
    assert "line 3" in text
    assert "filling = = 1" in text


def test_unknown_site():
    problem, text = _one(CHAIN.replace('target = "b"\ncell = [-1]', 'target = "c"\ncell = [-1]'))
    assert problem.path == "hops[1].target"
    assert problem.value == "c"
    assert "unknown site" in text and "['a', 'b']" in text


def test_probability_above_one():
    bad = CHAIN.replace("saddle = 0.3\ndegeneracy = 2\n[[hops]]", "probability = 1.5\n[[hops]]", 1)
    problem, text = _one(bad)
    assert problem.path == "hops[0].probability"
    assert problem.value == 1.5
    assert "<= 1" in text and "[0, 1]" in text


@pytest.mark.parametrize("literal", ["nan", "inf", "-inf"])
def test_non_finite_numbers(literal):
    problem, text = _one(CHAIN.replace("energy = 0.05", f"energy = {literal}"))
    assert problem.path == "sites[1].energy"
    assert math.isnan(problem.value) if literal == "nan" else math.isinf(problem.value)
    assert "finite" in text and "nan" in text


def test_nan_tau_and_string_number():
    problems = _problems(CHAIN.replace("tau = 1e-13", 'tau = nan\nfilling = "1"'))
    paths = {p.path: p for p in problems}
    assert set(paths) == {"tau", "filling"}
    assert "finite" in str(paths["tau"]) and "time step in s" in str(paths["tau"])
    assert paths["filling"].value == "1" and "must be a number" in str(paths["filling"])


def test_unknown_key_lists_allowed_fields():
    problem, text = _one(CHAIN.replace('energy = 0.05', 'energy = 0.05\nenergie = 0.1'))
    assert problem.path == "sites[1].energie"
    assert "unknown field" in text and "name, position, energy" in text


def test_unknown_top_level_key():
    problem, text = _one("temperature = 300\n" + CHAIN)
    assert problem.path == "temperature" and "vectors" in text


def test_missing_sites():
    problem, text = _one("vectors = [[4.0]]\n")
    assert problem.path == "sites" and "required field is missing" in text


def test_hop_needs_exactly_one_of_saddle_or_probability():
    problems = _problems(CHAIN.replace("saddle = 0.3\n", "saddle = 0.3\nprobability = 0.1\n", 1)
                         .replace("cell = [-1]\nsaddle = 0.3\n", "cell = [-1]\n"))
    messages = {p.path: str(p) for p in problems}
    assert "got both" in messages["hops[0]"]
    assert "got neither" in messages["hops[1]"]


def test_wrong_dimensions():
    problems = _problems(
        CHAIN.replace("position = [0.5]", "position = [0.5, 0.0]").replace("cell = [-1]",
                                                                           "cell = [-1, 0]")
    )
    paths = {p.path for p in problems}
    assert paths == {"sites[1].position", "hops[1].cell"}
    assert all("must have 1" in str(p) for p in problems)


def test_non_square_and_degenerate_vectors():
    text = CHAIN.replace("vectors = [[4.0]]", "vectors = [[4.0, 0.0], [1.0]]")
    paths = {p.path for p in _problems(text)}
    assert "vectors[1]" in paths
    problem, message = _one(
        CHAIN.replace("vectors = [[4.0]]", "vectors = [[1.0, 1.0], [2.0, 2.0]]")
        .replace("[0.0]", "[0.0, 0.0]").replace("[0.5]", "[0.5, 0.0]")
        .replace("cell = [-1]", "cell = [-1, 0]")
    )
    assert problem.path == "vectors" and "linearly dependent" in message


def test_duplicate_site_and_duplicate_hop():
    text = CHAIN + '\n[[hops]]\nsource = "b"\ntarget = "a"\nprobability = 0.1\n'
    problem, message = _one(text)
    assert problem.path == "hops[2]" and "duplicates hops[0]" in message
    text = CHAIN.replace('name = "b"', 'name = "a"')
    problems = _problems(text)
    assert any(p.path == "sites[1].name" and "duplicate" in str(p) for p in problems)


def test_zero_length_hop():
    problem, message = _one(CHAIN + '\n[[hops]]\nsource = "a"\ntarget = "a"\nprobability = 0.1\n')
    assert problem.path == "hops[2].cell" and "zero-length" in message


def test_saddle_below_site_energy():
    problem, message = _one(CHAIN.replace("saddle = 0.3", "saddle = 0.01", 1))
    assert problem.path == "hops[0].saddle" and problem.value == 0.01
    assert "b: 0.05 eV" in message


def test_filling_negative_degeneracy_and_m0():
    problems = _problems(
        CHAIN.replace("tau = 1e-13", "tau = 1e-13\nfilling = 3.0").replace(
            "degeneracy = 2", "degeneracy = 0", 1
        )
    )
    paths = {p.path: str(p) for p in problems}
    assert "hops[0].degeneracy" in paths and "> 0" in paths["hops[0].degeneracy"]
    problems = _problems(CHAIN.replace("tau = 1e-13", "tau = 1e-13\nfilling = 3.0"))
    assert problems[0].path == "filling" and "<= the number of sites per cell (2)" in str(
        problems[0]
    )
    problem, message = _one(CHAIN + "\n[interactions]\nM0 = -0.1\n")
    assert problem.path == "interactions.M0" and ">= 0" in message


def test_no_hops():
    problem, message = _one(CHAIN.split("[[hops]]")[0])
    assert problem.path == "hops" and "at least one" in message


def test_canned_errors():
    problem, message = _one('model = "two_site_chain"\n[parameters]\nP0 = 1.5\ngamma = 0.2\n')
    assert problem.path == "parameters.P0" and problem.value == 1.5 and "<= 1" in message
    problems = _problems('model = "two_site_chain"\n[parameters]\nP0 = 0.5\nbeta = 0.2\n')
    paths = {p.path: str(p) for p in problems}
    assert "allowed: P0, gamma, a, tau" in paths["parameters.beta"]
    assert "missing" in paths["parameters.gamma"]
    problem, message = _one('model = "chain"\n')
    assert problem.path == "model" and "two_site_chain" in message
    problem, message = _one('model = "honeycomb"\nvectors = [[1.0]]\n[parameters]\nP0 = 0.1\n'
                            'gamma = 0.0\n')
    assert problem.path == "vectors" and "unknown field" in message


def test_kpath_errors():
    text = CHAIN + '\n[kpath]\npath = ["G", "Y"]\n[kpath.points]\nG = [0.0]\nX = [0.5, 0.0]\n'
    paths = {p.path: str(p) for p in _problems(text)}
    assert set(paths) == {"kpath.points.X", "kpath.path[1]"}
    assert "unknown point" in paths["kpath.path[1]"]


def test_several_problems_reported_at_once():
    text = CHAIN.replace('target = "b"\ncell = [-1]', 'target = "zz"\ncell = [-1]').replace(
        "energy = 0.05", "energy = 0.05\n"
    ).replace("tau = 1e-13", "tau = 1e-13\ncharge = 0.0")
    paths = {p.path for p in _problems(text)}
    assert {"hops[1].target", "charge"} <= paths


def test_spec_error_is_a_model_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("vectors = [[4.0]\n")
    with pytest.raises(si.ModelError, match=r"bad\.toml"):
        sio.load_model(path)
    assert issubclass(sio.SpecError, ValueError)


# --------------------------------------------------------------------------- datasets
def _dataset() -> xr.Dataset:
    k = np.linspace(-1, 1, 5)
    values = np.exp(1j * k)[:, None] * np.array([1.0, 0.5])
    return xr.Dataset(
        {
            "eigenvalue": (("k", "mode"), values, {"long_name": "p"}),
            "decay_rate": (("k", "mode"), 1 - np.abs(values), {"units": "1/s"}),
            "label": ("k", ["G", "", "", "", "X"]),
        },
        coords={
            "k": ("k", k, {"units": "1/angstrom"}),
            "mode": [0, 1],
            "phase": ("k", np.exp(2j * k)),
        },
        attrs={"coupling": "full", "in_domain": False, "field": [0.5], "meta": {"a": 1}},
    )


def test_netcdf_round_trip_with_complex(tmp_path):
    ds = _dataset()
    path = sio.write_netcdf(ds, tmp_path / "out.nc")
    back = sio.read_netcdf(path)
    assert np.iscomplexobj(back["eigenvalue"].values)
    np.testing.assert_array_equal(back["eigenvalue"].values, ds["eigenvalue"].values)
    np.testing.assert_array_equal(back["phase"].values, ds["phase"].values)
    assert "phase" in back.coords
    assert back["eigenvalue"].attrs == {"long_name": "p"}
    assert back["decay_rate"].attrs["units"] == "1/s"
    assert list(back["label"].values) == ["G", "", "", "", "X"]
    assert back.attrs["coupling"] == "full"
    assert back.attrs["in_domain"] == 0
    assert back.attrs["meta"] == {"a": 1}
    np.testing.assert_array_equal(back.attrs["field"], [0.5])
    # the file itself holds real arrays only (readable by any NetCDF tool)
    with xr.open_dataset(path, engine="h5netcdf") as raw:
        assert {"eigenvalue_real", "eigenvalue_imag"} <= set(raw.data_vars)
        assert not any(np.iscomplexobj(raw[v].values) for v in raw.variables)


def test_csv_columns_and_units(tmp_path):
    path = sio.write_csv(_dataset(), tmp_path / "out.csv")
    frame = pd.read_csv(path)
    assert {"k [1/angstrom]", "mode", "eigenvalue_real", "eigenvalue_imag",
            "decay_rate [1/s]"} <= set(frame.columns)
    assert len(frame) == 10
    row = frame[(frame["mode"] == 1)].iloc[0]
    assert row["eigenvalue_real"] == pytest.approx(0.5 * math.cos(-1.0))
    with pytest.raises(si.ModelError, match="not in the dataset"):
        sio.write_csv(_dataset(), tmp_path / "x.csv", variables=["nope"])


def test_csv_of_scalars(tmp_path):
    ds = xr.Dataset({"activation_energy": ((), 0.3, {"units": "eV"}), "r2": ((), 0.99)})
    frame = pd.read_csv(sio.write_csv(ds, tmp_path / "s.csv"))
    assert frame["activation_energy [eV]"].iloc[0] == pytest.approx(0.3)


def test_unknown_site_reported_together_with_type_errors():
    text = CHAIN.replace('target = "b"\ncell = [-1]', 'target = "c"\ncell = [-1]').replace(
        "energy = 0.05", "energy = nan"
    )
    paths = {p.path for p in _problems(text)}
    assert paths == {"sites[1].energy", "hops[1].target"}
    _, message = _one("vectors = [[4.0]\n")
    assert message.startswith("malformed TOML")
