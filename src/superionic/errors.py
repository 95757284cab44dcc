"""Exceptions and warnings raised by superionic."""

from __future__ import annotations


class ModelError(ValueError):
    """A model, parameter or input is invalid or outside the model's domain.

    The message names the offending field, its value and what is allowed.
    """


class DisconnectedNetworkError(ModelError):
    """The hop network does not percolate: there is no long-range transport in some direction."""


class ConvergenceError(RuntimeError):
    """An iterative solver did not converge to the requested tolerance."""


class DomainWarning(UserWarning):
    """A result was computed but lies outside the model's domain of validity."""
