"""Canned models, each built through the public declaration API.

* :func:`two_site_chain`: the 1D two-site chain of Sec. III (Eqs. 23-25);
* :func:`honeycomb`: the 2D honeycomb lattice of App. A (Eqs. 56-57);
* :func:`bcc_tetrahedral`: the 12 tetrahedral sites of a bcc anion cell (alpha-AgI type), 3D;
* :func:`interacting_chain`, :func:`interacting_honeycomb`: the same lattices with the K0 / M0
  interactions and filling of Sec. IV and App. A, declared by energies;
* :func:`supercell`: the same model on a larger cell (for folding checks and big cells).
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import finite_float, int_tuple
from ..errors import ModelError
from ..lattice import Hop, HoppingModel, Interactions, Lattice, Site


def _p0_gamma(P0: float, gamma: float, coordination: int) -> tuple[float, float]:
    P0 = finite_float("P0", P0, minimum=0.0, maximum=1.0)
    gamma = finite_float("gamma", gamma, minimum=-1.0, maximum=1.0)
    per_hop_max = P0 * (1 + abs(gamma)) / coordination
    if per_hop_max > 1.0:
        raise ModelError(
            f"P0 (1 + |gamma|) / {coordination} = {per_hop_max:g} > 1: a hop probability "
            "would exceed one"
        )
    return P0, gamma


def two_site_chain(P0: float, gamma: float, a: float = 1.0, tau: float = 1.0) -> HoppingModel:
    """The 1D chain with sites a (x = 0) and b (x = a/2) of Sec. III (Eq. 24).

    ``P(a -> b) = P0 (1 - gamma) / 2`` and ``P(b -> a) = P0 (1 + gamma) / 2`` to each of the two
    neighbours, so that site a holds ``(1 + gamma) / 2`` of the ions (Eq. 28).

    Parameters
    ----------
    P0 : float
        Total hop probability ``P_ab + P_ba`` per step (Eq. 23), in [0, 1].
    gamma : float
        Bias of the staggered landscape, in [-1, 1].
    a : float
        Lattice constant in Å.
    tau : float
        Step in s (or 1 for velocities per step).

    Notes
    -----
    The model is inside the discrete-time domain when ``P0 (1 + |gamma|) cosh(c f a/2) <= 1``;
    outside it (for instance Fig. 3(c): P0 = 0.6, gamma = 0.88) the matrices can still be studied
    with ``domain="warn"``.
    """
    P0, gamma = _p0_gamma(P0, gamma, 2)
    a = finite_float("a (Å)", a, minimum=0.0, strict_min=True)
    lattice = Lattice([[a]], [Site("a", [0.0]), Site("b", [0.5])])
    p_ab, p_ba = P0 * (1 - gamma) / 2, P0 * (1 + gamma) / 2
    hops = [
        Hop("a", "b", (0,), probability=p_ab),
        Hop("a", "b", (-1,), probability=p_ab),
        Hop("b", "a", (0,), probability=p_ba),
        Hop("b", "a", (1,), probability=p_ba),
    ]
    return HoppingModel(lattice, hops, tau=tau)


def _honeycomb_lattice(a: float) -> Lattice:
    a = finite_float("a (Å)", a, minimum=0.0, strict_min=True)
    s3 = math.sqrt(3.0)
    # Bravais vectors a1 - a3 and a2 - a3 of Eq. 57; site A at 0, B at (0, a/sqrt(3)).
    vectors = [[a / 2, a * s3 / 2], [-a / 2, a * s3 / 2]]
    return Lattice(vectors, [Site("A", [0.0, 0.0]), Site("B", [1 / 3, 1 / 3])])


HONEYCOMB_B_TO_A_CELLS = ((0, 0), (1, 0), (0, 1))


def honeycomb(P0: float, gamma: float, a: float = 1.0, tau: float = 1.0) -> HoppingModel:
    """The 2D honeycomb lattice of App. A (Eqs. 56-57), lattice constant ``a`` (Å).

    Sites A (0, 0) and B (0, a / sqrt 3); the B -> A hops have the displacements
    ``a_1 = a (1/2, 1/(2 sqrt 3))``, ``a_2 = a (-1/2, 1/(2 sqrt 3))``, ``a_3 = a (0, -1/sqrt 3)``
    of Eq. 57 with probability ``P0 (1 + gamma) / 3``; A -> B hops have ``P0 (1 - gamma) / 3``.
    The nearest-neighbour distance is ``a / sqrt 3``.
    """
    P0, gamma = _p0_gamma(P0, gamma, 3)
    lattice = _honeycomb_lattice(a)
    p_ab, p_ba = P0 * (1 - gamma) / 3, P0 * (1 + gamma) / 3
    hops = []
    for cell in HONEYCOMB_B_TO_A_CELLS:
        hops.append(Hop("B", "A", cell, probability=p_ba))
        hops.append(Hop("A", "B", tuple(-c for c in cell), probability=p_ab))
    return HoppingModel(lattice, hops, tau=tau)


# Wyckoff 12d positions of Im-3m in the conventional cubic cell.
BCC_TETRAHEDRAL_SITES = (
    (0.25, 0.0, 0.5),
    (0.75, 0.0, 0.5),
    (0.5, 0.25, 0.0),
    (0.5, 0.75, 0.0),
    (0.0, 0.5, 0.25),
    (0.0, 0.5, 0.75),
    (0.75, 0.5, 0.0),
    (0.25, 0.5, 0.0),
    (0.0, 0.75, 0.5),
    (0.0, 0.25, 0.5),
    (0.5, 0.0, 0.75),
    (0.5, 0.0, 0.25),
)


def bcc_tetrahedral(
    barrier: float = 0.1,
    a: float = 5.07,
    tau: float = 1e-13,
    site_energy: float = 0.0,
) -> HoppingModel:
    """Mobile ions on the 12 tetrahedral sites of a bcc anion cell (alpha-AgI type), 3D.

    Each tetrahedral site shares faces with four others at ``a sqrt(2) / 4``; bonds are built with
    :meth:`Lattice.neighbour_shells` and declared by a saddle energy ``site_energy + barrier``.

    Parameters
    ----------
    barrier : float
        Activation energy tet -> tet in eV.
    a : float
        Cubic lattice constant in Å (5.07 for alpha-AgI).
    tau : float
        Step in s (inverse attempt frequency).
    site_energy : float
        Energy of the tetrahedral sites in eV.
    """
    a = finite_float("a (Å)", a, minimum=0.0, strict_min=True)
    barrier = finite_float("barrier (eV)", barrier, minimum=0.0)
    sites = [Site(f"t{i}", pos, energy=site_energy) for i, pos in enumerate(BCC_TETRAHEDRAL_SITES)]
    lattice = Lattice(np.eye(3) * a, sites)
    return HoppingModel(lattice, bonds_from_shell(lattice, 0, site_energy + barrier), tau=tau)


def bonds_from_shell(
    lattice: Lattice,
    shell: int,
    saddle: float,
    cutoff: float | None = None,
    degeneracy: float = 1.0,
) -> list[Hop]:
    """Bond hops (one per undirected pair) of neighbour shell number ``shell``, by saddle energy.

    Parameters
    ----------
    lattice : Lattice
    shell : int
        0 for the nearest-neighbour shell, 1 for the next, ...
    saddle : float
        Saddle energy of every bond in the shell, eV.
    cutoff : float, optional
        Search radius in Å (default: 1.5 x the shortest lattice vector).
    """
    if cutoff is None:
        cutoff = 1.5 * float(np.min(np.linalg.norm(lattice.matrix, axis=1)))
    shells = lattice.neighbour_shells(cutoff)
    if shell >= len(shells):
        raise ModelError(f"shell={shell} not found within cutoff {cutoff:g} Å")
    hops, seen = [], set()
    for a, b, cell in shells[shell][1]:
        rev = (b, a, tuple(-c for c in cell))
        if rev in seen:
            continue
        seen.add((a, b, cell))
        hops.append(Hop(a, b, cell, saddle=saddle, degeneracy=degeneracy))
    return hops


def interacting_chain(
    lambda0: float,
    K0: float,
    M0: float = 0.0,
    n0: float = 1.0,
    a: float = 1.0,
    tau: float = 1.0,
) -> HoppingModel:
    """The chain of Sec. IV with Coulomb repulsion K0 and concerted hopping M0 (Eqs. 43-55).

    Both sites have energy 0 and every bond the saddle ``lambda0`` with degeneracy 2, so the
    base probability per direction is ``exp(-lambda0 / kB T) / 2`` (Eq. 47).

    Parameters
    ----------
    lambda0 : float
        Single-particle adiabatic barrier Lambda0 in eV (> 0).
    K0 : float
        Nearest-neighbour Coulomb repulsion in eV.
    M0 : float
        Nonadiabatic concerted-hopping strength in eV (>= 0).
    n0 : float
        Filling, ions per cell (0 < n0 <= 2).
    """
    lambda0 = finite_float("lambda0 (eV)", lambda0, minimum=0.0, strict_min=True)
    a = finite_float("a (Å)", a, minimum=0.0, strict_min=True)
    lattice = Lattice([[a]], [Site("a", [0.0]), Site("b", [0.5])])
    hops = [
        Hop("a", "b", (0,), saddle=lambda0, degeneracy=2),
        Hop("a", "b", (-1,), saddle=lambda0, degeneracy=2),
    ]
    return HoppingModel(
        lattice, hops, tau=tau, filling=n0, interactions=Interactions(repulsion=K0, concerted=M0)
    )


def interacting_honeycomb(
    lambda0: float,
    K0: float,
    M0: float = 0.0,
    n0: float = 1.0,
    a: float = 1.0,
    tau: float = 1.0,
) -> HoppingModel:
    """The honeycomb of App. A with the interactions of Sec. IV.

    Base probability per direction ``exp(-lambda0 / kB T) / 3`` (saddle ``lambda0``, degeneracy 3).
    """
    lambda0 = finite_float("lambda0 (eV)", lambda0, minimum=0.0, strict_min=True)
    lattice = _honeycomb_lattice(a)
    hops = [Hop("B", "A", cell, saddle=lambda0, degeneracy=3) for cell in HONEYCOMB_B_TO_A_CELLS]
    return HoppingModel(
        lattice, hops, tau=tau, filling=n0, interactions=Interactions(repulsion=K0, concerted=M0)
    )


def supercell(model: HoppingModel, repeats) -> HoppingModel:
    """The same model on a supercell of ``repeats`` cells along each lattice vector.

    Sites are named ``"{name}@{i},{j},..."``; the filling scales with the cell. Bloch spectra of
    the supercell fold those of the primitive model (tested).
    """
    lat = model.lattice
    reps = int_tuple("repeats", repeats, lat.dim)
    if any(r < 1 for r in reps):
        raise ModelError(f"repeats must be >= 1, got {reps}")
    reps_a = np.array(reps)
    cells = (
        np.array(np.meshgrid(*[np.arange(r) for r in reps], indexing="ij")).reshape(lat.dim, -1).T
    )

    def name(site: str, c) -> str:
        return f"{site}@{','.join(str(int(x)) for x in c)}"

    sites = []
    for c in cells:
        for s in lat.sites:
            frac = (np.array(s.position) + c) / reps_a
            sites.append(Site(name(s.name, c), frac, energy=s.energy))
    big = Lattice(lat.matrix * reps_a[:, None], sites)
    hops = []
    for c in cells:
        for hop in model.hops:
            hc = np.array(hop.cell if hop.cell else (0,) * lat.dim)
            dest = c + hc
            wrapped = np.mod(dest, reps_a)
            big_cell = tuple(int(x) for x in np.floor_divide(dest, reps_a))
            hops.append(
                Hop(
                    name(hop.source, c),
                    name(hop.target, wrapped),
                    big_cell,
                    saddle=hop.saddle,
                    probability=hop.probability,
                    degeneracy=hop.degeneracy,
                )
            )
    return HoppingModel(
        big,
        hops,
        tau=model.tau,
        filling=model.filling * int(np.prod(reps_a)),
        interactions=model.interactions,
        charge=model.charge,
    )
