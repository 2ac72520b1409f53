"""The reading-time extension, built for real on tiny projects under tests/roots/.

Expected minutes are computed here from the pages' source text with the documented rules
(230 words a minute, 30 code lines a minute, table words at half weight, Medium's image rule),
never taken from the extension's own output.
"""

import math
import re
import shutil
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from sphinx.errors import ConfigError
from sphinx.testing.util import SphinxTestApp

from imaging_course.sphinxext.reading_time.counting import image_seconds, minutes_to_read

WORDS_PER_MINUTE = 230
CODE_LINES_PER_MINUTE = 30
TABLE_WORD_WEIGHT = 0.5

EN_DASH = "\N{EN DASH}"  # what a syllabus cell shows for "none"

CHAPTER_PAGES = [
    "index",
    "prose",
    "nested",
    "slow",
    "code",
    "table",
    "images",
    "extras",
    "exercises",
]


@dataclass(frozen=True)
class Built:
    """A finished build: its source copy, HTML output, warnings, and the app."""

    src: Path
    html: Path
    warnings: str
    app: SphinxTestApp

    def page(self, docname: str) -> str:
        return (self.html / f"{docname}.html").read_text(encoding="utf-8")


def build(rootdir: Path, root: str, dest: Path, *, parallel: int = 0, **kwargs) -> Built:
    """Copy ``tests/roots/test-<root>`` to ``dest`` (unless there already) and build it."""
    src = dest / "src"
    if not src.exists():
        shutil.copytree(rootdir / f"test-{root}", src)
    warnings = StringIO()
    app = SphinxTestApp(
        "html",
        srcdir=src,
        builddir=dest / "_build",
        status=StringIO(),
        warning=warnings,
        parallel=parallel,
        **kwargs,
    )
    try:
        app.build()
    finally:
        app.cleanup()
    return Built(src, Path(app.outdir), warnings.getvalue(), app)


@pytest.fixture(scope="module")
def chapter(rootdir, tmp_path_factory) -> Built:
    """The test chapter, built once, serially."""
    return build(rootdir, "reading-time", tmp_path_factory.mktemp("serial"))


def badge(html: str) -> str:
    """The reading-time line's text, tags stripped."""
    match = re.search(r'<p class="reading-time">(.*?)</p>', html, re.DOTALL)
    assert match, "no reading-time line in the page"
    return re.sub(r"<[^>]+>", "", match.group(1))


def own_minutes_shown(html: str) -> int:
    match = re.search(r'<span class="reading-time-own">(\d+) min read</span>', html)
    assert match, "no own-minutes span in the page"
    return int(match.group(1))


def syllabus_rows(html: str) -> list[list[str]]:
    """Cells (text) of each body row of the syllabus table."""
    table = re.search(r'<table class="reading-syllabus.*?<tbody>(.*?)</tbody>', html, re.DOTALL)
    assert table, "no syllabus table in the page"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.DOTALL)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in rows
    ]


@dataclass
class SourceText:
    """What a page's Markdown source holds, counted the simple way a reader would."""

    front_matter: dict[str, str]
    prose_words: int = 0
    code_lines: int = 0
    table_words: int = 0
    images: int = 0


