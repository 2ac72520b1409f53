"""Batch grading: learners graded in parallel, one crashing, one tampering; one gradebook."""

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

from grader_toy.toy_run import TOY_SOLUTIONS, toy_env, toy_options
from grader_toy.toy_table import generate_toy

from imaging_course.grader.gradebook import grade_all


def test_gradebook_over_three_learners_one_crashing_then_resumed(tmp_path):
    data = tmp_path / "toy-sample"
    generate_toy(data, scale="sample", seed=7)
    submissions = tmp_path / "submissions"
    for name in ("ada", "bob", "cyd"):
        shutil.copytree(TOY_SOLUTIONS, submissions / name)
    bob = submissions / "bob" / "toy_eda.py"
    bob.write_text(bob.read_text().replace('"count": len(values)', '"count": len(values) - 1'))
    (submissions / "cyd" / "toy_eda.py").write_text("import os\nos._exit(9)\n")
    (submissions / "cyd" / "toy_more.py").write_text("import ctypes\nctypes.string_at(0)\n")
    out = tmp_path / "grades"

    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "imaging_course.grader",
            "grade-all",
            str(submissions),
            "--out",
            str(out),
            "--jobs",
            "2",
            "--no-held-out",
            *toy_options(data, tmp_path / "ref", tmp_path / "cache"),
        ],
        capture_output=True,
        text=True,
        env=toy_env(),
        timeout=600,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert "graded 3 of 3 learners" in completed.stdout
    with (out / "gradebook.csv").open(newline="") as handle:
        rows = {row["learner"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {"ada", "bob", "cyd"}
    assert float(rows["ada"]["total_percent"]) == 100.0
    assert 0 < float(rows["bob"]["total_percent"]) < 100
    assert rows["bob"]["toy-count[sample]"] == "0"
    assert rows["bob"]["toy-total[sample]"] == "1"
    assert rows["bob"]["toy_more"] == "1"
    assert float(rows["cyd"]["total_percent"]) == 0.0
    assert all(row["status"] == "graded" for row in rows.values())
    feedback = {path.stem: path.read_text() for path in (out / "feedback").glob("*.md")}
    assert set(feedback) == {"ada", "bob", "cyd"}
    assert "Every check passed." in feedback["ada"]
    assert "count: expected 1" in feedback["bob"]
    assert "count: expected about" not in feedback["bob"]
    assert feedback["cyd"].count("importing toy_eda.py ended the process (exit status 9)") == 1
    assert "importing toy_more.py ended the process" in feedback["cyd"]
    # The references were computed once, stored, and read by every learner's run.
    assert (tmp_path / "ref" / "toy" / "total.json").is_file()
    report = json.loads((out / "reports" / "ada.json").read_text())
    assert report["data"]["toy[sample]"]["references"] == "stored"
    assert report["grade_all"]["status"] == "graded"

    # Run again after bob fixed his work: the others' reports are newer than their
    # submissions and kept; bob's is older than his fix, and he is graded again.
    shutil.copy(TOY_SOLUTIONS / "toy_eda.py", bob)
    again = subprocess.run(
        completed.args, capture_output=True, text=True, env=toy_env(), timeout=600, check=True
    )
    assert "kept 2 reports newer than their submissions: ada, cyd" in again.stdout
    assert "bob: exit 0 on worker" in again.stdout
    assert "ada: " not in again.stdout, again.stdout
    with (out / "gradebook.csv").open(newline="") as handle:
        resumed = {row["learner"]: row for row in csv.DictReader(handle)}
    assert float(resumed["bob"]["total_percent"]) == 100.0
    assert resumed["ada"] == rows["ada"]
    assert resumed["cyd"] == rows["cyd"]


TAMPERING_TOTAL = """
import os
import time
from pathlib import Path

def total(root):
    csv = Path(root) / "values.csv"
    end = time.monotonic() + 6.0
    while time.monotonic() < end:  # keeps changing the shared data while others are graded
        for tamper in (
            lambda: csv.write_text(csv.read_text()),
            lambda: os.utime(csv),
            lambda: csv.chmod(0o600),
        ):
            try:
                tamper()
            except PermissionError:
                pass
        time.sleep(0.01)
    return 0.0
"""


def test_a_learner_writing_shared_data_does_not_fail_another(tmp_path):
    data = tmp_path / "toy-sample"
    generate_toy(data, scale="sample", seed=7)
    before = (data / "values.csv").read_bytes()
    stat = (data / "values.csv").stat()
    submissions = tmp_path / "submissions"
    for name in ("ann", "ben"):
        shutil.copytree(TOY_SOLUTIONS, submissions / name)
    ann = submissions / "ann" / "toy_eda.py"
    ann.write_text(ann.read_text().replace("def total(", "def right_total(") + TAMPERING_TOTAL)
    out = tmp_path / "grades"
    completed = subprocess.run(
        [
            *[sys.executable, "-m", "imaging_course.grader", "grade-all", str(submissions)],
            *["--out", str(out), "--jobs", "2", "--no-held-out"],
            *toy_options(data, tmp_path / "ref", tmp_path / "cache"),
        ],
        capture_output=True,
        text=True,
        env=toy_env(),
        timeout=300,
        check=True,
    )
    with (out / "gradebook.csv").open(newline="") as handle:
        rows = {row["learner"]: row for row in csv.DictReader(handle)}
    assert rows["ann"]["toy-total[sample]"] == "0"
    assert rows["ann"]["toy-count[sample]"] == "2"
    ben = (out / "feedback" / "ben.md").read_text()
    # Every write, chmod and utime was refused: ben is graded on intact data, in parallel.
    assert float(rows["ben"]["total_percent"]) == 100.0, ben
    assert (data / "values.csv").read_bytes() == before
    after = (data / "values.csv").stat()
    assert (after.st_mode, after.st_mtime_ns) == (stat.st_mode, stat.st_mtime_ns)
    assert completed.stdout.startswith("sandbox: each call:")


def test_a_learner_whose_grading_fails_gets_a_row(tmp_path):
    submissions = tmp_path / "submissions"
    (submissions / "eve").mkdir(parents=True)
    out = tmp_path / "grades"
    grade_all(submissions, out, jobs=1, extra=["--grade-table", "no_such_module:TABLE"])
    with (out / "gradebook.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["learner"] == "eve"
    assert rows[0]["status"].startswith("grading failed (exit")
    assert "could not be graded" in (out / "feedback" / "eve.md").read_text()
    assert Path(out / "logs" / "eve.log").read_text()
