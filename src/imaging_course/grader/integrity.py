"""Protect the grader's own files, the references and the data from learner code.

Learner code runs as the same user as the grader, so it can write anywhere the grader can.
:class:`Guard` keeps the bytes of the protected trees (the grader package, the reference
files) in memory, and the size and modification time of the watched trees (the datasets, too
large to keep). After each sandbox call the grader asks :meth:`Guard.changes`; a protected
file that changed, vanished or appeared is put back by :meth:`Guard.restore`, and the call
that did it fails its checks. References were loaded into memory before any learner code
ran, so even a change made and undone within one call decides nothing.
"""

import hashlib
from collections.abc import Iterable
from pathlib import Path


def _files(tree: Path) -> list[Path]:
    if tree.is_file():
        return [tree]
    return sorted(
        path
        for path in tree.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and not path.is_symlink()
    )


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns)


class Guard:
    """A snapshot of ``protected`` trees (bytes) and ``watched`` trees (size and mtime)."""

    def __init__(self, protected: Iterable[Path], watched: Iterable[Path] = ()) -> None:
        self.protected_trees = [Path(p) for p in protected if Path(p).exists()]
        self.watched_trees = [Path(p) for p in watched if Path(p).exists()]
        self.saved = {path: path.read_bytes() for t in self.protected_trees for path in _files(t)}
        self.digests = {path: hashlib.sha256(data).digest() for path, data in self.saved.items()}
        self.signatures = {path: _signature(path) for t in self.watched_trees for path in _files(t)}

    def changes(self) -> list[str]:
        """Paths of protected or watched files that changed, vanished or appeared."""
        changed = []
        for path, digest in self.digests.items():
            try:
                same = hashlib.sha256(path.read_bytes()).digest() == digest
            except OSError:
                same = False
            if not same:
                changed.append(str(path))
        for tree in self.protected_trees:
            changed.extend(str(p) for p in _files(tree) if p not in self.saved)
        for path, signature in self.signatures.items():
            if _signature(path) != signature:
                changed.append(str(path))
        for tree in self.watched_trees:
            changed.extend(str(p) for p in _files(tree) if p not in self.signatures)
        return changed

    def restore(self) -> None:
        """Put back every protected file and remove files added to protected trees.

        Watched (data) files cannot be put back: their new state becomes the snapshot, so
        that only the call that changed them is blamed.
        """
        for path, data in self.saved.items():
            try:
                if path.read_bytes() == data:
                    continue
            except OSError:
                pass
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.restore")
            temporary.write_bytes(data)
            temporary.replace(path)
        for tree in self.protected_trees:
            for path in _files(tree):
                if path not in self.saved:
                    path.unlink(missing_ok=True)
        self.signatures = {path: _signature(path) for t in self.watched_trees for path in _files(t)}
