"""What every figure of the ``--quick`` report draws: data against the Datasets written beside
it, invalid points left out or labelled, every line in a legend, units on the axes."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
import xarray as xr
from matplotlib.collections import PolyCollection
from matplotlib.container import ErrorbarContainer
from matplotlib.lines import Line2D

from superionic.io import read_netcdf
from superionic.plot import meanfield as pm

EXPECTED = {
    "core/chain_spectrum.png", "core/fig3c.png", "core/honeycomb_spectrum.png",
    "core/honeycomb_zone_map.png", "core/conductivity.png", "meanfield/fig4bc.png",
    "meanfield/fig4ef.png", "meanfield/honeycomb.png", "meanfield/phase_diagram_T_M0.png",
    "simulation/fig_sim_chain_k0.png", "simulation/fig_sim_honeycomb_k0.png",
    "simulation/fig_sim_honeycomb_binder.png", "simulation/fig_sim_chain_concerted.png",
    "channels/hop_probability.png", "channels/hop_rate.png", "channels/mode_ranking.png",
    "channels/step_response.png", "channels/pulse_response.png", "channels/ac_response.png",
    "simulation/fig_sim_exact_small_cell.png", "materials/agi_network.png",
    "materials/agi_sigma.png", "materials/agi_meanfield.png", "materials/agi_simulation.png",
    "materials/measured_type_ii_fit.png",
}
#: Words of an axis label and the units that must come with them.
UNITS = [
    (r"decay rate|relaxation rate", r"1/τ|1/s"),
    (r"frequency ω", r"rad/τ|rad/s"),
    (r"conductivity|σ \(|σ\(Ω\)", r"S/cm|S K/cm"),
    (r"velocity", r"Å/s"),
    (r"jump diffusion", r"Å\$\^2\$/τ|Å\^2"),
    (r"^T \(|temperature", r"\(K\)"),
    (r"displacement", r"\(Å\)"),
]


def _data_axes(fig):
    """The plotting axes of a figure (colour bars left out)."""
    return [ax for ax in fig.axes if not hasattr(ax, "_colorbar")
            and ax.get_label() != "<colorbar>"]


def _legend_texts(fig) -> set[str]:
    texts = set()
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is not None:
            texts |= {t.get_text() for t in legend.get_texts()}
    return texts


def _labelled(ax) -> list[str]:
    return ax.get_legend_handles_labels()[1]


def _lines(ax, label: str) -> list[Line2D]:
    return [ln for ln in ax.get_lines() if ln.get_label() == label]


def _draw(fig):
    """Draw ``fig`` on an Agg canvas (figures are made without pyplot); return the renderer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _invalid_style(line: Line2D) -> bool:
    """The style :func:`superionic.plot.meanfield.plot_branches` gives points outside the
    domain (thin, grey, dotted), distinct from every result."""
    return line.get_linestyle() == ":" and line.get_color() == "0.6"


def _ds(quick_report, rel: str) -> xr.Dataset:
    return read_netcdf(quick_report.outdir / rel)


def test_every_figure_was_kept(quick_report):
    assert set(quick_report.figures) == EXPECTED
    written = {f for s in quick_report.record["sections"].values() for f in s["figures"]}
    assert written == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_figure_labels_legends_and_units(quick_report, name):
    fig = quick_report.figures[name]
    legend_texts = _legend_texts(fig)
    for ax in _data_axes(fig):
        xlabel, ylabel = ax.get_xlabel(), ax.get_ylabel()
        twin_shares_x = any(o is not ax and o.bbox.bounds == ax.bbox.bounds for o in fig.axes)
        assert ylabel, f"{name}: an axes without y label"
        assert xlabel or twin_shares_x, f"{name}: an axes without x label"
        for label in (xlabel, ylabel):
            assert "angstrom" not in label and "tau" not in label.replace("\\tau", "")
            for words, units in UNITS:
                if re.search(words, label):
                    assert re.search(units, label), f"{name}: '{label}' has no unit"
        # every labelled artist is in a legend; every panel with two or more curves has one
        for label in _labelled(ax):
            assert label in legend_texts, f"{name}: '{label}' is in no legend"
        curves = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 2]
        if len(curves) >= 2:
            assert _labelled(ax) or any(o.get_legend() for o in fig.axes
                                        if o.bbox.bounds == ax.bbox.bounds), name
        # no offset text (a power of ten printed above the axes, crowding the title)
        _draw(fig)
        assert ax.yaxis.get_offset_text().get_text() == "", f"{name}: offset text on y"
        assert ax.xaxis.get_offset_text().get_text() == "", f"{name}: offset text on x"
    texts = [ax.get_title() for ax in fig.axes] + [t.get_text() for t in fig.texts]
    texts += list(legend_texts)
    for text in texts:
        assert not re.search(r"\d\.\d{7,}", text), f"{name}: unreadable number in '{text}'"
        assert not re.fullmatch(r"[+0-]/(lower|upper)", text), f"{name}: cryptic '{text}'"


