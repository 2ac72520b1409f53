"""The course's own table of checks: one module per exercise, joined in the registry's order.

Each dataset of :data:`~imaging_course.datasets.registry.DATASETS` names the table of its
exercise (``checks``): ``siim_checks`` and ``lits_checks`` here, each with the detectors of its
learners' mistakes beside it (``siim_detectors``, ``lits_detectors``); :mod:`.common` holds the
tolerances and the detector both share. :func:`course_table` joins them: what `make grade`
grades.

To add a check, add a :class:`~imaging_course.grader.check_table.Check` row to its exercise's
``CHECKS`` (and a call to ``CALLS`` when it reads a function not graded yet, a detector to its
``*_detectors`` module when a usual mistake deserves a hint); to add an exercise, write its
module and name its table in the registry.
"""

from imaging_course.datasets.registry import DATASETS
from imaging_course.grader.check_table import CheckTable, join_tables, load_table


def course_table() -> CheckTable:
    """Every exercise's table, in the order of the registry, joined into one."""
    return join_tables(load_table(dataset.checks) for dataset in DATASETS.values())
