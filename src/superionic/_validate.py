"""Small input checks shared by the modules; each error names the field, value and allowed range."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .errors import InsufficientMemoryError, ModelError, show


def finite_float(name: str, value, *, minimum=None, maximum=None, strict_min=False) -> float:
    """Return ``value`` as a finite float, checking the optional bounds."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ModelError(f"{name} must be a real number, got {show(value)}") from None
    if not math.isfinite(x):
        raise ModelError(f"{name} must be finite, got {show(value)}")
    if minimum is not None:
        if strict_min and not x > minimum:
            raise ModelError(f"{name} must be > {minimum}, got {show(x)}")
        if not strict_min and x < minimum:
            raise ModelError(f"{name} must be >= {minimum}, got {show(x)}")
    if maximum is not None and x > maximum:
        raise ModelError(f"{name} must be <= {maximum}, got {show(x)}")
    return x


def finite_array(name: str, value, *, dtype=float, ndim: int | None = None) -> np.ndarray:
    """Return ``value`` as a finite array of ``dtype``; check ``ndim`` if given."""
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError):
        raise ModelError(f"{name} must be numeric, got {show(value)}") from None
    if ndim is not None and arr.ndim != ndim:
        raise ModelError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ModelError(f"{name} must be finite, got {show(value)}")
    return arr


def positive_temperature(value, name: str = "temperature") -> np.ndarray:
    """Return temperatures as a float array, all finite and > 0 K."""
    arr = finite_array(name, value)
    if np.any(arr <= 0):
        raise ModelError(f"{name} must be > 0 K, got {show(value)}")
    return arr


def int_tuple(name: str, value, length: int) -> tuple[int, ...]:
    """Return ``value`` as a tuple of ``length`` integers."""
    if isinstance(value, int | np.integer):
        value = (int(value),)
    if not isinstance(value, Sequence | np.ndarray) or len(value) != length:
        raise ModelError(f"{name} must have {length} integer component(s), got {show(value)}")
    out = []
    for v in value:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if not isinstance(v, int | np.integer):
            raise ModelError(f"{name} must hold integers, got {show(value)}")
        out.append(int(v))
    return tuple(out)


# --------------------------------------------------------------------------- memory
def format_bytes(n: float) -> str:
    """Bytes in binary units: ``74.5 GiB``."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024.0 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024.0
    return f"{value:.1f} PiB"  # pragma: no cover


def available_memory() -> tuple[int | None, str]:
    """Bytes of memory available now and where the number comes from.

    ``psutil.virtual_memory().available`` when psutil is installed, else ``MemAvailable`` of
    ``/proc/meminfo``, else the free physical pages of ``os.sysconf``; ``(None, "unknown")``
    when none of them answers.
    """
    try:
        import psutil
    except ImportError:
        pass
    else:
        return int(psutil.virtual_memory().available), "psutil"
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024, "/proc/meminfo"
    except (OSError, ValueError, IndexError):
        pass
    import os

    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")), "sysconf"
    except (AttributeError, OSError, ValueError):
        return None, "unknown"


def check_memory(required: float, *, what: str, advice: str,
                 available: int | None = None) -> None:
    """Refuse a request whose estimated memory exceeds what is available.

    Parameters
    ----------
    required : float
        Estimated bytes of the request (from the estimator next to the computation).
    what : str
        The request, as the message should name it ("the spectrum of 10000000000 k-points").
    advice : str
        What to change ("use a coarser --mesh").
    available : int, optional
        Bytes available; default :func:`available_memory`.

    Raises
    ------
    InsufficientMemoryError
        ``required > available``; the message gives both numbers and ``advice``.
    """
    if available is None:
        available, _ = available_memory()
    if available is None or required <= available:
        return
    raise InsufficientMemoryError(
        f"{what} needs about {format_bytes(required)} of memory, but {format_bytes(available)} "
        f"is available: {advice}",
        required=int(required), available=int(available),
    )
