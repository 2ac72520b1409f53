"""The chapter's outline (``docs/medical-imaging/outline.toml``): its pages, their links and times.

The outline holds the facts of the chapter as it was handed over: which readings each page links
to (the title the link shows and its address), the minutes of those readings, the days of the
exercises, the book it recommends and the labels other chapters link to. ``conf.py`` reads it to
give the reading-time extension each page's figures (:meth:`ChapterOutline.reading_figures`);
the tests read it to check the pages and the built site against it.

:func:`load_outline` refuses a file it cannot use with :class:`OutlineError`, naming the file
and what is wrong, so a typo stops the build with one line instead of a wrong reading time.
"""

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

OUTLINE_PATH = Path(__file__).resolve().parents[2] / "docs" / "medical-imaging" / "outline.toml"
"""The course's outline in the checkout (``conf.py`` finds it beside the pages it builds)."""


class OutlineError(ValueError):
    """The outline file cannot be read or does not say what the site needs."""


@dataclass(frozen=True)
class Link:
    """A reading a page links to: the text the link shows and where it goes."""

    title: str
    url: str


@dataclass(frozen=True)
class Book:
    """A book a page recommends (no link: it is cited by its ISBN)."""

    author: str
    title: str
    isbn: str


@dataclass(frozen=True)
class OutlinePage:
    """One page of the chapter: its docname (path under ``docs/`` without suffix) and facts."""

    doc: str
    links: tuple[Link, ...] = ()
    books: tuple[Book, ...] = ()
    linked_reading_minutes: float = 0.0
    exercise_days: float = 0.0


@dataclass(frozen=True)
class ChapterOutline:
    """The whole outline: the chapter page's docname, its total, its labels and its pages."""

    chapter: str
    linked_reading_total: float
    labels: tuple[str, ...]
    pages: tuple[OutlinePage, ...]

    def page(self, doc: str) -> OutlinePage:
        """The page ``doc``; KeyError when the outline has no such page."""
        for page in self.pages:
            if page.doc == doc:
                return page
        raise KeyError(doc)

    def links(self) -> list[Link]:
        """Every link of every page, in the outline's order."""
        return [link for page in self.pages for link in page.links]

    def reading_figures(self) -> dict[str, dict[str, float]]:
        """The ``reading_time_declared`` configuration value: each page's declared minutes of
        linked reading and days of exercises (only those it has), and the chapter's total."""
        figures: dict[str, dict[str, float]] = {}
        for page in self.pages:
            declared = {
                "linked_reading_minutes": page.linked_reading_minutes,
                "exercise_days": page.exercise_days,
            }
            figures[page.doc] = {key: value for key, value in declared.items() if value}
        figures.setdefault(self.chapter, {})["linked_reading_total"] = self.linked_reading_total
        return figures


def load_outline(path: Path = OUTLINE_PATH) -> ChapterOutline:
    """Read and check the outline at ``path``; :class:`OutlineError` names the file and the
    problem (unreadable TOML, a missing or mistyped key, minutes that do not add up)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise OutlineError(f"{path}: cannot read the chapter outline: {error}") from error
    try:
        outline = _outline(data)
    except (TypeError, ValueError) as error:
        raise OutlineError(f"{path}: {error}") from error
    summed = sum(page.linked_reading_minutes for page in outline.pages)
    if not math.isclose(summed, outline.linked_reading_total):
        raise OutlineError(
            f"{path}: linked_reading_total is {outline.linked_reading_total:g} min, but the "
            f"pages' linked_reading_minutes add up to {summed:g} min"
        )
    return outline


def _outline(data: dict) -> ChapterOutline:
    pages = tuple(_page(number, entry) for number, entry in enumerate(_list(data, "pages"), 1))
    docs = [page.doc for page in pages]
    if len(set(docs)) != len(docs):
        raise ValueError(f"a page is listed twice: {sorted(d for d in docs if docs.count(d) > 1)}")
    chapter = _text(data, "chapter")
    if chapter not in docs:
        raise ValueError(f"the chapter page {chapter!r} is not among the pages")
    return ChapterOutline(
        chapter=chapter,
        linked_reading_total=_minutes(data, "linked_reading_total"),
        labels=tuple(_text({"label": label}, "label") for label in _list(data, "labels")),
        pages=pages,
    )


def _page(number: int, entry: dict) -> OutlinePage:
    where = f"page {number}"
    if not isinstance(entry, dict):
        raise TypeError(f"{where} is not a table")
    doc = _text(entry, "doc", where)
    where = f"page {doc!r}"
    links = tuple(Link(*_strings(pair, 2, f"{where}, link")) for pair in entry.get("links", []))
    books = tuple(Book(*_strings(row, 3, f"{where}, book")) for row in entry.get("books", []))
    return OutlinePage(
        doc=doc,
        links=links,
        books=books,
        linked_reading_minutes=_minutes(entry, "linked_reading_minutes", where, default=0.0),
        exercise_days=_minutes(entry, "exercise_days", where, default=0.0),
    )


def _require(data: dict, key: str, where: str = "the outline"):
    if key not in data:
        raise ValueError(f"{where} has no {key!r}")
    return data[key]


def _list(data: dict, key: str) -> list:
    value = _require(data, key)
    if not isinstance(value, list):
        raise TypeError(f"{key} must be a list, got {value!r}")
    return value


def _text(data: dict, key: str, where: str = "the outline") -> str:
    value = _require(data, key, where)
    if not isinstance(value, str) or not value.strip():
        raise TypeError(f"{where}: {key} must be a non-empty string, got {value!r}")
    return value


def _strings(row: object, count: int, where: str) -> list[str]:
    if not (isinstance(row, list) and len(row) == count and all(isinstance(s, str) for s in row)):
        raise TypeError(f"{where} must be a list of {count} strings, got {row!r}")
    return row


def _minutes(data: dict, key: str, where: str = "the outline", default: float | None = None):
    if key not in data and default is not None:
        return default
    value = _require(data, key, where)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise TypeError(f"{where}: {key} must be a non-negative number, got {value!r}")
    return float(value)
