"""Grading a class on a real Dask cluster: a scheduler and workers as separate processes on
the loopback address, one of them killed while it grades, one with other course code.

One scenario (it starts a cluster and runs grade-all five times): the class of six (right,
stub, partly right, hostile, hanging, crashing) graded on the cluster must give the gradebook
a local run gives (rows, scores, statuses), no learner missing or doubled, the learner whose
worker was killed graded again on the other and her row saying so, the worker with other
code refused by name. Then the class graded on the one worker left, killed in its turn: the
run ends after the no-worker timeout instead of waiting forever, with the learners graded
before kept, the others marked, a message saying how to resume and exit status 75. Last,
with only the worker with other code left, a run that grades nobody and exits with 69; and
a run on a fresh worker whose scheduler is killed, which ends as one whose workers are lost.
No process of the cluster or of the grading is left afterwards.
"""

import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from grader_toy.toy_run import TOY_DIR, TOY_SOLUTIONS, toy_env, toy_options
from grader_toy.toy_table import generate_toy
from test_grader_gallery import processes_mentioning, stale_cgroups
from test_grader_stop import _hanging_now

import imaging_course

DASK = Path(sys.executable).parent / "dask"

REPLACEMENTS = {
    "stub": ("def total(", "def right_total(", "def total(root):\n    raise NotImplementedError\n"),
    "partly": ("def stats(", "def right_stats(", "def stats(root):\n    return {'count': 0}\n"),
    "hostile": (
        "def total(",
        "def right_total(",
        "def total(root):\n"
        "    from pathlib import Path\n"
        "    (Path(root) / 'values.csv').write_text('id,value\\n')\n"
        "    return 0.0\n",
    ),
    "hanging": (
        "def stats(",
        "def right_stats(",
        "def stats(root):\n"
        "    import time\n"
        "    from pathlib import Path\n"
        "    Path('hanging-now').write_text('')\n"
        "    time.sleep(600)\n",
    ),
    "crashing": (
        "def grid(",
        "def right_grid(",
        "def grid(root):\n    import os\n    os._exit(3)\n",
    ),
}


def make_class(submissions: Path) -> None:
    shutil.copytree(TOY_SOLUTIONS, submissions / "right")
    for learner, (old, new, added) in REPLACEMENTS.items():
        shutil.copytree(TOY_SOLUTIONS, submissions / learner)
        source = submissions / learner / "toy_eda.py"
        source.write_text(source.read_text().replace(old, new) + "\n\n" + added)


def gradebook(out: Path) -> list[dict]:
    with (out / "gradebook.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def other_course_code(folder: Path) -> Path:
    """A copy of the course's package with one comment more: other code, same version."""
    package = Path(imaging_course.__file__).resolve().parent
    shutil.copytree(package, folder / "imaging_course", ignore=shutil.ignore_patterns("*.pyc"))
    init = folder / "imaging_course" / "__init__.py"
    init.write_text(init.read_text() + "\n# edited on this worker only\n")
    return folder


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("wb") as handle:
        return subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT)


