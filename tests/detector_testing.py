"""Helpers for the tests of each exercise's detectors: hand-made evidence, and deliberately
wrong solutions graded for real.

:func:`evidence` makes the :class:`~imaging_course.grader.detectors.Evidence` a detector sees
from small hand-made outputs (``test_grader_<dataset>_detector_rules.py``). The modules in
``tests/grader_mistakes/`` are graded for real (sandbox, references of ``solutions/`` on a
tiny generated dataset, computed once per dataset by :func:`mistake_data` and stored, as
`make reference` stores them); the check the mistake breaks must fail and its feedback must
carry the detector's hint, and no other detector's hint. The cases of each exercise are in
``test_grader_<dataset>_mistakes.py``.
"""

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from imaging_course.course_modules import SOLUTIONS_DIR
from imaging_course.datasets.registry import Dataset
from imaging_course.grader.course import course_table
from imaging_course.grader.detectors import Evidence
from imaging_course.grader.reference import compute_references, write_references
from imaging_course.grader.sandbox import Sandbox

MISTAKES = Path(__file__).resolve().parent / "grader_mistakes"


def evidence(expected, got, *, args=(), status="ok", error=None, references=None) -> Evidence:
    """What a detector sees when the call returned ``got`` where ``expected`` was due."""
    return Evidence(expected, got, status, error or {}, args, Path(), references or {})


@dataclass(frozen=True)
class MistakeData:
    """A tiny dataset, and the folder of the references stored on it."""

    root: Path
    references: Path


def mistake_data(dataset: Dataset, folder: Path) -> MistakeData:
    """A tiny ``dataset`` (seed 21) in ``folder`` and its references, stored once: each
    mistake's grading then runs the learner's calls only, not the reference solutions too."""
    root = folder / f"{dataset.name}-tiny"
    dataset.generator_function()(root, scale="tiny", seed=21, progress=False)
    references = folder / "references"
    with Sandbox(reads=[root, SOLUTIONS_DIR]) as sandbox:
        computed = compute_references(course_table(), dataset.name, root, SOLUTIONS_DIR, sandbox)
    write_references(computed, references)
    return MistakeData(root, references)


def grade_mistake(module: str, dataset: Dataset, data: MistakeData, tmp_path: Path) -> str:
    """Grade a copy of ``dataset``'s reference solution in which ``module`` of
    ``grader_mistakes/`` replaces the functions it defines, on ``data``; the grader's output
    (the run must fail, and it must have used the stored references)."""
    root = data.root
    exercise = dataset.exercise
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
            f"{dataset.name}={root}",
            "--reference-dir",
            str(data.references),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 1, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "references computed" not in completed.stdout, completed.stdout[-3000:]
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


def assert_hint(output: str, check: str, words: str, cases: list[tuple[str, str, str]]) -> None:
    """``check`` failed with the hint ``words``, and no other detector of ``cases`` (module,
    check, words of its hint) spoke."""
    feedback = feedback_of(output, check)
    assert feedback is not None, f"{check} did not fail:\n{output[-3000:]}"
    assert f"hint: {words}" in feedback or words in feedback
    assert not [other for _, _, other in cases if other != words and other in output]
