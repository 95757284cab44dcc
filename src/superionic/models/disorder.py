"""Disordered supercells: random site energies, saddle energies and blocked sites, as arrays.

:func:`disordered_supercell` repeats a :class:`~superionic.lattice.HoppingModel` into a periodic
supercell and returns a :class:`~superionic.lattice.SiteNetwork` -- arrays only, no Python object
per site, so that 10^6 sites take seconds. Disorder is given per site (energies, blocking) or per
bond (saddle energies) as

* an array of exact values (offsets added to the model's energies; a boolean mask for blocking),
* a callable ``f(rng, size) -> array`` drawing them from a :class:`numpy.random.Generator`,
* a frozen :mod:`scipy.stats` distribution (drawn with its ``rvs``),
* for ``blocked``, a fraction in [0, 1): each site is blocked independently with that probability.

Draws are reproducible from ``seed``: a :class:`numpy.random.SeedSequence` spawns one independent
stream each for site energies, saddle energies and blocking, so that changing one kind of
disorder leaves the others' draws unchanged. :func:`realisation_seeds` spawns the seeds of many
independent realisations.

Blocked sites are removed with their hops (site percolation); the network returned is the
largest cluster of open sites that spans the supercell in every direction, or
:class:`~superionic.errors.DisconnectedNetworkError` is raised when none spans.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._validate import finite_float, int_tuple
from ..errors import ModelError
from ..lattice import HoppingModel, SiteNetwork

#: Site-percolation threshold of the square lattice (occupied fraction), Newman & Ziff (2000).
SQUARE_SITE_PERCOLATION = 0.592746

Draw = np.ndarray | Callable | float | None


def realisation_seeds(seed, count: int) -> list[np.random.SeedSequence]:
    """``count`` independent seeds spawned from ``seed`` (an int, None or a SeedSequence)."""
    count = int(count)
    if count < 1:
        raise ModelError(f"the number of realisations must be >= 1, got {count}")
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return root.spawn(count)


def _draw(name: str, spec, rng: np.random.Generator, size: int, *, boolean: bool = False):
    if spec is None:
        return None
    if hasattr(spec, "rvs"):
        values = spec.rvs(size=size, random_state=rng)
    elif callable(spec):
        values = spec(rng, size)
    elif boolean and np.ndim(spec) == 0:
        fraction = finite_float(f"{name} (fraction of sites)", spec, minimum=0.0, maximum=1.0)
        if fraction >= 1.0:
            raise ModelError(f"{name} must be < 1 (a fraction of blocked sites), got {fraction}")
        values = rng.random(size) < fraction
    else:
        values = spec
    arr = np.asarray(values)
    if arr.shape != (size,):
        raise ModelError(f"{name} must give {size} values (one per entry), got shape {arr.shape}")
    if boolean:
        if arr.dtype != bool:
            raise ModelError(f"{name} must be a boolean mask (True = blocked), got {arr.dtype}")
        return arr
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        raise ModelError(f"{name} must be finite")
    return arr


def disordered_supercell(
    model: HoppingModel,
    repeats,
    *,
    site_energy: Draw = None,
    saddle_energy: Draw = None,
    blocked: Draw = None,
    seed=None,
    spanning: bool = True,
) -> SiteNetwork:
    """A periodic supercell of ``model`` with disordered energies and blocked sites.

    Parameters
    ----------
    model : HoppingModel
        The primitive model; its site energies, saddles, explicit probabilities, tau and filling
        carry over.
    repeats : int or sequence of int
        Cells along each lattice vector.
    site_energy : array, callable, scipy.stats distribution, optional
        Offsets (eV) added to the site energies, one per supercell site (site index
        ``cell_index * model.n_sites + site``, cells in C order of ``repeats``).
    saddle_energy : array, callable, scipy.stats distribution, optional
        Offsets (eV) added to the saddle energy of each bond (both directions), one per bond;
        bonds are numbered cell by cell, in the order of the model's declared bonds.
    blocked : float, boolean array, callable, optional
        Blocked sites (no ion enters or leaves): a fraction, a mask (True = blocked) or a
        callable returning one.
    seed : int, SeedSequence or None
        Seed of the random draws.
    spanning : bool
        Keep only the largest cluster spanning the supercell (default). With False, blocked
        sites are removed and the network is returned as it is (possibly disconnected).

    Returns
    -------
    SiteNetwork
        Its ``filling`` is the model's filling per site times the number of sites kept (ions
        on the kept sites); ``site_index`` maps its sites to the full supercell.

    Raises
    ------
    DisconnectedNetworkError
        When ``spanning`` and no cluster of open sites spans the supercell.
    """
    if not isinstance(model, HoppingModel):
        raise ModelError(f"model must be a HoppingModel, got {type(model).__name__}")
    dim, n_u = model.dim, model.n_sites
    if np.ndim(repeats) == 0:
        repeats = (repeats,) * dim
    reps = np.array(int_tuple("repeats", repeats, dim), dtype=np.int64)
    if np.any(reps < 1):
        raise ModelError(f"repeats must be >= 1 along every direction, got {tuple(reps)}")
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rng_energy, rng_saddle, rng_block = (np.random.default_rng(s) for s in root.spawn(3))

    n_cells = int(np.prod(reps))
    n = n_cells * n_u
    hp = model.hop_parameters
    h_count = hp.source.size
    grid = np.indices(tuple(reps)).reshape(dim, -1).T  # (n_cells, dim), C order
    lat = model.lattice
    positions = (grid @ lat.matrix)[:, None, :] + lat.positions[None, :, :]
    energies = np.tile(lat.site_energies, n_cells)
    de = _draw("site_energy", site_energy, rng_energy, n)
    if de is not None:
        energies = energies + de

    # Every directed hop in every cell: instance index = cell * h_count + h.
    tcell = grid[:, None, :] + hp.cell[None, :, :]  # (n_cells, H, dim)
    wrap = np.floor_divide(tcell, reps)
    tcell_mod = tcell - wrap * reps
    tcell_index = np.ravel_multi_index(tuple(tcell_mod.reshape(-1, dim).T), tuple(reps))
    source = (np.arange(n_cells)[:, None] * n_u + hp.source[None, :]).reshape(-1)
    target = (tcell_index.reshape(n_cells, h_count) * n_u + hp.target[None, :]).reshape(-1)
    cell = wrap.reshape(-1, dim)
    saddle = np.tile(hp.saddle, n_cells)
    if saddle_energy is not None:
        bond = hp.is_bond & (hp.reverse >= 0)
        canonical = bond & (np.arange(h_count) < hp.reverse)
        n_bonds_cell = int(canonical.sum())
        if n_bonds_cell == 0:
            raise ModelError("saddle_energy needs a model with bonds declared by saddle energies")
        dsaddle = _draw("saddle_energy", saddle_energy, rng_saddle, n_cells * n_bonds_cell)
        bond_of = np.full(h_count, -1, dtype=np.int64)
        bond_of[canonical] = np.arange(n_bonds_cell)
        offsets = np.zeros((n_cells, h_count))
        offsets[:, canonical] = dsaddle.reshape(n_cells, n_bonds_cell)
        flat = offsets.reshape(-1)
        # The reverse of canonical hop h from cell c is hop reverse[h] from cell c + cell_h.
        rev_hops = np.nonzero(bond & ~canonical)[0]
        for r in rev_hops:
            h = int(hp.reverse[r])
            cells_of_h = tcell_index.reshape(n_cells, h_count)[:, r]  # cell of r's target
            # Instance (c, r) reverses instance (c + cell_r, h).
            flat[np.arange(n_cells) * h_count + r] = offsets[cells_of_h, h]
        saddle = saddle + flat
    network = SiteNetwork(
        vectors=reps[:, None] * lat.matrix,
        positions=positions.reshape(-1, dim),
        energies=energies,
        source=source,
        target=target,
        cell=cell,
        saddle=saddle,
        probability=np.tile(hp.probability, n_cells),
        degeneracy=np.tile(hp.degeneracy, n_cells),
        tau=model.tau,
        filling=model.filling * n_cells,
        charge=model.charge,
    )
    mask = _draw("blocked", blocked, rng_block, n, boolean=True)
    if mask is not None and np.any(mask):
        network = network.subnetwork(~mask)
    return network.spanning_cluster() if spanning else network
