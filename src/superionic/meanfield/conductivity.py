"""Conductivity of mean-field solutions through the core's transport (Eqs. 22, 38, 63).

A solution's self-consistent hop probabilities define a single-particle model (explicit directed
probabilities on the same lattice, one step per time unit); its weak-field mobility comes from
:func:`superionic.transport.mobility_tensor` and becomes a conductivity in S/cm through
:func:`superionic.transport.mobility_to_conductivity` with the physical charge, filling, cell
volume and step. For the two-sublattice closed forms the mobility is
``(2 c) l^2 P0 (1 - gamma^2) / (2 dim)`` (:func:`superionic.meanfield.chain.mobility`), which the
tests check against the core.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import finite_float
from ..errors import ModelError
from ..lattice import Hop, HoppingModel, coupling_factor
from ..transport import arrhenius_fit, mobility_tensor, mobility_to_conductivity
from .engine import MeanFieldData


@dataclass(frozen=True)
class Transport:
    """Physical inputs for conductivities.

    Parameters
    ----------
    charge : float
        Ionic charge Z in units of e.
    cell_volume : float, optional
        Volume per cell of the crystal in Å^3 (required for 1D and 2D lattices; default the
        lattice cell volume in 3D).
    tau : float
        The step in s (inverse attempt frequency).
    coupling : {"symmetric", "full"}
        Field coupling (DESIGN 2): ``symmetric`` obeys Nernst-Einstein; ``full`` is literally
        Eqs. 30-38 and doubles the mobility.
    """

    charge: float = 1.0
    cell_volume: float | None = None
    tau: float = 1e-13
    coupling: str = "symmetric"

    def __post_init__(self) -> None:
        object.__setattr__(self, "charge", finite_float("charge (e)", self.charge))
        object.__setattr__(
            self, "tau", finite_float("tau (s)", self.tau, minimum=0.0, strict_min=True)
        )
        if self.cell_volume is not None:
            object.__setattr__(
                self,
                "cell_volume",
                finite_float("cell_volume (Å^3)", self.cell_volume, minimum=0.0, strict_min=True),
            )
        coupling_factor(self.coupling)

    def volume_for(self, model: HoppingModel) -> float:
        if self.cell_volume is not None:
            return self.cell_volume
        if model.dim == 3:
            return model.lattice.volume
        raise ModelError(
            "Transport.cell_volume (Å^3) is required for 1D and 2D lattices: give the crystal "
            "volume per cell"
        )

    def conductivity(self, mobility, *, temperature, filling, cell_volume):
        """``mobility_to_conductivity`` with these inputs (mobility per step, Å^2)."""
        return mobility_to_conductivity(
            mobility,
            temperature=temperature,
            charge=self.charge,
            filling=filling,
            cell_volume=cell_volume,
            tau=self.tau,
        )


def frozen_model(data: MeanFieldData, probabilities) -> HoppingModel:
    """The single-particle model at given (self-consistent) hop probabilities, tau = 1."""
    model = data.model
    table = model.hop_table(
        temperature=1000.0 if model.requires_temperature else None, domain="ignore"
    )
    names = model.lattice.site_names
    hops = [
        Hop(names[s], names[t], tuple(int(c) for c in cell), probability=float(p))
        for s, t, cell, p in zip(table.source, table.target, table.cell, probabilities,
                                 strict=True)
    ]
    return HoppingModel(model.lattice, hops, tau=1.0, filling=model.filling)


def solution_mobility(data: MeanFieldData, probabilities, *, coupling: str = "symmetric"
                      ) -> float | None:
    """Isotropic weak-field mobility (mean of the diagonal, Å^2 per step) or None outside the
    model's domain (a hop probability above one or a negative diagonal)."""
    P = np.asarray(probabilities, float)
    if np.any(P > 1.0):
        return None
    out = np.zeros(data.n_sites)
    np.add.at(out, data.source, P)
    if np.any(out > 1.0 + 1e-12):
        return None
    mob = mobility_tensor(frozen_model(data, P), coupling=coupling)
    return float(np.trace(mob) / mob.shape[0])


def arrhenius_segments(temperature, sigma, labels) -> list[dict]:
    """Arrhenius fits (Eq. 39) on each contiguous run of equal ``labels`` (>= 3 points).

    Returns a list of ``{"phase", "t_min", "t_max", **arrhenius_fit(...)}``.
    """
    t = np.asarray(temperature, float)
    s = np.asarray(sigma, float)
    labels = list(labels)
    out = []
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            seg = slice(start, i)
            ok = np.isfinite(s[seg]) & (s[seg] > 0)
            if labels[start] is not None and np.sum(ok) >= 3:
                fit = arrhenius_fit(t[seg][ok], s[seg][ok])
                out.append({"phase": labels[start], "t_min": float(t[seg][ok].min()),
                            "t_max": float(t[seg][ok].max()), **fit})
            start = i
    return out
