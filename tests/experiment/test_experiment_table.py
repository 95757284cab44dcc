"""Reading measured tables: units, comments, uncertainties and named errors."""

from __future__ import annotations

import numpy as np
import pytest

import superionic.experiment as ex
from superionic.errors import ModelError

T = np.array([400.0, 450.0, 500.0, 550.0])
SIGMA = np.array([1e-4, 3e-4, 8e-4, 2e-3])


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rows(a, b, c=None):
    if c is None:
        return "\n".join(f"{float(x)!r},{float(y)!r}" for x, y in zip(a, b, strict=True))
    return "\n".join(f"{float(x)!r},{float(y)!r},{float(z)!r}"
                     for x, y, z in zip(a, b, c, strict=True))


def test_kelvin_and_s_per_cm_with_comments(tmp_path):
    path = write(tmp_path, "# sample A\n# measured by impedance\nT (K),sigma (S/cm)\n"
                 + rows(T, SIGMA) + "\n\n# end\n")
    tab = ex.read_table(path)
    assert tab.quantity == "sigma" and tab.unit == "S/cm" and tab.errors is None
    np.testing.assert_allclose(tab.temperature, T)
    np.testing.assert_allclose(tab.values, SIGMA)


@pytest.mark.parametrize(
    ("t_head", "t_vals", "v_head", "factor"),
    [
        ("T [°C]", T - 273.15, "sigma [S/m]", 100.0),
        ("T/K", T, "sigma / S cm^-1", 1.0),
        ("temperature_C", T - 273.15, "conductivity (mS/cm)", 1e3),
        ("T (K)", T, "sigma*T (S K/cm)", None),
        ("T (K)", T, "sigma T (S K m^-1)", None),
    ],
)
def test_units_in_column_names(tmp_path, t_head, t_vals, v_head, factor):
    if factor is None:
        scale = 100.0 if "m^-1" in v_head else 1.0
        vals = SIGMA * T * scale
    else:
        vals = SIGMA * factor
    path = write(tmp_path, f"{t_head},{v_head}\n" + rows(t_vals, vals))
    tab = ex.read_table(path)
    np.testing.assert_allclose(tab.temperature, T, rtol=1e-12)
    np.testing.assert_allclose(tab.values, SIGMA, rtol=1e-12)


def test_diffusion_units_and_header_directives(tmp_path):
    d = np.array([1e-8, 3e-8, 1e-7, 2e-7])
    tab = ex.read_table(write(tmp_path, "T (K);D (m^2/s)\n" + rows(T, d * 1e-4).replace(",", ";")))
    assert tab.quantity == "D" and tab.unit == "cm^2/s"
    np.testing.assert_allclose(tab.values, d)
    text = "# temperature unit: °C\n# unit: cm²/s\n# quantity: D\nT,D\n" + rows(T - 273.15, d)
    tab = ex.read_table(write(tmp_path, text, "b.csv"))
    np.testing.assert_allclose(tab.temperature, T)
    np.testing.assert_allclose(tab.values, d)


def test_uncertainty_columns(tmp_path):
    err = 0.05 * SIGMA
    tab = ex.read_table(write(tmp_path, "T (K),sigma (S/m),sigma_err\n"
                              + rows(T, SIGMA * 100, err * 100)))
    np.testing.assert_allclose(tab.errors, err)
    tab = ex.read_table(write(tmp_path, "T (K),sigma (S/cm),error (%)\n"
                              + rows(T, SIGMA, np.full(4, 5.0)), "p.csv"))
    np.testing.assert_allclose(tab.errors, err)
    tab = ex.read_table(write(tmp_path, "T (K),sigma*T (S K/cm),err (S K/cm)\n"
                              + rows(T, SIGMA * T, err * T), "t.csv"))
    np.testing.assert_allclose(tab.errors, err)
    tab = ex.read_table(write(tmp_path, "T (K),log10 sigma (S/cm),err\n"
                              + rows(T, np.log10(SIGMA), np.full(4, 0.01)), "l.csv"))
    np.testing.assert_allclose(tab.values, SIGMA)
    np.testing.assert_allclose(tab.errors, SIGMA * np.log(10) * 0.01)


def test_unsorted_rows_are_sorted(tmp_path):
    order = [2, 0, 3, 1]
    tab = ex.read_table(write(tmp_path, "T (K),sigma (S/cm),err\n"
                              + rows(T[order], SIGMA[order], 0.1 * SIGMA[order])))
    np.testing.assert_allclose(tab.temperature, T)
    np.testing.assert_allclose(tab.values, SIGMA)
    np.testing.assert_allclose(tab.errors, 0.1 * SIGMA)


