"""The machinery of hints: what a detector sees, how hints are gathered, and the rules that
decide whether a mistake fits.

A detector is a function of :class:`Evidence` that a :class:`~.check_table.Check` lists; it
runs only when that check failed. It gets the expected and learner outputs of the call, the
call's arguments and status, the dataset root and the reference outputs of the other calls,
and returns a hint saying where to look, or None when its mistake does not explain the
failure. Detectors recompute the wrong answer the mistake would give (an absolute-offset RLE
decode, a row-major mask, voxel counts instead of mL) and compare it with what the learner
returned, so a hint appears only when the mistake fits: :func:`fits` and :func:`mostly` say
when it does, over the rows of a table (:func:`pairs`).

The course's detectors, one module per exercise, are in :mod:`imaging_course.grader.course`;
this module knows no exercise.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from imaging_course.grader.compare import is_number


@dataclass(frozen=True)
class Evidence:
    """What a detector may look at; ``got`` is None unless the call returned a value."""

    expected: Any
    got: Any
    status: str
    error: dict
    args: tuple
    root: Path
    references: dict[str, Any]


Detector = Callable[[Evidence], str | None]
"""A detector: the hint when its mistake explains the failure, else None."""


def hints(detectors: tuple[Detector, ...], evidence: Evidence) -> list[str]:
    """The hints of the ``detectors`` whose mistake explains the failure, each once; a
    detector that raises on output of an unexpected shape (any exception) stays silent."""
    found = []
    for detector in detectors:
        try:
            hint = detector(evidence)
        except Exception:  # noqa: S112 (learner output of a shape this mistake cannot judge)
            continue
        if hint and hint not in found:
            found.append(hint)
    return found


def close(a: Any, b: Any, rtol: float = 1e-3, atol: float = 1e-6) -> bool:
    """Whether ``a`` and ``b`` are numbers (not NaN) within ``atol + rtol * |b|``."""
    return (
        is_number(a)
        and is_number(b)
        and not math.isnan(a)
        and not math.isnan(b)
        and abs(a - b) <= atol + rtol * abs(b)
    )


def pairs(expected: Any, got: Any, key: str, column: str) -> list[tuple[Any, Any, Any]]:
    """``(id, expected, got)`` for the ids both tables hold, when both have the column."""
    if not (isinstance(expected, pd.DataFrame) and isinstance(got, pd.DataFrame)):
        return []
    if not {key, column} <= set(got.columns):
        return []
    have = {}
    for row in got[[key, column]].itertuples(index=False):
        have[row[0]] = row[1]
    return [
        (row[0], row[1], have[row[0]])
        for row in expected[[key, column]].itertuples(index=False)
        if row[0] in have
    ]


def same(expected: Any, got: Any) -> bool:
    """Whether the learner's value is the expected one (NaN equals NaN; numbers to 1e-9)."""
    if is_number(expected) and is_number(got):
        if math.isnan(expected) or math.isnan(got):
            return math.isnan(expected) and math.isnan(got)
        return close(got, expected, 1e-9, 1e-12)
    return expected == got


def fits(rows: list, wrong: Callable[[Any, Any], Any], rtol: float = 1e-3) -> bool:
    """True when most rows that differ hold what the mistake gives: ``wrong(id, expected)``.

    ``rows`` are :func:`pairs`; ``wrong`` returns the mistaken value (or a list of
    candidates, or None when the mistake says nothing about that row); "most" is 80% of the
    differing rows.
    """
    differing = [(i, e, g) for i, e, g in rows if not same(e, g)]
    if not differing:
        return False
    hits = 0
    for i, e, g in differing:
        candidates = wrong(i, e)
        candidates = candidates if isinstance(candidates, list) else [candidates]
        hits += any(c is not None and close(g, c, rtol) for c in candidates)
    return hits >= 0.8 * len(differing)


def mostly(rows: list, predicate: Callable[[Any, Any], bool], share: float = 0.5) -> bool:
    """True when ``predicate(expected, got)`` holds for ``share`` of the rows that differ."""
    differing = [(e, g) for _, e, g in rows if not same(e, g)]
    return bool(differing) and sum(predicate(e, g) for e, g in differing) >= share * len(differing)


def is_nan(value: Any) -> bool:
    """Whether ``value`` is missing: None or a NaN number."""
    return value is None or (is_number(value) and math.isnan(value))
