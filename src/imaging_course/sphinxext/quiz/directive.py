"""The ``{quiz}`` directive: read the body, check it, render its inline MyST, record it.

Usage (MyST)::

    :::{quiz} Which four bytes follow the 128-byte preamble of a DICOM Part 10 file?
    :id: dicom-prefix
    :hint: Open a file in a hex viewer and look at offset 128.
    :explanation: A Part 10 file starts with a 128-byte preamble, then `DICM`.

    - [ ] The pixel data
      : Pixel data is the last element, (7FE0,0010).
    - [x] The characters `DICM`
      : Right: that is how readers recognise a Part 10 file.
    :::

Argument: the question (inline MyST). Options, read from the body by :mod:`.syntax` so that
errors name their line:

``:id:`` (required)
    Unique across the site; letters, digits, ``-`` and ``_``. Keys the learner's saved progress
    and the exports.
``:kind:``
    ``single`` (default: exactly one ``[x]``), ``multiple`` (one or more ``[x]``) or ``numeric``.
``:hint:``, ``:explanation:``
    Inline MyST; the hint is folded away, the explanation is shown with the answer.
``:answer:`` (numeric)
    The right number, or ``glue:KEY`` for the value that an executed code cell of the same page
    glued with ``myst_nb.glue(KEY, value)`` (its ``text/plain`` representation as a float).
``:tolerance:`` (numeric, default 0)
    Absolute (``0.5``, in the unit) or relative (``2%`` of the answer).
``:unit:`` (numeric)
    Shown next to the input, e.g. ``bytes``. An answer typed with this unit (``864 MiB``)
    counts as the number; another unit gets "type the number without the unit".
``:units:`` (numeric)
    Other units the answer may be typed in, each with how many of ``:unit:`` it makes:
    ``GiB = 1024, KiB = 1/1024``.

A choice's feedback that opens with its verdict (``Right: the header only.`` on a right
choice, ``Wrong, ...`` on a wrong one) is shown on the page without that word, because the
quiz already says right or wrong beside it: the learner reads "Right." once. The exports keep
the feedback as written.

An invalid quiz is reported as an error at its file and line, recorded so that the build fails
at its end (see ``fail_on_invalid_quizzes``), and left out of the page.
"""

import json
import re

from docutils import nodes
from myst_nb.core.variables import RetrievalError
from myst_nb.ext.glue.utils import retrieve_glue_data
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from .collector import WARNING_TYPE, add_problem, add_record
from .model import Choice, QuizProblem, QuizRecord, Tolerance, format_number, parse_number
from .nodes import (
    Quiz,
    QuizAnswer,
    QuizChoice,
    QuizChoiceFeedback,
    QuizChoiceLabel,
    QuizForm,
    QuizHint,
    QuizNumericInput,
    QuizQuestion,
)
from .syntax import ChoiceSource, QuizSource, QuizSyntaxError, SourceText, read_quiz_body

logger = logging.getLogger(__name__)

_INPUT_TYPES = {"single": "radio", "multiple": "checkbox"}

#: A feedback's opening that only restates its choice's verdict, by correctness.
_VERDICT_OPENING = {
    True: re.compile(r"^\s*(?:right|correct)\b[\s.,:;!]*", re.IGNORECASE),
    False: re.compile(r"^\s*(?:wrong|incorrect)\b[\s.,:;!]*", re.IGNORECASE),
}


