"""The quiz extension, built for real on tiny projects under tests/roots/test-quiz*/.

The expected questions below are written out by hand from the root's Markdown (inline markup
reduced to its text), never taken from the extension's output. The exports are read back:
``quizzes.json`` with ``json``, ``quizzes.gift`` with the small GIFT parser in this module.
"""

import json
import shutil
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sphinx.testing.util import SphinxTestApp

GIFT_SPECIAL = "~=#{}:"


def typeset(text: str) -> str:
    """``text`` as HTML shows it: Sphinx's smart quotes turn an apostrophe into a curly one."""
    return text.replace("'", "\N{RIGHT SINGLE QUOTATION MARK}")


@dataclass(frozen=True)
class Built:
    """A finished build: output folder, warnings, exit status."""

    out: Path
    warnings: str
    statuscode: int

    def soup(self, page: str) -> BeautifulSoup:
        return BeautifulSoup((self.out / page).read_text(encoding="utf-8"), "html.parser")


def build(rootdir: Path, root: str, dest: Path, builder: str = "html") -> Built:
    """Copy ``tests/roots/test-<root>`` to ``dest`` and build it with ``builder``."""
    src = dest / "src"
    shutil.copytree(rootdir / f"test-{root}", src)
    warnings = StringIO()
    app = SphinxTestApp(
        builder, srcdir=src, builddir=dest / "_build", status=StringIO(), warning=warnings
    )
    try:
        app.build()
    finally:
        app.cleanup()
    return Built(Path(app.outdir), warnings.getvalue(), app.statuscode)


@pytest.fixture(scope="module")
def site(rootdir, tmp_path_factory) -> Built:
    built = build(rootdir, "quiz", tmp_path_factory.mktemp("quiz-html"))
    assert built.warnings == ""
    assert built.statuscode == 0
    return built


# -- What the test root's Markdown says ------------------------------------------------------

EXPECTED = {
    "dicom-prefix": {
        "page": "choices",
        "kind": "single",
        "question": "Which four bytes follow the 128-byte preamble of a DICOM Part 10 file?",
        "hint": "Open a file in a hex viewer and look at offset 128.",
        "explanation": (
            "A Part 10 file starts with a 128-byte preamble, then DICM, then the file meta group."
        ),
        "choices": [
            ("The pixel data", False, "Pixel data is the last element, (7FE0,0010)."),
            ("The characters DICM", True, "Right: that is how readers recognise a Part 10 file."),
            ("The patient's name", False, ""),
        ],
    },
    "gift-specials": {
        "page": "choices",
        "kind": "multiple",
        "question": "Which of these GIFT characters need a backslash: ~ = # { } : \\ ?",
        "hint": "",
        "explanation": "All of them: {braces}, #hash, ~tilde, =equals, :colon and \\backslash.",
        "choices": [
            ("~ and =", True, "Right: they mark wrong and right answers."),
            ("{ and }", True, "Right: they enclose the answers."),
            ("Only letters", False, "Letters need no escape; 100% sure? #not"),
            ("The colon :", True, ""),
        ],
    },
    "nifti-header-bytes": {
        "page": "numeric",
        "kind": "numeric",
        "question": "How many bytes long is a NIfTI-1 header?",
        "hint": "",
        "explanation": "",
        "answer": 348.0,
        "tolerance": (0.0, False),
        "absolute_tolerance": 0.0,
        "unit": "bytes",
    },
    "fdata-memory": {
        "page": "numeric",
        "kind": "numeric",
        "question": "How many MiB does get_fdata() allocate for 512 x 512 x 432 voxels?",
        "hint": "float64 takes 8 bytes a voxel.",
        "explanation": "",
        "answer": 864.0,
        "tolerance": (1.0, True),
        "absolute_tolerance": 8.64,  # 1% of 864
        "unit": "MiB",
    },
}


# -- HTML -----------------------------------------------------------------------------------


