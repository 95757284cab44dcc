"""Phonon modes and which of them drive hopping (end of paper Sec. II.2).

The paper names three properties of the modes that mediate mobile-ion hops:

1. **Eigenvector**: substantial relative motion between the mobile ions and the host.
   Measured here by ``relative_weight``, the fraction of the mode's kinetic energy in the motion
   of the mobile ions relative to the host's centre of mass. With mass-weighted eigenvector
   ``e`` and displacements ``u_k = e_k exp(2 pi i q.x_k) / sqrt(m_k)`` (phonopy's phase
   convention, positions ``x_k`` included) the kinetic energy splits exactly into the
   centre-of-mass part, the host's internal part and::

       T_rel = sum_mob m |u - U_host|^2 - |sum_mob m (u - U_host)|^2 / M_cell,

   so ``relative_weight = T_rel / T`` lies in [0, 1]: 0 for a rigid translation (acoustic mode
   at Gamma), 1 for mobile ions beating against a rigid host. ``mobile_weight = sum_mob |e|^2``
   (the mobile-ion projection) is reported beside it.
2. **Moderate frequency**: low frequencies mean soft mobile-host forces, high ones fast energy
   exchange; the paper relates the trade-off to the phonon band centre. ``frequency_score`` is a
   Gaussian around the mobile-projected band centre ``nu_c = <nu>_mob`` with the projected
   spread as width (both may be given instead).
3. **Weak dispersion**: flat bands (low group velocity ``|v|``) localise energy on few ions.
   ``dispersion_score = 1 / (1 + |v| / v_ref)`` with ``v_ref`` the mean ``|v|`` of all modes.

``score`` is the product of the chosen criteria's scores, each in [0, 1]; modes are ranked by
it. The ranking is a documented heuristic of the paper's qualitative criteria, not a rate.

:func:`top_channels` turns the best-ranked modes into :class:`~superionic.channel_average.Channel`
objects (Eq. 2 inputs).

The data (:class:`PhononModes`, the synthetic :func:`diatomic_chain`, units THz, THz Å, amu and
reduced q) are defined in :mod:`superionic.phonon_modes`, and phonopy files and objects are read
by :mod:`superionic.phonon_io` (:func:`read_phonopy_yaml`, :func:`to_phonopy_yaml`,
:func:`from_phonopy`, :func:`load_phonopy`, :func:`read_total_dos`); this module re-exports
those names.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .._validate import finite_float
from ..errors import ModelError
from .phonon_io import (
    from_phonopy,
    load_phonopy,
    read_phonopy_yaml,
    read_total_dos,
    to_phonopy_yaml,
)
from .phonon_modes import EV_A2_AMU_TO_THZ, THZ_TO_EV, PhononModes, diatomic_chain

__all__ = [
    "EV_A2_AMU_TO_THZ",
    "THZ_TO_EV",
    "PhononModes",
    "diatomic_chain",
    "from_phonopy",
    "load_phonopy",
    "rank_modes",
    "read_phonopy_yaml",
    "read_total_dos",
    "to_phonopy_yaml",
    "top_channels",
]

# --------------------------------------------------------------------------- ranking
_CRITERIA = ("eigenvector", "frequency", "dispersion")


def _relative_weight(modes: PhononModes, mask: np.ndarray) -> np.ndarray:
    ev = modes.eigenvectors  # (nq, nb, na, 3)
    phase = np.exp(2j * np.pi * (modes.qpoints @ modes.positions.T))  # (nq, na)
    m = modes.masses
    u = ev * phase[:, None, :, None] / np.sqrt(m)[None, None, :, None]
    host = ~mask
    u_host = np.einsum("a,qbai->qbi", m[host], u[:, :, host]) / m[host].sum()
    delta = u[:, :, mask] - u_host[:, :, None, :]
    mm = m[mask]
    t_mob = np.einsum("a,qbai->qb", mm, np.abs(delta) ** 2)
    p = np.einsum("a,qbai->qbi", mm, delta)
    t_rel = t_mob - np.sum(np.abs(p) ** 2, axis=-1) / m.sum()
    t_tot = np.einsum("a,qbai->qb", m, np.abs(u) ** 2)
    return np.clip(t_rel / t_tot, 0.0, 1.0)


def rank_modes(
    modes: PhononModes,
    mobile,
    *,
    criteria=_CRITERIA,
    center: float | None = None,
    width: float | None = None,
    min_frequency: float = 1e-6,
) -> xr.Dataset:
    """Rank phonon modes by the paper's three criteria (end of Sec. II.2).

    Parameters
    ----------
    modes : PhononModes
    mobile : str, int or sequence
        Mobile species (symbols) or atom indices; the rest is the host.
    criteria : sequence of {"eigenvector", "frequency", "dispersion"}
        Criteria entering ``score`` (all three by default).
    center, width : float, optional
        THz: preferred frequency and width of the frequency score; default the mobile-projected
        band centre and spread.
    min_frequency : float
        THz; modes below it (acoustic modes at Gamma) get zero score.

    Returns
    -------
    xarray.Dataset
        Dimension ``mode`` (every (q, band) pair, sorted by decreasing ``score``): ``qpoint``
        (mode, 3), ``q_index``, ``band``, ``frequency`` (THz), ``mobile_weight``,
        ``relative_weight``, ``group_velocity`` (THz Å), ``eigenvector_score``,
        ``frequency_score``, ``dispersion_score``, ``score`` and ``rank`` (1 = best); attrs
        ``band_center`` and ``band_width`` (THz).
    """
    crit = tuple(criteria)
    if not crit or any(c not in _CRITERIA for c in crit):
        raise ModelError(f"criteria must be a non-empty subset of {_CRITERIA}, got {criteria!r}")
    mask = modes.mobile_mask(mobile)
    freq = modes.frequencies
    nq, nb = freq.shape
    qw = np.broadcast_to(modes.weights[:, None], freq.shape)
    if modes.eigenvectors is None:
        if "eigenvector" in crit or center is None:
            raise ModelError(
                "the phonon data have no eigenvectors (phonopy EIGENVECTORS = .TRUE. / "
                "with_eigenvectors=True), needed for the eigenvector criterion and the "
                "mobile-projected band centre"
            )
        mobile_w = np.full(freq.shape, np.nan)
        rel = np.full(freq.shape, np.nan)
    else:
        mobile_w = np.sum(np.abs(modes.eigenvectors[:, :, mask]) ** 2, axis=(2, 3))
        rel = _relative_weight(modes, mask)
    if center is None:
        wsum = np.sum(qw * mobile_w)
        center = float(np.sum(qw * mobile_w * freq) / wsum)
        if width is None:
            width = float(np.sqrt(np.sum(qw * mobile_w * (freq - center) ** 2) / wsum))
    center = finite_float("center (THz)", center, minimum=0.0)
    if width is None:
        width = float(np.sqrt(np.sum(qw * (freq - center) ** 2) / np.sum(qw)))
    width = finite_float("width (THz)", width, minimum=0.0, strict_min=True)
    f_score = np.exp(-0.5 * ((freq - center) / width) ** 2)
    if "dispersion" in crit:
        gv = modes.band_group_velocities()
    else:
        gv = modes.group_velocities if modes.group_velocities is not None else None
    speed = np.full(freq.shape, np.nan) if gv is None else np.linalg.norm(gv, axis=-1)
    if gv is not None:
        vref = float(np.sum(qw * speed) / np.sum(qw))
        d_score = 1.0 / (1.0 + speed / vref) if vref > 0 else np.ones(freq.shape)
    else:
        d_score = np.full(freq.shape, np.nan)
    score = np.ones(freq.shape)
    if "eigenvector" in crit:
        score = score * rel
    if "frequency" in crit:
        score = score * f_score
    if "dispersion" in crit:
        score = score * d_score
    score = np.where(freq < min_frequency, 0.0, score)
    flat = score.ravel()
    order = np.argsort(-flat, kind="stable")
    qi, bi = np.divmod(np.arange(nq * nb), nb)
    gv_flat = (np.zeros((nq * nb, 3)) * np.nan) if gv is None else gv.reshape(-1, 3)

    def take(a):
        return np.asarray(a).reshape(nq * nb, *np.shape(a)[2:])[order]

    return xr.Dataset(
        {
            "qpoint": (("mode", "xyz"), modes.qpoints[qi][order], {"units": "reduced"}),
            "q_index": ("mode", qi[order]),
            "band": ("mode", bi[order] + 1),
            "frequency": ("mode", take(freq), {"units": "THz"}),
            "mobile_weight": ("mode", take(mobile_w), {"units": "1"}),
            "relative_weight": ("mode", take(rel), {"units": "1"}),
            "group_velocity": ("mode", take(speed), {"units": "THz*angstrom"}),
            "group_velocity_vector": (("mode", "xyz"), gv_flat[order], {"units": "THz*angstrom"}),
            "eigenvector_score": ("mode", take(rel), {"units": "1"}),
            "frequency_score": ("mode", take(f_score), {"units": "1"}),
            "dispersion_score": ("mode", take(d_score), {"units": "1"}),
            "score": ("mode", flat[order], {"units": "1"}),
            "rank": ("mode", np.arange(1, nq * nb + 1)),
        },
        coords={"mode": np.arange(nq * nb), "xyz": ["x", "y", "z"]},
        attrs={
            "band_center": center,
            "band_width": width,
            "criteria": ",".join(crit),
            "mobile": ",".join(sorted({s for s, k in zip(modes.symbols, mask, strict=True) if k})),
            "source": modes.source,
            "reference": "paper Sec. II.2, criteria 1-3",
        },
    )


def top_channels(ranking: xr.Dataset, thresholds, *, count: int = 3, dos=None) -> list:
    """Turn the best-ranked modes into :class:`~superionic.channel_average.Channel` objects.

    Each channel exchanges energy at the mode's frequency (THz -> Hz); ``thresholds`` (eV per
    directed hop of the model, or one value, or a list of ``count`` such entries) and ``dos``
    are the channel's Eq. 2 inputs. Modes of zero score are skipped.
    """
    from .average import Channel

    count = int(count)
    if count < 1:
        raise ModelError(f"count must be >= 1, got {count}")
    good = ranking.where(ranking.score > 0, drop=True)
    if good.sizes["mode"] == 0:
        raise ModelError("no mode has a positive score")
    n = min(count, good.sizes["mode"])
    if isinstance(thresholds, list) and len(thresholds) == count and count > 1:
        thr_list = thresholds
    else:
        thr_list = [thresholds] * count
    out = []
    for i in range(n):
        f_thz = float(good.frequency.values[i])
        q = good.qpoint.values[i]
        label = f"band {int(good.band.values[i])} q=({q[0]:.3g},{q[1]:.3g},{q[2]:.3g})"
        out.append(Channel(f_thz * 1e12, thr_list[i], dos=dos, label=label))
    return out
