"""Out-probabilities above one: the message names the site and advises by declaration."""

from __future__ import annotations

import numpy as np
import pytest

from superionic import Hop, HoppingModel, Lattice, Site
from superionic.errors import DomainWarning, ModelError


def _lattice():
    return Lattice([[2.0]], [Site("left", [0.0]), Site("right", [0.5], energy=0.05)])


def test_saddle_declared_hops_get_temperature_and_saddle_advice():
    # barriers of 0.01 eV from 'left' in two directions: both probabilities near one at 3000 K
    m = HoppingModel(_lattice(), [Hop("left", "right", 0, saddle=0.06),
                                  Hop("left", "right", -1, saddle=0.06)])
    m.hop_table(temperature=100.0)  # fine when cold
    with pytest.raises(ModelError) as info:
        m.hop_table(temperature=3000.0)
    text = str(info.value)
    assert "site 'right'" in text or "site 'left'" in text
    assert "do not depend on tau" in text and "raise their saddles" in text
    assert "lower the temperature" in text
    assert "smaller step" not in text and "index" not in text


def test_explicit_probabilities_get_step_advice():
    m = HoppingModel(_lattice(), [Hop("left", "right", 0, probability=0.7),
                                  Hop("left", "right", -1, probability=0.7)])
    with pytest.raises(ModelError) as info:
        m.hop_table()
    text = str(info.value)
    assert "site 'left'" in text and "sum to 1.4 > 1" in text
    assert "probabilities per step tau" in text and "smaller tau" in text
    assert "saddle" not in text


def test_field_adds_its_advice_and_warn_mode_warns_with_the_same_text():
    m = HoppingModel(_lattice(), [Hop("left", "right", 0, probability=0.45),
                                  Hop("left", "right", -1, probability=0.45)])
    m.hop_table()  # 0.9 at zero field
    with pytest.raises(ModelError, match=r"at this field.*weaker field"):
        m.hop_table(field=[3.0], coupling="full")
    with pytest.warns(DomainWarning, match=r"site '(left|right)'"):
        m.hop_table(field=[3.0], coupling="full", domain="warn")


def test_mixed_declarations_get_both_pieces_of_advice():
    m = HoppingModel(_lattice(), [Hop("left", "right", 0, probability=0.6),
                                  Hop("left", "right", -1, saddle=0.06)])
    with pytest.raises(ModelError) as info:
        m.hop_table(temperature=3000.0)
    assert "raise their saddles" in str(info.value)
    assert "probabilities per step tau" in str(info.value)
    assert np.isfinite(m.hop_table(temperature=50.0).probability).all()
