"""Exceptions and warnings raised by superionic."""

from __future__ import annotations


class ModelError(ValueError):
    """A model, parameter or input is invalid or outside the model's domain.

    The message names the offending field, its value and what is allowed.
    """


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


class DomainWarning(UserWarning):
    """A result was computed but lies outside the model's domain of validity."""


class ShortRunWarning(UserWarning):
    """A simulation was too short for reliable error bars (too few independent blocks)."""
