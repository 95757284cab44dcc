"""Hops between named sites and the coupling of hop probabilities to an electric field.

A :class:`Hop` is declared in one of two ways:

* by a saddle-point energy ``saddle`` (eV): a *bond*, hopped in both directions with per-step
  probability ``exp(-(S - E_origin) / kB T) / degeneracy`` (Eq. 3, with the 1/lambda factor of
  Eq. 2).
  Detailed balance with the Boltzmann occupations ``exp(-E / kB T)`` holds by construction;
* by an explicit directed per-step ``probability`` (the paper's P0, gamma parametrisation, driven
  models). Only the declared direction exists; declare the reverse hop separately.

Field coupling (DESIGN conventions): a hop with displacement ``d`` (Å) in a reduced field
``f = Z E / kB T`` (1/Å) has its probability multiplied by ``exp(c f.d)`` with ``c = 1/2``
(``"symmetric"``, the default: the barrier is lowered by half the potential drop, which gives
Nernst-Einstein) or ``c = 1`` (``"full"``: the whole drop, literally Eqs. 30-32 and 56-57).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .._validate import finite_float, int_tuple
from ..errors import ModelError

Coupling = Literal["symmetric", "full"]
COUPLING_FACTORS: dict[str, float] = {"symmetric": 0.5, "full": 1.0}
_PLAIN = (float, int)


def coupling_factor(coupling: str) -> float:
    """Return the fraction ``c`` of the potential drop ``f.d`` that lowers a hop's barrier."""
    try:
        return COUPLING_FACTORS[coupling]
    except KeyError:
        raise ModelError(
            f"coupling must be one of {sorted(COUPLING_FACTORS)}, got {coupling!r}"
        ) from None


def field_factor(displacement, field, coupling: str = "symmetric") -> np.ndarray:
    """Multiplicative field factor ``exp(c f.d)`` for hops of the given displacements.

    Parameters
    ----------
    displacement : array_like, shape (n_hops, dim)
        Hop displacements in Å.
    field : array_like, shape (..., dim) or None
        Reduced field in 1/Å; ``None`` means zero field.
    coupling : {"symmetric", "full"}
    """
    d = np.asarray(displacement, dtype=float)
    if field is None:
        return np.ones(d.shape[:-1])
    c = coupling_factor(coupling)
    f = np.asarray(field, dtype=float)
    return np.exp(c * np.einsum("...i,hi->...h", f, d))


@dataclass(frozen=True)
class Hop:
    """A hop from site ``source`` in cell 0 to site ``target`` in cell ``cell``.

    Parameters
    ----------
    source, target : str
        Site names.
    cell : int or sequence of int, optional
        Lattice-vector offset of the target's cell (one integer per dimension); default: the
        same cell.
    saddle : float, optional
        Saddle-point energy S in eV; declares a bond hopped both ways (detailed balance).
    probability : float, optional
        Explicit per-step probability in [0, 1] of this directed hop.
    degeneracy : float
        The lambda of Eq. 2: the probability is divided by it (default 1).
    """

    source: str
    target: str
    cell: tuple[int, ...] = ()
    saddle: float | None = None
    probability: float | None = None
    degeneracy: float = 1.0

    def __init__(
        self,
        source: str,
        target: str,
        cell=None,
        *,
        saddle: float | None = None,
        probability: float | None = None,
        degeneracy: float = 1.0,
    ) -> None:
        set_ = object.__setattr__
        for field_name, name in (("source", source), ("target", target)):
            if not isinstance(name, str) or not name:
                raise ModelError(f"Hop.{field_name} must be a site name, got {name!r}")
        set_(self, "source", source)
        set_(self, "target", target)
        # Fast path for plain Python numbers (large models declare many hops).
        if (
            (cell is None or (type(cell) is tuple and all(type(c) is int for c in cell)))
            and probability is None
            and type(saddle) in _PLAIN
            and math.isfinite(saddle)
            and type(degeneracy) in _PLAIN
            and math.isfinite(degeneracy)
            and degeneracy > 0
        ):
            set_(self, "cell", () if cell is None else cell)
            set_(self, "saddle", float(saddle))
            set_(self, "probability", None)
            set_(self, "degeneracy", float(degeneracy))
            return
        if cell is None:
            cell = ()
        elif isinstance(cell, int | np.integer):
            cell = (int(cell),)
        set_(self, "cell", int_tuple(f"Hop({source}->{target}).cell", cell, len(cell)))
        if (saddle is None) == (probability is None):
            raise ModelError(
                f"Hop({source}->{target}): give exactly one of saddle= (eV) or probability=, "
                f"got saddle={saddle!r}, probability={probability!r}"
            )
        label = f"Hop({source}->{target}, cell={self.cell})"
        set_(self, "saddle", None if saddle is None else finite_float(f"{label}.saddle", saddle))
        set_(
            self,
            "probability",
            None
            if probability is None
            else finite_float(f"{label}.probability", probability, minimum=0.0, maximum=1.0),
        )
        set_(
            self,
            "degeneracy",
            finite_float(f"{label}.degeneracy", degeneracy, minimum=0.0, strict_min=True),
        )

    @property
    def is_bond(self) -> bool:
        """True when declared by a saddle energy (both directions exist)."""
        return self.saddle is not None

    def reversed_key(self) -> tuple[str, str, tuple[int, ...]]:
        """Key (source, target, cell) of the reverse direction."""
        return (self.target, self.source, tuple(-c for c in self.cell))

    def key(self) -> tuple[str, str, tuple[int, ...]]:
        """Key (source, target, cell) of this direction."""
        return (self.source, self.target, self.cell)
