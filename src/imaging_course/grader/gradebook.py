"""Batch grading for instructors: one folder per learner, all cores, one gradebook.

`make grade-all SUBMISSIONS=DIR` grades every sub-folder of DIR in its own grader process
(``python -m imaging_course.grader grade``, one sandbox worker each), as many at once as
there are cores, each with a temporary folder of its own that is removed when it ends. A
learner whose grading crashes gets a row saying so; one that runs past the learner time limit
is stopped (SIGTERM), and still gets the feedback of every check whose call had ended; the
others are not affected. Stopping `grade-all` itself (SIGTERM, SIGHUP, SIGINT) stops every
learner's run the same way and leaves no process and no folder behind. The output folder
holds ``gradebook.csv`` (learner, status, total, points per exercise and per check),
``feedback/<learner>.md``, ``reports/<learner>.json`` and ``logs/<learner>.log``.
"""

import contextlib
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from imaging_course.grader.limits import Limits
from imaging_course.grader.report import render_feedback
from imaging_course.grader.sandbox import Policy, SandboxUnavailableError

LEARNER_TIMEOUT_SECONDS = 1800.0
"""Wall time for one learner's whole grading run, after which it is stopped."""
STOP_GRACE_SECONDS = 30.0
"""How long a stopped grading run may take to grade what ended and clean up before a SIGKILL."""


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


class Batch:
    """The learners' grading processes under way, so that a stop reaches every one."""

    def __init__(self, out: Path, extra: list[str], timeout: float) -> None:
        self.out, self.extra, self.timeout = out, extra, timeout
        self.temporary = Path(tempfile.mkdtemp(prefix="grade-all-"))
        self.running: set[subprocess.Popen] = set()
        self.stopping = False
        self.lock = threading.Lock()

    def grade_one(self, learner: Path) -> dict:
        """Grade one learner in a child process; the report, or a row saying what went wrong."""
        report_path = self.out / "reports" / f"{learner.name}.json"
        report_path.unlink(missing_ok=True)
        log_path = self.out / "logs" / f"{learner.name}.log"
        scratch = self.temporary / learner.name
        scratch.mkdir()
        status = "not graded: grade-all was stopped first"
        with log_path.open("wb") as log, self.lock:
            process = None
            if not self.stopping:
                process = subprocess.Popen(
                    _grade_command(learner, report_path, self.extra),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env={**os.environ, "TMPDIR": str(scratch)},
                )
                self.running.add(process)
        if process is not None:
            try:
                status = f"exit {process.wait(timeout=self.timeout)}"
            except subprocess.TimeoutExpired:
                self.stop(process)
                status = f"stopped at the learner time limit of {self.timeout:g} s"
            if self.stopping and not status.startswith("stopped"):
                status = "stopped with grade-all"
            with self.lock:
                self.running.discard(process)
        shutil.rmtree(scratch, ignore_errors=True)
        if not report_path.is_file():
            return {"learner": learner.name, "status": f"grading failed ({status})", "report": None}
        report = json.loads(report_path.read_text(encoding="utf-8"))
        graded = "graded" if status in {"exit 0", "exit 1"} else f"graded, {status}"
        return {"learner": learner.name, "status": graded, "report": report}

    @staticmethod
    def stop(process: subprocess.Popen) -> None:
        """SIGTERM: the run grades what ended, writes its report and cleans up; then SIGKILL."""
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop_all(self) -> None:
        """Stop every learner's run under way (and start no other)."""
        with self.lock:
            self.stopping = True
            running = list(self.running)
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        for process in running:
            self.stop(process)

    def close(self) -> None:
        shutil.rmtree(self.temporary, ignore_errors=True)


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
) -> int:
    """Grade every learner folder in ``submissions`` into ``out``; 0 once the gradebook exists
    (130 when stopped, with a gradebook of what was graded).

    The references (and the held-out data, when asked for) are prepared once, before the
    learners run in parallel, so that no two learner processes compute them at the same time.
    """
    learners = learner_folders(submissions)
    try:
        policy = Policy.detect(Limits(), confine="--grade-unconfined" not in extra, reads=learners)
    except SandboxUnavailableError as exc:
        print(f"grade-all: {exc}", file=sys.stderr)
        return 4
    print(policy.describe(), flush=True)
    for name in ("reports", "feedback", "logs"):
        (out / name).mkdir(parents=True, exist_ok=True)
    batch = Batch(out, extra, timeout)
    for name in ("SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), _raise_stop)
    stopped = False
    try:
        prepare = _grade_command(submissions, out / "reports" / ".prepare.json", extra)
        subprocess.run(
            [*prepare, "--grade-prepare-only"],
            check=False,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "TMPDIR": str(batch.temporary)},
        )
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(batch.grade_one, learner) for learner in learners]
            try:
                rows = [future.result() for future in futures]
            except KeyboardInterrupt:
                stopped = True
                batch.stop_all()
                rows = [future.result() for future in futures]
    except KeyboardInterrupt:  # during the preparation
        stopped = True
        rows = [
            {"learner": p.name, "status": "not graded: stopped", "report": None} for p in learners
        ]
    finally:
        batch.close()
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
    if stopped:
        print("grade-all was stopped: exit status 130 (the gradebook holds what was graded)")
        return 130
    return 0