class QuizDirective(SphinxDirective):
    """A question that answers at once: single choice, multiple choice or numeric."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    # No option_spec: MyST then hands over the raw body, which syntax.py reads line by line.
    option_spec = {}  # noqa: RUF012 (docutils' interface is a class attribute)

    def run(self) -> list[nodes.Node]:
        # MyST gives lineno as the opening's 1-based line and content_offset relative to it.
        first_content_line = self.lineno + self.content_offset + 1
        try:
            source = read_quiz_body(list(self.content), first_content_line, self.lineno)
            if source.glue_key is not None:
                source.answer = self._glued_number(source)
        except QuizSyntaxError as error:
            self._report(str(error), error.line)
            return []
        messages: list[nodes.Node] = []
        quiz = self._quiz_node(source, messages)
        return [quiz, *messages]

    def _report(self, message: str, line: int) -> None:
        docname = self.env.docname
        logger.error(message, location=(docname, line), type=WARNING_TYPE, subtype="invalid")
        problem = QuizProblem(str(self.env.doc2path(docname)), line, message)
        add_problem(self.env, docname, problem)

    def _glued_number(self, source: QuizSource) -> float:
        """The number glued under ``source.glue_key`` by this page's executed code."""
        answer = source.options["answer"]
        key = source.glue_key
        try:
            glued = retrieve_glue_data(self.state.document, key)
        except RetrievalError:
            msg = (
                f":answer: glue key {key!r} not found: no executed code cell of this page "
                f"calls myst_nb.glue({key!r}, ...) (is the page a MyST-NB notebook?)"
            )
            raise QuizSyntaxError(msg, answer.line) from None
        text = glued.data.get("text/plain", "")
        try:
            return parse_number(text)
        except ValueError:
            msg = f":answer: the value glued as {key!r} is {text!r}, not a number"
            raise QuizSyntaxError(msg, answer.line) from None

    def _inline(self, text: SourceText, messages: list[nodes.Node]) -> list[nodes.Node]:
        parsed, problems = self.parse_inline(text.text, lineno=text.line)
        messages.extend(problems)
        return parsed

    def _quiz_node(self, source: QuizSource, messages: list[nodes.Node]) -> Quiz:
        question_text = SourceText(self.arguments[0], self.lineno)
        question = self._inline(question_text, messages)
        hint = self._optional_inline(source, "hint", messages)
        explanation = self._optional_inline(source, "explanation", messages)
        form = QuizForm()
        form += QuizQuestion("", "", *question)
        answer = QuizAnswer()
        choices: list[Choice] = []
        if source.kind == "numeric":
            unit = _unit(source)
            form += QuizNumericInput(
                input_id=f"quiz-{source.quiz_id}-value", name=f"quiz-{source.quiz_id}", unit=unit
            )
            answer += nodes.paragraph(
                "", _numeric_answer_text(source.answer, source.tolerance, unit)
            )
            config = {
                "answer": source.answer,
                "tolerance": source.tolerance.absolute(source.answer),
                "unit": unit,
                "units": source.unit_multiples,
            }
        else:
            answer_list = nodes.bullet_list()
            for index, choice_source in enumerate(source.choices):
                choice, label, feedback = self._choice_nodes(source, index, choice_source, messages)
                form += choice
                shown = _without_verdict(feedback, correct=choice_source.correct)
                answer_list += _answer_item(choice_source.correct, label, shown)
                choices.append(
                    Choice(
                        text=_plain(label),
                        correct=choice_source.correct,
                        feedback=_plain(feedback),
                    )
                )
            answer += answer_list
            config = {
                "correct": [i for i, choice in enumerate(source.choices) if choice.correct],
            }
        if explanation:
            answer += nodes.paragraph("", "", *explanation)
        quiz = Quiz(
            quiz_id=source.quiz_id,
            kind=source.kind,
            config=json.dumps({"id": source.quiz_id, "kind": source.kind, **config}),
            reading_time_text=_plain(question),
        )
        quiz.source, quiz.line = self.get_source_info()
        quiz += form
        if hint:
            quiz += QuizHint("", nodes.paragraph("", "", *hint))
        quiz += answer
        add_record(
            self.env,
            QuizRecord(
                quiz_id=source.quiz_id,
                docname=self.env.docname,
                source=str(self.env.doc2path(self.env.docname)),
                line=self.lineno,
                kind=source.kind,
                question=_plain(question),
                hint=_plain(hint),
                explanation=_plain(explanation),
                choices=tuple(choices),
                answer=source.answer,
                tolerance=source.tolerance,
                unit=_unit(source),
                unit_multiples=source.unit_multiples,
            ),
        )
        return quiz

    def _optional_inline(
        self, source: QuizSource, name: str, messages: list[nodes.Node]
    ) -> list[nodes.Node]:
        text = source.option_text(name)
        return self._inline(text, messages) if text else []

    def _choice_nodes(
        self,
        source: QuizSource,
        index: int,
        choice_source: ChoiceSource,
        messages: list[nodes.Node],
    ) -> tuple[QuizChoice, list[nodes.Node], list[nodes.Node]]:
        label = self._inline(choice_source.text, messages)
        feedback = self._inline(choice_source.feedback, messages) if choice_source.feedback else []
        choice = QuizChoice(
            index=index,
            input_type=_INPUT_TYPES[source.kind],
            name=f"quiz-{source.quiz_id}",
            input_id=f"quiz-{source.quiz_id}-{index}",
        )
        choice += QuizChoiceLabel("", "", *label)
        shown = _without_verdict(feedback, correct=choice_source.correct)
        if shown:
            choice += QuizChoiceFeedback("", "", *shown)
        return choice, label, feedback


def _unit(source: QuizSource) -> str:
    """The ``:unit:`` of a numeric question, empty when none is given."""
    unit = source.option_text("unit")
    return unit.text if unit else ""


def _without_verdict(inline: list[nodes.Node], *, correct: bool) -> list[nodes.Node]:
    """``inline`` without an opening "Right"/"Correct" (right choice) or "Wrong"/"Incorrect"
    (wrong choice): the quiz says the verdict itself. The rest starts with a capital; nothing
    is left of a feedback that was only the verdict."""
    if not inline or not isinstance(inline[0], nodes.Text):
        return inline
    opening = _VERDICT_OPENING[correct].match(inline[0].astext())
    if opening is None:
        return inline
    rest = inline[0].astext()[opening.end() :]
    first = [nodes.Text(rest[:1].upper() + rest[1:])] if rest else []
    return [*first, *inline[1:]] if first or inline[1:] else []


def _plain(inline: list[nodes.Node]) -> str:
    return "".join(node.astext() for node in inline).strip()


def _numeric_answer_text(answer: float, tolerance: Tolerance, unit: str) -> str:
    with_unit = f"{format_number(answer)} {unit}".strip()
    if tolerance.value == 0:
        return f"{with_unit}."
    within = str(tolerance) if tolerance.relative else f"{tolerance} {unit}".strip()
    return f"{with_unit} (answers within {within} count as right)."


def _answer_item(
    correct: bool, label: list[nodes.Node], feedback: list[nodes.Node]
) -> nodes.list_item:
    verdict = "Right:" if correct else "Wrong:"
    paragraph = nodes.paragraph("", "", nodes.strong("", verdict), nodes.Text(" "))
    paragraph.extend(node.deepcopy() for node in label)
    if feedback:
        paragraph += nodes.Text(" \N{EM DASH} ")
        paragraph.extend(node.deepcopy() for node in feedback)
    return nodes.list_item("", paragraph, classes=["quiz-right" if correct else "quiz-wrong"])