def test_choice_quiz_is_a_fieldset_with_labelled_radio_inputs(site):
    quiz = site.soup("choices.html").find("div", id="quiz-dicom-prefix")
    assert quiz is not None
    legend = quiz.select_one("form fieldset > legend")
    assert legend.get_text() == EXPECTED["dicom-prefix"]["question"]
    assert legend.find("em").get_text() == "DICOM"
    inputs = quiz.select("fieldset input")
    assert [field["type"] for field in inputs] == ["radio"] * 3
    assert {field["name"] for field in inputs} == {"quiz-dicom-prefix"}
    labels = [quiz.find("label", attrs={"for": field["id"]}).get_text() for field in inputs]
    assert labels == [typeset(text) for text, _, _ in EXPECTED["dicom-prefix"]["choices"]]
    config = json.loads(quiz["data-quiz"])
    assert config["correct"] == [1]
    assert config["kind"] == "single"


def test_multiple_choice_quiz_uses_checkboxes(site):
    quiz = site.soup("choices.html").find("div", id="quiz-gift-specials")
    assert [field["type"] for field in quiz.select("fieldset input")] == ["checkbox"] * 4
    assert json.loads(quiz["data-quiz"])["correct"] == [0, 1, 3]


def test_feedback_region_hint_and_answer_read_without_javascript(site):
    quiz = site.soup("choices.html").find("div", id="quiz-dicom-prefix")
    live = quiz.find(class_="quiz-feedback")
    assert live["aria-live"] == "polite"
    assert quiz.select_one("details.quiz-hint").get_text(" ", strip=True) == (
        "Hint " + EXPECTED["dicom-prefix"]["hint"]
    )
    answer = quiz.select_one("details.quiz-answer")
    assert answer.find("summary").get_text() == "Answer"
    right = answer.select("li.quiz-right")
    assert len(right) == 1
    assert "The characters DICM" in right[0].get_text()
    answer_text = answer.get_text(" ", strip=True)
    for text, _, feedback in EXPECTED["dicom-prefix"]["choices"]:
        assert typeset(text) in answer_text
        shown = feedback.removeprefix("Right: ")
        assert shown[:1].upper() + shown[1:] in answer_text
    # The verdict is said once ("Right: <choice>"), not again by the choice's own feedback.
    assert answer_text.count("Right") == 1
    assert "then DICM , then the file meta group" in answer_text
    # The controls need JavaScript, so they are hidden until quiz.js shows them.
    assert quiz.select_one(".quiz-actions").has_attr("hidden")


def test_choice_feedback_sits_beside_its_choice_hidden_until_checked(site):
    quiz = site.soup("choices.html").find("div", id="quiz-dicom-prefix")
    first = quiz.select(".quiz-choice")[0]
    feedback = first.select_one(".quiz-choice-feedback")
    assert feedback.get_text() == EXPECTED["dicom-prefix"]["choices"][0][2]
    assert feedback.has_attr("hidden")
    assert quiz.select(".quiz-choice")[2].select_one(".quiz-choice-feedback") is None


def test_numeric_quiz_has_a_labelled_input_with_its_unit(site):
    quiz = site.soup("numeric.html").find("div", id="quiz-nifti-header-bytes")
    field = quiz.select_one("fieldset input")
    assert field["inputmode"] == "decimal"
    assert quiz.find("label", attrs={"for": field["id"]}).get_text() == "Your answer"
    unit = quiz.find(id=field["aria-describedby"])
    assert unit.get_text() == "bytes"
    config = json.loads(quiz["data-quiz"])
    assert (config["answer"], config["tolerance"]) == (348, 0)
    assert quiz.select_one("details.quiz-answer").get_text(" ", strip=True) == "Answer 348 bytes."


def test_relative_tolerance_reaches_the_page_as_an_absolute_one(site):
    quiz = site.soup("numeric.html").find("div", id="quiz-fdata-memory")
    config = json.loads(quiz["data-quiz"])
    assert config["tolerance"] == pytest.approx(EXPECTED["fdata-memory"]["absolute_tolerance"])
    assert "within 1%" in quiz.select_one("details.quiz-answer").get_text()


