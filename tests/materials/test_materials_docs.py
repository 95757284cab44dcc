"""The tutorial page docs/materials.md runs as written, and its numbers are the package's."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_materials_page_python_blocks_run_in_order(tmp_path, monkeypatch, capsys):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    text = (DOCS / "materials.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 8
    namespace: dict = {"__name__": "docs_materials"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"materials.md[block {i}]", "exec"), namespace)
    out = capsys.readouterr().out
    # the printed network is the one shown on the page
    shown = re.search(r"```text\n(.*?)```", text, flags=re.S).group(1)
    assert shown.strip() in out
    assert "Ea = 0.102 eV" in out
    assert "[0.105 0.252]" in out
    gamma = namespace["gamma"]
    assert gamma[0] > 0.1 and gamma[1] > 0.01 and np.all(gamma[2:] < 1e-6)
    simulated, error, expected = (namespace[k] for k in ("simulated", "error", "expected"))
    assert abs(simulated - expected) < 3 * error
