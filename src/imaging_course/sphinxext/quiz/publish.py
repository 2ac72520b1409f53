"""Build hooks around the pages: static files in, exports out, and the verdict on invalid quizzes."""

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import SphinxError
from sphinx.util import logging

from . import CSS_FILE, JS_FILE, STATIC_DIR
from .collector import all_records, find_duplicate_ids, problems_of
from .export import GIFT_NAME, JSON_NAME, reading_order, write_gift, write_json

logger = logging.getLogger(__name__)


class InvalidQuizError(SphinxError):
    """Raised at the end of a build that found invalid quizzes, listing each at file:line."""

    category = "Invalid quiz"


def add_static_files(app: Sphinx) -> None:
    """``builder-inited``: ship ``quiz.js`` and ``quiz.css`` with HTML builds only."""
    if app.builder.format == "html":
        app.config.html_static_path.append(str(STATIC_DIR))
        app.add_js_file(JS_FILE, loading_method="defer")
        app.add_css_file(CSS_FILE)


def write_exports(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: write ``quizzes.json`` and ``quizzes.gift`` into the HTML output root."""
    if exception is not None or app.builder.format != "html":
        return
    env = app.env
    by_page = {record.docname: record for record in all_records(env)}
    order = reading_order(env.toctree_includes, app.config.root_doc, list(by_page))
    rank = {docname: index for index, docname in enumerate(order)}
    records = sorted(all_records(env), key=lambda record: rank[record.docname])
    urls = {docname: app.builder.get_target_uri(docname) for docname in by_page}
    outdir = Path(app.outdir)
    write_json(records, urls, outdir / JSON_NAME)
    category = app.config.project.replace("/", "-")
    write_gift(records, category, outdir / GIFT_NAME)
    logger.info("quiz: wrote %d questions to %s and %s", len(records), JSON_NAME, GIFT_NAME)


def fail_on_invalid_quizzes(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: fail the build, even without ``-W``, if any quiz was invalid.

    The problems of pages not re-read in this build are kept in the environment, so an
    incremental build fails as long as the source is wrong.
    """
    if exception is not None:
        return
    problems = [problem for found in problems_of(app.env).values() for problem in found]
    problems += find_duplicate_ids(app.env)
    if problems:
        listing = "\n".join(str(problem) for problem in problems)
        msg = f"{len(problems)} invalid quiz(zes):\n{listing}"
        raise InvalidQuizError(msg)
