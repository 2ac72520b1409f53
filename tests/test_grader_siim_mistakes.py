"""Each SIIM detector, on a copy of the reference solution that makes its mistake (see
:mod:`detector_testing`): one module per mistake, and one module that makes several mistakes
in several functions at once, graded once for all its rows."""

import pytest
from detector_testing import MistakeData, assert_hint, feedback_of, grade_mistake, mistake_data

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
SEVERAL = "siim_prevalence_masks_splits"
SEVERAL_CASES = [
    # (the check one of the module's mistakes breaks, words of the detector's hint)
    ("siim-prevalence-counts", "counts rows of train-rle.csv"),
    ("siim-prevalence-interval", "Your intervals are Wald intervals"),
    ("siim-mask-side", "Your sides are swapped"),
    ("siim-mask-area-fraction", "area_fraction is an area in mm2"),
    ("siim-header-consistency", "it is not in the data set but in the file meta group"),
    ("siim-split-shares", "column holds counts of images"),
]


@pytest.fixture(scope="module")
def tiny_siim(tmp_path_factory) -> MistakeData:
    return mistake_data(SIIM, tmp_path_factory.mktemp("mistakes"))


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_siim_mistake_gets_its_hint(case, tiny_siim, tmp_path):
    module, check, words = case
    assert_hint(grade_mistake(module, SIIM, tiny_siim, tmp_path), check, words, CASES)


@pytest.fixture(scope="module")
def several_mistakes(tiny_siim, tmp_path_factory) -> str:
    """The grader's output on the module that makes every mistake of :data:`SEVERAL_CASES`."""
    return grade_mistake(SEVERAL, SIIM, tiny_siim, tmp_path_factory.mktemp("several"))


@pytest.mark.parametrize("case", SEVERAL_CASES, ids=[case[0] for case in SEVERAL_CASES])
def test_each_of_several_mistakes_gets_its_own_hint(case, several_mistakes):
    check, words = case
    feedback = feedback_of(several_mistakes, check)
    assert feedback is not None, f"{check} did not fail:\n{several_mistakes[-3000:]}"
    assert words in feedback
    others = [other for _, other in SEVERAL_CASES + [c[1:] for c in CASES] if other != words]
    assert not [other for other in others if other in feedback]


def test_several_mistakes_break_only_their_own_checks(several_mistakes):
    failed = {
        line.split(" [sample]")[0].split()[-1]
        for line in several_mistakes.splitlines()
        if " [sample]" in line and ": 0 of " in line and not line.startswith(" ")
    }
    assert failed == {check for check, _ in SEVERAL_CASES}
