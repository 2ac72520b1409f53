"""case_statistics counting only label 1 as liver: the tumour left out of the liver.

The other columns come from the reference solution; liver_ml and tumour_burden are
recomputed from label 1 alone.
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
        image = nib.load(case.segmentation)
        labels = image.dataobj
        voxel_ml = math.prod(float(z) for z in image.header.get_zooms()[:3]) / 1000.0
        liver = sum(
            int(np.count_nonzero(np.asarray(labels[..., k : k + 16]) == 1))  # MISTAKE: 1 only
            for k in range(0, labels.shape[2], 16)
        )
        row = table["case_id"] == case.case_id
        table.loc[row, "liver_ml"] = liver * voxel_ml
        tumour_ml = table.loc[row, "tumour_ml"].iloc[0]
        table.loc[row, "tumour_burden"] = tumour_ml / (liver * voxel_ml) if liver else 0.0
    return table
