"""The hostile gallery: learners who attack the grader, the machine or their classmates.

One `grade-all` run (confined, sample and held-out data) grades a class made of the modules in
``tests/grader_gallery/`` and one honest learner. Each attack must fail only its own checks
with a plain message, every report must count every check, and nothing may change, arrive,
leak or stay behind: no protected file changed, nothing received on a listener, no secret in
any output, no process, folder, cgroup or ``/dev/shm`` file left. The same attacks run
unconfined where the machine allows it (as a user of its own), and are refused otherwise.
"""

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from grader_toy.toy_run import TOY_SOLUTIONS, toy_env, toy_options
from grader_toy.toy_table import TOY_TABLE, generate_toy

import imaging_course
from imaging_course.grader.grading_run import HARD_CODED
from imaging_course.grader.limits import cgroup_parents
from imaging_course.grader.reference import compute_references, write_references
from imaging_course.grader.sandbox import Sandbox

GALLERY = Path(__file__).resolve().parent / "grader_gallery"
COURSE_PACKAGE = Path(imaging_course.__file__).resolve().parent
PACKAGE_FILE = COURSE_PACKAGE / "datasets" / "siim" / "layout.py"
SECRET = "gallery-secret-7f3a9c"  # noqa: S105 (what the learners look for)
TIMEOUT, CPU_SECONDS, MEMORY_MB = 4, 2, 512

CLASS = {
    # learner: {exercise module: gallery file}; the other modules are the reference solution's
    "process_attacks": {"toy_eda": "process_attacks"},
    "result_attacks": {"toy_eda": "result_attacks"},
    "tampering": {"toy_eda": "tampering"},
    "cheat_reading": {"toy_eda": "cheat_reading"},
    "limits_tree": {"toy_eda": "limits_tree", "toy_more": "shm_check"},
    "network": {"toy_eda": "network_and_secrets"},
    "slow_imports": {"toy_eda": "import_exit", "toy_more": "import_forever"},
    "hard_coded": {"toy_eda": "hard_coded"},
    "plain_data": {"toy_eda": "plain_data"},
    "honest": {},
}
CHECKS_OF = {
    "total": ["toy-total"],
    "stats": ["toy-count", "toy-over-half"],
    "table": ["toy-table"],
    "grid": ["toy-grid"],
    "lookup": ["toy-lookup"],
    "count": ["toy-more-count"],
}
EXPECTED = {
    # learner: {function whose checks fail: words in their feedback, on both variants}
    "process_attacks": {
        "total": "sys.exit(0) was called",
        "stats": (  # an endless loop: out of CPU time (2 s) or, on a busy machine, of time
            "used more CPU time than a call may; it was running toy_eda.py, line",
            f"did not finish within {TIMEOUT} s; it was running toy_eda.py, line",
        ),
        "table": "ran out of memory",
        "grid": ("ended the process without returning", "used more CPU time"),  # output capped
        "lookup": "lookup",
    },
    "result_attacks": {
        "total": "is not plain data",
        "stats": "not a plain .npy array",
        "table": "expected a pandas DataFrame, got NoneType",
        "grid": "a call may return at most 32 MB",
        "lookup": "beyond what a float can hold",
    },
    "tampering": dict.fromkeys(("total", "stats", "table", "grid", "lookup"), "PermissionError"),
    "cheat_reading": {
        "total": "PermissionError",
        "stats": "PermissionError",
        "table": "PermissionError",
        "grid": "off limits in this exercise",
        "lookup": "PermissionError",
    },
    "limits_tree": {
        "total": "ran out of memory",
        "stats": "started more processes or threads than a call may",
        "grid": ("No space left on device", "ran out of memory"),  # /dev/shm counts as memory
    },
    "network": {},
    "slow_imports": {
        "total": "importing toy_eda.py failed: SystemExit",
        "stats": "importing toy_eda.py failed: SystemExit",
        "table": "importing toy_eda.py failed: SystemExit",
        "grid": "importing toy_eda.py failed: SystemExit",
        "lookup": "importing toy_eda.py failed: SystemExit",
        "count": (
            "importing toy_more.py did not finish in time (it was running toy_more.py, line",
            "importing toy_more.py used too much CPU time (it was running toy_more.py, line",
        ),
    },
    "plain_data": {"lookup": ("got nan", "lookup: differs from the expected value")},
    "honest": {},
}


