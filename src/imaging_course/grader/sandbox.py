"""Run learner functions in separate processes and get their results back as checked data.

The learner's code is untrusted: it may exit, loop, eat memory, flood its output, fork, patch
``math.isclose``, forge result files. Each call runs in a fresh child forked by a fork server
(:mod:`imaging_course.grader.sandbox_server`) that has the heavy libraries imported already,
so a call costs milliseconds rather than a new interpreter. A crash, timeout or exit in one
call fails that call only. Results come back through :mod:`imaging_course.grader.results`
and are decoded here, in the grader's process, whose own ``math`` and ``numpy`` the learner
never touched.

Example::

    with Sandbox(workers=2) as sandbox:
        [result] = sandbox.run([Call("siim_eda", "label_statistics", (str(root),), learner_dir)])
        result.status, result.value
"""

import contextlib
import json
import os
import queue
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imaging_course.grader import confinement, results

DEFAULT_MEMORY_MB = 3072
"""Address-space cap of one call; the interpreter with NumPy, pandas and pydicom needs ~350 MB."""
DEFAULT_OUTPUT_CHARS = 20_000
"""How much of a call's stdout and stderr is kept (each); the rest is counted, not stored."""
DEFAULT_FILE_MB = 256
"""Largest file a call may write (``RLIMIT_FSIZE``), which also stops a flood on fd 1."""
SERVER_GRACE_SECONDS = 30.0
THREAD_LIMITS = dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")
"""BLAS thread pools off: the server forks, and threads do not survive a fork."""


@dataclass(frozen=True)
class Call:
    """One learner function to run: ``<learner_dir>/<module>.py:<function>(*args)``.

    ``args`` is plain data (encoded with :mod:`~imaging_course.grader.results`); ``timeout``
    is in seconds of wall time; importing a module named in ``blocked`` fails in the call
    (the course's RLE decoder, say, when decoding is the exercise).
    """

    module: str
    function: str
    args: tuple
    learner_dir: Path
    timeout: float = 60.0
    blocked: tuple[str, ...] = ()


@dataclass
class CallResult:
    """What came back from one call.

    ``status`` is ``ok`` (``value`` holds the decoded result), ``error`` (the function raised;
    ``error`` has type, message and the learner's last frame), ``import-error``, ``missing``
    (no such function), ``bad-result`` (not plain data, or a malformed result file),
    ``forged`` (a result file without the runner's nonce), ``timeout`` or ``crashed`` (the
    process ended without a result; ``exit_code`` says how).
    """

    status: str
    value: Any = None
    error: dict = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    exit_code: int | None = None
    leftover_processes: int = 0


class LineReader:
    """Whole lines from a pipe, each within a timeout.

    The pipe is read with ``os.read`` into our own buffer: a buffered ``readline`` may swallow
    two lines at once (a call's start and its report, when the reader was slow), and
    ``select`` on the pipe would then wait for a line that was already read.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.unread = b""

    def read_line(self, timeout: float) -> bytes | None:
        """The next line without its newline; None after ``timeout`` seconds or at the end."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.unread:
            remaining = max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready:
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return None
            self.unread += chunk
        line, _, self.unread = self.unread.partition(b"\n")
        return line


class _Server:
    """One fork-server process and the pipe protocol to it."""

    def __init__(self, scratch: Path) -> None:
        env = {**os.environ, **THREAD_LIMITS}
        self.log = (scratch / f"server-{secrets.token_hex(4)}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-m", "imaging_course.grader.sandbox_server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            cwd=scratch,
            env=env,
        )
        self.lines = LineReader(self.process.stdout.fileno())
        if self._read_line(120.0) is None:
            raise RuntimeError(f"the sandbox server did not start; see {self.log.name}")

    def _read_line(self, timeout: float) -> dict | None:
        line = self.lines.read_line(timeout)
        return None if line is None else json.loads(line)

    def request(self, request: dict) -> dict | None:
        """Send one call; the server's report, or None if the server died or hung.

        The server first names the call's pid, so that a call whose server was killed (by
        the learner's code, say) can still be stopped here.
        """
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
        except BrokenPipeError:
            return None
        started = self._read_line(SERVER_GRACE_SECONDS)
        if started is None:
            return None
        report = self._read_line(float(request["timeout"]) + SERVER_GRACE_SECONDS)
        if report is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(int(started["started"]), signal.SIGKILL)
        return report

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.log):
            stream.close()


