"""The confinement of learner calls, tried for real in a child process: what it may still do
(write its call folder, read the data it was given) and what fails (reading anything else,
a hidden file among readable ones, writing outside its folder, chmod, chown, utime, TCP)."""

import json
import socket
import subprocess
import sys
import textwrap

from imaging_course.grader import confinement

TRIES = textwrap.dedent(
    """
    import json, os, socket, sys
    from pathlib import Path
    from imaging_course.grader.confinement import confine, read_rules

    call, data, secret, port = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    shared, hidden = data / "values.csv", data / "hidden.csv"
    python = [sys.prefix, sys.base_prefix, *sys.path]
    confine(read_rules([*python, data], [hidden]), [call])
    tries = {
        "write in the call folder": lambda: (call / "result.json").write_text("{}"),
        "read the shared data": lambda: shared.read_text(),
        "read a hidden file beside it": lambda: hidden.read_text(),
        "read a file outside": lambda: secret.read_text(),
        "list a folder outside": lambda: os.listdir(secret.parent),
        "write the shared data": lambda: shared.write_text("changed"),
        "make a file beside it": lambda: (data / "new.csv").write_text("x"),
        "chmod the shared data": lambda: os.chmod(shared, 0),
        "utime the shared data": lambda: os.utime(shared, (0, 0)),
        "chown the shared data": lambda: os.chown(shared, 0, 0),
        "connect over TCP": lambda: socket.create_connection(("127.0.0.1", int(port)), 2),
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


def test_a_confined_call_reads_and_writes_only_what_it_was_given(tmp_path):
    assert confinement.available()  # this machine has Landlock and libseccomp: CI too
    call, data, elsewhere = tmp_path / "call", tmp_path / "data", tmp_path / "elsewhere"
    for folder in (call, data, elsewhere):
        folder.mkdir()
    shared = data / "values.csv"
    shared.write_text("1,2,3\n")
    shared.chmod(0o644)
    (data / "hidden.csv").write_text("answers\n")
    (elsewhere / "answers.json").write_text("{}")
    before = shared.stat()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = str(listener.getsockname()[1])
        completed = subprocess.run(
            [
                sys.executable,
                "-c",
                TRIES,
                str(call),
                str(data),
                str(elsewhere / "answers.json"),
                port,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        listener.setblocking(False)
        try:
            listener.accept()
            connected = True
        except BlockingIOError:
            connected = False

    assert json.loads(completed.stdout) == {
        "write in the call folder": "done",
        "read the shared data": "done",
        "read a hidden file beside it": "refused",
        "read a file outside": "refused",
        "list a folder outside": "refused",
        "write the shared data": "refused",
        "make a file beside it": "refused",
        "chmod the shared data": "refused",
        "utime the shared data": "refused",
        "chown the shared data": "refused",
        "connect over TCP": "refused",
    }
    assert not connected
    after = shared.stat()
    assert (after.st_mode, after.st_mtime_ns, after.st_ctime_ns, shared.read_text()) == (
        before.st_mode,
        before.st_mtime_ns,
        before.st_ctime_ns,
        "1,2,3\n",
    )
    assert not (data / "new.csv").exists()
