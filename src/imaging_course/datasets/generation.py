"""What every dataset generator shares: scales, the output folder's life cycle, progress.

A generator calls :func:`begin_generation` first. It refuses a folder it must not touch (one
holding other files, or another dataset, scale or seed) and one on a disk too small for the
files still missing, returns ``False`` when the folder is already complete (a rerun does
nothing), and otherwise removes what a killed run left (temporary ``.part`` files) and marks
the folder as ours with an in-progress stamp. The generator then writes each missing file
atomically (see :mod:`imaging_course.datasets.atomic`), so a rerun after an interruption
completes the folder, and ends with :func:`finish_generation`, which writes or removes
``MANIFEST.json`` as asked and writes the ``.complete`` stamp
(:mod:`imaging_course.datasets.stamp`) last.
"""

import json
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from tqdm import tqdm

from imaging_course.datasets.atomic import (
    is_temporary,
    remove_leftover_parts,
    write_text_atomic,
)
from imaging_course.datasets.stamp import (
    Stamp,
    read_stamp,
    read_stamp_file,
    stamp_path,
    write_stamp,
)

SCALES = ("tiny", "sample", "full")
"""``tiny`` for tests (seconds), ``sample`` for the site and grader, ``full`` the real counts."""

IN_PROGRESS_NAME = ".generating"
"""Written first: marks a folder being filled by us, so a rerun may complete it."""

MANIFEST_NAME = "MANIFEST.json"
"""The list of planted problems, for the project's own tests (left out of held-out copies)."""

DISK_MARGIN = 1.1
"""Free disk asked for, as a multiple of the estimated bytes still to write."""

T = TypeVar("T")


class GenerationError(Exception):
    """A generation that must not start; the message is one line naming the problem."""


def check_scale(scale: str) -> None:
    """Raise :class:`GenerationError` unless ``scale`` is one of :data:`SCALES`."""
    if scale not in SCALES:
        raise GenerationError(f"unknown scale {scale!r}: choose one of {', '.join(SCALES)}")


def check_seed(seed: int) -> None:
    """Raise :class:`GenerationError` unless ``seed`` is a whole number 0 or more (what
    :func:`numpy.random.default_rng` accepts)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise GenerationError(f"bad seed {seed!r}: use a whole number, 0 or more")


def _check_folder(out: Path, stamp: Stamp) -> bool:
    """Refuse a folder holding something other than this very generation: ours means an
    in-progress stamp, a ``.complete`` stamp or a manifest naming this dataset, scale, seed.

    Returns ``True`` when the folder holds this dataset, scale and seed written by another
    version of the generator: its files are stale and must all be written again.
    """
    if not out.exists():
        return False
    if not out.is_dir():
        raise GenerationError(f"{out} exists and is not a folder")
    found = next(
        filter(
            None,
            (
                read_stamp_file(path)
                for path in (out / IN_PROGRESS_NAME, stamp_path(out), out / MANIFEST_NAME)
            ),
        ),
        None,
    )
    if found is None:
        # A run killed while writing its first stamp leaves only that stamp's temporary file.
        if any(not is_temporary(path) for path in out.iterdir()):
            raise GenerationError(
                f"{out} is not empty and holds no dataset of ours: choose an empty or new --out"
            )
        return False
    if replace(found, version=stamp.version) == stamp:
        return found.version != stamp.version
    if found != stamp:
        raise GenerationError(
            f"{out} holds {found.describe()}, not {stamp.describe()}: "
            "delete it or choose another --out"
        )
    return False


def format_bytes(size: float) -> str:
    """``size`` bytes for a reader: ``'48.4 GB'``, ``'650 MB'``, ``'4.1 MB'``, ``'12 kB'``."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6)):
        if size >= scale:
            return (
                f"{size / scale:.3g} {unit}" if size < 100 * scale else f"{size / scale:.0f} {unit}"
            )
    return f"{size / 1e3:.0f} kB"


def missing_bytes(out: Path, planned: Mapping[str, int]) -> int:
    """The estimated bytes of the files of ``planned`` (path relative to ``out``: bytes) that
    are not in ``out`` yet: what a run still has to write."""
    return sum(size for relative, size in planned.items() if not (out / relative).exists())


def _check_free_disk(out: Path, needed_bytes: int) -> None:
    existing = out
    while not existing.exists():
        existing = existing.parent
    free = shutil.disk_usage(existing).free
    if free < needed_bytes * DISK_MARGIN:
        raise GenerationError(
            f"too little disk for {out}: about {format_bytes(needed_bytes)} still to write, "
            f"{format_bytes(free)} free"
        )