def read_source(path: Path) -> SourceText:
    """Count prose words, code lines, table words and images of one of the test pages.

    Understands the little Markdown the test pages use: front matter, headings, paragraphs,
    fenced blocks (code is counted, toctree and syllabus are not), pipe tables and images.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    front_matter: dict[str, str] = {}
    if lines[0] == "---":
        end = lines.index("---", 1)
        for line in lines[1:end]:
            key, value = line.split(":", 1)
            front_matter[key.strip()] = value.strip()
        lines = lines[end + 1 :]
    text = SourceText(front_matter)
    fence = None
    for line in lines:
        if line.startswith("```"):
            fence = None if fence is not None else line[3:]
            continue
        if fence == "python":
            text.code_lines += bool(line.strip())
        elif fence is not None:
            continue
        elif line.startswith("!["):
            text.images += 1
        elif line.startswith("|"):
            cells = line.strip("|").split("|")
            if not set("".join(cells)) <= set("- "):
                text.table_words += sum(len(cell.split()) for cell in cells)
        elif not line.startswith("("):  # "(label)=" targets are not read
            text.prose_words += len(line.lstrip("#").split())
    return text


def expected_minutes(text: SourceText, words_per_minute: float = WORDS_PER_MINUTE) -> int:
    seconds = (
        60 * (text.prose_words + TABLE_WORD_WEIGHT * text.table_words) / words_per_minute
        + 60 * text.code_lines / CODE_LINES_PER_MINUTE
        + sum(max(12 - k, 3) for k in range(text.images))
    )
    return max(1, math.ceil(seconds / 60))


def test_build_has_no_warnings(chapter):
    assert chapter.warnings == ""


def test_every_page_shows_minutes_under_its_title(chapter):
    for docname in CHAPTER_PAGES:
        html = chapter.page(docname)
        assert re.search(r'</h1>\s*<p class="reading-time"><span class="reading-time-own">', html)


def test_prose_minutes_follow_the_word_count(chapter):
    text = read_source(chapter.src / "prose.md")
    assert text.prose_words > 2 * WORDS_PER_MINUTE  # long enough to round up to 3 min
    assert own_minutes_shown(chapter.page("prose")) == math.ceil(text.prose_words / 230)


def test_front_matter_overrides_words_per_minute(chapter):
    text = read_source(chapter.src / "slow.md")
    wpm = float(text.front_matter["reading_time_wpm"])
    assert own_minutes_shown(chapter.page("slow")) == math.ceil(text.prose_words / wpm)
    assert own_minutes_shown(chapter.page("slow")) > math.ceil(text.prose_words / 230)


@pytest.mark.parametrize("docname", ["code", "table", "images"])
def test_code_tables_and_images_are_weighted(chapter, docname):
    text = read_source(chapter.src / f"{docname}.md")
    assert text.code_lines + text.table_words + text.images > 0
    assert own_minutes_shown(chapter.page(docname)) == expected_minutes(text)


def test_code_counted_by_lines_not_words(chapter):
    # 75 lines of "x = N": as words they would read in 1 minute, as lines they take 3.
    text = read_source(chapter.src / "code.md")
    as_words = math.ceil((text.prose_words + 3 * text.code_lines) / WORDS_PER_MINUTE)
    assert own_minutes_shown(chapter.page("code")) != as_words


def test_admonition_is_prose_and_quiz_counts_its_question_only(chapter):
    source = (chapter.src / "extras.md").read_text(encoding="utf-8")
    title = re.search(r"^# (.+)$", source, re.M).group(1)
    note = re.search(r"```\{note\}\n(.*?)\n```", source, re.S).group(1)
    question = re.search(r"```\{fake-quiz\} (.+)$", source, re.M).group(1)
    words = len(title.split()) + len(note.split()) + len(question.split())
    assert own_minutes_shown(chapter.page("extras")) == math.ceil(words / WORDS_PER_MINUTE)


def test_linked_minutes_and_exercise_days_shown_apart(chapter):
    linked = read_source(chapter.src / "prose.md").front_matter["linked_reading_minutes"]
    days = read_source(chapter.src / "exercises.md").front_matter["exercise_days"]
    assert badge(chapter.page("prose")) == (
        f"{own_minutes_shown(chapter.page('prose'))} min read · {linked} min of linked reading"
    )
    assert badge(chapter.page("exercises")).endswith(f" · {days} days of exercises")
    assert "linked" not in badge(chapter.page("code"))


def test_syllabus_lists_every_page_then_the_total(chapter):
    rows = syllabus_rows(chapter.page("index"))
    titles = [
        re.search(r"^# (.+)$", (chapter.src / f"{name}.md").read_text(), re.M).group(1)
        for name in CHAPTER_PAGES
    ]
    assert [row[0] for row in rows] == [*titles, "Total"]
    own = [own_minutes_shown(chapter.page(name)) for name in CHAPTER_PAGES]
    linked = [
        int(read_source(chapter.src / f"{name}.md").front_matter.get("linked_reading_minutes", 0))
        for name in CHAPTER_PAGES
    ]
    for row, minutes, linked_minutes in zip(rows[:-1], own, linked, strict=True):
        assert row[1] == f"{minutes} min"
        assert row[2] == (f"{linked_minutes} min" if linked_minutes else EN_DASH)
    assert rows[CHAPTER_PAGES.index("exercises")][3] == "2 days"
    assert rows[-1] == ["Total", f"{sum(own)} min", f"{sum(linked)} min", "2 days"]
    table = chapter.page("index").split('<table class="reading-syllabus', 1)[1]
    links = re.findall(r'<a class="reference internal" href="([^"]*)"', table.split("</table>")[0])
    assert links == ["#", *(f"{name}.html" for name in CHAPTER_PAGES[1:])]


def test_chapter_badge_shows_the_sum_of_its_sections(chapter):
    own = sum(own_minutes_shown(chapter.page(name)) for name in CHAPTER_PAGES)
    declared = read_source(chapter.src / "index.md").front_matter["linked_reading_total"]
    assert badge(chapter.page("index")).endswith(
        f"Whole chapter: {own} min read, {declared} min of linked reading, 2 days of exercises"
    )


def test_parallel_build_gives_the_same_pages(rootdir, tmp_path, chapter):
    parallel = build(rootdir, "reading-time", tmp_path, parallel=2)
    assert parallel.app.is_parallel_allowed("read")
    assert parallel.app.is_parallel_allowed("write")
    assert parallel.warnings == ""
    for docname in CHAPTER_PAGES:
        assert badge(parallel.page(docname)) == badge(chapter.page(docname))
    assert syllabus_rows(parallel.page("index")) == syllabus_rows(chapter.page("index"))


def test_editing_a_section_updates_the_chapter_on_an_incremental_build(rootdir, tmp_path):
    first = build(rootdir, "reading-time", tmp_path)
    nested = first.src / "nested.md"
    longer = nested.read_text(encoding="utf-8") + "\n" + "word " * (4 * WORDS_PER_MINUTE) + "\n"
    nested.write_text(longer, encoding="utf-8")
    second = build(rootdir, "reading-time", tmp_path)
    minutes = math.ceil(read_source(nested).prose_words / WORDS_PER_MINUTE)
    assert own_minutes_shown(second.page("nested")) == minutes
    nested_row = syllabus_rows(second.page("index"))[CHAPTER_PAGES.index("nested")]
    assert nested_row[1] == f"{minutes} min"


def front_matter_line(page: Path, key: str) -> int:
    """The line number of ``key:`` in ``page`` (the test's own reading of the source)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.startswith(f"{key}:"))


def test_wrong_total_and_non_number_warn_naming_file_and_line(rootdir, tmp_path):
    built = build(rootdir, "reading-time-warnings", tmp_path)
    warnings = [line for line in built.warnings.splitlines() if "WARNING" in line]
    assert len(warnings) == 2, built.warnings
    total = next(line for line in warnings if "[reading_time.total]" in line)
    chapter = built.src / "index.md"
    assert f"{chapter}:{front_matter_line(chapter, 'linked_reading_total')}: WARNING:" in total
    assert "30 min" in total
    assert "10 min" in total
    not_number = next(line for line in warnings if "[reading_time.front_matter]" in line)
    page = built.src / "not-a-number.md"
    assert f"{page}:{front_matter_line(page, 'linked_reading_minutes')}: WARNING:" in not_number
    assert "linked_reading_minutes" in not_number
    assert "'about ten'" in not_number


def test_a_bad_config_value_stops_the_build_naming_it(rootdir, tmp_path):
    with pytest.raises(ConfigError, match="reading_time_words_per_minute"):
        build(
            rootdir,
            "reading-time-warnings",
            tmp_path,
            confoverrides={"reading_time_words_per_minute": 0},
        )


@pytest.mark.parametrize(
    ("images", "seconds"),
    [(0, 0), (1, 12), (2, 12 + 11), (10, 75), (11, 75 + 3), (12, 75 + 3 + 3)],
)
def test_image_seconds_follow_mediums_rule(images, seconds):
    assert image_seconds(images) == seconds


@pytest.mark.parametrize(
    ("seconds", "minutes"), [(0.0, 1), (59.9, 1), (60.0, 1), (60.1, 2), (460 / 230 * 60, 2)]
)
def test_minutes_round_up_with_a_floor_of_one(seconds, minutes):
    assert minutes_to_read(seconds) == minutes


def test_figures_declared_in_the_configuration_count_as_front_matter(rootdir, tmp_path):
    source = tmp_path / "src"
    shutil.copytree(rootdir / "test-reading-time", source)
    prose = source / "prose.md"
    linked = read_source(prose).front_matter.pop("linked_reading_minutes")
    front_matter = f"---\nlinked_reading_minutes: {linked}\n---\n"
    text = prose.read_text(encoding="utf-8")
    assert text.startswith(front_matter)
    prose.write_text(text.removeprefix(front_matter), encoding="utf-8")

    built = build(
        rootdir,
        "reading-time",
        tmp_path,
        confoverrides={"reading_time_declared": {"prose": {"linked_reading_minutes": int(linked)}}},
    )

    assert built.warnings == ""  # the chapter's declared total still adds up
    assert badge(built.page("prose")).endswith(f" · {linked} min of linked reading")
    prose_row = syllabus_rows(built.page("index"))[CHAPTER_PAGES.index("prose")]
    assert prose_row[2] == f"{linked} min"


def test_a_figure_declared_twice_warns_naming_the_page_and_line(rootdir, tmp_path):
    built = build(
        rootdir,
        "reading-time",
        tmp_path,
        confoverrides={"reading_time_declared": {"prose": {"linked_reading_minutes": 17}}},
    )
    page = built.src / "prose.md"
    line = front_matter_line(page, "linked_reading_minutes")
    assert f"{page}:{line}: WARNING: front matter linked_reading_minutes" in built.warnings
    assert "[reading_time.declared_twice]" in built.warnings


@pytest.mark.parametrize(
    ("declared", "named"),
    [
        ({"prose": {"linked_minutes": 3}}, "unknown figure 'linked_minutes'"),
        ({"prose": {"exercise_days": -1}}, "must be a non-negative number"),
        ({"prose": 3}, "must be a dict of figures"),
    ],
)
def test_a_bad_declared_figure_stops_the_build_naming_it(rootdir, tmp_path, declared, named):
    with pytest.raises(ConfigError, match=named):
        build(rootdir, "reading-time", tmp_path, confoverrides={"reading_time_declared": declared})
