"""Mean-field theory of superionic transitions (paper Secs. IV-V, App. A).

Many-body Coulomb repulsion K0 and nonadiabatic concerted hopping M0 as self-consistent mean
fields on any :class:`~superionic.lattice.HoppingModel`, with the paper's chain as the special case
reproduced exactly.

Public API
----------
:func:`solve`
    Every self-consistent solution at one temperature (gamma, P0, occupations, stability,
    validity).
:func:`solve_path`
    Solutions along a temperature grid with continuation, as an xarray Dataset of branches
    (with conductivities).
:func:`transitions`
    Type-II (continuous, Eq. 51) and type-I (fold, Eqs. 54-55) transitions with their order,
    order parameter, driving mean field and conductivity.
:func:`phase_diagram`
    Vectorised phase diagrams over (temperature, Lambda0, K0, M0, n0) grids.
:func:`table1`
    The paper's Table 1 generated from computed quantities.

Closed forms (Eqs. 49-55) live in :mod:`superionic.meanfield.chain`; the general engine in
:mod:`superionic.meanfield.engine`.
"""

from . import chain
from .chain import CHAIN, HONEYCOMB, Geometry
from .conductivity import Transport, arrhenius_segments
from .diagram import fold_temperatures, phase_diagram
from .engine import Stability, compile_model, mean_field_map, stability
from .folds import Transition, closed_form_transitions, transitions, type_i_before_type_ii
from .geometry import DetectedGeometry, detect_geometry
from .path import closed_form_path, solve_path, stable_branch
from .solutions import Solution, SolutionSet, closed_form_solutions, solve
from .table import TableRow, minimal_concerted_strength, table1, table_markdown

__all__ = [
    "CHAIN",
    "HONEYCOMB",
    "DetectedGeometry",
    "Geometry",
    "Solution",
    "SolutionSet",
    "Stability",
    "TableRow",
    "Transition",
    "Transport",
    "arrhenius_segments",
    "chain",
    "closed_form_path",
    "closed_form_solutions",
    "closed_form_transitions",
    "compile_model",
    "detect_geometry",
    "fold_temperatures",
    "mean_field_map",
    "minimal_concerted_strength",
    "phase_diagram",
    "solve",
    "solve_path",
    "stability",
    "stable_branch",
    "table1",
    "table_markdown",
    "transitions",
    "type_i_before_type_ii",
]
