"""The ``{reading-syllabus}`` directive: a chapter's table of pages and their reading times.

Usage (MyST), on the chapter page, no arguments, no options, no content::

    ```{reading-syllabus}
    ```

The directive only marks the spot; the table is built while the page is written, when every
section has been read: one row per page (the chapter page, then its toctree descendants, depth
first) with its own reading minutes, declared linked-reading minutes and exercise days, then a
total row.
"""

from docutils import nodes
from sphinx import addnodes
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective

from .collector import PageReading, chapter_totals, format_number, page_and_descendants, pages_of
from .nodes import ReadingSyllabus

COLUMNS = ("Page", "Reading", "Linked reading", "Exercises")
NOTHING = "\N{EN DASH}"


class ReadingSyllabusDirective(SphinxDirective):
    """Marks where the chapter's syllabus table goes (see the module docstring)."""

    has_content = False
    required_arguments = 0
    optional_arguments = 0

    def run(self) -> list[nodes.Node]:
        placeholder = ReadingSyllabus()
        self.set_source_info(placeholder)
        return [placeholder]


def syllabus_table(env: BuildEnvironment, docname: str) -> nodes.table:
    """The syllabus of chapter ``docname``: a row per page, then the total row.

    Page cells are ``:doc:`` cross-references, resolved by Sphinx afterwards for any builder.
    """
    pages = pages_of(env)
    body_rows = [
        [_doc_link(name, docname), *_figures(pages[name])]
        for name in page_and_descendants(env, docname)
        if name in pages
    ]
    total_row = [nodes.strong(text="Total"), *_figures(chapter_totals(env, docname))]
    return _table([*body_rows, total_row])


def minutes_text(minutes: float) -> str:
    """``"13 min"``, or an en dash for none."""
    return f"{format_number(minutes)} min" if minutes else NOTHING


def days_text(days: float) -> str:
    """``"1 day"``, ``"2 days"``, ``"0.5 days"``, or an en dash for none."""
    if not days:
        return NOTHING
    return f"{format_number(days)} {'day' if days == 1 else 'days'}"


def _figures(page: PageReading) -> list[nodes.Node]:
    return [
        nodes.Text(minutes_text(page.own_minutes)),
        nodes.Text(minutes_text(page.linked_minutes)),
        nodes.Text(days_text(page.exercise_days)),
    ]


def _doc_link(target: str, from_docname: str) -> addnodes.pending_xref:
    link = addnodes.pending_xref(
        "",
        refdomain="std",
        reftype="doc",
        reftarget="/" + target,
        refdoc=from_docname,
        refexplicit=False,
        refwarn=True,
    )
    link += nodes.inline(text=target)
    return link


def _table(rows: list[list[nodes.Node]]) -> nodes.table:
    table = nodes.table(classes=["reading-syllabus"])
    group = nodes.tgroup(cols=len(COLUMNS))
    table += group
    group.extend(nodes.colspec(colwidth=1) for _ in COLUMNS)
    head = nodes.thead()
    head += _row([nodes.Text(title) for title in COLUMNS])
    body = nodes.tbody()
    body.extend(_row(cells) for cells in rows)
    group += head
    group += body
    return table


def _row(cells: list[nodes.Node]) -> nodes.row:
    row = nodes.row()
    for content in cells:
        entry = nodes.entry()
        entry += nodes.paragraph("", "", content)
        row += entry
    return row
