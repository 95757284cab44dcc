"""Errors and warnings of the structure-to-model route; every error is a ModelError."""

from __future__ import annotations

from ..errors import DisconnectedNetworkError, DomainWarning, ModelError

__all__ = [
    "CutoffTooShortError",
    "DisorderedFrameworkError",
    "FrameworkClashWarning",
    "MissingEnergyError",
    "NoSuchSpeciesError",
    "NonPercolatingNetworkError",
    "StructureError",
]


class StructureError(ModelError):
    """A crystal structure cannot be read or used (unreadable file, unsupported object)."""


class NoSuchSpeciesError(StructureError):
    """The named mobile species is not an element, or is absent where it must be present."""


class DisorderedFrameworkError(StructureError):
    """A framework site is partially occupied or mixes species: the framework must be ordered."""


class CutoffTooShortError(ModelError):
    """The hop cutoff is shorter than every distance between mobile-ion sites."""


class NonPercolatingNetworkError(DisconnectedNetworkError):
    """The hop network does not connect every site or does not span all three directions.

    ``spanned`` is the number of lattice directions the network spans (0-3); ``directions``
    holds integer lattice vectors spanning them.
    """

    def __init__(self, message: str, spanned: int, directions=()) -> None:
        super().__init__(message, spanned)
        self.directions = tuple(directions)


class MissingEnergyError(ModelError):
    """An energy table lacks an entry for a site class or a hop class (or names an unknown one)."""

    def __init__(self, message: str, missing=(), unknown=()) -> None:
        super().__init__(message)
        self.missing = tuple(missing)
        self.unknown = tuple(unknown)


class FrameworkClashWarning(DomainWarning):
    """A hop's straight path passes close to a framework atom (the cutoff is probably too long)."""
