"""The error boundary of the command line: every subcommand, every expected failure, one line.

The subcommands are found by walking the click group, so a subcommand registered later is
covered without editing this file: each one runs through a table of failures (bad input,
unwritable path, memory, interruption, no convergence, a bug) raised from inside it, and must end
with one line on stderr, the documented exit status and no traceback. Real invocations then check
the same for the failures met in practice: outputs checked before the work, memory estimates
before allocation, Ctrl-C during a run.
"""

from __future__ import annotations

import errno
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from superionic.cli import main
from superionic.cli._group import EXIT_STATUS
from superionic.errors import ConvergenceError, InsufficientMemoryError, ModelError

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "examples" / "specs"


def _leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _leaf_commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


LEAVES = list(_leaf_commands(main))

FAILURES = {
    "bad input": (lambda: ModelError("P0 must be in [0, 1], got 1.5"), "error"),
    "no convergence": (lambda: ConvergenceError("no convergence in 200 iterations"), "error"),
    "unwritable path": (
        lambda: PermissionError(errno.EACCES, "Permission denied", "out/x.nc"), "output"),
    "disk full": (lambda: OSError(errno.ENOSPC, "No space left on device", "x.nc"), "output"),
    "memory estimate": (
        lambda: InsufficientMemoryError("needs about 74.5 GiB of memory, 8.0 GiB available"),
        "memory"),
    "memory error": (lambda: MemoryError("Unable to allocate 74.5 GiB"), "memory"),
    "interrupted": (lambda: KeyboardInterrupt(), "interrupted"),
    "a bug": (lambda: ZeroDivisionError("float division by zero"), "internal"),
}


def _no_traceback(result) -> None:
    assert "Traceback" not in result.output, result.output
    assert type(result.exception) is SystemExit, repr(result.exception)


def test_every_subcommand_is_found():
    names = {" ".join(path) for path, _ in LEAVES}
    assert {"spectrum", "conductivity", "simulate", "report", "transitions", "sigma-t",
            "phase-diagram", "channels rate", "channels drive", "channels ac"} <= names


@pytest.mark.parametrize("failure", sorted(FAILURES))
@pytest.mark.parametrize("path", [p for p, _ in LEAVES], ids=" ".join)
def test_each_subcommand_turns_each_failure_into_one_line(path, failure, monkeypatch):
    make, status = FAILURES[failure]
    command = dict(LEAVES)[path]

    def fail(*args, **kwargs):
        raise make()

    monkeypatch.setattr(command, "callback", fail)
    monkeypatch.setattr(command, "params", [])
    monkeypatch.delenv("SUPERIONIC_DEBUG", raising=False)
    result = CliRunner().invoke(main, list(path))
    assert result.exit_code == EXIT_STATUS[status] != 0, result.output
    _no_traceback(result)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "np.float64" not in lines[0]


@pytest.mark.parametrize("how", [["--debug"], "env"])
def test_debug_shows_the_traceback(how, monkeypatch):
    command = dict(LEAVES)[("spectrum",)]

    def fail(*args, **kwargs):
        raise ZeroDivisionError("planted")

    monkeypatch.setattr(command, "callback", fail)
    monkeypatch.setattr(command, "params", [])
    args = ["spectrum"]
    if how == "env":
        monkeypatch.setenv("SUPERIONIC_DEBUG", "1")
    else:
        args = [*how, *args]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == EXIT_STATUS["internal"]
    assert "Traceback" in result.stderr and "planted" in result.stderr


# --------------------------------------------------------------------------- real invocations
SIMULATE = ["simulate", str(SPECS / "chain.toml"), "-T", "600", "--supercell", "16",
            "--steps", "100", "--seed", "1", "--no-progress", "--executor", "inline"]

