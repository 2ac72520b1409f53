"""Count what was planted in a LiTS folder, as its dataset card shows it.

A stand-in carries ``MANIFEST.json``, the generator's list of what it planted. A real download
or a held-out copy has none: then the headers are read instead, which finds the segmentations
whose affine differs from their volume's. The intensity and label kinds would need every voxel read
(about 54 GB on the real data), so without a manifest they are left uncounted (``None``) and
left to the exercise, whose case statistics read the voxels anyway.
"""

from pathlib import Path

import nibabel as nib
import numpy as np

from imaging_course.datasets.generation import PlantedCounts, count_planted
from imaging_course.datasets.lits import planted
from imaging_course.datasets.lits.layout import find_lits_cases

PLANTED_KINDS = (planted.AFFINE_MISMATCH, planted.EXTREME_RANGE, planted.TUMOUR_FREE)
"""The planted kinds a LiTS card counts, in the order of its table."""

AFFINE_TOLERANCE_MM = 1e-4
"""Affines closer than this (mm, element by element) are the same: the float noise of headers."""


def find_lits_planted(root: Path) -> dict[str, int | None]:
    """The planted kinds the headers show: cases whose segmentation affine differs from the
    volume's; the voxel kinds (extreme range, tumour-free) are ``None``."""
    mismatched = sum(
        not np.allclose(
            nib.load(case.volume).affine,
            nib.load(case.segmentation).affine,
            rtol=0.0,
            atol=AFFINE_TOLERANCE_MM,
        )
        for case in find_lits_cases(Path(root))
    )
    return {
        planted.AFFINE_MISMATCH: int(mismatched),
        planted.EXTREME_RANGE: None,
        planted.TUMOUR_FREE: None,
    }


def count_lits_planted(root: Path) -> PlantedCounts:
    """The counts of ``MANIFEST.json`` under ``root`` when there is one, else
    :func:`find_lits_planted`'s."""
    return count_planted(root, PLANTED_KINDS, find_lits_planted)