@dataclass
class GradedClass:
    """One grade-all run over the gallery class and everything observed around it."""

    base: Path
    completed: subprocess.CompletedProcess
    reports: dict[str, dict]
    feedback: dict[str, str]
    outputs: str
    changed: list[str]
    received_tcp: bool
    received_udp: bool
    leftovers: dict[str, list]
    heldout_ids: list[str]


def tree_digest(*folders: Path) -> str:
    """One hash over every file (name, bytes and mode) under ``folders``, caches left out."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                mode = str(path.stat().st_mode).encode()
                digest.update(str(path).encode() + b"\0" + mode + b"\0" + path.read_bytes())
    return digest.hexdigest()


def processes_mentioning(word: str) -> list[int]:
    """Pids (other than this one) whose command line mentions ``word``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if word in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def stale_cgroups() -> list[str]:
    """Call cgroups whose server launcher is gone (left behind)."""
    stale = []
    for parent in cgroup_parents().values():
        for folder in Path(parent).glob("imaging-course-call-*"):
            if not Path(f"/proc/{folder.name.rsplit('-', 1)[1]}").exists():
                stale.append(str(folder))
    return stale


def leftovers(temporary: Path) -> dict[str, list]:
    """What a finished run must not leave: processes, files in its TMPDIR, cgroups, shm."""
    return {
        "processes": processes_mentioning(str(temporary)),
        "temporary files": sorted(str(p) for p in temporary.rglob("*")),
        "cgroups": stale_cgroups(),
        "shm": sorted(p.name for p in Path("/dev/shm").glob("gallery-*")),  # noqa: S108
    }


def world_readable_folder(prefix: str) -> Path:
    """A temporary folder other users may enter (pytest's own are closed to them)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    return folder


def fill(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    assert "{{" not in text, text
    return text


def make_class(base: Path, solutions: Path, values: dict[str, str], names=CLASS) -> Path:
    """One folder per learner: the reference solution, with the gallery's modules in place."""
    submissions = base / "submissions"
    for learner, modules in names.items():
        folder = submissions / learner
        shutil.copytree(solutions, folder)
        shutil.copy(solutions / "toy_eda.py", folder / "toy_eda_base.py")
        for module, gallery_file in modules.items():
            text = (GALLERY / f"{gallery_file}.py").read_text()
            assert text.startswith(f"# {module}:"), gallery_file
            (folder / f"{module}.py").write_text(fill(text, values))
    return submissions


