"""Messages read as plain text: no NumPy reprs, the option or field named, advice that fits."""

from __future__ import annotations

import numpy as np
import pytest

import superionic as si
from superionic._validate import check_memory, format_bytes
from superionic.errors import InsufficientMemoryError, ModelError, clean_message, show


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (np.float64(-100.0), "-100.0"),
        (np.array(np.nan), "nan"),
        (np.int64(3), "3"),
        (np.array([1.0, 2.0]), "[1.0, 2.0]"),
        ((np.int64(0), 4), "(0, 4)"),
        ((0,), "(0,)"),
        ("P0", "'P0'"),
        (np.arange(30), "[0, 1, 2, 3, 4, ... (30 values)]"),
    ],
)
def test_show_writes_plain_values(value, text):
    assert show(value) == text


def test_model_errors_never_carry_numpy_reprs():
    message = f"got {np.float64(-100.0)!r} and {np.array(np.nan)!r} and {np.int32(2)!r}"
    assert "np." in message and "array(" in message  # what the repr would have shown
    assert str(ModelError(message)) == "got -100.0 and nan and 2"
    assert clean_message("array([1., 2.])") == "[1., 2.]"


BAD_CALLS = {
    "temperature": lambda: si.diffusion_tensor(si.models.honeycomb(0.3, 0.1),
                                               temperature=np.float64(-100.0)),
    "nan field": lambda: si.drift_velocity(si.models.two_site_chain(0.3, 0.4),
                                           field=np.array(np.nan)),
    "P0": lambda: si.models.two_site_chain(P0=np.float64(1.5), gamma=0.2),
    "supercell": lambda: si.simulate(si.models.two_site_chain(0.3, 0.4), supercell=[0],
                                     steps=10, seed=1),
    "seed": lambda: si.simulate(si.models.two_site_chain(0.3, 0.4), supercell=[8], steps=10,
                                seed=-1),
}


@pytest.mark.parametrize("name", sorted(BAD_CALLS))
def test_bad_input_messages_are_plain(name):
    with pytest.raises(ModelError) as info:
        BAD_CALLS[name]()
    text = str(info.value)
    assert "np.float" not in text and "np.int" not in text and "array(" not in text, text
    assert "1..0" not in text


def test_memory_check_gives_both_numbers_and_the_advice():
    check_memory(10, what="x", advice="y", available=100)  # fits: nothing happens
    with pytest.raises(InsufficientMemoryError) as info:
        check_memory(80 * 2**30, what="the request", advice="make it smaller",
                     available=8 * 2**30)
    assert str(info.value) == ("the request needs about 80.0 GiB of memory, but 8.0 GiB is "
                               "available: make it smaller")
    assert info.value.required == 80 * 2**30 and info.value.available == 8 * 2**30
    assert isinstance(info.value, ModelError)
    assert format_bytes(512) == "512 B" and format_bytes(1.5 * 2**40) == "1.5 TiB"


def test_available_memory_answers():
    from superionic._validate import available_memory

    value, source = available_memory()
    assert value is None or value > 0
    assert source in ("psutil", "/proc/meminfo", "sysconf", "unknown")
