"""Replaces toy_eda.py: ``total`` never returns."""

from toy_eda_base import grid, lookup, stats, table  # noqa: F401  (graded as they are)


def total(root):
    while True:
        pass
