"""Nothing outlives the grader: runs stopped in the middle of a hanging call, and a learner
stopped at the learner time limit.

`make grade` gets SIGTERM (as `timeout` sends it), `make grade-all` a SIGHUP to its whole
process group (as a closed terminal sends it); each time no process of theirs, no folder in
their temporary folder and no cgroup may be left, and the checks whose calls had ended are
still graded.
"""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from grader_toy.toy_run import TOY_SOLUTIONS, toy_env, toy_options
from grader_toy.toy_table import generate_toy
from test_grader_gallery import leftovers

from imaging_course.datasets.paths import REPO_ROOT

HANGING_STATS = """

def stats(root):
    import time
    from pathlib import Path

    Path("hanging-now").write_text("")  # in the call's working folder
    time.sleep(600)
"""


def hanging_learner(folder: Path) -> Path:
    """A copy of the toy solutions whose ``stats`` hangs (after saying so in a file)."""
    shutil.copytree(TOY_SOLUTIONS, folder)
    source = folder / "toy_eda.py"
    source.write_text(source.read_text().replace("def stats(", "def right_stats(") + HANGING_STATS)
    return folder


def _hanging_now(temporary: Path) -> bool:
    """Whether a call has written ``hanging-now`` (the sandbox removes the folders of the
    calls that end while they are walked)."""
    try:
        return any(temporary.rglob("hanging-now"))
    except FileNotFoundError:
        return False


def wait_for_hanging_call(temporary: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 180
    while not _hanging_now(temporary):
        assert process.poll() is None, process.communicate()[0][-3000:]
        assert time.monotonic() < deadline, "the hanging call never started"
        time.sleep(0.2)
    time.sleep(2)  # the quick calls beside it end meanwhile


def setup(tmp_path: Path) -> tuple[Path, list[str], dict]:
    data = tmp_path / "toy-sample"
    generate_toy(data, scale="sample", seed=9)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    options = [*toy_options(data, tmp_path / "ref", tmp_path / "cache"), "--no-held-out"]
    # Unbuffered: a learner's log (logs/<learner>.log) holds all it printed when it was stopped.
    env = {**toy_env(), "TMPDIR": str(temporary), "PYTHONUNBUFFERED": "1"}
    return temporary, options, env


def test_make_grade_stopped_in_a_hanging_call_leaves_nothing(tmp_path):
    temporary, options, env = setup(tmp_path)
    learner = hanging_learner(tmp_path / "learner")
    report = tmp_path / "report.json"
    grade_options = [*options, "--grade-timeout", "300", "--grade-report", str(report)]
    process = subprocess.Popen(
        [
            *["make", "-C", str(REPO_ROOT), "--no-print-directory", "grade"],
            f"SOLUTIONS={learner}",
            f"GRADE_OPTS={' '.join(grade_options)}",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wait_for_hanging_call(temporary, process)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=120)

    assert leftovers(temporary) == {
        "processes": [],
        "temporary files": [],
        "cgroups": [],
        "shm": [],
    }
    assert "grading stopped (SIGTERM)" in output
    checks = {c["id"]: c for c in json.loads(report.read_text())["checks"]}
    assert checks["toy-total"]["passed"], checks["toy-total"]  # its call had ended: graded
    assert not checks["toy-count"]["passed"]
    assert "the grading run was stopped" in checks["toy-count"]["feedback"][0]


def test_make_grade_all_hung_up_mid_call_leaves_nothing(tmp_path):
    temporary, options, env = setup(tmp_path)
    submissions = tmp_path / "submissions"
    hanging_learner(submissions / "hangs")
    shutil.copytree(TOY_SOLUTIONS, submissions / "honest")
    process = subprocess.Popen(
        [
            *["make", "-C", str(REPO_ROOT), "--no-print-directory", "grade-all"],
            f"SUBMISSIONS={submissions}",
            f"GRADE_OPTS={' '.join([*options, '--grade-timeout', '300'])}",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    wait_for_hanging_call(temporary, process)
    os.killpg(process.pid, signal.SIGHUP)
    output, _ = process.communicate(timeout=120)

    assert leftovers(temporary) == {
        "processes": [],
        "temporary files": [],
        "cgroups": [],
        "shm": [],
    }
    assert "grade-all was stopped: exit status 130" in output
    feedback = (tmp_path / "grades" / "feedback" / "hangs.md").read_text()
    log = (tmp_path / "grades" / "logs" / "hangs.log").read_text()
    assert "the grading run was stopped" in feedback, f"{feedback}\n{log[-3000:]}\n{output[-2000:]}"


def test_a_learner_stopped_at_the_learner_limit_gets_what_ended(tmp_path):
    temporary, options, env = setup(tmp_path)
    submissions = tmp_path / "submissions"
    hanging_learner(submissions / "slow")
    completed = subprocess.run(
        [
            *[sys.executable, "-m", "imaging_course.grader", "grade-all", str(submissions)],
            *["--jobs", "1", "--learner-timeout", "20", *options, "--grade-timeout", "300"],
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )

    with (tmp_path / "grades" / "gradebook.csv").open(newline="") as handle:
        [row] = csv.DictReader(handle)
    assert row["status"] == "graded, stopped at the learner time limit of 20 s", completed.stdout
    assert row["toy-total[sample]"] == "1"
    assert row["toy-count[sample]"] == "0"
    feedback = (tmp_path / "grades" / "feedback" / "slow.md").read_text()
    assert "not graded, the grading run was stopped before this call ended" in feedback
    assert leftovers(temporary)["temporary files"] == []
    assert leftovers(temporary)["processes"] == []
