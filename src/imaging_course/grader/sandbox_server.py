"""The sandbox's fork server: runs one learner function per forked child, then cleans up.

Started by :class:`imaging_course.grader.sandbox.Sandbox` as ``python -I -m
imaging_course.grader.sandbox_server``. It imports the heavy libraries once (NumPy, pandas,
pydicom, nibabel, SciPy), never imports learner code itself, and reads one JSON request per
line on stdin. For each request it forks a child that

1. starts a new session (so the whole process group can be killed),
2. caps its address space (``RLIMIT_AS``), file size (``RLIMIT_FSIZE``) and core dumps,
3. sends fds 1 and 2 to files, and caps what Python's ``print`` writes to them,
4. confines its writes to its call folder (:mod:`~imaging_course.grader.confinement`, when the
   request asks for it) and points temporary files there,
5. imports the learner's module from its file, calls the function, and writes the result
   with :mod:`imaging_course.grader.results` (plus the request's nonce) into the call folder.

The server waits for the child with the request's timeout, kills the child's process group,
then kills every process left re-parented to it (it is a child subreaper, so a fork that
called ``setsid()`` to outlive its check lands here), and answers one JSON line on stdout.
"""

import contextlib
import ctypes
import importlib.util
import io
import json
import os
import resource
import select
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy  # noqa: F401  (imported once here, shared by every forked child)
import pandas  # noqa: F401

from imaging_course.grader import results
from imaging_course.grader.confinement import available, confine_writes

PR_SET_CHILD_SUBREAPER = 36
PRELOAD = ("pydicom", "nibabel", "scipy.ndimage")
"""Libraries the exercises use, imported once here so that every call starts warm."""
TEMPORARY_FOLDER_VARIABLES = ("TMPDIR", "XDG_CACHE_HOME", "MPLCONFIGDIR")
"""Where a call's temporary and cache files go: its own work folder, the one it may write."""


class CappedText(io.TextIOBase):
    """A text stream that writes at most ``cap`` characters to ``raw`` and drops the rest."""

    def __init__(self, raw, cap: int) -> None:
        self.raw, self.cap, self.written = raw, cap, 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        room = self.cap - self.written
        if room > 0:
            self.raw.write(text[:room])
            self.raw.flush()
        self.written += len(text)
        return len(text)


def _describe(exc: BaseException, learner_dir: Path) -> dict:
    """The exception's type and message, and the last frame in the learner's own files."""
    where = ""
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        path = Path(frame.filename)
        if path.is_relative_to(learner_dir):
            where = f"{path.relative_to(learner_dir).as_posix()}, line {frame.lineno}"
            where += f", in {frame.name}: {(frame.line or '').strip()}"
            break
    if isinstance(exc, SyntaxError) and exc.filename and not where:
        where = f"{Path(exc.filename).name}, line {exc.lineno}: {(exc.text or '').strip()}"
    message = str(exc)
    if isinstance(exc, SystemExit):
        message = f"sys.exit({exc.code!r}) was called"
    return {"type": type(exc).__name__, "message": message[:600], "where": where[:400]}


def _isolate(request: dict, out: Path) -> None:
    """Steps 1 to 4 of the child: session, limits, output files, temporary files, confinement."""
    os.setsid()
    stdout_fd = os.open(out.parent / "stdout.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    stderr_fd = os.open(out.parent / "stderr.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    null_fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null_fd, 0)
    os.dup2(stdout_fd, 1)
    os.dup2(stderr_fd, 2)
    cap = int(request["output_chars"])
    sys.stdout = CappedText(io.TextIOWrapper(os.fdopen(1, "wb", closefd=False), "utf-8"), cap)
    sys.stderr = CappedText(io.TextIOWrapper(os.fdopen(2, "wb", closefd=False), "utf-8"), cap)
    memory = int(request["memory_bytes"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    file_size = int(request["file_bytes"])
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    os.chdir(request["workdir"])
    for name in TEMPORARY_FOLDER_VARIABLES:
        os.environ[name] = request["workdir"]
    tempfile.tempdir = None  # the next temporary file goes to the new TMPDIR
    sys.dont_write_bytecode = True  # a call writes no .pyc beside anybody's sources
    if request["confine"]:
        confine_writes([out.parent])


def _run_child(request: dict) -> None:
    """Body of the forked child; ends with ``os._exit``."""
    out = Path(request["out"])
    _isolate(request, out)
    learner_dir = Path(request["learner_dir"]).resolve()
    nonce = request["nonce"]
    args = results.decode(request["args"], Path(request["args_dir"]))

    def finish(payload: dict) -> None:
        payload["nonce"] = nonce
        results.write_result(out, payload)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    for name in request["blocked"]:
        sys.modules[name] = None  # makes `import name` raise ImportError in this call
    sys.path.insert(0, str(learner_dir))
    module_path = learner_dir / f"{request['module']}.py"
    try:
        spec = importlib.util.spec_from_file_location(request["module"], module_path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[request["module"]] = module
        spec.loader.exec_module(module)
    except BaseException as exc:
        finish({"status": "import-error", "error": _describe(exc, learner_dir)})
    function = getattr(module, request["function"], None)
    if not callable(function):
        finish({"status": "missing", "error": {"message": f"no function {request['function']}"}})
    try:
        value = function(*args)
    except BaseException as exc:
        finish({"status": "error", "error": _describe(exc, learner_dir)})
    try:
        tree = results.encode(value, out)
    except results.ResultError as exc:
        finish({"status": "bad-result", "error": {"type": "ResultError", "message": str(exc)}})
    finish({"status": "ok", "value": tree})


def _children(parent: int) -> list[int]:
    """Pids whose parent is ``parent``, from ``/proc`` (the comm field may hold spaces)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[1]) == parent:
            found.append(int(entry.name))
    return found


def _kill_leftovers(pid: int) -> int:
    """Kill the call's process group and every process re-parented here; return how many."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    killed = 0
    for _ in range(200):
        leftovers = _children(os.getpid())
        if not leftovers:
            break
        for child in leftovers:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child, signal.SIGKILL)
            try:
                os.kill(child, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        _reap()
        time.sleep(0.005)
    return killed


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _supervise(request: dict) -> dict:
    """Fork, wait with the timeout, clean up; the report the grader reads."""
    sys.stdout.flush()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            _run_child(request)
        finally:
            os._exit(70)
    print(json.dumps({"started": pid}), flush=True)
    pidfd = os.pidfd_open(pid)
    ready, _, _ = select.select([pidfd], [], [], float(request["timeout"]))
    os.close(pidfd)
    timed_out = not ready
    if timed_out:
        os.killpg(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    seconds = time.monotonic() - start
    leftovers = _kill_leftovers(pid)
    return {
        "timed_out": timed_out,
        "exit_code": os.waitstatus_to_exitcode(status),
        "seconds": seconds,
        "leftover_processes": leftovers,
    }


def main() -> None:
    """Serve requests from stdin until it closes."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    available()  # finds libseccomp now, once, not in every forked child
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        print(json.dumps(_supervise(request)), flush=True)


if __name__ == "__main__":
    main()