def test_honeycomb_figure_draws_no_invalid_point_as_a_result(quick_report):
    fig = quick_report.figures["meanfield/honeycomb.png"]
    ax = fig.axes[1]
    closed = _ds(quick_report, "meanfield/honeycomb_closed_form.nc")
    engine = _ds(quick_report, "meanfield/honeycomb_engine.nc")
    for line in ax.get_lines():
        y = np.asarray(line.get_ydata(), float)
        if _invalid_style(line):
            continue
        assert np.all(y <= 1.0), f"a result above P0 = 1: {line.get_label()}"
    # the engine's circles are exactly its valid solutions
    (circles,) = _lines(ax, "general engine (valid points)")
    points = []
    for name in ("+/lower", "0/lower", "0/upper", "+/upper"):
        sel = engine.sel(branch=name)
        ok = (sel["exists"] & sel["valid"]).values
        points += list(zip(sel["temperature"].values[ok], sel["P0"].values[ok], strict=True))
    drawn = []
    for line in ax.get_lines():
        if line.get_marker() == "o":
            drawn += list(zip(line.get_xdata(), line.get_ydata(), strict=True))
    tp = float(closed.attrs["Tp_K"]) if "Tp_K" in closed.attrs else None
    assert len(drawn) == len(points) and circles is not None
    if tp:
        got = sorted((round(x * tp, 6), round(y, 9)) for x, y in drawn)
        want = sorted((round(t, 6), round(p, 9)) for t, p in points)
        assert np.allclose(np.array(got), np.array(want), rtol=1e-6)
    # invalid closed-form points exist in the data, and are drawn only grey, dotted, labelled
    invalid = (closed["exists"] & ~closed["valid"]).values.any()
    assert invalid and pm.INVALID_LABEL in _labelled(ax)
    assert ax.get_legend() is not None


def test_fig4ef_leaves_out_the_cap_and_says_so(quick_report):
    fig = quick_report.figures["meanfield/fig4ef.png"]
    d55 = _ds(quick_report, "meanfield/fig4ef_eq55_combined.nc")
    tp = float(d55.attrs["Tp_K"])
    capped = pm.drawable_points(d55, "sigma", "0/lower")["capped_stable"]
    assert capped.any()  # the stable P0 is pinned at 1 above 2 Tp in this run's data
    t_capped = d55["temperature"].values[capped] / tp
    for ax in fig.axes[2:]:
        assert pm.CAP_LABEL in _labelled(ax)
        for line in ax.get_lines():
            x = np.asarray(line.get_xdata(), float)
            if _invalid_style(line):
                continue  # outside the domain: drawn apart and labelled
            assert not np.isin(np.round(x, 12), np.round(t_capped, 12)).any(), line.get_label()
    p0_panel = fig.axes[2]
    for line in p0_panel.get_lines():
        if _invalid_style(line):
            continue
        assert np.all(np.asarray(line.get_ydata(), float) < 1.0 - pm.CAP_TOLERANCE)
    for ax in fig.axes:
        assert ax.get_legend() is not None
    # the drawn sigma of the stable branch is the data, point for point
    sigma = fig.axes[3]
    (line,) = _lines(sigma, pm.branch_label("0/lower"))[:1]
    sel = d55.sel(branch="0/lower")
    masks = pm.drawable_points(d55, "sigma", "0/lower")
    want = sel["sigma"].values[masks["stable"]]
    x = np.asarray(line.get_xdata(), float)
    got = np.asarray(line.get_ydata(), float)
    idx = np.searchsorted(d55["temperature"].values / tp, x)
    assert np.allclose(got, sel["sigma"].values[idx]) and np.isin(got, want).all()


