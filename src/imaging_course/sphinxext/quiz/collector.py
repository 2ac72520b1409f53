"""Cross-page state of the quiz extension: every question of the site and every invalid quiz.

The directive records a :class:`~.model.QuizRecord` for each valid question and a
:class:`~.model.QuizProblem` for each invalid one, keyed by page, in ``env.quiz_records`` and
``env.quiz_problems``. :class:`QuizCollector` forgets a page's entries when it is re-read and
merges them back from the processes of a parallel build, so ``parallel_read_safe`` is true.
Duplicate ids need the whole site, so they are found after reading (:func:`find_duplicate_ids`).
"""

from collections import defaultdict

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors import EnvironmentCollector
from sphinx.util import logging

from .model import QuizProblem, QuizRecord

logger = logging.getLogger(__name__)

#: Warning type of every message of this extension.
WARNING_TYPE = "quiz"


def records_of(env: BuildEnvironment) -> dict[str, list[QuizRecord]]:
    """Valid questions by docname, in page order."""
    if not hasattr(env, "quiz_records"):
        env.quiz_records = {}
    return env.quiz_records


def problems_of(env: BuildEnvironment) -> dict[str, list[QuizProblem]]:
    """Invalid quizzes by docname."""
    if not hasattr(env, "quiz_problems"):
        env.quiz_problems = {}
    return env.quiz_problems


def add_record(env: BuildEnvironment, record: QuizRecord) -> None:
    """Keep a valid question of the page being read."""
    records_of(env).setdefault(record.docname, []).append(record)


def add_problem(env: BuildEnvironment, docname: str, problem: QuizProblem) -> None:
    """Keep an invalid quiz of the page being read (it fails the build at its end)."""
    problems_of(env).setdefault(docname, []).append(problem)


def all_records(env: BuildEnvironment) -> list[QuizRecord]:
    """Every valid question of the site: pages by docname, questions in page order."""
    records = records_of(env)
    return [record for docname in sorted(records) for record in records[docname]]


def find_duplicate_ids(env: BuildEnvironment) -> list[QuizProblem]:
    """One problem for each id used more than once, naming every place it is used."""
    places: dict[str, list[QuizRecord]] = defaultdict(list)
    for record in all_records(env):
        places[record.quiz_id].append(record)
    problems = []
    for quiz_id, records in places.items():
        if len(records) > 1:
            where = ", ".join(f"{record.source}:{record.line}" for record in records)
            message = f"duplicate quiz :id: {quiz_id!r}, used at {where}"
            problems.extend(
                QuizProblem(record.source, record.line, message) for record in records[1:]
            )
    return problems


def report_duplicate_ids(app: Sphinx, env: BuildEnvironment) -> None:
    """``env-check-consistency``: an error for each duplicate id, at each later place."""
    for problem in find_duplicate_ids(env):
        logger.error(
            problem.message,
            location=f"{problem.source}:{problem.line}",
            type=WARNING_TYPE,
            subtype="duplicate-id",
        )


class QuizCollector(EnvironmentCollector):
    """Clears and merges ``env.quiz_records`` and ``env.quiz_problems`` page by page."""

    def clear_doc(self, app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        records_of(env).pop(docname, None)
        problems_of(env).pop(docname, None)

    def merge_other(
        self, app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment
    ) -> None:
        for ours, theirs in (
            (records_of(env), records_of(other)),
            (problems_of(env), problems_of(other)),
        ):
            for docname in docnames:
                if docname in theirs:
                    ours[docname] = theirs[docname]

    def process_doc(self, app: Sphinx, doctree: nodes.document) -> None:
        """Nothing to do: the directive records its question while the page is parsed."""