#: A valid invocation of each subcommand that writes files, with its output option.
WRITERS = {
    "spectrum": [str(SPECS / "chain.toml"), "-T", "600"],
    "conductivity": [str(SPECS / "chain.toml"), "--nt", "3", "--cell-volume", "30"],
    "simulate": SIMULATE[1:],
    "sigma-t": ["--n", "3"],
    "phase-diagram": ["--temperature", "500", "--M0", "0:1:2"],
    "channels probability": ["--threshold", "0.3"],
    "channels rate": [str(SPECS / "chain.toml"), "-T", "600", "--channel", "1e13"],
    "channels modes": ["--synthetic", "--mobile", "Li"],
    "channels drive": [str(SPECS / "chain.toml"), "-T", "600", "--amplitude", "0.1"],
    "channels ac": [str(SPECS / "chain.toml"), "-T", "600"],
    "structure": [str(SPECS / "chain.toml"), "--mobile", "Ag", "--cutoff", "3"],
    "sweep": [str(SPECS / "chain.toml")],
}


@pytest.fixture
def sabotage(monkeypatch):
    """Make every computation the commands import fail loudly: a refused output must stop a
    command before any of them runs."""
    import superionic.kspace.spectrum as spectrum_module
    import superionic.simulation as simulation
    import superionic.transport as transport

    def boom(*args, **kwargs):
        raise AssertionError("computed before checking the outputs")

    monkeypatch.setattr(simulation, "simulate", boom)
    monkeypatch.setattr(spectrum_module, "spectrum", boom)
    monkeypatch.setattr(transport, "conductivity_vs_temperature", boom)


@pytest.mark.parametrize("where", ["below a file", "in /proc", "a folder"])
@pytest.mark.parametrize("name", sorted(WRITERS))
def test_outputs_are_checked_before_the_work(name, where, tmp_path, monkeypatch, sabotage):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("")
    (tmp_path / "adir.nc").mkdir()
    target = {"below a file": "afile/x.nc", "in /proc": "/proc/superionic/x.nc",
              "a folder": "adir.nc"}[where]
    result = CliRunner().invoke(main, [*name.split(), *WRITERS[name], "-o", target])
    _no_traceback(result)
    if where == "a folder":  # click's own check of the option, or ours: either names it
        assert result.exit_code in (EXIT_STATUS["usage"], EXIT_STATUS["output"]), result.output
        assert "--output" in result.stderr and "adir.nc" in result.stderr
    else:
        assert result.exit_code == EXIT_STATUS["output"], result.output
        assert f"cannot write --output {target}" in result.stderr


def test_report_outdir_is_checked_first(tmp_path):
    (tmp_path / "afile").write_text("")
    result = CliRunner().invoke(main, ["report", str(tmp_path / "afile" / "results")])
    assert result.exit_code == EXIT_STATUS["output"]
    _no_traceback(result)
    assert "is a file, not a folder" in result.stderr
    assert not (tmp_path / "results").exists()


def test_writers_table_covers_every_command_with_an_output_option():
    with_output = {" ".join(p) for p, c in LEAVES
                   if any("--output" in getattr(o, "opts", ()) for o in c.params)}
    assert with_output <= set(WRITERS), with_output - set(WRITERS)


def test_a_mesh_that_cannot_fit_is_refused_before_allocating(tmp_path):
    result = CliRunner().invoke(main, ["spectrum", str(SPECS / "honeycomb.toml"), "-T", "500",
                                       "--mesh", "100000", "-o", str(tmp_path / "s.nc")])
    assert result.exit_code == EXIT_STATUS["memory"], result.output
    _no_traceback(result)
    assert "TiB of memory" in result.stderr and "coarser --mesh" in result.stderr
    assert not (tmp_path / "s.nc").exists()


