"""The toy dataset as a third entry of the dataset registry, for the registry's tests.

The product's registry lists the course's datasets only; a test adds this entry in its own
process (:func:`register`, or ``monkeypatch.setitem``) to see a new dataset flow through the
command line, the data folders, the Makefile's variables and the grader's course table.
"""

from imaging_course.datasets.registry import DATASETS, Dataset

TOY = Dataset(
    name="toy",
    label="Toy",
    summary="a CSV of ids and values",
    generator="toy_table:generate_toy",
    sizes={"sample": "12 to 15 rows"},
    exercise="toy_eda",
    checks="toy_table:TOY_TABLE",
    benchmarks=(),
)


def register() -> None:
    """Add :data:`TOY` to the registry of this process (this folder on ``sys.path``)."""
    DATASETS[TOY.name] = TOY
