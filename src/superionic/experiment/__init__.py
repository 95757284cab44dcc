"""Measurements in: sigma(T) / D(T) tables, segmented Arrhenius fits, parameter inference.

Public API
----------
:func:`read_table`, :class:`MeasuredTable`, :func:`check_measurements`
    CSV tables with units in the column names or header, in canonical units (K, S/cm, cm^2/s).
:func:`fit_arrhenius`, :class:`ArrheniusFit`, :class:`Segment`, :class:`ModelEvidence`
    One line, a kink (type II) or a jump (type I), chosen by an information criterion.
:func:`infer_parameters`, :class:`Inference`, :func:`exact_ordering_temperature`
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
from .infer import Inference, exact_ordering_temperature, infer_parameters
from .nernst_einstein import (
    carrier_density,
    convert_table,
    diffusion_from_sigma,
    sigma_from_diffusion,
)
from .synthetic import mean_field_ln_value, synthetic_table
from .table import MeasuredTable, check_measurements, read_table

__all__ = [
    "ArrheniusFit",
    "DuplicateTemperatureError",
    "Inference",
    "InsufficientDataError",
    "MeasuredTable",
    "MeasurementError",
    "ModelEvidence",
    "NonFiniteValueError",
    "NonPositiveValueError",
    "Segment",
    "UnknownUnitError",
    "carrier_density",
    "check_measurements",
    "convert_table",
    "diffusion_from_sigma",
    "exact_ordering_temperature",
    "fit_arrhenius",
    "infer_parameters",
    "mean_field_ln_value",
    "read_table",
    "sigma_from_diffusion",
    "synthetic_table",
]
