"""The course's own grading: the reference solutions score 100% on fresh data of another seed.

A tiny dataset of each of the registry's datasets is generated for the session; references
are computed live from ``solutions/`` (no stored file matches these seeds), the held-out data
goes to a temporary cache. `make reference` is run for real into a temporary folder and then
used.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from imaging_course.course_modules import SOLUTIONS_DIR
from imaging_course.datasets.registry import DATASETS
from imaging_course.grader.course import course_table


@pytest.fixture(scope="module")
def tiny_data(tiny_course) -> Path:
    return tiny_course.base


def grade(base: Path, learner: Path, *extra: str) -> tuple[subprocess.CompletedProcess, dict]:
    report = base / f"{learner.name}-report.json"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "imaging_course.grader",
            "grade",
            "--solutions",
            str(learner),
            "--grade-report",
            str(report),
            *(f"--dataset-root={name}={base / name}" for name in DATASETS),
            "--grade-cache",
            str(base / "cache"),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return completed, json.loads(report.read_text())


def test_reference_solutions_score_100_on_sample_and_held_out(tiny_data):
    completed, report = grade(tiny_data, SOLUTIONS_DIR, "--reference-dir", str(tiny_data / "none"))
    assert completed.returncode == 0, completed.stdout[-5000:]
    assert report["percent"] == 100.0
    assert len(report["checks"]) == 2 * len(course_table().checks)
    assert {check["variant"] for check in report["checks"]} == {"sample", "held-out"}


def test_make_reference_writes_files_that_grading_uses(tiny_data):
    out = tiny_data / "reference"
    env = {**os.environ, **{d.env_var: str(tiny_data / d.name) for d in DATASETS.values()}}
    made = subprocess.run(
        [sys.executable, "-m", "imaging_course.grader", "reference", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    assert {path.stem for path in (out / "siim").glob("*.json")} == {
        name for name, spec in course_table().calls.items() if spec.dataset == "siim"
    }
    stored = json.loads((out / "lits" / "volume_table.json").read_text())
    assert stored["fingerprint"]["seed"] == 31
    completed, report = grade(
        tiny_data, SOLUTIONS_DIR, "--no-held-out", "--reference-dir", str(out)
    )
    assert completed.returncode == 0, completed.stdout[-5000:]
    assert {name: data["references"] for name, data in report["data"].items()} == {
        f"{name}[sample]": "stored" for name in DATASETS
    }


def test_exercise_stubs_score_0_and_say_what_to_do(tiny_data):
    stubs = SOLUTIONS_DIR.parent / "exercises"
    completed, report = grade(tiny_data, stubs, "--no-held-out")
    assert completed.returncode == 1
    assert report["percent"] == 0.0
    # Once per unwritten function (not once per check), then the score table and the last line.
    assert completed.stdout.count("siim_eda.scan_dicom_headers is not written yet") == 1
    for function in ("case_statistics", "storage_table", "label_values", "slice_geometry",
                     "class_balance", "lesion_sizes", "window_qa"):  # fmt: skip
        assert completed.stdout.count(f"lits_eda.{function} is not written yet") == 1
    assert "Traceback" not in completed.stdout
    assert "hint:" not in completed.stdout  # a stub is not a mistake to diagnose
    last_lines = completed.stdout.rstrip().splitlines()[-2:]
    assert last_lines[-1].startswith("score 0.0%: below 100%, so the grader's exit status is 1")


def test_checks_left_out_by_k_prepare_and_say_nothing(tiny_data):
    completed, report = grade(
        tiny_data, SOLUTIONS_DIR, "--no-held-out", "--reference-dir", str(tiny_data / "none"),
        "-k", "siim-sex-counts",
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert [check["id"] for check in report["checks"]] == ["siim-sex-counts"]
    assert set(report["data"]) == {"siim[sample]"}
    assert "siim[sample] references computed live" in completed.stdout
    assert "lits[sample]" not in completed.stdout