def is_complete(out: Path, stamp: Stamp) -> bool:
    """Whether ``out`` already holds the whole dataset ``stamp`` describes."""
    return read_stamp(out) == stamp


def begin_generation(out: Path, stamp: Stamp, planned: Mapping[str, int]) -> bool:
    """Check ``out`` and mark it as ours; ``False`` when it is already complete.

    ``planned`` maps each data file's path (relative to ``out``) to its estimated bytes. A
    folder holding this dataset, scale and seed from another version of the generator is
    emptied, to be written anew; the temporary files of a killed run are removed, and their
    count is reported on stderr. Raises :class:`GenerationError` for a bad scale, a folder
    that is not ours or holds another generation, or less free disk than the planned files
    still missing need, plus a margin.
    """
    check_scale(stamp.scale)
    if is_complete(out, stamp):
        return False
    if _check_folder(out, stamp):
        # Same dataset, scale and seed from another generator version: every byte may differ,
        # and a rerun skips files that exist, so the old ones go first.
        shutil.rmtree(out)
    _check_free_disk(out, missing_bytes(out, planned))
    out.mkdir(parents=True, exist_ok=True)
    removed = remove_leftover_parts(out)
    if removed:
        print(f"{out}: removed {removed} temporary file(s) of an interrupted run", file=sys.stderr)
    write_text_atomic(out / IN_PROGRESS_NAME, stamp.to_json())
    return True


def finish_generation(out: Path, stamp: Stamp, planted: list[dict[str, str]] | None) -> None:
    """Make ``out``'s ``MANIFEST.json`` match the request, then mark ``out`` complete.

    ``planted`` is the manifest's list (see :func:`write_manifest`), or ``None`` for a folder
    without one (a held-out copy): an existing manifest is then removed. Called on an already
    complete folder too, so a rerun with or without ``--no-manifest`` gives what it asks for;
    a folder already as asked is not touched. The ``.complete`` stamp is written last.
    """
    if planted is None:
        (out / MANIFEST_NAME).unlink(missing_ok=True)
    elif read_stamp_file(out / MANIFEST_NAME) != stamp:
        write_manifest(out, stamp, planted)
    if not is_complete(out, stamp):
        write_stamp(out, stamp)
    (out / IN_PROGRESS_NAME).unlink(missing_ok=True)


def read_manifest(out: Path) -> dict | None:
    """The ``MANIFEST.json`` of ``out`` as written by :func:`write_manifest`, or ``None`` when
    there is none (a real download, a held-out copy)."""
    try:
        return json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


@dataclass(frozen=True)
class PlantedCounts:
    """How many of each planted kind a folder holds (``None``: not counted), and where the
    counts come from: ``from_manifest`` is ``True`` for ``MANIFEST.json``, ``False`` for a
    scan of the files."""

    counts: dict[str, int | None]
    from_manifest: bool


def count_planted(
    root: Path, kinds: Iterable[str], scan: Callable[[Path], dict[str, int | None]]
) -> PlantedCounts:
    """The counts of ``kinds`` in ``root``'s ``MANIFEST.json`` when there is one, else what
    ``scan(root)`` finds (a real download, a held-out copy)."""
    manifest = read_manifest(Path(root))
    if manifest is None:
        return PlantedCounts(scan(root), from_manifest=False)
    planted = manifest["counts"]
    return PlantedCounts({kind: planted.get(kind, 0) for kind in kinds}, from_manifest=True)


def planted_entry(path: str, kind: str, detail: str) -> dict[str, str]:
    """One entry of ``MANIFEST.json``'s list: ``path`` relative to the dataset folder, the
    ``kind`` of planted problem, and a ``detail`` for the reader."""
    return {"path": path, "kind": kind, "detail": detail}


def write_manifest(out: Path, stamp: Stamp, planted: list[dict[str, str]]) -> None:
    """Write ``MANIFEST.json``: each planted problem (``path`` relative to ``out``, ``kind``,
    ``detail``) and the count of each kind."""
    counts: dict[str, int] = {}
    for entry in planted:
        counts[entry["kind"]] = counts.get(entry["kind"], 0) + 1
    manifest = {**stamp.fields(), "planted": planted, "counts": dict(sorted(counts.items()))}
    write_text_atomic(out / MANIFEST_NAME, json.dumps(manifest, indent=2) + "\n")


def with_progress(items: Iterable[T], total: int, label: str, enabled: bool) -> Iterator[T]:
    """``items`` with a tqdm bar on stderr, shown only when ``enabled`` and stderr is a TTY."""
    show = enabled and sys.stderr.isatty()
    yield from tqdm(items, total=total, desc=label, unit="file", disable=not show, file=sys.stderr)
