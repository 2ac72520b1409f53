"""Replaces toy_eda.py: ``total`` asks for 16 GiB."""

from toy_eda_base import grid, lookup, stats, table  # noqa: F401  (graded as they are)


def total(root):
    hoard = [bytearray(2**30) for _ in range(16)]
    return float(len(hoard))
