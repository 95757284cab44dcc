"""Files: validated TOML model specs, and Datasets as NetCDF and CSV.

:mod:`~superionic.io.spec` is the spec schema with its problems and rules;
:mod:`~superionic.io.spec_model` converts TOML text, specs and models into each other;
:mod:`~superionic.io.specfiles` reads and writes spec files (its docstring shows the format);
:mod:`~superionic.io.datasets` writes and reads NetCDF and CSV.
"""

from . import atomic, datasets, spec, spec_model, specfiles
from .atomic import atomic_path, save_figure, write_text_atomic
from .datasets import read_netcdf, write_csv, write_netcdf
from .spec import (
    CANNED_MODELS,
    CannedSpec,
    ExplicitSpec,
    HopSpec,
    InteractionsSpec,
    KPathSpec,
    ModelSpec,
    ShellSpec,
    SiteSpec,
    SpecError,
    SpecProblem,
)
from .spec_model import model_to_toml, parse_spec, spec_to_model
from .specfiles import load_model, read_spec, write_model

__all__ = [
    "CANNED_MODELS",
    "CannedSpec",
    "ExplicitSpec",
    "HopSpec",
    "InteractionsSpec",
    "KPathSpec",
    "ModelSpec",
    "ShellSpec",
    "SiteSpec",
    "SpecError",
    "SpecProblem",
    "atomic",
    "atomic_path",
    "datasets",
    "load_model",
    "model_to_toml",
    "parse_spec",
    "read_netcdf",
    "read_spec",
    "save_figure",
    "spec",
    "spec_model",
    "spec_to_model",
    "specfiles",
    "write_csv",
    "write_model",
    "write_netcdf",
    "write_text_atomic",
]