def test_script_and_style_are_linked_and_shipped(site):
    head = site.soup("choices.html").find("head")
    scripts = [tag["src"].split("?")[0] for tag in head.find_all("script", src=True)]
    styles = [tag["href"].split("?")[0] for tag in head.find_all("link", rel="stylesheet")]
    assert "_static/quiz.js" in scripts
    assert "_static/quiz.css" in styles
    assert (site.out / "_static" / "quiz.js").is_file()
    assert (site.out / "_static" / "quiz.css").is_file()


def test_instructors_page_links_the_exports(site):
    links = {tag["href"] for tag in site.soup("instructors.html").find_all("a", href=True)}
    assert {"quizzes.json", "quizzes.gift"} <= links


# -- Other builders ---------------------------------------------------------------------------


def test_text_builder_writes_question_choices_and_answer(rootdir, tmp_path):
    built = build(rootdir, "quiz", tmp_path, builder="text")
    assert built.warnings == ""
    text = (built.out / "choices.txt").read_text(encoding="utf-8")
    assert "( ) The pixel data" in text
    assert "[ ] Only letters" in text
    assert "**Hint:** Open a file in a hex viewer" in text
    assert '**Right:** The characters "DICM"' in text
    numeric = (built.out / "numeric.txt").read_text(encoding="utf-8")
    assert "How many bytes long is a NIfTI-1 header?" in numeric
    assert "348 bytes." in numeric
    assert not (built.out / "quizzes.json").exists()


# -- Exports -------------------------------------------------------------------------------


def test_json_export_holds_every_question_as_written(site):
    exported = json.loads((site.out / "quizzes.json").read_text(encoding="utf-8"))["questions"]
    assert [entry["id"] for entry in exported] == list(EXPECTED)
    for entry in exported:
        expected = EXPECTED[entry["id"]]
        for key in ("page", "kind", "question", "hint", "explanation"):
            assert entry[key] == expected[key], (entry["id"], key)
        assert entry["url"] == f"{expected['page']}.html#quiz-{entry['id']}"
        if expected["kind"] == "numeric":
            assert entry["answer"] == expected["answer"]
            tolerance = entry["tolerance"]
            assert (tolerance["value"], tolerance["relative"]) == expected["tolerance"]
            assert tolerance["absolute"] == pytest.approx(expected["absolute_tolerance"])
            assert entry["unit"] == expected["unit"]
        else:
            choices = [(c["text"], c["correct"], c["feedback"]) for c in entry["choices"]]
            assert choices == expected["choices"]


def test_gift_export_parses_back_to_the_source_questions(site):
    text = (site.out / "quizzes.gift").read_text(encoding="utf-8")
    questions = parse_gift(text)
    assert [question.title for question in questions] == list(EXPECTED)
    for question in questions:
        expected = EXPECTED[question.title]
        assert question.general_feedback == expected["explanation"]
        if expected["kind"] == "numeric":
            assert question.text == f"{expected['question']} (in {expected['unit']})"
            assert question.numeric == (
                expected["answer"],
                pytest.approx(expected["absolute_tolerance"]),
            )
            continue
        assert question.text == expected["question"]
        assert [(c.text, c.feedback) for c in question.choices] == [
            (text, feedback) for text, _, feedback in expected["choices"]
        ]
        right = [correct for _, correct, _ in expected["choices"]]
        if expected["kind"] == "single":
            assert [c.mark for c in question.choices] == ["=" if r else "~" for r in right]
        else:
            weights = [c.weight for c in question.choices]
            assert sum(w for w in weights if w > 0) == pytest.approx(100, abs=1e-3)
            assert sum(w for w in weights if w < 0) == pytest.approx(-100, abs=1e-3)
            assert [w > 0 for w in weights] == right
    assert text.count("$CATEGORY: $course$/top/Quiz test/") == 2


@dataclass
class GiftChoice:
    mark: str
    weight: float | None
    text: str
    feedback: str