def test_concerted_figure_compares_with_the_exclusion_factor(quick_report):
    fig = quick_report.figures["simulation/fig_sim_chain_concerted.png"]
    ds = _ds(quick_report, "simulation/chain_concerted_scan.nc")
    filling = float(ds.attrs["filling"])
    assert filling == pytest.approx(0.5)
    ax = fig.axes[0]
    assert "1 − c" in ax.get_title() and "1/τ" in ax.get_ylabel()
    (mf0,) = _lines(ax, "mean field (1 − c) P0, M0 = 0")
    x, y = np.asarray(mf0.get_xdata(), float), np.asarray(mf0.get_ydata(), float)
    t = ds["temperature"].values
    want = (1 - filling) * ds["p0_meanfield_M0_0"].values
    # a finer grid than the scan, through the same end points: the same curve
    assert x[0] == t[0] and x[-1] == t[-1]
    assert np.allclose(y[[0, -1]], want[[0, -1]], rtol=1e-9)
    assert np.allclose(np.interp(t, x, y), want, rtol=0.02)
    # the simulated points are the Dataset's hop probabilities with their error bars
    containers = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(containers) == ds.sizes["variant"]
    for container, variant in zip(containers, ds["variant"].values, strict=True):
        data_line = container.lines[0]
        assert np.allclose(data_line.get_xdata(), t)
        assert np.allclose(data_line.get_ydata(),
                           ds["hop_probability"].sel(variant=variant).values)
    for name in ("hop_probability", "jump_diffusion", "p0_meanfield", "wall_time"):
        assert ds[name].attrs["units"]


def test_spectrum_figures_draw_the_dataset_in_steps(quick_report):
    fig = quick_report.figures["core/chain_spectrum.png"]
    ds = _ds(quick_report, "core/chain_spectrum.nc")
    ax = fig.axes[0]
    assert "1/τ, per step" in ax.get_ylabel()  # tau = 1: rates per step, not per second
    for mode, label in ((0, "stable mode"), (1, "mode 1")):
        (line,) = _lines(ax, label)
        assert np.allclose(line.get_ydata(), ds["decay_rate"].sel(mode=mode).values)
        assert np.allclose(line.get_xdata(), ds["distance"].values)


def test_zone_map_colour_bars_are_as_tall_as_their_maps(quick_report):
    fig = quick_report.figures["core/honeycomb_zone_map.png"]
    renderer = _draw(fig)
    maps = [ax for ax in fig.axes if ax.get_xlabel()]
    assert len(maps) == 3
    for ax in maps:
        (bar,) = ax.child_axes
        assert bar.get_ylabel()  # the colour bar says what it shows, with units
        a, b = ax.get_window_extent(renderer), bar.get_window_extent(renderer)
        assert b.height == pytest.approx(a.height, rel=0.01)
        assert b.y0 == pytest.approx(a.y0, abs=1.0)
        assert b.x0 > a.x1  # beside the map, not over it
    # the colour-bar labels do not run into the next map
    for left, right in itertools.pairwise(maps):
        label = left.child_axes[0].yaxis.label.get_window_extent(renderer)
        assert label.x1 < right.get_tightbbox(renderer).x0


def test_conductivity_figure_draws_ln_sigma_t(quick_report):
    fig = quick_report.figures["core/conductivity.png"]
    panels = [ax for ax in fig.axes if ax.get_ylabel()]
    for ax, name in zip(panels, ("chain", "honeycomb", "bcc"), strict=True):
        ds = _ds(quick_report, f"core/conductivity_{name}.nc")
        (points,) = _lines(ax, "computed")
        t = ds["temperature"].values
        assert np.allclose(points.get_xdata(), 1000.0 / t)
        assert np.allclose(points.get_ydata(), np.log(ds["sigma_iso"].values * t))
        assert "S K/cm" in ax.get_ylabel()


def test_step_response_velocity_is_scaled_not_offset(quick_report):
    fig = quick_report.figures["channels/step_response.png"]
    ds = _ds(quick_report, "channels/step_response.nc")
    ax = fig.axes[0]
    (points,) = _lines(ax, "evolution (Eq. 17)")
    label = ax.get_ylabel()
    power = int(re.search(r"10\$\^\{(-?\d+)\}\$ Å/s", label).group(1))
    assert np.allclose(np.asarray(points.get_ydata()) * 10.0**power,
                       ds["velocity"].isel(axis=0).values)


def test_phase_diagram_legend_names_the_lines(quick_report):
    fig = quick_report.figures["meanfield/phase_diagram_T_M0.png"]
    texts = _legend_texts(fig)
    assert {"polarized", "depolarized", "melted", "type-II line Tp", "type-I fold T_I"} <= texts
    mesh = [c for c in fig.axes[0].collections if not isinstance(c, PolyCollection)]
    assert mesh
