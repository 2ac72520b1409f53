"""Detectors of the mistakes learners make in the LiTS exercise (``lits_eda``), each with a hint.

Each is a function of :class:`~imaging_course.grader.detectors.Evidence` that
:mod:`.lits_checks` lists on the checks whose failure its mistake explains (see
:mod:`imaging_course.grader.detectors` for the rules): volumes in voxels or mm3, the tumour
left out of the liver, lesions counted with 6-connectivity, flipped orientation codes.
"""

from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
from scipy import ndimage

from imaging_course.datasets.lits.layout import find_lits_cases
from imaging_course.grader.detectors import Evidence, fits, pairs, same


def _voxel_ml(references: dict) -> dict:
    table = references["volume_table"]
    return {
        row.case_id: row.spacing_x_mm * row.spacing_y_mm * row.spacing_z_mm / 1000.0
        for row in table.itertuples(index=False)
    }


def voxels_not_ml(evidence: Evidence) -> str | None:
    """Volumes in voxels or mm3 where mL is asked for."""
    voxel_ml = _voxel_ml(evidence.references)
    for column in ("liver_ml", "tumour_ml"):
        rows = pairs(evidence.expected, evidence.got, "case_id", column)
        if fits(rows, lambda i, e: e / voxel_ml[i] if voxel_ml.get(i) else None):
            return (
                f"{column} holds voxel counts: multiply by the voxel volume (product of the "
                "header zooms, in mm3) and divide by 1000 for mL."
            )
        if fits(rows, lambda _, e: 1000 * e):
            return f"{column} is 1000 times too large: that is mm3; 1 mL = 1000 mm3."
    return None


def tumour_outside_liver(evidence: Evidence) -> str | None:
    """Counting only label 1 as liver, although tumour (label 2) lies inside the liver."""
    expected, got = evidence.expected, evidence.got
    liver = {i: e for i, e, _ in pairs(expected, expected, "case_id", "liver_ml")}
    tumour = {i: e for i, e, _ in pairs(expected, expected, "case_id", "tumour_ml")}
    hint = (
        "Your liver volume leaves the tumour out: tumour (label 2) lies inside the liver, so "
        "the liver is every voxel labelled 1 or 2."
    )
    if fits(
        pairs(expected, got, "case_id", "liver_ml"),
        lambda i, e: e - tumour[i] if tumour.get(i) else None,
        1e-6,
    ):
        return hint
    if fits(
        pairs(expected, got, "case_id", "tumour_burden"),
        lambda i, _: tumour[i] / (liver[i] - tumour[i]) if liver[i] > tumour[i] else None,
        1e-6,
    ):
        return hint
    return None


TUMOUR = 2
FACE_CONNECTED = ndimage.generate_binary_structure(3, 1)
"""6-connectivity: voxels touching by a face only (scipy's default structure)."""


def face_connected_lesions(segmentation: Path) -> int:
    """Tumour components of a label volume when voxels touching only at an edge or a corner
    count apart (the mistake; the course counts with full 26-connectivity)."""
    labels = np.asarray(nib.load(segmentation).dataobj)
    return int(ndimage.label(labels == TUMOUR, structure=FACE_CONNECTED)[1])


def lesion_connectivity(evidence: Evidence) -> str | None:
    """Lesions counted with 6-connectivity (faces only) instead of 26 (faces, edges, corners).

    Only data with lesions that touch at an edge or a corner alone tells the two apart; the
    detector recounts the differing cases that way and fires when the learner's counts match.
    """
    rows = pairs(evidence.expected, evidence.got, "case_id", "lesion_count")
    differing = {case_id for case_id, expected, got in rows if not same(expected, got)}
    if not differing:
        return None
    segmentations = {
        case.case_id: case.segmentation
        for case in find_lits_cases(Path(evidence.root))
        if case.case_id in differing
    }
    if not fits(rows, lambda case_id, _: face_connected_lesions(segmentations[case_id]), 0):
        return None
    return (
        "lesion_count matches counting with 6-connectivity (voxels touching by a face): "
        "lesions whose voxels touch only at an edge or a corner are one lesion here. Label with "
        "full 26-connectivity: scipy.ndimage.label(mask, structure=numpy.ones((3, 3, 3)))."
    )


FLIPPED = str.maketrans("LRAPSI", "RLPAIS")


def orientation_flip(evidence: Evidence) -> str | None:
    """Orientation codes with one or more axes flipped (or RAS assumed)."""
    rows = pairs(evidence.expected, evidence.got, "case_id", "orientation")
    if isinstance(evidence.got, dict) and isinstance(evidence.expected, dict):
        want = evidence.expected.get("orientation_counts", {})
        have = evidence.got.get("orientation_counts")
        if isinstance(have, dict):
            rows = [(None, e, g) for e, g in zip(sorted(want), sorted(have), strict=False)]

    def flipped(expected: Any, got: Any) -> bool:
        if not (isinstance(got, str) and isinstance(expected, str)) or len(got) != len(expected):
            return False
        return all(g in (e, e.translate(FLIPPED)) for g, e in zip(got, expected, strict=True))

    differing = [(e, g) for _, e, g in rows if e != g]
    if differing and all(flipped(e, g) for e, g in differing):
        return (
            "Some axes are flipped: take the codes from the volume's own affine with "
            "nibabel.aff2axcodes(img.affine); each letter names where that axis points to "
            "(LAS: x towards Left, y Anterior, z Superior), and a negative zoom flips it."
        )
    return None
