"""Reading a quiz body without Sphinx: options, choices, feedback, numbers and their lines."""

import re

import pytest

from imaging_course.sphinxext.quiz.model import Tolerance, parse_number
from imaging_course.sphinxext.quiz.syntax import QuizSyntaxError, read_quiz_body

FIRST_LINE = 11  # the body's first line in an imagined page
DIRECTIVE_LINE = 10


def read(body: str):
    return read_quiz_body(body.splitlines(), FIRST_LINE, DIRECTIVE_LINE)


def test_choices_feedback_and_continuation_lines_keep_their_lines():
    quiz = read(
        ":id: planes\n"
        "\n"
        "- [ ] The coronal plane\n"
        "  : Divides front from back,\n"
        "  not left from right.\n"
        "- [x] The sagittal\n"
        "  plane\n"
    )
    assert quiz.quiz_id == "planes"
    assert quiz.kind == "single"
    first, second = quiz.choices
    assert (first.text.text, first.text.line, first.correct) == ("The coronal plane", 13, False)
    assert first.feedback.text == "Divides front from back, not left from right."
    assert first.feedback.line == 14
    assert (second.text.text, second.correct, second.feedback) == ("The sagittal plane", True, None)


@pytest.mark.parametrize(
    ("body", "line", "says"),
    [
        ("- [x] a\n- [ ] b\n", DIRECTIVE_LINE, "no :id:"),
        (":id: q\n:colour: red\n- [x] a\n- [ ] b\n", 12, "unknown option :colour:"),
        (":id: q\n:id: r\n", 12, "given twice (first on line 11)"),
        (":id: q\n  : feedback first\n", 12, "before any choice"),
        (":id: q\n- [x] a\nno idea\n", 13, "cannot read 'no idea'"),
        (":id: q\n:kind: essay\n", 12, "unknown :kind: 'essay'"),
        (":id: q\n- [x] only one\n", DIRECTIVE_LINE, "at least two choices"),
        (":id: q\n:unit: mm\n- [x] a\n- [ ] b\n", 12, "belongs to numeric questions"),
        (":id: q\n:kind: numeric\n- [x] a\n", 13, "has no choices"),
        (":id: q\n:kind: numeric\n", DIRECTIVE_LINE, "without :answer:"),
        (":id: q\n:kind: numeric\n:answer: glue:\n", 13, "names no glue key"),
        (":id: no spaces please\n", 11, "may hold only letters"),
        (":id: q\n:kind: numeric\n:answer: 1\n:units: GiB = 1024\n", 14, "which is missing"),
        (":id: q\n:kind: numeric\n:answer: 1\n:unit: MiB\n:units: GiB\n", 15, "UNIT = FACTOR"),
        (":id: q\n:kind: numeric\n:answer: 1\n:unit: MiB\n:units: GiB = x\n", 15, "a/b"),
        (":id: q\n:kind: numeric\n:answer: 1\n:unit: MiB\n:units: MiB = 1\n", 15, "other than"),
        (":id: q\n:kind: numeric\n:answer: 1\n:unit: MiB\n:units: KiB = 0\n", 15, "positive"),
    ],
)
def test_problems_name_the_bad_line(body, line, says):
    with pytest.raises(QuizSyntaxError, match=re.escape(says)) as raised:
        read(body)
    assert raised.value.line == line


def test_numeric_unit_multiples_say_how_many_of_the_unit_each_makes():
    quiz = read(
        ":id: q\n:kind: numeric\n:answer: 864\n:unit: MiB\n:units: GiB = 1024, KiB = 1/1024\n"
    )
    assert quiz.unit_multiples == {"GiB": 1024.0, "KiB": 1 / 1024}


def test_numeric_answer_and_glue_key():
    plain = read(":id: q\n:kind: numeric\n:answer: -2.5e3\n:tolerance: 2%\n")
    assert plain.answer == -2500
    assert plain.tolerance == Tolerance(2.0, relative=True)
    assert plain.tolerance.absolute(plain.answer) == pytest.approx(50)
    glued = read(":id: q\n:kind: numeric\n:answer: glue:n_images\n")
    assert (glued.answer, glued.glue_key) == (None, "n_images")
    assert glued.tolerance == Tolerance(0.0)


@pytest.mark.parametrize(
    ("text", "value"),
    [("42", 42.0), ("np.float64(22.3)", 22.3), ("numpy.int64(7)", 7.0), ("'0.5'", 0.5)],
)
def test_glued_text_representations_parse(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["nan", "inf", "forty", ""])
def test_non_numbers_do_not_parse(text):
    with pytest.raises(ValueError, match=r"float|finite"):
        parse_number(text)


@pytest.mark.parametrize("text", ["-1", "two", "5 %%", "1e"])
def test_bad_tolerances_do_not_parse(text):
    with pytest.raises(ValueError, match="tolerance"):
        Tolerance.parse(text)
