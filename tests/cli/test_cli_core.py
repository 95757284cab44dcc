"""``superionic spectrum`` and ``superionic conductivity`` on small inputs, end to end."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import superionic as si
from superionic import io as sio
from superionic.cli import main
from superionic.units import KB_EV, reduced_field

SPECS = Path(__file__).resolve().parents[2] / "examples" / "specs"

CHAIN_PARAMS = 'model = "two_site_chain"\n[parameters]\nP0 = 0.4\ngamma = 0.3\na = 1.7\n'


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result


@pytest.fixture
def canned_chain(tmp_path):
    path = tmp_path / "chain.toml"
    path.write_text(CHAIN_PARAMS)
    return path


# --------------------------------------------------------------------------- spectrum
def test_spectrum_path_netcdf_matches_library(tmp_path):
    out = tmp_path / "s" / "chain.nc"
    result = run("spectrum", SPECS / "chain.toml", "-T", 700, "-n", 41, "-o", out)
    assert result.exit_code == 0, result.output
    assert out.is_file() and out.with_suffix(".png").stat().st_size > 1000
    ds = sio.read_netcdf(out)
    model = sio.load_model(SPECS / "chain.toml")
    k = ds["k_cartesian"].values
    expected = si.eigenvalues(model, k, temperature=700.0)
    got = ds["eigenvalue_real"].values + 1j * ds["eigenvalue_imag"].values
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    assert ds.attrs["tick_labels"] == "X',G,X"  # from the spec's [kpath]
    assert ds.attrs["model"] == "two-site chain"
    assert ds["decay_rate"].attrs["units"] == "1/s"
    assert abs(k[:, 0]).max() == pytest.approx(math.pi / 4.0)


def test_spectrum_stable_group_velocity_is_the_exact_drift(canned_chain, tmp_path):
    out = tmp_path / "f.nc"
    f = 0.6
    result = run("spectrum", canned_chain, "--field", f, "--coupling", "full", "--path", "G,X",
                 "-n", 11, "-o", out, "--no-plot")
    assert result.exit_code == 0, result.output
    assert not out.with_suffix(".png").exists()
    ds = sio.read_netcdf(out)
    assert ds.attrs["tick_labels"] == "Γ,X"  # G is an alias of Γ in the default points
    v0 = ds["group_velocity"].sel(mode=0).values[0, 0]
    p0, g, a = 0.4, 0.3, 1.7
    assert v0 == pytest.approx(a / 2 * p0 * (1 - g**2) * math.sinh(f * a / 2), rel=1e-10)
    assert ds.attrs["coupling"] == "full" and ds.attrs["in_domain"] == 1


def test_efield_equals_reduced_field(tmp_path):
    temperature, efield = 600.0, 2.0e7
    f = reduced_field([efield, 0.0], temperature=temperature)
    a = run("spectrum", SPECS / "honeycomb.toml", "-T", temperature, "--efield", f"{efield},0",
            "-n", 20, "-o", tmp_path / "a.nc", "--no-plot")
    b = run("spectrum", SPECS / "honeycomb.toml", "-T", temperature, "--field",
            f"{float(f[0])!r},0", "-n", 20, "-o", tmp_path / "b.nc", "--no-plot")
    assert a.exit_code == 0 and b.exit_code == 0, a.output + b.output
    da, db = sio.read_netcdf(tmp_path / "a.nc"), sio.read_netcdf(tmp_path / "b.nc")
    np.testing.assert_allclose(da["frequency"], db["frequency"], rtol=1e-12, atol=1e-3)
    assert da.attrs["electric_field_V_per_m"][0] == pytest.approx(efield)
    assert np.nanmax(np.abs(da["frequency"].values)) > 0


def test_spectrum_mesh_csv_and_map(tmp_path):
    out = tmp_path / "map.csv"
    result = run("spectrum", SPECS / "honeycomb.toml", "-T", 600, "--mesh", 6, "-o", out)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert len(frame) == 36 * 2
    assert {"decay_rate [1/s]", "group_velocity_x [angstrom/s]", "k_cartesian_y [1/angstrom]",
            "mode"} <= set(frame.columns)
    assert frame["decay_rate [1/s]"].min() >= -1e-3
    assert out.with_suffix(".png").is_file()
    bad = run("spectrum", SPECS / "honeycomb.toml", "-T", 600, "--mesh", "4,4,4",
              "-o", tmp_path / "x.nc")
    assert bad.exit_code == 2 and "1 or 2 division" in bad.output


def test_spectrum_3d_mesh_histogram(tmp_path):
    result = run("spectrum", SPECS / "bcc_agi.toml", "-T", 500, "--mesh", 3, "-o",
                 tmp_path / "agi.nc")
    assert result.exit_code == 0, result.output
    ds = sio.read_netcdf(tmp_path / "agi.nc")
    assert ds.sizes["k"] == 27 and ds.sizes["mode"] == 12
    assert (tmp_path / "agi.png").is_file()


def test_fig3c_is_refused_then_flagged(tmp_path):
    out = tmp_path / "fig3c.nc"
    args = ["spectrum", SPECS / "chain_fig3c.toml", "--field", 0.5, "--coupling", "full",
            "-n", 21, "-o", out]
    refused = run(*args)
    assert refused.exit_code == 1
    assert "out-probabilities" in refused.output and "--allow-outside-domain" in refused.output
    assert not out.exists()
    flagged = run(*args, "--allow-outside-domain")
    assert flagged.exit_code == 0, flagged.output
    assert "outside the discrete-time domain" in flagged.output
    ds = sio.read_netcdf(out)
    assert ds.attrs["in_domain"] == 0
    p = ds["eigenvalue_real"].values + 1j * ds["eigenvalue_imag"].values
    k = ds["k_cartesian"].values[:, 0]
    # Eq. 33 with Omega(k, f) of Eq. 32, '+' branch
    p0, g, f, a = 0.6, 0.88, 0.5, 1.0

    def omega(kk, ff):
        return np.cos(kk * a / 2) * np.cosh(ff * a / 2) + 1j * np.sin(kk * a / 2) * np.sinh(
            ff * a / 2)

    ratio = omega(k, f) / omega(0, f)
    plus = 1 - p0 * omega(0, f) * (1 - np.sqrt(g**2 + (1 - g**2) * ratio**2))
    np.testing.assert_allclose(p[:, 0], plus, rtol=1e-10)


def test_spectrum_usage_errors(canned_chain, tmp_path):
    r = run("spectrum", SPECS / "chain.toml", "-o", tmp_path / "x.nc")
    assert r.exit_code == 2 and "--temperature" in r.output
    r = run("spectrum", canned_chain, "-o", tmp_path / "x.txt")
    assert r.exit_code == 2 and ".nc (NetCDF) or .csv" in r.output
    r = run("spectrum", canned_chain, "--path", "G,Q", "-o", tmp_path / "x.nc")
    assert r.exit_code == 2 and "unknown point(s) ['Q']" in r.output and "Γ" in r.output
    r = run("spectrum", canned_chain, "--field", "0.1,0.2", "-o", tmp_path / "x.nc")
    assert r.exit_code == 2 and "1D" in r.output
    r = run("spectrum", canned_chain, "--field", "abc", "-o", tmp_path / "x.nc")
    assert r.exit_code == 2 and "comma-separated numbers" in r.output
    r = run("spectrum", canned_chain, "--field", "0.1", "--efield", "1e6", "-o",
            tmp_path / "x.nc")
    assert r.exit_code == 2 and "not both" in r.output
    assert not any(tmp_path.glob("x.*"))


@pytest.mark.parametrize(
    ("edit", "path", "words"),
    [
        (lambda t: t.replace("filling = 1.0", "filling = = 1.0"), "", ["malformed TOML", "line"]),
        (lambda t: t.replace('target = "b"\ncell = [-1]', 'target = "c"\ncell = [-1]'),
         "hops[1].target", ["'c'", "unknown site", "['a', 'b']"]),
        (lambda t: t.replace("saddle = 0.35              # eV\ndegeneracy = 2",
                             "probability = 1.5"), "hops[0].probability", ["1.5", "<= 1"]),
        (lambda t: t.replace("energy = 0.05", "energy = nan"), "sites[1].energy",
         ["nan", "finite"]),
    ],
    ids=["malformed", "unknown-site", "probability", "nan"],
)
def test_invalid_spec_files_give_clear_errors(tmp_path, edit, path, words):
    text = (SPECS / "chain.toml").read_text()
    changed = edit(text)
    assert changed != text
    spec = tmp_path / "bad.toml"
    spec.write_text(changed)
    for command in (["spectrum", spec, "-T", 500], ["conductivity", spec]):
        result = run(*command, "-o", tmp_path / "out.nc")
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        assert "bad.toml" in result.output
        assert path in result.output
        for word in words:
            assert word in result.output
    assert not (tmp_path / "out.nc").exists()


# --------------------------------------------------------------------------- conductivity
def test_conductivity_arrhenius_bcc(tmp_path):
    out = tmp_path / "agi.nc"
    result = run("conductivity", SPECS / "bcc_agi.toml", "--tmin", 400, "--tmax", 800, "--nt", 6,
                 "-o", out)
    assert result.exit_code == 0, result.output
    fit = json.loads((tmp_path / "agi_fit.json").read_text())
    assert fit["status"] == "ok"
    # every hop has the same barrier and tau is T-independent: sigma T ~ exp(-0.10 eV / kB T)
    assert fit["activation_energy"] == pytest.approx(0.10, abs=1e-9)
    ds = sio.read_netcdf(out)
    model = sio.load_model(SPECS / "bcc_agi.toml")
    t = float(ds["temperature"].values[2])
    expected = si.conductivity_tensor(model, temperature=t)
    np.testing.assert_allclose(ds["sigma"].values[2], expected, rtol=1e-12, atol=1e-15)
    assert ds["sigma"].attrs["units"] == "S/cm" and ds["valid"].values.all()
    assert (tmp_path / "agi.png").is_file()
    # the closed form: D = Gamma a^2 / (12 tau), sigma = n0/V (Ze)^2 D / kB T
    gamma_t = math.exp(-0.10 / (KB_EV * t))
    d = gamma_t * 5.07**2 / 12 / 1e-13 * 1e-20  # m^2/s
    sigma = 2.0 / (5.07e-10) ** 3 * 1.602176634e-19 * d / (KB_EV * t) / 100
    assert ds["sigma_iso"].values[2] == pytest.approx(sigma, rel=1e-9)


def test_conductivity_outside_domain_is_flagged_and_csv(tmp_path):
    out = tmp_path / "agi.csv"
    result = run("conductivity", SPECS / "bcc_agi.toml", "--temperatures", "500,600,700,1200",
                 "-o", out, "--no-plot")
    assert result.exit_code == 0, result.output
    assert "outside the domain, skipped: T = 1200 K" in result.output
    frame = pd.read_csv(out)
    assert list(frame["valid"]) == [1, 1, 1, 0]
    assert np.isnan(frame["sigma_xx [S/cm]"].iloc[-1])
    assert {"sigma_xy [S/cm]", "diffusion_zz [cm^2/s]"} <= set(frame.columns)
    fit = json.loads((tmp_path / "agi_fit.json").read_text())
    assert fit["temperatures_K"] == [500.0, 600.0, 700.0]
    assert not (tmp_path / "agi.png").exists()


def test_conductivity_errors(canned_chain, tmp_path):
    r = run("conductivity", canned_chain, "-o", tmp_path / "c.nc")
    assert r.exit_code == 2 and "--cell-volume" in r.output
    r = run("conductivity", canned_chain, "--cell-volume", 50, "--temperatures", "300,400",
            "-o", tmp_path / "c.nc")
    assert r.exit_code == 0, r.output
    assert "fewer than 3 temperatures" in r.output
    r = run("conductivity", SPECS / "bcc_agi.toml", "--temperatures", "2000,3000", "-o",
            tmp_path / "d.nc")
    assert r.exit_code == 1 and "no temperature lies inside the model's domain" in r.output
    r = run("conductivity", SPECS / "bcc_agi.toml", "--tmin", 900, "--tmax", 400, "-o",
            tmp_path / "d.nc")
    assert r.exit_code == 2


def test_conductivity_notes_ignored_interactions(tmp_path):
    result = run("conductivity", SPECS / "chain_interacting.toml", "--nt", 4, "-o",
                 tmp_path / "i.nc", "--no-plot")
    assert result.exit_code == 0, result.output
    assert "ignores the interactions" in result.output


def test_default_output_goes_to_the_working_directory(tmp_path, canned_chain, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["spectrum", str(canned_chain), "-n", "8"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "spectrum.nc").is_file() and (tmp_path / "spectrum.png").is_file()


@pytest.mark.parametrize("with_plot_core", [True, False])
def test_figures_with_and_without_the_plot_module(tmp_path, monkeypatch, with_plot_core):
    from superionic.cli import core as cli_core

    if not with_plot_core:
        monkeypatch.setattr(cli_core, "_plot_core", lambda: None)
    jobs = [
        ["spectrum", SPECS / "honeycomb.toml", "-T", 600, "-n", 30, "-o", tmp_path / "p.nc"],
        ["spectrum", SPECS / "honeycomb.toml", "-T", 600, "--mesh", 8, "-o", tmp_path / "m.nc"],
        ["spectrum", SPECS / "chain.toml", "-T", 600, "--mesh", 16, "-o", tmp_path / "c.nc"],
        ["conductivity", SPECS / "chain.toml", "--nt", 5, "-o", tmp_path / "s.nc"],
    ]
    for args in jobs:
        result = run(*args)
        assert result.exit_code == 0, result.output
    for name in ("p", "m", "c", "s"):
        assert (tmp_path / f"{name}.png").stat().st_size > 5000
