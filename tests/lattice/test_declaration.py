"""Bad input: every invalid declaration or argument raises ModelError naming the field and value.

Covers probabilities outside [0, 1], out-probabilities above one (a step tau too long for the rates
at that temperature or field), unknown site names, zero-length and duplicate hops, disconnected and
non-spanning networks, non-finite numbers in every field, wrong dimensions, and a missing or
non-positive temperature. Nothing returns NaN silently.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import strategies as S
import superionic as si
from superionic import Hop, HoppingModel, Interactions, Lattice, Site, models
from superionic.errors import DisconnectedNetworkError, DomainWarning, ModelError
from superionic.transport import mobility_to_conductivity


# ----------------------------------------------------------------------------- small models
def chain_lattice(a=2.0, energies=(0.0, 0.0)):
    return Lattice([[a]], [Site("a", [0.0], energies[0]), Site("b", [0.5], energies[1])])


def square_lattice():
    return Lattice(np.eye(2) * 3.0, [Site("A", [0.0, 0.0]), Site("B", [0.5, 0.5], energy=0.05)])


def square_model(tau=1.0):
    """Energy-declared 2D model (needs a temperature)."""
    hops = [Hop("A", "B", c, saddle=0.3) for c in [(0, 0), (-1, 0), (0, -1), (-1, -1)]]
    return HoppingModel(square_lattice(), hops, tau=tau)


def prob_chain(p=0.2):
    hops = [
        Hop("a", "b", 0, probability=p),
        Hop("b", "a", 0, probability=p),
        Hop("b", "a", 1, probability=p),
        Hop("a", "b", -1, probability=p),
    ]
    return HoppingModel(chain_lattice(), hops)


def raises(match: str):
    return pytest.raises(ModelError, match=match)


# ----------------------------------------------------------------------------- probabilities
@pytest.mark.parametrize("p", [1.5, -0.1, 1.0000001])
def test_probability_outside_unit_interval(p):
    with raises(rf"probability.*{re.escape(repr(p))}"):
        Hop("a", "b", 0, probability=p)


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_probability_bounds_are_inclusive(p):
    assert Hop("a", "b", 0, probability=p).probability == p


def test_saddle_xor_probability():
    with raises(r"exactly one of saddle.*probability"):
        Hop("a", "b", 0)
    with raises(r"exactly one of saddle.*saddle=0\.3, probability=0\.1"):
        Hop("a", "b", 0, saddle=0.3, probability=0.1)


@pytest.mark.parametrize("lam", [0.0, -2.0])
def test_degeneracy_must_be_positive(lam):
    with raises(rf"degeneracy.*{re.escape(repr(float(lam)))}"):
        Hop("a", "b", 0, probability=0.1, degeneracy=lam)


def test_effective_probability_above_one():
    """A degeneracy below one, or a saddle below the origin site's energy, gives P > 1."""
    m = HoppingModel(chain_lattice(), [Hop("a", "b", 0, probability=0.8, degeneracy=0.5)])
    with raises(r"1\.6 > 1"):
        m.hop_table()
    low = HoppingModel(chain_lattice(energies=(0.0, 0.1)), [Hop("a", "b", 0, saddle=0.05)])
    with raises(r"> 1"):
        low.hop_table(temperature=300.0)


def test_effective_probability_error_names_the_hop():
    """The error says which directed hop (source->target, cell) exceeds one."""
    low = HoppingModel(chain_lattice(energies=(0.0, 0.1)), [Hop("a", "b", 0, saddle=0.05)])
    with raises(r"b->a.*\(0,\).*> 1"):
        low.hop_table(temperature=300.0)


