"""Reference outputs: the reference solutions run on a dataset, stored or computed live.

`make reference` runs ``solutions/`` (in the sandbox, like any learner code) on the sample
data and writes one file per call to ``reference/<dataset>/<call>.json`` (arrays beside it as
``<call>-array-<n>.npz``), each with a fingerprint: the stamp the generator wrote
(:mod:`imaging_course.datasets.stamp`: dataset, scale, seed, version, a layout other than the
default), the data folder and a digest of the reference solutions' sources. Grading uses the
stored files only when they are of this grader's format and the fingerprint matches; for a
real Kaggle download the fingerprint is a digest of its file listing instead of the stamp, so
`make reference LITS_DATA_DIR=/data/lits` stores references that grading on that download then
uses. For data regenerated with another seed, a changed download, edited solutions or
references of an older format, the references are computed live from ``solutions/`` and the
run says why.
"""

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imaging_course.datasets.atomic import write_text_atomic
from imaging_course.datasets.paths import REPO_ROOT
from imaging_course.datasets.stamp import read_stamp
from imaging_course.grader import plain_data
from imaging_course.grader.check_table import ArgContext, CheckTable
from imaging_course.grader.sandbox import Call, Sandbox

REFERENCE_DIR = REPO_ROOT / "reference"
"""Where `make reference` writes, one folder per dataset."""
FORMAT_VERSION = 3
"""Version of the stored files; 2 added the data folder (``root``) to the fingerprint, 3 the
digest of the reference solutions (``solutions``)."""


class ReferenceError(RuntimeError):
    """The reference solutions failed on a dataset, or a stored reference file is damaged."""


@dataclass(frozen=True)
class ReferenceSet:
    """Reference outputs of every call of one dataset, and the arguments they were made with.

    ``origin`` is ``stored`` (read from reference files) or ``live`` (computed in this run);
    ``note`` says why stored references were not used, in one line.
    """

    dataset: str
    root: Path
    fingerprint: dict | None
    outputs: dict[str, Any]
    args: dict[str, tuple]
    origin: str
    note: str = ""


def data_fingerprint(root: Path) -> dict:
    """What the references of the folder ``root`` depend on: the generator's stamp for data we
    generated; for a folder without our stamp (a real Kaggle download), a digest of its file
    listing (relative path, size and modification time of every file), which a copy, an
    added or an edited file changes, read from directory entries without opening a file (the
    131 LiTS volumes or the 12,000 SIIM files cost milliseconds). The folder counts too,
    because the stored arguments name it: references written in another checkout are stale
    here."""
    root = Path(root).resolve()
    stamp = read_stamp(root)
    if stamp is not None:
        return {**stamp.fields(), "root": str(root)}
    return {"listing": listing_digest(root), "root": str(root)}


def listing_digest(root: Path) -> str:
    """A short digest of every file under ``root``: relative path, size, modification time."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            status = path.stat()
            entry = f"{path.relative_to(root)}\0{status.st_size}\0{status.st_mtime_ns}\0"
            digest.update(entry.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:16]


def solutions_digest(solutions_dir: Path) -> str:
    """A short digest of the reference solutions' sources (``*.py``, names and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(Path(solutions_dir).glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def fingerprint_of(root: Path, solutions_dir: Path) -> dict:
    """What stored references must match: the data's fingerprint and the solutions' digest."""
    return {**data_fingerprint(root), "solutions": solutions_digest(solutions_dir)}


