"""Comparisons: tolerances, order-insensitive tables, and feedback that says how far off."""

import math

import numpy as np
import pandas as pd
import pytest

from imaging_course.grader.compare import (
    Array,
    Exact,
    Fields,
    Groups,
    IdSet,
    Mapping,
    Number,
    Table,
    Unordered,
)


def test_number_feedback_gives_size_and_relative_error():
    verdict = Number().compare(60.4, 74.0, "mean_age")
    assert not verdict.passed
    assert verdict.lines == ("mean_age: expected about 60, got 74 (+23%)",)
    assert Number(rtol=1e-3).compare(1000.0, 1000.9, "x").passed
    assert not Number(rtol=1e-3).compare(1000.0, 1001.1, "x").passed
    assert Number().compare(math.nan, math.nan, "x").passed
    assert not Number().compare(1.0, True, "x").passed
    assert "expected a number, got str" in Number().compare(1.0, "1.0", "x").lines[0]


@pytest.mark.parametrize(
    ("comparison", "expected", "got", "line"),
    [
        (Number(), 300, 301, "n: expected 300, got 301 (+0.33%)"),
        (Number(), 60, 74, "n: expected 60, got 74 (+23%)"),
        (Number(0, 0), 300.0, 300.5, "n: expected 300, got 300.5 (+0.17%)"),
        (Number(rtol=1e-3), 301.4, 300.0, "n: expected 301.4, got 300 (-0.46%)"),
        (Number(rtol=1e-9), 0.1234567, 0.1234568, "n: expected 0.1234567, got 0.1234568 (+<0.01%)"),
    ],
    ids=["count", "count-far", "exact-float", "rounding-would-hide", "tiny-difference"],
)
def test_number_feedback_is_exact_for_counts_and_never_hides_a_difference(
    comparison, expected, got, line
):
    assert comparison.compare(expected, got, "n").lines == (line,)


def ages_table(count: int) -> pd.DataFrame:
    ids = [f"1.2.{i}" for i in range(count)]
    return pd.DataFrame({"image_id": ids, "age": [38.0 + i % 40 for i in range(count)]})


def test_table_is_keyed_by_id_and_reports_the_first_difference():
    expected = ages_table(300)
    got = expected.sample(frac=1.0, random_state=0).reset_index(drop=True)
    table = Table("image_id", {"age": Number(rtol=0, atol=1e-6)})
    assert table.compare(expected, got, "table").passed
    wrong = [f"1.2.{i}" for i in range(0, 300, 25)]
    got.loc[got["image_id"].isin(wrong), "age"] = math.nan
    verdict = table.compare(expected, got, "table")
    assert not verdict.passed
    assert verdict.lines == (
        "table: 12 of 300 rows differ, first: image_id=1.2.0, column age: expected 38, got nan",
    )


def test_table_reports_missing_rows_and_columns():
    expected = ages_table(5)
    table = Table("image_id", {"age": Number()})
    verdict = table.compare(expected, expected.iloc[1:], "table")
    assert "1 missing, e.g. 1.2.0" in "\n".join(verdict.lines)
    verdict = table.compare(expected, expected.drop(columns="age"), "table")
    assert verdict.lines == ("table: columns missing: age",)
    doubled = pd.concat([expected, expected.iloc[:1]])
    assert "more than once" in table.compare(expected, doubled, "table").lines[0]


def test_arrays_compare_shape_then_values():
    mask = np.zeros((4, 6), dtype=np.uint8)
    mask[1, 2] = 255
    assert Array().compare(mask, mask.copy(), "mask").passed
    assert Array().compare(mask, mask.T, "mask").lines == (
        "mask: expected shape (4, 6), got (6, 4)",
    )
    other = mask.copy()
    other[1, 2] = 0
    assert Array().compare(mask, other, "mask").lines == (
        "mask: 1 of 24 values differ; first at index (1, 2): expected 255, got 0",
    )


def test_ids_groups_and_fields():
    assert IdSet().compare(["a", "b"], ["b", "a"], "ids").passed
    verdict = IdSet("image ids").compare(["a", "b", "c"], ["a", "d"], "files_without_row")
    assert verdict.lines == (
        "files_without_row: expected 3 image ids, got 2",
        "  2 missing, e.g. b, c",
        "  1 not expected, e.g. d",
    )
    assert Groups().compare([["a", "b"], ["c", "d"]], [["d", "c"], ["b", "a"]], "dups").passed
    fields = Fields({"n": Number(0, 0), "codes": Exact()})
    verdict = fields.compare({"n": 3, "codes": {"LAS": 2}}, {"codes": {"RAS": 2}}, "summary")
    assert verdict.lines[0] == "n: missing from the returned dict"
    assert "codes: missing keys ['LAS']" in verdict.lines


def test_the_learners_value_is_rounded_like_the_expected_one():
    assert Number().compare(47.3, 48.0237, "age").lines == ("age: expected about 47, got 48 (+2%)",)
    assert Number().compare(0.01234, 0.04561, "share").lines == (
        "share: expected about 0.012, got 0.046 (+270%)",
    )
    # Where that rounding would show both the same, both get the digits that tell them apart.
    assert Number(rtol=1e-3).compare(47.3, 47.46, "age").lines == (
        "age: expected 47.3, got 47.46 (+0.34%)",
    )


def test_unordered_numbers_and_mappings_keyed_by_id():
    values = Unordered(Number(0, 0))
    assert values.compare([0.0, 1.0, 2.0], [2, 0, 1], "labels").passed
    assert values.compare([0.0, math.nan], np.array([math.nan, 0.0]), "labels").passed
    assert not values.compare([0.0, 1.0], [0.0, 1.0, 1.0], "labels").passed
    assert not values.compare([0.0, 1.0], ["0", "1"], "labels").passed
    assert Unordered(Number(rtol=1e-6)).compare([10.0, 3.0], [3.000001, 10.0], "d").passed

    mapping = Mapping(values, "cases")
    assert mapping.compare({0: [0.0, 1.0], 3: []}, {3.0: [], 0: [1, 0]}, "labels").passed
    verdict = mapping.compare({0: [0.0, 1.0], 3: [0.0, 2.0]}, {0: [0, 1], 3: [0, 1]}, "labels")
    assert verdict.lines == ("labels: 1 of 2 cases differ, labels[3]: same count, other "
                             "numbers: got [0, 1]",)  # fmt: skip
    shorter = values.compare([0.0, 1.0], [0.0], "labels")
    assert shorter.lines == ("labels: expected 2 numbers, got 1: [0.0]",)
    missing = mapping.compare({0: [0.0], 3: [0.0]}, {0: [0.0]}, "labels")
    assert missing.lines[0] == "labels keys: expected 2 cases, got 1"
    assert "expected a dict, got list" in mapping.compare({0: [0.0]}, [[0.0]], "labels").lines[0]
