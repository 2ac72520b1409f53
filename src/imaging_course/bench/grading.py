"""Grading speed: `make grade` on the reference solutions, batch grading, sandbox call cost.

Figures, each beside its anchor timed in the same run:

* ``make grade`` on ``solutions/`` at sample scale (held-out data included, caches warm),
  against the goal of 15 s;
* one sandbox call (fork server, libraries imported once) against a fresh interpreter that
  imports the same libraries, which is what a process per call would cost;
* `grade-all` of a class of 40 copies of ``solutions/`` on the local Dask cluster (every
  core) against a plain pool of as many threads each running a learner's grading process,
  the way grade-all graded before Dask (goal: the cluster costs at most 10% more); the
  difference per learner is the engine's overhead, and the cluster's time per learner and
  core is the cost a cluster's projections start from (README, "Grading on a cluster").
  Beside the wall times, the CPU time of each engine (this process and every grading
  process, user and system): on a shared machine wall time follows the other users' load,
  CPU time much less, so the CPU ratio says what the engine itself costs.

  The class is graded in rounds of 8 learners, each round by both engines, the first of the
  two alternating (pool first in even rounds), and the figures are the sums over the rounds:
  the CPU time of identical work drifts by a third within minutes on a shared machine, and
  one long run per engine charged that drift to whichever ran second. Each engine prepares
  the grading (references, held-out data) once, in its first round, as one grade-all does;
  the cluster starts once per round, which counts against it.

The first line says which sandbox limits were in force (they differ between machines: a
cgroup, namespaces and a user of its own per call need root).
"""

import contextlib
import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from imaging_course.course_modules import SOLUTIONS_DIR
from imaging_course.datasets.paths import REPO_ROOT
from imaging_course.datasets.registry import DATASETS
from imaging_course.grader.cluster import grade_command
from imaging_course.grader.gradebook import grade_all
from imaging_course.grader.sandbox import Call, Sandbox

BATCH_LEARNERS = int(os.environ.get("BENCH_LEARNERS", "40"))
"""Learners of the batch figure (`make bench BENCH=grading BENCH_LEARNERS=8` for a quick run:
both engines together take about 50 s per learner and core)."""
ROUND_LEARNERS = 8
"""Learners per round of the batch figure (see the module docstring)."""
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


def _cpu_seconds() -> float:
    """CPU time (user and system) of this process and of its ended children, in seconds."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _wall_and_cpu(function: Callable[[], object]) -> tuple[float, float]:
    """``function()``'s wall time and CPU time (:func:`_cpu_seconds`), in seconds."""
    wall, cpu = time.perf_counter(), _cpu_seconds()
    function()
    return time.perf_counter() - wall, _cpu_seconds() - cpu


def _pool(submissions: Path, out: Path, jobs: int, *, prepare: bool) -> None:
    """The anchor: every learner's grading process from a pool of ``jobs`` threads, their
    reports into ``out``; first, when ``prepare``, the preparation grade-all makes too."""
    out.mkdir()

    def grade(learner: Path) -> int:
        command = grade_command(learner, out / f"{learner.name}.json", ["--held-out"])
        return subprocess.run(command, capture_output=True, check=False).returncode

    if prepare:
        subprocess.run(
            [*grade_command(out, out / "prepare.json", ["--held-out"]), "--grade-prepare-only"],
            capture_output=True,
            check=False,
        )
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(grade, sorted(submissions.iterdir())))


