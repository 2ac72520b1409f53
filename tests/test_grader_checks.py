"""The course's check table against the exercise contract's output shapes.

Outputs shaped as each function's docstring describes them, written out by hand per exercise
in ``grader_contracts/<exercise>.py``: every check must pass on an identical copy, fail when
the part it reads changes, and read only keys and columns the contract defines.
"""

import copy
import dataclasses
from importlib import import_module

import numpy as np
import pandas as pd
import pytest

from imaging_course.datasets.registry import DATASETS
from imaging_course.grader.check_table import join_tables, load_table, select
from imaging_course.grader.course import course_table

CONTRACT_OUTPUTS = {
    call: output
    for dataset in DATASETS.values()
    for call, output in import_module(f"grader_contracts.{dataset.exercise}").OUTPUTS.items()
}
"""Every call's output in the exercise contract's shape (``grader_contracts/<exercise>.py``)."""


def changed(value):
    """The same output with the first row (or element) changed in every column."""
    if isinstance(value, pd.DataFrame):
        rows = value.to_dict("records")
        for column, cell in list(rows[0].items())[1:]:
            if isinstance(cell, bool | np.bool_):
                rows[0][column] = not cell
            elif isinstance(cell, str):
                rows[0][column] = cell + "x"
            else:
                rows[0][column] = float(cell) * 1.5 + 1
        return pd.DataFrame(rows)
    other = value.copy()
    other.flat[0] = 1 if other.flat[0] == 0 else 0
    return other


@pytest.mark.parametrize("check", course_table().checks, ids=lambda check: check.id)
def test_every_check_passes_on_the_contract_shape(check):
    output = CONTRACT_OUTPUTS[check.call]
    expected = select(output, check.select)
    verdict = check.comparison.compare(expected, select(copy.deepcopy(output), check.select), "x")
    assert verdict.passed, verdict.lines


@pytest.mark.parametrize("check", course_table().checks, ids=lambda check: check.id)
def test_every_check_reads_only_contract_columns(check):
    comparison = check.comparison
    output = select(CONTRACT_OUTPUTS[check.call], check.select)
    if hasattr(comparison, "columns"):
        assert {comparison.key, *comparison.columns} <= set(output.columns)
    if hasattr(comparison, "fields"):
        assert set(comparison.fields) <= set(output)


def test_changed_tables_and_arrays_fail():
    tables_and_arrays = {
        name: output
        for name, output in CONTRACT_OUTPUTS.items()
        if isinstance(output, pd.DataFrame | np.ndarray)
    }
    assert {"decode_rle", "mask_statistics", "volume_table", "case_statistics"} <= set(
        tables_and_arrays
    )
    for name, output in tables_and_arrays.items():
        for check in (c for c in course_table().checks if c.call == name):
            verdict = check.comparison.compare(output, changed(output), "x")
            assert not verdict.passed, check.id


def test_every_call_has_a_check_and_the_points_add_up():
    called = {check.call for check in course_table().checks}
    assert called == set(course_table().calls)
    assert set(course_table().calls) == set(CONTRACT_OUTPUTS)
    assert len({check.id for check in course_table().checks}) == len(course_table().checks)
    assert all(check.points >= 1 for check in course_table().checks)


def test_exercise_tables_join_in_registry_order_and_never_share_a_name():
    tables = [load_table(dataset.checks) for dataset in DATASETS.values()]
    joined = course_table()
    assert joined.checks == tuple(check for table in tables for check in table.checks)
    assert joined.datasets() == list(DATASETS)
    assert joined.generators == {name: dataset.generator for name, dataset in DATASETS.items()}
    first = tables[0]
    with pytest.raises(ValueError, match="two tables have calls named"):
        join_tables([first, first])
    renamed = dataclasses.replace(first, calls={f"other-{n}": s for n, s in first.calls.items()})
    with pytest.raises(ValueError, match=f"two checks have the id .*{first.checks[0].id}"):
        join_tables([first, renamed])
