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

Data come from phonopy: its YAML outputs ``band.yaml`` / ``mesh.yaml`` (read with PyYAML in
the format phonopy writes; eigenvectors and group velocities when phonopy wrote them), a
``phonopy.Phonopy`` object (its own ``run_mesh`` / ``run_band_structure``), or ``phonopy.load``
of a ``phonopy.yaml`` (phonopy is an optional extra, imported only there). The package ships a
synthetic data set, :func:`diatomic_chain`, with analytic eigenvectors and group velocities.
Units: frequencies in THz (ordinary frequency, not angular), group velocities in THz Å (= Å/ps),
masses in amu, q in reduced coordinates.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy import constants as _c

from ._validate import finite_array, finite_float
from .channels import TabulatedDOS
from .errors import ModelError

__all__ = [
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


# --------------------------------------------------------------------------- phonopy YAML
def _yaml_load(path):
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML ships with phonopy
        raise ModelError(
            "reading phonopy YAML files needs PyYAML: pip install 'superionic[phonopy]'"
        ) from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with open(path) as fh:
            return yaml.load(fh, Loader=loader)
    except FileNotFoundError:
        raise ModelError(f"phonon file {os.fspath(path)!r} does not exist") from None
    except yaml.YAMLError as exc:
        raise ModelError(f"{os.fspath(path)!r} is not valid YAML: {exc}") from None


def _need(mapping, key, where: str):
    if not isinstance(mapping, dict) or key not in mapping:
        raise ModelError(f"malformed phonopy YAML: {where} has no {key!r} entry")
    return mapping[key]


def read_phonopy_yaml(path, *, imaginary_tolerance: float = 1e-3) -> PhononModes:
    """Read a phonopy ``band.yaml`` or ``mesh.yaml`` (qpoints.yaml also works).

    The structure (``lattice``, ``points`` with symbols, fractional coordinates and masses) and
    the per-q ``q-position``, ``band`` list with ``frequency`` and, when phonopy wrote them,
    ``eigenvector`` and ``group_velocity`` are read; ``weight`` (mesh) and ``distance`` /
    ``segment_nqpoint`` (band paths) too.

    Raises
    ------
    ModelError
        Missing file, invalid YAML, missing entries, inconsistent sizes, imaginary modes; the
        message names the entry and the q-point.
    """
    where = os.fspath(path)
    data = _yaml_load(path)
    if not isinstance(data, dict):
        raise ModelError(f"malformed phonopy YAML {where!r}: expected a mapping at the top level")
    lattice = np.asarray(_need(data, "lattice", where), dtype=float)
    points = data.get("points", data.get("atoms"))
    if points is None:
        raise ModelError(f"malformed phonopy YAML: {where} has no 'points' (atoms) entry")
    try:
        symbols = [p["symbol"] for p in points]
        positions = np.array([p["coordinates"] for p in points], dtype=float)
        masses = np.array([p["mass"] for p in points], dtype=float)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(
            f"malformed phonopy YAML: {where} 'points' need symbol, coordinates and mass ({exc})"
        ) from None
    natom = len(symbols)
    if "natom" in data and int(data["natom"]) != natom:
        raise ModelError(f"{where}: natom = {data['natom']} but {natom} points are listed")
    phonon = _need(data, "phonon", where)
    if not isinstance(phonon, list) or not phonon:
        raise ModelError(f"malformed phonopy YAML: {where} 'phonon' must be a non-empty list")
    nq = len(phonon)
    if "nqpoint" in data and int(data["nqpoint"]) != nq:
        raise ModelError(f"{where}: nqpoint = {data['nqpoint']} but {nq} q-points are listed")
    qpoints, freqs, evecs, gvs, weights, dists = [], [], [], [], [], []
    have_ev = have_gv = True
    for iq, entry in enumerate(phonon):
        here = f"{where} q-point {iq + 1}"
        qpoints.append(_need(entry, "q-position", here))
        bands = _need(entry, "band", here)
        if not isinstance(bands, list) or len(bands) != 3 * natom:
            count = len(bands) if isinstance(bands, list) else 0
            raise ModelError(
                f"malformed phonopy YAML: {here} lists {count} bands, expected 3 natom = "
                f"{3 * natom}"
            )
        freqs.append([_need(b, "frequency", f"{here} band {j + 1}") for j, b in enumerate(bands)])
        have_ev = have_ev and all("eigenvector" in b for b in bands)
        have_gv = have_gv and all("group_velocity" in b for b in bands)
        if have_ev:
            try:
                ev = np.array([b["eigenvector"] for b in bands], dtype=float)
            except (TypeError, ValueError):
                raise ModelError(f"malformed eigenvector at {here}") from None
            if ev.shape != (3 * natom, natom, 3, 2):
                raise ModelError(
                    f"malformed eigenvector at {here}: shape {ev.shape}, expected "
                    f"({3 * natom}, {natom}, 3, 2) (bands, atoms, xyz, [re, im])"
                )
            evecs.append(ev[..., 0] + 1j * ev[..., 1])
        if have_gv:
            gvs.append([b["group_velocity"] for b in bands])
        weights.append(entry.get("weight", 1))
        dists.append(entry.get("distance", np.nan))
    try:
        freq_arr = np.array(freqs, dtype=float)
        q_arr = np.array(qpoints, dtype=float)
    except (TypeError, ValueError):
        raise ModelError(
            f"malformed phonopy YAML {where!r}: non-numeric q-position or frequency"
        ) from None
    dist_arr = np.array(dists, dtype=float)
    segments = data.get("segment_nqpoint")
    return PhononModes(
        lattice=lattice,
        positions=positions,
        masses=masses,
        symbols=tuple(symbols),
        qpoints=q_arr,
        frequencies=freq_arr,
        eigenvectors=np.array(evecs) if have_ev else None,
        group_velocities=np.array(gvs, dtype=float) if have_gv else None,
        weights=np.array(weights, dtype=float),
        distances=None if np.any(np.isnan(dist_arr)) else dist_arr,
        segments=None if segments is None else tuple(int(s) for s in segments),
        imaginary_tolerance=imaginary_tolerance,
        source=where,
    )


def to_phonopy_yaml(modes: PhononModes) -> str:
    """Text of a phonopy-style ``band.yaml`` (with segments) or ``mesh.yaml`` for ``modes``.

    The layout follows phonopy's writer (structure block, per-q ``q-position``, ``distance`` or
    ``weight``, per-band ``frequency``, ``group_velocity`` and ``eigenvector`` as [re, im]), so
    :func:`read_phonopy_yaml` and phonopy's own tools read it.
    """
    lines = []
    band = modes.segments is not None and modes.distances is not None
    lines.append(f"nqpoint: {modes.nq}")
    if band:
        lines.append(f"npath: {len(modes.segments)}")
        lines.append("segment_nqpoint:")
        lines += [f"- {n}" for n in modes.segments]
    rec = np.linalg.inv(modes.lattice)
    lines.append("reciprocal_lattice:")
    for vec, axis in zip(rec.T, ("a*", "b*", "c*"), strict=True):
        lines.append(f"- [ {vec[0]:12.8f}, {vec[1]:12.8f}, {vec[2]:12.8f} ] # {axis}")
    lines.append(f"natom: {modes.natom}")
    lines.append("lattice:")
    for vec, axis in zip(modes.lattice, "abc", strict=True):
        lines.append(f"- [ {vec[0]:21.15f}, {vec[1]:21.15f}, {vec[2]:21.15f} ] # {axis}")
    lines.append("points:")
    for i, (sym, pos, mass) in enumerate(
        zip(modes.symbols, modes.positions, modes.masses, strict=True)
    ):
        lines.append(f"- symbol: {sym} # {i + 1}")
        lines.append(f"  coordinates: [ {pos[0]:18.15f}, {pos[1]:18.15f}, {pos[2]:18.15f} ]")
        lines.append(f"  mass: {mass:f}")
    lines.append("")
    lines.append("phonon:")
    for iq in range(modes.nq):
        q = modes.qpoints[iq]
        lines.append(f"- q-position: [ {q[0]:12.7f}, {q[1]:12.7f}, {q[2]:12.7f} ]")
        if band:
            lines.append(f"  distance: {modes.distances[iq]:12.7f}")
        else:
            lines.append(f"  weight: {round(modes.weights[iq]):d}")
        lines.append("  band:")
        for ib in range(modes.nband):
            lines.append(f"  - # {ib + 1}")
            lines.append(f"    frequency: {modes.frequencies[iq, ib]:15.10f}")
            if modes.group_velocities is not None:
                v = modes.group_velocities[iq, ib]
                lines.append(f"    group_velocity: [ {v[0]:13.7f}, {v[1]:13.7f}, {v[2]:13.7f} ]")
            if modes.eigenvectors is not None:
                lines.append("    eigenvector:")
                for ia in range(modes.natom):
                    lines.append(f"    - # atom {ia + 1}")
                    for comp in modes.eigenvectors[iq, ib, ia]:
                        lines.append(f"      - [ {comp.real:17.14f}, {comp.imag:17.14f} ]")
        lines.append("")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- phonopy objects
def _phonopy_missing() -> ModelError:
    return ModelError(
        "this needs the optional dependency phonopy, which is not installed: "
        "pip install 'superionic[phonopy]' (or pip install phonopy)"
    )


_RESULT_KEYS = (
    "qpoints",
    "weights",
    "distances",
    "frequencies",
    "eigenvectors",
    "group_velocities",
)


def _results(phonon, attribute: str, legacy: str) -> dict:
    """Results of phonopy's last mesh / band-structure run: the result object's attributes
    (phonopy >= 2.x), or the legacy ``get_*_dict()``."""
    obj = getattr(phonon, attribute, None)
    if obj is not None and hasattr(obj, "frequencies"):
        return {k: getattr(obj, k, None) for k in _RESULT_KEYS}
    d = getattr(phonon, legacy)()
    return {k: d.get(k) for k in _RESULT_KEYS}


def from_phonopy(
    phonon,
    *,
    mesh=None,
    band_paths=None,
    npoints: int = 51,
    imaginary_tolerance: float = 1e-3,
) -> PhononModes:
    """Phonon modes from a ``phonopy.Phonopy`` object with force constants.

    Runs phonopy's own ``run_mesh(mesh, with_eigenvectors=True, with_group_velocities=True,
    is_mesh_symmetry=False)`` or ``run_band_structure`` on ``band_paths`` (a list of paths, each
    a list of reduced q end points, sampled with ``npoints`` each, via
    ``phonopy.phonon.band_structure.get_band_qpoints``) and converts the result. Exactly one of
    ``mesh`` and ``band_paths`` is required.
    """
    if (mesh is None) == (band_paths is None):
        raise ModelError("give exactly one of mesh= (e.g. [8, 8, 8]) or band_paths=")
    for attr in ("run_mesh", "run_band_structure", "primitive"):
        if not hasattr(phonon, attr):
            raise ModelError(f"from_phonopy needs a phonopy.Phonopy object, got {phonon!r}")
    prim = phonon.primitive
    natom = len(prim.masses)
    if mesh is not None:
        phonon.run_mesh(
            mesh, with_eigenvectors=True, with_group_velocities=True, is_mesh_symmetry=False
        )
        d = _results(phonon, "mesh", "get_mesh_dict")
        q = np.asarray(d["qpoints"], dtype=float)
        freq = np.asarray(d["frequencies"], dtype=float)
        ev = np.asarray(d["eigenvectors"])  # (nq, 3 natom, nband): columns are modes
        gv = d["group_velocities"]
        weights = np.asarray(d["weights"], dtype=float)
        distances = segments = None
    else:
        try:
            from phonopy.phonon.band_structure import get_band_qpoints
        except ImportError:
            raise _phonopy_missing() from None
        paths = get_band_qpoints(band_paths, npoints=npoints)
        phonon.run_band_structure(paths, with_eigenvectors=True, with_group_velocities=True)
        d = _results(phonon, "band_structure", "get_band_structure_dict")
        q = np.concatenate(d["qpoints"])
        freq = np.concatenate(d["frequencies"])
        ev = np.concatenate(d["eigenvectors"])
        gv = None if d["group_velocities"] is None else np.concatenate(d["group_velocities"])
        distances = np.concatenate(d["distances"])
        segments = tuple(len(x) for x in d["qpoints"])
        weights = None
    evec = np.moveaxis(ev, 2, 1).reshape(q.shape[0], 3 * natom, natom, 3)
    return PhononModes(
        lattice=np.asarray(prim.cell, dtype=float),
        positions=np.asarray(prim.scaled_positions, dtype=float),
        masses=np.asarray(prim.masses, dtype=float),
        symbols=tuple(prim.symbols),
        qpoints=q,
        frequencies=freq,
        eigenvectors=evec,
        group_velocities=None if gv is None else np.asarray(gv, dtype=float),
        weights=weights,
        distances=distances,
        segments=segments,
        imaginary_tolerance=imaginary_tolerance,
        source="phonopy",
    )


def load_phonopy(path, **kwargs) -> PhononModes:
    """``phonopy.load(path)`` (a ``phonopy.yaml`` / ``phonopy_params.yaml`` with force
    constants or forces), then :func:`from_phonopy` with ``kwargs`` (``mesh`` or
    ``band_paths``). Needs phonopy."""
    try:
        import phonopy
    except ImportError:
        raise _phonopy_missing() from None
    if not os.path.exists(path):
        raise ModelError(f"phonopy file {os.fspath(path)!r} does not exist")
    return from_phonopy(phonopy.load(path), **kwargs)


def read_total_dos(path, *, unit: str = "THz") -> TabulatedDOS:
    """A phonopy ``total_dos.dat`` (frequency, DOS columns) as a :class:`TabulatedDOS` in energy.

    Frequencies (THz, or ``unit="meV"``) become energies ``h nu`` in eV. Negative or non-finite
    DOS values are refused with the offending energy (a DOS must be non-negative and
    integrable); the grid must be strictly increasing.
    """
    try:
        table = np.loadtxt(path, comments="#", ndmin=2)
    except FileNotFoundError:
        raise ModelError(f"DOS file {os.fspath(path)!r} does not exist") from None
    except ValueError as exc:
        raise ModelError(f"malformed DOS file {os.fspath(path)!r}: {exc}") from None
    if table.shape[1] < 2 or table.shape[0] < 2:
        raise ModelError(
            f"malformed DOS file {os.fspath(path)!r}: need two columns (frequency, DOS) and at "
            f"least two rows, got shape {table.shape}"
        )
    if not np.all(np.isfinite(table[:, :2])):
        bad = int(np.argmax(~np.all(np.isfinite(table[:, :2]), axis=1)))
        raise ModelError(
            f"DOS file {os.fspath(path)!r} has a non-finite value in row {bad + 1}: the DOS is "
            "not integrable"
        )
    if unit == "THz":
        energy = table[:, 0] * THZ_TO_EV
    elif unit == "meV":
        energy = table[:, 0] * 1e-3
    else:
        raise ModelError(f"unit must be 'THz' or 'meV', got {unit!r}")
    return TabulatedDOS(energy, table[:, 1], label=os.path.basename(os.fspath(path)))


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
            "mobile_weight": ("mode", take(mobile_w)),
            "relative_weight": ("mode", take(rel)),
            "group_velocity": ("mode", take(speed), {"units": "THz*angstrom"}),
            "group_velocity_vector": (("mode", "xyz"), gv_flat[order], {"units": "THz*angstrom"}),
            "eigenvector_score": ("mode", take(rel)),
            "frequency_score": ("mode", take(f_score)),
            "dispersion_score": ("mode", take(d_score)),
            "score": ("mode", flat[order]),
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
    from .channel_average import Channel

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
