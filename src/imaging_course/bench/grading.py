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
  CPU time much less, so the CPU ratio says what the engine itself costs. The engines run
  twice each, in the order pool, cluster, cluster, pool, and the ratios are of the sums: a
  machine that grows steadily slower or faster during the bench (the CPU time of identical
  work drifts by a third within minutes here) weighs on both engines alike, where one run
  each would charge the drift to the engine that ran second.

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
from pathlib import Path

from imaging_course.course_modules import SOLUTIONS_DIR
from imaging_course.datasets.paths import REPO_ROOT
from imaging_course.datasets.registry import DATASETS
from imaging_course.grader.cluster import grade_command
from imaging_course.grader.gradebook import grade_all
from imaging_course.grader.sandbox import Call, Sandbox

BATCH_LEARNERS = int(os.environ.get("BENCH_LEARNERS", "40"))
"""Learners of the batch figure (`make bench BENCH=grading BENCH_LEARNERS=8` for a quick run:
the four runs together take about 80 s per learner and core)."""
ENGINE_ORDER = ("pool", "cluster", "cluster", "pool")
"""The batch runs, in order (see the module docstring)."""
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


def _pool(submissions: Path, out: Path, jobs: int) -> None:
    """The anchor: every learner's grading process from a pool of ``jobs`` threads (after the
    one preparation grade-all makes too), their reports into ``out``."""
    learners = sorted(submissions.iterdir())
    out.mkdir()

    def grade(learner: Path) -> int:
        command = grade_command(learner, out / f"{learner.name}.json", ["--held-out"])
        return subprocess.run(command, capture_output=True, check=False).returncode

    subprocess.run(
        [*grade_command(out, out / "prepare.json", ["--held-out"]), "--grade-prepare-only"],
        capture_output=True,
        check=False,
    )
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(grade, learners))


def _cluster(submissions: Path, out: Path, jobs: int) -> None:
    """`grade-all` on the local Dask cluster of ``jobs`` workers into ``out`` (a new folder:
    nothing to resume; its output kept quiet)."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        grade_all(submissions, out, jobs=jobs, extra=["--held-out"])


ENGINES: dict[str, Callable[[Path, Path, int], None]] = {"pool": _pool, "cluster": _cluster}


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
        submissions = scratch / "submissions"
        for index in range(BATCH_LEARNERS):
            shutil.copytree(SOLUTIONS_DIR, submissions / f"learner-{index:02d}")
        cores = os.cpu_count() or 1
        loads = [os.getloadavg()[0]]
        timings = []  # (engine, wall, CPU) of each run, in order
        for index, engine in enumerate(ENGINE_ORDER):
            out = scratch / f"{index}-{engine}"
            wall, cpu = _wall_and_cpu(lambda: ENGINES[engine](submissions, out, cores))  # noqa: B023
            timings.append((engine, wall, cpu))
            loads.append(os.getloadavg()[0])
    (pool, pool_cpu), (local_cluster, cluster_cpu) = (
        (sum(t[1] for t in timings if t[0] == e), sum(t[2] for t in timings if t[0] == e))
        for e in ("pool", "cluster")
    )
    print(
        f"make grade (solutions/, sample + held-out)  {grade:7.2f} s   "
        f"(goal <= 15 s; exit status {status})"
    )
    print(
        f"one sandbox call (fork server)            {per_call * 1000:7.1f} ms  "
        f"(anchor: fresh interpreter with the imports {fresh * 1000:.0f} ms)"
    )
    graded = BATCH_LEARNERS * ENGINE_ORDER.count("cluster")
    print(
        f"grade-all, {BATCH_LEARNERS} learners, local Dask cluster {local_cluster:7.1f} s   "
        f"(anchor: a pool of {cores} threads {pool:.1f} s: {local_cluster / pool:.3f}x; "
        "goal <= 1.10x; two runs each, summed)"
    )
    print(
        f"  CPU time, local Dask cluster         {cluster_cpu:7.1f} s   "
        f"(anchor: the pool {pool_cpu:.1f} s: {cluster_cpu / pool_cpu:.3f}x)"
    )
    print(
        "  each run, wall / CPU: "
        + ", ".join(f"{engine} {wall:.1f} / {cpu:.1f} s" for engine, wall, cpu in timings)
    )
    print(
        f"engine overhead per learner          {(local_cluster - pool) / graded:7.2f} s"
        f"   (CPU {(cluster_cpu - pool_cpu) / graded:.2f} s; grading time per learner "
        f"and core {local_cluster * cores / graded:.1f} s)"
    )
    print(
        f"  load average (1 min) before the runs and after each: "
        f"{', '.join(f'{load:.1f}' for load in loads)} on {cores} cores"
    )
