"""Run learner functions in separate processes and get their results back as checked data.

The learner's code is untrusted (see the threat model in :mod:`imaging_course.grader`). Each
call runs in a fresh child forked by a fork server
(:mod:`imaging_course.grader.sandbox_server`) that has the heavy libraries imported already,
so a call costs milliseconds rather than a new interpreter. A crash, timeout or exit in one
call fails that call only. Results come back through :mod:`imaging_course.grader.plain_data`
and are decoded here, in the grader's process, whose own ``math`` and ``numpy`` the learner
never touched. :class:`Policy` says which of the kernel's means are in force here.

Example::

    with Sandbox(workers=2) as sandbox:
        [result] = sandbox.run([Call("siim_eda", "label_statistics", (str(root),), learner_dir)])
        result.status, result.value
"""

import contextlib
import importlib.util
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imaging_course.grader import confinement, isolation, plain_data
from imaging_course.grader.limits import CallGroup, Limits, cgroup_parents
from imaging_course.grader.sandbox_server import STACK_FILE, LineSource, bytecode_path

SERVER_GRACE_SECONDS = 30.0
COMPILE_TIMEOUT_SECONDS = 10.0
"""Wall time to compile a learner folder's modules (a source that takes longer is compiled
by each of its calls, within their own time)."""
STACK_LINE = re.compile(r'File "(?P<path>[^"]+)", line (?P<line>\d+)')


class SandboxUnavailableError(RuntimeError):
    """Learner code cannot be run safely here; the message says why and what to do."""


@dataclass(frozen=True)
class Call:
    """One learner function to run: ``<learner_dir>/<module>.py:<function>(*args)``.

    ``function`` None imports the module only. ``args`` is plain data (encoded with
    :mod:`~imaging_course.grader.plain_data`); ``timeout`` is in seconds of wall time; ``reads``
    are the data folders the call may read (besides the learner's folder and Python's);
    the files of the modules named in ``blocked`` stay unreadable to it (the course's RLE
    decoder, say, when decoding is the exercise).
    """

    module: str
    function: str | None
    args: tuple
    learner_dir: Path
    timeout: float = 60.0
    reads: tuple[Path, ...] = ()
    blocked: tuple[str, ...] = ()


@dataclass
class CallResult:
    """What came back from one call.

    ``status`` is ``ok`` (``value`` holds the decoded result), ``error`` (the function raised;
    ``error`` has type, message and the learner's last frame), ``import-error``, ``missing``
    (no such function), ``bad-result`` (not plain data, or too large), ``timeout``, ``cpu``
    (out of CPU time) or ``crashed`` (the process ended without a result; ``exit_code`` says
    how, ``limits_hit`` which limit it ran into), or ``stopped`` (the grading run was stopped
    first). ``where`` is the learner's line a call that ran out of time was running;
    ``phase`` is ``import`` for the result of importing the module (before any call).
    """

    status: str
    value: Any = None
    error: dict = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    exit_code: int | None = None
    leftover_processes: int = 0
    limits_hit: tuple[str, ...] = ()
    where: str = ""
    phase: str = "call"