# ----------------------------------------------------------------------------- domain
def test_out_probabilities_above_one_raise_warn_or_pass():
    """Sum of out-probabilities > 1 (negative diagonal): raise; warn with domain='warn'."""
    m = HoppingModel(
        chain_lattice(),
        [
            Hop("a", "b", 0, probability=0.6),
            Hop("a", "b", -1, probability=0.6),
            Hop("b", "a", 0, probability=0.1),
        ],
    )
    with raises(r"out-probabilities of site 'a' sum to 1\.2 > 1.*probabilities per step"):
        m.hop_table()
    for call in (
        lambda: si.bloch_matrix(m, 0.3),
        lambda: si.eigenvalues(m, 0.3),
        lambda: si.eigenmodes(m, 0.3),
        lambda: si.drift_velocity(m, field=0.1),
        lambda: si.diffusion_tensor(m),
        lambda: si.mobility_tensor(m),
        lambda: m.stationary(),
    ):
        with raises(r"out-probabilities"):
            call()
    with pytest.warns(DomainWarning, match=r"sum to 1\.2 > 1"):
        table = m.hop_table(domain="warn")
    assert table.cell_matrix()[0, 0] == pytest.approx(-0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m.hop_table(domain="ignore")
    with raises(r"domain.*'sometimes'"):
        m.hop_table(domain="sometimes")


def test_step_too_long_at_high_temperature():
    """Energy-declared: out-probabilities grow with T; above one the step is too long."""
    lat = Lattice(np.eye(2) * 3.0, [Site("A", [0.0, 0.0])])
    hops = [Hop("A", "A", (1, 0), saddle=0.01), Hop("A", "A", (0, 1), saddle=0.01)]
    m = HoppingModel(lat, hops)
    m.hop_table(temperature=30.0)  # 4 exp(-0.01 / kB T) = 0.08: fine
    with raises(r"out-probabilities .* > 1"):
        m.hop_table(temperature=3000.0)
    with raises(r"out-probabilities"):
        si.drift_velocity(m, field=[0.0, 0.0], temperature=3000.0)
    with raises(r"out-probabilities"):
        si.conductivity_tensor(m, temperature=3000.0, cell_volume=30.0)
    with pytest.warns(DomainWarning):
        m.hop_table(temperature=3000.0, domain="warn")


def test_field_pushes_out_of_domain():
    chain = models.two_site_chain(0.4, 0.3)
    si.drift_velocity(chain, field=1.0, coupling="full")
    with raises(r"out-probabilities .* at this field"):
        si.drift_velocity(chain, field=4.0, coupling="full")
    with raises(r"out-probabilities .* at this field"):
        si.bloch_matrix(chain, 0.0, field=4.0, coupling="full")


# ----------------------------------------------------------------------------- sites and hops
def test_unknown_site_name():
    with raises(r"unknown site 'c'.*\['a', 'b'\]"):
        HoppingModel(chain_lattice(), [Hop("a", "c", 0, probability=0.1)])
    with raises(r"unknown site 'z'"):
        HoppingModel(chain_lattice(), [Hop("z", "a", 0, saddle=0.1)])


@pytest.mark.parametrize("cell", [None, 0, (0,)])
def test_zero_length_hop_same_site(cell):
    with raises(r"zero length"):
        HoppingModel(chain_lattice(), [Hop("a", "a", cell, probability=0.1)])


def test_self_hop_to_another_cell_is_allowed():
    m = HoppingModel(
        chain_lattice(), [Hop("a", "a", 1, probability=0.1), Hop("a", "b", 0, probability=0.1)]
    )
    np.testing.assert_allclose(m.hop_table().displacement[0], [2.0])


@pytest.mark.parametrize(("pos_b", "cell"), [(0.0, 0), (1.0, -1)])
def test_zero_length_hop_between_coincident_sites(pos_b, cell):
    """Distinct sites at the same point (equal positions, or positions one lattice vector apart
    joined across that cell): the hop has zero displacement."""
    lat = Lattice([[2.0]], [Site("a", [0.0]), Site("b", [pos_b])])
    with raises(r"Hop\(a->b, cell=\(-?\d,\)\) has zero length"):
        HoppingModel(lat, [Hop("a", "b", cell, probability=0.1), Hop("a", "a", 1, probability=0.1)])


@pytest.mark.parametrize(
    "hops",
    [
        # the same directed probability hop twice (cell None and (0,) are the same offset)
        [Hop("a", "b", None, probability=0.1), Hop("a", "b", (0,), probability=0.2)],
        # the same bond twice
        [Hop("a", "b", 0, saddle=0.2), Hop("a", "b", 0, saddle=0.3)],
        # a bond and its own reverse declared as a bond
        [Hop("a", "b", 1, saddle=0.2), Hop("b", "a", -1, saddle=0.2)],
        # a saddle bond duplicating an explicitly declared reverse
        [Hop("a", "b", 0, saddle=0.2), Hop("b", "a", 0, probability=0.1)],
        [Hop("b", "a", 0, probability=0.1), Hop("a", "b", 0, saddle=0.2)],
        # a self-bond along +x and its reverse along -x
        [Hop("a", "a", 1, saddle=0.2), Hop("a", "a", -1, probability=0.1)],
    ],
)
def test_duplicate_hops(hops):
    with raises(r"duplicate hop"):
        HoppingModel(chain_lattice(), hops)


def test_distinct_cells_are_not_duplicates():
    m = prob_chain()
    assert m.hop_table().n_hops == 4


# ----------------------------------------------------------------------------- connectivity
def test_disconnected_sites():
    lat = Lattice(np.eye(2) * 2, [Site("a", [0, 0]), Site("b", [0.5, 0.5])])
    m = HoppingModel(lat, [Hop("a", "a", (1, 0), saddle=0.1), Hop("a", "a", (0, 1), saddle=0.1)])
    with pytest.raises(DisconnectedNetworkError, match=r"\['b'\].*disconnected"):
        m.check_connected()
    assert m.spanned_dimensions() == 0
    # neither transport nor the spectrum has an answer there: the same error everywhere,
    # no warning about spanning first and no flat mode of an isolated site as the "stable mode"
    for call in (
        lambda: si.diffusion_tensor(m, temperature=300.0),
        lambda: si.mobility_tensor(m, temperature=300.0),
        lambda: si.drift_velocity(m, field=[0.1, 0.0], temperature=300.0),
        lambda: si.conductivity_tensor(m, temperature=300.0, cell_volume=8.0),
        lambda: si.kspace.spectrum_dataset(m, np.zeros((3, 2)), temperature=300.0),
        lambda: m.stationary(temperature=300.0),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(DisconnectedNetworkError, match=r"disconnected"):
                call()


@pytest.mark.parametrize(
    ("vectors", "cells", "rank"),
    [
        (np.eye(2) * 2, [(1, 0)], 1),  # a 2D lattice with hops along x only
        (np.eye(3) * 2, [(1, 0, 0), (0, 1, 0)], 2),  # a 3D lattice with hops in a plane
        (np.eye(3) * 2, [(1, 1, 0), (2, 2, 0)], 1),  # parallel loops: rank 1
        (np.eye(2) * 2, [], 0),  # only an intra-cell bond: no direction at all
    ],
)
def test_network_spanning_fewer_directions(vectors, cells, rank):
    dim = len(vectors)
    lat = Lattice(vectors, [Site("a", [0.0] * dim), Site("b", [0.5] * dim)])
    hops = [Hop("a", "b", (0,) * dim, saddle=0.2)] + [Hop("a", "a", c, saddle=0.2) for c in cells]
    m = HoppingModel(lat, hops)
    with pytest.raises(DisconnectedNetworkError, match=rf"spans only {rank} of {dim}"):
        m.check_connected()
    assert m.spanned_dimensions() == rank
    with pytest.warns(DomainWarning, match=rf"spans only {rank} of {dim}"):
        d = si.diffusion_tensor(m, temperature=500.0)
    assert np.all(np.isfinite(d))
    # no diffusion along the missing directions
    table = m.hop_table(temperature=500.0)
    scale = table.probability.max() * np.max(np.sum(table.displacement**2, axis=1))
    assert np.linalg.matrix_rank(d, tol=1e-10 * scale) == rank


def test_connected_networks_pass(honeycomb, bcc):
    for m in (honeycomb, bcc, prob_chain(), square_model()):
        m.check_connected()
        assert m.spanned_dimensions() == m.dim


def test_disconnected_error_message_is_plain_text():
    """The exception's text is the message (its args may carry data, its str must not)."""
    lat = Lattice(np.eye(2) * 2, [Site("a", [0, 0]), Site("b", [0.5, 0.5])])
    m = HoppingModel(lat, [Hop("a", "a", (1, 0), saddle=0.1), Hop("a", "a", (0, 1), saddle=0.1)])
    with pytest.raises(DisconnectedNetworkError) as info:
        m.check_connected()
    assert str(info.value).startswith("sites ['b']"), str(info.value)
    assert info.value.spanned == 0


@pytest.mark.parametrize(
    ("vectors", "cells", "index"),
    [
        ([[2.0]], [(2,)], 2),  # only jumps of two cells: even and odd cells never meet
        ([[2.0]], [(3,), (6,)], 3),
        (np.eye(2) * 2, [(1, 1), (1, -1)], 2),  # diagonal jumps: a checkerboard
        (np.eye(3) * 2, [(1, 1, 0), (0, 1, 1), (1, 0, 1)], 2),  # fcc-like sublattice of Z^3
    ],
)
def test_sublattice_network_is_disconnected(vectors, cells, index):
    """Loops of full rank that generate only a sublattice of index m > 1 of Z^dim: the crystal
    splits into m copies of the network that never exchange ions."""
    dim = len(vectors)
    lat = Lattice(vectors, [Site("a", [0.0] * dim)])
    m = HoppingModel(lat, [Hop("a", "a", c, saddle=0.1) for c in cells])
    with pytest.raises(DisconnectedNetworkError, match=rf"into {index} interpenetrating"):
        m.check_connected()


def test_full_index_networks_pass():
    """Loops generating Z^dim with non-unit steps ((2,) and (3,): gcd 1) are connected."""
    lat = Lattice([[2.0]], [Site("a", [0.0])])
    HoppingModel(
        lat, [Hop("a", "a", 2, saddle=0.1), Hop("a", "a", 3, saddle=0.1)]
    ).check_connected()
    lat2 = Lattice(np.eye(2) * 2, [Site("a", [0.0, 0.0])])
    hops = [Hop("a", "a", (1, 1), saddle=0.1), Hop("a", "a", (1, 2), saddle=0.1)]
    HoppingModel(lat2, hops).check_connected()


@settings(max_examples=30, deadline=None)
@given(S.cases(), st.data())
def test_stretched_cells_split_the_network(case, data):
    """Random connected networks pass check_connected; multiplying the mu-th component of every
    hop's cell offset by m keeps the network spanning but splits it into m copies."""
    model = case.model
    model.check_connected()
    mu = data.draw(st.integers(0, case.dim - 1))
    m = data.draw(st.integers(2, 3))
    hops = []
    for h in model.hops:
        c = list(h.cell) if h.cell else [0] * case.dim
        c[mu] *= m
        hops.append(
            Hop(
                h.source,
                h.target,
                tuple(c),
                saddle=h.saddle,
                probability=h.probability,
                degeneracy=h.degeneracy,
            )
        )
    stretched = HoppingModel(model.lattice, hops, tau=model.tau)
    with pytest.raises(DisconnectedNetworkError, match=rf"into {m} interpenetrating") as info:
        stretched.check_connected()
    assert info.value.spanned == case.dim


def test_two_closed_classes_have_no_unique_stationary_state():
    """Driven hops that drain a site into two separate closed classes: no unique steady state."""
    lat = Lattice([[2.0]], [Site("a", [0.0]), Site("b", [0.3]), Site("c", [0.6])])
    m = HoppingModel(
        lat,
        [
            Hop("a", "a", 1, probability=0.1),
            Hop("b", "b", 1, probability=0.2),
            Hop("c", "a", 0, probability=0.1),
            Hop("c", "b", 0, probability=0.1),
        ],
    )
    with raises(r"not unique"):
        m.stationary()
    with raises(r"not unique"):
        si.drift_velocity(m, field=0.0)


# ----------------------------------------------------------------------------- non-finite numbers
BAD = [np.nan, np.inf, -np.inf]


def _nonfinite_cases():
    """(label, callable taking a bad number, regex naming the field)."""
    chain = prob_chain()
    sq = square_model()
    table_kw = {"temperature": 300.0, "cell_volume": 30.0, "tau": 1e-13}
    return [
        ("Site.position", lambda x: Site("a", [x]), r"position"),
        ("Site.energy", lambda x: Site("a", [0.0], energy=x), r"energy"),
        ("Lattice.vectors", lambda x: Lattice([[x]], [Site("a", [0.0])]), r"vectors"),
        ("Hop.saddle", lambda x: Hop("a", "b", 0, saddle=x), r"saddle"),
        ("Hop.probability", lambda x: Hop("a", "b", 0, probability=x), r"probability"),
        ("Hop.degeneracy", lambda x: Hop("a", "b", 0, saddle=0.1, degeneracy=x), r"degeneracy"),
        ("Hop.cell", lambda x: Hop("a", "b", (x,), saddle=0.1), r"cell"),
        ("HoppingModel.tau", lambda x: HoppingModel(chain.lattice, chain.hops, tau=x), r"tau"),
        (
            "HoppingModel.filling",
            lambda x: HoppingModel(chain.lattice, chain.hops, filling=x),
            r"filling",
        ),
        ("Interactions.repulsion", lambda x: Interactions(repulsion=x), r"repulsion"),
        ("Interactions.concerted", lambda x: Interactions(concerted=x), r"concerted"),
        ("hop_table temperature", lambda x: sq.hop_table(temperature=x), r"temperature"),
        ("base_probability temperature", lambda x: sq.base_probability([300.0, x]), r"temperature"),
        (
            "bloch_matrix temperature",
            lambda x: si.bloch_matrix(sq, [0.0, 0.0], temperature=x),
            r"temperature",
        ),
        ("diffusion temperature", lambda x: si.diffusion_tensor(sq, temperature=x), r"temperature"),
        (
            "conductivity temperature",
            lambda x: si.conductivity_tensor(sq, temperature=x, cell_volume=30.0),
            r"temperature",
        ),
        ("bloch_matrix field", lambda x: si.bloch_matrix(chain, 0.1, field=x), r"field"),
        (
            "bloch_matrix field vector",
            lambda x: si.bloch_matrix(sq, [0.1, 0.0], field=[0.1, x], temperature=300.0),
            r"field",
        ),
        ("drift field", lambda x: si.drift_velocity(chain, field=[0.1, x]), r"field"),
        ("mobility field", lambda x: si.mobility_tensor(chain, field=x), r"field"),
        ("eigenmodes field", lambda x: si.eigenmodes(chain, 0.1, field=x), r"field"),
        ("group velocity field", lambda x: si.group_velocities(chain, 0.1, field=x), r"field"),
        ("bloch_matrix k", lambda x: si.bloch_matrix(chain, [0.1, x]), r"\bk\b"),
        ("eigenvalues k", lambda x: si.eigenvalues(chain, x), r"\bk\b"),
        ("eigenmodes k", lambda x: si.eigenmodes(sq, [x, 0.0], temperature=300.0), r"\bk\b"),
        ("group velocity k", lambda x: si.group_velocities(chain, x), r"\bk\b"),
        ("bloch_derivative k", lambda x: si.bloch_derivative(chain, x), r"\bk\b"),
        (
            "conductivity charge",
            lambda x: si.conductivity_tensor(sq, temperature=300.0, cell_volume=30.0, charge=x),
            r"charge",
        ),
        (
            "conductivity cell_volume",
            lambda x: si.conductivity_tensor(sq, temperature=300.0, cell_volume=x),
            r"cell_volume",
        ),
        (
            "mobility_to_conductivity charge",
            lambda x: mobility_to_conductivity(1.0, charge=x, **table_kw),
            r"charge",
        ),
        (
            "mobility_to_conductivity filling",
            lambda x: mobility_to_conductivity(1.0, filling=x, **table_kw),
            r"filling",
        ),
        (
            "mobility_to_conductivity tau",
            lambda x: mobility_to_conductivity(1.0, temperature=300.0, cell_volume=30.0, tau=x),
            r"tau",
        ),
        (
            "mobility_to_conductivity temperature",
            lambda x: mobility_to_conductivity(1.0, temperature=x, cell_volume=30.0),
            r"temperature",
        ),
        (
            "arrhenius sigma",
            lambda x: si.arrhenius_fit([300.0, 400.0, 500.0], [1.0, x, 2.0]),
            r"sigma",
        ),
        ("two_site_chain P0", lambda x: models.two_site_chain(x, 0.1), r"P0"),
        ("two_site_chain gamma", lambda x: models.two_site_chain(0.3, x), r"gamma"),
        ("two_site_chain a", lambda x: models.two_site_chain(0.3, 0.1, a=x), r"\ba\b"),
        ("honeycomb tau", lambda x: models.honeycomb(0.3, 0.1, tau=x), r"tau"),
        ("bcc barrier", lambda x: models.bcc_tetrahedral(barrier=x), r"barrier"),
        ("interacting_chain lambda0", lambda x: models.interacting_chain(x, 0.1), r"lambda0"),
    ]


@pytest.mark.parametrize("bad", BAD, ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize(
    ("label", "call", "field"), _nonfinite_cases(), ids=[c[0] for c in _nonfinite_cases()]
)
def test_non_finite_numbers_are_rejected(label, call, field, bad):
    with pytest.raises(ModelError) as info:
        call(bad)
    msg = str(info.value)
    assert re.search(field, msg), f"{label}: message does not name the field: {msg}"
    assert re.search(r"finite|nan|inf|real number|must be", msg, re.IGNORECASE), msg


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_mobility_to_conductivity_rejects_non_finite_mobility(bad):
    with raises(r"mobility"):
        mobility_to_conductivity(
            np.array([[1.0, bad], [0.0, 1.0]]), temperature=300.0, cell_volume=30.0, tau=1e-13
        )


# ----------------------------------------------------------------------------- dimensions
@pytest.mark.parametrize(
    ("vectors", "match"),
    [
        (np.ones((2, 3)), r"square"),
        (np.eye(4), r"dim in 1\.\.3|square"),
        ([[1.0, 2.0], [2.0, 4.0]], r"degenerate"),
        ([[0.0]], r"degenerate"),
    ],
)
def test_lattice_vector_shapes(vectors, match):
    dim = min(np.shape(vectors)[0], 3)
    with raises(match):
        Lattice(vectors, [Site("a", [0.0] * dim)])


def test_position_length_mismatch():
    with raises(r"Site 'b' has 1 fractional coordinate.*dim=2"):
        Lattice(np.eye(2), [Site("a", [0.0, 0.0]), Site("b", [0.5])])
    with raises(r"1-3 fractional coordinates"):
        Site("a", [0.0, 0.0, 0.0, 0.0])
    with raises(r"1-3 fractional coordinates"):
        Site("a", [])


def test_cell_length_mismatch():
    with raises(r"cell=\(1, 0\) has 2 component.*dim=1"):
        HoppingModel(chain_lattice(), [Hop("a", "b", (1, 0), probability=0.1)])
    with raises(r"cell=\(1,\) has 1 component.*dim=2"):
        HoppingModel(square_lattice(), [Hop("A", "B", (1,), saddle=0.3)])


def test_cell_must_be_integer():
    with raises(r"cell.*integers"):
        Hop("a", "b", (0.5,), probability=0.1)
    assert Hop("a", "b", (1.0,), probability=0.1).cell == (1,)


@pytest.mark.parametrize("k", [[0.1, 0.2, 0.3], [[0.1], [0.2]], np.zeros((4, 3))])
def test_k_shape(k):
    sq = square_model()
    for call in (
        si.bloch_matrix,
        si.eigenvalues,
        si.eigenmodes,
        si.group_velocities,
        si.bloch_derivative,
    ):
        with raises(r"k must have 2 component"):
            call(sq, k, temperature=300.0)


FIELD_CALLS = {
    "bloch_matrix": lambda m, f: si.bloch_matrix(m, [0.0, 0.0], field=f, temperature=300.0),
    "drift_velocity": lambda m, f: si.drift_velocity(m, field=f, temperature=300.0),
    "mobility_tensor": lambda m, f: si.mobility_tensor(m, field=f, temperature=300.0),
}


@pytest.mark.parametrize("name", sorted(FIELD_CALLS))
@pytest.mark.parametrize("field", [[0.1], [0.1, 0.2, 0.3], np.zeros((2, 3))])
def test_field_shape(field, name):
    with raises(r"field must have 2 component"):
        FIELD_CALLS[name](square_model(), field)


@pytest.mark.parametrize("name", sorted(FIELD_CALLS))
def test_scalar_field_for_a_2d_model(name):
    with raises(r"field must have 2 component"):
        FIELD_CALLS[name](square_model(), 0.1)


def test_batched_field_where_one_is_expected():
    sq = square_model()
    with raises(r"one field"):
        si.bloch_matrix(sq, [0.0, 0.0], field=np.zeros((3, 2)), temperature=300.0)
    with raises(r"one field"):
        si.mobility_tensor(sq, field=np.zeros((3, 2)), temperature=300.0)


def test_supercell_repeats():
    with raises(r"repeats must have 2"):
        models.supercell(models.honeycomb(0.3, 0.1), (2,))
    with raises(r"repeats must be >= 1"):
        models.supercell(models.honeycomb(0.3, 0.1), (2, 0))


# ----------------------------------------------------------------------------- temperature
@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.hop_table(),
        lambda m: m.base_probability(),
        lambda m: m.stationary(),
        lambda m: si.bloch_matrix(m, [0.0, 0.0]),
        lambda m: si.eigenvalues(m, [0.0, 0.0]),
        lambda m: si.drift_velocity(m, field=[0.1, 0.0]),
        lambda m: si.diffusion_tensor(m),
        lambda m: si.mobility_tensor(m),
    ],
)
def test_temperature_required_for_energy_models(call):
    with raises(r"temperature \(K\) is required"):
        call(square_model())


@pytest.mark.parametrize("temperature", [0.0, -10.0, [300.0, 0.0]])
def test_temperature_must_be_positive(temperature):
    sq = square_model()
    with raises(r"temperature must be > 0 K"):
        sq.base_probability(temperature)
    with raises(r"temperature must be > 0 K"):
        prob_chain().base_probability(temperature)  # checked even where not needed


def test_temperature_must_be_scalar_for_a_table():
    with raises(r"temperature must be a scalar"):
        square_model().hop_table(temperature=[300.0, 400.0])


# ----------------------------------------------------------------------------- other arguments
def test_other_bad_arguments():
    chain = prob_chain()
    with raises(r"coupling must be one of \['full', 'symmetric'\], got 'half'"):
        si.drift_velocity(chain, field=0.1, coupling="half")
    with raises(r"method must be .*'magic'"):
        si.eigenmodes(chain, 0.1, method="magic")
    with raises(r"derivative must be 0, 1 or 2, got 3"):
        si.kspace.bloch_from_table(chain.hop_table(), np.zeros((1, 1)), derivative=3)
    with raises(r"filling.*<= 2\.0, got 3\.0"):
        HoppingModel(chain.lattice, chain.hops, filling=3.0)
    with raises(r"filling.*> 0\.0"):
        HoppingModel(chain.lattice, chain.hops, filling=0.0)
    with raises(r"tau.*> 0\.0, got 0\.0"):
        HoppingModel(chain.lattice, chain.hops, tau=0.0)
    with raises(r"concerted.*>= 0\.0, got -1\.0"):
        Interactions(concerted=-1.0)
    with raises(r"at least one Hop"):
        HoppingModel(chain.lattice, [])
    with raises(r"Hop objects"):
        HoppingModel(chain.lattice, [("a", "b")])
    with raises(r"must be a Lattice"):
        HoppingModel("lattice", chain.hops)
    with raises(r"duplicate site name 'a'"):
        Lattice([[1.0]], [Site("a", [0.0]), Site("a", [0.5])])
    with raises(r"at least one Site"):
        Lattice([[1.0]], [])
    with raises(r"Site.name"):
        Site("", [0.0])
    with raises(r"Hop.source"):
        Hop("", "b", 0, probability=0.1)
    with raises(r"P0.*<= 1\.0, got 1\.5"):
        models.two_site_chain(1.5, 0.1)
    with raises(r"gamma.*>= -1\.0, got -1\.2"):
        models.honeycomb(0.3, -1.2)
    with raises(r"cell_volume .*required"):
        si.conductivity_tensor(chain, temperature=300.0)
    with raises(r"sigma must be > 0"):
        si.arrhenius_fit([300.0, 400.0, 500.0], [1.0, 0.0, 2.0])
    with raises(r">= 3 points"):
        si.arrhenius_fit([300.0, 400.0], [1.0, 2.0])


@pytest.mark.parametrize(
    "call",
    [
        lambda m, t: m.hop_table(temperature=t).probability,
        lambda m, t: si.diffusion_tensor(m, temperature=t),
        lambda m, t: si.drift_velocity(m, field=[0.01, 0.0, 0.0], temperature=t),
        lambda m, t: si.eigenvalues(m, np.zeros(3), temperature=t),
        lambda m, t: si.eigenmodes(m, np.zeros(3), temperature=t).values,
        lambda m, t: si.group_velocities(m, np.zeros(3), temperature=t),
    ],
)
def test_zero_dimensional_array_temperature_is_a_scalar(call, bcc):
    """np.array(600.0) is a valid scalar temperature (hop_table accepts np.ndim == 0)."""
    np.testing.assert_allclose(call(bcc, np.array(600.0)), call(bcc, 600.0), rtol=1e-14)
