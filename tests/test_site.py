"""The whole course site, built strictly as `make html` builds it, read as a visitor reads it."""

import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from imaging_course.chapter_outline import load_outline
from imaging_course.site_build import build_site, sphinx_reports

pytestmark = pytest.mark.site


class _LinkCollector(HTMLParser):
    """Collects ``<a href>`` targets with their text, element ids, and every address a page
    loads by itself."""

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
        self.anchor_texts: set[tuple[str, str]] = set()
        self.ids: set[str] = set()
        self.loads: list[tuple[str, str]] = []
        self._open_anchor: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "a" and attributes.get("href"):
            self.anchors.add(unescape(attributes["href"]))
            self._open_anchor = (unescape(attributes["href"]), [])
        for element, attribute in self.LOADING:
            if tag == element and attributes.get(attribute):
                self.loads.append((tag, attributes[attribute]))

    def handle_data(self, data):
        if self._open_anchor is not None:
            self._open_anchor[1].append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._open_anchor is not None:
            href, text = self._open_anchor
            self.anchor_texts.add((href, " ".join("".join(text).split())))
            self._open_anchor = None


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


def test_a_rebuild_with_no_change_is_silent_and_reads_nothing(built_site):
    first = built_site.output
    assert "Kernel is running over TCP" not in first
    assert "ParserConfig(" not in first
    again = build_site(built_site.html)
    output = again.stdout + again.stderr
    assert again.returncode == 0, output[-3000:]
    # On failure, the lines that say why Sphinx read pages again (its status lines are cut
    # out of the middle of a long assertion message otherwise).
    why = "\n".join(
        line
        for line in output.splitlines()
        if any(word in line for word in ("environment", "config", "changed", "outdated"))
    )
    assert "The configuration has changed" not in output, why
    assert "updating environment: 0 added, 0 changed, 0 removed" in output, why
    assert "targets for 0 source files that are out of date" in output
    assert "Executing notebook" not in output
    assert "ParserConfig(" not in output


def test_every_outline_link_is_on_its_page_with_its_title(built_site):
    outline = load_outline()
    missing = []
    for page in outline.pages:
        links = _parse(built_site.html / f"{page.doc}.html").anchor_texts
        missing += [
            f"{page.doc}: {link.title} -> {link.url}"
            for link in page.links
            if (link.url, link.title.strip("`")) not in links
        ]
    assert len(outline.links()) >= 24
    assert missing == []


def test_each_page_shows_the_outlines_reading_figures(built_site):
    outline = load_outline()
    for page in outline.pages:
        html = (built_site.html / f"{page.doc}.html").read_text(encoding="utf-8")
        badge = re.search(r'<p class="reading-time">(.*?)</p>', html, re.DOTALL)
        assert badge, page.doc
        text = re.sub(r"<[^>]+>", "", badge.group(1))
        if page.linked_reading_minutes:
            assert f"· {page.linked_reading_minutes:g} min of linked reading" in text, text
        if page.exercise_days:
            assert f"· {page.exercise_days:g} days of exercises" in text, text
    chapter = (built_site.html / f"{outline.chapter}.html").read_text(encoding="utf-8")
    days = outline.page("medical-imaging/exercises/index").exercise_days
    assert f"{outline.linked_reading_total:g} min of linked reading, {days:g} days" in chapter


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


def test_the_home_page_lists_the_chapters_pages_not_its_sections(built_site):
    home = (built_site.html / "index.html").read_text(encoding="utf-8")
    chapter_list = home.split('<div class="toctree-wrapper compound">')[1].split("</div>")[0]
    links = re.findall(r'<a class="reference internal" href="([^"]+)">', chapter_list)
    outline = load_outline()
    assert links == [f"{page.doc}.html" for page in outline.pages]
    assert [link for link in links if "#" in link] == []
