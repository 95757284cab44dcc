"""``superionic report OUTDIR``: the main job.

Runs every section of the report listed in :data:`superionic.reports.SECTIONS` whose module
exists (``superionic.reports.<name>`` with ``build(outdir, *, quick, progress) -> dict``), each
into its own folder ``OUTDIR/<name>``, and indexes the results:

* each section's folder holds its data, figures and a ``summary.json`` (written by the section or,
  if it did not write one, from the summary ``build`` returned; a failed section gets
  ``summary.json`` with ``status = "failed"`` and the error, plus ``error.txt`` with the traceback);
* ``OUTDIR/summary.json`` records every section's status, time and summary; it is rewritten after
  each section, so an interrupted run keeps what finished, and a later run with ``--only`` merges
  into it instead of forgetting the other sections;
* ``OUTDIR/README.md`` lists, per section with its mode, exactly the files this run wrote, and
  ``OUTDIR/index.html`` is the report to read in a browser (:mod:`superionic.reports.index`).

A failing section is reported and the others still run; the exit code is 1 when any failed.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import json
import math
import platform
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click
import numpy as np

from .. import __version__
from ._group import main
from ._outputs import check_output_folder

SUMMARY = "summary.json"


# --------------------------------------------------------------------------- helpers
def _jsonable(data: Any) -> Any:
    """:func:`superionic.reports._common.jsonable`, imported when first needed (it loads the
    file layer, which ``superionic --help`` should not pay for)."""
    from ..reports._common import jsonable

    return jsonable(data)


def _write_json(path: Path, data: Any) -> None:
    from ..io.atomic import write_text_atomic

    write_text_atomic(path, json.dumps(_jsonable(data), indent=2, allow_nan=False) + "\n")


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def available_sections() -> tuple[str, ...]:
    """The section names of the report, in order (:data:`superionic.reports.SECTIONS`)."""
    from .. import reports

    return tuple(reports.SECTIONS)


def _load_section(name: str):
    """Return the section module, or None when it does not exist (yet) in this installation."""
    module_name = f"superionic.reports.{name}"
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise


class _Progress:
    """Progress callback handed to each section; tolerant of how it is called.

    ``progress("message")``, ``progress(0.4)``, ``progress(3, 10)``, ``progress("msg", 0.4)`` and
    keywords ``message=``, ``fraction=``, ``done=``, ``total=`` all print one line;
    ``for x in progress(items)`` prints one line per item.
    """

    def __init__(self, section: str, echo: Callable[[str], None]) -> None:
        self.section = section
        self.echo = echo

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args and not isinstance(args[0], str | int | float | np.number) and hasattr(
            args[0], "__iter__"
        ):
            return self._wrap(args[0], kwargs.get("desc") or kwargs.get("message"))
        message = kwargs.pop("message", None)
        fraction = kwargs.pop("fraction", None)
        done, total = kwargs.pop("done", None), kwargs.pop("total", None)
        numbers = []
        for arg in args:
            if isinstance(arg, str) and message is None:
                message = arg
            elif isinstance(arg, int | float | np.integer | np.floating):
                numbers.append(float(arg))
        if len(numbers) == 1 and fraction is None:
            fraction = numbers[0]
        elif len(numbers) >= 2 and done is None:
            done, total = numbers[0], numbers[1]
        if fraction is None and done is not None and total:
            fraction = float(done) / float(total)
        parts = [f"  [{self.section}]"]
        if message:
            parts.append(str(message))
        if fraction is not None and math.isfinite(fraction):
            parts.append(f"({100 * min(max(fraction, 0.0), 1.0):.0f}%)")
        if len(parts) > 1:
            self.echo(" ".join(parts))

    def _wrap(self, iterable, message: str | None):
        """Iterate over ``iterable``, printing a line per item (``for x in progress(items)``)."""
        items = list(iterable)
        for i, item in enumerate(items):
            yield item
            self(message or "", done=i + 1, total=len(items))

    # tqdm-like conveniences, for sections that treat it as a bar
    def update(self, *args: Any, **kwargs: Any) -> None:
        self(*args, **kwargs)

    def write(self, message: str) -> None:
        self(str(message))


def _caption(summary: dict | None, figure: Path, folder: Path) -> str | None:
    """A caption from the section summary's ``figures`` entry, when it gives one."""
    if not isinstance(summary, dict):
        return None
    figures = summary.get("figures")
    if isinstance(figures, dict):
        rel = figure.relative_to(folder).as_posix()
        for key in (rel, figure.name, figure.stem):
            value = figures.get(key)
            if isinstance(value, str):
                return value
            if isinstance(value, dict) and isinstance(value.get("caption"), str):
                return value["caption"]
    return None


