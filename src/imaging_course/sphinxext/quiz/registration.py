"""Everything the quiz extension registers with Sphinx, in one place."""

from sphinx.application import Sphinx

from .collector import QuizCollector, report_duplicate_ids
from .directive import QuizDirective
from .links import QuizExportLink, QuizExportRole, resolve_export_links
from .nodes import HTML_VISITORS
from .publish import add_static_files, add_static_path, fail_on_invalid_quizzes, write_exports
from .transforms import replace_quizzes_outside_html


def register(app: Sphinx) -> None:
    """Add the directive, role, nodes, collector and build hooks to ``app``."""
    app.add_directive("quiz", QuizDirective)
    app.add_role("quiz-export", QuizExportRole())
    for node_class, visit, depart in HTML_VISITORS:
        app.add_node(node_class, html=(visit, depart))
    app.add_node(QuizExportLink)
    app.add_env_collector(QuizCollector)
    app.connect("env-check-consistency", report_duplicate_ids)
    app.connect("doctree-resolved", replace_quizzes_outside_html)
    app.connect("doctree-resolved", resolve_export_links)
    app.connect("config-inited", add_static_path)
    app.connect("builder-inited", add_static_files)
    app.connect("build-finished", write_exports)
    app.connect("build-finished", fail_on_invalid_quizzes)
