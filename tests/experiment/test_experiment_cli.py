"""The ``superionic fit`` command, the figure and the report helper (quick)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

import superionic.experiment as ex
from superionic.cli import main
from superionic.reports.measurements import write_fit_example
from superionic.units import KB_EV


@pytest.fixture
def table_file(tmp_path):
    t = np.linspace(300, 850, 18)
    tab = ex.synthetic_table(t, lambda0=0.3, K0=2 * KB_EV * 520.0, relative_error=0.02, rng=5)
    lines = ["# synthetic", "T (°C),sigma (S/m),err (%)"]
    lines += [f"{a - 273.15!r},{b * 100!r},2.0" for a, b in zip(t.tolist(), tab.values.tolist(),
                                                              strict=True)]
    path = tmp_path / "cond.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_fit_command_writes_table_figure_and_data(table_file, tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["fit", str(table_file), "--filling", "1",
                                    "--outdir", str(out)])
    assert res.exit_code == 0, res.output
    assert "type-II" in res.output and "Lambda0" in res.output and "round trip" in res.output
    assert "transition at" in res.output
    for suffix in ("png", "nc", "json"):
        assert (out / f"cond_fit.{suffix}").stat().st_size > 0
    summary = json.loads((out / "cond_fit.json").read_text())
    assert summary["fit"]["kind"] == "type-II"
    assert abs(summary["inference"]["round_trip_temperature"]
               - summary["fit"]["transition_temperature_K"]) < 1e-6
    ds = xr.open_dataset(out / "cond_fit.nc", engine="h5netcdf")
    assert ds.attrs["kind"] == "type-II" and "activation_energy" in ds


def test_fit_command_converts_and_reports_haven_ratio(table_file, tmp_path):
    res = CliRunner().invoke(main, ["fit", str(table_file), "--convert-to", "D",
                                    "--carrier-density", "1e22", "--haven-ratio", "0.5",
                                    "--outdir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "Haven ratio H_R = 0.5" in res.output and "ln(D" in res.output


def test_fit_command_errors_are_messages(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("T (K),sigma (S/furlong)\n300,1\n400,2\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["fit", str(bad), "--outdir", str(tmp_path)])
    assert res.exit_code == 1 and "S/furlong" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(main, ["fit", str(bad), "--convert-to", "D"])
    assert res.exit_code != 0


def test_plot_fit_draws_everything():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from superionic.plot.experiment import plot_fit

    t = np.linspace(300, 850, 18)
    tab = ex.synthetic_table(t, lambda0=0.3, K0=2 * KB_EV * 520.0, relative_error=0.02, rng=5)
    fit = ex.fit_arrhenius(tab.temperature, tab.values, errors=tab.errors)
    inf = ex.infer_parameters(fit)
    ax = Figure().subplots()
    assert plot_fit(fit, inf, ax=ax) is ax
    labels = [h.get_label() for h in ax.get_legend().legend_handles]
    assert any("Tp" in lab for lab in labels) and any("mean field" in lab for lab in labels)
    assert len(ax.collections) >= 3      # error bars and two confidence bands


def test_write_fit_example_quick(tmp_path):
    summary = write_fit_example(tmp_path, quick=True)
    ii = summary["type_II"]
    assert ii["kind"] == "type-II"
    assert abs(ii["transition_temperature_K"] - ii["true"]["Tp"]) < 40.0
    assert abs(ii["round_trip_temperature_K"] - ii["transition_temperature_K"]) < 1e-6
    assert abs(ii["K0_eV"] - ii["true"]["K0"]) < 0.1 * ii["true"]["K0"]
    assert "consistent" in ii["verdict"]
    for name in summary["files"]:
        assert (tmp_path / name).stat().st_size > 0
    assert {"measured_type_ii_fit.png", "measured_type_ii_fit.nc",
            "measured_type_ii_fit.json", "measured_type_ii.csv"} <= set(summary["files"])
    json.dumps(summary)                     # plain JSON values only
