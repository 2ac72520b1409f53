"""The two transforms of the reading-time extension.

:class:`InsertReadingTimeBadge` (read phase) puts a placeholder under every page's title, so
authors write no markup; :class:`FillReadingTime` (write phase, once every page is counted)
replaces it, and any ``{reading-syllabus}`` placeholder, with the figures.
"""

from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform

from .collector import PageReading, chapter_totals, format_number, pages_of
from .nodes import ReadingSyllabus, ReadingTimeBadge
from .syllabus import days_text, syllabus_table

SEPARATOR = " \N{MIDDLE DOT} "


class InsertReadingTimeBadge(SphinxTransform):
    """Puts a :class:`ReadingTimeBadge` right after the page title (or at the top if none)."""

    # Before DoctreeReadEvent (880), which hands the tree to the collectors; after DocInfo (340).
    default_priority = 870

    def apply(self, **kwargs) -> None:
        document = self.document
        badge = ReadingTimeBadge()
        # Skip what precedes the title without being shown: docinfo, comments, and label
        # targets such as MyST's "(chap-medical-imaging)=".
        first = document.first_child_not_matching_class(
            (nodes.PreBibliographic, nodes.docinfo, nodes.Invisible)
        )
        if first is None:
            document += badge
        elif isinstance(document[first], nodes.section):
            document[first].insert(1, badge)  # the section's title is child 0
        else:
            document.insert(first, badge)


class FillReadingTime(SphinxPostTransform):
    """Replaces the placeholders with the page's figures and the chapter's syllabus table."""

    # Before ReferencesResolver (10), which then resolves the syllabus's page links.
    default_priority = 5

    def run(self, **kwargs) -> None:
        docname = self.env.docname
        page = pages_of(self.env).get(docname)
        for badge in list(self.document.findall(ReadingTimeBadge)):
            if page is None:
                badge.parent.remove(badge)
            else:
                badge.replace_self(self._badge(page, docname))
        for syllabus in list(self.document.findall(ReadingSyllabus)):
            syllabus.replace_self(syllabus_table(self.env, docname))

    def _badge(self, page: PageReading, docname: str) -> nodes.paragraph:
        parts = [_span(f"{page.own_minutes} min read", "reading-time-own")]
        if page.linked_minutes:
            linked = format_number(page.linked_minutes)
            parts.append(_span(f"{linked} min of linked reading", "reading-time-linked"))
        if page.exercise_days:
            parts.append(
                _span(f"{days_text(page.exercise_days)} of exercises", "reading-time-exercises")
            )
        if page.sums_its_sections:
            totals = chapter_totals(self.env, docname)
            summary = [f"{totals.own_minutes} min read"]
            if totals.linked_minutes:
                summary.append(f"{format_number(totals.linked_minutes)} min of linked reading")
            if totals.exercise_days:
                summary.append(f"{days_text(totals.exercise_days)} of exercises")
            parts.append(_span("Whole chapter: " + ", ".join(summary), "reading-time-chapter"))
        paragraph = nodes.paragraph(classes=["reading-time"])
        for index, part in enumerate(parts):
            if index:
                paragraph += nodes.Text(SEPARATOR)
            paragraph += part
        return paragraph


def _span(text: str, css_class: str) -> nodes.inline:
    return nodes.inline(text=text, classes=[css_class])
