"""case_statistics squaring HU values in int16: the sums of squares wrap around."""

import math
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
from lits_eda_base import *  # noqa: F403  (every other function as in the solution)
from lits_eda_base import (
    LIVER,
    MM3_PER_ML,
    TUMOUR,
    _LesionCounter,
    _mean_std,
    _paired_slabs,
    find_lits_cases,
)


def _case_row(case):
    volume = nib.load(case.volume)
    spacing_mm = [float(zoom) for zoom in volume.header.get_zooms()[:3]]
    voxel_ml = math.prod(spacing_mm) / MM3_PER_ML
    voxels = np.zeros(3, dtype=np.int64)
    hu_sum = np.zeros(3, dtype=np.float64)
    hu_sum_squares = np.zeros(3, dtype=np.float64)
    liver_slices = []
    lesions = _LesionCounter()
    for start, hu, labels in _paired_slabs(case):
        slab_voxels = np.bincount(labels.ravel(), minlength=3)[:3]
        voxels += slab_voxels
        inside = np.flatnonzero(labels)
        if inside.size:
            inside_labels = labels.ravel()[inside]
            inside_hu = hu.ravel()[inside].astype(np.float64)
            hu_sum += np.bincount(inside_labels, weights=inside_hu, minlength=3)[:3]
            squares = hu.ravel()[inside] ** 2  # MISTAKE: int16 squares wrap around
            hu_sum_squares += np.bincount(inside_labels, weights=squares, minlength=3)[:3]
            slices_with_liver = np.flatnonzero(labels.any(axis=(0, 1)))
            liver_slices.extend((start + slices_with_liver[[0, -1]]).tolist())
        lesions.add(labels == TUMOUR if slab_voxels[TUMOUR] else None)
    liver_voxels = int(voxels[LIVER] + voxels[TUMOUR])
    tumour_voxels = int(voxels[TUMOUR])
    liver_mean, liver_std = _mean_std(voxels[LIVER], hu_sum[LIVER], hu_sum_squares[LIVER])
    tumour_mean, tumour_std = _mean_std(voxels[TUMOUR], hu_sum[TUMOUR], hu_sum_squares[TUMOUR])
    extent_slices = max(liver_slices) - min(liver_slices) + 1 if liver_slices else 0
    return {
        "case_id": case.case_id,
        "liver_ml": liver_voxels * voxel_ml,
        "tumour_ml": tumour_voxels * voxel_ml,
        "lesion_count": lesions.count(),
        "tumour_burden": tumour_voxels / liver_voxels if liver_voxels else 0.0,
        "liver_hu_mean": liver_mean,
        "liver_hu_std": liver_std,
        "tumour_hu_mean": tumour_mean,
        "tumour_hu_std": tumour_std,
        "liver_extent_mm": extent_slices * spacing_mm[2],
    }


def case_statistics(root):
    return pd.DataFrame([_case_row(case) for case in find_lits_cases(Path(root))])
