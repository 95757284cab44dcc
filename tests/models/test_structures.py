"""The hcp interstitial network factory: geometry, detailed balance, tau independence of D."""

from __future__ import annotations

import math

import numpy as np
import pytest

import superionic as si
from superionic.errors import ModelError
from superionic.models import hcp_interstitial
from superionic.units import KB_EV


def test_hcp_geometry_and_coordination():
    a, c_a, z = 3.0, math.sqrt(8 / 3), 0.125
    model = hcp_interstitial(a, c_a, z)
    table = model.hop_table(temperature=700.0)
    names = model.lattice.site_names
    coordination = np.bincount(table.source, minlength=6)
    assert [coordination[names.index(n)] for n in names] == [8, 8, 4, 4, 4, 4]
    lengths = np.round(np.linalg.norm(table.displacement, axis=1), 9)
    c = c_a * a
    expected = {round(c / 2, 9), round(math.sqrt(a * a / 3 + (c * (0.25 - z)) ** 2), 9),
                round(2 * z * c, 9)}
    assert set(lengths) == expected
    model.check_connected()
    assert model.detailed_balance(temperature=700.0)
    assert float(table.out_probability().max()) <= 0.5


def test_hcp_occupations_are_boltzmann_and_rates_map_exactly():
    e_t, temp = 0.12, 650.0
    model = hcp_interstitial(tet_energy=e_t, saddle_ot=0.4, nu_ot=2e13)
    pi = si.lattice.stationary_distribution(model.hop_table(temperature=temp))
    boltz = np.array([1, 1] + [math.exp(-e_t / (KB_EV * temp))] * 4)
    np.testing.assert_allclose(pi, boltz / boltz.sum(), rtol=1e-12)
    table = model.hop_table(temperature=temp)
    o_to_t = (table.source == 0) & (table.target >= 2)
    rate = table.probability[o_to_t] / model.tau
    np.testing.assert_allclose(rate, 2e13 * math.exp(-0.4 / (KB_EV * temp)), rtol=1e-12)


def test_hcp_diffusion_does_not_depend_on_tau():
    """Zero-field D of I + tau W equals that of W: tau only sets the discretisation."""
    d1 = si.diffusion_tensor(hcp_interstitial(), temperature=900.0)
    d2 = si.diffusion_tensor(hcp_interstitial(tau=1e-15), temperature=900.0)
    np.testing.assert_allclose(d1, d2, rtol=1e-10, atol=1e-10 * np.abs(d1).max())
    assert d1[0, 0] == pytest.approx(d1[1, 1], rel=1e-12)  # hexagonal: isotropic in the plane
    assert abs(d1[0, 1]) < 1e-10 * d1[0, 0]


def test_hcp_bad_input():
    with pytest.raises(ModelError, match="z"):
        hcp_interstitial(z=0.3)
    with pytest.raises(ModelError, match="saddle_oo"):
        hcp_interstitial(oct_energy=0.2, saddle_oo=0.1)
    with pytest.raises(ModelError, match="nu_tt"):
        hcp_interstitial(nu_tt=0.0)
