"""The main job ``superionic report``: sections, failures, summaries and the figure index."""

from __future__ import annotations

import json
import types

import numpy as np
import pytest
from click.testing import CliRunner

from superionic import reports
from superionic.cli import main
from superionic.cli import report as report_cli


def _png(path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, 1])
    fig.savefig(path)


@pytest.fixture
def fake_sections(monkeypatch):
    """Sections alpha (ok, figure), beta (fails), gamma (ok, own summary), ghost (missing)."""
    calls = {"alpha": 0, "beta": 0, "gamma": 0}

    def alpha(outdir, *, quick=False, progress=None):
        calls["alpha"] += 1
        progress("computing", 0.5)
        progress(2, 2)
        _png(outdir / "alpha.png")
        (outdir / "sub").mkdir(exist_ok=True)
        _png(outdir / "sub" / "detail.png")
        return {
            "title": "Alpha section",
            "quick": quick,
            "value": np.float64(1.5),
            "array": np.arange(3),
            "flag": np.bool_(True),
            "figures": {"alpha.png": "A straight line"},
        }

    def beta(outdir, *, quick=False, progress=None):
        calls["beta"] += 1
        (outdir / "partial.csv").write_text("x\n1\n")
        raise RuntimeError("boom in beta")

    def gamma(outdir, *, quick=False, progress=None):
        calls["gamma"] += 1
        (outdir / "summary.json").write_text(json.dumps({"written_by": "gamma"}))
        return {"returned": True}

    for name, build in (("alpha", alpha), ("beta", beta), ("gamma", gamma)):
        module = types.ModuleType(f"superionic.reports.{name}")
        module.build = build
        monkeypatch.setitem(__import__("sys").modules, f"superionic.reports.{name}", module)
    monkeypatch.setattr(reports, "SECTIONS", ("alpha", "beta", "gamma", "ghost"))
    return calls


