"""The ``{quiz-export}`` role: a link from a page to ``quizzes.json`` or ``quizzes.gift``.

The exports are written at the end of the build, so a plain Markdown link to them would be
reported as a missing file; the role computes the relative address from the page to the
output root instead (right for ``html`` and ``dirhtml`` alike). Usage: ``{quiz-export}`json```
or ``{quiz-export}`gift```. Outside HTML it writes the file name only.
"""

import posixpath

from docutils import nodes
from sphinx.util.docutils import SphinxRole

from .export import EXPORT_NAMES


class QuizExportRole(SphinxRole):
    """Link to one of the quiz exports; the role's text picks it (``json`` or ``gift``)."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        name = EXPORT_NAMES.get(self.text.strip())
        if name is None:
            message = self.inliner.reporter.error(
                f"quiz-export: unknown export {self.text!r}; use one of "
                f"{', '.join(EXPORT_NAMES)}",
                line=self.lineno,
            )
            return [], [message]
        literal = nodes.literal("", name)
        if self.env.app.builder.format != "html":
            return [literal], []
        page_uri = self.env.app.builder.get_target_uri(self.env.docname)
        refuri = posixpath.relpath(name, posixpath.dirname(page_uri) or ".")
        return [nodes.reference("", "", literal, refuri=refuri, internal=False)], []
