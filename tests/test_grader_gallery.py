"""The hostile gallery: learner modules that attack the grader fail only their own checks.

Each case grades a learner folder where one module comes from ``tests/grader_gallery/``. The
grader must finish and report a score, fail exactly the checks of the hostile function (or
module), leave no process behind, and leave the reference files, the reference solutions and
the whole course package byte for byte as they were. The cases that write files run twice:
confined by Landlock (the write is refused) and with ``--grade-unconfined`` (the guard puts
the files back and blames the call).
"""

import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest
from grader_toy.toy_run import TOY_SOLUTIONS, outcomes, run_grader
from grader_toy.toy_table import TOY_TABLE, generate_toy

import imaging_course
from imaging_course.grader.confinement import landlock_abi
from imaging_course.grader.integrity import DAMAGE_MARK
from imaging_course.grader.reference import compute_references, write_references
from imaging_course.grader.sandbox import Sandbox

GALLERY = Path(__file__).resolve().parent / "grader_gallery"
COURSE_PACKAGE = Path(imaging_course.__file__).resolve().parent

CASES = [
    # (gallery file, module it replaces, the checks that must fail, words in the feedback)
    ("exit_at_import", "toy_more", {"toy-more-count"}, "importing toy_more.py failed"),
    ("exit_in_function", "toy_eda", {"toy-total"}, "sys.exit(0) was called"),
    ("endless_loop", "toy_eda", {"toy-total"}, "did not finish within 3 s"),
    ("memory_hog", "toy_eda", {"toy-total"}, "ran out of memory"),
    ("output_flood", "toy_eda", {"toy-total"}, "ended the process without returning"),
    ("fork_outlives", "toy_eda", {"toy-total"}, "total: expected about"),
    ("eq_always_true", "toy_eda", {"toy-total"}, "is not plain data"),
    ("patched_isclose", "toy_eda", {"toy-total"}, "got -1 ("),
    ("forged_result", "toy_eda", {"toy-total"}, "not written by the grader's runner"),
]

REFUSED = "raised PermissionError"
TAMPERING = [
    # (gallery file, feedback when confined, feedback with --grade-unconfined); a confined
    # call may neither write outside its folder nor signal a process outside its own
    ("tamper_files", REFUSED, "changed files it must not touch"),
    ("tamper_data", REFUSED, "must not touch: values.csv"),
    ("tamper_package", REFUSED, "must not touch: layout.py"),
    ("tamper_solutions", REFUSED, "must not touch: toy_eda.py"),
    ("kill_sandbox", REFUSED if landlock_abi() >= 6 else "ended the process", "ended the process"),
]
for name, confined, unconfined in TAMPERING:
    CASES.append((name, "toy_eda", {"toy-total"}, confined))
    CASES.append((f"{name}:unconfined", "toy_eda", {"toy-total"}, unconfined))


@pytest.fixture
def toy_setup(tmp_path) -> tuple[Path, Path]:
    """Toy data and stored references for it (so that there are reference files to attack)."""
    base = tmp_path / "course"
    data = base / "data" / "toy-sample"
    generate_toy(data, scale="sample", seed=5)
    with Sandbox(workers=1) as sandbox:
        references = compute_references(TOY_TABLE, "toy", data, TOY_SOLUTIONS, sandbox)
    write_references(references, base / "reference")
    return data, base / "reference"


def tree_digest(*folders: Path) -> str:
    """One hash over every file (name, bytes and mode) under ``folders``, caches left out."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                mode = str(path.stat().st_mode).encode()
                digest.update(str(path).encode() + b"\0" + mode + b"\0" + path.read_bytes())
    return digest.hexdigest()


def learner_with(tmp_path: Path, case: str, module: str) -> Path:
    folder = tmp_path / case
    folder.mkdir()
    shutil.copy(TOY_SOLUTIONS / "toy_eda.py", folder / "toy_eda.py")
    shutil.copy(TOY_SOLUTIONS / "toy_more.py", folder / "toy_more.py")
    shutil.copy(TOY_SOLUTIONS / "toy_eda.py", folder / "toy_eda_base.py")
    shutil.copy(GALLERY / f"{case}.py", folder / f"{module}.py")
    return folder


def processes_running(word: str) -> list[int]:
    """Pids whose command line mentions ``word`` (our learner folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if word in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_landlock_confines_learner_calls_here():
    # The confined cases below prove Landlock only where the kernel has it: this one does.
    assert landlock_abi() >= 1
    with Sandbox(workers=1) as sandbox:
        assert sandbox.confined


@pytest.mark.parametrize("hostile", CASES, ids=[case[0] for case in CASES])
def test_hostile_module_fails_only_its_own_checks(toy_setup, tmp_path, monkeypatch, hostile):
    name, module, failing, feedback = hostile
    case, _, mode = name.partition(":")
    data, references = toy_setup
    learner = learner_with(tmp_path, case, module)
    cache = tmp_path / "cache"
    escape = tmp_path / "escaped-package.txt"
    monkeypatch.setenv("GALLERY_ESCAPE", str(escape))
    protected = (references, TOY_SOLUTIONS, COURSE_PACKAGE)
    before = tree_digest(*protected)
    data_before = tree_digest(data)
    unconfined = ["--grade-unconfined"] if mode == "unconfined" else []
    start = time.monotonic()
    completed, report = run_grader(
        learner,
        data,
        references,
        cache,
        "--no-held-out",
        "--grade-timeout",
        "3",
        "--grade-memory-mb",
        "1024",
        *unconfined,
    )
    elapsed = time.monotonic() - start
    assert report is not None, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert completed.returncode == 1
    failed = {check for check, passed in outcomes(report).items() if not passed}
    assert failed == {f"{check}[sample]" for check in failing}, completed.stdout[-3000:]
    assert feedback in completed.stdout
    assert "Traceback" not in completed.stdout
    assert report["percent"] > 50
    assert tree_digest(*protected) == before
    assert (data / DAMAGE_MARK).exists() == (name == "tamper_data:unconfined")
    if not (data / DAMAGE_MARK).exists():
        assert tree_digest(data) == data_before
    assert not escape.exists()
    assert elapsed < 60
    assert len(completed.stdout) < 200_000
    time.sleep(2.5 if case == "fork_outlives" else 0)
    assert not (data.parent / "escaped-fork.txt").exists()
    assert processes_running(str(learner)) == []


@pytest.mark.parametrize("case", ["tamper_package", "tamper_solutions", "tamper_data"])
def test_the_next_learner_is_graded_as_if_nobody_had_tampered(
    toy_setup, tmp_path, monkeypatch, case
):
    # Unconfined, the worst case: the guard alone stands between the two runs. The next run
    # computes its references from the reference solutions (no stored ones).
    data, references = toy_setup
    escape = tmp_path / "escaped-package.txt"
    monkeypatch.setenv("GALLERY_ESCAPE", str(escape))
    options = ("--no-held-out", "--grade-unconfined")
    run_grader(learner_with(tmp_path, case, "toy_eda"), data, references, tmp_path / "c", *options)
    fresh = tmp_path / "no-stored-references"
    innocent = shutil.copytree(TOY_SOLUTIONS, tmp_path / "innocent")
    completed, report = run_grader(innocent, data, fresh, tmp_path / "c", *options)
    assert not escape.exists()
    if case == "tamper_data":  # data cannot be put back: nobody is graded on it any more
        assert report["percent"] == 0.0
        assert "learner code changed the data at" in completed.stdout
        assert "values.csv" in completed.stdout
    else:
        assert report["percent"] == 100.0, completed.stdout[-3000:]
