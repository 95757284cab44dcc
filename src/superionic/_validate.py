"""Small input checks shared by the modules; each error names the field, value and allowed range."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .errors import ModelError


def finite_float(name: str, value, *, minimum=None, maximum=None, strict_min=False) -> float:
    """Return ``value`` as a finite float, checking the optional bounds."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ModelError(f"{name} must be a real number, got {value!r}") from None
    if not math.isfinite(x):
        raise ModelError(f"{name} must be finite, got {value!r}")
    if minimum is not None:
        if strict_min and not x > minimum:
            raise ModelError(f"{name} must be > {minimum}, got {x!r}")
        if not strict_min and x < minimum:
            raise ModelError(f"{name} must be >= {minimum}, got {x!r}")
    if maximum is not None and x > maximum:
        raise ModelError(f"{name} must be <= {maximum}, got {x!r}")
    return x


def finite_array(name: str, value, *, dtype=float, ndim: int | None = None) -> np.ndarray:
    """Return ``value`` as a finite array of ``dtype``; check ``ndim`` if given."""
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError):
        raise ModelError(f"{name} must be numeric, got {value!r}") from None
    if ndim is not None and arr.ndim != ndim:
        raise ModelError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ModelError(f"{name} must be finite, got {value!r}")
    return arr


def positive_temperature(value, name: str = "temperature") -> np.ndarray:
    """Return temperatures as a float array, all finite and > 0 K."""
    arr = finite_array(name, value)
    if np.any(arr <= 0):
        raise ModelError(f"{name} must be > 0 K, got {value!r}")
    return arr


def int_tuple(name: str, value, length: int) -> tuple[int, ...]:
    """Return ``value`` as a tuple of ``length`` integers."""
    if isinstance(value, int | np.integer):
        value = (int(value),)
    if not isinstance(value, Sequence | np.ndarray) or len(value) != length:
        raise ModelError(f"{name} must have {length} integer component(s), got {value!r}")
    out = []
    for v in value:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if not isinstance(v, int | np.integer):
            raise ModelError(f"{name} must hold integers, got {value!r}")
        out.append(int(v))
    return tuple(out)
