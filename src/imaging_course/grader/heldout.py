"""Held-out datasets: the same checks on data the learner has never seen.

A learner who hard-codes the sample's answers passes the sample checks but not these. Each
held-out dataset is generated once per cache folder at ``tiny`` scale (other counts than the
sample) with a seed drawn at random when the cache is created (so it is written nowhere in
the course), without a MANIFEST.json (the planted problems are not listed). Its references are
computed from ``solutions/`` and cached beside it with the fingerprint of the data and the
solutions' sources, so they are recomputed when either changes.
"""

import os
import secrets
import shutil
from pathlib import Path

from imaging_course.datasets.registry import import_object
from imaging_course.datasets.stamp import read_stamp
from imaging_course.grader.check_table import CheckTable
from imaging_course.grader.reference import (
    ReferenceSet,
    compute_references,
    load_references,
    write_references,
)
from imaging_course.grader.sandbox import Sandbox

CACHE_ENV = "IMAGING_COURSE_CACHE"
HELDOUT_SCALE = "tiny"


def default_cache_dir() -> Path:
    """``$IMAGING_COURSE_CACHE``, else ``$XDG_CACHE_HOME/imaging-course`` (``~/.cache``)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "imaging-course"


def heldout_root(table: CheckTable, dataset: str, cache_dir: Path) -> Path:
    """The held-out folder of ``dataset``, generated on first use (complete or absent)."""
    root = cache_dir / "heldout" / dataset
    stamp = read_stamp(root)
    if stamp is not None:
        # Same seed again: a no-op on a current folder; a folder that an older version of the
        # generator wrote is written anew, so held-out data has every planted problem the
        # sample has.
        import_object(table.generators[dataset])(
            root, scale=HELDOUT_SCALE, seed=stamp.seed, progress=False, manifest=False
        )
        return root
    seed = 1000 + secrets.randbelow(10**6)
    partial = root.with_name(f".{dataset}-{seed}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    import_object(table.generators[dataset])(
        partial, scale=HELDOUT_SCALE, seed=seed, progress=False, manifest=False
    )
    shutil.rmtree(root, ignore_errors=True)
    partial.replace(root)
    return root


def heldout_references(
    table: CheckTable, dataset: str, cache_dir: Path, solutions_dir: Path, sandbox: Sandbox
) -> ReferenceSet:
    """References of the held-out ``dataset``: cached, or computed from ``solutions_dir``."""
    root = heldout_root(table, dataset, cache_dir)
    folder = cache_dir / "heldout-reference"
    stored = load_references(table, dataset, root, solutions_dir, folder)
    if isinstance(stored, ReferenceSet):
        return stored
    computed = compute_references(table, dataset, root, solutions_dir, sandbox)
    write_references(computed, folder)
    return computed
