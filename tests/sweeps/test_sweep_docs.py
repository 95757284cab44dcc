"""docs/sweeps.md runs as written: its Python blocks in order, its spec table validates, and the
multi-node sketch (which needs a SLURM cluster) at least compiles."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from superionic.sweeps.spec import parse_sweep_spec

PAGE = Path(__file__).resolve().parents[2] / "docs" / "sweeps.md"


def _blocks(pattern: str) -> list[str]:
    return re.findall(pattern, PAGE.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.slow  # starts a Dask LocalCluster of its own
def test_sweeps_page_python_blocks_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = _blocks(r"```python\n(.*?)```")
    assert len(blocks) >= 5
    namespace: dict = {"__name__": "docs_sweeps"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"sweeps.md[block {i}]", "exec"), namespace)
    assert (tmp_path / "honeycomb.sweep" / "manifest.json").exists()


def test_sweeps_page_spec_and_sketch():
    (toml,) = _blocks(r"```toml\n(.*?)```")
    model_spec, spec = parse_sweep_spec(tomllib.loads(toml))
    assert model_spec.cell_volume == 40.0
    assert spec.task == "simulation" and spec.grid_values()["K0"] == [0.0, 0.04, 0.08]
    (sketch,) = _blocks(r'```python title="sketch[^"]*"\n(.*?)```')
    compile(sketch, "sweeps.md[sketch]", "exec")
