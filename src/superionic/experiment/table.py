"""Measured sigma(T) or D(T) tables: reading, unit conversion and validation.

Canonical units: temperature K, conductivity S/cm, diffusion coefficient cm^2/s. A table states
its units in the column names (``T (K)``, ``T [°C]``, ``sigma / S cm^-1``, ``sigma*T (S K/cm)``,
``D (m^2/s)``, ``log10 sigma (S/cm)``) or in comment lines of the header
(``# temperature unit: °C``, ``# unit: S/m``, ``# quantity: sigma``). An optional uncertainty
column (a name with ``err``, ``uncert``, ``std``, ``sd`` or ``±``) is either absolute, in the
value column's unit (the default when it names none), or relative in ``%``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import (
    DuplicateTemperatureError,
    InsufficientDataError,
    MeasurementError,
    NonFiniteValueError,
    NonPositiveValueError,
    UnknownUnitError,
)

QUANTITIES = ("sigma", "D")
#: Canonical unit of each quantity.
CANONICAL_UNITS = {"sigma": "S/cm", "D": "cm^2/s", "temperature": "K"}

#: Conductivity units -> factor to S/cm.
SIGMA_UNITS = {
    "s/cm": 1.0, "scm-1": 1.0, "cm-1s": 1.0, "1/(ohmcm)": 1.0, "ohm-1cm-1": 1.0,
    "ω-1cm-1": 1.0, "1/(ωcm)": 1.0,
    "s/m": 1e-2, "sm-1": 1e-2, "ms/cm": 1e-3, "mscm-1": 1e-3, "µs/cm": 1e-6, "μs/cm": 1e-6,
    "us/cm": 1e-6,
}
#: sigma*T units -> factor to S K/cm.
SIGMA_T_UNITS = {
    "sk/cm": 1.0, "ks/cm": 1.0, "scm-1k": 1.0, "kscm-1": 1.0, "skcm-1": 1.0,
    "sk/m": 1e-2, "ks/m": 1e-2, "sm-1k": 1e-2, "skm-1": 1e-2, "ksm-1": 1e-2,
}
#: Diffusion units -> factor to cm^2/s.
D_UNITS = {
    "cm2/s": 1.0, "cm2s-1": 1.0, "m2/s": 1e4, "m2s-1": 1e4, "mm2/s": 1e-2, "mm2s-1": 1e-2,
    "å2/ps": 1e-4, "a2/ps": 1e-4, "angstrom2/ps": 1e-4,
}
KELVIN = ("k", "kelvin")
CELSIUS = ("°c", "c", "degc", "oc", "celsius", "ºc", "℃")
ZERO_CELSIUS = 273.15


def _norm_unit(unit: str) -> str:
    u = unit.strip().lower()
    for a, b in (("⁻¹", "-1"), ("^-1", "-1"), ("^{-1}", "-1"), ("**-1", "-1"), ("²", "2"),
                 ("^2", "2"), ("**2", "2"), ("·", ""), ("*", ""), (" ", ""), ("ohms", "ohm"),
                 ("cm^-1", "cm-1")):
        u = u.replace(a, b)
    if u.startswith("(") and u.endswith(")") and u.count("(") == 1:
        u = u[1:-1]
    return u


def _known_units() -> str:
    return ("temperature: K, °C; sigma: S/cm, S/m, mS/cm, µS/cm; sigma*T: S K/cm, S K/m; "
            "D: cm^2/s, m^2/s, mm^2/s, Å^2/ps; errors: the value's unit or %")


def _value_unit(unit: str, column: str) -> tuple[str, float, bool]:
    """``(quantity, factor to canonical, times_temperature)`` of a value unit."""
    u = _norm_unit(unit)
    if u in SIGMA_UNITS:
        return "sigma", SIGMA_UNITS[u], False
    if u in SIGMA_T_UNITS:
        return "sigma", SIGMA_T_UNITS[u], True
    if u in D_UNITS:
        return "D", D_UNITS[u], False
    raise UnknownUnitError(
        f"column {column!r}: unknown unit {unit!r}; known units are {_known_units()}"
    )


def _temperature_unit(unit: str, column: str) -> float:
    """Offset to add to reach K."""
    u = _norm_unit(unit)
    if u in KELVIN:
        return 0.0
    if u in CELSIUS:
        return ZERO_CELSIUS
    raise UnknownUnitError(
        f"column {column!r}: unknown temperature unit {unit!r}; allowed are K and °C"
    )


# --------------------------------------------------------------------------- validation
def check_measurements(temperature, values, errors=None, *, quantity: str = "sigma"):
    """Validate and sort measurements; return ``(temperature, values, errors)`` arrays.

    Temperatures (K) and values must be finite and > 0 and the temperatures distinct; errors,
    when given, finite and > 0. Unsorted temperatures are sorted (with their values and
    errors), not refused.

    Raises
    ------
    InsufficientDataError, NonFiniteValueError, NonPositiveValueError,
    DuplicateTemperatureError
        Each naming the field, the value and the temperature where it occurs.
    """
    if quantity not in QUANTITIES:
        raise MeasurementError(f"quantity must be one of {QUANTITIES}, got {quantity!r}")
    unit = CANONICAL_UNITS[quantity]
    arrays = {}
    for name, value in (("temperature (K)", temperature), (f"{quantity} ({unit})", values),
                        (f"errors ({unit})", errors)):
        if value is None:
            continue
        try:
            arr = np.atleast_1d(np.asarray(value, dtype=float))
        except (TypeError, ValueError):
            raise NonFiniteValueError(f"{name} must be numeric, got {value!r}") from None
        if arr.ndim != 1:
            raise MeasurementError(f"{name} must be one-dimensional, got shape {arr.shape}")
        arrays[name] = arr
    t = arrays["temperature (K)"]
    for name, arr in arrays.items():
        if arr.shape != t.shape:
            raise MeasurementError(
                f"{name} has {arr.size} entries but temperature (K) has {t.size}"
            )
    if t.size < 2:
        raise InsufficientDataError(
            f"a single point (temperature {t.tolist()} K) fits nothing: at least 2 are needed"
        )
    for name, arr in arrays.items():
        bad = ~np.isfinite(arr)
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            where = f"entry {i}" if name.startswith("temp") else f"T = {t[i]:g} K"
            raise NonFiniteValueError(f"{name} must be finite, got {arr[i]!r} at {where}")
    for name, arr in arrays.items():
        bad = arr <= 0
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            where = f"entry {i}" if name.startswith("temp") else f"T = {t[i]:g} K"
            raise NonPositiveValueError(f"{name} must be > 0, got {arr[i]!r} at {where}")
    order = np.argsort(t, kind="stable")
    ts = t[order]
    dup = np.flatnonzero(np.diff(ts) == 0)
    if dup.size:
        raise DuplicateTemperatureError(
            f"temperature (K) must be distinct, got {ts[dup[0]]:g} K twice; average the "
            "repeated measurements (with their spread as the error) or keep one"
        )
    val = arrays[f"{quantity} ({unit})"][order]
    err = arrays[f"errors ({unit})"][order] if errors is not None else None
    return ts, val, err


# --------------------------------------------------------------------------- the table
@dataclass(frozen=True)
class MeasuredTable:
    """sigma(T) or D(T) in canonical units, sorted by temperature.

    Attributes
    ----------
    temperature : ndarray
        K, increasing.
    values : ndarray
        S/cm (``quantity="sigma"``) or cm^2/s (``quantity="D"``).
    errors : ndarray or None
        One standard uncertainty of ``values``, same unit.
    quantity : {"sigma", "D"}
    source : str
        Where the data came from (a path, or ``"arrays"``).
    notes : tuple of str
        Conversions applied (units, Nernst-Einstein with its Haven ratio).
    """

    temperature: np.ndarray
    values: np.ndarray
    errors: np.ndarray | None
    quantity: str
    source: str = "arrays"
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        t, v, e = check_measurements(self.temperature, self.values, self.errors,
                                     quantity=self.quantity)
        object.__setattr__(self, "temperature", t)
        object.__setattr__(self, "values", v)
        object.__setattr__(self, "errors", e)
        object.__setattr__(self, "notes", tuple(self.notes))

    @property
    def unit(self) -> str:
        return CANONICAL_UNITS[self.quantity]

    def __len__(self) -> int:
        return int(self.temperature.size)

    def to_dataset(self):
        """The table as an :class:`xarray.Dataset` (units in attrs)."""
        import xarray as xr

        ds = xr.Dataset(
            {"value": ("temperature", self.values,
                       {"units": self.unit, "long_name": self.quantity})},
            coords={"temperature": ("temperature", self.temperature, {"units": "K"})},
            attrs={"quantity": self.quantity, "source": self.source,
                   "notes": "; ".join(self.notes)},
        )
        if self.errors is not None:
            ds["error"] = ("temperature", self.errors,
                           {"units": self.unit, "long_name": "one standard uncertainty"})
        return ds


# --------------------------------------------------------------------------- reading
_SPLIT = re.compile(r"^\s*(?P<label>.*?)\s*(?:\((?P<p>.*)\)|\[(?P<b>.*)\]|/\s*(?P<s>.+))\s*$")
_ERROR_WORDS = ("err", "uncert", "std", "sd", "±", "+-", "sigma_err", "delta")


def _split_name(name: str) -> tuple[str, str | None]:
    """``"T (K)" -> ("t", "K")``; ``"T_C" -> ("t", "C")``; no unit -> (label, None)."""
    m = _SPLIT.match(name)
    if m and m.group("label"):
        unit = m.group("p") or m.group("b") or m.group("s")
        return m.group("label").strip().lower(), unit.strip()
    label = name.strip().lower()
    m2 = re.match(r"^(t|temp|temperature)[_ ](k|c|°c|degc)$", label)
    if m2:
        return m2.group(1), m2.group(2)
    return label, None


def _is_temperature(label: str) -> bool:
    return label in ("t", "temp", "temperature", "t_k", "t_c") or label.startswith("temperature")


def _is_error(label: str) -> bool:
    return any(w in label for w in _ERROR_WORDS) or label in ("dsigma", "d_sigma", "dd", "d_d")


def _directives(comments: list[str]) -> dict[str, str]:
    out = {}
    for line in comments:
        text = line.lstrip("#").strip()
        m = re.match(r"^([A-Za-z _]+?)\s*[:=]\s*(.+)$", text)
        if m:
            key = m.group(1).strip().lower().replace(" ", "_")
            out[key] = m.group(2).strip()
    return out


def read_table(path, *, quantity: str | None = None) -> MeasuredTable:
    """Read sigma(T) or D(T) from a CSV file into canonical units (K, S/cm, cm^2/s).

    Parameters
    ----------
    path : str or Path
        A CSV file (comma, semicolon or tab separated). Lines starting with ``#`` are comments;
        a comment ``# key: value`` sets ``temperature_unit``, ``unit`` (of the values) or
        ``quantity`` for columns whose names state none. The first other line is the header:
        a temperature column, one value column and optionally an uncertainty column.
    quantity : {"sigma", "D"}, optional
        Checked against what the units say.

    Returns
    -------
    MeasuredTable
        Sorted by temperature. A ``sigma*T`` column is divided by T; a ``log10`` column is
        exponentiated; relative (``%``) errors become absolute.

    Raises
    ------
    UnknownUnitError
        A column whose unit (or absence of one) the reader cannot interpret.
    MeasurementError and subclasses
        Bad values, as in :func:`check_measurements`.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise MeasurementError(f"cannot read the table {str(path)!r}: {exc}") from None
    comments, body = [], []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        (comments if stripped.startswith("#") else body).append(line)
    if not body:
        raise InsufficientDataError(f"{str(path)!r} holds no data lines")
    directives = _directives(comments)
    try:
        dialect = csv.Sniffer().sniff(body[0], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = [r for r in csv.reader(io.StringIO("\n".join(body)), delimiter=delimiter)]
    header = [c.strip() for c in rows[0]]
    numeric_header = all(_is_number(c) for c in header if c)
    if numeric_header:
        header = ["temperature", "value", "error"][: len(rows[0])]
        data_rows = rows
    else:
        data_rows = rows[1:]
    columns = [_split_name(h) for h in header]
    t_col = v_col = e_col = None
    for i, (label, _unit) in enumerate(columns):
        if t_col is None and _is_temperature(label):
            t_col = i
        elif _is_error(label) and e_col is None:
            e_col = i
        elif v_col is None and label:
            v_col = i
    if t_col is None or v_col is None:
        raise UnknownUnitError(
            f"{str(path)!r}: need a temperature column and a value column, got header {header}"
        )
    t_unit = columns[t_col][1] or directives.get("temperature_unit") \
        or directives.get("temperature")
    if t_unit is None:
        raise UnknownUnitError(
            f"column {header[t_col]!r}: no temperature unit; write it as 'T (K)' or 'T (°C)' "
            "or add '# temperature unit: K'"
        )
    offset = _temperature_unit(t_unit, header[t_col])
    v_label, v_unit = columns[v_col]
    v_unit = v_unit or directives.get("unit") or directives.get("value_unit") \
        or directives.get("units")
    if v_unit is None:
        raise UnknownUnitError(
            f"column {header[v_col]!r}: no unit; state it as e.g. 'sigma (S/cm)', "
            f"'sigma*T (S K/cm)' or 'D (cm^2/s)'; known units are {_known_units()}"
        )
    logarithmic = v_label.startswith("log")
    qty, factor, times_t = _value_unit(v_unit, header[v_col])
    declared = quantity or directives.get("quantity")
    if declared is not None and declared not in QUANTITIES:
        raise UnknownUnitError(f"quantity must be one of {QUANTITIES}, got {declared!r}")
    if declared is not None and declared != qty:
        raise UnknownUnitError(
            f"column {header[v_col]!r} has unit {v_unit!r} ({qty}), but quantity {declared!r} "
            "was requested"
        )

    def column(i):
        out = []
        for r_no, row in enumerate(data_rows):
            cell = row[i].strip() if i < len(row) else ""
            try:
                out.append(float(cell))
            except ValueError:
                raise NonFiniteValueError(
                    f"column {header[i]!r}, data row {r_no + 1}: {cell!r} is not a number"
                ) from None
        return np.array(out)

    temperature = column(t_col) + offset
    raw = column(v_col)
    values = 10.0 ** raw if logarithmic else raw
    if not np.all(np.isfinite(temperature)) or np.any(temperature <= 0):
        check_measurements(temperature, np.ones_like(temperature))
    values = values * factor / (temperature if times_t else 1.0)
    notes = [f"temperature from {t_unit}", f"{qty} from {'log10 ' if logarithmic else ''}"
             f"{v_unit}{' divided by T' if times_t else ''}"]
    errors = None
    if e_col is not None:
        e_unit = columns[e_col][1]
        raw_e = column(e_col)
        if e_unit is not None and _norm_unit(e_unit) == "%":
            errors = np.abs(values) * raw_e / 100.0
            notes.append("errors relative (%)")
        elif logarithmic:
            if e_unit is not None:
                raise UnknownUnitError(
                    f"column {header[e_col]!r}: errors of a log10 column are in decades and "
                    f"take no unit, got {e_unit!r}"
                )
            errors = values * math.log(10.0) * raw_e
            notes.append("errors in decades")
        else:
            if e_unit is not None:
                eq, efac, et = _value_unit(e_unit, header[e_col])
                if eq != qty:
                    raise UnknownUnitError(
                        f"column {header[e_col]!r}: unit {e_unit!r} is not a unit of {qty}"
                    )
            else:
                efac, et = factor, times_t
            errors = raw_e * efac / (temperature if et else 1.0)
    return MeasuredTable(temperature, values, errors, qty, source=str(path), notes=tuple(notes))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