@dataclass(frozen=True)
class Policy:
    """Which of the kernel's means this machine gives the sandbox, decided once per run.

    ``landlock`` is the ABI in use (0: unconfined), ``cgroups`` the parent folder per
    controller (empty: per-process limits), ``namespaces`` whether servers get their own PID,
    network, IPC and mount namespaces, ``own_user`` whether calls run as a user of their own.
    """

    landlock: int
    cgroups: dict[str, str]
    namespaces: bool
    own_user: bool
    limits: Limits

    @classmethod
    def detect(cls, limits: Limits, *, confine: bool, reads: Iterable[Path] = ()) -> "Policy":
        """The policy here; raises :class:`SandboxUnavailableError` where learner code could
        write the course, the virtual environment or the home folder.

        Unconfined (``confine`` False, or no Landlock), calls must run as a user of their
        own, which needs root, and that user must be able to read ``reads`` and the Python
        installation as they are.
        """
        landlock = confinement.landlock_abi() if confine and confinement.available() else 0
        root = isolation.is_root()
        namespaces, own_user = isolation.probe()
        if not landlock:
            why = "" if confine else " (--grade-unconfined)"
            if not own_user:
                raise SandboxUnavailableError(
                    f"learner code cannot be confined here{why}: without Landlock (Linux 5.13+ "
                    "and libseccomp) it could write your files; grade confined, or as root "
                    "where it may run as a user of its own"
                )
            python = [Path(p) for p in (sys.prefix, sys.base_prefix, *sys.path) if p]
            closed = isolation.unreadable([*python, *reads])
            if closed is not None:
                raise SandboxUnavailableError(
                    f"learner code cannot run unconfined{why} as a user of its own: {closed} "
                    "is not readable by other users; grade confined (Landlock) instead"
                )
            open_to_all = isolation.writable_by_others([sys.prefix, Path.home()])
            if open_to_all is not None:
                raise SandboxUnavailableError(
                    f"learner code cannot run unconfined{why}: {open_to_all} is writable by "
                    "every user; grade confined (Landlock) instead"
                )
        return cls(landlock, cgroup_parents() if root else {}, namespaces, own_user, limits)

    def describe(self) -> str:
        """One line saying which limits and protections are in force for every call."""
        limits = self.limits
        memory = f"{limits.memory_mb:,} MB of memory"
        what = f"{memory}, {limits.processes} processes, CPU time up to its timeout"
        if self.cgroups:
            bounds = f"{what} for its whole process tree (cgroup)"
        else:
            bounds = f"{memory} and CPU time up to its timeout per process (no cgroup here)"
            if self.own_user:
                bounds += f", {limits.processes} processes"
        parts = [f"each call: {bounds}, returns at most {limits.result_mb} MB"]
        parts.append("runs as a user of its own" if self.own_user else "runs as you")
        if self.namespaces:
            parts.append("no network, own /proc and /dev/shm (namespaces)")
        elif self.landlock >= 4:
            parts.append("no TCP (Landlock)")
        if self.landlock:
            parts.append(
                f"reads only Python, its data and its folder, writes only its folder "
                f"(Landlock ABI {self.landlock})"
            )
        else:
            parts.append("UNCONFINED: may read every file other users may read")
        return "sandbox: " + "; ".join(parts)

    def settings(self) -> dict:
        """What a server needs to know of the policy."""
        return {
            "namespaces": self.namespaces,
            "cgroups": self.cgroups,
            "own_user": self.own_user,
            "confine": bool(self.landlock),
            "shared_memory_bytes": self.limits.memory_mb * 2**20,
        }


