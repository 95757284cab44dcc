"""Model spec files (TOML, validated) and result files (NetCDF, CSV).

A *model spec* is a TOML file that declares a :class:`~superionic.lattice.HoppingModel`, either
explicitly::

    name = "two-site chain"
    vectors = [[4.0]]            # lattice vectors as rows, Å
    tau = 1e-13                  # step, s
    filling = 1.0                # mobile ions per cell

    [[sites]]
    name = "a"
    position = [0.0]             # fractional
    energy = 0.0                 # eV

    [[sites]]
    name = "b"
    position = [0.5]
    energy = 0.05

    [[hops]]                     # a bond, hopped both ways (Eq. 3)
    source = "a"
    target = "b"
    cell = [0]
    saddle = 0.35
    degeneracy = 2

    [interactions]               # Sec. IV (optional)
    K0 = 0.0
    M0 = 0.0

or through a canned model of :mod:`superionic.models`::

    model = "two_site_chain"
    [parameters]
    P0 = 0.3
    gamma = 0.4

Hops may also be given as explicit directed per-step ``probability`` values, and bonds can be
generated from neighbour shells (``[[shells]]`` with ``shell``, ``saddle``, optional ``cutoff`` in
Å and ``degeneracy``). Optional keys common to both forms: ``name``, ``description``, ``charge``
(Z in e), ``cell_volume`` (Å^3 per cell of the 3D crystal, needed for conductivities of 1D and 2D
models) and a ``[kpath]`` table (``points``: labels -> fractional reciprocal coordinates,
``path``: a list of labels).

Every problem found is reported at once in a :class:`SpecError` that names the field by its dotted
path (``hops[2].probability``), the value found and what is allowed. Unknown keys are errors
(a misspelt key never passes silently), and so are ``nan`` and ``inf``.

Datasets are written to NetCDF with the h5netcdf engine (complex variables split into
``<name>_real`` and ``<name>_imag`` and joined again on reading) and to CSV.

This module holds the spec-file functions (:func:`read_spec`, :func:`load_model`,
:func:`write_model`); :mod:`superionic.io` collects the whole file API: the schema, its problems
and rules (:mod:`superionic.io.spec`), :func:`parse_spec`, :func:`spec_to_model` and
:func:`model_to_toml` (:mod:`superionic.io.spec_model`), and :func:`write_netcdf`,
:func:`read_netcdf`, :func:`write_csv` (:mod:`superionic.io.datasets`).
"""

from __future__ import annotations

from pathlib import Path

from ..lattice import HoppingModel
from .spec import ModelSpec
from .spec_model import model_to_toml, parse_spec, spec_to_model

__all__ = ["load_model", "read_spec", "write_model"]


# =========================================================================== spec files
def read_spec(path: str | Path) -> ModelSpec:
    """Read and validate a TOML model spec file (see the module docstring for the format).

    Raises
    ------
    SpecError
        For a malformed TOML file (with the line) or an invalid spec (with the fields).
    FileNotFoundError
        When the file does not exist.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    return parse_spec(text, source=str(path))


def load_model(path: str | Path) -> HoppingModel:
    """Read a TOML model spec and return the :class:`~superionic.lattice.HoppingModel`."""
    return spec_to_model(read_spec(path))


def write_model(model: HoppingModel, path: str | Path, **kwargs) -> Path:
    """Write ``model`` as an explicit TOML spec (keywords as in :func:`model_to_toml`)."""
    path = Path(path)
    path.write_text(model_to_toml(model, **kwargs), encoding="utf-8")
    return path
