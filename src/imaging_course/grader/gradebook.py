"""Batch grading for instructors: one folder per learner, all cores, one gradebook.

`make grade-all SUBMISSIONS=DIR` grades every sub-folder of DIR in its own grader process
(``python -m imaging_course.grader grade``, one sandbox worker each), as many at once as
there are cores. A learner whose grading crashes or hangs gets a row saying so; the others are
not affected. The output folder holds ``gradebook.csv`` (learner, status, total, points per
exercise and per check), ``feedback/<learner>.md``, ``reports/<learner>.json`` and
``logs/<learner>.log``.
"""

import csv
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from imaging_course.grader import confinement
from imaging_course.grader.report import render_feedback

LEARNER_TIMEOUT_SECONDS = 1800.0
"""Wall time for one learner's whole grading run, after which it is stopped."""


def learner_folders(submissions: Path) -> list[Path]:
    """The learners' folders: every sub-folder not starting with a dot, by name."""
    if not submissions.is_dir():
        raise FileNotFoundError(f"{submissions}: no such folder of submissions")
    return sorted(
        path for path in submissions.iterdir() if path.is_dir() and not path.name.startswith(".")
    )


def _grade_command(learner: Path, report: Path, extra: list[str]) -> list[str]:
    """The grading command of one learner; ``extra`` may turn the held-out checks on."""
    return [
        sys.executable,
        "-m",
        "imaging_course.grader",
        "grade",
        "--no-held-out",
        "--solutions",
        str(learner),
        "--grade-report",
        str(report),
        "--grade-workers",
        "1",
        "-q",
        *extra,
    ]


def _grade_one(learner: Path, out: Path, extra: list[str], timeout: float) -> dict:
    """Grade one learner in a child process; the report, or a row saying what went wrong."""
    report_path = out / "reports" / f"{learner.name}.json"
    report_path.unlink(missing_ok=True)
    log_path = out / "logs" / f"{learner.name}.log"
    with log_path.open("wb") as log:
        try:
            completed = subprocess.run(
                _grade_command(learner, report_path, extra),
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
            status = f"exit {completed.returncode}"
        except subprocess.TimeoutExpired:
            status = f"stopped after {timeout:g} s"
    if not report_path.is_file():
        return {"learner": learner.name, "status": f"grading failed ({status})", "report": None}
    report = json.loads(report_path.read_text(encoding="utf-8"))
    return {"learner": learner.name, "status": "graded", "report": report}


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


def grade_all(
    submissions: Path,
    out: Path,
    *,
    jobs: int,
    extra: list[str],
    timeout: float = LEARNER_TIMEOUT_SECONDS,
) -> int:
    """Grade every learner folder in ``submissions`` into ``out``; 0 once the gradebook exists.

    The references (and the held-out data, when asked for) are prepared once, before the
    learners run in parallel, so that no two learner processes compute them at the same time.
    Learners run in parallel only when their code is confined to its call folders
    (:mod:`~imaging_course.grader.confinement`), so that none can change the shared data,
    references or course files under another learner's run.
    """
    learners = learner_folders(submissions)
    if jobs > 1 and (not confinement.available() or "--grade-unconfined" in extra):
        # Without confinement a learner's write to the shared data would show up in the
        # guard of whichever learner ran at that moment: one at a time, blame is right.
        print(f"learner code cannot be confined here: grading {len(learners)} learners one by one")
        jobs = 1
    for name in ("reports", "feedback", "logs"):
        (out / name).mkdir(parents=True, exist_ok=True)
    prepare = _grade_command(submissions, out / "reports" / ".prepare.json", extra)
    subprocess.run([*prepare, "--grade-prepare-only"], check=False, stdout=subprocess.DEVNULL)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        rows = list(pool.map(lambda learner: _grade_one(learner, out, extra, timeout), learners))
    for row in rows:
        feedback = out / "feedback" / f"{row['learner']}.md"
        if row["report"] is None:
            feedback.write_text(
                f"# Feedback\n\nYour work could not be graded: {row['status']}.\n"
                f"The instructor's log is logs/{row['learner']}.log.\n",
                encoding="utf-8",
            )
        else:
            feedback.write_text(render_feedback(row["report"]), encoding="utf-8")
    write_gradebook(rows, out / "gradebook.csv")
    graded = sum(row["report"] is not None for row in rows)
    print(f"graded {graded} of {len(rows)} learners; gradebook: {out / 'gradebook.csv'}")
    return 0
