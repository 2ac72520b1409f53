"""The sandbox's fork server: runs one learner function per forked child, then cleans up.

Started by :class:`imaging_course.grader.sandbox.Sandbox` as ``python -I -m
imaging_course.grader.sandbox_server SERVER_DIR SETTINGS``. That first process (the launcher)
makes the namespaces when it may (:func:`~imaging_course.grader.isolation.enter_namespaces`),
forks the server proper (PID 1 of the new PID namespace) and waits for it; when the server
ends, however it ends, the launcher removes the server's cgroup and folder. The server dies
with its launcher (a parent-death signal) and stops when its standard input closes, which
happens when the grader ends, however it ends: the pipe is the grader's lifeline.

The server imports the heavy libraries once (NumPy, pandas, pydicom, nibabel, SciPy), never
imports learner code itself, and reads one JSON request per line on stdin. For each request
it makes the call's cgroup (:mod:`~imaging_course.grader.limits`) and forks a child that

1. starts a new session and joins the cgroup,
2. sends fds 1 and 2 to files, caps what Python's ``print`` writes to them, closes every other
   inherited descriptor, and sets the per-process limits,
3. takes the minimal environment, works in its call folder, switches to the call's own user
   (:mod:`~imaging_course.grader.isolation`) and confines itself
   (:mod:`~imaging_course.grader.confinement`),
4. imports the learner's module from its file (a timeout dumps where it was), calls the
   function, and writes the result with :mod:`imaging_course.grader.plain_data` into the call
   folder.

A compile request (``compile``: module names) runs no learner code: its child, isolated the
same way, compiles the modules' sources into ``.pyc`` files in its call folder, which the
grader installs in the learner folder's bytecode folder (``bytecode``, read-only to calls).
Calls load the module's code from there when it still matches the source (checked by hash),
so that a module is compiled once per grading rather than once per call: calls write no
bytecode, and a learner's folder rarely holds bytecode that matches her sources.

The server waits for the child with the request's timeout, checking the call's CPU time,
kills what is left of the call (it is PID 1 of its namespace, or a child subreaper, so a fork
that called ``setsid()`` to outlive its check lands here), empties the private ``/dev/shm``
and answers one JSON line on stdout.
"""

import contextlib
import ctypes
import faulthandler
import importlib.util
import io
import json
import os
import py_compile
import select
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

from imaging_course.grader import confinement, isolation, plain_data
from imaging_course.grader.limits import CallGroup, set_process_limits

PR_SET_CHILD_SUBREAPER = 36
PRELOAD = ("numpy", "pandas", "pydicom", "nibabel", "scipy.ndimage")
"""Libraries the exercises use, imported once here so that every call starts warm. Each one
adds to every call's address space, which RLIMIT_AS caps per process: scipy.stats (1.4 s to
import) is left to the one reference function that needs it."""
SYSTEM_READABLE = (
    "/usr", "/lib", "/lib64", "/etc/ld.so.cache", "/etc/localtime", "/sys/devices/system/cpu",
)  # fmt: skip
"""What every call may read besides the Python installation: system libraries and time zones."""
STACK_FILE = "stack.txt"
"""Where a call that is stopped (time, CPU) writes the Python stack it was at (faulthandler,
on SIGUSR1 from the server just before it is killed)."""
STACK_WAIT_SECONDS = 0.2
CPU_CHECK_SECONDS = 0.25


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


