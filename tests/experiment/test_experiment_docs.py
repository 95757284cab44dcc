"""The page docs/experiment.md runs as written, and the names it cites exist."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

import superionic.experiment as ex

PAGE = Path(__file__).resolve().parents[2] / "docs" / "experiment.md"


def test_python_blocks_run_in_order(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    text = PAGE.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 2
    namespace: dict = {"__name__": "docs_experiment"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"experiment.md[block {i}]", "exec"), namespace)
    assert namespace["fit"].kind == "type-II"
    assert "consistent within errors" in namespace["inference"].verdict
    assert (tmp_path / "fit.png").stat().st_size > 0


def test_named_functions_exist():
    text = PAGE.read_text(encoding="utf-8")
    names = set(re.findall(r"`((?:read_table|fit_arrhenius|infer_parameters|sigma_from_diffusion"
                           r"|diffusion_from_sigma|carrier_density|convert_table|"
                           r"synthetic_table))\(", text))
    assert len(names) >= 4
    for name in names:
        assert callable(getattr(ex, name))


def test_documented_numbers():
    """The page's numbers that are not statistics: 2203 K, 5802 K, 2.634, kB Tp at 520 K."""
    text = PAGE.read_text(encoding="utf-8")
    assert "2203 K" in text and "5802 K" in text and "2.634" in text
    assert round(ex.exact_ordering_temperature(0.5, "honeycomb")) == 2203
    assert f"{2 * np.log(2 + np.sqrt(3)):.3f}" == "2.634"
    assert "0.045 eV for Tp = 520 K" in text and round(8.617333e-5 * 520, 3) == 0.045
