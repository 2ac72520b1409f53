"""Batch grading for instructors: one folder per learner, one task each, one gradebook.

`make grade-all SUBMISSIONS=DIR` grades every sub-folder of DIR as one task of a Dask cluster
(:mod:`imaging_course.grader.cluster`): the cluster at ``DASK_SCHEDULER`` when given, else a
local one of as many workers as there are cores. Each task runs the learner's grader process
(``python -m imaging_course.grader grade``, one sandbox worker each) in a temporary folder of
its own that is removed when it ends. A learner whose grading crashes gets a row saying so;
one that runs past the learner time limit is stopped (SIGTERM), and still gets the feedback of
every check whose call had ended; the others are not affected. A learner whose worker dies is
graded again on another one, and her row says so. Stopping `grade-all` itself (SIGTERM,
SIGHUP, SIGINT) stops every learner's run the same way, leaves no process and no folder behind
and writes the gradebook of what was graded; the next `grade-all` into the same folder keeps
the reports newer than their submissions and grades the others. The output folder holds
``gradebook.csv`` (learner, status, total, points per exercise and per check),
``feedback/<learner>.md``, ``reports/<learner>.json`` and ``logs/<learner>.log``.
"""

import csv
import json
import signal
import sys
import uuid
from pathlib import Path

from imaging_course.grader import cluster
from imaging_course.grader.limits import Limits
from imaging_course.grader.report import render_feedback
from imaging_course.grader.sandbox import Policy, SandboxUnavailableError

LEARNER_TIMEOUT_SECONDS = 1800.0
"""Wall time for one learner's whole grading run, after which it is stopped."""
STOPPED = "stopped with grade-all"
"""Status of a learner whose run a stopped grade-all cut short (graded again on resume)."""
WORKERS_LOST = 75
"""Exit status of a run that ended because every accepted worker was lost (sysexits'
EX_TEMPFAIL: run it again once workers are back, and it resumes)."""
NO_WORKER_ACCEPTED = 69
"""Exit status of a run in which every worker was refused, so that no learner was graded
(sysexits' EX_UNAVAILABLE): a script must not take its gradebook for a graded class."""


def learner_folders(submissions: Path) -> list[Path]:
    """The learners' folders: every sub-folder not starting with a dot, by name."""
    if not submissions.is_dir():
        raise FileNotFoundError(f"{submissions}: no such folder of submissions")
    return sorted(
        path for path in submissions.iterdir() if path.is_dir() and not path.name.startswith(".")
    )


def earlier_row(learner: Path, out: Path) -> dict | None:
    """The row of an earlier run to keep: its report is newer than every file of the
    submission, and that run was not cut short by a stop; else None (grade her)."""
    report_path = out / "reports" / f"{learner.name}.json"
    if not report_path.is_file():
        return None
    newest = max((p.stat().st_mtime for p in learner.rglob("*") if p.is_file()), default=0.0)
    if report_path.stat().st_mtime <= max(newest, learner.stat().st_mtime):
        return None
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
        status = report["grade_all"]["status"]
    except (ValueError, KeyError, TypeError):
        return None
    if STOPPED in status:
        return None
    return {"learner": learner.name, "status": status, "report": report, "kept": True}


def row_of(result: dict, starts: list[str]) -> dict:
    """The gradebook row of a task's result; ``starts`` are the workers the learner's
    grading started on, in order (more than one: her worker was lost and she was retried)."""
    status = result["status"]
    if status.startswith("not graded"):
        row_status = status
    elif result["report"] is None:
        row_status = f"grading failed ({status})"
    elif status in {"exit 0", "exit 1"}:
        row_status = "graded"
    else:
        row_status = f"graded, {status}"
    lost = [worker for worker in starts[:-1] if worker != result["worker"]] or starts[:-1]
    if lost:
        row_status += (
            f" (graded on worker {result['worker']} after worker {', '.join(lost)} was lost)"
        )
    return {"learner": result["learner"], "status": row_status, "report": result["report"]}


def _write_learner(out: Path, result: dict, row: dict) -> None:
    """The report and log of a graded learner, on the instructor's side."""
    (out / "logs" / f"{row['learner']}.log").write_bytes(result["log"])
    report_path = out / "reports" / f"{row['learner']}.json"
    report_path.unlink(missing_ok=True)
    if row["report"] is not None:
        row["report"]["grade_all"] = {
            "status": row["status"],
            "worker": result["worker"],
            "seconds": round(result["seconds"], 3),
        }
        report_path.write_text(json.dumps(row["report"], indent=1) + "\n", encoding="utf-8")


