"""The ``.complete`` stamp: what a generated dataset folder holds, written when it is whole.

A generator writes the stamp last (:mod:`imaging_course.datasets.generation`), so its presence
means every file of the dataset is there, and its JSON fields say which data: dataset, scale,
seed, the generator's version, and the layout when not the default. This module is the one
that knows the stamp's name and how to read it: the generators, the grader's fingerprints and
held-out cache, the site's execution inputs, the benchmarks, the tests and (through the
variables :mod:`imaging_course.datasets.registry` writes for it) the Makefile ask it.

It imports only the standard library (and the course's atomic writes), like the registry
that names it to the Makefile.
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from imaging_course.datasets.atomic import write_text_atomic

STAMP_NAME = ".complete"
"""The stamp's file name in a dataset folder."""


@dataclass(frozen=True)
class Stamp:
    """What a folder holds: dataset name, scale, seed, the generator's version, and the layout
    when the dataset has more than one (``None``: its only or default layout)."""

    dataset: str
    scale: str
    seed: int
    version: str
    layout: str | None = None

    def fields(self) -> dict:
        """The stamp as a dict, without the layout when it is the default."""
        fields = asdict(self)
        if self.layout is None:
            del fields["layout"]
        return fields

    def to_json(self) -> str:
        """The stamp as the JSON text of the ``.complete`` file (and of the generator's
        in-progress stamp)."""
        return json.dumps(self.fields(), indent=2, sort_keys=True) + "\n"

    def describe(self) -> str:
        """``'siim scale tiny seed 7 (generator 3)'``, the layout named when not the default."""
        layout = f" in the {self.layout} layout" if self.layout else ""
        return (
            f"{self.dataset} scale {self.scale} seed {self.seed}{layout} (generator {self.version})"
        )


def stamp_path(folder: Path) -> Path:
    """Where the stamp of the dataset folder ``folder`` lies (whether or not it is there)."""
    return Path(folder) / STAMP_NAME


def read_stamp_file(path: Path) -> Stamp | None:
    """The stamp in the file ``path`` (a stamp, or a manifest, which repeats the stamp's
    fields), or ``None`` when the file is missing or holds no stamp of ours (not JSON, not
    an object, a field missing)."""
    try:
        fields = json.loads(Path(path).read_text(encoding="utf-8"))
        named = {name: fields[name] for name in ("dataset", "scale", "seed", "version")}
        return Stamp(**named, layout=fields.get("layout"))
    except (FileNotFoundError, json.JSONDecodeError, TypeError, KeyError):
        return None


def read_stamp(folder: Path) -> Stamp | None:
    """The stamp of the dataset folder ``folder``; ``None`` when the folder is not complete
    data of ours (no stamp, or a damaged one: a real download, an interrupted generation)."""
    return read_stamp_file(stamp_path(folder))


def write_stamp(folder: Path, stamp: Stamp) -> None:
    """Mark the dataset folder ``folder`` complete with ``stamp`` (atomically: a reader sees
    the whole stamp or none)."""
    write_text_atomic(stamp_path(folder), stamp.to_json())
