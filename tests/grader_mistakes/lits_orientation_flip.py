"""volume_table naming where each axis comes from instead of where it points to.

The other columns come from the reference solution; the orientation codes are taken with
nibabel's labels swapped.
"""

from pathlib import Path

import lits_eda_base
import nibabel as nib
from lits_eda_base import *  # noqa: F403  (every other function as in the solution)

from imaging_course.datasets.lits.layout import find_lits_cases

FROM_LABELS = (("R", "L"), ("A", "P"), ("S", "I"))


def volume_table(root):
    table = lits_eda_base.volume_table(root)
    for case in find_lits_cases(Path(root)):
        affine = nib.load(case.volume).affine
        codes = "".join(nib.aff2axcodes(affine, labels=FROM_LABELS))  # MISTAKE: swapped labels
        table.loc[table["case_id"] == case.case_id, "orientation"] = codes
    return table
