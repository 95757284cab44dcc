"""The report folder: exact file index, the HTML page, units in every NetCDF, atomic writes."""

from __future__ import annotations

import html.parser
import json
import os
from pathlib import Path

import pytest
import xarray as xr

from superionic.reports import index as ri
from superionic.reports import page as rp

#: Coordinates that are labels or indices, not physical quantities.
NON_PHYSICAL = {"branch", "mode", "k", "direction", "site", "axis", "i", "j", "variant", "size",
                "wave", "replica", "block", "dos", "channel", "criterion", "qpoint", "band",
                "phase", "spec", "hop", "label", "kind", "case", "parameter", "segment",
                "status", "q_index", "rank", "xyz"}


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _parse(text: str) -> list[tuple[str, dict]]:
    parser = _Links()
    parser.feed(text)
    return parser.tags


def test_every_section_ran_and_readme_lists_exactly_what_was_written(quick_report):
    out, record = quick_report.outdir, quick_report.record
    assert {n: s["status"] for n, s in record["sections"].items()} == {
        "core": "ok", "meanfield": "ok", "simulation": "ok", "channels": "ok",
        "materials": "ok"}
    readme = (out / "README.md").read_text()
    for name, info in record["sections"].items():
        on_disk = sorted(p.relative_to(out).as_posix() for p in (out / name).rglob("*")
                         if p.is_file() and not p.name.startswith("."))
        assert info["files"] == on_disk  # a fresh folder: everything there was written now
        kinds = {ri.kind(f) for f in info["files"]}
        assert {"figure", "NetCDF data", "JSON summary"} <= kinds
        for f in info["files"]:
            assert f"[{f}]({f})" in readme
        assert f"| [{name}](#{name}) | quick | ok |" in readme


def test_page_is_self_contained_and_every_local_link_resolves(quick_report):
    out = quick_report.outdir
    text = (out / "index.html").read_text()
    tags = _parse(text)
    assert not [t for t, _ in tags if t in ("script", "iframe", "object", "embed")]
    ids = {a["id"] for _, a in tags if "id" in a}
    hrefs = [a["href"] for t, a in tags if t == "a" and "href" in a]
    srcs = [a["src"] for t, a in tags if t == "img"]
    assert len(srcs) == sum(len(s["figures"]) for s in quick_report.record["sections"].values())
    for ref in hrefs + srcs:
        assert "://" not in ref, ref  # nothing from a network
        path, _, fragment = ref.partition("#")
        if not path:
            assert fragment in ids, ref
            continue
        target = (out / path).resolve()
        assert target.is_file(), ref
        if fragment:
            assert target.suffix == ".md" and target.parent.name == "docs"
            headings = [ri.slugify(line.lstrip("#").strip())
                        for line in target.read_text().splitlines() if line.startswith("#")]
            assert fragment in headings, ref
    for tag, attrs in tags:  # the only <link> is the inline favicon
        if tag == "link":
            assert attrs["href"].startswith("data:")


def test_every_section_states_what_it_computed_with_captions_tables_and_claims(quick_report):
    text = (quick_report.outdir / "index.html").read_text()
    for name, info in quick_report.record["sections"].items():
        summary = info["summary"]
        assert summary["title"] and len(summary["description"]) > 100
        captions = summary["figures"]
        assert sorted(captions) == sorted(f.split("/", 1)[1] for f in info["figures"]), name
        assert all(len(c) > 40 for c in captions.values())
        assert summary["tables"] and all(t["rows"] for t in summary["tables"]), name
        for claim in summary["claims"]:
            # the run's numbers decide each status; this run confirms every one of them
            assert claim["status"] in ("reproduced", "corrected"), claim
            assert claim["docs"]["page"].endswith(".md") and claim["evidence"]
            assert f'id="{name}"' in text
    statuses = {c["status"] for s in quick_report.record["sections"].values()
                for c in s["summary"]["claims"]}
    assert statuses == {"reproduced", "corrected"}
    # the key numbers of the issue are on the page
    for words in ("Transition temperatures", "Activation energies", "Mean field against "
                  "simulation", "Timing of this run", "This run"):
        assert words in text


