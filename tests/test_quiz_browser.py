"""Quizzes in a real browser: Playwright drives Debian's chromium on a locally served site.

The tests find their quizzes on the page from the DOM and read what is right from each quiz's
``data-quiz`` settings, so they run on any page holding a single or multiple choice quiz with
feedback on a wrong choice and a numeric quiz. :func:`quiz_site` serves the tiny
tests/roots/test-quiz-browser project with the book theme, then quiz pages of the whole site
(the NIfTI chapter page, and the SIIM exercise page whose numeric answers are glued).
Every request the pages make is recorded; none may leave 127.0.0.1.
"""

import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sphinx.testing.util import SphinxTestApp

pytestmark = [
    pytest.mark.browser,
    pytest.mark.site,  # two of its sites are quiz pages of the whole built site
    # sphinx-book-theme 1.4 still uses SphinxTransform.app, deprecated by Sphinx 9.
    pytest.mark.filterwarnings(
        "ignore:'sphinx_book_theme\\.:sphinx.deprecation.RemovedInSphinx11Warning"
    ),
]

LOCAL_HOST = "127.0.0.1"
TIMEOUT_MS = 5_000


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without logging each request to stderr."""

    def log_message(self, format: str, *args) -> None:
        """Say nothing: pytest shows stderr of failing tests only, and this is noise there."""


def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on a free port of 127.0.0.1 in a thread; yield the base URL."""
    server = ThreadingHTTPServer((LOCAL_HOST, 0), partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{LOCAL_HOST}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


SITE_QUIZ_PAGES = ("medical-imaging/nifti.html", "medical-imaging/exercises/siim.html")
"""Pages of the whole site that hold the kinds of quiz the tests try (one with glued answers)."""


@pytest.fixture(scope="module", params=("tiny-root", *SITE_QUIZ_PAGES))
def quiz_site(request, rootdir, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """(base URL, page path) of a served site whose page holds the quizzes to try: the tiny
    tests/roots/test-quiz-browser project, then quiz pages of the whole built site."""
    if request.param in SITE_QUIZ_PAGES:
        built_site = request.getfixturevalue("built_site")
        assert built_site.returncode == 0, built_site.output[-3000:]
        yield from ((base, request.param) for base in serve(built_site.html))
        return
    dest = tmp_path_factory.mktemp("quiz-browser")
    shutil.copytree(rootdir / "test-quiz-browser", dest / "src")
    warnings = StringIO()
    app = SphinxTestApp(
        "html", srcdir=dest / "src", builddir=dest / "_build", status=StringIO(), warning=warnings
    )
    try:
        app.build()
    finally:
        app.cleanup()
    assert warnings.getvalue() == ""
    yield from ((base, "index.html") for base in serve(Path(app.outdir)))


@dataclass
class Visit:
    """An open page and every URL it requested."""

    page: object
    url: str
    requests: list[str] = field(default_factory=list)

    def quiz(self, selector: str):
        """The first quiz matching ``selector`` and its settings (from ``data-quiz``)."""
        quiz = self.page.locator(selector).first
        return quiz, json.loads(quiz.get_attribute("data-quiz"))

    def feedback(self, quiz) -> str:
        return quiz.locator(".quiz-feedback").inner_text()


@pytest.fixture
def visit(browser, quiz_site) -> Iterator[Visit]:
    """The quiz page in a fresh browser context (empty localStorage); checks requests after."""
    base, page_path = quiz_site
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    opened = Visit(page, base + page_path)
    page.on("request", lambda request: opened.requests.append(request.url))
    page.goto(opened.url)
    yield opened
    context.close()
    assert_all_local(opened.requests)


def assert_all_local(urls: list[str]) -> None:
    assert urls, "the page made no request at all"
    foreign = [
        url
        for url in urls
        if urlparse(url).scheme not in {"data", "blob", "about"}
        and urlparse(url).hostname != LOCAL_HOST
    ]
    assert foreign == []


def choice_with_feedback(quiz, config: dict, *, correct: bool) -> int:
    """Index of a right (or wrong) choice that carries feedback."""
    for index, choice in enumerate(quiz.locator(".quiz-choice").all()):
        if (index in config["correct"]) == correct and choice.locator(
            ".quiz-choice-feedback"
        ).count():
            return index
    pytest.fail(
        f"quiz {config['id']} has no {'right' if correct else 'wrong'} choice with feedback"
    )


def test_wrong_then_right_answer_kept_across_reload_until_reset(visit):
    page = visit.page
    quiz, config = visit.quiz(".quiz-single")
    choices = quiz.locator(".quiz-choice")
    check = quiz.locator("button.quiz-check")
    wrong = choice_with_feedback(quiz, config, correct=False)
    right = config["correct"][0]

    choices.nth(wrong).locator("label").click()
    check.click()
    wrong_feedback = choices.nth(wrong).locator(".quiz-choice-feedback")
    assert wrong_feedback.is_visible()
    assert visit.feedback(quiz) == "Not quite. Try again."  # the verdict, apart from the note
    assert wrong_feedback.inner_text() not in visit.feedback(quiz)
    assert quiz.locator("details.quiz-answer").get_attribute("open") is None

    choices.nth(right).locator("label").click()
    check.click()
    assert visit.feedback(quiz).startswith("Right")
    assert not wrong_feedback.is_visible()
    assert quiz.locator("details.quiz-answer").get_attribute("open") == ""
    assert quiz.locator("details.quiz-answer").inner_text().strip() != "Answer"
    total = page.locator(".quiz[data-quiz]").count()
    assert page.locator(".quiz-page-score").inner_text() == (
        f"Quizzes on this page: 1 of {total} answered right."
    )

    assert quiz.locator(".quiz-feedback").get_attribute("aria-live") == "polite"

    page.reload()
    quiz, _ = visit.quiz(".quiz-single")
    assert quiz.locator(".quiz-choice input").nth(right).is_checked()
    assert visit.feedback(quiz).startswith("Right")
    assert "1 of" in page.locator(".quiz-page-score").inner_text()
    # The restored verdict is shown but not announced: a page of saved answers stays quiet.
    assert quiz.locator(".quiz-feedback").get_attribute("aria-live") == "off"

    quiz.locator("button.quiz-reset").click()
    assert not quiz.locator(".quiz-choice input").nth(right).is_checked()
    assert "0 of" in page.locator(".quiz-page-score").inner_text()
    page.reload()
    quiz, _ = visit.quiz(".quiz-single")
    assert not quiz.locator(".quiz-choice input").nth(right).is_checked()
    assert visit.feedback(quiz) == ""


def focus_by_tab(page, target, limit: int = 400) -> None:
    """Press Tab until ``target`` (a locator) has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail("Tab never reached the element")


def test_answer_by_keyboard_only(visit):
    page = visit.page
    quiz, config = visit.quiz(".quiz-multiple")
    boxes = quiz.locator(".quiz-choice input")
    focus_by_tab(page, boxes.first)
    for index in range(boxes.count()):
        if index in config["correct"]:
            page.keyboard.press("Space")
        if index < boxes.count() - 1:
            page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert quiz.locator("button.quiz-check").evaluate(
        "element => element === document.activeElement"
    )
    page.keyboard.press("Enter")
    assert visit.feedback(quiz).startswith("Right")
    checked = [index for index in range(boxes.count()) if boxes.nth(index).is_checked()]
    assert checked == config["correct"]


def test_numeric_answer_within_tolerance_accepted_outside_rejected(visit):
    page = visit.page
    quiz, config = visit.quiz(".quiz-numeric")
    field = quiz.locator(".quiz-numeric input")
    answer, tolerance = config["answer"], config["tolerance"]
    outside = answer + tolerance + max(1.0, abs(answer))
    within = answer + tolerance / 2

    focus_by_tab(page, field)
    page.keyboard.type(f"{outside:g}")
    page.keyboard.press("Enter")
    assert visit.feedback(quiz).startswith("Not quite")

    field.fill(f"{within:.12g}")  # every digit of a large answer (bytes)
    field.press("Enter")
    assert visit.feedback(quiz).startswith("Right")
    assert "quiz-solved" in quiz.get_attribute("class")


def test_without_javascript_question_and_answer_still_read(browser, quiz_site):
    base, page_path = quiz_site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(base + page_path)
    quiz = page.locator(".quiz-single").first
    assert quiz.locator("legend").is_visible()
    assert not quiz.locator(".quiz-actions").is_visible()
    answer = quiz.locator("details.quiz-answer")
    answer.locator("summary").click()
    assert answer.locator("li.quiz-right").first.is_visible()
    context.close()
    assert_all_local(requests)


def test_a_right_choice_is_called_right_once(visit):
    quiz, config = visit.quiz(".quiz-single")
    right = config["correct"][0]
    quiz.locator(".quiz-choice").nth(right).locator("label").click()
    quiz.locator("button.quiz-check").click()
    assert visit.feedback(quiz) == "Right."
    note = quiz.locator(".quiz-choice").nth(right).locator(".quiz-choice-feedback")
    if note.count():  # feedback that said only "Right." is gone, the rest has no "Right"
        assert not note.inner_text().lower().startswith(("right", "correct"))
    right_item = quiz.locator("details.quiz-answer li.quiz-right").first.inner_text()
    assert right_item.count("Right") == 1, right_item


def test_partly_right_multiple_choice_keeps_verdict_and_notes_apart(visit):
    quiz, config = visit.quiz(".quiz-multiple")
    choices = quiz.locator(".quiz-choice")
    wrong = choice_with_feedback(quiz, config, correct=False)
    choices.nth(config["correct"][0]).locator("label").click()
    choices.nth(wrong).locator("label").click()
    quiz.locator("button.quiz-check").click()
    assert visit.feedback(quiz) == "Not quite: tick every right choice, and only those."
    note = choices.nth(wrong).locator(".quiz-choice-feedback")
    assert note.is_visible()
    assert "quiz-choice-wrong" in choices.nth(wrong).get_attribute("class")
    assert "quiz-choice-right" in choices.nth(config["correct"][0]).get_attribute("class")
    input_id = choices.nth(wrong).locator("input").get_attribute("aria-describedby")
    assert input_id == note.get_attribute("id")


def test_a_numeric_answer_may_carry_its_unit_and_a_foreign_unit_is_explained(visit):
    quiz, config = visit.quiz(".quiz-numeric")
    field = quiz.locator(".quiz-numeric input")
    unit = config["unit"]
    assert unit, "the numeric quiz tried here has a unit"
    field.fill(f"{config['answer']:.12g} {unit}")
    field.press("Enter")
    assert visit.feedback(quiz) == "Right."
    field.fill(f"{config['answer']:.12g}{unit.lower()}")
    field.press("Enter")
    assert visit.feedback(quiz) == "Right."
    field.fill(f"{config['answer']:.12g} parsecs")
    field.press("Enter")
    assert visit.feedback(quiz).startswith("Type the number without the unit")
    assert unit in visit.feedback(quiz)
    for other, factor in config.get("units", {}).items():
        field.fill(f"{config['answer'] / factor:.12g} {other}")
        field.press("Enter")
        assert visit.feedback(quiz) == "Right.", other


def answer_every_quiz_right(visit) -> int:
    """Answer each choice quiz of the page right; returns how many."""
    quizzes = visit.page.locator(".quiz-single, .quiz-multiple")
    for index in range(quizzes.count()):
        quiz = quizzes.nth(index)
        config = json.loads(quiz.get_attribute("data-quiz"))
        for choice in config["correct"]:
            quiz.locator(".quiz-choice").nth(choice).locator("input").check()
        quiz.locator("button.quiz-check").click()
    return quizzes.count()


def stored_answers(page) -> list[str]:
    return page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('imaging-course-quiz:'))"
    )


def test_page_and_course_resets_ask_first_then_forget(visit):
    page = visit.page
    answered = answer_every_quiz_right(visit)
    score = page.locator(".quiz-page-score")
    assert f"{answered} of" in score.inner_text()
    # Another page's saved answer, as the course keeps it.
    page.evaluate("() => localStorage.setItem('imaging-course-quiz:/other.html:q', '{}')")
    dialogs = []

    def answer_dialog(dialog, accept: bool) -> None:
        dialogs.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", partial(answer_dialog, accept=False))
    page.locator("button.quiz-reset-page").click()
    assert "this page" in dialogs[-1]
    assert f"{answered} of" in score.inner_text()  # declined: nothing forgotten

    page.once("dialog", partial(answer_dialog, accept=True))
    page.locator("button.quiz-reset-page").click()
    assert score.inner_text().startswith("Quizzes on this page: 0 of")
    assert stored_answers(page) == ["imaging-course-quiz:/other.html:q"]

    answer_every_quiz_right(visit)
    page.once("dialog", partial(answer_dialog, accept=True))
    page.locator("button.quiz-reset-course").click()
    assert "every quiz of the course" in dialogs[-1]
    assert stored_answers(page) == []
    assert score.inner_text().startswith("Quizzes on this page: 0 of")
    page.reload()
    assert (
        visit.page.locator(".quiz-page-score").inner_text().startswith("Quizzes on this page: 0 of")
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_long_choices_hang_beside_their_input_at_every_width(browser, quiz_site, width):
    base, page_path = quiz_site
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(base + page_path)
    misplaced = page.evaluate(
        """() => [...document.querySelectorAll('.quiz-choice')].filter(choice => {
            const input = choice.querySelector('input').getBoundingClientRect();
            const label = choice.querySelector('label');
            // Every line box of the label starts right of the input, none under it.
            return [...label.getClientRects()].some(line => line.left < input.right);
        }).map(choice => choice.querySelector('label').textContent.slice(0, 40))"""
    )
    wrapped = page.evaluate(
        """() => [...document.querySelectorAll('.quiz-choice label')]
            .filter(label => label.getBoundingClientRect().height > 40).length"""
    )
    context.close()
    assert misplaced == []
    assert wrapped > 0, "no choice wraps here: the test tries nothing"
