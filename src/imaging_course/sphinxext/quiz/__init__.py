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
``transforms`` (non-HTML output), ``links`` (the export role), ``export`` (the files).
"""

from importlib.metadata import version
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
JS_FILE = "quiz.js"
CSS_FILE = "quiz.css"


def setup(app) -> dict:
    """Register the directive, role, nodes, collector and build hooks."""
    from .collector import QuizCollector, report_duplicate_ids
    from .directive import QuizDirective
    from .links import QuizExportLink, QuizExportRole, resolve_export_links
    from .nodes import HTML_VISITORS
    from .publish import add_static_files, fail_on_invalid_quizzes, write_exports
    from .transforms import replace_quizzes_outside_html

    app.add_directive("quiz", QuizDirective)
    app.add_role("quiz-export", QuizExportRole())
    for node_class, visit, depart in HTML_VISITORS:
        app.add_node(node_class, html=(visit, depart))
    app.add_node(QuizExportLink)
    app.add_env_collector(QuizCollector)
    app.connect("env-check-consistency", report_duplicate_ids)
    app.connect("doctree-resolved", replace_quizzes_outside_html)
    app.connect("doctree-resolved", resolve_export_links)
    app.connect("builder-inited", add_static_files)
    app.connect("build-finished", write_exports)
    # Late, so that every other extension has finished its own work before the build fails.
    app.connect("build-finished", fail_on_invalid_quizzes, priority=900)
    return {
        "version": version("imaging-course"),
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
