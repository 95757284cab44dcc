"""Interstitial networks of common crystal structures, declared by energies and attempt frequencies.

:func:`hcp_interstitial` builds the octahedral + tetrahedral interstitial network of an hcp
host: two site energies and three barrier types (o-o along c, o-t, t-t along c), each with its
own attempt frequency. Rates are ``nu exp(-(S - E_site) / kB T)`` (the transition-state form used
by interstitial-diffusion codes); the per-step probabilities are ``P = rate x tau`` with a step
``tau`` chosen so that every out-probability stays below 1/2 at any temperature. For single-ion
quantities at zero field (diffusion tensor, occupations) the result does not depend on tau: the
stable eigenvalue of the discrete-time matrix ``I + tau W`` is ``1 + tau lambda`` with ``lambda``
that of the rate matrix W, and its k-Hessian at k = 0 (zero drift) is exactly tau times that of
lambda.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import finite_float
from ..errors import ModelError
from ..lattice import Hop, HoppingModel, Lattice, Site

#: Fractional positions of the hcp host atoms (for reference; not mobile-ion sites).
HCP_ATOMS = ((1 / 3, 2 / 3, 1 / 4), (2 / 3, 1 / 3, 3 / 4))


def hcp_sites(z: float = 0.125) -> dict[str, tuple[float, float, float]]:
    """Fractional positions of the 2 octahedral and 4 tetrahedral interstitial sites of hcp.

    ``z`` is the distance of a tetrahedral site from the basal plane of its host atom's
    neighbours, in units of c (ideal: 1/8).
    """
    return {
        "o0": (0.0, 0.0, 0.0),
        "o1": (0.0, 0.0, 0.5),
        "t0": (1 / 3, 2 / 3, 0.75 - z),
        "t1": (1 / 3, 2 / 3, 0.75 + z),
        "t2": (2 / 3, 1 / 3, 0.25 - z),
        "t3": (2 / 3, 1 / 3, 0.25 + z),
    }


def hcp_interstitial(
    a: float = 3.0,
    c_a: float = math.sqrt(8.0 / 3.0),
    z: float = 0.125,
    *,
    oct_energy: float = 0.0,
    tet_energy: float = 0.1,
    saddle_oo: float = 0.6,
    saddle_ot: float = 0.5,
    saddle_tt: float = 0.3,
    nu_oo: float = 1e13,
    nu_ot: float = 1e13,
    nu_tt: float = 1e13,
    tau: float | None = None,
) -> HoppingModel:
    """Octahedral and tetrahedral interstitial sites of an hcp lattice, three barrier types.

    Lattice vectors ``a (1, 0, 0)``, ``a (-1/2, sqrt(3)/2, 0)``, ``(0, 0, c)``; host atoms at
    (1/3, 2/3, 1/4) and (2/3, 1/3, 3/4); octahedral sites ``o0``, ``o1`` at (0, 0, 0) and
    (0, 0, 1/2); tetrahedral sites ``t0..t3`` at (1/3, 2/3, 3/4 -+ z) and (2/3, 1/3, 1/4 -+ z).
    Bonds: each octahedral site to its two octahedral neighbours along c (distance c/2), to its
    six nearest tetrahedral sites, and each tetrahedral site to its partner along c (distance
    2 z c). Rates ``nu exp(-(S - E) / kB T)``; probabilities per step ``rate x tau``.

    Parameters
    ----------
    a : float
        Basal lattice constant, Å.
    c_a : float
        c / a (ideal sqrt(8/3)).
    z : float
        Tetrahedral offset along c in units of c, 0 < z < 1/4.
    oct_energy, tet_energy : float
        Site energies, eV.
    saddle_oo, saddle_ot, saddle_tt : float
        Saddle-point energies of the three barrier types, eV (not below their end sites).
    nu_oo, nu_ot, nu_tt : float
        Attempt frequencies, Hz.
    tau : float, optional
        Step in s; default ``0.5 / (largest total attempt frequency of a site)``, so every
        out-probability is below 1/2 at any temperature.
    """
    a = finite_float("a (Å)", a, minimum=0.0, strict_min=True)
    c_a = finite_float("c_a", c_a, minimum=0.0, strict_min=True)
    z = finite_float("z", z, minimum=0.0, strict_min=True, maximum=0.25)
    if z >= 0.25:
        raise ModelError(f"z must be < 1/4 (tetrahedral sites inside their cell), got {z}")
    e_o = finite_float("oct_energy (eV)", oct_energy)
    e_t = finite_float("tet_energy (eV)", tet_energy)
    saddles = {
        ("o", "o"): finite_float("saddle_oo (eV)", saddle_oo, minimum=e_o),
        ("o", "t"): finite_float("saddle_ot (eV)", saddle_ot, minimum=max(e_o, e_t)),
        ("t", "t"): finite_float("saddle_tt (eV)", saddle_tt, minimum=e_t),
    }
    nus = {
        ("o", "o"): finite_float("nu_oo (Hz)", nu_oo, minimum=0.0, strict_min=True),
        ("o", "t"): finite_float("nu_ot (Hz)", nu_ot, minimum=0.0, strict_min=True),
        ("t", "t"): finite_float("nu_tt (Hz)", nu_tt, minimum=0.0, strict_min=True),
    }
    c = c_a * a
    vectors = np.array([[a, 0.0, 0.0], [-a / 2, a * math.sqrt(3) / 2, 0.0], [0.0, 0.0, c]])
    sites = [
        Site(name, pos, energy=e_o if name.startswith("o") else e_t)
        for name, pos in hcp_sites(z).items()
    ]
    lattice = Lattice(vectors, sites)
    pos = lattice.positions
    frac = lattice.fractional_positions
    kinds = [name[0] for name in lattice.site_names]
    # the nearest o-t distance
    images = np.array(list(np.ndindex(3, 3, 3))) - 1
    shifts = images @ vectors
    d_ot = min(
        float(np.min(np.linalg.norm(pos[j] + shifts - pos[i], axis=1)))
        for i in range(2)
        for j in range(2, 6)
    )
    targets = {("o", "o"): c / 2, ("o", "t"): d_ot, ("t", "t"): 2 * z * c}
    # o-o and t-t partners lie straight along c (same column)
    cutoff = 1.001 * max(targets.values())
    coordination = np.zeros(6)
    pairs: list[tuple[str, str, tuple[int, ...], tuple[str, str]]] = []
    seen: set = set()
    for dist, shell in lattice.neighbour_shells(cutoff):
        for s, t, cell in shell:
            i, j = lattice.site_index(s), lattice.site_index(t)
            kind = tuple(sorted((kinds[i], kinds[j])))
            if abs(dist - targets[kind]) > 1e-6 * a:
                continue
            if kind == ("t", "t") and not np.allclose(frac[i, :2], frac[j, :2]):
                continue
            if kind == ("o", "o") and not np.allclose(frac[i, :2], frac[j, :2]):
                continue
            if (t, s, tuple(-x for x in cell)) in seen:
                continue
            seen.add((s, t, cell))
            pairs.append((s, t, cell, kind))
            coordination[i] += nus[kind]
            coordination[j] += nus[kind]
    if tau is None:
        tau = 0.5 / float(coordination.max())
    tau = finite_float("tau (s)", tau, minimum=0.0, strict_min=True)
    hops = [
        Hop(s, t, cell, saddle=saddles[kind], degeneracy=1.0 / (nus[kind] * tau))
        for s, t, cell, kind in pairs
    ]
    return HoppingModel(lattice, hops, tau=tau)