@pytest.fixture(scope="module")
def graded_class() -> GradedClass:
    base = world_readable_folder("grader-gallery-")
    data = base / "data" / "toy-sample"
    generate_toy(data, scale="sample", seed=5)
    solutions = shutil.copytree(TOY_SOLUTIONS, base / "reference-solutions")
    references, cache, temporary = base / "reference", base / "cache", base / "tmp"
    temporary.mkdir()
    with Sandbox(workers=1) as sandbox:
        computed = compute_references(TOY_TABLE, "toy", data, solutions, sandbox)
    write_references(computed, references)
    tcp, udp = socket.socket(), socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen()
    udp.bind(("127.0.0.1", 0))
    holder = subprocess.Popen(["sleep", "600"], env={"GALLERY_SECRET": SECRET})
    sample_stats = computed.outputs["stats"]
    values = {
        "REFERENCES": str(references),
        "SOLUTIONS": str(solutions),
        "PACKAGE_FILE": str(PACKAGE_FILE),
        "CACHE": str(cache),
        "OTHER_LEARNER": str(base / "submissions" / "honest"),
        "TCP_PORT": str(tcp.getsockname()[1]),
        "UDP_PORT": str(udp.getsockname()[1]),
        "SECRET": SECRET,
        "SECRET_PID": str(holder.pid),
        "SAMPLE_TOTAL": repr(computed.outputs["total"]),
        "SAMPLE_COUNT": repr(sample_stats["count"]),
        "SAMPLE_IDS": repr(sample_stats["ids_over_half"]),
    }
    submissions = make_class(base, solutions, values)
    protected = (references, solutions, COURSE_PACKAGE, data)
    before = [tree_digest(folder) for folder in protected]
    out = base / "grades"
    try:
        completed = subprocess.run(
            [
                *[sys.executable, "-m", "imaging_course.grader", "grade-all", str(submissions)],
                *["--out", str(out), "--jobs", "2", "--grade-timeout", str(TIMEOUT)],
                *["--grade-memory-mb", str(MEMORY_MB), "--grade-cpu-seconds", str(CPU_SECONDS)],
                *toy_options(data, references, cache),
                *["--reference-solutions", str(solutions)],
            ],
            capture_output=True,
            text=True,
            env={**toy_env(), "TMPDIR": str(temporary), "GALLERY_SECRET": SECRET},
            timeout=900,
            check=False,
        )
        changed = [str(f) for f, b in zip(protected, before, strict=True) if tree_digest(f) != b]
        tcp.setblocking(False)
        udp.setblocking(False)
        received = []
        for receive in (tcp.accept, lambda: udp.recvfrom(100)):
            try:
                receive()
                received.append(True)
            except BlockingIOError:
                received.append(False)
        texts = [completed.stdout, completed.stderr]
        texts += [path.read_text(errors="replace") for path in out.rglob("*") if path.is_file()]
        heldout_csv = (cache / "heldout" / "toy" / "values.csv").read_text().splitlines()[1:]
        yield GradedClass(
            base,
            completed,
            {p.stem: json.loads(p.read_text()) for p in (out / "reports").glob("[!.]*.json")},
            {p.stem: p.read_text() for p in (out / "feedback").glob("*.md")},
            "\n".join(texts),
            changed,
            *received,
            leftovers(temporary),
            [line.split(",")[0] for line in heldout_csv],
        )
    finally:
        holder.kill()
        holder.wait()
        tcp.close()
        udp.close()
        shutil.rmtree(base, ignore_errors=True)


def test_landlock_and_the_kernel_limits_are_here():
    # The gallery proves the kernel's means only where the machine has them: this one does.
    with Sandbox(workers=1) as sandbox:
        description = sandbox.describe()
    assert "Landlock ABI" in description
    assert "whole process tree (cgroup)" in description
    assert "runs as a user of its own" in description
    assert "no network, own /proc and /dev/shm (namespaces)" in description


def test_every_learner_is_graded_on_every_check(graded_class):
    assert graded_class.completed.returncode == 0, graded_class.completed.stderr[-3000:]
    assert "graded 10 of 10 learners" in graded_class.completed.stdout
    assert graded_class.completed.stdout.startswith("sandbox: each call:")
    points = 2 * sum(check.points for check in TOY_TABLE.checks)
    assert set(graded_class.reports) == set(CLASS)
    for learner, report in graded_class.reports.items():
        assert report["points"] == points, learner  # the denominator is the table's
        assert len(report["checks"]) == 2 * len(TOY_TABLE.checks), learner


@pytest.mark.parametrize("learner", list(EXPECTED))
def test_each_attack_fails_only_its_own_checks_with_a_plain_message(graded_class, learner):
    report = graded_class.reports[learner]
    failed = {f"{c['id']}[{c['variant']}]" for c in report["checks"] if not c["passed"]}
    expected = {
        f"{check}[{variant}]"
        for function in EXPECTED[learner]
        for check in CHECKS_OF[function]
        for variant in ("sample", "held-out")
    }
    assert failed == expected, graded_class.feedback[learner]
    for function, words in EXPECTED[learner].items():
        alternatives = (words,) if isinstance(words, str) else words
        for check in report["checks"]:
            if check["id"] in CHECKS_OF[function]:
                text = "\n".join(check["feedback"])
                assert any(word in text for word in alternatives), (learner, check["id"], text)
    assert "Traceback" not in graded_class.feedback[learner]


