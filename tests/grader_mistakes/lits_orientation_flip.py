"""volume_table naming where each axis comes from instead of where it points to."""

import math
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
from lits_eda_base import *  # noqa: F403  (every other function as in the solution)
from lits_eda_base import AFFINE_ATOL_MM, _slabs, find_lits_cases

FROM_LABELS = (("R", "L"), ("A", "P"), ("S", "I"))


def volume_table(root):
    rows = []
    for case in find_lits_cases(Path(root)):
        volume, segmentation = nib.load(case.volume), nib.load(case.segmentation)
        hu_min, hu_max = math.inf, -math.inf
        for slab in _slabs(volume):
            hu_min = min(hu_min, float(slab.min()))
            hu_max = max(hu_max, float(slab.max()))
        nx, ny, nz = (int(n) for n in volume.shape[:3])
        spacing = [float(zoom) for zoom in volume.header.get_zooms()[:3]]
        rows.append(
            {
                "case_id": case.case_id,
                "nx": nx,
                "ny": ny,
                "nz": nz,
                "spacing_x_mm": spacing[0],
                "spacing_y_mm": spacing[1],
                "spacing_z_mm": spacing[2],
                # MISTAKE: labels swapped, the codes name where each axis comes from
                "orientation": "".join(nib.aff2axcodes(volume.affine, labels=FROM_LABELS)),
                "hu_min": hu_min,
                "hu_max": hu_max,
                "affine_matches": bool(
                    np.allclose(volume.affine, segmentation.affine, rtol=0.0, atol=AFFINE_ATOL_MM)
                ),
            }
        )
    return pd.DataFrame(rows)
