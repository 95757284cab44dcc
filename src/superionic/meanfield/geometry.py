"""Recognise a model as a two-sublattice lattice with closed forms (chain, honeycomb, alike).

:func:`detect_geometry` reads the interaction tables of a :class:`~superionic.lattice.HoppingModel`
and returns the constants of :class:`~superionic.meanfield.chain.Geometry` (coordination,
blocking neighbours and concerted partners per hop, hop length) and the barrier ``Lambda0`` when
the model is one in which the closed forms of :mod:`superionic.meanfield.chain` hold exactly:

* two sites per cell with equal energies, every hop joining the two sites (bipartite);
* every hop with the same base probability ``w exp(-Lambda0 / kB T) / z``, the same number of
  blocking neighbours and of concerted partners, and the same length;
* out-hops of each site summing to zero and isotropic (``sum d d^T = z l^2 / dim``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ModelError
from ..lattice import HoppingModel
from ..units import KB_EV
from .chain import CHAIN, HONEYCOMB, Geometry
from .engine import MeanFieldData, compile_model

_T1, _T2 = 1000.0, 3000.0


@dataclass(frozen=True)
class DetectedGeometry:
    """A recognised two-sublattice model: its geometry (hop length in Å) and parameters."""

    geometry: Geometry
    lambda0: float
    K0: float
    M0: float
    n0: float


def detect_geometry(model: HoppingModel, data: MeanFieldData | None = None
                    ) -> DetectedGeometry | None:
    """Return the closed-form constants of ``model``, or None when it is not such a lattice."""
    data = compile_model(model) if data is None else data
    if data.n_sites != 2 or data.sublattice is None:
        return None
    energies = model.lattice.site_energies
    if not math.isclose(energies[0], energies[1], rel_tol=0, abs_tol=1e-12):
        return None
    src = data.source
    z_each = np.bincount(src, minlength=2)
    if z_each[0] != z_each[1]:
        return None
    z = int(z_each[0])
    z_b = data.blocking.sum(axis=1)
    z_c = data.partners.sum(axis=1)
    if np.ptp(z_b) or np.ptp(z_c):
        return None
    # base probability: w exp(-lambda0 / kB T) / z
    if model.requires_temperature:
        b1, b2 = model.base_probability(_T1), model.base_probability(_T2)
    else:
        b1 = b2 = model.base_probability()
    if np.ptp(b1) > 1e-12 * np.max(b1) or np.ptp(b2) > 1e-12 * np.max(b2) or b1[0] <= 0:
        return None
    lambda0 = -(math.log(b1[0]) - math.log(b2[0])) / (1.0 / (KB_EV * _T1) - 1.0 / (KB_EV * _T2))
    if abs(lambda0) < 1e-12:
        lambda0 = 0.0
    if lambda0 < 0:
        raise ModelError(
            f"the hop barrier Lambda0 = {lambda0:.6g} eV is negative (saddle below the site "
            "energy): the mean field needs Lambda0 >= 0"
        )
    w = z * b1[0] * math.exp(lambda0 / (KB_EV * _T1))
    d = data.displacement
    length = np.linalg.norm(d, axis=1)
    if np.ptp(length) > 1e-9 * length.max():
        return None
    dim = d.shape[1]
    ell = float(length[0])
    for site in (0, 1):
        ds = d[src == site]
        if np.max(np.abs(ds.sum(axis=0))) > 1e-9 * ell:
            return None
        second = ds.T @ ds
        if np.max(np.abs(second - z * ell**2 / dim * np.eye(dim))) > 1e-9 * ell**2:
            return None
    name = "two-sublattice"
    for known in (CHAIN, HONEYCOMB):
        if (known.coordination, known.blocking, known.partners, known.dim) == (
            z, int(z_b[0]), int(z_c[0]), dim
        ):
            name = known.name
    geometry = Geometry(
        name=name,
        coordination=z,
        blocking=int(z_b[0]),
        partners=int(z_c[0]),
        dim=dim,
        hop_length=ell,
        prefactor=w,
    )
    return DetectedGeometry(geometry, lambda0, data.K0, data.M0, data.n0)
