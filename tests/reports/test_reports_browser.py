"""The ``--quick`` report page in a real browser: headless Chromium from the distribution,
driven by Selenium through the system chromedriver (nothing is downloaded at run time)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-dev-shm-usage", "--window-size=1200,900")


@pytest.fixture(scope="module")
def browser(monkeypatch_module):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert Path(CHROMIUM).is_file(), f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    assert Path(CHROMEDRIVER).is_file(), f"chromedriver not installed at {CHROMEDRIVER}"
    monkeypatch_module.setenv("SE_OFFLINE", "true")  # Selenium Manager must never download
    profile = tempfile.mkdtemp(prefix="superionic-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def test_report_page_in_headless_chromium(quick_report, browser, tmp_path):
    page = quick_report.outdir / "index.html"
    browser.get(page.resolve().as_uri())
    assert browser.title == "superionic report"
    # no console errors (failed loads of images or links show up here too)
    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert errors == []
    # every image decodes
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.getAttribute('src'), i.complete, "
        "i.naturalWidth]);")
    figures = [f for s in quick_report.record["sections"].values() for f in s["figures"]]
    assert sorted(src for src, _, _ in images) == sorted(figures) and len(images) >= 15
    assert all(complete and width > 0 for _, complete, width in images), images
    # every internal link resolves: anchors to an element of the page, files to a file
    links = browser.execute_script(
        "return Array.from(document.querySelectorAll('a[href]')).map(a => [a.getAttribute('href'),"
        " a.href]);")
    ids = set(browser.execute_script(
        "return Array.from(document.querySelectorAll('[id]')).map(e => e.id);"))
    checked = 0
    for raw, resolved in links:
        url = urlparse(resolved)
        assert url.scheme == "file", f"link leaves the file system: {raw}"
        if raw.startswith("#"):
            assert raw[1:] in ids, f"anchor {raw} has no target"
        else:
            target = Path(unquote(url.path))
            assert target.is_file(), f"link {raw} -> {target} does not exist"
            if url.fragment and target.suffix == ".md":
                assert url.fragment in _anchors(target), f"no heading {url.fragment} in {target}"
        checked += 1
    assert checked > 20
    shot = tmp_path / "report.png"
    browser.set_window_size(1200, 3000)
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000


def _anchors(markdown_file: Path) -> set[str]:
    """The anchors MkDocs gives the headings of a docs page (Python-Markdown's slugify)."""
    from markdown.extensions.toc import slugify

    anchors = set()
    for line in markdown_file.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") and " " in line:
            heading = line.lstrip("#").strip().replace("\\(", "").replace("\\)", "")
            anchors.add(slugify(heading, "-"))
    return anchors
