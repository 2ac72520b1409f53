"""Cross-page state of the reading-time extension: what each page takes to read.

Everything another page needs (a chapter sums its sections) lives in ``env.reading_time_pages``,
filled by :class:`ReadingTimeCollector` while each page is read and merged back from the
processes of a parallel build, so that ``parallel_read_safe`` is true.

Declared figures, from the page's front matter (flat, numbers; myst-parser hands them over as
strings) or from the ``reading_time_declared`` configuration value (see the package docstring):

``linked_reading_minutes``
    minutes of the readings the page links to;
``linked_reading_total``
    on a chapter page: the declared total of ``linked_reading_minutes`` over the page and its
    toctree descendants (checked: the build warns when the sum differs);
``exercise_days``
    days of exercise work the page asks for;
``reading_time_wpm`` (front matter only)
    this page's words per minute, instead of ``reading_time_words_per_minute``.
"""

import math
from dataclasses import dataclass
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors import EnvironmentCollector
from sphinx.util import logging

from .counting import count_reading_load, minutes_to_read, reading_seconds
from .nodes import ReadingSyllabus

logger = logging.getLogger(__name__)

WARNING_TYPE = "reading_time"
DECLARED_KEYS = ("linked_reading_minutes", "linked_reading_total", "exercise_days")
"""The figures a page may declare in its front matter or in ``reading_time_declared``."""


@dataclass(frozen=True)
class PageReading:
    """Reading figures of one page.

    Attributes
    ----------
    own_minutes : int
        Minutes to read the page's own text, rounded up, at least 1.
    linked_minutes : float
        Declared minutes of linked readings (``linked_reading_minutes``; 0 if none).
    exercise_days : float
        Declared days of exercise work (``exercise_days``; 0 if none).
    declared_total : float or None
        ``linked_reading_total`` of a chapter page, None elsewhere.
    has_syllabus : bool
        Whether the page holds a ``{reading-syllabus}`` table.
    """

    own_minutes: int
    linked_minutes: float = 0.0
    exercise_days: float = 0.0
    declared_total: float | None = None
    has_syllabus: bool = False

    @property
    def sums_its_sections(self) -> bool:
        """A chapter page: shows totals over its toctree descendants."""
        return self.declared_total is not None or self.has_syllabus


def pages_of(env: BuildEnvironment) -> dict[str, PageReading]:
    """The reading figures of every page read so far, by docname."""
    if not hasattr(env, "reading_time_pages"):
        env.reading_time_pages = {}
    return env.reading_time_pages


def page_and_descendants(env: BuildEnvironment, docname: str) -> list[str]:
    """``docname`` then every page below it in the toctree, depth first, each once."""
    ordered: list[str] = []
    pending = [docname]
    while pending:
        current = pending.pop()
        if current in ordered:
            continue
        ordered.append(current)
        pending.extend(reversed(env.toctree_includes.get(current, [])))
    return ordered


