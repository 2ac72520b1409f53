"""Quizzes that answer at once: a ``{quiz}`` MyST directive, its HTML, checks and exports.

Why our own: sphinx-quiz turns the whole site into a quiz app; jupyterquiz needs notebook
cells and JSON files; teachbooks-questions and sphinx-yaq lack a Moodle GIFT export, answers
taken from ``myst_nb.glue`` and feedback per choice. This extension keeps a question in the
page's own Markdown, next to what it asks about.

What a reader gets (HTML): a ``<fieldset>`` with real radio, checkbox or number inputs, feedback
announced through an ``aria-live`` region, progress kept in ``localStorage``, a reset button and
a page score (``static/quiz.js``, ``static/quiz.css``, added for HTML builders only). Without
JavaScript the question and its answer (in a ``<details>``) still read well. Other builders get
the question, choices and answer as plain paragraphs.

What an author gets: errors at file and line for a quiz without a right answer, a single choice
question with several, a numeric answer or tolerance that does not parse, a missing glue key, a
missing or duplicate ``:id:``. Such a build fails at its end, with or without ``-W``.

What an instructor gets: ``quizzes.json`` and ``quizzes.gift`` (Moodle) in the output root,
linked from a page with ``{quiz-export}`json``` and ``{quiz-export}`gift```.

The package is split by phase: ``syntax`` (read a directive body) and ``model`` (plain data),
``directive`` (parse time), ``collector`` (cross-page state, parallel-safe), ``nodes`` (HTML),
``transforms`` (non-HTML output), ``links`` (the export role), ``export`` (the files),
``publish`` (build hooks), ``registration`` (what ``setup`` registers).
"""

from importlib.metadata import version
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
JS_FILE = "quiz.js"
CSS_FILE = "quiz.css"


def setup(app) -> dict:
    """Register the extension with Sphinx (see :mod:`.registration`)."""
    # Imported here so that model, syntax and export import without Sphinx.
    from .registration import register  # noqa: PLC0415

    register(app)
    return {
        "version": version("imaging-course"),
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
