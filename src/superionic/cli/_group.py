"""The ``superionic`` command group and the error boundary every subcommand runs inside.

Subcommands live in the sibling modules and register themselves on :data:`main` (or on a
subgroup of it); whatever they register runs inside :meth:`SuperionicGroup.invoke`, which turns
every expected failure into one line on stderr and an exit status (:data:`EXIT_STATUS`). The
traceback is shown only with ``superionic --debug`` or ``SUPERIONIC_DEBUG=1``.

This module imports nothing heavy: help and errors of the command line stay fast, and the
subcommands import the computation inside their functions.
"""

from __future__ import annotations

import os
import sys

import click

from .. import __version__
from ..errors import ConvergenceError, InsufficientMemoryError, ModelError

#: Exit statuses of the ``superionic`` command.
EXIT_STATUS = {
    "ok": 0,
    "error": 1,  # invalid input, spec or parameter, a model outside its domain, no convergence
    "usage": 2,  # unknown option, missing argument, malformed value (click's own status)
    "output": 3,  # an output (or input) file cannot be written (read): folder, permissions, disk
    "memory": 4,  # the request cannot fit in memory (estimated before the work, or MemoryError)
    "internal": 70,  # an unexpected error: a bug; rerun with --debug for the traceback
    "interrupted": 130,  # Ctrl-C (128 + SIGINT)
}

DEBUG_ENV = "SUPERIONIC_DEBUG"


class CommandFailure(click.ClickException):
    """A one-line failure with its own exit status (see :data:`EXIT_STATUS`)."""

    def __init__(self, message: str, status: str = "error") -> None:
        super().__init__(message)
        self.exit_code = EXIT_STATUS[status]


def debug_requested(ctx: click.Context | None = None) -> bool:
    """True with ``--debug`` or ``SUPERIONIC_DEBUG`` set to a non-empty value other than 0."""
    if os.environ.get(DEBUG_ENV, "").strip() not in ("", "0"):
        return True
    while ctx is not None:
        if ctx.params.get("debug"):
            return True
        ctx = ctx.parent
    return False


def summary_line(command: click.Command) -> str:
    """``short_help`` of a command, else the first paragraph of its help on one line."""
    if command.short_help:
        return command.short_help
    text = (command.help or "").split("\f")[0].strip()
    return _one_line(text.split("\n\n")[0])


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _os_error_message(exc: OSError) -> str:
    name = exc.filename if exc.filename is not None else ""
    reason = exc.strerror or _one_line(str(exc)) or type(exc).__name__
    where = f" {name}" if name else ""
    return f"cannot write or read{where}: {reason}"


def translate(exc: BaseException, debug: bool = False) -> click.ClickException | None:
    """The :class:`click.ClickException` that reports ``exc`` to the user, or None to re-raise.

    Click's own exceptions (usage errors, :class:`CommandFailure`) and ``SystemExit`` pass
    through unchanged (None).
    """
    if isinstance(exc, click.exceptions.ClickException | click.exceptions.Exit | SystemExit):
        return None
    if isinstance(exc, KeyboardInterrupt | click.exceptions.Abort):
        return CommandFailure("interrupted; files of this command may be incomplete",
                              "interrupted")
    if isinstance(exc, InsufficientMemoryError):
        return CommandFailure(str(exc), "memory")
    if isinstance(exc, MemoryError):
        return CommandFailure(
            f"out of memory{': ' + _one_line(str(exc)) if str(exc) else ''}; make the request "
            "smaller (fewer k-points, a smaller supercell, fewer replicas)",
            "memory",
        )
    if isinstance(exc, ModelError | ConvergenceError):
        return CommandFailure(str(exc), "error")
    if isinstance(exc, OSError):
        return CommandFailure(_os_error_message(exc), "output")
    hint = "" if debug else f" (run with --debug or {DEBUG_ENV}=1 for the traceback)"
    return CommandFailure(
        f"internal error, {type(exc).__name__}: {_one_line(str(exc))}{hint}", "internal"
    )


def failure(exc: BaseException) -> click.ClickException:
    """The one-line failure (with its exit status) that reports ``exc``; for commands that catch
    the package's errors themselves, so that they keep the boundary's exit statuses."""
    return translate(exc) or CommandFailure(str(exc))


class SuperionicGroup(click.Group):
    """A click group whose :meth:`invoke` is the error boundary of every subcommand below it.

    Subgroups created with ``@main.group(...)`` are of this class too, and the command list of
    ``--help`` shows each command's whole first paragraph (or its ``short_help``), never a
    sentence cut at an abbreviation such as "Eqs.".
    """

    group_class = type

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, summary_line(command)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BaseException as exc:
            if isinstance(exc, GeneratorExit):
                raise
            debug = debug_requested(ctx)
            failure = translate(exc, debug)
            if failure is None:
                raise
            if debug:
                import traceback

                traceback.print_exception(exc, file=sys.stderr)
            raise failure from None


@click.group(cls=SuperionicGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="superionic")
@click.option("--debug", is_flag=True, envvar=DEBUG_ENV,
              help=f"Show the traceback of a failure (also {DEBUG_ENV}=1).")
def main(debug: bool) -> None:
    """superionic: lattice theory of ionic conduction and superionic transitions.

    Each subcommand reads a TOML spec (or options), calls one public function and writes
    NetCDF/CSV/JSON data plus PNG figures. Failures end with one line on stderr and an exit
    status: 1 invalid input or model, 2 usage, 3 a file cannot be written, 4 not enough memory,
    70 internal error, 130 interrupted (docs/cli.md).
    """