class Sandbox:
    """A pool of fork servers running learner calls in parallel, one call per forked child.

    ``workers`` is the number of calls at once (default: every core). ``memory_mb`` caps each
    call's address space, ``output_chars`` how much of stdout/stderr is kept. ``confine``
    lets each call write only in its own call folder (:mod:`~.confinement`); ``confined``
    says whether this kernel allows it.
    """

    def __init__(
        self,
        workers: int | None = None,
        memory_mb: int = DEFAULT_MEMORY_MB,
        output_chars: int = DEFAULT_OUTPUT_CHARS,
        file_mb: int = DEFAULT_FILE_MB,
        *,
        confine: bool = True,
    ) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.confined = confine and confinement.available()
        self.limits = {
            "memory_bytes": memory_mb * 2**20,
            "output_chars": output_chars,
            "file_bytes": file_mb * 2**20,
        }
        self.scratch = Path(tempfile.mkdtemp(prefix="grader-sandbox-"))
        self._servers: list[_Server] = []
        self._counter = 0
        self._lock = threading.Lock()

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Stop the servers and remove every call folder."""
        for server in self._servers:
            server.close()
        self._servers.clear()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def run(
        self,
        calls: list[Call],
        after_each: Callable[[int, CallResult], None] | None = None,
        workers: int | None = None,
    ) -> list[CallResult]:
        """Run ``calls`` (at most ``workers`` at once) and return their results in order.

        ``after_each(index, result)`` runs in the grader after each call (one at a time), e.g.
        to check that no protected file changed while the call ran. ``workers`` lowers the
        pool's parallelism for this run only.
        """
        parallel = min(workers or self.workers, self.workers, len(calls))
        pending: queue.Queue = queue.Queue()
        for index, call in enumerate(calls):
            pending.put((index, call))
        outcomes: list[CallResult | None] = [None] * len(calls)
        while len(self._servers) < parallel:
            self._servers.append(_Server(self.scratch))

        def work(slot: int) -> None:
            while True:
                try:
                    index, call = pending.get_nowait()
                except queue.Empty:
                    return
                outcomes[index] = self._run_one(slot, call)
                if after_each is not None:
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

    def _run_one(self, slot: int, call: Call) -> CallResult:
        with self._lock:
            self._counter += 1
            folder = self.scratch / f"call-{self._counter}"
        out, work, args_dir = folder / "out", folder / "work", folder / "args"
        for path in (out, work, args_dir):
            path.mkdir(parents=True)
        nonce = secrets.token_hex(16)
        request = {
            **self.limits,
            "module": call.module,
            "function": call.function,
            "args": results.encode(list(call.args), args_dir),
            "args_dir": str(args_dir),
            "learner_dir": str(Path(call.learner_dir).resolve()),
            "out": str(out),
            "workdir": str(work),
            "nonce": nonce,
            "timeout": call.timeout,
            "blocked": list(call.blocked),
            "confine": self.confined,
        }
        report = self._servers[slot].request(request)
        if report is None:  # the server itself died or hung: replace it
            self._servers[slot].process.kill()
            self._servers[slot].close()
            self._servers[slot] = _Server(self.scratch)
            report = {"timed_out": False, "exit_code": None, "server_lost": True}
        result = self._collect(folder, nonce, report)
        shutil.rmtree(folder, ignore_errors=True)
        return result

    def _collect(self, folder: Path, nonce: str, report: dict) -> CallResult:
        base = {
            "stdout": _read_text(folder / "stdout.txt", self.limits["output_chars"]),
            "stderr": _read_text(folder / "stderr.txt", self.limits["output_chars"]),
            "seconds": float(report.get("seconds") or 0.0),
            "exit_code": report.get("exit_code"),
            "leftover_processes": int(report.get("leftover_processes") or 0),
        }
        out = folder / "out"
        lost = report.get("server_lost") or not (out / results.RESULT_FILE).exists()
        if report["timed_out"] or lost:  # no result, or one the server could not vouch for
            return CallResult("timeout" if report["timed_out"] else "crashed", **base)
        try:
            payload = results.read_result(out)
            if payload.get("nonce") != nonce:
                return CallResult(
                    "forged", error={"message": "result file not written by the runner"}, **base
                )
            status = payload.get("status")
            error = payload.get("error") if type(payload.get("error")) is dict else {}
            error = {key: str(value)[:600] for key, value in error.items()}
            if status != "ok":
                known = {"error", "import-error", "missing", "bad-result"}
                return CallResult(status if status in known else "bad-result", error=error, **base)
            value = results.decode(payload.get("value"), out)
        except results.ResultError as exc:
            return CallResult("bad-result", error={"message": str(exc)}, **base)
        return CallResult("ok", value=value, **base)


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
