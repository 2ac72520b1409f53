"""``python -m imaging_course.grader``: `make reference`, `make grade`, `make grade-all`.

Commands::

    reference [--solutions DIR] [--out DIR] [--dask-scheduler tcp://HOST:PORT]
                                                      reference/<dataset>/<call>.json
    grade [--solutions DIR] [--no-held-out] [--grade-report PATH] [pytest options...]
    grade-all SUBMISSIONS [--out DIR] [--jobs N] [--learner-timeout S]
              [--dask-scheduler tcp://HOST:PORT] [--no-worker-timeout S]
                                                      gradebook.csv + feedback/<learner>.md
"""

import argparse
import os
import sys
from pathlib import Path

from imaging_course.course_modules import SOLUTIONS_DIR
from imaging_course.datasets.registry import DATASETS, import_object
from imaging_course.grader.cluster import NO_WORKER_SECONDS
from imaging_course.grader.course import course_table
from imaging_course.grader.gradebook import LEARNER_TIMEOUT_SECONDS, WORKERS_LOST, grade_all
from imaging_course.grader.reference import (
    REFERENCE_DIR,
    ReferenceError,
    compute_references,
    write_references,
)
from imaging_course.grader.sandbox import Sandbox, SandboxUnavailableError


def pytest_arguments(learner_dir: Path, extra: list[str]) -> list[str]:
    """The pytest command line that grades ``learner_dir`` and imports none of its files.

    Python collection (``test_*.py``) and ``conftest.py`` loading are off, the project's own
    pytest configuration is not read (``-c`` an empty file), and no cache is written. The
    root folder is the current one, so that checks show as ``siim_eda``, not as a path. The
    pytest plugins installed beside the course (Hypothesis, xdist, ... for its own tests) are
    not loaded: they grade nothing, and importing them cost every `make grade` over a second.
    """
    return [
        "--disable-plugin-autoload",
        "-p",
        "imaging_course.grader.plugin",
        "-p",
        "no:python",
        "-p",
        "no:cacheprovider",
        "--noconftest",
        "-rN",  # the per-check sections and the score table say it all; `-ra` brings it back
        "-c",
        os.devnull,
        "--rootdir",
        str(Path.cwd()),
        "--solutions",
        str(learner_dir),
        *extra,
        str(learner_dir),
    ]


def grade(learner_dir: Path, extra: list[str]) -> int:
    """Grade ``learner_dir`` with pytest in this process; return pytest's exit status."""
    import pytest  # noqa: PLC0415  (only the grade command needs pytest)

    if not learner_dir.is_dir():
        print(f"{learner_dir}: no such folder to grade", file=sys.stderr)
        return 4
    return int(pytest.main(pytest_arguments(learner_dir.resolve(), extra)))


def _computed_on_cluster(scheduler: str | None, dataset: str, root: Path, solutions: Path) -> dict:
    """The reference outputs of ``dataset`` that its registry entry computes on the Dask
    cluster at ``scheduler`` (the LiTS EDA, per case); empty without a scheduler or such code."""
    entry = DATASETS[dataset]
    if not scheduler or not entry.cluster_references:
        return {}
    from distributed import Client  # noqa: PLC0415 (only with a scheduler)

    on_cluster = import_object(entry.cluster_references)
    with Client(scheduler, timeout="60s") as client:
        print(f"{entry.label} reference outputs per case on the Dask cluster at {scheduler}")
        return on_cluster(client, root, solutions)


def make_reference(solutions_dir: Path, out: Path, scheduler: str | None = None) -> int:
    """Run the reference solutions on every dataset's folder (the sample, or a real download
    given by ``<NAME>_DATA_DIR``) and write the reference files (the LiTS EDA per case on the
    Dask cluster at ``scheduler``, when given)."""
    roots = {name: dataset.root() for name, dataset in DATASETS.items()}
    table = course_table()
    try:
        sandbox = Sandbox(reads=[solutions_dir, *roots.values()])
    except SandboxUnavailableError as exc:
        print(f"make reference: {exc}", file=sys.stderr)
        return 1
    with sandbox:
        for dataset in table.datasets():
            if not roots[dataset].is_dir():
                print(f"make reference: {roots[dataset]} is not a folder", file=sys.stderr)
                return 1
            try:
                computed = _computed_on_cluster(scheduler, dataset, roots[dataset], solutions_dir)
                references = compute_references(
                    table, dataset, roots[dataset], solutions_dir, sandbox, computed=computed
                )
            except ReferenceError as exc:
                print(f"make reference: {exc}", file=sys.stderr)
                return 1
            for path in write_references(references, out):
                print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one command; the exit status."""
    parser = argparse.ArgumentParser(prog="python -m imaging_course.grader")
    commands = parser.add_subparsers(dest="command", required=True)
    reference = commands.add_parser("reference", help="write reference/ from solutions/")
    reference.add_argument("--solutions", type=Path, default=SOLUTIONS_DIR)
    reference.add_argument("--out", type=Path, default=REFERENCE_DIR)
    reference.add_argument(
        "--dask-scheduler",
        default=os.environ.get("DASK_SCHEDULER") or None,
        help="compute what the datasets can per case on the Dask cluster at this address",
    )
    grade_parser = commands.add_parser("grade", help="grade one folder (pytest options pass on)")
    grade_parser.add_argument("--solutions", type=Path, default=SOLUTIONS_DIR)
    grade_parser.add_argument("--no-held-out", action="store_true", help="sample data only")
    batch = commands.add_parser("grade-all", help="grade one folder per learner")
    batch.add_argument("submissions", type=Path)
    batch.add_argument("--out", type=Path, default=None, help="default: SUBMISSIONS/../grades")
    batch.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="workers of the local cluster"
    )
    batch.add_argument(
        "--dask-scheduler",
        default=os.environ.get("DASK_SCHEDULER") or None,
        help="grade on the Dask cluster at this address (default: $DASK_SCHEDULER, else a "
        "local cluster of --jobs workers)",
    )
    batch.add_argument("--no-held-out", action="store_true", help="sample data only")
    batch.add_argument(
        "--learner-timeout",
        type=float,
        default=LEARNER_TIMEOUT_SECONDS,
        help="seconds for one learner's whole run (then stopped, graded on what ended)",
    )
    batch.add_argument(
        "--no-worker-timeout",
        type=float,
        default=NO_WORKER_SECONDS,
        help="seconds to wait for a worker when every accepted one was lost (then the run "
        f"ends with what was graded, exit status {WORKERS_LOST}; run it again to resume)",
    )
    args, extra = parser.parse_known_args(argv)
    if args.command == "reference":
        if extra:
            parser.error(f"unknown arguments: {' '.join(extra)}")
        return make_reference(args.solutions.resolve(), args.out, args.dask_scheduler)
    if args.command == "grade":
        held_out = [] if args.no_held_out else ["--held-out"]
        return grade(args.solutions, [*held_out, *extra])
    out = args.out or args.submissions.resolve().parent / "grades"
    held_out = [] if args.no_held_out else ["--held-out"]
    extra = [*held_out, *extra]
    return grade_all(
        args.submissions,
        out,
        jobs=args.jobs,
        extra=extra,
        timeout=args.learner_timeout,
        scheduler=args.dask_scheduler,
        no_worker_seconds=args.no_worker_timeout,
    )
