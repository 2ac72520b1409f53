"""Confine a sandbox call's writes to its own call folder: Linux Landlock and seccomp.

Learner code runs as the grader's user, so without a confinement it could write anything the
grader can: the course package, the reference solutions, the references, the datasets, the
virtual environment. A forked sandbox child calls :func:`confine_writes` before it imports the
learner's module: from then on that process and every process it starts may read everywhere
but create, write, truncate, rename or remove files only under the folders it was given (its
call folder, ``/dev/shm`` for multiprocessing's semaphores) and write to ``/dev/null``.
Landlock is unprivileged and cannot be undone by the confined process, so this holds for root
as well as for an ordinary user. It also stops the call from ``ptrace``-ing (or writing the
memory of) the grader and, from ABI 6 on, from signalling any process outside its own (the
sandbox server, another learner's grading run in `make grade-all`) or connecting to their
abstract Unix sockets.

Landlock does not cover ``chmod``, ``chown`` or ``utime``, with which a call could make the
shared data unreadable to the learners graded beside it, or make it look changed. A seccomp
filter (libseccomp, which every Debian system has: apt depends on it) makes those system
calls fail with ``EPERM``; :class:`imaging_course.grader.integrity.Guard` still watches.

Our own ctypes calls rather than a library: the Python bindings on PyPI (``landlock``,
``landlockpy``, ``pyseccomp``) are pre-releases, a few months old or unmaintained since 2021,
and the calls used here are stable kernel and libseccomp interfaces.

Landlock needs Linux 5.13 or newer; :func:`available` says False where it or libseccomp is
missing, and the grader then relies on the guard alone and grades learners one at a time.
"""

import ctypes
import ctypes.util
import errno
import functools
import os
from pathlib import Path

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
"""Landlock's system call numbers (the same on every architecture)."""
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

WRITE_FILE = 1 << 1
WRITE_ACCESS_V1 = WRITE_FILE | sum(1 << bit for bit in range(4, 13))
"""Write a file, remove a file or folder, make a file, folder, link, socket, fifo or device."""
REFER = 1 << 13
"""Link or rename a file into another folder (ABI 2)."""
TRUNCATE = 1 << 14
"""Truncate a file (ABI 3)."""
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1
"""Keep signals and abstract Unix sockets inside the confined processes (ABI 6)."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = (
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    )


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 when Landlock is missing or blocked here."""
    version = _libc.syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0), CREATE_RULESET_VERSION)
    return max(0, int(version))


METADATA_SYSCALLS = (
    "chmod", "fchmod", "fchmodat", "fchmodat2",
    "chown", "fchown", "lchown", "fchownat",
    "utime", "utimes", "futimesat", "utimensat",
)  # fmt: skip
"""System calls that change a file's mode, owner or times, which Landlock lets through."""
SHARED_MEMORY = Path("/dev/shm")  # noqa: S108 (not a temporary file: POSIX shared memory)
"""Where multiprocessing and joblib make their semaphores: writable, or they cannot start."""
SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_ACT_ERRNO = 0x00050000
"""libseccomp's actions: let the call through, or fail it with the errno in the low bits."""


@functools.cache
def _libseccomp() -> ctypes.CDLL | None:
    # Looked up once, in the sandbox server before it forks: find_library runs ldconfig.
    name = ctypes.util.find_library("seccomp")
    if name is None:
        return None
    library = ctypes.CDLL(name, use_errno=True)
    library.seccomp_init.restype = ctypes.c_void_p
    library.seccomp_init.argtypes = (ctypes.c_uint32,)
    library.seccomp_syscall_resolve_name.argtypes = (ctypes.c_char_p,)
    library.seccomp_load.argtypes = (ctypes.c_void_p,)
    library.seccomp_release.argtypes = (ctypes.c_void_p,)
    return library


def available() -> bool:
    """Whether learner calls can be confined here: Landlock in the kernel and libseccomp."""
    return landlock_abi() > 0 and _libseccomp() is not None


def forbid_metadata_changes() -> None:
    """From now on, make this process's (and its children's) ``chmod``, ``chown`` and
    ``utime`` calls fail with ``EPERM``. Raises :class:`OSError` without libseccomp."""
    library = _libseccomp()
    if library is None:
        raise OSError("libseccomp is not available")
    context = library.seccomp_init(SCMP_ACT_ALLOW)
    if not context:
        raise OSError("seccomp_init failed")
    try:
        for name in METADATA_SYSCALLS:
            number = library.seccomp_syscall_resolve_name(name.encode())
            if number < 0:  # not a system call on this architecture (or too new for libseccomp)
                continue
            rule = library.seccomp_rule_add(
                ctypes.c_void_p(context),
                ctypes.c_uint32(SCMP_ACT_ERRNO | errno.EPERM),
                ctypes.c_int(number),
                ctypes.c_uint(0),
            )
            _check(rule, f"seccomp rule for {name}")
        _check(library.seccomp_load(context), "seccomp_load")
    finally:
        library.seccomp_release(context)


def _write_access(abi: int) -> int:
    access = WRITE_ACCESS_V1
    if abi >= 2:
        access |= REFER
    if abi >= 3:
        access |= TRUNCATE
    return access


def _check(result: int, what: str) -> int:
    if result < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"Landlock {what}: {os.strerror(errno)}")
    return result


def confine_writes(writable: list[Path]) -> None:
    """From now on, let this process (and its children) write only under ``writable`` (and
    ``/dev/shm``), and change no file's mode, owner or times anywhere.

    Reading stays allowed everywhere; writing ``/dev/null`` too. Raises :class:`OSError`
    when Landlock or libseccomp is unavailable, so that learner code never runs unconfined by
    accident.
    """
    abi = landlock_abi()
    if abi == 0:
        raise OSError("Landlock is not available on this kernel")
    handled = _write_access(abi)
    scoped = abi >= 6  # the ABI that brought scopes
    attr = _RulesetAttr(handled, 0, SCOPE_SIGNAL | SCOPE_ABSTRACT_UNIX_SOCKET if scoped else 0)
    size = ctypes.c_size_t(ctypes.sizeof(attr) if scoped else _RulesetAttr.handled_access_fs.size)
    ruleset = _check(
        _libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), size, 0), "create_ruleset"
    )
    try:
        shared_memory = [SHARED_MEMORY] if SHARED_MEMORY.is_dir() else []
        rules = [(Path(folder), handled) for folder in [*writable, *shared_memory]]
        rules.append((Path(os.devnull), handled & (WRITE_FILE | TRUNCATE)))
        for path, allowed in rules:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = _PathBeneathAttr(allowed, fd)
                _check(
                    _libc.syscall(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH, ctypes.byref(rule), 0),
                    f"add_rule {path}",
                )
            finally:
                os.close(fd)
        _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        _check(_libc.syscall(SYS_RESTRICT_SELF, ruleset, 0), "restrict_self")
    finally:
        os.close(ruleset)
    forbid_metadata_changes()