def test_failing_section_does_not_stop_the_others(fake_sections, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", str(out), "--quick"])
    assert result.exit_code == 1, result.output
    assert "beta: FAILED" in result.output and "boom in beta" in result.output
    assert "[alpha] computing (50%)" in result.output
    assert "[alpha] (100%)" in result.output
    assert fake_sections == {"alpha": 1, "beta": 1, "gamma": 1}

    alpha = json.loads((out / "alpha" / "summary.json").read_text())
    assert alpha["value"] == 1.5 and alpha["array"] == [0, 1, 2] and alpha["quick"] is True
    beta = json.loads((out / "beta" / "summary.json").read_text())
    assert beta["status"] == "failed" and "boom in beta" in beta["error"]
    assert "RuntimeError" in (out / "beta" / "error.txt").read_text()
    assert (out / "beta" / "partial.csv").is_file()  # partial work is kept
    assert json.loads((out / "gamma" / "summary.json").read_text()) == {"written_by": "gamma"}

    top = json.loads((out / "summary.json").read_text())
    status = {k: v["status"] for k, v in top["sections"].items()}
    assert status == {"alpha": "ok", "beta": "failed", "gamma": "ok", "ghost": "unavailable"}
    assert top["quick"] is True and top["finished"]
    assert top["sections"]["alpha"]["figures"] == ["alpha/alpha.png", "alpha/sub/detail.png"]

    index = (out / "README.md").read_text()
    assert "[alpha/alpha.png](alpha/alpha.png) (figure): A straight line" in index
    assert "alpha/sub/detail.png" in index
    assert "Alpha section" in index
    assert "**Failed:** `RuntimeError: boom in beta`" in index
    assert "Not available" in index


def test_only_merges_into_previous_record_and_resume_keeps_done(fake_sections, tmp_path):
    out = tmp_path / "out"
    runner = CliRunner()
    runner.invoke(main, ["report", str(out)])
    result = runner.invoke(main, ["report", str(out), "--only", "alpha,gamma"])
    assert result.exit_code == 0, result.output
    assert fake_sections == {"alpha": 2, "beta": 1, "gamma": 2}
    top = json.loads((out / "summary.json").read_text())
    assert list(top["sections"]) == ["alpha", "beta", "gamma", "ghost"]
    assert top["sections"]["beta"]["status"] == "failed"  # kept from the first run

    result = runner.invoke(main, ["report", str(out), "--resume"])
    assert result.exit_code == 1  # beta still fails
    assert "alpha: kept from the previous run" in result.output
    assert fake_sections == {"alpha": 2, "beta": 2, "gamma": 2}
    # a quick run does not reuse full-mode results
    runner.invoke(main, ["report", str(out), "--resume", "--quick", "--only", "alpha"])
    assert fake_sections["alpha"] == 3


def test_unknown_and_unavailable_sections(fake_sections, tmp_path):
    result = CliRunner().invoke(main, ["report", str(tmp_path / "o"), "--only", "nope"])
    assert result.exit_code == 2
    assert "unknown section(s) nope" in result.output and "alpha" in result.output
    result = CliRunner().invoke(main, ["report", str(tmp_path / "o"), "--only", "ghost"])
    assert result.exit_code == 1 and "not available: ghost" in result.output
    with pytest.raises(ValueError, match="unknown section"):
        report_cli.run_report(tmp_path / "x", sections=["nope"])


def test_progress_is_tolerant():
    lines = []
    progress = report_cli._Progress("s", lines.append)
    progress("msg")
    progress(0.25)
    progress(1, 4)
    progress(message="kw", fraction=2.0)
    progress.update(done=3, total=4)
    progress.write("text")
    progress()
    assert lines == ["  [s] msg", "  [s] (25%)", "  [s] (25%)", "  [s] kw (100%)", "  [s] (75%)",
                     "  [s] text"]
    lines.clear()
    assert list(progress(["a", "b"], desc="items")) == ["a", "b"]
    assert lines == ["  [s] items (50%)", "  [s] items (100%)"]


def test_jsonable_handles_numpy_and_non_finite():
    data = report_cli._jsonable({"a": np.float32(0.5), "b": np.nan, "c": 1 + 2j, 3: (1, 2)})
    assert data == {"a": 0.5, "b": "nan", "c": {"real": 1.0, "imag": 2.0}, "3": [1, 2]}
    json.dumps(data, allow_nan=False)


@pytest.mark.slow
def test_real_core_section_quick(tmp_path):
    result = CliRunner().invoke(main, ["report", str(tmp_path / "r"), "--quick", "--only", "core"])
    assert result.exit_code == 0, result.output
    top = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert top["sections"]["core"]["status"] == "ok"
    assert top["sections"]["core"]["figures"]


def test_index_lists_what_this_run_wrote_per_section_with_its_mode(fake_sections, tmp_path):
    out = tmp_path / "out"
    runner = CliRunner()
    runner.invoke(main, ["report", str(out), "--only", "alpha,gamma"])  # a full run
    (out / "alpha" / "stale.png").write_bytes((out / "alpha" / "alpha.png").read_bytes())
    import os

    os.utime(out / "alpha" / "stale.png", (1_000_000, 1_000_000))  # left from an earlier run
    result = runner.invoke(main, ["report", str(out), "--quick", "--only", "alpha"])
    assert result.exit_code == 0, result.output
    top = json.loads((out / "summary.json").read_text())
    alpha, gamma = top["sections"]["alpha"], top["sections"]["gamma"]
    assert alpha["quick"] is True and gamma["quick"] is False
    assert "alpha/stale.png" not in alpha["files"] and "alpha/alpha.png" in alpha["files"]
    assert "alpha/summary.json" in alpha["files"]
    readme = (out / "README.md").read_text()
    assert "stale.png" not in readme
    assert "| [alpha](#alpha) | quick | ok |" in readme
    assert "| [gamma](#gamma) | full | ok |" in readme
    assert "mixed: alpha quick, gamma full" in readme and "(quick run)" not in readme
    page = (out / "index.html").read_text()
    assert "stale.png" not in page and 'src="alpha/alpha.png"' in page
    assert "mixed: alpha quick, gamma full" in page


def test_open_shows_the_page_in_the_default_browser(fake_sections, tmp_path, monkeypatch):
    import webbrowser

    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", str(out), "--only", "alpha", "--open"])
    assert result.exit_code == 0, result.output
    assert opened == [(out / "index.html").resolve().as_uri()]
    # no browser: a message, not a failure
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: False)
    result = CliRunner().invoke(main, ["report", str(out), "--only", "alpha", "--open"])
    assert result.exit_code == 0 and "no web browser available" in result.output
    opened.clear()
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    result = CliRunner().invoke(main, ["report", str(out), "--only", "alpha"])
    assert opened == []
