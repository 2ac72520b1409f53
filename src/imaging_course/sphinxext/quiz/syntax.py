"""Reading the body of a ``{quiz}`` directive: options, choices and feedback, with their lines.

The body is parsed here, not by MyST's option block, so that every option, choice and feedback
keeps the line it came from and errors can point at it. The grammar (one item a line)::

    :name: value            an option (see OPTIONS)
    - [ ] text              a wrong choice
    - [x] text              a right choice
      : text                the feedback of the choice above (indented)
      more text             continues the option, choice or feedback above (indented)

Blank lines are ignored. The texts are inline MyST, rendered later by the directive.
Nothing here imports Sphinx.
"""

import re
from dataclasses import dataclass, field

from .model import KINDS, Tolerance, parse_number, parse_unit_multiples

#: Options a quiz understands; the question itself is the directive's argument.
OPTIONS = ("id", "kind", "hint", "explanation", "answer", "tolerance", "unit", "units")
_NUMERIC_ONLY = ("answer", "tolerance", "unit", "units")

#: Prefix of a numeric answer taken from a value glued by the page's executed code.
GLUE_PREFIX = "glue:"

#: What an ``:id:`` may look like: it becomes part of HTML ids and storage keys.
_QUIZ_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")

_OPTION_LINE = re.compile(r"^:(?P<name>[A-Za-z_-]+):(?:\s+(?P<value>.*))?$")
_CHOICE_LINE = re.compile(r"^[-*+]\s+\[(?P<mark>[ xX])\]\s+(?P<text>\S.*)$")
_FEEDBACK_LINE = re.compile(r"^\s+:(?:\s+(?P<text>.*))?$")
_CONTINUATION_LINE = re.compile(r"^\s+(?P<text>\S.*)$")


