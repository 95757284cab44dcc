"""Measurements in: sigma(T) / D(T) tables, segmented Arrhenius fits, parameter inference.

Public API
----------
:func:`read_table`, :class:`MeasuredTable`, :func:`check_measurements`
    CSV tables with units in the column names or header, in canonical units (K, S/cm, cm^2/s).
:func:`fit_arrhenius`, :class:`ArrheniusFit`, :class:`Segment`, :class:`ModelEvidence`
    One line, a kink (type II) or a jump (type I), chosen by an information criterion.
:func:`infer_parameters`, :class:`Inference`
    Mean-field parameters (K0 and Lambda0 from type II; Lambda0 and M0 from type I) with the
    theory's predictions beside the measured values, and the exact-ordering K0 where known.
:func:`sigma_from_diffusion`, :func:`diffusion_from_sigma`, :func:`convert_table`,
:func:`carrier_density`
    Nernst-Einstein with a Haven ratio.
:func:`synthetic_table`, :func:`mean_field_ln_value`
    Synthetic measurements from the mean field.
Errors
    :class:`MeasurementError` and its subclasses :class:`NonPositiveValueError`,
    :class:`NonFiniteValueError`, :class:`DuplicateTemperatureError`,
    :class:`UnknownUnitError`, :class:`InsufficientDataError`.
"""

from .errors import (
    DuplicateTemperatureError,
    InsufficientDataError,
    MeasurementError,
    NonFiniteValueError,
    NonPositiveValueError,
    UnknownUnitError,
)
from .fit import ArrheniusFit, ModelEvidence, Segment, fit_arrhenius
from .synthetic import mean_field_ln_value, synthetic_table
from .table import MeasuredTable, check_measurements, read_table

__all__ = [
    "ArrheniusFit",
    "DuplicateTemperatureError",
    "InsufficientDataError",
    "MeasuredTable",
    "MeasurementError",
    "ModelEvidence",
    "NonFiniteValueError",
    "NonPositiveValueError",
    "Segment",
    "UnknownUnitError",
    "check_measurements",
    "fit_arrhenius",
    "mean_field_ln_value",
    "read_table",
    "synthetic_table",
]