def test_claim_status_follows_the_numbers():
    ok = rp.claim("x", holds=True, status="corrected", evidence="e", page="theory.md",
                  heading="h")
    bad = rp.claim("x", holds=False, status="reproduced", evidence="e", page="theory.md",
                   heading="h")
    assert ok["status"] == "corrected" and bad["status"] == "not reproduced"
    with pytest.raises(ValueError, match="status"):
        rp.claim("x", holds=True, status="maybe", evidence="", page="", heading="")
    with pytest.raises(ValueError, match="expected 2"):
        rp.table("t", ["a", "b"], [[1]])
    assert rp.close("1.0000001", 1.0) and not rp.close("nan", 1.0) and not rp.close(None, 1.0)
    assert rp.number(float("nan")) == "n/a" and rp.number(1234567.0) == "1.235e+06"


def test_docs_links_follow_the_folder_and_a_configured_site(tmp_path, monkeypatch):
    monkeypatch.delenv(ri.DOCS_URL_VARIABLE, raising=False)
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    link = ri.docs_link(deep, "theory.md", "4. The type-I fold of Fig. 4(e,f)")
    path, fragment = link.split("#")
    assert (deep / path).resolve() == ri.docs_folder() / "theory.md"
    assert fragment == "4-the-type-i-fold-of-fig-4ef"
    assert ri.docs_link(deep, "missing.md", "x") is None
    monkeypatch.setenv(ri.DOCS_URL_VARIABLE, "https://example.org/docs/")
    assert ri.docs_link(deep, "theory.md", "Review findings") == (
        "https://example.org/docs/theory/#review-findings")
    from markdown.extensions.toc import slugify  # MkDocs' own anchors

    for heading in ("Sec. III: the two-site chain", "6. The type-II activation energies",
                    "Field coupling: symmetric (default) and full", "B3. The k^2 term"):
        assert ri.slugify(heading) == slugify(heading, "-")


def test_every_netcdf_variable_that_is_physical_has_units(quick_report):
    files = sorted(quick_report.outdir.rglob("*.nc"))
    assert len(files) >= 20
    missing = []
    for path in files:
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            for name, var in ds.variables.items():
                if name in NON_PHYSICAL or var.dtype.kind in "bSUO":
                    continue
                if name in ds.coords and name in ds.dims and var.dtype.kind in "iu":
                    continue  # an integer index coordinate
                if not str(var.attrs.get("units", "")).strip():
                    missing.append(f"{path.relative_to(quick_report.outdir)}:{name}")
    assert missing == []


def test_no_temporary_files_are_left(quick_report):
    left = [p for p in quick_report.outdir.rglob(".*") if p.is_file()]
    assert left == []
    summary = json.loads((quick_report.outdir / "summary.json").read_text())
    assert summary["quick"] is True and summary["finished"]


def test_written_files_skip_stale_and_hidden_files(tmp_path):
    old = tmp_path / "old.png"
    old.write_text("x")
    os.utime(old, (1_000_000, 1_000_000))
    (tmp_path / ".tmp.nc").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "new.nc").write_text("x")
    listed_old = tmp_path / "listed.json"
    listed_old.write_text("{}")
    os.utime(listed_old, (1_000_000, 1_000_000))
    since = 2_000_000.0
    os.utime(tmp_path / "sub" / "new.nc", (since + 5, since + 5))
    got = ri.written_files(tmp_path, since, ["listed.json", "gone.png"])
    assert got == ["listed.json", "sub/new.nc"]


def test_run_mode_names_mixed_folders():
    assert ri.run_mode({"a": {"status": "ok", "quick": True}}) == "quick"
    mixed = ri.run_mode({"a": {"status": "ok", "quick": True}, "b": {"status": "ok"}})
    assert mixed == "mixed: a quick, b full"


def test_py_typed_is_package_data():
    import tomllib

    root = Path(__file__).resolve().parents[2]
    config = tomllib.loads((root / "pyproject.toml").read_text())
    assert "py.typed" in config["tool"]["setuptools"]["package-data"]["superionic"]