class Server:
    """The server proper: its settings, the folders every call may read, and the requests."""

    def __init__(self, settings: dict) -> None:
        self.settings = settings
        self.uid = isolation.call_uid(settings["launcher_pid"]) if settings["own_user"] else None
        self.group = (
            CallGroup(settings["cgroups"], f"imaging-course-call-{settings['launcher_pid']}")
            if settings["cgroups"]
            else None
        )
        self.requests = LineSource(0)
        prefixes = (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)
        self.readable = [Path(p) for p in (*prefixes, *sys.path, *SYSTEM_READABLE) if p]
        self.readable.append(Path("/proc") if settings["namespaces"] else Path("/proc/self"))
        self.rules_cache: dict[tuple, list] = {}

    def read_rules(self, request: dict) -> list:
        """Landlock read rules of a call (the part shared by every call is worked out once)."""
        hidden = tuple(request["hidden"])
        if hidden not in self.rules_cache:
            self.rules_cache[hidden] = confinement.read_rules(self.readable, hidden)
        extra = [Path(request[key]) for key in ("learner_dir", "bytecode")]
        extra += map(Path, request["reads"])
        return self.rules_cache[hidden] + confinement.read_rules(extra, hidden)

    def writable(self, call_dir: Path) -> list[Path]:
        """Where a call may write: its folder, and ``/dev/shm`` where it is the server's own."""
        private_shm = self.settings["namespaces"]
        return [call_dir, isolation.SHARED_MEMORY] if private_shm else [call_dir]

    def serve(self) -> None:
        """Answer requests until stdin closes."""
        print(json.dumps({"ready": True}), flush=True)
        while (line := self.requests.read_line(None)) is not None:
            print(json.dumps(self.supervise(json.loads(line))), flush=True)

    def supervise(self, request: dict) -> dict:
        """Fork the call, wait for it within its limits, clean up; the report the grader reads."""
        limits = request["limits"]
        if self.group is not None:
            self.group.create(limits["memory_bytes"], limits["processes"])
        sys.stdout.flush()
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            try:
                self.run_child(request)
            finally:
                os._exit(70)
        ended, stopped = self.wait(pid, start, request)
        if not ended:
            _dump_stack(pid, Path(request["call_dir"]) / STACK_FILE)
            os.killpg(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        seconds = time.monotonic() - start
        leftovers = _kill_leftovers(pid)
        report = {
            "stopped": stopped,
            "exit_code": os.waitstatus_to_exitcode(status),
            "seconds": seconds,
            "leftover_processes": leftovers,
            "limits_hit": [],
        }
        if self.group is not None:
            report["cpu_seconds"] = self.group.cpu_seconds()
            report["limits_hit"] = self.group.limits_hit()
            self.group.remove()
        self.clean_shared_folders()
        return report

    def wait(self, pid: int, start: float, request: dict) -> tuple[bool, str | None]:
        """Wait for the call: (ended, why it was stopped: ``timeout``, ``cpu`` or None).

        A closed stdin (the grader is gone) ends the call and the server at once.
        """
        deadline = start + float(request["timeout"])
        cpu_budget = float(request["limits"]["cpu_seconds"])
        pidfd = os.pidfd_open(pid)
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False, "timeout"
                step = remaining if self.group is None else min(remaining, CPU_CHECK_SECONDS)
                ready, _, _ = select.select([pidfd, 0], [], [], step)
                if pidfd in ready:
                    return True, None
                if 0 in ready and not self.requests.fill():
                    os.killpg(pid, signal.SIGKILL)
                    os._exit(0)  # the grader is gone; the launcher cleans up
                if self.group is not None and self.group.cpu_seconds() > cpu_budget:
                    return False, "cpu"
        finally:
            os.close(pidfd)

    def clean_shared_folders(self) -> None:
        """Remove what the call left in ``/dev/shm`` (and, unconfined, in ``/tmp``)."""
        if self.settings["namespaces"]:
            isolation.empty_folder(isolation.SHARED_MEMORY)
        if self.uid is not None and not self.settings["confine"]:
            for folder in isolation.SHARED_FOLDERS:
                isolation.empty_folder(folder, owner=self.uid)

    def isolate(self, request: dict, call_dir: Path) -> None:
        """Steps 1 to 3 of the child: session, cgroup, output files, limits, user, confinement."""
        os.setsid()
        if self.group is not None:
            self.group.join()
        stdout_fd = os.open(call_dir / "stdout.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        stderr_fd = os.open(call_dir / "stderr.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        null_fd = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null_fd, 0)
        os.dup2(stdout_fd, 1)
        os.dup2(stderr_fd, 2)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        cap = int(request["limits"]["output_chars"])
        sys.stdout = CappedText(io.TextIOWrapper(os.fdopen(1, "wb", closefd=False), "utf-8"), cap)
        sys.stderr = CappedText(io.TextIOWrapper(os.fdopen(2, "wb", closefd=False), "utf-8"), cap)
        set_process_limits(request, in_cgroup=self.group is not None, own_user=bool(self.uid))
        workdir = call_dir / "work"
        os.environ.clear()
        os.environ.update(isolation.call_environment(str(workdir)))
        os.chdir(workdir)
        tempfile.tempdir = None  # the next temporary file goes to the new TMPDIR
        sys.dont_write_bytecode = True  # a call writes no .pyc beside anybody's sources
        if self.uid is not None:
            for path in (call_dir, *call_dir.rglob("*")):
                os.chown(path, self.uid, self.uid, follow_symlinks=False)
            isolation.become(self.uid, read_everywhere=self.settings["confine"])
        isolation.die_with_parent(signal.SIGKILL)
        if self.settings["confine"]:
            confinement.confine(self.read_rules(request), self.writable(call_dir))

    def run_child(self, request: dict) -> None:
        """Body of the forked child; ends with ``os._exit``."""
        call_dir = Path(request["call_dir"])
        out = call_dir / "out"
        self.isolate(request, call_dir)
        learner_dir = Path(request["learner_dir"]).resolve()
        stack = (call_dir / STACK_FILE).open("w")
        faulthandler.register(signal.SIGUSR1, file=stack, all_threads=False)
        args = plain_data.decode(request["args"], call_dir / "args")
        budget = int(request["limits"]["result_bytes"])

        def finish(payload: dict) -> None:
            text = json.dumps(payload, allow_nan=True)
            if len(text) > budget:
                message = (
                    f"the returned value takes {plain_data.megabytes(len(text))} as numbers, text, "
                    f"lists, dicts and tables; a call may return at most "
                    f"{plain_data.megabytes(budget)}"
                )
                payload = {"status": "bad-result", "error": {"message": message}}
            plain_data.write_result(out, payload)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)

        if "compile" in request:
            _compile(learner_dir, request["compile"], out)
            finish({"status": "ok", "value": plain_data.encode(None, out)})
        sys.path.insert(0, str(learner_dir))
        module_path = learner_dir / f"{request['module']}.py"
        try:
            spec = importlib.util.spec_from_file_location(request["module"], module_path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[request["module"]] = module
            sys.pycache_prefix = request["bytecode"]  # the code its compile request made
            try:
                code = spec.loader.get_code(request["module"])
            finally:
                sys.pycache_prefix = None  # what the module imports: Python's own bytecode
            exec(code, module.__dict__)  # noqa: S102 (what exec_module does, code found above)
        except BaseException as exc:
            finish({"status": "import-error", "error": _describe(exc, learner_dir)})
        if request["function"] is None:  # the import alone was asked for
            finish({"status": "ok", "value": plain_data.encode(None, out)})
        function = getattr(module, request["function"], None)
        if not callable(function):
            finish(
                {"status": "missing", "error": {"message": f"no function {request['function']}"}}
            )
        try:
            value = function(*args)
        except BaseException as exc:
            finish({"status": "error", "error": _describe(exc, learner_dir)})
        try:
            tree = plain_data.encode(value, out, budget=budget)
        except plain_data.PlainDataError as exc:
            finish(
                {"status": "bad-result", "error": {"type": "PlainDataError", "message": str(exc)}}
            )
        finish({"status": "ok", "value": tree})


def bytecode_path(bytecode: Path, source: Path) -> Path:
    """Where a call looks for the code of ``source`` (an absolute path): the path of
    ``importlib.util.cache_from_source`` with ``sys.pycache_prefix`` set to ``bytecode`` (the
    server runs without ``-O``, so no optimization tag)."""
    relative = source.parent.relative_to(source.anchor)
    return bytecode / relative / f"{source.stem}.{sys.implementation.cache_tag}.pyc"


def _compile(learner_dir: Path, modules: list[str], out: Path) -> None:
    """Compile each module's source to ``out/<module>.pyc``, checked against the source by
    its hash when loaded. A module that does not compile gets no file: its import reports
    the error."""
    for module in modules:
        with contextlib.suppress(py_compile.PyCompileError, OSError):
            py_compile.compile(
                str(learner_dir / f"{module}.py"),
                cfile=str(out / f"{module}.pyc"),
                doraise=True,
                invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
            )


class LineSource:
    """Whole lines from a pipe (the server's stdin), and whether it is still open."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.unread = b""

    def fill(self) -> bool:
        """Read what is there; False at the end of the pipe."""
        chunk = os.read(self.fd, 65536)
        self.unread += chunk
        return bool(chunk)

    def read_line(self, timeout: float | None) -> bytes | None:
        """The next line without its newline; None after ``timeout`` seconds or at the end."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self.unread:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready or not self.fill():
                return None
        line, _, self.unread = self.unread.partition(b"\n")
        return line


def _dump_stack(pid: int, stack: Path) -> None:
    """Ask a call about to be killed where it is (its faulthandler writes ``stack``)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + STACK_WAIT_SECONDS
    while time.monotonic() < deadline and not (stack.exists() and stack.stat().st_size):
        time.sleep(0.01)


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


def _serve(settings: dict) -> None:
    """The server proper (the launcher's child)."""
    isolation.die_with_parent(signal.SIGKILL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the grader decides when calls stop
    if settings["namespaces"]:
        isolation.private_mounts(settings["shared_memory_bytes"])
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    confinement.available()  # finds libseccomp now, once, not in every forked child
    Server(settings).serve()


def main() -> None:
    """The launcher: namespaces, the server, and the clean-up once the server has ended."""
    server_dir, settings = Path(sys.argv[1]), json.loads(sys.argv[2])
    settings["launcher_pid"] = os.getpid()
    if settings["namespaces"]:
        isolation.enter_namespaces()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pid = os.fork()
    if pid == 0:
        try:
            _serve(settings)
        finally:
            os._exit(0)

    def stop(_signum, _frame) -> None:
        os.kill(pid, signal.SIGKILL)

    for name in ("SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), stop)
    os.waitpid(pid, 0)
    if settings["cgroups"]:
        CallGroup(settings["cgroups"], f"imaging-course-call-{os.getpid()}").remove()
    shutil.rmtree(server_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
