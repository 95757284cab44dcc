"""The comparison figure draws the data it is given."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from superionic.plot.exact import plot_exact_comparison


def test_plot_exact_comparison_draws_the_three_curves():
    ax = Figure().subplots()
    t = np.array([300.0, 400.0, 500.0])
    out = plot_exact_comparison(t, [0.9, 0.6, 0.3], ax=ax, meanfield=[1.0, 0.5, 0.0],
                                simulation=[0.62], simulation_stderr=[0.01],
                                simulation_temperature=[400.0], label="K0")
    assert out is ax
    exact_line, mf_line = ax.get_lines()[:2]
    np.testing.assert_allclose(exact_line.get_xydata(), np.c_[t, [0.9, 0.6, 0.3]])
    np.testing.assert_allclose(mf_line.get_ydata(), [1.0, 0.5, 0.0])
    assert exact_line.get_linestyle() == "-" and mf_line.get_linestyle() == "--"
    points = [c for c in ax.containers]
    np.testing.assert_allclose(points[0].lines[0].get_xydata(), [[400.0, 0.62]])
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["exact enumeration, K0", "mean field, K0", "simulation, K0"]