class ReadingTimeCollector(EnvironmentCollector):
    """Counts each page when it is read; keeps the figures in ``env.reading_time_pages``."""

    def clear_doc(self, app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        pages_of(env).pop(docname, None)
        _docs_changed_in_this_build(env).add(docname)

    def merge_other(
        self, app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment
    ) -> None:
        ours, theirs = pages_of(env), pages_of(other)
        for docname in docnames:
            if docname in theirs:
                ours[docname] = theirs[docname]

    def process_doc(self, app: Sphinx, doctree: nodes.document) -> None:
        env = app.env
        docname = env.docname
        metadata = env.metadata[docname]
        config = app.config
        source = env.doc2path(docname)

        declared = config.reading_time_declared.get(docname, {})

        def number(key: str, *, positive: bool = False) -> float | None:
            if key in declared and key in metadata:
                logger.warning(
                    "front matter %s: also declared in reading_time_declared; a figure is "
                    "declared in one place (the front matter's is used)",
                    key,
                    location=(docname, front_matter_line(source, key)),
                    type=WARNING_TYPE,
                    subtype="declared_twice",
                )
            if key in declared and key not in metadata:
                return float(declared[key])
            return _front_matter_number(metadata, key, (docname, source), positive=positive)

        words_per_minute = number("reading_time_wpm", positive=True)
        seconds = reading_seconds(
            count_reading_load(doctree),
            words_per_minute=words_per_minute or config.reading_time_words_per_minute,
            code_lines_per_minute=config.reading_time_code_lines_per_minute,
            table_word_weight=config.reading_time_table_word_weight,
        )
        pages_of(env)[docname] = PageReading(
            own_minutes=minutes_to_read(seconds),
            linked_minutes=number("linked_reading_minutes") or 0.0,
            exercise_days=number("exercise_days") or 0.0,
            declared_total=number("linked_reading_total"),
            has_syllabus=any(True for _ in doctree.findall(ReadingSyllabus)),
        )

    def get_updated_docs(self, app: Sphinx, env: BuildEnvironment) -> list[str]:
        """Chapter pages to write again because one of their sections may have changed."""
        changed = _docs_changed_in_this_build(env)
        if not changed:
            return []
        changed.clear()
        return sorted(name for name, page in pages_of(env).items() if page.sums_its_sections)


def chapter_totals(env: BuildEnvironment, docname: str) -> PageReading:
    """Sums over ``docname`` and its toctree descendants (pages not read yet count as nothing)."""
    pages = pages_of(env)
    parts = [pages[name] for name in page_and_descendants(env, docname) if name in pages]
    return PageReading(
        own_minutes=sum(part.own_minutes for part in parts),
        linked_minutes=sum(part.linked_minutes for part in parts),
        exercise_days=sum(part.exercise_days for part in parts),
    )


def check_declared_totals(app: Sphinx, env: BuildEnvironment) -> None:
    """Warn when a chapter's ``linked_reading_total`` differs from the sum of its parts."""
    pages = pages_of(env)
    for docname, page in sorted(pages.items()):
        if page.declared_total is None:
            continue
        source = env.doc2path(docname)
        summed = chapter_totals(env, docname).linked_minutes
        if not math.isclose(summed, page.declared_total, abs_tol=1e-9):
            logger.warning(
                "linked_reading_total is %s min, but linked_reading_minutes of the page and "
                "its toctree descendants sum to %s min",
                format_number(page.declared_total),
                format_number(summed),
                location=(docname, front_matter_line(source, "linked_reading_total")),
                type=WARNING_TYPE,
                subtype="total",
            )


def format_number(value: float) -> str:
    """``13`` for 13.0, ``7.5`` for 7.5: declared figures shown as their authors wrote them."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def front_matter_line(source: Path, key: str) -> int | None:
    """The line of ``key:`` in the front matter of ``source``, for a warning's location.

    Sphinx knows the file but not the line of a front matter key (myst-parser hands the keys
    over as a dict), so the line is looked up in the file's leading ``---`` block.
    """
    lines = source.read_text(encoding="utf-8").splitlines()
    if lines and lines[0].strip() == "---":
        for number, line in enumerate(lines[1:], start=2):
            if line.strip() == "---":
                break
            if line.split(":", 1)[0].strip() == key:
                return number
    return None


def _front_matter_number(
    metadata: dict, key: str, page: tuple[str, Path], *, positive: bool = False
) -> float | None:
    """``metadata[key]`` as a number, None when absent; a warning naming file and line when
    invalid. ``page`` is the page's docname and source file."""
    if key not in metadata:
        return None
    raw = metadata[key]
    try:
        value = float(str(raw).strip())
    except ValueError:
        value = math.nan
    wanted = "a positive number" if positive else "a non-negative number"
    if isinstance(raw, bool) or not math.isfinite(value) or value < 0 or (positive and value == 0):
        logger.warning(
            "front matter %s: %r is not %s; ignored",
            key,
            raw,
            wanted,
            location=(page[0], front_matter_line(page[1], key)),
            type=WARNING_TYPE,
            subtype="front_matter",
        )
        return None
    return value


def _docs_changed_in_this_build(env: BuildEnvironment) -> set[str]:
    """Pages cleared (to be read again, or removed) since chapters were last scheduled."""
    if not hasattr(env, "reading_time_changed"):
        env.reading_time_changed = set()
    return env.reading_time_changed
