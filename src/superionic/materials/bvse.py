"""Bond-valence site-energy (BVSE) landscape of a mobile ion, through the bvlain library.

bvlain evaluates the softBV Morse-type attraction to counter-ions plus a screened Coulomb
repulsion from like-charged framework ions on a grid over the cell. :func:`bvse_landscape`
computes that grid once for the framework of a :class:`~superionic.materials.HopNetwork` (the
mobile ions themselves removed, as in BVSE) and returns a callable of Cartesian position that
interpolates it periodically (trilinear). Needs the ``[bvse]`` extra.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
from scipy.interpolate import RegularGridInterpolator

from ..errors import ModelError

__all__ = ["bvse_landscape"]


def bvse_landscape(network, *, charge: float, resolution: float = 0.15, r_cut: float = 8.0):
    """A callable ``f(cartesian (n, 3)) -> energies (n,)`` in eV: the BVSE of the mobile ion.

    Parameters
    ----------
    network : HopNetwork
        Its framework must carry oxidation states (or allow pymatgen to guess them).
    charge : float
        Oxidation state of the mobile ion (integer).
    resolution : float
        Grid spacing in Å.
    r_cut : float
        Interaction cutoff in Å.
    """
    try:
        from bvlain import Lain
    except ImportError:  # pragma: no cover - CI installs the [bvse] extra
        raise ModelError(
            "BVSE energies need the bvlain library: pip install 'superionic[bvse]'"
        ) from None
    from pymatgen.core import Lattice, Species, Structure

    fw = network.framework
    oxi = _framework_oxidation_states(network)
    species = [Species(s, o) for s, o in zip(_symbols(fw), oxi, strict=True)]
    framework = Structure(Lattice(fw.lattice), species, fw.positions)
    q = round(charge)
    if q == 0 or abs(q - charge) > 1e-9:
        raise ModelError(f"charge = {charge!r}: BVSE needs a nonzero integer oxidation state")
    mobile = f"{network.mobile}{abs(q)}{'+' if q > 0 else '-'}"
    lain = Lain(verbose=False)
    with contextlib.redirect_stdout(io.StringIO()), np.errstate(divide="ignore",
                                                                invalid="ignore"):
        lain.read_structure(framework, oxi_check=False)
        try:
            grid = np.asarray(lain.bvse_distribution(mobile_ion=mobile, r_cut=r_cut,
                                                     resolution=resolution), dtype=float)
        except KeyError:
            raise ModelError(
                f"bvlain has no BVSE parameters for {mobile} with framework ions "
                f"{sorted(set(map(str, species)))}"
            ) from None
    if not np.all(np.isfinite(grid)):
        raise ModelError("the BVSE grid holds non-finite energies (framework too close?)")
    axes = [np.linspace(0.0, 1.0, n) for n in grid.shape]
    interp = RegularGridInterpolator(axes, grid, method="linear")
    inv = np.linalg.inv(fw.lattice)

    def energy(cartesian) -> np.ndarray:
        frac = np.mod(np.atleast_2d(np.asarray(cartesian, dtype=float)) @ inv, 1.0)
        return interp(np.clip(frac, 0.0, 1.0))

    return energy


def _symbols(fw) -> list[str]:
    from pymatgen.core.periodic_table import get_el_sp

    return [get_el_sp(s).symbol if not hasattr(get_el_sp(s), "element")
            else get_el_sp(s).element.symbol for s in fw.species]


def _framework_oxidation_states(network) -> list[float]:
    states = dict(network.oxidation_states)
    symbols = _symbols(network.framework)
    missing = sorted({el for el in symbols if el not in states})
    if missing:
        raise ModelError(
            f"BVSE needs oxidation states of the framework; none known for {missing}: give a "
            "structure decorated with them (pymatgen add_oxidation_state_by_element)"
        )
    return [float(states[el]) for el in symbols]
