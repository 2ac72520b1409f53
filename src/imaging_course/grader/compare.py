"""Every tolerance the grader knows, and feedback that says how far off a value is.

A comparison takes the expected value (from the reference solutions) and the learner's value
(already decoded and type-checked by :mod:`~imaging_course.grader.plain_data`) and returns a
:class:`Verdict`: passed or not, plus feedback lines that say what differs without handing
over the whole answer ("mean_age: expected about 46, got 38.2 (-17%)", "12 of 300 rows
differ, first: image_id=..., column age: expected 38, got nan"). Counts and other integers
are shown exactly ("positive_images: expected 60, got 74 (+23%)").

Kinds: :class:`Number` (rtol/atol, NaN equals NaN), :class:`Exact` (str, bool, int labels),
:class:`IdSet` (order-insensitive lists of ids), :class:`Groups` (lists of id groups),
:class:`Records` (lists of dicts keyed by one field), :class:`Array` (shape, then values),
:class:`Table` (DataFrames keyed by id, order-insensitive, a tolerance per column),
:class:`Fields` (selected keys of a dict, each with its own comparison) and
:class:`Sequence` (a list compared item by item, in order), :class:`Unordered` (a list of
numbers in any order, such as the label values of a file or the sizes of its lesions) and
:class:`Mapping` (a dict keyed by id, each value with its own comparison).
"""

import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

MAX_LISTED = 3
"""How many example ids a feedback line names; enough to look at, not the whole answer."""


@dataclass(frozen=True)
class Verdict:
    """Whether a value passed, and the feedback lines when it did not."""

    passed: bool
    lines: tuple[str, ...] = ()


PASSED = Verdict(True)


def fail(*lines: str) -> Verdict:
    """A failed verdict with these feedback lines."""
    return Verdict(False, tuple(lines))


