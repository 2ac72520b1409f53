"""Each LiTS detector, on a copy of the reference solution that makes exactly its mistake
(see :mod:`detector_testing`)."""

import pytest
from detector_testing import MistakeData, assert_hint, feedback_of, grade_mistake, mistake_data

from imaging_course.datasets.registry import DATASETS

LITS = DATASETS["lits"]

CASES = [
    # (module in grader_mistakes/, the check it breaks, words of the detector's hint)
    ("lits_voxels_not_ml", "lits-liver-volume", "liver_ml holds voxel counts"),
    ("lits_tumour_outside_liver", "lits-liver-volume", "leaves the tumour out"),
    ("lits_orientation_flip", "lits-orientation", "Some axes are flipped"),
    ("lits_overflow", "lits-hu-by-label", "integer overflow"),
]


@pytest.fixture(scope="module")
def tiny_lits(tmp_path_factory) -> MistakeData:
    return mistake_data(LITS, tmp_path_factory.mktemp("mistakes"))


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_lits_mistake_gets_its_hint(case, tiny_lits, tmp_path):
    module, check, words = case
    assert_hint(grade_mistake(module, LITS, tiny_lits, tmp_path), check, words, CASES)


NEW_TASK_HINTS = [
    # (the check the module breaks, words of the detector's hint)
    ("lits-storage-dtypes", "volume_dtype gives float64, the dtype of the values once read"),
    ("lits-storage-scaling", "is missing (NaN or None): nib.load moves the scaling"),
    ("lits-label-values", "label_values gives 0, 1, 2 for segmentations"),
    ("lits-slice-geometry", "fov_x_mm holds a number of voxels"),
    ("lits-class-balance", "tumour_slice_fraction holds the voxel share"),
    ("lits-lesion-sizes", "Lesion sizes are in voxels"),
    ("lits-small-lesions", "Lesion sizes are in voxels"),
    ("lits-window-liver", "liver_hu_mean of the scaled volumes is in stored numbers"),
]


def test_lits_new_tasks_mistakes_get_their_hints_in_one_grading(tiny_lits, tmp_path):
    """One submission with a mistake in each newer function, graded once: each check fails
    with its own hint, and the checks the mistakes leave alone pass."""
    output = grade_mistake("lits_new_tasks", LITS, tiny_lits, tmp_path)
    for check, words in NEW_TASK_HINTS:
        feedback = feedback_of(output, check)
        assert feedback is not None, f"{check} did not fail:\n{output[-3000:]}"
        assert words in feedback, f"{check}:\n{feedback}"
        others = [other for _, other in NEW_TASK_HINTS if other != words]
        assert not [other for other in others if other in feedback], feedback
    checks_left_alone = ("lits-resampling-cost", "lits-window-slice", "lits-liver-volume")
    for check in checks_left_alone:
        assert feedback_of(output, check) is None, output[-3000:]
