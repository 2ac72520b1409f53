"""Where and as whom a sandbox call runs: namespaces, a user of its own, a minimal environment.

When the grader runs as root, every sandbox server lives in namespaces of its own
(:func:`enter_namespaces`): a network namespace without any interface but a loopback that is
down (no network at all), a PID namespace whose ``/proc`` shows the server and its calls only
(not the grader, not other learners' runs), an IPC namespace, and a mount namespace whose
``/dev/shm`` is a private ``tmpfs`` emptied after every call. If the server dies, the kernel
ends every process of its PID namespace.

Each call then runs as a user of its own (:func:`become`): uid :data:`CALL_UID_BASE` plus the
pid of its server's launcher, so no two running calls share a uid. That user owns nothing of
the course, the virtual environment or the home folder, so it cannot write them even where
Landlock is missing; ``RLIMIT_NPROC`` counts its processes only; and it cannot read another
process's environment or memory. When Landlock confines the call, the user keeps one
capability, ``CAP_DAC_READ_SEARCH``: it lets the call read the Python installation and the
data where they lie in a folder closed to other users (a ``0700`` home folder), while
Landlock's read allow-list decides what it may actually read. Unconfined, the user has no
capability, and the grader checks first that the user can read what the calls need
(:func:`unreadable`).
"""

import ctypes
import os
import shutil
import stat
from collections.abc import Iterable
from pathlib import Path

CALL_UID_BASE = 2_000_000_000
"""Call users are ``CALL_UID_BASE + launcher pid``: above every uid a system hands out, below
2**31 for any ``pid_max`` (at most 2**22)."""
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET = 0x20000, 0x8000000, 0x20000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 0x4000, 1 << 18
PR_SET_PDEATHSIG, PR_SET_KEEPCAPS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE = 1, 8, 47, 2
CAP_DAC_READ_SEARCH = 2
CAPABILITY_VERSION_3 = 0x20080522
SHARED_MEMORY = Path("/dev/shm")  # noqa: S108 (not a temporary file: POSIX shared memory)
SHARED_FOLDERS = (Path("/tmp"), Path("/var/tmp"), SHARED_MEMORY)  # noqa: S108
"""World-writable folders where an unconfined call could leave files behind."""
KEPT_VARIABLES = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ")
"""The only variables of the grader's environment that the sandbox sees: no secrets."""
THREAD_LIMITS = dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")
"""BLAS thread pools off: the server forks, and threads do not survive a fork."""
CALL_FOLDER_VARIABLES = ("HOME", "TMPDIR", "XDG_CACHE_HOME", "MPLCONFIGDIR")
"""Where a call's home, temporary and cache files go: its own work folder."""

_libc = ctypes.CDLL(None, use_errno=True)


class _CapHeader(ctypes.Structure):
    _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))


class _CapData(ctypes.Structure):
    _fields_ = (
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    )


def _check(result: int, what: str) -> None:
    if result < 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def is_root() -> bool:
    """Whether the grader may make namespaces and switch users (it runs as root)."""
    return os.geteuid() == 0


def probe() -> tuple[bool, bool]:
    """Whether this root process may make namespaces, and switch to a call's user: tried in a
    forked child (a container may forbid either), answered through a pipe."""
    if not is_root():
        return False, False
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child tries, answers and exits
        answer = b""
        try:
            os.close(read_end)
            flags = CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID
            answer += b"n" if _libc.unshare(flags) == 0 else b"-"
            try:
                become(call_uid(os.getpid()), read_everywhere=True)
                answer += b"u"
            except OSError:
                answer += b"-"
            os.write(write_end, answer)
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as answers:
        answer = answers.read()
    os.waitpid(pid, 0)
    return answer[:1] == b"n", answer[1:2] == b"u"


def server_environment() -> dict[str, str]:
    """The environment of a sandbox server, and so of every call: allow-listed only."""
    kept = {name: os.environ[name] for name in KEPT_VARIABLES if name in os.environ}
    return {**kept, **THREAD_LIMITS}


def call_environment(workdir: str) -> dict[str, str]:
    """A call's environment: the server's, with home and temporary files in ``workdir``."""
    return {**server_environment(), **dict.fromkeys(CALL_FOLDER_VARIABLES, workdir)}


def enter_namespaces() -> None:
    """Give this process's next children new mount, IPC, network and PID namespaces.

    Called by the sandbox server's launcher before it forks the server, which becomes PID 1
    of the new PID namespace and calls :func:`private_mounts`.
    """
    flags = CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID
    _check(_libc.unshare(flags), "unshare")
    _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")


def private_mounts(shared_memory_bytes: int) -> None:
    """Mount this PID namespace's own ``/proc`` and a private ``/dev/shm`` of that size."""
    hardened = MS_NOSUID | MS_NODEV | MS_NOEXEC
    _check(_libc.mount(b"proc", b"/proc", b"proc", hardened, None), "mount /proc")
    options = f"size={shared_memory_bytes},mode=1777".encode()
    _check(_libc.mount(b"tmpfs", bytes(SHARED_MEMORY), b"tmpfs", hardened, options), "mount shm")


def die_with_parent(signal_number: int) -> None:
    """Have the kernel send ``signal_number`` to this process when its parent ends."""
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal_number, 0, 0, 0), "PR_SET_PDEATHSIG")


def call_uid(launcher_pid: int) -> int:
    """The uid of the calls of the server whose launcher has ``launcher_pid``."""
    return CALL_UID_BASE + launcher_pid


def become(uid: int, *, read_everywhere: bool) -> None:
    """Switch this process to ``uid`` (its own group, no other group) for good.

    ``read_everywhere`` keeps ``CAP_DAC_READ_SEARCH`` (also across ``exec``), so that reads
    are decided by Landlock alone; only a confined call may have it.
    """
    os.setgroups([])
    if read_everywhere:
        _check(_libc.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "PR_SET_KEEPCAPS")
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if read_everywhere:
        mask = 1 << CAP_DAC_READ_SEARCH
        data = (_CapData * 2)(_CapData(mask, mask, mask), _CapData(0, 0, 0))
        header = _CapHeader(CAPABILITY_VERSION_3, 0)
        _check(_libc.capset(ctypes.byref(header), data), "capset")
        raise_ambient = (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_DAC_READ_SEARCH, 0, 0)
        _check(_libc.prctl(*raise_ambient), "PR_CAP_AMBIENT")


def unreadable(paths: Iterable[Path]) -> Path | None:
    """The first of ``paths`` (or a folder above it) that other users cannot read, or None.

    Mode bits only: every folder above must let others through (``o+x``), the path itself
    be readable by them (``o+r``, and ``o+x`` for a folder).
    """
    for path in paths:
        path = Path(path).resolve()  # noqa: PLW2901
        if not path.exists():
            continue
        for folder in reversed(path.parents):
            if not folder.stat().st_mode & stat.S_IXOTH:
                return folder
        mode = path.stat().st_mode
        needed = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(mode) else 0)
        if mode & needed != needed:
            return path
    return None


def writable_by_others(paths: Iterable[Path]) -> Path | None:
    """The first of ``paths`` that every user may write (``o+w``, no sticky bit), or None."""
    for path in paths:
        mode = Path(path).stat().st_mode
        if mode & stat.S_IWOTH and not mode & stat.S_ISVTX:
            return Path(path)
    return None


def empty_folder(folder: Path, owner: int | None = None) -> None:
    """Remove what ``folder`` holds (only the entries of ``owner``, when given)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            if owner is not None and entry.stat(follow_symlinks=False).st_uid != owner:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                Path(entry.path).unlink()
        except OSError:
            continue
