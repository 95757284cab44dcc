"""Fields and batches: the last axis holds the components; a 1D flat list is refused."""

from __future__ import annotations

import numpy as np
import pytest

import superionic as si
from superionic.errors import ModelError


@pytest.fixture
def chain():
    return si.models.two_site_chain(P0=0.3, gamma=0.4, a=2.0)


def test_one_field_for_a_1d_model(chain):
    a = si.drift_velocity(chain, field=0.1)
    b = si.drift_velocity(chain, field=[0.1])
    assert a.shape == b.shape == (1,)
    np.testing.assert_allclose(a, b, rtol=0, atol=0)


def test_a_flat_list_of_several_fields_is_ambiguous_for_a_1d_model(chain):
    for call in (
        lambda f: si.drift_velocity(chain, field=f),
        lambda f: si.mobility_tensor(chain, field=f),
        lambda f: si.differential_mobility(chain, field=f),
    ):
        with pytest.raises(ModelError, match=r"ambiguous.*shape \(2, 1\)"):
            call([0.1, 0.2])


def test_an_explicit_batch_gives_one_drift_per_field(chain):
    fields = np.array([0.1, 0.2, -0.3])
    batch = si.drift_velocity(chain, field=fields[:, None])
    assert batch.shape == (3, 1)
    for f, v in zip(fields, batch, strict=True):
        np.testing.assert_allclose(v, si.drift_velocity(chain, field=f), rtol=1e-14)
    # and the closed form of the chain, v = (a / 2) P0 (1 - gamma^2) sinh(f a / 4)
    np.testing.assert_allclose(batch[:, 0], 0.5 * 2.0 * 0.3 * (1 - 0.16) * np.sinh(fields / 2),
                               rtol=1e-12)


def test_2d_models_keep_the_component_axis_last():
    hc = si.models.honeycomb(0.3, 0.1)
    assert si.drift_velocity(hc, field=[0.1, 0.2]).shape == (2,)
    assert si.drift_velocity(hc, field=np.zeros((4, 2))).shape == (4, 2)
    with pytest.raises(ModelError, match=r"2 component"):
        si.drift_velocity(hc, field=[0.1, 0.2, 0.3])
