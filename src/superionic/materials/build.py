"""Energies per site class and hop class, and the :class:`~superionic.HoppingModel` they define.

Each site class gets one site energy and each hop class one saddle energy (eV), from

* a table (mapping class name -> eV; a single number applies to every class; in a saddle table
  ``None`` removes a hop class from the model),
* a callable of Cartesian position (Å) -> eV: the site energy is its value at the site, the
  saddle the maximum along the straight hop path, or
* ``"bvse"``: the bond-valence site-energy landscape (:mod:`superionic.materials.bvse`), used the
  same way.

Every bond is declared once by its saddle (a :class:`~superionic.Hop` with ``saddle=``), hopped
both ways with ``exp(-(S - E_origin) / kB T)`` per step (Eq. 3), so detailed balance with the
Boltzmann occupations holds by construction.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping

import numpy as np
import xarray as xr

from .._validate import finite_float
from ..errors import ModelError
from ..lattice import Hop, HoppingModel, Interactions, Lattice, Site
from .classify import _describe_directions, _percolation
from .errors import MissingEnergyError, NonPercolatingNetworkError
from .network import HopNetwork, hop_network

__all__ = ["build_model", "class_energies", "model_spec"]

#: Attempt frequency (Hz) used when neither ``tau`` nor ``attempt_frequency`` is given.
DEFAULT_ATTEMPT_FREQUENCY = 1e13
#: Points sampled along a hop path for the maximum of a landscape.
PATH_POINTS = 41
#: Placeholder written for an energy the user must fill in.
PLACEHOLDER = "FILL IN (eV)"


# =========================================================================== energies
def _evaluate(func: Callable, points: np.ndarray, what: str) -> np.ndarray:
    try:
        values = np.asarray(func(points), dtype=float)
    except Exception:  # a scalar-only callable: evaluate point by point
        values = None
    if values is None or values.shape != (points.shape[0],):
        try:
            values = np.array([float(func(p)) for p in points])
        except Exception as exc:
            raise ModelError(f"{what}: the callable failed on a position: {exc}") from None
    if not np.all(np.isfinite(values)):
        raise ModelError(f"{what}: the callable returned a non-finite energy")
    return values


def _table(name: str, table, classes: tuple[str, ...], *, allow_none: bool) -> dict:
    if isinstance(table, Mapping):
        missing = [c for c in classes if c not in table]
        unknown = [k for k in table if k not in classes]
        if missing or unknown:
            parts = []
            if missing:
                parts.append(f"no energy for class(es) {missing}")
            if unknown:
                parts.append(f"unknown class(es) {unknown}")
            raise MissingEnergyError(
                f"{name}: {'; '.join(parts)}; the classes are {list(classes)}",
                missing, unknown,
            )
        out = {}
        for c in classes:
            v = table[c]
            if v is None and allow_none:
                out[c] = None
            else:
                out[c] = finite_float(f"{name}[{c!r}] (eV)", v)
        return out
    value = finite_float(f"{name} (eV)", table)
    return dict.fromkeys(classes, value)


def _landscape(spec: str, network: HopNetwork, charge):
    if spec != "bvse":
        raise ModelError(
            f"energies must be a number, a table, a callable or 'bvse', got {spec!r}")
    from .bvse import bvse_landscape

    return bvse_landscape(network, charge=_charge(network, charge))


def _site_values(network: HopNetwork, site_energies, landscape) -> np.ndarray:
    if landscape is not None:
        return _evaluate(landscape, network.cartesian_positions, "site_energies")
    table = _table("site_energies", site_energies, network.site_class_names, allow_none=False)
    return np.array([table[network.site_classes[int(c)].name] for c in network.site_class])


def _saddle_values(network: HopNetwork, saddle_energies, landscape) -> np.ndarray:
    if landscape is not None:
        start, end = network.bond_endpoints()
        t = np.linspace(0.0, 1.0, PATH_POINTS)
        path = start[:, None, :] + t[None, :, None] * (end - start)[:, None, :]
        values = _evaluate(landscape, path.reshape(-1, 3), "saddle_energies")
        return values.reshape(start.shape[0], PATH_POINTS).max(axis=1)
    table = _table("saddle_energies", saddle_energies, network.hop_class_names, allow_none=True)
    names = network.hop_class_names
    return np.array([np.nan if table[names[int(c)]] is None else table[names[int(c)]]
                     for c in network.bond_class])


def _energies(network, site_energies, saddle_energies, charge):
    cache: dict[str, Callable] = {}

    def landscape(spec):
        if isinstance(spec, str):
            if spec not in cache:
                cache[spec] = _landscape(spec, network, charge)
            return cache[spec]
        return spec if callable(spec) else None

    sites = _site_values(network, site_energies, landscape(site_energies))
    saddles = _saddle_values(network, saddle_energies, landscape(saddle_energies))
    if cache:
        # BVSE energies are absolute: measure them from the lowest BVSE site energy
        zero = float(np.min(landscape("bvse")(network.cartesian_positions)))
        if isinstance(site_energies, str):
            sites = sites - zero
        if isinstance(saddle_energies, str):
            saddles = saddles - zero
    return sites, saddles


def _check_saddles(network: HopNetwork, sites: np.ndarray, saddles: np.ndarray) -> None:
    live = np.isfinite(saddles)
    ends = np.maximum(sites[network.bond_source], sites[network.bond_target])
    low = live & (saddles < ends - 1e-12)
    if np.any(low):
        k = int(np.flatnonzero(low)[0])
        name = network.hop_class_names[int(network.bond_class[k])]
        raise ModelError(
            f"saddle energy of hop class {name} ({saddles[k]:.6g} eV) lies below the energy of "
            f"its end site ({ends[k]:.6g} eV): a saddle must be at least as high as both ends"
        )


def class_energies(network: HopNetwork, *, site_energies, saddle_energies,
                   charge: float | None = None) -> xr.Dataset:
    """The site energy of every site class and saddle energy of every hop class, eV.

    For a callable or ``"bvse"`` landscape a class's value is the mean over its members (equal
    for a landscape with the crystal's symmetry). Removed hop classes are NaN.
    """
    sites, saddles = _energies(network, site_energies, saddle_energies, charge)
    site_c = [float(np.mean(sites[network.site_class == c]))
              for c in range(len(network.site_classes))]
    hop_c = [float(np.mean(saddles[network.bond_class == c]))
             for c in range(len(network.hop_classes))]
    return xr.Dataset(
        {
            "site_energy": ("site_class_name", site_c, {"units": "eV"}),
            "saddle_energy": ("hop_class_name", hop_c, {"units": "eV"}),
        },
        coords={"site_class_name": list(network.site_class_names),
                "hop_class_name": list(network.hop_class_names)},
    )


# =========================================================================== the model
def _charge(network: HopNetwork, charge) -> float:
    if charge is not None:
        value = finite_float("charge (e)", charge)
        if value == 0.0:
            raise ModelError("charge (e) must be nonzero, got 0")
        return value
    states = dict(network.oxidation_states)
    if network.mobile in states and states[network.mobile] != 0:
        return float(states[network.mobile])
    raise ModelError(
        f"charge=None but the structure gives no oxidation state of {network.mobile}: give "
        "charge= (Z in units of e)"
    )


def _attempt_frequencies(network: HopNetwork, attempt_frequency) -> np.ndarray:
    names = network.hop_class_names
    if isinstance(attempt_frequency, Mapping):
        table = _table("attempt_frequency", attempt_frequency, names, allow_none=False)
        nu = np.array([table[names[int(c)]] for c in network.bond_class])
    else:
        nu = np.full(network.n_bonds, finite_float("attempt_frequency (Hz)", attempt_frequency))
    if np.any(nu <= 0):
        raise ModelError(f"attempt_frequency (Hz) must be > 0, got {attempt_frequency!r}")
    return nu


def _percolation_check(network: HopNetwork, live: np.ndarray, allow: bool) -> None:
    dim, directions, components = _percolation(
        network.n_sites, network.bond_source[live], network.bond_target[live],
        network.bond_cell[live])
    if dim == 3 and components == 1:
        return
    if dim < 3:
        message = (f"the hop network of {network.mobile} (cutoff {network.cutoff:g} Å) "
                   f"percolates in {dim} dimension(s): {_describe_directions(dim, directions)}; "
                   "raise the cutoff or add hop classes")
    else:
        message = (f"the hop network of {network.mobile} splits into {components} parts that "
                   "never exchange ions (some sites or classes are not connected to the rest); "
                   "raise the cutoff or add hop classes")
    if allow:
        warnings.warn(message, stacklevel=3)
        return
    raise NonPercolatingNetworkError(message, dim, directions)


def build_model(
    structure,
    *,
    mobile=None,
    cutoff: float | None = None,
    site_energies,
    saddle_energies,
    tau: float | None = None,
    attempt_frequency=None,
    charge: float | None = None,
    filling: float | None = None,
    sites="occupied",
    interactions: Interactions | None = None,
    allow_nonpercolating: bool = False,
    **network_options,
) -> HoppingModel:
    """A :class:`~superionic.HoppingModel` of the mobile ion in a crystal.

    Parameters
    ----------
    structure : path, pymatgen Structure, ASE Atoms or HopNetwork
        A :class:`HopNetwork` is used as it is (``mobile``, ``cutoff`` and ``sites`` are then
        not needed); anything else goes through :func:`hop_network`.
    mobile, cutoff, sites
        As in :func:`hop_network`.
    site_energies : float, mapping, callable or "bvse"
        Site energy per site class in eV (see the module docstring).
    saddle_energies : float, mapping, callable or "bvse"
        Saddle energy per hop class in eV; ``None`` in a table removes a class.
    tau : float, optional
        The step in s. Each bond then hops with ``exp(-(S - E) / kB T)`` per step (the attempt
        frequency is ``1 / tau``). Give ``tau`` or ``attempt_frequency``, not both.
    attempt_frequency : float or mapping, optional
        Hz, one number or one per hop class: rates ``nu exp(-(S - E) / kB T)``; the step is then
        ``0.5 / (largest total attempt frequency of a site)`` and each bond's degeneracy
        ``1 / (nu tau)`` (as :func:`superionic.structures.hcp_interstitial`). Default
        ``1e13`` Hz when neither is given.
    charge : float, optional
        Z in e; default the mobile species' oxidation state in the structure (given or
        guessed by pymatgen from the composition).
    filling : float, optional
        Ions per cell; default the structure's (the sum of the mobile species' occupancies).
    interactions : Interactions, optional
        K0 and M0 of Sec. IV for the mean field and the many-body simulation (default none).
    allow_nonpercolating : bool
        Warn instead of raising :class:`NonPercolatingNetworkError` for a network that does not
        connect every site or does not span three dimensions.
    **network_options
        Passed to :func:`hop_network` (``min_distance``, ``symprec``, ...).

    Returns
    -------
    HoppingModel
        Sites ``<class>_<k>`` with their energies, one bond per hop (declared by its saddle),
        the filling, the charge; the cell volume is the lattice's. ``si.conductivity_tensor``
        and the other engines need no further input.
    """
    if isinstance(structure, HopNetwork):
        network = structure
    else:
        if mobile is None or cutoff is None:
            raise ModelError("build_model needs mobile= and cutoff= (or a HopNetwork)")
        network = hop_network(structure, mobile=mobile, cutoff=cutoff, sites=sites,
                              **network_options)
    z = _charge(network, charge)
    site_vals, saddle_vals = _energies(network, site_energies, saddle_energies, z)
    _check_saddles(network, site_vals, saddle_vals)
    live = np.isfinite(saddle_vals)
    if not np.any(live):
        raise ModelError("saddle_energies removes every hop class: no hop is left")
    _percolation_check(network, live, allow_nonpercolating)

    if tau is not None and attempt_frequency is not None:
        raise ModelError("give tau (s) or attempt_frequency (Hz), not both")
    if tau is not None:
        step = finite_float("tau (s)", tau, minimum=0.0, strict_min=True)
        degeneracy = np.ones(network.n_bonds)
    else:
        nu = _attempt_frequencies(
            network, DEFAULT_ATTEMPT_FREQUENCY if attempt_frequency is None else attempt_frequency)
        total = np.zeros(network.n_sites)
        np.add.at(total, network.bond_source[live], nu[live])
        np.add.at(total, network.bond_target[live], nu[live])
        step = 0.5 / float(total.max())
        degeneracy = 1.0 / (nu * step)

    if filling is None:
        filling = network.filling
        if filling <= 0:
            raise ModelError(
                f"filling=None but the structure has no {network.mobile} on these sites: give "
                "filling= (ions per cell)"
            )
    names = network.site_names
    lattice = Lattice(network.lattice, [
        Site(name, tuple(float(x) for x in pos), energy=float(e))
        for name, pos, e in zip(names, network.site_positions, site_vals, strict=True)
    ])
    hops = [
        Hop(names[int(s)], names[int(t)], tuple(int(x) for x in c), saddle=float(S),
            degeneracy=float(g))
        for s, t, c, S, g, ok in zip(network.bond_source, network.bond_target, network.bond_cell,
                                     saddle_vals, degeneracy, live, strict=True)
        if ok
    ]
    return HoppingModel(lattice, hops, tau=step, filling=float(filling), charge=z,
                        interactions=interactions)


# =========================================================================== spec text
def _toml(value) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, int | np.integer):
        return str(int(value))
    x = float(value)
    if not math.isfinite(x):
        raise ModelError(f"cannot write the non-finite number {x!r} to a spec")
    text = repr(x)
    return text if any(ch in text for ch in ".en") else text + ".0"


def model_spec(
    network: HopNetwork,
    *,
    site_energies=None,
    saddle_energies=None,
    attempt_frequency: float = DEFAULT_ATTEMPT_FREQUENCY,
    charge: float | None = None,
    filling: float | None = None,
    source: str | None = None,
) -> str:
    """TOML text of an explicit model spec of ``network`` with named energies.

    Sites refer to ``[energies.sites]`` by class name and hops to ``[energies.saddles]`` by hop
    class name (see :mod:`superionic.io.spec_energies`). Classes missing from the optional tables
    (or all, by default) are written as the placeholder ``"FILL IN (eV)"``: reading the spec
    then fails with one problem per unfilled name until the user fills them in.

    Parameters
    ----------
    network : HopNetwork
    site_energies, saddle_energies : mapping, optional
        Known energies (eV) by class name.
    attempt_frequency : float
        Hz. As in :func:`build_model`: the spec's step is ``0.5 / (largest total attempt
        frequency of a site)`` and each hop's degeneracy ``1 / (nu tau)``, so that the filled
        spec gives the model :func:`build_model` builds with the same energies.
    charge, filling : float, optional
        Defaults as in :func:`build_model`; a structure without them needs them here.
    source : str, optional
        Where the structure came from, for the header comment.
    """
    z = _charge(network, charge)
    nu = finite_float("attempt_frequency (Hz)", attempt_frequency, minimum=0.0, strict_min=True)
    coordination = np.bincount(np.concatenate([network.bond_source, network.bond_target]),
                               minlength=network.n_sites)
    tau = 0.5 / (nu * float(coordination.max()))
    degeneracy = 1.0 / (nu * tau)
    n0 = network.filling if filling is None else finite_float("filling", filling)
    if n0 <= 0:
        raise ModelError(f"filling = {n0:g}: give filling= (ions per cell) for this network")
    site_e = dict(site_energies or {})
    saddle_e = dict(saddle_energies or {})
    lines = [
        f"# {network.formula}, {network.space_group} (No. {network.space_group_number}): "
        f"{network.mobile} hop network, cutoff {network.cutoff:g} Å"
        + (f", from {source}" if source else ""),
        f"# {network.n_sites} sites in {len(network.site_classes)} class(es), "
        f"{network.n_bonds} bonds in {len(network.hop_classes)} class(es); percolates in "
        f"{network.percolation_dimension}D",
        "# Fill in every energy below (eV): one per site class, one saddle per hop class.",
        f"name = {_toml(network.formula + ' ' + network.mobile + ' hopping')}",
        f"vectors = {_toml([[float(x) for x in row] for row in network.lattice])}",
        f"tau = {_toml(tau)}   # s: 0.5 / (largest total attempt frequency of a site)",
        f"filling = {_toml(n0)}",
        f"charge = {_toml(z)}",
        f"cell_volume = {_toml(network.volume)}",
        "",
        "[energies.sites]",
    ]
    for c in network.site_classes:
        value = site_e.get(c.name, PLACEHOLDER)
        lines.append(f"{_toml(c.name)} = {_toml(value)}   # x{c.count} per cell")
    lines += ["", "[energies.saddles]"]
    for h in network.hop_classes:
        value = saddle_e.get(h.name, PLACEHOLDER)
        lines.append(f"{_toml(h.name)} = {_toml(value)}   # {h.length:.4f} Å, "
                     f"x{h.multiplicity} per cell")
    names = network.site_names
    for name, pos, c in zip(names, network.site_positions, network.site_class, strict=True):
        lines += ["", "[[sites]]", f"name = {_toml(name)}",
                  f"position = {_toml([float(x) for x in pos])}",
                  f"energy = {_toml(network.site_classes[int(c)].name)}"]
    for s, t, cell, k in zip(network.bond_source, network.bond_target, network.bond_cell,
                             network.bond_class, strict=True):
        lines += ["", "[[hops]]", f"source = {_toml(names[int(s)])}",
                  f"target = {_toml(names[int(t)])}",
                  f"cell = {_toml([int(x) for x in cell])}",
                  f"saddle = {_toml(network.hop_classes[int(k)].name)}",
                  f"degeneracy = {_toml(degeneracy)}   # 1 / (attempt frequency x tau)"]
    lines += ["", "[interactions]   # Sec. IV, eV: repulsion K0 and concerted hopping M0",
              "K0 = 0.0", "M0 = 0.0"]
    return "\n".join(lines) + "\n"