def is_number(value: Any) -> bool:
    """True for ints and floats (Python or NumPy), False for bool and everything else."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def show(value: Any) -> str:
    """A short rendering of one value for feedback."""
    if is_number(value):
        return "nan" if math.isnan(value) else f"{value:.6g}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def about(value: float, like: float | None = None) -> str:
    """``value`` to two significant figures: a hint of the size, not the answer.

    With ``like``, ``value`` is rounded at the same decimal place as ``like`` would be, so
    that a learner's value is shown as precisely as the expected one ("about 47, got 48").
    """
    reference = value if like is None else like
    if math.isnan(value) or math.isinf(value) or value == 0 or reference == 0:
        return show(value)
    digits = 1 - math.floor(math.log10(abs(reference)))
    rounded = round(value, digits)
    return f"{rounded:g}" if abs(rounded) < 1e6 else f"{rounded:.2g}"


def _percent(expected: float, got: float) -> str:
    """The relative difference, never shown as 0% when the values differ."""
    if expected == 0 or math.isnan(expected) or math.isnan(got) or math.isinf(got):
        return ""
    change = 100 * (got - expected) / abs(expected)
    if abs(change) >= 1:
        return f" ({change:+.0f}%)"
    if abs(change) >= 0.01:
        return f" ({change:+.2g}%)"
    return f" ({'+' if change > 0 else '-'}<0.01%)"


def _shown_pair(expected: Any, got: Any, *, exact: bool) -> tuple[str, str]:
    """The expected and the learner's number as feedback shows them.

    Integers as they are; otherwise the expected value to two significant figures ("about
    300") when that rounding is smaller than the learner's error, else both with as many
    significant digits as it takes to tell them apart.
    """
    if isinstance(expected, int) and isinstance(got, int):
        return str(expected), str(got)
    want, have = float(expected), float(got)
    hint = about(want)
    if not exact and abs(float(hint) - want) < abs(have - want):
        rounded = about(have, like=want)
        if rounded != hint:
            return f"about {hint}", rounded
    for digits in (6, 10, 17):
        if f"{want:.{digits}g}" != f"{have:.{digits}g}":
            return f"{want:.{digits}g}", f"{have:.{digits}g}"
    return show(expected), show(got)


def _key(value: Any) -> Any:
    """Normalise an id: integral floats become ints (case 3.0 is case 3)."""
    if is_number(value) and not math.isnan(value) and float(value).is_integer():
        return int(value)
    if isinstance(value, np.str_):
        return str(value)
    return value


@dataclass(frozen=True)
class Number:
    """A number within ``atol + rtol * |expected|``; NaN matches NaN only."""

    rtol: float = 1e-6
    atol: float = 1e-9

    def close(self, expected: Any, got: Any) -> bool:
        if not (is_number(got) and is_number(expected)):
            return expected is None and got is None
        expected, got = float(expected), float(got)
        if math.isnan(expected) or math.isnan(got):
            return math.isnan(expected) and math.isnan(got)
        return abs(got - expected) <= self.atol + self.rtol * abs(expected)

    def compare(self, expected: Any, got: Any, label: str) -> Verdict:
        if self.close(expected, got):
            return PASSED
        if not is_number(got):
            return fail(f"{label}: expected a number, got {type(got).__name__} {show(got)}")
        if is_number(expected) and math.isnan(expected):
            return fail(f"{label}: expected nan (not computable here), got {show(got)}")
        exact = isinstance(expected, int) or self.rtol == self.atol == 0
        want, have = _shown_pair(expected, got, exact=exact)
        return fail(f"{label}: expected {want}, got {have}{_percent(float(expected), float(got))}")


@dataclass(frozen=True)
class Exact:
    """Equal value and kind: labels, codes, counts that must be exact."""

    def close(self, expected: Any, got: Any) -> bool:
        if is_number(expected) and is_number(got):
            return Number(0.0, 0.0).close(expected, got)
        if isinstance(expected, bool | np.bool_):
            return isinstance(got, bool | np.bool_) and bool(got) == bool(expected)
        if isinstance(expected, str):
            return isinstance(got, str) and str(got) == str(expected)
        if isinstance(expected, dict):
            return (
                isinstance(got, dict)
                and set(map(_key, got)) == set(map(_key, expected))
                and all(self.close(expected[k], got.get(k, got.get(str(k)))) for k in expected)
            )
        return expected is None and got is None

    def compare(self, expected: Any, got: Any, label: str) -> Verdict:
        if self.close(expected, got):
            return PASSED
        if isinstance(expected, dict) and isinstance(got, dict):
            lines = [
                f"{label}[{k!r}]: expected {show(expected[k])}, got {show(got[k])}"
                for k in expected
                if k in got and not self.close(expected[k], got[k])
            ]
            missing = [k for k in expected if k not in got]
            extra = [k for k in got if k not in expected]
            if missing:
                lines.append(f"{label}: missing keys {missing[:MAX_LISTED]}")
            if extra:
                lines.append(f"{label}: unexpected keys {extra[:MAX_LISTED]}")
            return fail(*lines)
        return fail(f"{label}: expected {show(expected)}, got {show(got)}")


def _as_list(value: Any, label: str) -> list | Verdict:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, list):
        return fail(f"{label}: expected a list, got {type(value).__name__}")
    return value


def _difference(expected: set, got: set, label: str, noun: str) -> Verdict:
    if expected == got:
        return PASSED
    missing, extra = sorted(expected - got, key=str), sorted(got - expected, key=str)
    lines = [f"{label}: expected {len(expected)} {noun}, got {len(got)}"]
    if missing:
        lines.append(f"  {len(missing)} missing, e.g. {', '.join(map(str, missing[:MAX_LISTED]))}")
    if extra:
        lines.append(f"  {len(extra)} not expected, e.g. {', '.join(map(str, extra[:MAX_LISTED]))}")
    return fail(*lines)


@dataclass(frozen=True)
class IdSet:
    """A list of ids in any order (duplicates count as a difference)."""

    noun: str = "ids"

    def compare(self, expected: Any, got: Any, label: str) -> Verdict:
        got = _as_list(got, label)
        if isinstance(got, Verdict):
            return got
        if any(isinstance(item, list | dict) for item in got):
            return fail(f"{label}: expected a flat list of ids")
        if len(set(map(_key, got))) != len(got):
            return fail(f"{label}: the list holds the same id more than once")
        return _difference(set(map(_key, expected)), set(map(_key, got)), label, self.noun)


@dataclass(frozen=True)
class Groups:
    """A list of groups of ids (e.g. duplicate images): order of groups and members ignored."""

    def compare(self, expected: Any, got: Any, label: str) -> Verdict:
        got = _as_list(got, label)
        if isinstance(got, Verdict):
            return got
        if not all(isinstance(group, list) for group in got):
            return fail(f"{label}: expected a list of lists of ids")
        groups = lambda value: {tuple(sorted(map(str, group))) for group in value}  # noqa: E731
        return _difference(groups(expected), groups(got), label, "groups")


@dataclass(frozen=True)
class Records:
    """A list of dicts, matched on the fields in ``key`` (other fields are not compared)."""

    key: tuple[str, ...]
    noun: str = "entries"

    def compare(self, expected: Any, got: Any, label: str) -> Verdict:
        got = _as_list(got, label)
        if isinstance(got, Verdict):
            return got
        if not all(isinstance(item, dict) and all(k in item for k in self.key) for item in got):
            return fail(f"{label}: expected a list of dicts with keys {list(self.key)}")
        keys = lambda items: {tuple(_key(item[k]) for k in self.key) for item in items}  # noqa: E731
        return _difference(keys(expected), keys(got), label, self.noun)


@dataclass(frozen=True)
class Array:
    """An array (or list) of numbers: shape first, then values within rtol/atol."""

    rtol: float = 0.0
    atol: float = 0.0

    def compare(self, expected: Any, got: Any, label: str) -> Verdict:
        expected = np.asarray(expected)
        if isinstance(got, list):
            try:
                got = np.asarray(got, dtype=float)
            except (TypeError, ValueError):
                return fail(f"{label}: expected numbers, the list holds something else")
        if not isinstance(got, np.ndarray):
            return fail(f"{label}: expected an array, got {type(got).__name__}")
        if got.shape != expected.shape:
            return fail(f"{label}: expected shape {expected.shape}, got {got.shape}")
        if got.dtype.kind not in "biuf":
            return fail(f"{label}: expected numbers, got dtype {got.dtype}")
        same = np.isclose(
            got.astype(float),
            expected.astype(float),
            rtol=self.rtol,
            atol=self.atol,
            equal_nan=True,
        )
        if same.all():
            return PASSED
        first = tuple(int(i) for i in np.argwhere(~same)[0])
        return fail(
            f"{label}: {int((~same).sum()):,} of {same.size:,} values differ; first at index "
            f"{first}: expected {show(expected[first].item())}, got {show(got[first].item())}"
        )


@dataclass(frozen=True)
class Fields:
    """Selected keys of a dict, each with its own comparison."""

    fields: dict[str, Any]

    def compare(self, expected: Any, got: Any, label: str) -> Verdict:
        if not isinstance(got, dict):
            return fail(f"{label}: expected a dict, got {type(got).__name__}")
        lines: list[str] = []
        for name, comparison in self.fields.items():
            if name not in got:
                lines.append(f"{name}: missing from the returned dict")
                continue
            lines.extend(comparison.compare(expected[name], got[name], name).lines)
        return fail(*lines) if lines else PASSED


@dataclass(frozen=True)
class Sequence:
    """A list compared item by item, in order, with one comparison for every item."""

    item: Any = field(default_factory=Number)

    def compare(self, expected: Any, got: Any, label: str) -> Verdict:
        got = _as_list(got, label)
        if isinstance(got, Verdict):
            return got
        if len(got) != len(expected):
            return fail(f"{label}: expected {len(expected)} items, got {len(got)}")
        for index, (want, have) in enumerate(zip(expected, got, strict=True)):
            verdict = self.item.compare(want, have, f"{label}[{index}]")
            if not verdict.passed:
                return verdict
        return PASSED


def _sorted_numbers(value: Any) -> list[float] | None:
    """The numbers of a list or array in increasing order, NaN last; None for anything else."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, list | tuple) or not all(is_number(item) for item in value):
        return None
    return sorted((float(item) for item in value), key=lambda item: (math.isnan(item), item))


@dataclass(frozen=True)
class Unordered:
    """A list of numbers in any order, matched value by value once both are sorted, each
    within ``item``'s tolerance (NaN matches NaN); as a table cell or on its own."""

    item: Number = field(default_factory=Number)

    def close(self, expected: Any, got: Any) -> bool:
        """Whether ``got`` holds ``expected``'s numbers, in any order."""
        want, have = _sorted_numbers(expected), _sorted_numbers(got)
        return (
            want is not None
            and have is not None
            and len(want) == len(have)
            and all(self.item.close(w, h) for w, h in zip(want, have, strict=True))
        )

    def compare(self, expected: Any, got: Any, label: str) -> Verdict:
        if self.close(expected, got):
            return PASSED
        have = _sorted_numbers(got)
        if have is None:
            return fail(f"{label}: expected a list of numbers, got {show(got)}")
        if len(have) != len(expected):
            return fail(f"{label}: expected {len(expected)} numbers, got {len(have)}: {show(got)}")
        return fail(f"{label}: same count, other numbers: got {show(got)}")


@dataclass(frozen=True)
class Mapping:
    """A dict keyed by id (keys in any order; 3.0 is 3), each value compared with ``item``
    (any comparison with ``close`` and ``compare``)."""

    item: Any
    noun: str = "ids"

    def compare(self, expected: Any, got: Any, label: str) -> Verdict:
        if not isinstance(got, dict):
            return fail(f"{label}: expected a dict, got {type(got).__name__}")
        want = {_key(key): value for key, value in expected.items()}
        have = {_key(key): value for key, value in got.items()}
        lines = list(_difference(set(want), set(have), f"{label} keys", self.noun).lines)
        differing = [
            key
            for key in sorted(set(want) & set(have), key=str)
            if not self.item.close(want[key], have[key])
        ]
        if differing:
            first = self.item.compare(want[differing[0]], have[differing[0]], "first").lines
            lines.append(
                f"{label}: {len(differing)} of {len(want)} {self.noun} differ, "
                f"{label}[{differing[0]!r}]: {first[0].partition(': ')[2]}"
            )
        return fail(*lines) if lines else PASSED


@dataclass(frozen=True)
class Table:
    """A DataFrame keyed by the ``key`` column, rows in any order, a comparison per column."""

    key: str
    columns: dict[str, Any]

    def compare(self, expected: Any, got: Any, label: str) -> Verdict:
        if not isinstance(got, pd.DataFrame):
            return fail(f"{label}: expected a pandas DataFrame, got {type(got).__name__}")
        absent = [name for name in (self.key, *self.columns) if name not in got.columns]
        if absent:
            return fail(f"{label}: columns missing: {', '.join(absent)}")
        want = _rows_by_key(expected, self.key)
        have = _rows_by_key(got, self.key)
        if have is None:
            return fail(f"{label}: the {self.key} column holds the same id more than once")
        rows = _difference(set(want), set(have), f"{label} rows", f"rows ({self.key})")
        lines = list(rows.lines)
        differing = []
        for key in sorted(set(want) & set(have), key=str):
            for name, comparison in self.columns.items():
                if not comparison.close(want[key][name], have[key][name]):
                    differing.append((key, name))
                    break
        if differing:
            key, name = differing[0]
            lines.append(
                f"{label}: {len(differing)} of {len(want)} rows differ, first: {self.key}={key}, "
                f"column {name}: expected {show(want[key][name])}, got {show(have[key][name])}"
            )
        return fail(*lines) if lines else PASSED


def _rows_by_key(frame, key: str) -> dict | None:
    rows = {}
    for record in frame.to_dict("records"):
        value = _key(record[key])
        if value in rows:
            return None
        rows[value] = record
    return rows
