"""Named errors for measured data; each is a :class:`~superionic.errors.ModelError`.

Every message names the field, the offending value and what is allowed.
"""

from __future__ import annotations

from ..errors import ModelError


class MeasurementError(ModelError):
    """Measured data cannot be used as given."""


class NonPositiveValueError(MeasurementError):
    """A conductivity, diffusion coefficient, error or temperature is zero or negative."""


class NonFiniteValueError(MeasurementError):
    """A value is NaN or infinite (or not a number at all)."""


class DuplicateTemperatureError(MeasurementError):
    """Two measurements share one temperature (average them first, or keep one)."""


class UnknownUnitError(MeasurementError):
    """A column's unit (or quantity) is not one the reader knows."""


class InsufficientDataError(MeasurementError):
    """Too few points for the requested fit (a single point fits nothing)."""
