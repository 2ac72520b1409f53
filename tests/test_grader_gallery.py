"""The hostile gallery: learner modules that attack the grader fail only their own checks.

Each case grades a learner folder where one module comes from ``tests/grader_gallery/``. The
grader must finish and report a score, fail exactly the checks of the hostile function (or
module), leave no process behind, and leave the reference files and its own source files
byte for byte as they were.
"""

import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest
from grader_toy.toy_run import TOY_SOLUTIONS, outcomes, run_grader
from grader_toy.toy_table import TOY_TABLE, generate_toy

from imaging_course.grader import compare
from imaging_course.grader.reference import compute_references, write_references
from imaging_course.grader.sandbox import Sandbox

GALLERY = Path(__file__).resolve().parent / "grader_gallery"
GRADER_SOURCE = Path(compare.__file__).resolve().parent

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
    ("tamper_files", "toy_eda", {"toy-total"}, "changed files it must not touch"),
    ("kill_sandbox", "toy_eda", {"toy-total"}, "ended the process without returning"),
    ("tamper_data", "toy_eda", {"toy-total"}, "must not touch: values.csv"),
]


@pytest.fixture(scope="module")
def toy_setup(tmp_path_factory) -> tuple[Path, Path]:
    """Toy data and stored references for it (so that there are reference files to attack)."""
    base = tmp_path_factory.mktemp("gallery")
    data = base / "data" / "toy-sample"
    generate_toy(data, scale="sample", seed=5)
    with Sandbox(workers=1) as sandbox:
        references = compute_references(TOY_TABLE, "toy", data, TOY_SOLUTIONS, sandbox)
    write_references(references, base / "reference")
    return data, base / "reference"


def tree_digest(*folders: Path) -> str:
    """One hash over every file (name and bytes) under ``folders``, caches left out."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path).encode() + b"\0" + path.read_bytes())
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


@pytest.mark.parametrize("hostile", CASES, ids=[case[0] for case in CASES])
def test_hostile_module_fails_only_its_own_checks(toy_setup, tmp_path, hostile):
    case, module, failing, feedback = hostile
    data, references = toy_setup
    learner = learner_with(tmp_path, case, module)
    cache = tmp_path / "cache"
    before = tree_digest(references, GRADER_SOURCE)
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
    )
    elapsed = time.monotonic() - start
    assert report is not None, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert completed.returncode == 1
    failed = {name for name, passed in outcomes(report).items() if not passed}
    assert failed == {f"{check}[sample]" for check in failing}, completed.stdout[-3000:]
    assert feedback in completed.stdout
    assert "Traceback" not in completed.stdout
    assert report["percent"] > 50
    assert tree_digest(references, GRADER_SOURCE) == before
    assert elapsed < 60
    assert len(completed.stdout) < 200_000
    time.sleep(2.5 if case == "fork_outlives" else 0)
    assert not (data.parent / "escaped-fork.txt").exists()
    assert processes_running(str(learner)) == []