def _cluster(submissions: Path, out: Path, jobs: int) -> None:
    """`grade-all` on the local Dask cluster of ``jobs`` workers into ``out`` (a new folder:
    nothing to resume; its output kept quiet). The grading is prepared by the first run of
    this process only (the workers are in-process, see ``check_worker``)."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        grade_all(submissions, out, jobs=jobs, extra=["--held-out"])


def _class_in_rounds(scratch: Path, jobs: int) -> dict[str, list[tuple[float, float]]]:
    """The class of :data:`BATCH_LEARNERS` graded round by round by both engines (module
    docstring): each engine's (wall, CPU) seconds per round."""
    sizes = [ROUND_LEARNERS] * (BATCH_LEARNERS // ROUND_LEARNERS)
    sizes += [BATCH_LEARNERS % ROUND_LEARNERS] if BATCH_LEARNERS % ROUND_LEARNERS else []
    timings: dict[str, list[tuple[float, float]]] = {"pool": [], "cluster": []}
    for index, size in enumerate(sizes):
        submissions = scratch / f"round-{index}"
        for learner in range(size):
            shutil.copytree(SOLUTIONS_DIR, submissions / f"learner-{learner:02d}")
        rounds = {
            "pool": partial(_pool, submissions, scratch / f"{index}-pool", jobs, prepare=not index),
            "cluster": partial(_cluster, submissions, scratch / f"{index}-cluster", jobs),
        }
        for engine in sorted(rounds, reverse=index % 2 == 0):  # pool first in even rounds
            timings[engine].append(_wall_and_cpu(rounds[engine]))
    return timings


def _warm_caches() -> None:
    """One `make grade` to make the held-out data and its references; when it had to compute
    the sample's references (none stored, or stored for other solutions), store them, as
    `make reference` does: the figure is that of a grading with its caches in place."""
    warm = subprocess.run(
        [*_grade_command(), str(SOLUTIONS_DIR)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    if "references computed live" in warm.stdout:
        reference = [sys.executable, "-m", "imaging_course.grader", "reference"]
        subprocess.run(reference, capture_output=True, check=False, cwd=REPO_ROOT)


def run() -> None:
    """Print the grading figures (needs the sample data and solutions/)."""
    if not all((SOLUTIONS_DIR / f"{d.exercise}.py").is_file() for d in DATASETS.values()):
        print("solutions/ is missing: nothing to grade")
        return
    _warm_caches()
    grade, status = _seconds([*_grade_command(), str(SOLUTIONS_DIR)])
    fresh, _ = _seconds([sys.executable, "-c", IMPORTS])
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as scratch_name:
        scratch = Path(scratch_name)
        per_call = _sandbox_call_seconds(scratch)
        cores = os.cpu_count() or 1
        loads = [os.getloadavg()[0]]
        timings = _class_in_rounds(scratch, cores)
        loads.append(os.getloadavg()[0])
    (pool, pool_cpu), (local_cluster, cluster_cpu) = (
        map(sum, zip(*timings[engine], strict=True)) for engine in ("pool", "cluster")
    )
    print(
        f"make grade (solutions/, sample + held-out)  {grade:7.2f} s   "
        f"(goal <= 15 s; exit status {status})"
    )
    print(
        f"one sandbox call (fork server)            {per_call * 1000:7.1f} ms  "
        f"(anchor: fresh interpreter with the imports {fresh * 1000:.0f} ms)"
    )
    print(
        f"grade-all, {BATCH_LEARNERS} learners, local Dask cluster {local_cluster:7.1f} s   "
        f"(anchor: a pool of {cores} threads {pool:.1f} s: {local_cluster / pool:.3f}x; "
        "goal <= 1.10x)"
    )
    print(
        f"  CPU time, local Dask cluster         {cluster_cpu:7.1f} s   "
        f"(anchor: the pool {pool_cpu:.1f} s: {cluster_cpu / pool_cpu:.3f}x)"
    )
    print(
        "  each round, wall s (pool / cluster): "
        + ", ".join(
            f"{p:.1f} / {c:.1f}"
            for (p, _), (c, _) in zip(timings["pool"], timings["cluster"], strict=True)
        )
    )
    print(
        f"engine overhead per learner          {(local_cluster - pool) / BATCH_LEARNERS:7.2f} s"
        f"   (CPU {(cluster_cpu - pool_cpu) / BATCH_LEARNERS:.2f} s; grading time per learner "
        f"and core {local_cluster * cores / BATCH_LEARNERS:.1f} s)"
    )
    print(
        f"  load average (1 min) before and after the rounds: "
        f"{', '.join(f'{load:.1f}' for load in loads)} on {cores} cores"
    )
