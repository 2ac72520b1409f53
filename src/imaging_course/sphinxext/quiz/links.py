"""The ``{quiz-export}`` role: a link from a page to ``quizzes.json`` or ``quizzes.gift``.

The exports are written at the end of the build, so a plain Markdown link to them would be
reported as a missing file. The role leaves a :class:`QuizExportLink` placeholder; once the
builder is known (``doctree-resolved``) it becomes a link relative to the page (right for
``html`` and ``dirhtml`` alike), or the bare file name outside HTML.
Usage: ``{quiz-export}`json``` or ``{quiz-export}`gift```.
"""

import posixpath

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxRole

from .export import EXPORT_NAMES


class QuizExportLink(nodes.General, nodes.Inline, nodes.Element):
    """Placeholder for a link to the export file named by attribute ``filename``."""


class QuizExportRole(SphinxRole):
    """Link to one of the quiz exports; the role's text picks it (``json`` or ``gift``)."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        filename = EXPORT_NAMES.get(self.text.strip())
        if filename is None:
            message = self.inliner.reporter.error(
                f"quiz-export: unknown export {self.text!r}; use one of {', '.join(EXPORT_NAMES)}",
                line=self.lineno,
            )
            return [], [message]
        return [QuizExportLink(filename=filename)], []


def resolve_export_links(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: each placeholder becomes a link (HTML) or the file name."""
    for placeholder in list(doctree.findall(QuizExportLink)):
        filename = placeholder["filename"]
        literal = nodes.literal("", filename)
        if app.builder.format != "html":
            placeholder.replace_self(literal)
            continue
        page_folder = posixpath.dirname(app.builder.get_target_uri(docname))
        refuri = posixpath.relpath(filename, page_folder or ".")
        placeholder.replace_self(nodes.reference("", "", literal, refuri=refuri, internal=False))
