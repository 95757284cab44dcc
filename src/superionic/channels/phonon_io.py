"""Phonon data from phonopy: YAML files, ``Phonopy`` objects and total DOS files.

Reads and writes the data behind the mode ranking of Sec. II.2 (:mod:`superionic.phonons`) and
the channel densities of states of Eq. 2; it implements no equation of its own.

* :func:`read_phonopy_yaml`: phonopy's ``band.yaml`` / ``mesh.yaml`` (read with PyYAML in the
  format phonopy writes; eigenvectors and group velocities when phonopy wrote them);
  :func:`to_phonopy_yaml` writes the same layout;
* :func:`from_phonopy`: a ``phonopy.Phonopy`` object (its own ``run_mesh`` /
  ``run_band_structure``); :func:`load_phonopy`: ``phonopy.load`` of a ``phonopy.yaml``
  (phonopy is an optional extra, imported only there);
* :func:`read_total_dos`: a ``total_dos.dat`` as a :class:`~superionic.channels.TabulatedDOS`
  in energy (``h nu``, eV), usable as a channel DOS in Eq. 2.

All return :class:`~superionic.phonon_modes.PhononModes` (THz, THz Å, amu, reduced q); the
names are re-exported by :mod:`superionic.phonons`. Malformed input raises
:class:`~superionic.errors.ModelError` naming the file, entry and q-point.
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import ModelError
from .phonon_modes import THZ_TO_EV, PhononModes
from .probability import TabulatedDOS

__all__ = ["from_phonopy", "load_phonopy", "read_phonopy_yaml", "read_total_dos", "to_phonopy_yaml"]


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
