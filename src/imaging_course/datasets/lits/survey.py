"""Count what was planted in a LiTS folder, as its dataset card shows it.

A stand-in carries ``MANIFEST.json``, the generator's list of what it planted. A real download
or a held-out copy has none: then the headers are read instead, which show the segmentations
whose affine differs from their volume's, how each file stores its values and the slice
spacings. The intensity and label kinds would need every voxel read (about 54 GB on the real
data), so without a manifest they are left uncounted (``None``) and left to the exercise, whose
case statistics read the voxels anyway.
"""

from pathlib import Path

import nibabel as nib
import numpy as np

from imaging_course.datasets.generation import PlantedCounts, count_planted
from imaging_course.datasets.lits import planted
from imaging_course.datasets.lits.layout import find_lits_cases

PLANTED_KINDS = (
    planted.AFFINE_MISMATCH,
    planted.EXTREME_RANGE,
    planted.TUMOUR_FREE,
    planted.FLOAT_VOLUME,
    planted.SCALED_VOLUME,
    planted.FLOAT_SEGMENTATION,
    planted.THIN_SLICES,
    planted.ISODENSE_TUMOURS,
    planted.HYPERDENSE_TUMOURS,
    planted.TOUCHING_LESIONS,
)
"""The planted kinds a LiTS card counts, in the order of its table."""

VOXEL_KINDS = (
    planted.EXTREME_RANGE,
    planted.TUMOUR_FREE,
    planted.ISODENSE_TUMOURS,
    planted.HYPERDENSE_TUMOURS,
    planted.TOUCHING_LESIONS,
)
"""The kinds only the voxels show: not counted without a manifest."""

AFFINE_TOLERANCE_MM = 1e-4
"""Affines closer than this (mm, element by element) are the same: the float noise of headers."""


def _is_float(image: nib.Nifti1Image) -> bool:
    return image.get_data_dtype().kind == "f"


def _is_scaled(image: nib.Nifti1Image) -> bool:
    """Whether the header's ``scl_slope``/``scl_inter`` change the stored numbers (nibabel
    reads a slope of 0 or NaN as no scaling)."""
    slope, inter = image.dataobj.slope, image.dataobj.inter
    return (float(slope), float(inter)) != (1.0, 0.0)


def find_lits_planted(root: Path) -> dict[str, int | None]:
    """The planted kinds the headers show, counted over the cases: segmentation affine unlike
    the volume's, volumes stored as float or as scaled integers, float segmentations, slices
    thinner than :data:`~imaging_course.datasets.lits.planted.THIN_SLICE_MM`; the kinds of
    :data:`VOXEL_KINDS` are ``None``."""
    counts: dict[str, int | None] = dict.fromkeys(PLANTED_KINDS, 0)
    for case in find_lits_cases(Path(root)):
        volume, segmentation = nib.load(case.volume), nib.load(case.segmentation)
        found = {
            planted.AFFINE_MISMATCH: not np.allclose(
                volume.affine, segmentation.affine, rtol=0.0, atol=AFFINE_TOLERANCE_MM
            ),
            planted.FLOAT_VOLUME: _is_float(volume),
            planted.SCALED_VOLUME: not _is_float(volume) and _is_scaled(volume),
            planted.FLOAT_SEGMENTATION: _is_float(segmentation),
            planted.THIN_SLICES: float(volume.header.get_zooms()[2]) < planted.THIN_SLICE_MM,
        }
        for kind, present in found.items():
            counts[kind] += int(present)
    return counts | dict.fromkeys(VOXEL_KINDS)


def count_lits_planted(root: Path) -> PlantedCounts:
    """The counts of ``MANIFEST.json`` under ``root`` when there is one, else
    :func:`find_lits_planted`'s."""
    return count_planted(root, PLANTED_KINDS, find_lits_planted)
