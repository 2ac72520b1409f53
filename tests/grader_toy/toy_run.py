"""Run the real grader command on the toy table, as `make grade` runs it on the course's."""

import json
import os
import subprocess
import sys
from pathlib import Path

TOY_DIR = Path(__file__).resolve().parent
TOY_SOLUTIONS = TOY_DIR / "solutions"
TOY_TABLE = "toy_table:TOY_TABLE"


def toy_env() -> dict:
    """The environment of a grader process that can import ``toy_table``."""
    return {**os.environ, "PYTHONPATH": str(TOY_DIR)}


def toy_options(data: Path, references: Path, cache: Path) -> list[str]:
    """Grader options pointing at the toy table, its data, references and cache."""
    return [
        "--grade-table",
        TOY_TABLE,
        "--dataset-root",
        f"toy={data}",
        "--reference-solutions",
        str(TOY_SOLUTIONS),
        "--reference-dir",
        str(references),
        "--grade-cache",
        str(cache),
    ]


def run_grader(
    learner: Path, data: Path, references: Path, cache: Path, *extra: str
) -> tuple[subprocess.CompletedProcess, dict | None]:
    """``python -m imaging_course.grader grade`` on ``learner``: the process and its report
    (written beside the ``cache`` folder, never beside the toy solutions)."""
    report_path = cache.parent / f"{learner.name}-report.json"
    report_path.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "imaging_course.grader",
        "grade",
        "--solutions",
        str(learner),
        "--grade-report",
        str(report_path),
        *toy_options(data, references, cache),
        *extra,
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, env=toy_env(), timeout=300, check=False
    )
    report = json.loads(report_path.read_text()) if report_path.is_file() else None
    return completed, report


def outcomes(report: dict) -> dict[str, bool]:
    """``{"<check>[<variant>]": passed}`` from a report."""
    return {f"{c['id']}[{c['variant']}]": c["passed"] for c in report["checks"]}
