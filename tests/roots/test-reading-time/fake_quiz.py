"""A stand-in for the quiz extension: a node that says, through ``reading_time_text``, that
only its question is reading; its choices (the directive content) are not."""

from docutils import nodes
from sphinx.util.docutils import SphinxDirective


class FakeQuizDirective(SphinxDirective):
    has_content = True
    required_arguments = 1
    final_argument_whitespace = True

    def run(self):
        question = self.arguments[0]
        quiz = nodes.container(classes=["fake-quiz"], reading_time_text=question)
        quiz += nodes.paragraph(text=question)
        quiz += nodes.paragraph(text="\n".join(self.content))
        return [quiz]


def setup(app):
    app.add_directive("fake-quiz", FakeQuizDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
