"""How much one sandbox call may use: memory, processes, CPU time, output, returned bytes.

Where the grader may make control groups (cgroup v1 hierarchies it can write, as root), each
call runs in a cgroup of its own (:class:`CallGroup`): its memory (``/dev/shm`` files
included) and its number of processes and threads are limited for the whole process tree,
and its CPU time is the tree's total, which the server checks while it waits. Elsewhere CPU
time is limited per process (``RLIMIT_CPU``), and processes by ``RLIMIT_NPROC`` (effective
only when the call runs as a user of its own). Every process also has ``RLIMIT_AS`` at the
memory limit: one process asking for too much gets a ``MemoryError`` at once, where the
cgroup's out-of-memory kill of a whole tree takes seconds. ``RLIMIT_FSIZE`` caps each file a
call writes, and there are no core dumps; the bytes a call returns are checked by
:mod:`~imaging_course.grader.plain_data` before they are loaded.

cgroup v2 is not used: a process there may only make limited child groups where controllers
are delegated to it, which an ordinary grading run does not have; the per-process limits apply.
"""

import contextlib
import os
import resource
import signal
import time
from dataclasses import dataclass
from pathlib import Path

CONTROLLERS = ("memory", "pids", "cpuacct")
MB = 2**20


@dataclass(frozen=True)
class Limits:
    """The limits of one call; ``cpu_seconds`` None means the call's timeout (one core)."""

    memory_mb: int = 3072
    processes: int = 64
    cpu_seconds: float | None = None
    result_mb: int = 32
    file_mb: int = 256
    output_chars: int = 20_000

    def as_request(self, timeout: float) -> dict:
        """The limits as the sandbox server reads them, in bytes and seconds."""
        return {
            "memory_bytes": self.memory_mb * MB,
            "processes": self.processes,
            "cpu_seconds": float(self.cpu_seconds or timeout),
            "result_bytes": self.result_mb * MB,
            "file_bytes": self.file_mb * MB,
            "output_chars": self.output_chars,
        }


def _hierarchies() -> dict[str, Path]:
    """Mount point of each cgroup v1 controller, from ``/proc/self/mountinfo``."""
    found = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields, _, tail = line.partition(" - ")
        kind, _, options = tail.split(" ")[:3] if tail.count(" ") >= 2 else ("", "", "")
        if kind != "cgroup":
            continue
        for controller in options.split(","):
            if controller in CONTROLLERS:
                found[controller] = Path(fields.split(" ")[4])
    return found


def cgroup_parents() -> dict[str, str]:
    """Folders where this process may make a cgroup per call, one per controller; empty
    unless all of :data:`CONTROLLERS` are there and writable (cgroup v1, usually as root)."""
    mounts = _hierarchies()
    if set(mounts) != set(CONTROLLERS):
        return {}
    parents = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(","):
            if controller in mounts:
                parents[controller] = mounts[controller] / path.lstrip("/")
    probe_name = f"imaging-course-probe-{os.getpid()}"
    for parent in parents.values():
        try:
            (parent / probe_name).mkdir()
            (parent / probe_name).rmdir()
        except OSError:
            return {}
    return {controller: str(parent) for controller, parent in parents.items()}


class CallGroup:
    """The cgroups (one per controller) of the call a sandbox server is running."""

    def __init__(self, parents: dict[str, str], name: str) -> None:
        self.folders = {controller: Path(parent) / name for controller, parent in parents.items()}

    def create(self, memory_bytes: int, processes: int) -> None:
        """Make the groups afresh with these limits (a killed server's are removed first)."""
        self.remove()
        for folder in self.folders.values():
            folder.mkdir()
        memory = self.folders["memory"]
        (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
        with contextlib.suppress(OSError):  # memory plus swap, where swap is accounted
            (memory / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
        (self.folders["pids"] / "pids.max").write_text(str(processes))

    def join(self) -> None:
        """Move the calling process into every group (its children follow)."""
        for folder in self.folders.values():
            (folder / "cgroup.procs").write_text("0")

    def cpu_seconds(self) -> float:
        """CPU time used by every process of the call so far, in seconds."""
        return int((self.folders["cpuacct"] / "cpuacct.usage").read_text()) / 1e9

    def limits_hit(self) -> list[str]:
        """Which limits the call ran into: ``memory`` (a process was killed for it) and
        ``processes`` (a fork or thread was refused)."""
        hit = []
        control = (self.folders["memory"] / "memory.oom_control").read_text().split()
        counters = dict(zip(control[0::2], control[1::2], strict=False))
        if int(counters.get("oom_kill", 0)):
            hit.append("memory")
        events = (self.folders["pids"] / "pids.events").read_text().split()
        if int(dict(zip(events[0::2], events[1::2], strict=False)).get("max", 0)):
            hit.append("processes")
        return hit

    def remove(self, patience: float = 5.0) -> None:
        """Kill every process left in the groups, then remove them."""
        deadline = time.monotonic() + patience
        for folder in self.folders.values():
            while folder.is_dir():
                with contextlib.suppress(OSError):
                    for pid in (folder / "cgroup.procs").read_text().split():
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(int(pid), signal.SIGKILL)
                    folder.rmdir()
                    break
                if time.monotonic() > deadline:
                    break
                time.sleep(0.005)


def set_process_limits(request: dict, *, in_cgroup: bool, own_user: bool) -> None:
    """The per-process limits of a call's child (call it before the learner's code runs)."""
    limits = request["limits"]
    file_size = int(limits["file_bytes"])
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    memory = int(limits["memory_bytes"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    if in_cgroup:
        return
    cpu = int(limits["cpu_seconds"]) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    if own_user:
        processes = int(limits["processes"])
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
