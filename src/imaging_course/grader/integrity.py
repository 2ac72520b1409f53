"""Protect the course package, the reference solutions, the references and the data.

Learner calls are confined to their own folder where the kernel allows it
(:mod:`~imaging_course.grader.confinement`); this guard is the second line, and the only one
where it does not. :class:`Guard` keeps the bytes and mode of every file of the protected
trees (the whole ``imaging_course`` package with its ``__pycache__``, the reference
solutions, the stored and held-out references: small source files) in memory, and the size,
times, inode and mode of every file of the watched trees (the datasets, too large to keep).
After each sandbox call the grader asks :meth:`Guard.changes`; a protected file that changed,
vanished or appeared is put back by :meth:`Guard.restore`, and the call that did it fails its
checks. A watched file cannot be put back: :meth:`Guard.restore` leaves a mark in its
dataset folder (:data:`DAMAGE_MARK`), and :func:`damage_note` makes every later run refuse
to grade on that folder until it is regenerated, so no other learner is graded on damaged
data. References were loaded into memory before any learner code ran, and the grader
imported every module it needs before then too, so a change made and undone within one
call decides nothing.
"""

import hashlib
from collections.abc import Iterable
from pathlib import Path

from imaging_course.datasets.generation import STAMP_NAME

DAMAGE_MARK = ".changed-by-learner-code"
"""Written into a dataset folder whose files learner code changed; lists those files."""


def _files(tree: Path) -> list[Path]:
    """Regular files and symbolic links (a planted link is a change too) under ``tree``."""
    if tree.is_file():
        return [tree]
    return sorted(path for path in tree.rglob("*") if path.is_symlink() or path.is_file())


def _signature(path: Path) -> tuple[int, ...] | None:
    """Size, modification and change times, inode and mode; ``None`` for a missing file.

    The change time moves on every write, ``utime`` and ``chmod``, and only the kernel sets
    it, so a call that rewrites a file and puts its modification time back is still seen.
    """
    try:
        stat = path.lstat()
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_mode)


def _mode(path: Path) -> int | None:
    """File type and permissions of ``path`` itself (a link put in a file's place shows)."""
    try:
        return path.lstat().st_mode
    except OSError:
        return None


def damage_note(root: Path) -> str | None:
    """Why the dataset at ``root`` must not be graded on, or None when it was not damaged."""
    mark = Path(root) / DAMAGE_MARK
    if not mark.is_file():
        return None
    changed = mark.read_text(encoding="utf-8").split()
    found = f"learner code changed the data at {root} in an earlier run ({', '.join(changed[:3])})"
    if not (Path(root) / STAMP_NAME).is_file():  # a real download: nothing can regenerate it
        return (
            f"{found}; check those files against your download (restore them from it), then "
            f"remove {mark}"
        )
    return (
        f"{found}; regenerate it (remove the folder, then `make data`; a held-out folder under "
        f"the grader's cache is made anew by the next run)"
    )


class Guard:
    """A snapshot of ``protected`` trees (bytes) and ``watched`` trees (file signatures)."""

    def __init__(self, protected: Iterable[Path], watched: Iterable[Path] = ()) -> None:
        self.protected_trees = [Path(p) for p in protected if Path(p).exists()]
        self.watched_trees = [Path(p) for p in watched if Path(p).exists()]
        self.present = {path for tree in self.protected_trees for path in _files(tree)}
        self.saved = {p: p.read_bytes() for p in sorted(self.present) if not p.is_symlink()}
        self.digests = {path: hashlib.sha256(data).digest() for path, data in self.saved.items()}
        self.modes = {path: _mode(path) for path in self.saved}
        self.signatures = self._watched_signatures()

    def _watched_signatures(self) -> dict[Path, tuple | None]:
        return {path: _signature(path) for t in self.watched_trees for path in _files(t)}

    def changes(self) -> list[str]:
        """Paths of protected or watched files that changed, vanished or appeared."""
        return self._protected_changes() + self._watched_changes()

    def _protected_changes(self) -> list[str]:
        changed = []
        for path, digest in self.digests.items():
            try:
                same = hashlib.sha256(path.read_bytes()).digest() == digest
            except OSError:
                same = False
            if not same or _mode(path) != self.modes[path]:
                changed.append(str(path))
        for tree in self.protected_trees:
            changed.extend(str(p) for p in _files(tree) if p not in self.present)
        return changed

    def _watched_changes(self) -> list[str]:
        changed = [str(p) for p, sig in self.signatures.items() if _signature(p) != sig]
        for tree in self.watched_trees:
            changed.extend(str(p) for p in _files(tree) if p not in self.signatures)
        return changed

    def restore(self) -> None:
        """Put back every protected file, remove files added to protected trees, and mark
        every watched tree with changed files as damaged (see :func:`damage_note`)."""
        for path, data in self.saved.items():
            try:
                if path.read_bytes() == data and _mode(path) == self.modes[path]:
                    continue
            except OSError:
                pass
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.restore")
            temporary.write_bytes(data)
            temporary.chmod(self.modes[path] & 0o7777)
            temporary.replace(path)
        for tree in self.protected_trees:
            for path in _files(tree):
                if path not in self.present:
                    path.unlink(missing_ok=True)
        changed = self._watched_changes()
        for tree in self.watched_trees:
            inside = [p for p in changed if Path(p).is_relative_to(tree)]
            if inside:
                names = "\n".join(str(Path(p).relative_to(tree)) for p in inside)
                (tree / DAMAGE_MARK).write_text(names + "\n", encoding="utf-8")
        self.signatures = self._watched_signatures()
