"""Phonon data: frequencies, eigenvectors and group velocities on q-points (input to Sec. II.2).

:class:`PhononModes` is the frozen container the mode ranking of :mod:`superionic.phonons` works
on (the paper's criteria at the end of Sec. II.2 are properties of these modes: eigenvector,
frequency and dispersion). It checks shapes and the normalisation of the mass-weighted
eigenvectors and refuses imaginary modes (negative frequencies beyond a tolerance); group
velocities are stored ones or finite differences along band-path segments
(:meth:`PhononModes.band_group_velocities`).

The package ships a synthetic data set, :func:`diatomic_chain`, with analytic eigenvectors and
group velocities (phonopy's phase convention). Data from phonopy files and objects are read by
:mod:`superionic.phonon_io`.

Units: frequencies in THz (ordinary frequency, not angular), group velocities in THz Å
(= Å/ps), masses in amu, q in reduced coordinates. :data:`EV_A2_AMU_TO_THZ` and
:data:`THZ_TO_EV` convert.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import constants as _c

from .._validate import finite_array, finite_float
from ..errors import ModelError

__all__ = ["EV_A2_AMU_TO_THZ", "THZ_TO_EV", "PhononModes", "diatomic_chain"]

#: sqrt(eV / (Å^2 amu)) / (2 pi) in THz: frequency of a unit spring on a unit mass.
EV_A2_AMU_TO_THZ = math.sqrt(_c.e / (1e-20 * _c.atomic_mass)) / (2 * math.pi) / 1e12
#: Planck constant times 1 THz, in eV.
THZ_TO_EV = _c.h * 1e12 / _c.e


# --------------------------------------------------------------------------- data
@dataclass(frozen=True, eq=False)
class PhononModes:
    """Phonon frequencies, eigenvectors and group velocities on a set of q-points.

    Parameters
    ----------
    lattice : array_like, shape (3, 3)
        Lattice vectors as rows, Å.
    positions : array_like, shape (natom, 3)
        Fractional atomic positions.
    masses : array_like, shape (natom,)
        Atomic masses, amu (> 0).
    symbols : sequence of str
        Chemical symbols (or labels) of the atoms.
    qpoints : array_like, shape (nq, 3)
        q in reduced coordinates of the reciprocal lattice.
    frequencies : array_like, shape (nq, nband)
        THz; negative values are phonopy's imaginary modes and are refused (below
        ``-imaginary_tolerance``; smaller ones, e.g. acoustic modes at Gamma, are set to zero).
    eigenvectors : array_like, shape (nq, nband, natom, 3), complex, optional
        Mass-weighted eigenvectors, each normalised to one.
    group_velocities : array_like, shape (nq, nband, 3), optional
        THz Å.
    weights : array_like, shape (nq,), optional
        q-point multiplicities (mesh); default one each.
    distances : array_like, shape (nq,), optional
        Path length along a band path, 1/Å (phonopy's ``distance``).
    segments : sequence of int, optional
        Number of q-points of each band-path segment.
    imaginary_tolerance : float
        THz; default 1e-3.
    source : str
    """

    lattice: np.ndarray
    positions: np.ndarray
    masses: np.ndarray
    symbols: tuple[str, ...]
    qpoints: np.ndarray
    frequencies: np.ndarray
    eigenvectors: np.ndarray | None = None
    group_velocities: np.ndarray | None = None
    weights: np.ndarray | None = None
    distances: np.ndarray | None = None
    segments: tuple[int, ...] | None = None
    imaginary_tolerance: float = 1e-3
    source: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        lat = finite_array("lattice (Å)", self.lattice)
        if lat.shape != (3, 3) or abs(np.linalg.det(lat)) < 1e-12:
            raise ModelError(f"lattice must be 3 non-degenerate vectors (3, 3), got {lat.shape}")
        pos = finite_array("positions (fractional)", self.positions)
        if pos.ndim != 2 or pos.shape[1] != 3 or pos.shape[0] < 1:
            raise ModelError(f"positions must have shape (natom, 3), got {pos.shape}")
        natom = pos.shape[0]
        mass = finite_array("masses (amu)", self.masses, ndim=1)
        if mass.shape != (natom,) or np.any(mass <= 0):
            raise ModelError(f"masses must be {natom} positive numbers (amu), got {mass}")
        symbols = tuple(str(s) for s in self.symbols)
        if len(symbols) != natom:
            raise ModelError(f"symbols must name the {natom} atoms, got {len(symbols)}")
        q = finite_array("qpoints (reduced)", self.qpoints)
        if q.ndim != 2 or q.shape[1] != 3 or q.shape[0] < 1:
            raise ModelError(f"qpoints must have shape (nq, 3), got {q.shape}")
        nq = q.shape[0]
        tol = finite_float("imaginary_tolerance (THz)", self.imaginary_tolerance, minimum=0.0)
        freq = finite_array("frequencies (THz)", self.frequencies)
        if freq.shape != (nq, 3 * natom):
            raise ModelError(
                f"frequencies must have shape (nq, 3 natom) = ({nq}, {3 * natom}), got {freq.shape}"
            )
        if np.any(freq < -tol):
            iq, ib = np.unravel_index(int(np.argmin(freq)), freq.shape)
            count = int(np.sum(freq < -tol))
            raise ModelError(
                f"{count} imaginary mode(s) (negative frequencies): band {int(ib) + 1} at q-point "
                f"{int(iq) + 1} q = {q[iq].tolist()} has {float(freq[iq, ib]):.6g} THz. The "
                "structure is dynamically unstable there; phonon channels need real frequencies "
                f"(tolerance {tol:g} THz)"
            )
        freq = np.maximum(freq, 0.0)
        set_(self, "lattice", lat)
        set_(self, "positions", pos)
        set_(self, "masses", mass)
        set_(self, "symbols", symbols)
        set_(self, "qpoints", q)
        set_(self, "frequencies", freq)
        set_(self, "imaginary_tolerance", tol)
        if self.eigenvectors is not None:
            ev = np.asarray(self.eigenvectors, dtype=complex)
            if ev.shape != (nq, 3 * natom, natom, 3):
                raise ModelError(
                    f"eigenvectors must have shape (nq, nband, natom, 3) = "
                    f"({nq}, {3 * natom}, {natom}, 3), got {ev.shape}"
                )
            if not np.all(np.isfinite(ev)):
                raise ModelError("eigenvectors must be finite")
            norm = np.sum(np.abs(ev) ** 2, axis=(2, 3))
            if np.any(np.abs(norm - 1.0) > 1e-3):
                iq, ib = np.unravel_index(int(np.argmax(np.abs(norm - 1.0))), norm.shape)
                raise ModelError(
                    f"eigenvector of band {int(ib) + 1} at q-point {int(iq) + 1} has norm^2 "
                    f"{float(norm[iq, ib]):.6g}; mass-weighted eigenvectors must be normalised"
                )
            set_(self, "eigenvectors", ev)
        if self.group_velocities is not None:
            gv = finite_array("group_velocities (THz Å)", self.group_velocities)
            if gv.shape != (nq, 3 * natom, 3):
                raise ModelError(f"group_velocities must have shape (nq, nband, 3), got {gv.shape}")
            set_(self, "group_velocities", gv)
        w = np.ones(nq) if self.weights is None else finite_array("weights", self.weights)
        if w.shape != (nq,) or np.any(w < 0) or not w.sum() > 0:
            raise ModelError(f"weights must be {nq} non-negative numbers, got shape {w.shape}")
        set_(self, "weights", w)
        if self.distances is not None:
            d = finite_array("distances (1/Å)", self.distances)
            if d.shape != (nq,):
                raise ModelError(f"distances must have shape ({nq},), got {d.shape}")
            set_(self, "distances", d)
        if self.segments is not None:
            seg = tuple(int(s) for s in self.segments)
            if sum(seg) != nq or any(s < 1 for s in seg):
                raise ModelError(f"segments {seg} must be positive and add up to nq = {nq}")
            set_(self, "segments", seg)

    @property
    def natom(self) -> int:
        return int(self.positions.shape[0])

    @property
    def nq(self) -> int:
        return int(self.qpoints.shape[0])

    @property
    def nband(self) -> int:
        return int(self.frequencies.shape[1])

    def mobile_mask(self, mobile) -> np.ndarray:
        """Boolean mask of the mobile atoms from symbols (str or list) or indices (ints)."""
        if isinstance(mobile, str):
            mobile = [mobile]
        items = list(mobile)
        mask = np.zeros(self.natom, dtype=bool)
        for m in items:
            if isinstance(m, int | np.integer) and not isinstance(m, bool):
                if not 0 <= int(m) < self.natom:
                    raise ModelError(f"mobile atom index {m} out of range 0..{self.natom - 1}")
                mask[int(m)] = True
            elif isinstance(m, str):
                hit = np.array([s == m for s in self.symbols])
                if not hit.any():
                    raise ModelError(
                        f"mobile species {m!r} not found; atoms are {sorted(set(self.symbols))}"
                    )
                mask |= hit
            else:
                raise ModelError(f"mobile must be symbols or atom indices, got {m!r}")
        if not mask.any():
            raise ModelError("mobile selects no atom")
        if mask.all():
            raise ModelError("every atom is mobile: there is no host to move against")
        return mask

    def band_group_velocities(self) -> np.ndarray:
        """Group velocities (nq, nband, 3) in THz Å: stored ones, or finite differences along
        band-path segments (bands in frequency order) projected on the path direction."""
        if self.group_velocities is not None:
            return self.group_velocities
        if self.segments is None or self.distances is None:
            raise ModelError(
                "no group velocities: the data hold neither group velocities (phonopy "
                "GROUP_VELOCITY = .TRUE. / with_group_velocities=True) nor band-path segments"
            )
        rec = np.linalg.inv(self.lattice).T  # rows: reciprocal vectors without 2 pi
        gv = np.zeros((self.nq, self.nband, 3))
        start = 0
        for n in self.segments:
            sl = slice(start, start + n)
            start += n
            if n < 2:
                continue
            dist = self.distances[sl]
            if np.any(np.diff(dist) <= 0):
                raise ModelError("band-path distances must increase within each segment")
            slope = np.gradient(self.frequencies[sl], dist, axis=0)  # THz Å
            dq = self.qpoints[sl][-1] - self.qpoints[sl][0]
            direction = dq @ rec
            norm = np.linalg.norm(direction)
            if norm > 0:
                gv[sl] = slope[..., None] * (direction / norm)
        return gv


# --------------------------------------------------------------------------- synthetic data
def diatomic_chain(
    mobile_mass: float = 6.94,
    host_mass: float = 126.9,
    spring: float = 2.0,
    transverse_spring: float = 0.6,
    a: float = 4.0,
    nq: int = 41,
    *,
    symbols: tuple[str, str] = ("Li", "I"),
) -> PhononModes:
    """A 1D diatomic chain (mobile ion at x = 0, host ion at a/2) with analytic phonons.

    Nearest-neighbour springs ``spring`` (longitudinal) and ``transverse_spring`` (both
    transverse directions), eV/Å^2; masses in amu; q from Gamma to the zone boundary X along
    the chain (``nq`` points, one band-path segment). The dynamical matrix is assembled in
    phonopy's convention (phases with atomic positions), and the group velocities are the
    Hellmann-Feynman derivatives ``e^H (dD/dq) e / (2 omega)``. Six branches: a longitudinal and
    two transverse acoustic branches, and the optical ones in which the light mobile ion beats
    against the host.
    """
    m = finite_float("mobile_mass (amu)", mobile_mass, minimum=0.0, strict_min=True)
    big = finite_float("host_mass (amu)", host_mass, minimum=0.0, strict_min=True)
    kl = finite_float("spring (eV/Å^2)", spring, minimum=0.0, strict_min=True)
    kt = finite_float("transverse_spring (eV/Å^2)", transverse_spring, minimum=0.0, strict_min=True)
    a = finite_float("a (Å)", a, minimum=0.0, strict_min=True)
    if int(nq) < 2:
        raise ModelError(f"nq must be >= 2, got {nq}")
    qred = np.linspace(0.0, 0.5, int(nq))
    k = 2 * np.pi * qred / a  # 1/Å, Cartesian along x
    springs = np.array([kl, kt, kt])
    inv = 1.0 / np.sqrt(np.array([m, big]))
    nq_ = k.size
    dmat = np.zeros((nq_, 6, 6), dtype=complex)
    ddmat = np.zeros((nq_, 6, 6), dtype=complex)
    c, s = np.cos(k * a / 2), np.sin(k * a / 2)
    for alpha in range(3):
        ks = springs[alpha]
        i0, i1 = alpha, 3 + alpha
        dmat[:, i0, i0] = 2 * ks * inv[0] ** 2
        dmat[:, i1, i1] = 2 * ks * inv[1] ** 2
        off = -2 * ks * c * inv[0] * inv[1]
        dmat[:, i0, i1] = off
        dmat[:, i1, i0] = off
        doff = ks * a * s * inv[0] * inv[1]
        ddmat[:, i0, i1] = doff
        ddmat[:, i1, i0] = doff
    w2, vec = np.linalg.eigh(dmat)
    w2 = np.maximum(w2, 0.0)
    omega = np.sqrt(w2)  # sqrt(eV / Å^2 / amu)
    freq = omega * EV_A2_AMU_TO_THZ
    dw2 = np.einsum("qim,qij,qjm->qm", vec.conj(), ddmat, vec).real
    with np.errstate(divide="ignore", invalid="ignore"):
        dw = np.where(omega > 1e-12, dw2 / (2 * omega), 0.0)
    # d nu / dk (THz Å): nu = omega * factor, k in rad/Å; v = d omega_ang / dk = 2 pi d nu / dk
    v = 2 * np.pi * dw * EV_A2_AMU_TO_THZ
    ev = np.moveaxis(vec, 1, 2).reshape(nq_, 6, 2, 3)
    gv = np.zeros((nq_, 6, 3))
    gv[..., 0] = v
    lattice = np.diag([a, 10.0, 10.0])
    return PhononModes(
        lattice=lattice,
        positions=np.array([[0.0, 0.0, 0.0], [0.5, 0.0, 0.0]]),
        masses=np.array([m, big]),
        symbols=symbols,
        qpoints=np.stack([qred, 0 * qred, 0 * qred], axis=-1),
        frequencies=freq,
        eigenvectors=ev,
        group_velocities=gv,
        distances=qred / a,
        segments=(nq_,),
        source="superionic.phonons.diatomic_chain",
    )
