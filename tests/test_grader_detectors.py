"""Each detector, on a copy of the reference solution that makes exactly its mistake.

The modules in ``tests/grader_mistakes/`` are graded for real (sandbox, references computed
live from ``solutions/`` on a tiny generated dataset); the check the mistake breaks must fail
and its feedback must carry the detector's hint, and no other detector's hint.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from imaging_course.course_modules import SOLUTIONS_DIR
from imaging_course.datasets.lits.generate import generate_lits
from imaging_course.datasets.siim.generate import generate_siim

MISTAKES = Path(__file__).resolve().parent / "grader_mistakes"

SIIM_CASES = [
    # (module in grader_mistakes/, the check it breaks, words of the detector's hint)
    ("siim_csv_rows", "siim-label-counts", "equals the number of rows of train-rle.csv"),
    ("siim_rle_absolute", "siim-decode-rle", "absolute pixel offset"),
    ("siim_rle_row_major", "siim-decode-rle", "Your masks are transposed"),
    ("siim_pixels_not_cm2", "siim-mask-area-cm2", "area_cm2 holds the pixel count"),
    ("siim_age_string", "siim-header-ages", "DICOM Age String"),
    ("siim_unreadable_crash", "siim-unreadable-files", "One unreadable file stopped"),
    ("siim_overflow", "siim-intensity-by-view", "integer overflow"),
]
LITS_CASES = [
    ("lits_voxels_not_ml", "lits-liver-volume", "liver_ml holds voxel counts"),
    ("lits_tumour_outside_liver", "lits-liver-volume", "leaves the tumour out"),
    ("lits_orientation_flip", "lits-orientation", "Some axes are flipped"),
    ("lits_overflow", "lits-hu-by-label", "integer overflow"),
]
HINT_WORDS = [case[2] for case in SIIM_CASES + LITS_CASES]


@pytest.fixture(scope="module")
def tiny_siim(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("mistakes") / "siim-tiny"
    generate_siim(root, scale="tiny", seed=21, progress=False)
    return root


@pytest.fixture(scope="module")
def tiny_lits(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("mistakes") / "lits-tiny"
    generate_lits(root, scale="tiny", seed=21, progress=False)
    return root


def grade_mistake(module: str, exercise: str, root: Path, tmp_path: Path) -> str:
    learner = tmp_path / "learner"
    learner.mkdir()
    shutil.copy(SOLUTIONS_DIR / f"{exercise}.py", learner / f"{exercise}_base.py")
    shutil.copy(MISTAKES / f"{module}.py", learner / f"{exercise}.py")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "imaging_course.grader",
            "grade",
            "--no-held-out",
            "--solutions",
            str(learner),
            "--grade-exercises",
            exercise,
            "--dataset-root",
            f"{exercise.split('_', maxsplit=1)[0]}={root}",
            "--reference-dir",
            str(tmp_path / "no-stored-references"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 1, completed.stdout[-3000:] + completed.stderr[-3000:]
    return completed.stdout


def feedback_of(output: str, check: str) -> str | None:
    """The feedback block (indented lines) under the header that names ``check [sample]``."""
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if not line.startswith(" ") and f"{check} [sample]" in line and ": 0 of " in line:
            block = []
            for following in lines[index + 1 :]:
                if not following.startswith("  "):
                    break
                block.append(following)
            return "\n".join(block)
    return None


def assert_hint(output: str, check: str, words: str) -> None:
    """``check`` failed with the hint ``words``, and no other detector spoke."""
    feedback = feedback_of(output, check)
    assert feedback is not None, f"{check} did not fail:\n{output[-3000:]}"
    assert f"hint: {words}" in feedback or words in feedback
    assert not [other for other in HINT_WORDS if other != words and other in output]


@pytest.mark.parametrize("case", SIIM_CASES, ids=[case[0] for case in SIIM_CASES])
def test_siim_mistake_gets_its_hint(case, tiny_siim, tmp_path):
    module, check, words = case
    assert_hint(grade_mistake(module, "siim_eda", tiny_siim, tmp_path), check, words)


@pytest.mark.parametrize("case", LITS_CASES, ids=[case[0] for case in LITS_CASES])
def test_lits_mistake_gets_its_hint(case, tiny_lits, tmp_path):
    module, check, words = case
    assert_hint(grade_mistake(module, "lits_eda", tiny_lits, tmp_path), check, words)