class _Server:
    """One fork server (its launcher process) and the pipe protocol to it.

    The launcher starts a session of its own: a signal to the grader's process group (a
    closed terminal's SIGHUP, Ctrl-C, ``kill -- -PGID``) reaches the grader alone, which
    marks the run as stopping before it ends the calls under way. Were the launcher in the
    grader's group, the same signal would kill the server first, and a call cut by the stop
    would read as a call whose sandbox was lost. The server still ends with the grader: its
    stdin is the grader's pipe.
    """

    def __init__(self, folder: Path, policy: Policy) -> None:
        folder.mkdir(parents=True)
        self.folder = folder
        self.policy = policy
        self.log = (folder / "server.log").open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-I",
                "-m",
                "imaging_course.grader.sandbox_server",
                str(folder),
                json.dumps(policy.settings()),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            cwd=folder,
            env=isolation.server_environment(),
            start_new_session=True,
        )
        self.lines = LineSource(self.process.stdout.fileno())
        self.ready = False

    def wait_ready(self) -> "_Server":
        """Wait until the server has imported its libraries (servers start side by side)."""
        if not self.ready and self._read_line(120.0) is None:
            raise RuntimeError(f"the sandbox server did not start; see {self.log.name}")
        self.ready = True
        return self

    def _read_line(self, timeout: float) -> dict | None:
        line = self.lines.read_line(timeout)
        return None if line is None else json.loads(line)

    def request(self, request: dict) -> dict | None:
        """Send one call; the server's report, or None if the server died or hung."""
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError):  # ValueError: the pipe was closed (stopping)
            return None
        return self._read_line(float(request["timeout"]) + SERVER_GRACE_SECONDS)

    def hang_up(self) -> None:
        """Close the server's stdin: it ends the call under way, if any, and exits."""
        with contextlib.suppress(OSError, ValueError):
            self.process.stdin.close()

    def close(self, *, patience: float = 10.0) -> None:
        """Stop the server (killed if slow) and remove its cgroup and folder."""
        self.hang_up()
        try:
            self.process.wait(timeout=patience)
        except subprocess.TimeoutExpired:
            self.process.kill()  # the server dies with its launcher (parent-death signal)
            self.process.wait()
        if self.policy.cgroups:
            CallGroup(self.policy.cgroups, f"imaging-course-call-{self.process.pid}").remove()
        for stream in (self.process.stdout, self.log):
            stream.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class Sandbox:
    """A pool of fork servers running learner calls in parallel, one call per forked child.

    ``workers`` is the number of calls at once (default: every core); ``limits`` bound each
    call; ``confine`` asks for Landlock (see :class:`Policy`, which may refuse to run learner
    code at all); ``reads`` are the folders calls will read, checked when unconfined.
    """

    def __init__(
        self,
        workers: int | None = None,
        limits: Limits | None = None,
        *,
        confine: bool = True,
        reads: Iterable[Path] = (),
    ) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.limits = limits or Limits()
        self.policy = Policy.detect(self.limits, confine=confine, reads=reads)
        self.scratch = Path(tempfile.mkdtemp(prefix="grader-sandbox-"))
        self.scratch.chmod(0o755)  # calls running as their own user pass through it
        self._servers: list[_Server] = []
        self._counter = 0
        self._lock = threading.Lock()
        self._closing = False
        self._hidden: dict[tuple[str, ...], list[str]] = {}
        self._bytecode: dict[Path, Path] = {}
        self._compiled: set[tuple[Path, str]] = set()

    @property
    def confined(self) -> bool:
        """Whether calls are confined by Landlock."""
        return bool(self.policy.landlock)

    def describe(self) -> str:
        return self.policy.describe()

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Stop the servers (and the calls under way) and remove every folder."""
        self._closing = True
        servers, self._servers = [s for s in self._servers if s is not None], []
        for server in servers:  # all at once: each ends its call and exits meanwhile
            server.hang_up()
        for server in servers:
            server.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def start(self) -> None:
        """Start the servers now, without waiting for them: each spends about two seconds
        importing its libraries, which then overlaps whatever the grader does before its
        first :meth:`run` (loading references, compiling sources). :meth:`run` waits."""
        self._servers += [self._new_server() for _ in range(self.workers - len(self._servers))]

    def _new_server(self) -> _Server:
        with self._lock:
            self._counter += 1
            folder = self.scratch / f"server-{self._counter}"
        return _Server(folder, self.policy)

    def run(
        self,
        calls: list[Call],
        after_each: Callable[[int, CallResult], None] | None = None,
        workers: int | None = None,
    ) -> list[CallResult]:
        """Run ``calls`` (at most ``workers`` at once) and return their results in order.

        ``after_each(index, result)`` runs in the grader as each call ends (one at a time).
        ``workers`` lowers the pool's parallelism for this run only. A call the sandbox was
        closed under (the run was stopped) comes back as ``stopped``.
        """
        parallel = min(workers or self.workers, self.workers, len(calls))
        pending: queue.Queue = queue.Queue()
        for index, call in enumerate(calls):
            pending.put((index, call))
        outcomes: list[CallResult] = [CallResult("stopped")] * len(calls)
        self._servers += [self._new_server() for _ in range(parallel - len(self._servers))]
        for server in self._servers[:parallel]:
            server.wait_ready()
        self._compile_modules(calls)

        def work(slot: int) -> None:
            while not self._closing:
                try:
                    index, call = pending.get_nowait()
                except queue.Empty:
                    return
                outcomes[index] = self._run_one(slot, call)
                if after_each is not None and not self._closing:
                    with self._lock:
                        after_each(index, outcomes[index])

        threads = [
            threading.Thread(target=work, args=(slot,), daemon=True) for slot in range(parallel)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return outcomes

    def hidden_files(self, blocked: tuple[str, ...]) -> list[str]:
        """The files of the ``blocked`` modules (sources and compiled), which calls may not read."""
        if blocked not in self._hidden:
            hidden = []
            for name in blocked:
                try:
                    spec = importlib.util.find_spec(name)
                except (ImportError, ValueError):
                    spec = None
                if spec is None or not spec.origin or not Path(spec.origin).is_file():
                    continue
                if spec.submodule_search_locations:
                    hidden += list(spec.submodule_search_locations)
                    continue
                source = Path(spec.origin)
                hidden.append(str(source))
                hidden += map(str, source.parent.glob(f"__pycache__/{source.stem}.*.pyc"))
            self._hidden[blocked] = hidden
        return self._hidden[blocked]

    def bytecode_folder(self, learner_dir: Path) -> Path:
        """The folder of the code compiled from ``learner_dir``'s modules: one per learner
        folder, so that a call reads the bytecode of its own folder only (never that of the
        reference solutions graded beside it)."""
        learner_dir = Path(learner_dir).resolve()
        with self._lock:
            if learner_dir not in self._bytecode:
                folder = self.scratch / f"bytecode-{len(self._bytecode) + 1}"
                folder.mkdir()
                folder.chmod(0o755)  # whatever the umask: calls running as their own user read it
                self._bytecode[learner_dir] = folder
            return self._bytecode[learner_dir]

    def _compile_modules(self, calls: list[Call]) -> None:
        """Compile, once per sandbox, each module ``calls`` import (one compile request per
        learner folder, isolated like a call) and install the code in the folder's bytecode
        folder, where every call of that module finds it."""
        wanted: dict[Path, list[str]] = {}
        for call in calls:
            learner_dir = Path(call.learner_dir).resolve()
            if (learner_dir, call.module) not in self._compiled:
                self._compiled.add((learner_dir, call.module))
                if (learner_dir / f"{call.module}.py").is_file():
                    wanted.setdefault(learner_dir, []).append(call.module)
        for learner_dir, modules in wanted.items():
            compiling = Call(modules[0], None, (), learner_dir, COMPILE_TIMEOUT_SECONDS)
            self._run_one(0, compiling, compile_modules=modules)

    def _install_bytecode(self, out: Path, learner_dir: Path, modules: list[str]) -> None:
        """Copy each ``out/<module>.pyc`` a compile request wrote to where calls look."""
        folder = self.bytecode_folder(learner_dir)
        for module in modules:
            compiled = out / f"{module}.pyc"
            if not compiled.is_file() or compiled.is_symlink():
                continue  # it did not compile: its import says why
            target = bytecode_path(folder, learner_dir / f"{module}.py")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(compiled, target)
            target.chmod(0o644)  # readable by calls running as their own user, whatever the umask
            for parent in target.relative_to(folder).parents:
                (folder / parent).chmod(0o755)

    def _run_one(
        self, slot: int, call: Call, compile_modules: list[str] | None = None
    ) -> CallResult:
        """Run ``call`` on server ``slot`` (or, given ``compile_modules``, compile those
        modules of its learner folder)."""
        server = self._servers[slot]
        if self._closing:
            return CallResult("stopped")
        with self._lock:
            self._counter += 1
            folder = server.folder / f"call-{self._counter}"
        for name in ("out", "work", "args"):
            (folder / name).mkdir(parents=True)
        timeout = float(call.timeout)
        hidden = self.hidden_files(tuple(call.blocked))
        request = {
            "module": call.module,
            "function": call.function,
            "args": plain_data.encode(list(call.args), folder / "args"),
            "learner_dir": str(Path(call.learner_dir).resolve()),
            "reads": [str(Path(path).resolve()) for path in call.reads],
            "hidden": hidden,
            "call_dir": str(folder),
            "bytecode": str(self.bytecode_folder(call.learner_dir)),
            "timeout": timeout,
            "limits": self.limits.as_request(timeout),
        }
        if compile_modules is not None:
            request["compile"] = compile_modules
        report = server.request(request)
        if report is None:  # the server died or hung, or the sandbox is closing
            if self._closing:
                return CallResult("stopped")
            server.close(patience=0.0)
            self._servers[slot] = self._new_server().wait_ready()
            report = {"stopped": None, "exit_code": None, "server_lost": True}
        result = self._collect(folder, report, call, hidden)
        if compile_modules is not None:
            learner_dir = Path(call.learner_dir).resolve()
            self._install_bytecode(folder / "out", learner_dir, compile_modules)
        shutil.rmtree(folder, ignore_errors=True)
        return result

    def _collect(self, folder: Path, report: dict, call: Call, hidden: list[str]) -> CallResult:
        limit = self.limits.output_chars
        base = {
            "stdout": _read_text(folder / "stdout.txt", limit),
            "stderr": _read_text(folder / "stderr.txt", limit),
            "seconds": float(report.get("seconds") or 0.0),
            "exit_code": report.get("exit_code"),
            "leftover_processes": int(report.get("leftover_processes") or 0),
            "limits_hit": tuple(report.get("limits_hit") or ()),
        }
        out = folder / "out"
        if report.get("stopped"):
            where = _stack_line(folder / STACK_FILE, Path(call.learner_dir).resolve())
            return CallResult(report["stopped"], where=where, **base)
        if report.get("server_lost") or not (out / plain_data.RESULT_FILE).exists():
            return CallResult("crashed", **base)
        try:
            payload = plain_data.read_result(out, self.limits.result_mb * 2**20)
            status = payload.get("status")
            error = payload.get("error") if type(payload.get("error")) is dict else {}
            error = {key: str(value)[:600] for key, value in error.items()}
            if status != "ok":
                known = {"error", "import-error", "missing", "bad-result"}
                if any(path in error.get("message", "") for path in hidden):
                    error["blocked"] = "yes"
                return CallResult(status if status in known else "bad-result", error=error, **base)
            value = plain_data.decode(payload.get("value"), out)
        except plain_data.PlainDataError as exc:
            return CallResult("bad-result", error={"message": str(exc)}, **base)
        return CallResult("ok", value=value, **base)


def _stack_line(path: Path, learner_dir: Path) -> str:
    """``file, line N: source`` of the innermost learner frame in a faulthandler dump."""
    if not path.is_file() or path.is_symlink():
        return ""
    text = path.read_text(encoding="utf-8", errors="replace")[:100_000]
    for match in STACK_LINE.finditer(text):  # innermost frame first
        source = Path(match["path"])
        if source.is_relative_to(learner_dir) and source.is_file():
            number = int(match["line"])
            lines = source.read_text(encoding="utf-8", errors="replace").splitlines()
            code = lines[number - 1].strip() if 0 < number <= len(lines) else ""
            return f"{source.relative_to(learner_dir).as_posix()}, line {number}: {code}"[:300]
    return ""


def _read_text(path: Path, limit: int) -> str:
    """The first ``limit`` characters of a captured output file, with a note if cut."""
    if not path.is_file() or path.is_symlink():
        return ""
    size = path.stat().st_size
    with path.open("rb") as handle:
        text = handle.read(limit).decode("utf-8", errors="replace")
    if size > limit:
        text += f"\n[... output cut: {size:,} bytes in all]"
    return text


def stop_on_signals(handler: Callable[[int], None]) -> None:
    """Call ``handler(signal number)`` on SIGTERM and SIGHUP (SIGINT raises KeyboardInterrupt
    already): the grader then ends its calls and removes its folders before it exits."""
    for name in ("SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), lambda number, _frame: handler(number))