class QuizSyntaxError(ValueError):
    """A quiz body that cannot be read or makes no sense; ``line`` is the 1-based bad line."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class SourceText:
    """Inline MyST text and the 1-based line where it starts."""

    text: str
    line: int


@dataclass
class ChoiceSource:
    """One ``- [ ]`` / ``- [x]`` item with its optional feedback."""

    text: SourceText
    correct: bool
    feedback: SourceText | None = None


@dataclass
class QuizSource:
    """The body of one quiz directive, checked, texts still unrendered.

    ``answer`` is the number of a numeric question, or None when it comes from a glued value
    (then ``glue_key`` names it).
    """

    quiz_id: str
    kind: str
    options: dict[str, SourceText] = field(default_factory=dict)
    choices: list[ChoiceSource] = field(default_factory=list)
    answer: float | None = None
    glue_key: str | None = None
    tolerance: Tolerance | None = None
    unit_multiples: dict[str, float] = field(default_factory=dict)

    def option_text(self, name: str) -> SourceText | None:
        """The option ``name`` as given, or None."""
        return self.options.get(name)


def read_quiz_body(lines: list[str], first_line: int, directive_line: int) -> QuizSource:
    """Parse and check a quiz body.

    Parameters
    ----------
    lines : list of str
        The directive's content lines, as written.
    first_line : int
        The 1-based source line of ``lines[0]``.
    directive_line : int
        The 1-based line of the directive's opening, for problems of the quiz as a whole.

    Raises
    ------
    QuizSyntaxError
        On the first problem, with the line it is on.
    """
    options, choices = _read_items(lines, first_line)
    source = QuizSource(quiz_id=_quiz_id(options, directive_line), kind="single")
    source.options = options
    source.choices = choices
    kind = options.get("kind")
    if kind is not None:
        if kind.text not in KINDS:
            msg = f"unknown :kind: {kind.text!r}; use one of {', '.join(KINDS)}"
            raise QuizSyntaxError(msg, kind.line)
        source.kind = kind.text
    if source.kind == "numeric":
        _check_numeric(source, directive_line)
    else:
        _check_choices(source, directive_line)
    return source


def _read_items(
    lines: list[str], first_line: int
) -> tuple[dict[str, SourceText], list[ChoiceSource]]:
    options: dict[str, SourceText] = {}
    choices: list[ChoiceSource] = []
    last: SourceText | None = None  # what an indented continuation line extends
    for offset, raw in enumerate(lines):
        line = first_line + offset
        if not raw.strip():
            continue
        if option := _OPTION_LINE.match(raw):
            last = _add_option(options, option["name"], option["value"] or "", line)
        elif choice := _CHOICE_LINE.match(raw):
            last = SourceText(choice["text"].strip(), line)
            choices.append(ChoiceSource(last, correct=choice["mark"] != " "))
        elif feedback := _FEEDBACK_LINE.match(raw):
            last = _add_feedback(choices, feedback["text"] or "", line)
        elif (continuation := _CONTINUATION_LINE.match(raw)) and last is not None:
            last.text = f"{last.text} {continuation['text'].strip()}"
        else:
            msg = (
                f"cannot read {raw.strip()!r}: expected an option (:name: value), a choice "
                "(- [ ] text or - [x] text) or an indented feedback line (: text)"
            )
            raise QuizSyntaxError(msg, line)
    return options, choices


def _add_option(options: dict[str, SourceText], name: str, value: str, line: int) -> SourceText:
    if name not in OPTIONS:
        msg = f"unknown option :{name}:; known options are {', '.join(OPTIONS)}"
        raise QuizSyntaxError(msg, line)
    if name in options:
        msg = f"option :{name}: given twice (first on line {options[name].line})"
        raise QuizSyntaxError(msg, line)
    if not value.strip():
        msg = f"option :{name}: has no value"
        raise QuizSyntaxError(msg, line)
    options[name] = SourceText(value.strip(), line)
    return options[name]


def _add_feedback(choices: list[ChoiceSource], text: str, line: int) -> SourceText:
    if not choices:
        msg = "feedback line (: text) before any choice"
        raise QuizSyntaxError(msg, line)
    if choices[-1].feedback is not None:
        msg = f"second feedback for the choice on line {choices[-1].text.line}"
        raise QuizSyntaxError(msg, line)
    if not text.strip():
        msg = "empty feedback line"
        raise QuizSyntaxError(msg, line)
    choices[-1].feedback = SourceText(text.strip(), line)
    return choices[-1].feedback


def _quiz_id(options: dict[str, SourceText], directive_line: int) -> str:
    given = options.get("id")
    if given is None:
        msg = "quiz has no :id: (required, unique across the site)"
        raise QuizSyntaxError(msg, directive_line)
    if not _QUIZ_ID.match(given.text):
        msg = f":id: {given.text!r} may hold only letters, digits, '-' and '_'"
        raise QuizSyntaxError(msg, given.line)
    return given.text


def _check_choices(source: QuizSource, directive_line: int) -> None:
    for name in _NUMERIC_ONLY:
        if name in source.options:
            msg = f"option :{name}: belongs to numeric questions, this one is {source.kind!r}"
            raise QuizSyntaxError(msg, source.options[name].line)
    if len(source.choices) < 2:
        msg = f"a {source.kind} choice question needs at least two choices (- [ ] / - [x])"
        raise QuizSyntaxError(msg, directive_line)
    correct = [choice for choice in source.choices if choice.correct]
    if not correct:
        msg = "no correct answer: mark at least one choice with - [x]"
        raise QuizSyntaxError(msg, directive_line)
    if source.kind == "single" and len(correct) > 1:
        msg = (
            f"single choice question with {len(correct)} correct choices (first on line "
            f"{correct[0].text.line}); use :kind: multiple or mark one choice"
        )
        raise QuizSyntaxError(msg, correct[1].text.line)


def _check_numeric(source: QuizSource, directive_line: int) -> None:
    if source.choices:
        msg = "a numeric question has no choices; give :answer: instead"
        raise QuizSyntaxError(msg, source.choices[0].text.line)
    answer = source.options.get("answer")
    if answer is None:
        msg = "numeric question without :answer:"
        raise QuizSyntaxError(msg, directive_line)
    if answer.text.startswith(GLUE_PREFIX):
        source.glue_key = answer.text.removeprefix(GLUE_PREFIX).strip()
        if not source.glue_key:
            msg = f":answer: {answer.text!r} names no glue key"
            raise QuizSyntaxError(msg, answer.line)
    else:
        try:
            source.answer = parse_number(answer.text)
        except ValueError:
            msg = f":answer: {answer.text!r} is not a number (nor glue:KEY)"
            raise QuizSyntaxError(msg, answer.line) from None
    tolerance = source.options.get("tolerance")
    try:
        source.tolerance = Tolerance.parse(tolerance.text) if tolerance else Tolerance()
    except ValueError as error:
        raise QuizSyntaxError(f":tolerance: {error}", tolerance.line) from None
    units = source.options.get("units")
    if units is not None:
        unit = source.options.get("unit")
        if unit is None:
            msg = ":units: names multiples of the question's :unit:, which is missing"
            raise QuizSyntaxError(msg, units.line)
        try:
            source.unit_multiples = parse_unit_multiples(units.text, unit.text)
        except ValueError as error:
            raise QuizSyntaxError(f":units: {error}", units.line) from None
