"""The documentation runs: tutorial code, example scripts, documented commands and names.

Everything executes in a temporary working directory, so nothing is written into the source
tree.
"""

from __future__ import annotations

import importlib
import re
import runpy
import shlex
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from superionic.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
OWN_PAGES = ["index.md", "tutorial.md", "conventions.md", "theory.md", "cli.md"]


#: A Python block right after this HTML comment is a sketch: shown, not run by the tests.
SKETCH_MARKER = "<!-- sketch -->"


def _page_text(page: str) -> str:
    path = ROOT / page if page == "README.md" else DOCS / page
    return path.read_text(encoding="utf-8")


def _fenced(text: str, language: str) -> list[tuple[str, bool]]:
    """(code, is_sketch) of every ```language block of ``text``, in order."""
    marker = rf"(?P<marker>{re.escape(SKETCH_MARKER)}[ \t]*\n)?"
    pattern = rf"{marker}```{language}[^\n]*\n(?P<code>.*?)```"
    return [(m["code"], m["marker"] is not None) for m in re.finditer(pattern, text, flags=re.S)]


def _blocks(page: str, language: str) -> list[str]:
    """The blocks of a page that run (sketches left out)."""
    return [code for code, sketch in _fenced(_page_text(page), language) if not sketch]


#: Every page with Python blocks: all of them run, in order, in one namespace per page.
PYTHON_PAGES = [p for p in [*sorted(x.name for x in DOCS.glob("*.md")), "README.md"]
                if _fenced(_page_text(p), "python")]


def test_sketch_marker_is_honoured():
    text = f"a\n```python\nx = 1\n```\n{SKETCH_MARKER}\n```python\nundefined_name\n```\n"
    assert _fenced(text, "python") == [("x = 1\n", False), ("undefined_name\n", True)]
    assert {"tutorial.md", "index.md", "README.md", "meanfield.md"} <= set(PYTHON_PAGES)


@pytest.mark.parametrize("page", PYTHON_PAGES)
def test_python_blocks_run_in_order(page, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    blocks = _blocks(page, "python")
    assert blocks
    namespace: dict = {"__name__": f"docs_{page}"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"{page}[block {i}]", "exec"), namespace)
    if page == "tutorial.md":
        written = {p.name for p in tmp_path.iterdir()}
        assert {"chain_fig3c.png", "honeycomb_decay_map.png", "agi.toml",
                "chain_sigma.nc", "chain_sigma.csv"} <= written


@pytest.mark.parametrize("script", sorted(EXAMPLES.glob("*.py")), ids=lambda p: p.name)
def test_example_scripts(script, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(script), str(tmp_path)])
    runpy.run_path(str(script), run_name="__main__")
    assert any(tmp_path.iterdir()), "the example wrote nothing"


def _commands() -> list[list[str]]:
    """`superionic spectrum|conductivity ...` lines of the bash blocks of the docs pages."""
    commands = []
    for page in ("index.md", "cli.md"):
        for block in _blocks(page, "bash"):
            text = block.replace("\\\n", " ")
            for line in text.splitlines():
                line = line.split("#")[0].strip()
                if line.startswith(("superionic spectrum", "superionic conductivity")):
                    commands.append(shlex.split(line)[1:])
    return commands


@pytest.mark.parametrize("args", _commands(), ids=lambda a: " ".join(a[:2]))
def test_documented_commands_run(args, tmp_path, monkeypatch):
    args = [str(ROOT / a) if a.startswith("examples/") else a for a in args]
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    if "--allow-outside-domain" not in args:
        assert "warning" not in result.output.lower(), result.output


def test_documented_commands_cover_both_subcommands():
    names = {args[0] for args in _commands()}
    assert names == {"spectrum", "conductivity"}


def _options(command: click.Command) -> set[str]:
    return {opt for p in command.params for opt in getattr(p, "opts", [])}


def _all_options(group: click.Group) -> set[str]:
    found = _options(group)
    for command in group.commands.values():
        found |= _all_options(command) if isinstance(command, click.Group) else _options(command)
    return found


def test_documented_options_exist():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    known = set()
    for name in ("spectrum", "conductivity", "report"):
        known |= _options(main.commands[name])
    documented = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", text))
    # every option the page names exists (in some command or the group itself) ...
    assert documented - _all_options(main) - {"--help"} == set()
    # ... and every long option of the three commands it documents is there
    assert {o for o in known if o.startswith("--")} - {"--help"} <= documented


def _resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


def test_every_named_function_exists():
    """Every ``superionic.x.y`` named in the pages (the theory-to-code map above all) exists."""
    missing = []
    seen = set()
    for page in OWN_PAGES:
        text = (DOCS / page).read_text(encoding="utf-8")
        for name in re.findall(r"`(superionic(?:\.[A-Za-z_]\w*)+)", text):
            if name in seen:
                continue
            seen.add(name)
            try:
                _resolve(name)
            except (AttributeError, ModuleNotFoundError):
                missing.append(f"{page}: {name}")
    assert len(seen) > 60
    assert not missing, missing


def test_spec_files_named_in_the_docs_exist():
    for page in OWN_PAGES:
        text = (DOCS / page).read_text(encoding="utf-8")
        for name in re.findall(r"examples/specs/(\w+\.toml)", text):
            assert (EXAMPLES / "specs" / name).is_file(), f"{page}: {name}"
        for name in re.findall(r"`(\w+\.toml)`", text):
            if name not in ("bad.toml",):
                assert (EXAMPLES / "specs" / name).is_file(), f"{page}: {name}"


def test_theory_map_covers_every_equation():
    """Secs. II-III (Eqs. 1-42) and App. A (Eqs. 56-63) each have a row."""
    text = (DOCS / "theory.md").read_text(encoding="utf-8")
    covered: set[int] = set()
    for first, last in re.findall(r"^\| (\d+)(?:-(\d+))? \|", text, flags=re.M):
        lo = int(first)
        covered |= set(range(lo, int(last or lo) + 1))
    assert set(range(1, 43)) | set(range(56, 64)) <= covered
