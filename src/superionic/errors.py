"""Exceptions and warnings raised by superionic."""

from __future__ import annotations

import re

_NUMPY_SCALAR = re.compile(r"np\.(?:float|int|uint|complex|bool_|bool|str_)\d*\(([^()]*)\)")
_NUMPY_ARRAY = re.compile(r"\barray\(([^()]*?)(?:,\s*dtype=[\w.]+)?\)")


def show(value) -> str:
    """A value as it should read in a message: numbers plainly (``-100.0``, ``nan``), arrays
    and sequences as ``[1.0, 2.0]``, strings quoted; never a NumPy repr such as
    ``np.float64(-100.0)`` or ``array(nan)``."""
    if isinstance(value, str):
        return repr(value)
    if hasattr(value, "tolist") and hasattr(value, "dtype"):  # NumPy scalar or array
        value = value.tolist()
        if isinstance(value, list) and len(value) > 12:
            head = ", ".join(show(v) for v in value[:5])
            return f"[{head}, ... ({len(value)} values)]"
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(show(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def clean_message(message: str) -> str:
    """``message`` with any NumPy repr that slipped in (``np.float64(x)``, ``array(x)``)
    replaced by its plain value."""
    message = _NUMPY_SCALAR.sub(r"\1", str(message))
    return _NUMPY_ARRAY.sub(r"\1", message)


class ModelError(ValueError):
    """A model, parameter or input is invalid or outside the model's domain.

    The message names the offending field, its value and what is allowed; NumPy reprs in it are
    replaced by plain values (:func:`clean_message`).
    """

    def __init__(self, message: str = "", *args) -> None:
        super().__init__(clean_message(message), *args)


class DisconnectedNetworkError(ModelError):
    """The hop network is disconnected or does not percolate in every lattice direction.

    Attributes
    ----------
    spanned : int
        Number of lattice directions in which the network still carries long-range transport.
    """

    def __init__(self, message: str, spanned: int = 0) -> None:
        super().__init__(message)
        self.spanned = spanned


class ConvergenceError(RuntimeError):
    """An iterative solver did not converge to the requested tolerance."""

    def __init__(self, message: str = "", *args) -> None:
        super().__init__(clean_message(message), *args)


class DomainWarning(UserWarning):
    """A result was computed but lies outside the model's domain of validity."""


class ShortRunWarning(UserWarning):
    """A simulation was too short for reliable error bars (too few independent blocks)."""
class InsufficientMemoryError(ModelError):
    """A request would need more memory than the machine has; refused before allocating.

    Attributes
    ----------
    required : int
        Estimated bytes the request needs.
    available : int or None
        Bytes available when the request was checked (None when it cannot be told).
    """

    def __init__(self, message: str, required: int = 0, available: int | None = None) -> None:
        super().__init__(message)
        self.required = required
        self.available = available
