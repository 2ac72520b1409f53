"""Build hooks around the pages: static files in, exports out, the verdict on invalid quizzes."""

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

from . import CSS_FILE, JS_FILE, STATIC_DIR
from .collector import WARNING_TYPE, all_records, find_duplicate_ids, problems_of
from .export import GIFT_NAME, JSON_NAME, reading_order, write_gift, write_json

logger = logging.getLogger(__name__)


def add_static_path(app: Sphinx, config: Config) -> None:
    """``config-inited``: let HTML builders copy ``quiz.js`` and ``quiz.css``.

    Done before Sphinx compares the configuration with the last build's, so that a rebuild
    does not see ``html_static_path`` change and rewrite every page.
    """
    config.html_static_path.append(str(STATIC_DIR))


def add_static_files(app: Sphinx) -> None:
    """``builder-inited``: load ``quiz.js`` and ``quiz.css`` in the pages of HTML builds only."""
    if app.builder.format == "html":
        app.add_js_file(JS_FILE, loading_method="defer")
        app.add_css_file(CSS_FILE)


def write_exports(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: write ``quizzes.json`` and ``quizzes.gift`` into the HTML output root."""
    if exception is not None or app.builder.format != "html":
        return
    records = all_records(app.env)
    docnames = sorted({record.docname for record in records})
    order = reading_order(app.env.toctree_includes, app.config.root_doc, docnames)
    rank = {docname: index for index, docname in enumerate(order)}
    records.sort(key=lambda record: rank[record.docname])  # stable: page order stays
    urls = {docname: app.builder.get_target_uri(docname) for docname in docnames}
    outdir = Path(app.outdir)
    write_json(records, urls, outdir / JSON_NAME)
    category = app.config.project.replace("/", "-")
    write_gift(records, category, outdir / GIFT_NAME)
    logger.info("quiz: wrote %d questions to %s and %s", len(records), JSON_NAME, GIFT_NAME)


def fail_on_invalid_quizzes(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: make the build exit non-zero, even without ``-W``, if a quiz is invalid.

    Each problem was reported at its file and line when found; this repeats them in one list,
    because the problems of pages not re-read in this build come from the environment, so an
    incremental build fails for as long as the source is wrong. Setting ``app.statuscode`` is
    how Sphinx's own linkcheck and doctest builders fail a build without a traceback.
    """
    if exception is not None:
        return
    problems = [problem for found in problems_of(app.env).values() for problem in found]
    problems += find_duplicate_ids(app.env)
    if problems:
        app.statuscode = 1
        listing = "".join(f"\n  {problem}" for problem in problems)
        logger.error(
            "%d invalid quiz(zes) fail this build:%s",
            len(problems),
            listing,
            type=WARNING_TYPE,
            subtype="failed",
        )
