"""The report folder's indexes: ``README.md`` (plain list) and ``index.html`` (the page to read).

Both are rendered from the record of ``OUTDIR/summary.json`` (see ``superionic report``): per
section its status, mode (quick or full), time, the files this run wrote and the summary the
section returned (:mod:`superionic.reports.page` describes the keys the page uses). Sections kept
from an earlier run (``--only``, ``--resume``) keep their own files and mode.

``index.html`` is one self-contained page: inline CSS, no scripts, fonts or anything fetched
from a network; figures and data files are linked relatively, so the page opens from the file
system and from a copy of the folder. Claims link to the reasoning in the docs: to the
repository's Markdown pages, relative to the folder, when the package runs from a source checkout,
or to ``SUPERIONIC_DOCS_URL`` (a built documentation site) when that is set.
"""

from __future__ import annotations

import html
import os
import re
import unicodedata
from pathlib import Path
from typing import Any

from ..io.atomic import write_text_atomic
from .page import number

#: Files a section writes that the index lists, by kind.
KINDS = {".png": "figure", ".svg": "figure", ".pdf": "figure", ".nc": "NetCDF data",
         ".json": "JSON summary", ".md": "Markdown", ".csv": "CSV data", ".txt": "text"}
#: Environment variable naming a built documentation site (claims link there when set).
DOCS_URL_VARIABLE = "SUPERIONIC_DOCS_URL"
#: Seconds of tolerance when deciding that a file was written by the current run.
MTIME_SLACK = 1.0


