"""The reference EDA of LiTS as Dask tasks, one per case: for the full download (131 volumes,
about 54 GB), which one process reads case after case.

Each task runs the reference solution's per-case parts on one case (its volume table row,
case statistics row, HU histogram counts and whether it has a tumour), reading slab by slab
as the solution does, so a worker's memory is bounded by the slab size whatever the volume
size. The instructor's side merges them into the four results of ``solutions/lits_eda.py``
(``volume_table``, ``case_statistics``, ``hu_histograms``, ``dataset_summary``), equal to a
single-process run: rows in case order, histogram counts (integers) summed exactly, the
warnings of left-out voxels and cases raised again here. Workers read the data folder at the
same path as the instructor (a shared mount, or the same download on every machine).
"""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from imaging_course.course_modules import SOLUTIONS_DIR, load_course_module
from imaging_course.datasets.lits.layout import LitsCase, find_lits_cases

CALLS = ("volume_table", "case_statistics", "hu_histograms", "dataset_summary")
"""The reference calls this module computes (each called with the data folder only)."""


def case_parts(case: LitsCase, solutions_dir: Path = SOLUTIONS_DIR) -> dict:
    """The task: every per-case part of the reference EDA of ``case``, with the warnings.

    ``case_row`` and ``histogram`` are None for a case left out (labels other than 0, 1, 2);
    ``warnings`` holds (category name, message) of each warning raised meanwhile."""
    solution = load_course_module("lits_eda", solutions_dir)
    edges = solution._histogram_edges(None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parts: dict = {"volume_row": solution._volume_row(case)}
        try:
            parts["case_row"] = solution._case_row(case)
            parts["histogram"] = solution._case_histograms(case, edges)
        except solution._BadLabelsError as error:
            parts["case_row"] = parts["histogram"] = None
            warnings.warn(f"{error}: case left out", solution.LeftOutWarning, stacklevel=1)
        parts["has_tumour"] = solution._has_tumour(case)
    parts["warnings"] = [(warning.category.__name__, str(warning.message)) for warning in caught]
    return parts


def lits_eda_on_cluster(client, root: Path, solutions_dir: Path = SOLUTIONS_DIR) -> dict:
    """The four reference results of ``root``, computed per case on the cluster of ``client``."""
    solution = load_course_module("lits_eda", solutions_dir)
    cases = find_lits_cases(Path(root))
    futures = [
        client.submit(case_parts, case, solutions_dir, key=f"lits-case-{case.case_id}-{index}")
        for index, case in enumerate(cases)
    ]
    parts = client.gather(futures)
    for case_parts_ in parts:
        for category, message in case_parts_["warnings"]:
            kind = solution.LeftOutWarning if category == "LeftOutWarning" else UserWarning
            warnings.warn(message, kind, stacklevel=2)
    edges = solution._histogram_edges(None)
    counts = np.zeros((3, edges.size - 1), dtype=np.int64)
    for part in parts:
        if part["histogram"] is not None:
            counts += part["histogram"]
    table = pd.DataFrame([part["volume_row"] for part in parts])
    tumour_free = [
        case.case_id for case, part in zip(cases, parts, strict=True) if not part["has_tumour"]
    ]
    return {
        "volume_table": table,
        "case_statistics": pd.DataFrame(
            [part["case_row"] for part in parts if part["case_row"] is not None]
        ),
        "hu_histograms": solution._histograms_dict(edges, counts),
        "dataset_summary": solution._summary(table, tumour_free),
    }
