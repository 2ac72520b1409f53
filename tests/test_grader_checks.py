"""The course's check table against the exercise contract's output shapes.

Outputs shaped as /tmp/exercise_contract.md (issue 4) describes them, written out here by
hand: every check must pass on an identical copy, fail when the part it reads changes, and
read only keys and columns the contract defines.
"""

import copy
import math

import numpy as np
import pandas as pd
import pytest

from imaging_course.grader.checks import COURSE_TABLE, select
from imaging_course.grader.detectors import DETECTORS

HEADER_TABLE = pd.DataFrame(
    {
        "image_id": ["1.2.1", "1.2.2", "1.2.3"],
        "split": ["train", "train", "test"],
        "patient_id": ["p1", "p2", "p3"],
        "age": [38.0, math.nan, 130.0],
        "sex": ["M", "F", ""],
        "view": ["PA", "AP", ""],
        "rows": [1024, 1024, 1024],
        "columns": [1024, 1024, 1024],
        "pixel_spacing_mm": [0.168, 0.143, math.nan],
    }
)

CONTRACT_OUTPUTS = {
    "scan_dicom_headers": {
        "table": HEADER_TABLE,
        "unreadable": [{"path": "dicom-images-train/x/y/z.dcm", "reason": "not DICOM"}],
    },
    "demographics": {
        "sex_counts": {"M": 1, "F": 1},
        "view_counts": {"PA": 1, "AP": 1},
        "age_mean": 38.0,
        "age_median": 38.0,
        "age_min": 38.0,
        "age_max": 38.0,
        "impossible_ages": ["1.2.3"],
    },
    "decode_rle": np.eye(4, dtype=np.uint8) * 255,
    "decode_rle_empty": np.zeros((32, 48), dtype=np.uint8),
    "label_statistics": {
        "images_labelled": 3,
        "positive_images": 2,
        "positive_fraction": 2 / 3,
        "images_with_several_masks": 1,
        "files_without_row": ["1.2.9"],
        "rows_without_file": ["1.2.8"],
    },
    "mask_statistics": pd.DataFrame(
        {
            "image_id": ["1.2.1", "1.2.2"],
            "view": ["PA", "AP"],
            "area_px": [1000, 2000],
            "area_cm2": [0.282, 0.409],
            "upper_half_share": [0.75, 0.1],
        }
    ),
    "intensity_statistics": pd.DataFrame(
        {"view": ["AP", "PA"], "n_images": [1, 1], "mean": [120.5, 99.0], "std": [30.0, 41.5]}
    ),
    "duplicate_images": [["1.2.1", "1.2.4"]],
    "data_quality_report": {
        "unreadable": ["dicom-images-train/x/y/z.dcm"],
        "missing_tags": [{"image_id": "1.2.3", "tag": "PatientAge"}],
        "duplicates": [["1.2.1", "1.2.4"]],
        "impossible_ages": ["1.2.3"],
        "files_without_row": ["1.2.9"],
        "rows_without_file": ["1.2.8"],
    },
    "volume_table": pd.DataFrame(
        {
            "case_id": [0, 1],
            "nx": [64, 64],
            "ny": [64, 64],
            "nz": [20, 30],
            "spacing_x_mm": [0.8, 0.7],
            "spacing_y_mm": [0.8, 0.7],
            "spacing_z_mm": [2.5, 1.0],
            "orientation": ["LAS", "LPS"],
            "hu_min": [-1024.0, -1000.0],
            "hu_max": [1500.0, 2000.0],
            "affine_matches": [True, False],
        }
    ),
    "case_statistics": pd.DataFrame(
        {
            "case_id": [0, 1],
            "liver_ml": [1500.0, 1200.0],
            "tumour_ml": [30.0, 0.0],
            "lesion_count": [2, 0],
            "tumour_burden": [0.02, 0.0],
            "liver_hu_mean": [60.0, 55.0],
            "liver_hu_std": [10.0, 12.0],
            "tumour_hu_mean": [40.0, math.nan],
            "tumour_hu_std": [8.0, math.nan],
            "liver_extent_mm": [150.0, 120.0],
        }
    ),
    "hu_histograms": {
        "bin_edges": [float(v) for v in range(-1024, 1025, 16)],
        "background": [5] * 128,
        "liver": [3] * 128,
        "tumour": [1] * 128,
    },
    "dataset_summary": {
        "n_cases": 2,
        "orientation_counts": {"LAS": 1, "LPS": 1},
        "slice_spacings_mm": [1.0, 2.5],
        "tumour_free_cases": [1],
        "affine_mismatch_cases": [1],
    },
}


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


@pytest.mark.parametrize("check", COURSE_TABLE.checks, ids=lambda check: check.id)
def test_every_check_passes_on_the_contract_shape(check):
    output = CONTRACT_OUTPUTS[check.call]
    expected = select(output, check.select)
    verdict = check.comparison.compare(expected, select(copy.deepcopy(output), check.select), "x")
    assert verdict.passed, verdict.lines
    assert set(check.detectors) <= set(DETECTORS)


@pytest.mark.parametrize("check", COURSE_TABLE.checks, ids=lambda check: check.id)
def test_every_check_reads_only_contract_columns(check):
    comparison = check.comparison
    output = select(CONTRACT_OUTPUTS[check.call], check.select)
    if hasattr(comparison, "columns"):
        assert {comparison.key, *comparison.columns} <= set(output.columns)
    if hasattr(comparison, "fields"):
        assert set(comparison.fields) <= set(output)


def test_changed_outputs_fail():
    names = ("decode_rle", "mask_statistics", "intensity_statistics", "volume_table")
    for name in (*names, "case_statistics"):
        output = CONTRACT_OUTPUTS[name]
        for check in (c for c in COURSE_TABLE.checks if c.call == name):
            verdict = check.comparison.compare(output, changed(output), "x")
            assert not verdict.passed, check.id


def test_every_call_has_a_check_and_the_points_add_up():
    called = {check.call for check in COURSE_TABLE.checks}
    assert called == set(COURSE_TABLE.calls)
    assert set(COURSE_TABLE.calls) == set(CONTRACT_OUTPUTS)
    assert len({check.id for check in COURSE_TABLE.checks}) == len(COURSE_TABLE.checks)
    assert all(check.points >= 1 for check in COURSE_TABLE.checks)