def wait_for(condition, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


@pytest.fixture
def cluster(tmp_path):
    """A scheduler and three workers (a, b; and stale, whose course code differs), each a
    process of its own with a TMPDIR of its own, and a function that starts one more; all
    killed afterwards."""
    processes: dict[str, subprocess.Popen] = {}
    scheduler_file = tmp_path / "scheduler.json"
    env = toy_env()
    processes["scheduler"] = start(
        [
            str(DASK),
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(scheduler_file),
        ],
        env,
        tmp_path / "scheduler.log",
    )
    wait_for(scheduler_file.is_file, "the scheduler did not start")
    temporaries = {}

    def add_worker(name: str, temporary: Path | None = None) -> None:
        """Start worker-NAME (course code of its own when NAME is "stale") with ``temporary``
        (default: a new one) as its TMPDIR, and wait for it."""
        temporaries[name] = temporary or tmp_path / f"tmp-{name}"
        temporaries[name].mkdir(exist_ok=True)
        worker_env = {**env, "TMPDIR": str(temporaries[name])}
        if name == "stale":
            code = other_course_code(tmp_path / "stale-code")
            worker_env["PYTHONPATH"] = f"{code}{os.pathsep}{TOY_DIR}"
        log = tmp_path / f"worker-{name}.log"
        processes[name] = start(
            [
                str(DASK),
                "worker",
                "--scheduler-file",
                str(scheduler_file),
                "--nthreads",
                "1",
                "--no-nanny",
                "--name",
                f"worker-{name}",
                "--host",
                "127.0.0.1",
                "--no-dashboard",
            ],
            worker_env,
            log,
        )
        wait_for(lambda: "Registered to" in log.read_text(), f"worker {name} did not start")

    for name in ("a", "b", "stale"):
        add_worker(name)
    address = re.search(r'"address": "([^"]+)"', scheduler_file.read_text()).group(1)
    yield address, processes, temporaries, add_worker
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes.values():
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_class_graded_on_a_cluster_equals_the_local_run(tmp_path, cluster):
    address, processes, temporaries, add_worker = cluster
    data = tmp_path / "toy-sample"
    generate_toy(data, scale="sample", seed=5)
    submissions = tmp_path / "submissions"
    make_class(submissions)
    options = [
        *toy_options(data, tmp_path / "ref", tmp_path / "cache"),
        "--no-held-out",
        "--grade-timeout",
        "15",
    ]
    grade_all = [sys.executable, "-m", "imaging_course.grader", "grade-all", str(submissions)]

    on_cluster = subprocess.Popen(
        [*grade_all, "--out", str(tmp_path / "cluster"), "--dask-scheduler", address, *options],
        env=toy_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    hanging_on = {}

    def hanging_started() -> bool:
        for name in ("a", "b"):
            if _hanging_now(temporaries[name]):
                hanging_on["name"] = name
                return True
        assert on_cluster.poll() is None, on_cluster.communicate()[0]
        return False

    wait_for(hanging_started, "the hanging learner was never graded", 600)
    killed = hanging_on["name"]
    processes[killed].kill()  # the worker dies in the middle of her grading
    output, _ = on_cluster.communicate(timeout=900)
    assert on_cluster.returncode == 0, output

    local = subprocess.run(
        [*grade_all, "--out", str(tmp_path / "local"), "--jobs", "2", *options],
        env=toy_env(),
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )

    assert re.search(
        r"worker worker-stale \(tcp://127\.0\.0\.1:\d+\) refused: course version", output
    )
    cluster_rows, local_rows = gradebook(tmp_path / "cluster"), gradebook(tmp_path / "local")
    names = ["crashing", "hanging", "hostile", "partly", "right", "stub"]
    assert [row["learner"] for row in cluster_rows] == names, output
    assert [row["learner"] for row in local_rows] == names, local.stdout
    other = "b" if killed == "a" else "a"
    retried = f" (graded on worker worker-{other} after worker worker-{killed} was lost)"
    hanging = next(row for row in cluster_rows if row["learner"] == "hanging")
    assert hanging["status"] == "graded" + retried, output
    hanging["status"] = hanging["status"].removesuffix(retried)
    assert cluster_rows == local_rows
    scores = {row["learner"]: float(row["total_percent"]) for row in local_rows}
    assert scores["right"] == 100.0
    assert all(scores[name] < 100.0 for name in names if name != "right"), scores
    assert "did not finish within 15 s" in (tmp_path / "cluster/feedback/hanging.md").read_text()
    assert "on worker worker-" in output  # the progress line of each learner
    assert "Traceback" not in output + local.stdout + local.stderr  # Dask's logs stay quiet
    # Graded once on the worker left: one progress line for her.
    assert len(re.findall(r"^hanging: ", output, flags=re.MULTILINE)) == 1, output

    # The killed worker could not clean its folder; the one that finished did.
    assert list(temporaries[killed].rglob("grade-hanging-*")), output
    assert list(temporaries[other].rglob("grade-*")) == []

    def kill_while_hanging(out: str, temporary: Path, victim: str) -> tuple[int, str]:
        """grade-all into OUT with a no-worker timeout of 3 s, the cluster's process
        ``victim`` killed once the hanging learner's call runs under ``temporary``; the
        run's exit status and output."""
        run = subprocess.Popen(
            [*grade_all, "--out", str(tmp_path / out), "--dask-scheduler", address, *options,
             "--no-worker-timeout", "3"],
            env=toy_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        wait_for(
            lambda: _hanging_now(temporary) or run.poll() is not None,
            f"the hanging learner was never graded ({out})",
            600,
        )
        processes[victim].kill()
        output, _ = run.communicate(timeout=300)
        return run.returncode, output

    # The last accepted worker killed in its turn: the run must not wait forever.
    lost_status, lost_output = kill_while_hanging("lost", temporaries[other], other)
    assert lost_status == 75, lost_output
    lost = f"no worker left (worker-{other} lost; none came back within 3 s)"
    assert f"grade-all: {lost}: ended with 1 of 6 learners graded" in lost_output
    assert "run the same grade-all again" in lost_output
    lost_rows = gradebook(tmp_path / "lost")
    assert [row["learner"] for row in lost_rows] == names, lost_output
    # One learner at a time on one worker, in order: the crashing one graded before.
    assert lost_rows[0] == local_rows[0], lost_output
    assert all(row["status"] == f"not graded: {lost}" for row in lost_rows[1:]), lost_rows
    assert sorted(path.name for path in (tmp_path / "lost/reports").iterdir()) == [
        "crashing.json"
    ]  # the others are graded by the next run
    assert lost in (tmp_path / "lost/feedback/hanging.md").read_text()

    # Only the worker with other code is left: nobody is graded, and the exit status says so.
    refused_run = subprocess.run(
        [*grade_all, "--out", str(tmp_path / "refused"), "--dask-scheduler", address, *options],
        env=toy_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    refused_output = refused_run.stdout + refused_run.stderr
    assert refused_run.returncode == 69, refused_output
    assert "no learner graded (exit status 69)" in refused_output
    refused_rows = gradebook(tmp_path / "refused")
    assert [row["learner"] for row in refused_rows] == names, refused_output
    assert all(
        re.fullmatch(r"not graded: no worker can grade \(worker worker-stale .* refused: "
                     r"course version .*\)", row["status"])
        for row in refused_rows
    ), refused_rows  # fmt: skip

    # A fresh worker, started where the killed one ran, removes the folder that one left;
    # then it grades, and the scheduler dies: the run ends as when its workers are lost.
    add_worker("c", temporaries[killed])
    assert list(temporaries["c"].rglob("grade-*")) == []
    scheduler_status, scheduler_output = kill_while_hanging(
        "scheduler-lost", temporaries["c"], "scheduler"
    )
    assert scheduler_status == 75, scheduler_output
    gone = f"the scheduler {address} was lost (not reachable for 3 s)"
    assert f"grade-all: {gone}: ended with 1 of 6 learners graded" in scheduler_output
    assert "Traceback" not in scheduler_output, scheduler_output
    scheduler_rows = gradebook(tmp_path / "scheduler-lost")
    assert scheduler_rows[0] == local_rows[0], scheduler_output
    assert all(row["status"] == f"not graded: {gone}" for row in scheduler_rows[1:])

    for process in reversed(processes.values()):  # the workers, then the scheduler
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    assert processes_mentioning(str(tmp_path)) == []
    assert stale_cgroups() == []