# --------------------------------------------------------------------------- runner
def run_report(
    outdir: str | Path,
    *,
    sections: Iterable[str] | None = None,
    quick: bool = False,
    resume: bool = False,
    echo: Callable[[str], None] = print,
) -> dict:
    """Run the report sections into ``outdir``; return the record written to ``summary.json``.

    Parameters
    ----------
    outdir : path
        Output folder (created); each section writes into ``outdir / name``.
    sections : iterable of str, optional
        Names to run (default: all of :data:`superionic.reports.SECTIONS`); unknown names raise
        ValueError.
    quick : bool
        Reduced sizes (each section under about 20 s).
    resume : bool
        Keep sections that already finished successfully in ``outdir`` in the same mode.
    echo : callable
        Receives the progress lines.
    """
    from ..io.atomic import write_text_atomic
    from ..reports.index import kind, write_index, written_files

    outdir = Path(outdir)
    known = available_sections()
    names = list(known if sections is None else sections)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown section(s) {unknown}; the report has {list(known)}")
    outdir.mkdir(parents=True, exist_ok=True)
    previous = _read_json(outdir / SUMMARY) or {}
    prev_sections = previous.get("sections", {}) if isinstance(previous, dict) else {}
    record: dict[str, Any] = {
        "version": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "quick": bool(quick),
        "started": _dt.datetime.now().isoformat(timespec="seconds"),
        "finished": None,
        "sections": {n: prev_sections[n] for n in known if n in prev_sections and n not in names},
    }

    def save() -> None:
        ordered = {n: record["sections"][n] for n in known if n in record["sections"]}
        record["sections"] = ordered
        _write_json(outdir / SUMMARY, record)
        write_index(outdir, record)

    save()
    for i, name in enumerate(names, start=1):
        folder = outdir / name
        old = prev_sections.get(name)
        if (
            resume
            and isinstance(old, dict)
            and old.get("status") == "ok"
            and old.get("quick") == bool(quick)
            and (folder / SUMMARY).is_file()
        ):
            echo(f"[{i}/{len(names)}] {name}: kept from the previous run")
            record["sections"][name] = old
            save()
            continue
        echo(f"[{i}/{len(names)}] {name}")
        entry: dict[str, Any] = {"quick": bool(quick)}
        start = time.perf_counter()
        wall_start = time.time()
        try:
            module = _load_section(name)
            if module is None:
                entry.update(status="unavailable", seconds=0.0)
                echo(f"[{i}/{len(names)}] {name}: not available in this installation, skipped")
                record["sections"][name] = entry
                save()
                continue
            folder.mkdir(parents=True, exist_ok=True)
            summary = module.build(folder, quick=quick, progress=_Progress(name, echo))
            seconds = time.perf_counter() - start
            summary = _jsonable(summary if summary is not None else {})
            own = folder / SUMMARY
            if not (own.is_file() and own.stat().st_mtime >= wall_start - 1.0):
                _write_json(own, summary)
            entry.update(status="ok", seconds=round(seconds, 3), summary=summary)
            echo(f"[{i}/{len(names)}] {name}: done in {seconds:.1f} s")
        except Exception as exc:  # a failing section must not stop the others
            seconds = time.perf_counter() - start
            message = f"{type(exc).__name__}: {exc}"
            tb = traceback.format_exc()
            folder.mkdir(parents=True, exist_ok=True)
            write_text_atomic(folder / "error.txt", tb)
            _write_json(
                folder / SUMMARY, {"status": "failed", "error": message, "traceback": tb}
            )
            entry.update(status="failed", seconds=round(seconds, 3), error=message)
            echo(f"[{i}/{len(names)}] {name}: FAILED after {seconds:.1f} s: {message}")
        finally:
            _close_figures()
        listed = (entry.get("summary") or {}).get("files")
        written = written_files(folder, wall_start, listed if isinstance(listed, list) else None)
        entry["files"] = [f"{name}/{f}" for f in written]
        entry["figures"] = [f"{name}/{f}" for f in written if kind(f) == "figure"]
        captions = {}
        for f in written:
            cap = _caption(entry.get("summary"), folder / f, folder)
            if cap:
                captions[f"{name}/{f}"] = cap
        if captions:
            entry["captions"] = captions
        record["sections"][name] = entry
        save()
    record["finished"] = _dt.datetime.now().isoformat(timespec="seconds")
    save()
    return record