@pytest.mark.parametrize(
    ("text", "error", "words"),
    [
        ("T (K),sigma (S/furlong)\n400,1\n500,2\n", ex.UnknownUnitError, "S/furlong"),
        ("T (F),sigma (S/cm)\n400,1\n500,2\n", ex.UnknownUnitError, "'F'"),
        ("T (K),sigma\n400,1\n500,2\n", ex.UnknownUnitError, "no unit"),
        ("T (K),sigma (S/cm)\n400,-1e-3\n500,2e-3\n", ex.NonPositiveValueError, "-0.001"),
        ("T (K),sigma (S/cm)\n400,0\n500,2e-3\n", ex.NonPositiveValueError, "400"),
        ("T (K),sigma (S/cm)\n400,nan\n500,2e-3\n", ex.NonFiniteValueError, "nan"),
        ("T (K),sigma (S/cm)\n400,abc\n500,2e-3\n", ex.NonFiniteValueError, "abc"),
        ("T (K),sigma (S/cm)\n400,1e-3\n400,2e-3\n", ex.DuplicateTemperatureError, "400"),
        ("T (K),sigma (S/cm)\n400,1e-3\n", ex.InsufficientDataError, "single point"),
        ("T (°C),sigma (S/cm)\n-300,1e-3\n20,2e-3\n", ex.NonPositiveValueError, "temperature"),
        ("T (K),sigma (S/cm),err\n400,1e-3,0\n500,2e-3,1e-4\n", ex.NonPositiveValueError,
         "errors"),
    ],
)
def test_bad_tables_are_named_errors(tmp_path, text, error, words):
    with pytest.raises(error, match=None) as info:
        ex.read_table(write(tmp_path, text))
    assert words in str(info.value)
    assert isinstance(info.value, ModelError)


def test_table_dataset_and_quantity_check(tmp_path):
    path = write(tmp_path, "T (K),sigma (S/cm)\n" + rows(T, SIGMA))
    ds = ex.read_table(path).to_dataset()
    assert ds["value"].attrs["units"] == "S/cm" and ds["temperature"].attrs["units"] == "K"
    with pytest.raises(ex.UnknownUnitError, match="quantity 'D'"):
        ex.read_table(path, quantity="D")


def test_nernst_einstein_closed_form_and_round_trip():
    # sigma = n (Z e)^2 D / (H_R kB T)
    e, kb = 1.602176634e-19, 1.380649e-23
    sigma = ex.sigma_from_diffusion(1e-6, 500.0, charge=1.0, carrier_density=1e22)
    assert sigma == pytest.approx(1e22 * e**2 * 1e-6 / (kb * 500.0), rel=1e-12)
    assert sigma == pytest.approx(0.0371850, rel=1e-5)
    half = ex.sigma_from_diffusion(1e-6, 500.0, charge=1.0, carrier_density=1e22,
                                   haven_ratio=0.5)
    assert half == pytest.approx(2 * sigma, rel=1e-12)
    two = ex.sigma_from_diffusion(1e-6, 500.0, charge=2.0, carrier_density=1e22)
    assert two == pytest.approx(4 * sigma, rel=1e-12)
    d = ex.diffusion_from_sigma(sigma, 500.0, charge=1.0, carrier_density=1e22)
    assert d == pytest.approx(1e-6, rel=1e-12)
    assert ex.carrier_density(2.0, 100.0) == pytest.approx(2e22)
    tab = ex.MeasuredTable(T, SIGMA, 0.05 * SIGMA, "sigma")
    dtab = ex.convert_table(tab, "D", charge=1.0, carrier_density=1e22, haven_ratio=0.4)
    assert dtab.quantity == "D" and "Haven ratio H_R = 0.4" in dtab.notes[-1]
    back = ex.convert_table(dtab, "sigma", charge=1.0, carrier_density=1e22, haven_ratio=0.4)
    np.testing.assert_allclose(back.values, SIGMA, rtol=1e-12)
    np.testing.assert_allclose(back.errors, 0.05 * SIGMA, rtol=1e-12)
    with pytest.raises(ModelError, match="haven_ratio"):
        ex.sigma_from_diffusion(1e-6, 500.0, charge=1.0, carrier_density=1e22, haven_ratio=0)
    with pytest.raises(ModelError, match="charge"):
        ex.sigma_from_diffusion(1e-6, 500.0, charge=0.0, carrier_density=1e22)
