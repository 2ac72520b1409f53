"""The doctree nodes of a quiz and how the HTML builders write them.

A quiz is one :class:`Quiz` holding a :class:`QuizForm` (the question as :class:`QuizQuestion`,
then either :class:`QuizChoice` items or one :class:`QuizNumericInput`), an optional
:class:`QuizHint` and a :class:`QuizAnswer` (the answer, per-choice feedback and explanation,
as ordinary docutils nodes). HTML gets a ``<fieldset>`` with a ``<legend>``, real radio or
checkbox inputs with labels, an ``aria-live`` feedback region and ``<details>`` for the hint and
the answer, so that the page reads well without JavaScript. Other builders never see these
nodes: :mod:`.transforms` replaces them with plain paragraphs and lists first.
"""

from html import escape

from docutils import nodes

#: Text of the controls that ``quiz.js`` brings to life (hidden without JavaScript).
CHECK_LABEL = "Check"
RESET_LABEL = "Reset"
HINT_SUMMARY = "Hint"
ANSWER_SUMMARY = "Answer"
NUMERIC_LABEL = "Your answer"


class Quiz(nodes.General, nodes.Element):
    """One question. Attributes: ``quiz_id``, ``kind``, ``config`` (JSON for ``quiz.js``)."""


class QuizForm(nodes.General, nodes.Element):
    """The question and its inputs: ``<form><fieldset>`` plus the Check/Reset buttons."""


class QuizQuestion(nodes.General, nodes.TextElement):
    """The question text (inline nodes), written as the fieldset's ``<legend>``."""


class QuizChoice(nodes.General, nodes.Element):
    """One choice. Attributes: ``index``, ``input_type`` (radio/checkbox), ``name``, ``input_id``.

    Children: a :class:`QuizChoiceLabel`, then an optional :class:`QuizChoiceFeedback`.
    """


class QuizChoiceLabel(nodes.General, nodes.TextElement):
    """The text of a choice (inline nodes), written as the input's ``<label>``."""


class QuizChoiceFeedback(nodes.General, nodes.TextElement):
    """What to tell a learner who picks this choice; shown by ``quiz.js`` after checking."""


class QuizNumericInput(nodes.General, nodes.Element):
    """The input of a numeric question. Attributes: ``input_id``, ``name``, ``unit``."""


class QuizHint(nodes.General, nodes.Element):
    """The hint, folded in a ``<details>``."""


class QuizAnswer(nodes.General, nodes.Element):
    """The answer, the feedback of every choice and the explanation, folded in a ``<details>``."""


def visit_quiz_html(self, node: Quiz) -> None:
    self.body.append(
        f'<div class="quiz quiz-{escape(node["kind"])}" id="quiz-{escape(node["quiz_id"])}" '
        f'data-quiz-id="{escape(node["quiz_id"])}" data-quiz="{escape(node["config"])}">\n'
    )


def depart_quiz_html(self, node: Quiz) -> None:
    self.body.append("</div>\n")


def visit_quiz_form_html(self, node: QuizForm) -> None:
    self.body.append(
        '<form class="quiz-form" autocomplete="off">\n<fieldset class="quiz-fieldset">\n'
    )


def depart_quiz_form_html(self, node: QuizForm) -> None:
    self.body.append(
        "</fieldset>\n"
        '<div class="quiz-actions" hidden>'
        f'<button type="submit" class="quiz-check">{CHECK_LABEL}</button> '
        f'<button type="button" class="quiz-reset">{RESET_LABEL}</button>'
        "</div>\n</form>\n"
        '<div class="quiz-feedback" role="status" aria-live="polite"></div>\n'
    )


def visit_quiz_question_html(self, node: QuizQuestion) -> None:
    self.body.append('<legend class="quiz-question">')


def depart_quiz_question_html(self, node: QuizQuestion) -> None:
    self.body.append("</legend>\n")


def visit_quiz_choice_html(self, node: QuizChoice) -> None:
    self.body.append(
        f'<div class="quiz-choice" data-choice="{node["index"]}">'
        f'<input type="{node["input_type"]}" name="{escape(node["name"])}" '
        f'id="{escape(node["input_id"])}" value="{node["index"]}">'
    )


def depart_quiz_choice_html(self, node: QuizChoice) -> None:
    self.body.append("</div>\n")


def visit_quiz_choice_label_html(self, node: QuizChoiceLabel) -> None:
    input_id = escape(node.parent["input_id"])
    self.body.append(f'<label for="{input_id}">')


def depart_quiz_choice_label_html(self, node: QuizChoiceLabel) -> None:
    self.body.append("</label>")


def visit_quiz_choice_feedback_html(self, node: QuizChoiceFeedback) -> None:
    feedback_id = escape(node.parent["input_id"]) + "-feedback"
    self.body.append(f'<div class="quiz-choice-feedback" id="{feedback_id}" hidden>')


def depart_quiz_choice_feedback_html(self, node: QuizChoiceFeedback) -> None:
    self.body.append("</div>")


def visit_quiz_numeric_input_html(self, node: QuizNumericInput) -> None:
    input_id = escape(node["input_id"])
    unit = node["unit"]
    described_by = f' aria-describedby="{input_id}-unit"' if unit else ""
    unit_html = (
        f' <span class="quiz-unit" id="{input_id}-unit">{escape(unit)}</span>' if unit else ""
    )
    self.body.append(
        f'<div class="quiz-numeric"><label for="{input_id}">{NUMERIC_LABEL}</label> '
        f'<input type="text" inputmode="decimal" id="{input_id}" name="{escape(node["name"])}"'
        f"{described_by}>{unit_html}</div>\n"
    )
    raise nodes.SkipNode


def visit_quiz_hint_html(self, node: QuizHint) -> None:
    self.body.append(f'<details class="quiz-hint"><summary>{HINT_SUMMARY}</summary>\n')


def visit_quiz_answer_html(self, node: QuizAnswer) -> None:
    self.body.append(f'<details class="quiz-answer"><summary>{ANSWER_SUMMARY}</summary>\n')


def depart_details_html(self, node: nodes.Element) -> None:
    self.body.append("</details>\n")


#: (node class, visit, depart) for ``app.add_node(cls, html=(visit, depart))``.
HTML_VISITORS = (
    (Quiz, visit_quiz_html, depart_quiz_html),
    (QuizForm, visit_quiz_form_html, depart_quiz_form_html),
    (QuizQuestion, visit_quiz_question_html, depart_quiz_question_html),
    (QuizChoice, visit_quiz_choice_html, depart_quiz_choice_html),
    (QuizChoiceLabel, visit_quiz_choice_label_html, depart_quiz_choice_label_html),
    (QuizChoiceFeedback, visit_quiz_choice_feedback_html, depart_quiz_choice_feedback_html),
    (QuizNumericInput, visit_quiz_numeric_input_html, None),
    (QuizHint, visit_quiz_hint_html, depart_details_html),
    (QuizAnswer, visit_quiz_answer_html, depart_details_html),
)
