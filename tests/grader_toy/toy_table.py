"""A toy check table for the grader's own tests: a dataset and answers the tests control.

The toy dataset is one CSV of ids and values; ``solutions/toy_eda.py`` and
``solutions/toy_more.py`` are its reference solutions. The grader reads this table with
``--grade-table toy_table:TOY_TABLE`` (this folder on ``PYTHONPATH``).
"""

from pathlib import Path

import numpy as np

from imaging_course.datasets.stamp import Stamp, write_stamp
from imaging_course.grader.check_table import ArgContext, CallSpec, Check, CheckTable
from imaging_course.grader.compare import Array, Fields, IdSet, Number, Table

SIZES = {"tiny": 6, "sample": 12}


def generate_toy(
    out: Path, *, scale: str, seed: int, progress: bool = True, manifest: bool = True
) -> None:
    """Write ``values.csv`` (id, value) with a seeded number of rows, then the stamp."""
    rng = np.random.default_rng(seed)
    count = SIZES[scale] + int(rng.integers(0, 4))
    out.mkdir(parents=True, exist_ok=True)
    lines = ["id,value"] + [f"t{seed}-{i:03d},{rng.uniform(0, 1):.6f}" for i in range(count)]
    (out / "values.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if manifest:
        (out / "MANIFEST.json").write_text("[]\n", encoding="utf-8")
    write_stamp(out, Stamp("toy", scale, seed, "1"))


def root_arg(context: ArgContext) -> tuple:
    return (str(context.root),)


def first_id(context: ArgContext) -> tuple:
    """An argument taken from another call's reference output."""
    return (str(context.root), context.references["table"]["id"].iloc[0])


CALLS = {
    spec.name: spec
    for spec in (
        CallSpec("total", "toy_eda", "toy", "total", root_arg),
        CallSpec("stats", "toy_eda", "toy", "stats", root_arg),
        CallSpec("table", "toy_eda", "toy", "table", root_arg),
        CallSpec("grid", "toy_eda", "toy", "grid", root_arg),
        CallSpec("lookup", "toy_eda", "toy", "lookup", first_id, needs=("table",)),
        CallSpec("count", "toy_more", "toy", "count", root_arg),
    )
}

TOY_TABLE = CheckTable(
    CALLS,
    (
        Check("toy-total", "total", None, Number(rtol=1e-6)),
        Check("toy-count", "stats", None, Fields({"count": Number(0, 0)}), points=2),
        Check("toy-over-half", "stats", "ids_over_half", IdSet("ids")),
        Check("toy-table", "table", None, Table("id", {"value": Number(), "doubled": Number()})),
        Check("toy-grid", "grid", None, Array(atol=1e-9)),
        Check("toy-lookup", "lookup", None, Number()),
        Check("toy-more-count", "count", None, Number(0, 0)),
    ),
    {"toy": "toy_table:generate_toy"},
    blocked_imports=("imaging_course.datasets.siim.rle",),
)
