"""Each SIIM detector, on a copy of the reference solution that makes exactly its mistake
(see :mod:`detector_testing`)."""

from pathlib import Path

import pytest
from detector_testing import assert_hint, grade_mistake

from imaging_course.datasets.registry import DATASETS

SIIM = DATASETS["siim"]
CASES = [
    # (module in grader_mistakes/, the check it breaks, words of the detector's hint)
    ("siim_csv_rows", "siim-label-counts", "equals the number of rows of train-rle.csv"),
    ("siim_rle_absolute", "siim-decode-rle", "absolute pixel offset"),
    ("siim_rle_row_major", "siim-decode-rle", "Your masks are transposed"),
    ("siim_pixels_not_cm2", "siim-mask-area-cm2", "area_cm2 holds the pixel count"),
    ("siim_age_string", "siim-header-ages", "DICOM Age String"),
    ("siim_unreadable_crash", "siim-unreadable-files", "One unreadable file stopped"),
    ("siim_overflow", "siim-intensity-by-view", "integer overflow"),
]


@pytest.fixture(scope="module")
def tiny_siim(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("mistakes") / "siim-tiny"
    SIIM.generator_function()(root, scale="tiny", seed=21, progress=False)
    return root


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_siim_mistake_gets_its_hint(case, tiny_siim, tmp_path):
    module, check, words = case
    assert_hint(grade_mistake(module, SIIM, tiny_siim, tmp_path), check, words, CASES)