def write_gradebook(rows: list[dict], path: Path) -> None:
    """The CSV: learner, status, total %, points per exercise, then points per check."""
    reports = [row["report"] for row in rows if row["report"]]
    exercises = list(dict.fromkeys(name for r in reports for name in r["exercises"]))
    checks = list(dict.fromkeys(f"{c['id']}[{c['variant']}]" for r in reports for c in r["checks"]))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["learner", "status", "total_percent", *exercises, *checks])
        for row in rows:
            report = row["report"]
            if report is None:
                zeros = [0] * (len(exercises) + len(checks))
                writer.writerow([row["learner"], row["status"], 0.0, *zeros])
                continue
            earned = {f"{c['id']}[{c['variant']}]": c["earned"] for c in report["checks"]}
            writer.writerow(
                [
                    row["learner"],
                    row["status"],
                    report["percent"],
                    *(report["exercises"].get(name, {}).get("earned", 0) for name in exercises),
                    *(earned.get(name, 0) for name in checks),
                ]
            )


class GradeAllStoppedError(KeyboardInterrupt):
    """SIGTERM or SIGHUP reached grade-all."""


def _raise_stop(number: int, _frame) -> None:
    raise GradeAllStoppedError(signal.Signals(number).name)


def grade_all(
    submissions: Path,
    out: Path,
    *,
    jobs: int,
    extra: list[str],
    timeout: float = LEARNER_TIMEOUT_SECONDS,
    scheduler: str | None = None,
    no_worker_seconds: float = cluster.NO_WORKER_SECONDS,
) -> int:
    """Grade every learner folder in ``submissions`` into ``out`` on the Dask cluster at
    ``scheduler`` (None: a local cluster of ``jobs`` workers); 0 once the gradebook exists
    (130 when stopped, :data:`WORKERS_LOST` when every accepted worker was lost for
    ``no_worker_seconds``, :data:`NO_WORKER_ACCEPTED` when every worker was refused; each
    time with a gradebook of what was graded)."""
    learners = learner_folders(submissions)
    confine = "--grade-unconfined" not in extra
    if scheduler is None:
        try:
            policy = Policy.detect(Limits(), confine=confine, reads=learners)
        except SandboxUnavailableError as exc:
            print(f"grade-all: {exc}", file=sys.stderr)
            return 4
        print(policy.describe(), flush=True)
    for name in ("reports", "feedback", "logs"):
        (out / name).mkdir(parents=True, exist_ok=True)
    for name in ("SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), _raise_stop)
    rows = {learner.name: earlier_row(learner, out) for learner in learners}
    kept = [name for name, row in rows.items() if row is not None]
    if kept:
        print(f"kept {len(kept)} reports newer than their submissions: {', '.join(kept)}")
    pending = [learner for learner in learners if rows[learner.name] is None]
    run = cluster.ClassRun(uuid.uuid4().hex[:12], extra, timeout, confine, no_worker_seconds)
    stopped = False
    try:
        with cluster.connect(scheduler, jobs) as client:

            def keep(result: dict, starts: list[str]) -> None:
                row = row_of(result, starts)
                _write_learner(out, result, row)
                rows[row["learner"]] = row

            run.grade(client, pending, keep)
    except KeyboardInterrupt:
        stopped = True
    for name, row in rows.items():
        if row is None:
            why = "stopped" if stopped else run.no_worker or "no result"
            rows[name] = {"learner": name, "status": f"not graded: {why}", "report": None}
            (out / "logs" / f"{name}.log").write_text(f"not graded: {why}\n", encoding="utf-8")
    ordered = [rows[learner.name] for learner in learners]
    for row in ordered:
        feedback = out / "feedback" / f"{row['learner']}.md"
        if row["report"] is None:
            feedback.write_text(
                f"# Feedback\n\nYour work could not be graded: {row['status']}.\n"
                f"The instructor's log is logs/{row['learner']}.log.\n",
                encoding="utf-8",
            )
        else:
            feedback.write_text(render_feedback(row["report"]), encoding="utf-8")
    write_gradebook(ordered, out / "gradebook.csv")
    graded = sum(row["report"] is not None for row in ordered)
    print(f"graded {graded} of {len(ordered)} learners; gradebook: {out / 'gradebook.csv'}")
    return _exit_status(run, stopped, graded, len(ordered))


def _exit_status(run: cluster.ClassRun, stopped: bool, graded: int, learners: int) -> int:
    """grade-all's exit status, and why when it is not 0 (the gradebook is written)."""
    if stopped:
        print("grade-all was stopped: exit status 130 (the gradebook holds what was graded)")
        return 130
    if run.workers_lost:
        print(
            f"grade-all: {run.no_worker}: ended with {graded} of {learners} learners graded "
            f"(exit status {WORKERS_LOST}). Once the cluster is back, run the same grade-all "
            f"again: it keeps the reports of the learners graded and grades the other "
            f"{learners - graded}.",
            file=sys.stderr,
        )
        return WORKERS_LOST
    if run.no_worker:
        print(
            f"grade-all: {run.no_worker}: no learner graded (exit status {NO_WORKER_ACCEPTED}). "
            "Start workers with this course version and data, and run it again.",
            file=sys.stderr,
        )
        return NO_WORKER_ACCEPTED
    return 0
