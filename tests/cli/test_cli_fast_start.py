"""``superionic --help`` and errors are fast: the command line imports no computation up front;
the top-level package keeps every public name, imported on first use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

import superionic
from superionic.cli import main
from superionic.cli._group import summary_line

SRC = str(Path(__file__).resolve().parents[2] / "src")
HEAVY = ("numba", "matplotlib", "xarray", "scipy", "pandas", "netCDF4", "h5netcdf")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True, env={"PYTHONPATH": SRC, "PATH": ""},
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_the_command_line_imports_no_computation():
    loaded = _modules_after("import superionic.cli")
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert not heavy, heavy
    assert "superionic.cli.core" in loaded and "superionic.kspace" not in loaded


def test_help_and_a_usage_error_import_no_computation():
    code = ("from superionic.cli import main\n"
            "for args in (['--help'], ['spectrum', '--help'], ['simulate']):\n"
            "    try:\n        main(args, standalone_mode=True)\n"
            "    except SystemExit:\n        pass")
    loaded = _modules_after(code)
    assert not sorted(m for m in loaded if m.split(".")[0] in HEAVY)


def test_every_top_level_name_still_resolves():
    for name in superionic.__all__:
        assert getattr(superionic, name) is not None, name
    assert superionic.simulate is superionic.simulation.simulate
    assert superionic.HoppingModel is superionic.lattice.HoppingModel
    assert set(superionic.__all__) <= set(dir(superionic))


def test_command_list_shows_whole_first_paragraphs():
    result = CliRunner().invoke(main, ["--help"], terminal_width=100)
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "Phonon-channel statistics (Eqs. 2-7) and driven dynamics (Eqs. 15-17)." in text
    commands = result.output.split("Commands:")[1]
    assert "..." not in commands

    def walk(group: click.Group):
        for command in group.commands.values():
            line = summary_line(command)
            assert line and line.endswith((".", ")")), (command.name, line)
            if isinstance(command, click.Group):
                walk(command)

    walk(main)
