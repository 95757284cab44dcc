"""Transport of disordered crystals: averages over realisations, finite-size scaling, percolation.

Every realisation is an exact calculation on a periodic disordered supercell
(:func:`superionic.models.disordered_supercell`); the statistics are over independent
realisations drawn from seeds spawned by :func:`superionic.models.realisation_seeds`. Error bars
are standard errors of the mean (sample standard deviation with ``ddof=1`` over ``sqrt(R)``).
Large supercells go through sparse linear algebra automatically.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .._validate import positive_temperature
from ..errors import DisconnectedNetworkError, ModelError
from ..lattice import HoppingModel
from ..models.disorder import disordered_supercell, realisation_seeds
from ..units import ANGSTROM
from .tensors import arrhenius_fit, conductivity_tensor, diffusion_tensor

_AXES = ("x", "y", "z")


def _stderr(values: np.ndarray, axis: int = 0) -> np.ndarray:
    count = values.shape[axis]
    if count < 2:
        raise ModelError("error bars need at least 2 realisations")
    return np.std(values, axis=axis, ddof=1) / np.sqrt(count)


def disorder_average(
    model: HoppingModel,
    repeats,
    temperatures,
    *,
    realisations: int = 8,
    seed=None,
    site_energy=None,
    saddle_energy=None,
    blocked=None,
    charge: float = 1.0,
    cell_volume: float | None = None,
    solver: str = "auto",
) -> xr.Dataset:
    """Diffusion, conductivity and activation energy averaged over disorder realisations.

    Parameters
    ----------
    model : HoppingModel
        The primitive model, declared by saddle energies; ``model.tau`` in s.
    repeats : int or sequence of int
        Supercell size in primitive cells.
    temperatures : array_like
        K; at least 3 for the activation energy.
    realisations : int
        Independent disorder realisations (>= 2).
    seed : int or SeedSequence
        Root seed; realisation r uses the r-th spawned child.
    site_energy, saddle_energy, blocked
        The disorder, as in :func:`superionic.models.disordered_supercell`.
    charge : float
        Ionic charge in e.
    cell_volume : float, optional
        Å^3 of one primitive cell of the 3D crystal (required for 1D and 2D models).
    solver : {"auto", "dense", "sparse", "amg"}

    Returns
    -------
    xarray.Dataset
        Per realisation: ``diffusion`` (realisation, temperature, i, j) in cm^2/s, ``sigma``
        (S/cm), ``spans`` (False where no cluster spans: zero transport), ``activation_energy``
        (eV, Arrhenius fit of the isotropic sigma, Eq. 39; NaN where the realisation does not
        span, flagged by ``spans``). Averages ``*_mean`` and standard errors ``*_stderr`` of
        ``diffusion_iso``, ``sigma_iso`` and ``activation_energy`` (over spanning realisations).
    """
    temps = positive_temperature(temperatures, "temperatures")
    if temps.ndim != 1 or temps.size < 1:
        raise ModelError("temperatures must be a 1D array of K")
    if model.dim != 3 and cell_volume is None:
        raise ModelError("cell_volume (Å^3 per primitive cell) is required for 1D and 2D models")
    volume = model.cell_volume if cell_volume is None else float(cell_volume)
    seeds = realisation_seeds(seed, realisations)
    dim = model.dim
    diff = np.zeros((len(seeds), temps.size, dim, dim))
    sigma = np.zeros_like(diff)
    spans = np.ones(len(seeds), dtype=bool)
    n_sites = np.zeros(len(seeds), dtype=np.int64)
    cells = None
    for r, child in enumerate(seeds):
        try:
            net = disordered_supercell(
                model,
                repeats,
                site_energy=site_energy,
                saddle_energy=saddle_energy,
                blocked=blocked,
                seed=child,
            )
        except DisconnectedNetworkError:
            spans[r] = False
            continue
        if cells is None:
            cells = round(net.cell_volume / model.cell_volume)
        n_sites[r] = net.n_sites
        for i, t in enumerate(temps):
            diff[r, i] = diffusion_tensor(net, temperature=t, solver=solver)
            sigma[r, i] = conductivity_tensor(
                net, temperature=t, charge=charge, cell_volume=volume * cells, solver=solver
            )
    diff_cm2 = diff * ANGSTROM**2 * 1e4
    d_iso = np.trace(diff_cm2, axis1=2, axis2=3) / dim
    s_iso = np.trace(sigma, axis1=2, axis2=3) / dim
    ea = np.full(len(seeds), np.nan)
    if temps.size >= 3:
        for r in np.nonzero(spans)[0]:
            ea[r] = arrhenius_fit(temps, s_iso[r])["activation_energy"]
    axes = list(_AXES[:dim])
    ds = xr.Dataset(
        {
            "diffusion": (
                ("realisation", "temperature", "i", "j"),
                diff_cm2,
                {"units": "cm^2/s", "long_name": "tracer diffusion tensor"},
            ),
            "sigma": (("realisation", "temperature", "i", "j"), sigma, {"units": "S/cm"}),
            "spans": ("realisation", spans, {"long_name": "a cluster spans the supercell"}),
            "n_sites": ("realisation", n_sites, {"long_name": "sites of the spanning cluster"}),
            "activation_energy": ("realisation", ea, {"units": "eV"}),
            "diffusion_iso_mean": ("temperature", d_iso.mean(axis=0), {"units": "cm^2/s"}),
            "diffusion_iso_stderr": ("temperature", _stderr(d_iso), {"units": "cm^2/s"}),
            "sigma_iso_mean": ("temperature", s_iso.mean(axis=0), {"units": "S/cm"}),
            "sigma_iso_stderr": ("temperature", _stderr(s_iso), {"units": "S/cm"}),
        },
        coords={
            "realisation": np.arange(len(seeds)),
            "temperature": ("temperature", temps, {"units": "K"}),
            "i": axes,
            "j": axes,
        },
        attrs={
            "repeats": str(repeats),
            "charge_e": charge,
            "tau_s": model.tau,
            "spanning_realisations": int(spans.sum()),
            "note": "zero transport where no cluster spans (spans = False)",
        },
    )
    good = ea[spans]
    if temps.size >= 3 and good.size >= 2:
        ds["activation_energy_mean"] = ((), float(good.mean()), {"units": "eV"})
        ds["activation_energy_stderr"] = ((), float(_stderr(good)), {"units": "eV"})
    return ds


def finite_size_scaling(
    model: HoppingModel,
    sizes,
    *,
    temperature: float,
    realisations: int = 8,
    seed=None,
    site_energy=None,
    saddle_energy=None,
    blocked=None,
    solver: str = "auto",
) -> xr.Dataset:
    """Disorder-averaged diffusion against supercell size, and its extrapolation to 1/N -> 0.

    Parameters
    ----------
    model : HoppingModel
    sizes : sequence of int
        Repeats along every lattice direction (supercells of ``L^dim`` cells).
    temperature : float
        K.
    realisations, seed, site_energy, saddle_energy, blocked, solver
        As in :func:`disorder_average`; each size uses its own spawned seeds.

    Returns
    -------
    xarray.Dataset
        ``diffusion_iso_mean`` and ``diffusion_iso_stderr`` (size) in Å^2 per unit of tau,
        ``n_sites`` (size), and ``diffusion_extrapolated`` with its ``_stderr``: the weighted
        least-squares fit ``D(N) = D_inf + b / N`` in the number of sites ``N`` (attrs).
    """
    sizes = np.asarray(sizes, dtype=np.int64).reshape(-1)
    if sizes.size < 2 or np.any(sizes < 1):
        raise ModelError(f"sizes must hold >= 2 positive integers, got {sizes.tolist()}")
    roots = realisation_seeds(seed, sizes.size)
    mean = np.zeros(sizes.size)
    err = np.zeros(sizes.size)
    n_sites = np.zeros(sizes.size, dtype=np.int64)
    for k, (size, root) in enumerate(zip(sizes, roots, strict=True)):
        values = []
        for child in realisation_seeds(root, realisations):
            try:
                net = disordered_supercell(
                    model,
                    int(size),
                    site_energy=site_energy,
                    saddle_energy=saddle_energy,
                    blocked=blocked,
                    seed=child,
                )
            except DisconnectedNetworkError:
                values.append(0.0)
                continue
            d = diffusion_tensor(net, temperature=temperature, solver=solver)
            values.append(float(np.trace(d)) / model.dim)
        values = np.array(values)
        mean[k], err[k] = values.mean(), _stderr(values)
        n_sites[k] = int(size) ** model.dim * model.n_sites
    x = 1.0 / n_sites
    weights = 1.0 / np.maximum(err, 1e-300 + 1e-12 * np.abs(mean))
    design = np.stack([np.ones_like(x), x], axis=1) * weights[:, None]
    coef, *_ = np.linalg.lstsq(design, mean * weights, rcond=None)
    cov = np.linalg.inv(design.T @ design)
    return xr.Dataset(
        {
            "diffusion_iso_mean": ("size", mean, {"units": "Å^2 per tau"}),
            "diffusion_iso_stderr": ("size", err, {"units": "Å^2 per tau"}),
            "n_sites": ("size", n_sites),
            "diffusion_extrapolated": ((), float(coef[0]), {"units": "Å^2 per tau"}),
            "diffusion_extrapolated_stderr": ((), float(np.sqrt(cov[0, 0]))),
        },
        coords={"size": ("size", sizes, {"long_name": "repeats per direction"})},
        attrs={"temperature_K": float(temperature), "realisations": int(realisations)},
    )


def percolation_sweep(
    model: HoppingModel,
    repeats,
    blocked_fractions,
    *,
    temperature=None,
    realisations: int = 8,
    seed=None,
    solver: str = "auto",
) -> xr.Dataset:
    """Diffusion against the fraction of blocked sites (site percolation).

    For each blocked fraction q and realisation, sites are blocked independently with
    probability q; the transport is that of the largest spanning cluster of open sites (zero
    when none spans). ``diffusion_cluster`` is the tracer diffusion of an ion on that cluster;
    ``diffusion`` is the average over ions on all open sites, ``fraction * diffusion_cluster``,
    which vanishes at the percolation threshold of an infinite lattice (0.592746 occupied on
    the square lattice).

    Returns
    -------
    xarray.Dataset
        Per (blocked, realisation): ``diffusion_cluster``, ``cluster_fraction``, ``spans``;
        per blocked fraction: ``spanning_probability``, ``diffusion_mean`` /
        ``diffusion_stderr`` and ``diffusion_cluster_mean`` / ``_stderr`` (Å^2 per unit of tau,
        isotropic mean of the diagonal), plus ``diffusion_clean`` (no blocked site) in attrs.
    """
    q = np.asarray(blocked_fractions, dtype=float).reshape(-1)
    if q.size == 0 or np.any((q < 0) | (q >= 1)):
        raise ModelError(f"blocked_fractions must lie in [0, 1), got {q.tolist()}")
    dim = model.dim
    roots = realisation_seeds(seed, q.size)
    d_cluster = np.zeros((q.size, realisations))
    fraction = np.zeros((q.size, realisations))
    spans = np.zeros((q.size, realisations), dtype=bool)
    n_total = None
    for k, (qk, root) in enumerate(zip(q, roots, strict=True)):
        for r, child in enumerate(realisation_seeds(root, realisations)):
            try:
                net = disordered_supercell(model, repeats, blocked=float(qk), seed=child)
            except DisconnectedNetworkError:
                continue
            if n_total is None:
                n_total = int(np.prod(np.broadcast_to(repeats, (dim,)))) * model.n_sites
            d = diffusion_tensor(net, temperature=temperature, solver=solver)
            d_cluster[k, r] = float(np.trace(d)) / dim
            fraction[k, r] = net.n_sites / max(1.0, (1.0 - qk) * n_total)
            spans[k, r] = True
    clean = disordered_supercell(model, repeats)
    d_clean = float(np.trace(diffusion_tensor(clean, temperature=temperature, solver=solver)))
    d_all = d_cluster * fraction
    attrs = {"repeats": str(repeats), "diffusion_clean": d_clean / dim}
    if temperature is not None:
        attrs["temperature_K"] = float(temperature)
    return xr.Dataset(
        {
            "diffusion_cluster": (("blocked", "realisation"), d_cluster),
            "cluster_fraction": (
                ("blocked", "realisation"),
                fraction,
                {"long_name": "spanning-cluster sites per expected open site"},
            ),
            "spans": (("blocked", "realisation"), spans),
            "spanning_probability": ("blocked", spans.mean(axis=1)),
            "diffusion_mean": ("blocked", d_all.mean(axis=1), {"units": "Å^2 per tau"}),
            "diffusion_stderr": ("blocked", _stderr(d_all, axis=1), {"units": "Å^2 per tau"}),
            "diffusion_cluster_mean": ("blocked", d_cluster.mean(axis=1)),
            "diffusion_cluster_stderr": ("blocked", _stderr(d_cluster, axis=1)),
        },
        coords={
            "blocked": ("blocked", q, {"long_name": "fraction of blocked sites"}),
            "realisation": np.arange(realisations),
        },
        attrs=attrs,
    )
