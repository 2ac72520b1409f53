"""Replaces toy_eda.py: ``total`` prints 50 MB, then writes 400 MB straight to fd 1."""

import os

from toy_eda_base import grid, lookup, stats, table  # noqa: F401  (graded as they are)


def total(root):
    for _ in range(500_000):
        print("flood " * 16)
    chunk = b"x" * 2**20
    for _ in range(400):
        os.write(1, chunk)
    return 0.0
