"""Every check counts, whatever a learner returns: a property-based fuzz of the comparisons.

Hypothesis throws arbitrary plain data (and the expected outputs with one part changed) at
every check of the course's table, on sample and held-out variants, through the same path a
call's value takes: the result codec (which may refuse the value, as the sandbox would), then
:meth:`GradingRun.evaluate`. No exception may escape, and the report's total counts every
check of the table, whatever passed or failed.
"""

import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imaging_course.grader import plain_data
from imaging_course.grader.course import course_table
from imaging_course.grader.grading_run import GradingRun, Variant
from imaging_course.grader.report import build_report
from imaging_course.grader.sandbox import CallResult

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.integers(min_value=10**300, max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
PLAIN = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8) | st.integers(-5, 5), inner, max_size=4)
    ),
    max_leaves=12,
)
ARRAYS = st.builds(
    lambda shape, kind, fill: np.full(shape, fill).astype(kind),
    st.lists(st.integers(0, 4), min_size=1, max_size=3).map(tuple),
    st.sampled_from(["uint8", "int64", "float64", "bool"]),
    st.floats(-1e3, 1e3),
)


def frame_like(expected: pd.DataFrame, draw) -> pd.DataFrame:
    """The expected table with some cells, a column or the rows changed."""
    frame = expected.copy()
    if frame.empty or draw(st.booleans()):
        return frame.iloc[draw(st.integers(0, max(0, len(frame) - 1))) :]
    column = draw(st.sampled_from(list(frame.columns)))
    row = draw(st.integers(0, len(frame) - 1))
    cells = frame[column].astype(object).tolist()
    cells[row] = draw(SCALARS)
    frame[column] = pd.Series(cells, dtype=object)
    return frame


def mutated(expected, draw):
    """``expected`` with one part replaced by arbitrary plain data."""
    if isinstance(expected, pd.DataFrame):
        return frame_like(expected, draw)
    if isinstance(expected, dict) and expected:
        value = dict(expected)
        key = draw(st.sampled_from(sorted(value, key=str)))
        inner = value[key]
        value[key] = mutated(inner, draw) if draw(st.booleans()) else draw(PLAIN | ARRAYS)
        return value
    if isinstance(expected, np.ndarray) and expected.size:
        value = expected.astype(float)
        value.flat[draw(st.integers(0, value.size - 1))] = draw(st.floats(allow_nan=True))
        return value
    return draw(PLAIN | ARRAYS)


def through_the_codec(value, folder: Path) -> CallResult:
    """What the grader gets back for ``value``: decoded plain data, or a refusal."""
    try:
        tree = plain_data.encode(value, folder, budget=32 * 2**20)
        return CallResult("ok", value=plain_data.decode(tree, folder))
    except plain_data.PlainDataError as exc:
        return CallResult("bad-result", error={"message": str(exc)})


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_value_breaks_a_check_or_the_total(tiny_course, data):
    variants = []
    for references in tiny_course.references.values():
        variants += [Variant("sample", references), Variant("held-out", references)]
    run = GradingRun(Path("/nonexistent"), variants, course_table(), sandbox=None)
    with tempfile.TemporaryDirectory() as scratch:
        for index, (variant, name) in enumerate(
            (v, spec.name)
            for v in variants
            for spec in course_table().calls.values()
            if spec.dataset == v.references.dataset
        ):
            expected = variant.references.outputs[name]
            value = (
                mutated(expected, data.draw)
                if data.draw(st.booleans())
                else data.draw(PLAIN | ARRAYS)
            )
            folder = Path(scratch) / str(index)
            folder.mkdir()
            run.results[(variant.label, name)] = through_the_codec(value, folder)
        outcomes = [
            run.evaluate(check, variant)
            for variant in variants
            for check in course_table().checks
            if course_table().spec(check).dataset == variant.references.dataset
        ]
    report = build_report(outcomes, "fuzz", {})
    assert report["points"] == 2 * sum(check.points for check in course_table().checks)
    assert len(report["checks"]) == 2 * len(course_table().checks)
    for outcome in outcomes:
        assert outcome.passed or outcome.feedback, outcome.name
        assert all(isinstance(line, str) for line in outcome.feedback + outcome.hints)
        assert not any("Traceback" in line for line in outcome.feedback)


def test_values_that_cannot_be_compared_are_refused_by_name(tmp_path):
    refused = {
        "huge int": {"count": 10**400},
        "lone surrogate": ["\ud800"],
        "huge int in a table": pd.DataFrame({"n": pd.Series([10**400], dtype=object)}),
    }
    messages = {"huge int": "beyond what a float", "lone surrogate": "not valid Unicode"}
    messages["huge int in a table"] = r"result\['n'\]: an int of 401 digits"
    for name, value in refused.items():
        with pytest.raises(plain_data.PlainDataError, match=messages[name]):
            plain_data.encode(value, tmp_path)
    forged = {"t": "dict", "v": [[{"t": "str", "v": "n"}, {"t": "int", "v": 10**400}]]}
    with pytest.raises(plain_data.PlainDataError, match=r"result\['n'\]: an int of 401 digits"):
        plain_data.decode(forged, tmp_path)
    assert math.isnan(plain_data.decode(plain_data.encode(math.nan, tmp_path), tmp_path))