@dataclass
class GiftQuestion:
    title: str
    text: str
    choices: list[GiftChoice]
    numeric: tuple[float, float] | None
    general_feedback: str


def _lex(text: str) -> list[tuple[str, bool]]:
    """Characters of ``text`` with a flag: True for an unescaped GIFT special character."""
    atoms = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            atoms.append((text[index + 1], False))
            index += 2
        else:
            atoms.append((char, char in GIFT_SPECIAL))
            index += 1
    return atoms


def _text(atoms: list[tuple[str, bool]]) -> str:
    return " ".join("".join(char for char, _ in atoms).split())


def _split(atoms, separators: str) -> list[tuple[str, list]]:
    """Split at unescaped ``separators``: [(separator or "", atoms after it), ...]."""
    parts: list[tuple[str, list]] = [("", [])]
    for char, special in atoms:
        if special and char in separators:
            parts.append((char, []))
        else:
            parts[-1][1].append((char, special))
    return parts


def parse_gift(text: str) -> list[GiftQuestion]:
    """Read the GIFT that the extension writes: ``::title::[plain]text{answers}`` blocks."""
    questions = []
    for block in text.strip().split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith(("//", "$CATEGORY:"))]
        if lines:
            questions.append(_parse_question("\n".join(lines)))
    return questions


def _parse_question(source: str) -> GiftQuestion:
    atoms = _lex(source)
    colons = [i for i, (char, special) in enumerate(atoms) if special and char == ":"]
    assert colons[:2] == [0, 1], source
    title_end = next(i for i in colons[2:] if atoms[i + 1] == (":", True))
    title = _text(atoms[2:title_end])
    opening = next(i for i, atom in enumerate(atoms) if atom == ("{", True))
    assert atoms[-1] == ("}", True), source
    question = _text(atoms[title_end + 2 : opening])
    assert question.startswith("[plain]")
    body = atoms[opening + 1 : -1]
    hashes = [i for i, atom in enumerate(body) if atom == ("#", True)]
    general = ""
    for i in hashes:
        if body[i : i + 4] == [("#", True)] * 4:
            general = _text(body[i + 4 :])
            body = body[:i]
            break
    if body and body[0] == ("#", True):
        answer, tolerance = _text(body[1:]).split(":")
        return GiftQuestion(
            title, question.removeprefix("[plain]"), [], (float(answer), float(tolerance)), general
        )
    choices = []
    for mark, choice_atoms in _split(body, "=~")[1:]:
        pieces = _split(choice_atoms, "#")
        text = _text(pieces[0][1])
        weight = None
        if text.startswith("%"):
            weight_text, text = text[1:].split("%", 1)
            weight = float(weight_text)
        feedback = _text(pieces[1][1]) if len(pieces) > 1 else ""
        assert len(pieces) <= 2, source
        choices.append(GiftChoice(mark, weight, text, feedback))
    assert _text(_split(body, "=~")[0][1]) == "", source
    return GiftQuestion(title, question.removeprefix("[plain]"), choices, None, general)


# -- Glue ----------------------------------------------------------------------------------


def test_numeric_answer_from_glued_value(rootdir, tmp_path):
    """The notebook page glues n_images = 42 and ratio = 0.25; its quizzes take them."""
    built = build(rootdir, "quiz-glue", tmp_path)
    assert built.warnings == ""
    exported = {
        entry["id"]: entry
        for entry in json.loads((built.out / "quizzes.json").read_text(encoding="utf-8"))[
            "questions"
        ]
    }
    assert exported["glued-images"]["answer"] == 42
    assert exported["glued-ratio"]["answer"] == 0.25
    assert exported["glued-ratio"]["tolerance"]["absolute"] == pytest.approx(0.025)
    quiz = built.soup("index.html").find("div", id="quiz-glued-images")
    assert json.loads(quiz["data-quiz"])["answer"] == 42
    assert "42 images" in quiz.select_one("details.quiz-answer").get_text()
