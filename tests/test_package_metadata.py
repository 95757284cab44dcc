"""Package hygiene: the citation file, the changelog and the py.typed marker in the wheel."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

import superionic

ROOT = Path(__file__).resolve().parents[1]


def test_citation_cff_names_the_package_and_prefers_the_paper():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert cff["type"] == "software" and cff["version"] == superionic.__version__
    assert cff["message"] and cff["title"] and cff["authors"]
    paper = cff["preferred-citation"]
    assert paper["type"] == "article" and paper["year"] == 2026
    assert paper["title"] == ("Microscopic Theory of Superionic Phase Transitions: "
                              "Nonadiabatic Dynamics and Many-Body Effects")
    assert [a["family-names"] for a in paper["authors"]] == ["Hu", "Guo", "Liang", "Monserrat"]
    assert any(i["value"] == "arXiv:2604.00665" for i in paper["identifiers"])
    assert paper["url"].startswith("https://arxiv.org/abs/2604.00665")
    # CFF 1.2.0: every key of an entry is one the schema knows
    known = {"cff-version", "message", "title", "type", "version", "license", "abstract",
             "keywords", "authors", "preferred-citation", "repository-code", "url", "doi",
             "date-released", "identifiers", "references", "contact", "commit"}
    assert set(cff) <= known


def test_changelog_starts_at_the_first_release_and_has_an_unreleased_section():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## \[([^\]]+)\]", text, flags=re.M)
    assert versions[0] == "Unreleased" and versions[-1] == "0.1.0"
    assert superionic.__version__ in versions
    unreleased = text.split("## [Unreleased]")[1].split("## [0.1.0]")[0]
    for words in ("index.html", "subpackages", "--open", "py.typed", "CITATION.cff"):
        assert words in unreleased


def test_py_typed_marker_is_in_the_package():
    assert (Path(superionic.__file__).parent / "py.typed").is_file()


def test_py_typed_marker_is_installed_with_the_package(tmp_path, monkeypatch):
    """setuptools' build_py (what a wheel or an install copies) takes py.typed along."""
    import warnings

    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    monkeypatch.chdir(ROOT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dist = Distribution({"script_name": "pyproject.toml"})
        apply_configuration(dist, ROOT / "pyproject.toml")
        command = dist.get_command_obj("build_py")
        command.build_lib = str(tmp_path)
        command.ensure_finalized()
        command.run()
    assert (tmp_path / "superionic" / "py.typed").is_file()
    assert (tmp_path / "superionic" / "reports" / "index.py").is_file()
