"""Memory estimates of k-meshes and spectra, and the refusal before allocating."""

from __future__ import annotations

import numpy as np
import pytest

import superionic as si
import superionic._validate as validate
from superionic.errors import InsufficientMemoryError
from superionic.kspace import kmesh, kmesh_memory_bytes, spectrum_dataset, spectrum_memory_bytes


def test_estimates_scale_with_the_request():
    assert kmesh_memory_bytes((10, 10), 2) == 100 * kmesh_memory_bytes((1, 1), 2)
    small = spectrum_memory_bytes(100, 2, 2)
    assert spectrum_memory_bytes(1000, 2, 2) == pytest.approx(10 * small, rel=1e-12)
    assert spectrum_memory_bytes(100, 4, 2) > 3 * small  # n^2 matrices dominate
    # the request: 10^10 wave vectors of a two-site honeycomb
    assert spectrum_memory_bytes(10**10, 2, 2) > 2**40


def test_estimate_bounds_what_a_real_spectrum_allocates():
    """The estimate is at least the size of the arrays the Dataset holds."""
    model = si.models.honeycomb(0.3, 0.1)
    ds = spectrum_dataset(model, kmesh(model.lattice, 20))
    held = sum(v.nbytes for v in ds.variables.values())
    assert spectrum_memory_bytes(400, 2, 2) >= held


def test_refused_before_allocating(monkeypatch):
    model = si.models.honeycomb(0.3, 0.1)
    monkeypatch.setattr(validate, "available_memory", lambda: (2**20, "test"))
    with pytest.raises(InsufficientMemoryError, match=r"1\.0 MiB is available: use fewer"):
        kmesh(model.lattice, 1000)
    with pytest.raises(InsufficientMemoryError, match=r"spectrum of 250000 wave vectors"):
        spectrum_dataset(model, np.zeros((250_000, 2)))
    kmesh(model.lattice, 10)  # small requests still pass