def test_a_supercell_that_cannot_fit_is_refused(tmp_path, monkeypatch):
    import superionic._validate as validate

    monkeypatch.setattr(validate, "available_memory", lambda: (2**30, "test"))
    args = ["simulate", str(SPECS / "honeycomb.toml"), "-T", "500", "--supercell",
            "30000,30000", "--steps", "10", "--seed", "1", "-o", str(tmp_path / "s.nc")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == EXIT_STATUS["memory"], result.output
    _no_traceback(result)
    assert "1.0 GiB is available" in result.stderr and "smaller supercell" in result.stderr


def test_an_interrupted_simulation_ends_with_one_line(tmp_path, monkeypatch):
    import superionic.simulation as simulation

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(simulation, "simulate", interrupted)
    result = CliRunner().invoke(main, [*SIMULATE, "-o", str(tmp_path / "s.nc")])
    assert result.exit_code == EXIT_STATUS["interrupted"]
    _no_traceback(result)
    assert "interrupted" in result.stderr


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        (("--supercell", "0"), "error", ["supercell", ">= 1", "(0,)"]),
        (("--seed", "-1"), "usage", ["--seed", "-1"]),
        (("--steps", "abc"), "usage", ["--steps"]),
        (("--warmup", "soon"), "usage", ["--warmup"]),
    ],
)
def test_simulate_bad_input_names_the_option(change, status, words, tmp_path):
    args = [*SIMULATE, "-o", str(tmp_path / "s.nc")]
    if change[0] in args:
        args[args.index(change[0]) + 1] = change[1]
    else:
        args += list(change)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == EXIT_STATUS[status], result.output
    _no_traceback(result)
    for word in words:
        assert word in result.stderr
    assert "need 1..0" not in result.stderr


DISCONNECTED = """
name = "a site with no hops"
vectors = [[3.0, 0.0], [0.0, 3.0]]
cell_volume = 27.0

[[sites]]
name = "A"
position = [0.0, 0.0]

[[sites]]
name = "B"
position = [0.5, 0.5]

[[hops]]
source = "A"
target = "A"
cell = [1, 0]
saddle = 0.3

[[hops]]
source = "A"
target = "A"
cell = [0, 1]
saddle = 0.3
"""


@pytest.mark.parametrize("command", ["spectrum", "conductivity"])
def test_a_disconnected_network_is_refused_alike(command, tmp_path):
    spec = tmp_path / "disconnected.toml"
    spec.write_text(DISCONNECTED)
    args = [command, str(spec), "-o", str(tmp_path / "x.nc")]
    args += ["-T", "600"] if command == "spectrum" else ["--nt", "3"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == EXIT_STATUS["error"], result.output
    _no_traceback(result)
    assert "['B'] are not reachable" in result.stderr and "disconnected" in result.stderr
    assert "stable mode" not in result.output.replace("the stable mode are not unique", "")
    assert not (tmp_path / "x.nc").exists()


def test_spectrum_says_it_ignores_the_interactions(tmp_path):
    result = CliRunner().invoke(main, ["spectrum", str(SPECS / "chain_interacting.toml"), "-T",
                                       "500", "-o", str(tmp_path / "s.nc"), "--no-plot"])
    assert result.exit_code == 0, result.output
    assert "ignores the interactions K0/M0" in result.stderr


def test_channels_rate_never_prints_nan(tmp_path):
    result = CliRunner().invoke(main, ["channels", "rate", str(SPECS / "chain.toml"), "-T", "600",
                                       "--channel", "1e13", "-o", str(tmp_path / "r.nc")])
    assert result.exit_code == 0, result.output
    assert "nan" not in result.output.lower()
    assert "not within 5% of it at any tau up to" in result.output  # site b converges later
    assert f"wrote {tmp_path / 'r.png'}" in result.output


@pytest.mark.parametrize("command", [["drive", "--amplitude", "0.1"], ["ac"]])
def test_channels_drive_and_ac_print_tables_and_name_their_files(command, tmp_path):
    out = tmp_path / "d.nc"
    result = CliRunner().invoke(main, ["channels", command[0], str(SPECS / "chain.toml"), "-T",
                                       "600", *command[1:], "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "[" not in result.output and "array" not in result.output  # no raw arrays
    assert ("v_x (angstrom/s)" in result.output) or ("Re sigma (S/cm)" in result.output)
    assert f"wrote {out}" in result.output and f"wrote {out.with_suffix('.png')}" in result.output