def _close_figures() -> None:
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def open_report(outdir: Path, *, echo: Callable[[str], None] = print) -> bool:
    """Open ``OUTDIR/index.html`` in the default web browser; False (with a message) when no
    browser is available or the page is missing."""
    import webbrowser

    page = (Path(outdir) / "index.html").resolve()
    if not page.is_file():
        echo(f"no report page at {page}")
        return False
    try:
        opened = webbrowser.open(page.as_uri())
    except webbrowser.Error:
        opened = False
    if not opened:
        echo(f"no web browser available; open {page} yourself")
    return bool(opened)


# --------------------------------------------------------------------------- command
def _split_names(values: tuple[str, ...]) -> list[str]:
    names: list[str] = []
    for value in values:
        names += [v.strip() for v in value.split(",") if v.strip()]
    return names


@main.command("report")
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--quick", is_flag=True, help="Reduced sizes: each section in under ~20 s.")
@click.option(
    "--only",
    "only",
    multiple=True,
    metavar="SECTION",
    help="Run only these sections (repeat the option or separate names by commas).",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Keep sections that already finished in OUTDIR (same --quick mode) and run the rest.",
)
@click.option("--open", "open_browser", is_flag=True,
              help="Open OUTDIR/index.html in the default web browser when done.")
def report_command(outdir: Path, quick: bool, only: tuple[str, ...], resume: bool,
                   open_browser: bool = False) -> None:
    """Run the main job: every section of the report into OUTDIR.

    Each section writes data, figures and summary.json into OUTDIR/<section>; OUTDIR/summary.json
    and OUTDIR/README.md index them. A failing section does not stop the others; the exit code is
    1 when any failed.
    """
    check_output_folder(outdir, "OUTDIR")
    import matplotlib

    matplotlib.use("Agg")
    names = _split_names(only) or None
    known = available_sections()
    if names:
        unknown = [n for n in names if n not in known]
        if unknown:
            raise click.BadParameter(
                f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(known)}",
                param_hint="--only",
            )

    def echo(line: str) -> None:
        click.echo(line, err=True)

    start = time.perf_counter()
    record = run_report(outdir, sections=names, quick=quick, resume=resume, echo=echo)
    elapsed = time.perf_counter() - start
    ran = [n for n in (names or known) if n in record["sections"]]
    failed = [n for n in ran if record["sections"][n].get("status") == "failed"]
    missing = [n for n in ran if record["sections"][n].get("status") == "unavailable"]
    ok = [n for n in ran if record["sections"][n].get("status") == "ok"]
    click.echo(f"report in {outdir} ({elapsed:.0f} s): {len(ok)} section(s) ok" + (
        f", failed: {', '.join(failed)}" if failed else ""
    ) + (f", not available: {', '.join(missing)}" if missing else ""))
    click.echo(f"index: {outdir / 'README.md'}; report page: {outdir / 'index.html'}")
    if open_browser:
        open_report(outdir, echo=click.echo)
    if failed or (names and missing):
        raise SystemExit(1)
