"""case_statistics squaring HU values in their stored int16: the sums of squares wrap around.

The other columns come from the reference solution; liver_hu_std is recomputed with the
squares taken in the volume's own dtype.
"""

import math
from pathlib import Path

import lits_eda_base
import nibabel as nib
import numpy as np
from lits_eda_base import *  # noqa: F403  (every other function as in the solution)

from imaging_course.datasets.lits.layout import find_lits_cases


def case_statistics(root):
    table = lits_eda_base.case_statistics(root)
    for case in find_lits_cases(Path(root)):
        hu, labels = nib.load(case.volume).dataobj, nib.load(case.segmentation).dataobj
        count, total, squares = 0, 0.0, 0.0
        for k in range(0, hu.shape[2], 16):
            liver = np.asarray(labels[..., k : k + 16]) == 1
            values = np.asarray(hu[..., k : k + 16]).astype(np.int16)[liver]
            count += values.size
            total += float(values.sum(dtype=np.float64))
            squares += float((values**2).sum(dtype=np.float64))  # MISTAKE: int16 squares wrap
        mean = total / count if count else math.nan
        std = math.sqrt(max(squares / count - mean**2, 0.0)) if count else math.nan
        table.loc[table["case_id"] == case.case_id, "liver_hu_std"] = std
    return table
