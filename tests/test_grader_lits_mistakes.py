"""Each LiTS detector, on a copy of the reference solution that makes exactly its mistake
(see :mod:`detector_testing`)."""

from pathlib import Path

import pytest
from detector_testing import assert_hint, grade_mistake

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
def tiny_lits(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("mistakes") / "lits-tiny"
    LITS.generator_function()(root, scale="tiny", seed=21, progress=False)
    return root


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_lits_mistake_gets_its_hint(case, tiny_lits, tmp_path):
    module, check, words = case
    assert_hint(grade_mistake(module, LITS, tiny_lits, tmp_path), check, words, CASES)