def compute_references(
    table: CheckTable,
    dataset: str,
    root: Path,
    solutions_dir: Path,
    sandbox: Sandbox,
    *,
    computed: dict[str, Any] | None = None,
) -> ReferenceSet:
    """Run the reference solutions on ``root``; calls that read other calls' outputs run later.

    ``computed`` holds outputs already computed elsewhere (the LiTS EDA on a Dask cluster), by
    call name; those calls do not run again."""
    computed = computed or {}
    outputs: dict[str, Any] = {}
    args: dict[str, tuple] = {}
    remaining = table.calls_of(dataset)
    while remaining:
        ready = [spec for spec in remaining if all(need in outputs for need in spec.needs)]
        context = ArgContext(Path(root), outputs)
        for spec in ready:
            args[spec.name] = spec.args(context)
            if spec.name in computed:
                outputs[spec.name] = computed[spec.name]
        remaining = [spec for spec in remaining if spec.name not in computed]
        ready = [spec for spec in ready if spec.name not in computed]
        runs = sandbox.run(
            [
                Call(
                    spec.exercise,
                    spec.function,
                    args[spec.name],
                    solutions_dir,
                    spec.timeout,
                    reads=(Path(root),),
                    blocked=table.blocked_imports,
                )
                for spec in ready
            ]
        )
        for spec, run in zip(ready, runs, strict=True):
            if run.status != "ok":
                detail = run.error.get("message", "") or run.stderr[-400:]
                raise ReferenceError(
                    f"{solutions_dir / spec.exercise}.py: {spec.function} on {root} "
                    f"ended with {run.status}: {run.error.get('type', '')} {detail}".rstrip()
                )
            outputs[spec.name] = run.value
        remaining = [spec for spec in remaining if spec not in ready]
    fingerprint = fingerprint_of(root, solutions_dir)
    return ReferenceSet(dataset, Path(root), fingerprint, outputs, args, "live")


def write_references(references: ReferenceSet, folder: Path = REFERENCE_DIR) -> list[Path]:
    """Write one JSON file per call (arrays as ``.npz`` beside it); return the JSON files."""
    target = folder / references.dataset
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for old in target.glob("*-array-*.np[yz]"):
        old.unlink()
    for name, value in references.outputs.items():
        tree = plain_data.encode(
            {"args": list(references.args[name]), "value": value},
            target,
            prefix=f"{name}-",
            compress=True,
        )
        document = {
            "format": FORMAT_VERSION,
            "dataset": references.dataset,
            "call": name,
            "fingerprint": references.fingerprint,
            "tree": tree,
        }
        path = target / f"{name}.json"
        write_text_atomic(path, json.dumps(document, allow_nan=True) + "\n")
        written.append(path)
    return written


def load_references(
    table: CheckTable, dataset: str, root: Path, solutions_dir: Path, folder: Path = REFERENCE_DIR
) -> ReferenceSet | str:
    """The stored references of ``dataset`` if they exist, are of this format and match the
    fingerprint of the data and of ``solutions_dir``; else one line saying why not."""
    fingerprint = fingerprint_of(root, solutions_dir)
    target = folder / dataset
    if not target.is_dir():
        return f"no stored references in {target} (`make reference` writes them)"
    outputs, args = {}, {}
    for spec in table.calls_of(dataset):
        path = target / f"{spec.name}.json"
        if not path.is_file():
            return f"{path} is missing (`make reference` writes it)"
        try:
            document = plain_data.read_json_file(path)
            if document.get("format") != FORMAT_VERSION:
                return (
                    f"{path} has format {document.get('format')}, this grader reads "
                    f"{FORMAT_VERSION} (`make reference` rewrites it)"
                )
            if document.get("fingerprint") != fingerprint:
                stored = document.get("fingerprint") or {}
                keys = [key for key in fingerprint if stored.get(key) != fingerprint[key]]
                return f"{path} was made with another {', '.join(keys)}"
            decoded = plain_data.decode(document["tree"], target, trusted_npz=True)
        except (plain_data.PlainDataError, KeyError, TypeError, AttributeError) as exc:
            raise ReferenceError(f"{path}: damaged reference file ({exc})") from None
        outputs[spec.name] = decoded["value"]
        args[spec.name] = tuple(decoded["args"])
    return ReferenceSet(dataset, Path(root), fingerprint, outputs, args, "stored")


def references_for(
    table: CheckTable,
    dataset: str,
    root: Path,
    solutions_dir: Path,
    sandbox: Sandbox,
    *,
    folder: Path = REFERENCE_DIR,
) -> ReferenceSet:
    """Stored references when they match the data, else references computed live (whose
    ``note`` says why the stored ones were not used)."""
    stored = load_references(table, dataset, root, solutions_dir, folder)
    if isinstance(stored, ReferenceSet):
        return stored
    computed = compute_references(table, dataset, root, solutions_dir, sandbox)
    return dataclasses.replace(computed, note=stored)
