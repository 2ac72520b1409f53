"""What a sandbox call may read, write and reach: Linux Landlock, and a small seccomp filter.

A forked sandbox child calls :func:`confine` before it imports the learner's module. From then
on that process and every process it starts

- reads only the folders it was given (the Python installation and its libraries, the data
  it is graded on, the learner's folder, its call folder): not ``solutions/``, not
  ``reference/``, not the held-out references, not another learner's folder; ``hidden`` files
  inside those folders stay unreadable too (a module the exercise asks the learner to write
  herself, such as the course's RLE decoder);
- creates, writes, truncates, renames or removes files only under its writable folders (its
  call folder, the server's private ``/dev/shm``), and writes ``/dev/null``;
- binds and connects no TCP socket (ABI 4), signals no process outside its own, connects to
  no abstract Unix socket outside them (ABI 6), and ``ptrace``-s nothing outside them.

Landlock is unprivileged and cannot be undone by the confined process. It does not cover
``chmod``, ``chown``, ``utime`` (a call running as the grader's own user could make shared
data unreadable, or look changed) nor ``open_by_handle_at`` (which opens a file without a
path to check): the seccomp filter makes those fail with ``EPERM``.

Our own ctypes calls rather than a library: the Python bindings on PyPI (``landlock``,
``landlockpy``, ``pyseccomp``) are pre-releases, a few months old or unmaintained since 2021,
and the calls used here are stable kernel and libseccomp interfaces. Landlock needs Linux
5.13 or newer; :func:`available` says whether it and libseccomp are here.
"""

import ctypes
import ctypes.util
import errno
import functools
import os
from collections.abc import Iterable
from pathlib import Path

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
"""Landlock's system call numbers (the same on every architecture)."""
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = (1 << bit for bit in range(4))
MAKE_AND_REMOVE = sum(1 << bit for bit in range(4, 13))
"""Remove a file or folder; make a file, folder, link, socket, fifo or device (ABI 1)."""
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
"""Link or rename into another folder (ABI 2), truncate (ABI 3), ioctl on a device (ABI 5)."""
FILE_ACCESS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
"""The rights a rule on a single file (not a folder) may carry."""
READ = EXECUTE | READ_FILE | READ_DIR
BIND_TCP, CONNECT_TCP = 1 << 0, 1 << 1
"""Network rights (ABI 4): handled with no rule, so no TCP port can be bound or connected."""
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1
"""Keep signals and abstract Unix sockets inside the confined processes (ABI 6)."""
DEVICES = tuple(Path(f"/dev/{name}") for name in ("zero", "random", "urandom"))
"""Devices every call reads (``/dev/null`` is read and written)."""


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


FORBIDDEN_SYSCALLS = (
    "chmod", "fchmod", "fchmodat", "fchmodat2",
    "chown", "fchown", "lchown", "fchownat",
    "utime", "utimes", "futimesat", "utimensat",
    "open_by_handle_at", "name_to_handle_at",
)  # fmt: skip
"""System calls Landlock lets through: a file's mode, owner and times; opening by handle."""
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


def _check(result: int, what: str) -> int:
    if result < 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")
    return result


def forbid_syscalls() -> None:
    """From now on, make this process's (and its children's) :data:`FORBIDDEN_SYSCALLS` fail
    with ``EPERM``. Raises :class:`OSError` without libseccomp."""
    library = _libseccomp()
    if library is None:
        raise OSError("libseccomp is not available")
    context = library.seccomp_init(SCMP_ACT_ALLOW)
    if not context:
        raise OSError("seccomp_init failed")
    try:
        for name in FORBIDDEN_SYSCALLS:
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


def _handled_fs(abi: int) -> int:
    access = READ | WRITE_FILE | MAKE_AND_REMOVE
    for version, right in ((2, REFER), (3, TRUNCATE), (5, IOCTL_DEV)):
        if abi >= version:
            access |= right
    return access


def read_rules(readable: Iterable[Path], hidden: Iterable[Path]) -> list[tuple[Path, int]]:
    """``(path, rights)`` rules that let a call read ``readable`` but not ``hidden`` in them.

    A readable folder holding a hidden file is opened up one level at a time: the folder
    itself may be listed, and each of its entries gets its own rule, except the hidden one.
    Landlock only adds rights, so this is how a file inside a readable folder stays closed.
    A folder inside another readable one needs no rule of its own. Rules on files carry file
    rights only, as Landlock requires.
    """
    hidden = [Path(path) for path in hidden]
    rules: list[tuple[Path, int]] = []

    def add(path: Path, inside: list[Path]) -> None:
        if path in inside:
            return
        inside = [h for h in inside if path in h.parents]
        if not inside:
            rules.append((path, READ if path.is_dir() else READ & FILE_ACCESS))
            return
        rules.append((path, READ_DIR))
        for entry in sorted(path.iterdir()):
            add(entry, inside)

    folders = [Path(p) for p in dict.fromkeys(readable) if Path(p).exists()]
    for folder in folders:
        if not any(other in folder.parents for other in folders):
            add(folder, hidden)
    return rules


def confine(read: list[tuple[Path, int]], writable: Iterable[Path]) -> None:
    """From now on, let this process (and its children) read only by the ``read`` rules (from
    :func:`read_rules`), write only under the ``writable`` folders, use no TCP, and make none of the
    :data:`FORBIDDEN_SYSCALLS`.

    Raises :class:`OSError` when Landlock or libseccomp is unavailable, so that learner code
    never runs unconfined by accident.
    """
    abi = landlock_abi()
    if abi == 0:
        raise OSError("Landlock is not available on this kernel")
    if _libseccomp() is None:  # looked up before Landlock closes the folders ldconfig reads
        raise OSError("libseccomp is not available")
    handled = _handled_fs(abi)
    scoped = SCOPE_SIGNAL | SCOPE_ABSTRACT_UNIX_SOCKET if abi >= 6 else 0
    network = BIND_TCP | CONNECT_TCP if abi >= 4 else 0
    attr = _RulesetAttr(handled, network, scoped)
    fields = 3 if abi >= 6 else 2 if abi >= 4 else 1
    size = ctypes.c_size_t(fields * ctypes.sizeof(ctypes.c_uint64))
    ruleset = _check(_libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), size, 0), "Landlock")
    try:
        rules = [*read, *((Path(folder), handled) for folder in writable)]
        rules += [(device, READ_FILE | IOCTL_DEV) for device in DEVICES]
        rules.append((Path(os.devnull), READ_FILE | WRITE_FILE | TRUNCATE | IOCTL_DEV))
        for path, allowed in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # gone since the rules were made (or never there): nothing to allow
            try:
                rule = _PathBeneathAttr(allowed & handled, fd)
                _check(
                    _libc.syscall(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH, ctypes.byref(rule), 0),
                    f"Landlock rule for {path}",
                )
            finally:
                os.close(fd)
        _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        _check(_libc.syscall(SYS_RESTRICT_SELF, ruleset, 0), "Landlock restrict_self")
    finally:
        os.close(ruleset)
    forbid_syscalls()