def test_nothing_changed_arrived_leaked_or_stayed(graded_class):
    assert graded_class.changed == []
    assert not graded_class.received_tcp
    assert not graded_class.received_udp
    assert SECRET not in graded_class.outputs
    assert graded_class.leftovers == {
        "processes": [],
        "temporary files": [],
        "cgroups": [],
        "shm": [],
    }
    assert not (graded_class.base / "data" / "escaped-fork.txt").exists()
    assert not Path("/tmp/escaped").exists()  # noqa: S108 (what tampering.table would run)


def test_a_module_that_does_not_import_says_so_once(graded_class):
    feedback = graded_class.feedback["slow_imports"]
    assert feedback.count("importing toy_eda.py failed: SystemExit") == 1
    assert feedback.count("importing toy_more.py") == 1
    assert '`if __name__ == "__main__":`' in feedback
    seconds = [c["seconds"] for c in graded_class.reports["slow_imports"]["checks"]]
    assert max(seconds) < TIMEOUT + 2  # one import, not one per call


def test_held_out_feedback_hides_the_answers_and_names_the_likely_reason(graded_class):
    checks = {f"{c['id']}[{c['variant']}]": c for c in graded_class.reports["hard_coded"]["checks"]}
    assert checks["toy-total[sample]"]["passed"]
    assert checks["toy-over-half[sample]"]["passed"]
    for name in ("toy-total[held-out]", "toy-over-half[held-out]"):
        assert not checks[name]["passed"]
        assert HARD_CODED in checks[name]["hints"]
        assert "differs from the expected value on the held-out data" in checks[name]["feedback"][0]
    feedback = graded_class.feedback["hard_coded"]
    assert not [item_id for item_id in graded_class.heldout_ids if item_id in feedback]
    assert not any(
        character.isdigit() for character in checks["toy-total[held-out]"]["feedback"][0]
    )


def test_plain_data_under_other_names_is_accepted(graded_class):
    passed = {c["id"] for c in graded_class.reports["plain_data"]["checks"] if c["passed"]}
    assert {"toy-count", "toy-over-half", "toy-grid"} <= passed  # OrderedDict, Counter, namedtuple


def test_unconfined_grading_runs_as_a_user_of_its_own_or_refuses(tmp_path):
    base = world_readable_folder("grader-unconfined-")
    try:
        data = base / "data"
        generate_toy(data, scale="sample", seed=5)
        solutions = shutil.copytree(TOY_SOLUTIONS, base / "reference-solutions")
        references = base / "reference"
        values = {
            "REFERENCES": str(references),
            "SOLUTIONS": str(solutions),
            "PACKAGE_FILE": str(PACKAGE_FILE),
        }
        learner = make_class(base, solutions, values, {"tampering": {"toy_eda": "tampering"}})
        protected = (solutions, COURSE_PACKAGE, data)
        before = [tree_digest(folder) for folder in protected]
        report_path = base / "report.json"
        completed = subprocess.run(
            [
                *[sys.executable, "-m", "imaging_course.grader", "grade", "--no-held-out"],
                *["--solutions", str(learner / "tampering"), "--grade-unconfined"],
                *["--grade-report", str(report_path), "--grade-timeout", str(TIMEOUT)],
                *toy_options(data, references, base / "cache"),
                *["--reference-solutions", str(solutions)],
            ],
            capture_output=True,
            text=True,
            env={**toy_env(), "TMPDIR": str(base)},
            timeout=300,
            check=False,
        )
        report = json.loads(report_path.read_text())
        assert [tree_digest(folder) for folder in protected] == before
        if "cannot run unconfined" in completed.stdout:  # here: Python lies under /root (0700)
            assert completed.returncode == 4
            assert "is not readable by other users" in completed.stdout
            assert report["percent"] == 0.0
            assert "exit status 4" in completed.stdout.splitlines()[-1]
        else:  # a user of its own, who owns nothing: every write is refused
            assert "UNCONFINED" in completed.stdout
            failed = {c["id"] for c in report["checks"] if not c["passed"]}
            assert failed == {"toy-total", "toy-count", "toy-over-half", "toy-table", "toy-grid"}
            assert completed.stdout.count("PermissionError") >= 4
    finally:
        shutil.rmtree(base, ignore_errors=True)
