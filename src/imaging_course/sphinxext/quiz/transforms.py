"""Quizzes for builders that are not HTML (text, LaTeX, man, ...): plain paragraphs and lists.

Such output cannot answer at once, so a quiz becomes what a printed worksheet shows: the
question, its choices (``( )`` for single choice, ``[ ]`` for multiple choice) or the unit a
number is asked in, the hint, then the answer with each choice's feedback and the explanation.
"""

from docutils import nodes
from sphinx.application import Sphinx

from .nodes import (
    Quiz,
    QuizAnswer,
    QuizChoice,
    QuizChoiceLabel,
    QuizHint,
    QuizNumericInput,
    QuizQuestion,
)

_CHOICE_MARKS = {"single": "( ) ", "multiple": "[ ] "}


def replace_quizzes_outside_html(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: for a non-HTML builder, make each quiz ordinary nodes."""
    if app.builder.format == "html":
        return
    for quiz in list(doctree.findall(Quiz)):
        quiz.replace_self(plain_quiz(quiz))


def plain_quiz(quiz: Quiz) -> nodes.container:
    """The quiz as a container of paragraphs and bullet lists."""
    plain = nodes.container(classes=["quiz"])
    question = next(iter(quiz.findall(QuizQuestion)))
    plain += nodes.paragraph("", "", nodes.strong("", "Quiz:"), nodes.Text(" "), *_copies(question))
    choices = nodes.bullet_list()
    for choice in quiz.findall(QuizChoice):
        label = next(iter(choice.findall(QuizChoiceLabel)))
        mark = nodes.Text(_CHOICE_MARKS[quiz["kind"]])
        choices += nodes.list_item("", nodes.paragraph("", "", mark, *_copies(label)))
    if len(choices):
        plain += choices
    for numeric in quiz.findall(QuizNumericInput):
        unit = f" (in {numeric['unit']})" if numeric["unit"] else ""
        plain += nodes.paragraph("", f"Answer with a number{unit}.")
    for hint in quiz.findall(QuizHint):
        plain += nodes.paragraph(
            "", "", nodes.strong("", "Hint:"), nodes.Text(" "), *_inline_copies(hint)
        )
    for answer in quiz.findall(QuizAnswer):
        plain += nodes.rubric("", "Answer")
        plain.extend(_copies(answer))
    return plain


def _copies(node: nodes.Element) -> list[nodes.Node]:
    return [child.deepcopy() for child in node.children]


def _inline_copies(wrapper: nodes.Element) -> list[nodes.Node]:
    """The inline children of the paragraph(s) inside ``wrapper``."""
    return [child.deepcopy() for paragraph in wrapper.children for child in paragraph.children]