# --------------------------------------------------------------------------- written files
def written_files(folder: Path, since: float, listed: list[str] | None = None) -> list[str]:
    """Files under ``folder`` written by the run that started at ``since`` (``time.time()``).

    A file counts when it was modified after ``since`` (less :data:`MTIME_SLACK`), or when the
    section listed it (``listed``, names relative to ``folder``) and it exists. A file left from
    an earlier run and not rewritten is not listed. Returns sorted POSIX paths relative to
    ``folder``; hidden files (temporary files of atomic writes) are skipped.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = set()
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if path.stat().st_mtime >= since - MTIME_SLACK:
            found.add(rel.as_posix())
    for name in listed or []:
        if (folder / name).is_file():
            found.add(Path(name).as_posix())
    return sorted(found)


def kind(name: str) -> str:
    """The kind of a written file ("figure", "NetCDF data", ...) from its suffix."""
    return KINDS.get(Path(name).suffix.lower(), "file")


def _mode(info: dict) -> str:
    return "quick" if info.get("quick") else "full"


def run_mode(sections: dict) -> str:
    """"quick", "full" or "mixed (...)" over the sections that ran."""
    modes = {_mode(info) for info in sections.values() if info.get("status") in ("ok", "failed")}
    if len(modes) == 1:
        return modes.pop()
    if not modes:
        return "none"
    return "mixed: " + ", ".join(f"{n} {_mode(i)}" for n, i in sections.items()
                                 if i.get("status") in ("ok", "failed"))


# --------------------------------------------------------------------------- README.md
def write_readme(outdir: Path, record: dict) -> Path:
    """Write ``OUTDIR/README.md``: per section its mode, status and every file this run wrote."""
    sections = record.get("sections", {})
    lines = [
        "# superionic report",
        "",
        f"Written by superionic {record.get('version', '')} on "
        f"{record.get('finished') or record.get('started')}; mode per section below "
        f"({run_mode(sections)}). `index.html` is the report to read in a browser; this file "
        "lists the files. Every section has its own folder with data (NetCDF), figures (PNG) "
        "and a `summary.json`; `summary.json` here collects them all.",
        "",
        "| section | mode | status | time (s) | files |",
        "|---|---|---|---|---|",
    ]
    for name, info in sections.items():
        seconds = info.get("seconds")
        seconds_text = f"{seconds:.1f}" if isinstance(seconds, int | float) else ""
        lines.append(f"| [{name}](#{name}) | {_mode(info)} | {info.get('status', '?')} | "
                     f"{seconds_text} | {len(info.get('files', []))} |")
    for name, info in sections.items():
        lines += ["", f"## {name}", ""]
        status = info.get("status")
        if status == "failed":
            lines += [f"**Failed:** `{info.get('error', '')}` (traceback in `{name}/error.txt`).",
                      ""]
        elif status == "unavailable":
            lines.append("Not available in this installation.")
            continue
        summary = info.get("summary") if isinstance(info.get("summary"), dict) else {}
        lines.append(f"Mode: {_mode(info)} run.")
        lines.append("")
        for key in ("title", "description"):
            if isinstance(summary.get(key), str):
                lines += [summary[key], ""]
        files = info.get("files", info.get("figures", []))
        if not files and status != "failed":
            lines.append("No files.")
        captions = info.get("captions", {})
        for path in files:
            caption = captions.get(path)
            text = f"- [{path}]({path}) ({kind(path)})"
            lines.append(f"{text}: {caption}" if caption else text)
    path = Path(outdir) / "README.md"
    write_text_atomic(path, "\n".join(lines) + "\n")
    return path


# --------------------------------------------------------------------------- docs links
def slugify(heading: str) -> str:
    """The anchor MkDocs (Python-Markdown ``toc``) gives a heading; math markup is dropped."""
    text = re.sub(r"\\\(|\\\)", "", heading)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def docs_folder() -> Path | None:
    """The ``docs/`` folder of the source checkout the package runs from, if there is one."""
    root = Path(__file__).resolve().parents[3]
    docs = root / "docs"
    return docs if (docs / "index.md").is_file() else None


def docs_link(outdir: Path, page: str, heading: str, base_url: str | None = None) -> str | None:
    """The href of ``heading`` on the docs ``page`` as seen from ``outdir``, or None.

    ``base_url`` (or the environment variable :data:`DOCS_URL_VARIABLE`) names a built site:
    ``<base>/<page without .md>/#<anchor>``. Otherwise the link is the relative path from
    ``outdir`` to the Markdown page of the source checkout; None when neither exists.
    """
    anchor = slugify(heading)
    base = base_url or os.environ.get(DOCS_URL_VARIABLE)
    if base:
        stem = page[:-3] if page.endswith(".md") else page
        return f"{base.rstrip('/')}/{'' if stem == 'index' else stem + '/'}#{anchor}"
    docs = docs_folder()
    if docs is None or not (docs / page).is_file():
        return None
    rel = os.path.relpath(docs / page, Path(outdir).resolve())
    return f"{Path(rel).as_posix()}#{anchor}"


# --------------------------------------------------------------------------- index.html
_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: 1100px; padding: 1.5em; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
nav ul { columns: 2; } table { border-collapse: collapse; margin: 0.6em 0 1.2em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.92em; color: #444; max-width: 60em; }
.status { font-weight: 600; padding: 0.05em 0.4em; border-radius: 3px; white-space: nowrap; }
.reproduced { background: #d8f0d8; } .corrected { background: #dde8fb; }
.not-reproduced, .failed { background: #f8d7d7; } .note { color: #555; font-size: 0.92em; }
.meta { color: #555; } code { background: #f5f5f5; padding: 0 0.2em; }
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _cell(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return f"<td>{_e('n/a' if value is None else value)}</td>"
    if isinstance(value, int | float):
        return f'<td class="num">{_e(number(value))}</td>'
    return f"<td>{_e(value)}</td>"


def _table_html(tab: dict) -> list[str]:
    out = [f"<h3>{_e(tab.get('title', ''))}</h3>", "<table>", "<tr>"]
    out += [f"<th>{_e(c)}</th>" for c in tab.get("columns", [])]
    out.append("</tr>")
    for row in tab.get("rows", []):
        out.append("<tr>" + "".join(_cell(v) for v in row) + "</tr>")
    out.append("</table>")
    if tab.get("note"):
        out.append(f'<p class="note">{_e(tab["note"])}</p>')
    return out


def _claims_html(claims: list[dict], outdir: Path, base_url: str | None) -> list[str]:
    out = ["<h3>The paper's claims checked by this run</h3>", "<table>",
           "<tr><th>claim</th><th>status</th><th>this run</th><th>reasoning</th></tr>"]
    for c in claims:
        docs = c.get("docs") or {}
        page, heading = docs.get("page", ""), docs.get("heading", "")
        href = docs_link(outdir, page, heading, base_url) if page else None
        where = f"{page}: {heading}" if page else ""
        link = f'<a href="{_e(href)}">{_e(where)}</a>' if href else _e(where)
        status = str(c.get("status", ""))
        out.append(f"<tr><td>{_e(c.get('claim', ''))}</td>"
                   f'<td><span class="status {_e(status.replace(" ", "-"))}">{_e(status)}'
                   f"</span></td><td>{_e(c.get('evidence', ''))}</td><td>{link}</td></tr>")
    out.append("</table>")
    return out


def _section_html(name: str, info: dict, outdir: Path, base_url: str | None) -> list[str]:
    summary = info.get("summary") if isinstance(info.get("summary"), dict) else {}
    title = summary.get("title") or name
    status = info.get("status", "?")
    out = [f'<section id="{_e(name)}">', f"<h2>{_e(title)}</h2>",
           f'<p class="meta">Section <code>{_e(name)}</code>: {_e(_mode(info))} run, '
           f'status <span class="status {_e(status)}">{_e(status)}</span>'
           + (f", {info['seconds']:.1f} s" if isinstance(info.get("seconds"), int | float)
              else "") + ".</p>"]
    if status == "unavailable":
        return [*out, "<p>Not available in this installation.</p>", "</section>"]
    if status == "failed":
        out.append(f"<p><strong>Failed:</strong> <code>{_e(info.get('error', ''))}</code> "
                   f'(traceback in <a href="{_e(name)}/error.txt">{_e(name)}/error.txt</a>).</p>')
    if summary.get("description"):
        out.append(f"<p>{_e(summary['description'])}</p>")
    claims = summary.get("claims") or []
    if claims:
        out += _claims_html(claims, outdir, base_url)
    for tab in summary.get("tables") or []:
        out += _table_html(tab)
    files = info.get("files", info.get("figures", []))
    captions = info.get("captions", {})
    figures = [f for f in files if kind(f) == "figure"]
    for i, path in enumerate(figures, start=1):
        caption = captions.get(path, "")
        out += ["<figure>", f'<img src="{_e(path)}" alt="{_e(caption or path)}">',
                f'<figcaption><strong>Figure {_e(name)}.{i}</strong> '
                f'(<a href="{_e(path)}">{_e(path)}</a>). {_e(caption)}</figcaption>',
                "</figure>"]
    data = [f for f in files if kind(f) != "figure"]
    if data:
        out += ["<h3>Data files written by this run</h3>", "<ul>"]
        out += [f'<li><a href="{_e(f)}">{_e(f)}</a> ({_e(kind(f))})</li>' for f in data]
        out.append("</ul>")
    out.append("</section>")
    return out


def _run_table(sections: dict) -> list[str]:
    out = ["<h2 id=\"run\">This run</h2>", "<table>",
           "<tr><th>section</th><th>mode</th><th>status</th><th>time (s)</th>"
           "<th>figures</th><th>data files</th></tr>"]
    for name, info in sections.items():
        files = info.get("files", info.get("figures", []))
        n_fig = sum(kind(f) == "figure" for f in files)
        seconds = info.get("seconds")
        out.append(f'<tr><td><a href="#{_e(name)}">{_e(name)}</a></td><td>{_mode(info)}</td>'
                   f'<td><span class="status {_e(info.get("status", ""))}">'
                   f'{_e(info.get("status", "?"))}</span></td>'
                   + _cell(seconds if isinstance(seconds, int | float) else None)
                   + f"<td>{n_fig}</td><td>{len(files) - n_fig}</td></tr>")
    out.append("</table>")
    return out


def render_html(outdir: Path, record: dict, *, base_url: str | None = None) -> str:
    """The report page of ``record`` (see the module docstring) as HTML text."""
    sections = record.get("sections", {})
    head = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<link rel="icon" href="data:,">', "<title>superionic report</title>",
            f"<style>{_CSS}</style>", "</head>", "<body>"]
    body = ["<h1>superionic report</h1>",
            f'<p class="meta">Written by superionic {_e(record.get("version", ""))} '
            f'(Python {_e(record.get("python", ""))}, NumPy {_e(record.get("numpy", ""))}) on '
            f'{_e(record.get("finished") or record.get("started") or "")}; mode: '
            f"{_e(run_mode(sections))}. The lattice theory of ionic conduction of Hu, Guo, "
            "Liang and Monserrat (arXiv:2604.00665) computed by the package: what each section "
            "computes and why, its figures, the key numbers, and the paper's claims that the "
            'run checks. <a href="README.md">README.md</a> lists every file; '
            '<a href="summary.json">summary.json</a> holds every number.</p>',
            "<nav><ul>", '<li><a href="#run">This run</a></li>']
    for name, info in sections.items():
        summary = info.get("summary") if isinstance(info.get("summary"), dict) else {}
        body.append(f'<li><a href="#{_e(name)}">{_e(summary.get("title") or name)}</a></li>')
    body += ["</ul></nav>", *_run_table(sections)]
    for name, info in sections.items():
        body += _section_html(name, info, outdir, base_url)
    return "\n".join([*head, *body, "</body>", "</html>"]) + "\n"


def write_html(outdir: Path, record: dict, *, base_url: str | None = None) -> Path:
    """Write ``OUTDIR/index.html`` (atomically); return its path."""
    path = Path(outdir) / "index.html"
    write_text_atomic(path, render_html(Path(outdir), record, base_url=base_url))
    return path


def write_index(outdir: Path, record: dict) -> Path:
    """Write ``README.md`` and ``index.html`` of the report folder; return the README's path."""
    write_html(outdir, record)
    return write_readme(outdir, record)
