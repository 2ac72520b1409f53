"""Replaces toy_eda.py: ``total`` rewrites the dataset it reads, then answers correctly."""

from pathlib import Path

from toy_eda_base import grid, lookup, stats, table  # noqa: F401  (graded as they are)
from toy_eda_base import total as right_total


def total(root):
    answer = right_total(root)
    csv = Path(root) / "values.csv"
    csv.write_text(csv.read_text())  # same bytes, new modification time
    return answer
