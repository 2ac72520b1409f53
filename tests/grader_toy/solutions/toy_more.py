"""Reference solution of the second toy exercise (the grader's tests)."""

from pathlib import Path


def count(root) -> int:
    """Number of data rows of values.csv."""
    return len((Path(root) / "values.csv").read_text(encoding="utf-8").splitlines()) - 1
