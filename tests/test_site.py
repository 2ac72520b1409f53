"""The whole course site, built strictly as `make html` builds it, read as a visitor reads it."""

import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from imaging_course.site_build import sphinx_reports

pytestmark = pytest.mark.site

OUTLINE = Path(__file__).resolve().parents[2] / "shared" / "seed" / "OUTLINE.md"
URL = re.compile(r"https?://[^\s)<>]+")


class _LinkCollector(HTMLParser):
    """Collects ``<a href>`` targets, element ids, and every address a page loads by itself."""

    LOADING = frozenset(
        {
            ("script", "src"),
            ("link", "href"),
            ("img", "src"),
            ("iframe", "src"),
            ("source", "src"),
            ("video", "src"),
            ("audio", "src"),
            ("embed", "src"),
        }
    )

    def __init__(self) -> None:
        super().__init__()
        self.anchors: set[str] = set()
        self.ids: set[str] = set()
        self.loads: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "a" and attributes.get("href"):
            self.anchors.add(unescape(attributes["href"]))
        for element, attribute in self.LOADING:
            if tag == element and attributes.get(attribute):
                self.loads.append((tag, attributes[attribute]))


def _parse(page: Path) -> _LinkCollector:
    collector = _LinkCollector()
    collector.feed(page.read_text(encoding="utf-8"))
    return collector


def _pages(site: Path) -> list[Path]:
    """Every HTML file of the site, the theme's snippets under ``_static/`` included."""
    return sorted(site.rglob("*.html"))


def _documents(site: Path) -> list[Path]:
    """The site's pages written from ``docs/`` (no index, search page or theme snippet)."""
    generated = {"genindex.html", "search.html"}
    return [
        page
        for page in _pages(site)
        if page.name not in generated and "_static" not in page.relative_to(site).parts
    ]


def _is_remote(address: str) -> bool:
    return address.startswith(("http:", "https:", "//"))


def test_the_site_builds_with_no_warning(built_site):
    assert built_site.returncode == 0, built_site.output[-4000:]
    assert sphinx_reports(built_site.output) == []


def test_every_outline_link_is_on_the_site(built_site):
    wanted = {url.rstrip(".,;") for url in URL.findall(OUTLINE.read_text(encoding="utf-8"))}
    assert OUTLINE.is_file(), f"{OUTLINE}: the seed outline is missing: is shared/ beside the repo?"
    assert len(wanted) >= 20, "the outline's links were not parsed"
    present = set().union(*(_parse(page).anchors for page in _pages(built_site.html)))
    assert sorted(wanted - present) == []


def test_the_chapter_labels_are_targets(built_site):
    ids = set().union(*(_parse(page).ids for page in _pages(built_site.html)))
    for label in ("chap-medical-imaging", "mi_nifti", "mi_exercises"):
        assert label.replace("_", "-") in ids or label in ids, label


def test_no_page_loads_anything_from_another_host(built_site):
    remote = [
        (str(page.relative_to(built_site.html)), tag, address)
        for page in _pages(built_site.html)
        for tag, address in _parse(page).loads
        if _is_remote(address)
    ]
    assert remote == []


def test_no_stylesheet_imports_from_another_host(built_site):
    remote_url = re.compile(r"(?:url\(|@import)\s*['\"]?(?:https?:)?//", re.IGNORECASE)
    offenders = [
        str(css.relative_to(built_site.html))
        for css in built_site.html.rglob("*.css")
        if remote_url.search(css.read_text(encoding="utf-8", errors="replace"))
    ]
    assert offenders == []


def test_math_is_served_locally(built_site):
    nifti = built_site.html / "medical-imaging" / "nifti.html"
    scripts = [address for tag, address in _parse(nifti).loads if tag == "script"]
    mathjax = [address for address in scripts if "mathjax" in address.lower()]
    assert mathjax, "the NIfTI page has math, so it must load MathJax"
    for address in mathjax:
        local = (nifti.parent / address.split("?")[0]).resolve()
        assert local.is_file(), address


def test_every_page_shows_its_reading_time(built_site):
    missing = [
        str(page.relative_to(built_site.html))
        for page in _documents(built_site.html)
        if "min read" not in page.read_text(encoding="utf-8")
    ]
    assert missing == []


def test_the_chapter_carries_enough_quizzes_and_exports_them(built_site):
    questions = json.loads((built_site.html / "quizzes.json").read_text(encoding="utf-8"))
    questions = questions["questions"] if isinstance(questions, dict) else questions
    assert len(questions) >= 60
    assert sum(question["kind"] == "numeric" for question in questions) >= 15  # computed answers
    gift = (built_site.html / "quizzes.gift").read_text(encoding="utf-8")
    assert gift.count("::") >= 2 * len(questions)


def test_the_glossary_defines_at_least_25_terms(built_site):
    glossary = (built_site.html / "glossary.html").read_text(encoding="utf-8")
    assert glossary.count("<dt ") >= 25
