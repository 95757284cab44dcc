"""Field protocols: the reduced field ``f(t)`` as a function of time (paper Eq. 4, Sec. III.2).

A protocol maps times in s to the reduced field ``f = Z E / kB T`` in 1/Å, one component per
dimension, broadcasting over an array of times (``t -> (..., dim)``). It sets the time-dependent
hop probabilities ``P_h(t) = P_h exp(c f(t).d_h)`` evolved by
:func:`superionic.realspace.driving.drive`.

* :class:`StepField`: a switch from one constant field to another (the step response of
  Sec. III.2);
* :class:`PulseField`: a rectangular pulse, whose area sets the linear-response displacement;
* :class:`ACField`: ``amplitude cos(omega (t - start) + phase)`` after ``start``.

The classes are frozen values that check their inputs; :mod:`superionic.realspace.driving`
re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import finite_array, finite_float
from ..errors import ModelError

__all__ = ["ACField", "PulseField", "StepField"]


def _vector(name: str, value) -> tuple[float, ...]:
    arr = np.atleast_1d(finite_array(name, value))
    if arr.ndim != 1 or not 1 <= arr.size <= 3:
        raise ModelError(f"{name} must be a vector of 1-3 components (1/Å), got {value!r}")
    return tuple(float(x) for x in arr)


def _times(t) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(t, dtype=float)
    return t, t[..., None]


@dataclass(frozen=True)
class StepField:
    """A field switched from ``before`` to ``amplitude`` at time ``time`` (reduced, 1/Å).

    Parameters
    ----------
    amplitude : sequence of float
        Reduced field ``Z E / kB T`` after the step, 1/Å (one component per dimension).
    time : float
        Switching time in s; steps starting at ``t >= time`` feel the new field.
    before : sequence of float, optional
        Field before the step (default zero).
    """

    amplitude: tuple[float, ...]
    time: float = 0.0
    before: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "amplitude", _vector("StepField.amplitude", self.amplitude))
        object.__setattr__(self, "time", finite_float("StepField.time (s)", self.time))
        before = (0.0,) * len(self.amplitude) if self.before is None else self.before
        before = _vector("StepField.before", before)
        if len(before) != len(self.amplitude):
            raise ModelError("StepField.before and amplitude need the same number of components")
        object.__setattr__(self, "before", before)

    def __call__(self, t) -> np.ndarray:
        _, tt = _times(t)
        return np.where(tt >= self.time, np.array(self.amplitude), np.array(self.before))


@dataclass(frozen=True)
class PulseField:
    """A rectangular field pulse of ``amplitude`` (1/Å) on ``[start, start + duration)``.

    Its area ``amplitude * duration`` (1/Å s) sets the displacement in linear response:
    ``mobility . area`` (the DC mobility: the response integrated over all times).
    """

    amplitude: tuple[float, ...]
    start: float
    duration: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "amplitude", _vector("PulseField.amplitude", self.amplitude))
        object.__setattr__(self, "start", finite_float("PulseField.start (s)", self.start))
        object.__setattr__(
            self,
            "duration",
            finite_float("PulseField.duration (s)", self.duration, minimum=0.0, strict_min=True),
        )

    @property
    def area(self) -> np.ndarray:
        """``amplitude * duration`` in 1/Å s."""
        return np.array(self.amplitude) * self.duration

    def __call__(self, t) -> np.ndarray:
        t, tt = _times(t)
        inside = (tt >= self.start) & (tt < self.start + self.duration)
        return np.where(inside, np.array(self.amplitude), 0.0) + 0.0 * tt


@dataclass(frozen=True)
class ACField:
    """``f(t) = amplitude cos(omega (t - start) + phase)`` for ``t >= start``, zero before.

    Parameters
    ----------
    amplitude : sequence of float
        Reduced field amplitude, 1/Å.
    omega : float
        Angular frequency in rad/s.
    phase : float
        Phase in rad.
    start : float
        Switch-on time in s.
    """

    amplitude: tuple[float, ...]
    omega: float
    phase: float = 0.0
    start: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "amplitude", _vector("ACField.amplitude", self.amplitude))
        object.__setattr__(
            self, "omega", finite_float("ACField.omega (rad/s)", self.omega, minimum=0.0)
        )
        object.__setattr__(self, "phase", finite_float("ACField.phase (rad)", self.phase))
        object.__setattr__(self, "start", finite_float("ACField.start (s)", self.start))

    def __call__(self, t) -> np.ndarray:
        t, tt = _times(t)
        wave = np.cos(self.omega * (tt - self.start) + self.phase)
        return np.where(tt >= self.start, wave * np.array(self.amplitude), 0.0)
