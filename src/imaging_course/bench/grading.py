"""Grading speed: `make grade` on the reference solutions, batch grading, sandbox call cost.

Figures, each beside its anchor timed in the same run:

* ``make grade`` on ``solutions/`` at sample scale (held-out data included, caches warm),
  against the goal of 15 s;
* one sandbox call (fork server, libraries imported once) against a fresh interpreter that
  imports the same libraries, which is what a process per call would cost;
* `make grade-all` of 20 copies of ``solutions/`` on every core against one at a time
  (goal: at least 1.8 times faster).

The first line says which sandbox limits were in force (they differ between machines: a
cgroup, namespaces and a user of its own per call need root).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from imaging_course.course_modules import SOLUTIONS_DIR
from imaging_course.datasets.paths import REPO_ROOT
from imaging_course.datasets.registry import DATASETS
from imaging_course.grader.sandbox import Call, Sandbox

BATCH_LEARNERS = 20
SANDBOX_CALLS = 40
IMPORTS = "import numpy, pandas, pydicom, nibabel, scipy.ndimage"


def _seconds(command: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, check=False, cwd=REPO_ROOT)
    return time.perf_counter() - start, completed.returncode


def _grade_command() -> list[str]:
    return [sys.executable, "-m", "imaging_course.grader", "grade", "-q", "--solutions"]


def _sandbox_call_seconds(folder: Path) -> float:
    (folder / "trivial.py").write_text("def answer():\n    return 42\n", encoding="utf-8")
    calls = [Call("trivial", "answer", (), folder, 10.0)] * SANDBOX_CALLS
    with Sandbox(workers=1) as sandbox:
        print(sandbox.describe())
        sandbox.run(calls[:1])
        start = time.perf_counter()
        sandbox.run(calls)
        return (time.perf_counter() - start) / SANDBOX_CALLS


def _batch_seconds(folder: Path, jobs: int) -> float:
    command = [
        sys.executable,
        "-m",
        "imaging_course.grader",
        "grade-all",
        str(folder / "submissions"),
        "--out",
        str(folder / f"grades-{jobs}"),
        "--jobs",
        str(jobs),
    ]
    seconds, _ = _seconds(command)
    return seconds


def run() -> None:
    """Print the grading figures (needs the sample data and solutions/)."""
    if not all((SOLUTIONS_DIR / f"{d.exercise}.py").is_file() for d in DATASETS.values()):
        print("solutions/ is missing: nothing to grade")
        return
    _seconds([*_grade_command(), str(SOLUTIONS_DIR)])  # warm: references, held-out data
    grade, status = _seconds([*_grade_command(), str(SOLUTIONS_DIR)])
    fresh, _ = _seconds([sys.executable, "-c", IMPORTS])
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as scratch_name:
        scratch = Path(scratch_name)
        per_call = _sandbox_call_seconds(scratch)
        for index in range(BATCH_LEARNERS):
            shutil.copytree(SOLUTIONS_DIR, scratch / "submissions" / f"learner-{index:02d}")
        parallel = _batch_seconds(scratch, os.cpu_count() or 1)
        serial = _batch_seconds(scratch, 1)
    print(
        f"make grade (solutions/, sample + held-out)  {grade:7.2f} s   "
        f"(goal <= 15 s; exit status {status})"
    )
    print(
        f"one sandbox call (fork server)            {per_call * 1000:7.1f} ms  "
        f"(anchor: fresh interpreter with the imports {fresh * 1000:.0f} ms)"
    )
    print(
        f"grade-all, {BATCH_LEARNERS} learners, {os.cpu_count()} cores       {parallel:7.1f} s   "
        f"(one at a time {serial:.1f} s: {serial / parallel:.2f}x; goal >= 1.8x)"
    )
