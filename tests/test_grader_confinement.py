"""The confinement of learner calls, tried for real in a child process: what it may still do
(write its call folder, read anything, start multiprocessing) and what fails (writing, chmod,
chown and utime anywhere else)."""

import json
import subprocess
import sys
import textwrap

from imaging_course.grader import confinement

TRIES = textwrap.dedent(
    """
    import json, multiprocessing, os, sys
    from pathlib import Path
    from imaging_course.grader.confinement import confine_writes

    call, shared = Path(sys.argv[1]), Path(sys.argv[2])
    confine_writes([call])
    tries = {
        "write in the call folder": lambda: (call / "result.json").write_text("{}"),
        "read the shared data": lambda: shared.read_text(),
        "multiprocessing lock": lambda: multiprocessing.Lock(),
        "write the shared data": lambda: shared.write_text("changed"),
        "make a file beside it": lambda: (shared.parent / "new.csv").write_text("x"),
        "chmod the shared data": lambda: os.chmod(shared, 0),
        "utime the shared data": lambda: os.utime(shared, (0, 0)),
        "chown the shared data": lambda: os.chown(shared, 0, 0),
    }
    outcome = {}
    for name, attempt in tries.items():
        try:
            attempt()
            outcome[name] = "done"
        except PermissionError:
            outcome[name] = "refused"
    print(json.dumps(outcome))
    """
)


def test_a_confined_call_writes_only_its_folder_and_changes_no_metadata(tmp_path):
    assert confinement.available()  # this machine has Landlock and libseccomp: CI too
    call, data = tmp_path / "call", tmp_path / "data"
    call.mkdir()
    data.mkdir()
    shared = data / "values.csv"
    shared.write_text("1,2,3\n")
    shared.chmod(0o644)
    before = shared.stat()

    completed = subprocess.run(
        [sys.executable, "-c", TRIES, str(call), str(shared)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    assert json.loads(completed.stdout) == {
        "write in the call folder": "done",
        "read the shared data": "done",
        "multiprocessing lock": "done",
        "write the shared data": "refused",
        "make a file beside it": "refused",
        "chmod the shared data": "refused",
        "utime the shared data": "refused",
        "chown the shared data": "refused",
    }
    after = shared.stat()
    assert (after.st_mode, after.st_mtime_ns, after.st_ctime_ns, shared.read_text()) == (
        before.st_mode,
        before.st_mtime_ns,
        before.st_ctime_ns,
        "1,2,3\n",
    )
    assert not (data / "new.csv").exists()
