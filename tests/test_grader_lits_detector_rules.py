"""Each LiTS detector fires on the output its mistake produces, and stays silent otherwise.

Small hand-made outputs and tiny label volumes; the tests in ``test_grader_lits_mistakes.py``
make the same mistakes in copies of the reference solution and grade them for real.
"""

from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
from detector_testing import evidence
from scipy import ndimage

from imaging_course.course_modules import load_course_module
from imaging_course.grader.course import course_table
from imaging_course.grader.course.lits_detectors import (
    lesion_connectivity,
    orientation_flip,
    tumour_outside_liver,
    voxels_not_ml,
)
from imaging_course.grader.detectors import Evidence


def lits_tables():
    volumes = pd.DataFrame(
        {"case_id": [0, 1], "spacing_x_mm": [0.8, 0.7], "spacing_y_mm": [0.8, 0.7]}
    ).assign(spacing_z_mm=[2.5, 1.0], orientation=["LAS", "LPS"])
    cases = pd.DataFrame(
        {
            "case_id": [0, 1],
            "liver_ml": [1500.0, 1200.0],
            "tumour_ml": [30.0, 0.0],
            "tumour_burden": [0.02, 0.0],
            "liver_hu_mean": [60.0, 55.0],
        }
    )
    return volumes, cases


def test_volume_detectors():
    volumes, cases = lits_tables()
    references = {"volume_table": volumes}
    voxels = cases.assign(liver_ml=[1500.0 / (0.8 * 0.8 * 2.5 / 1000), 1200.0 / 0.00049])
    assert voxels_not_ml(evidence(cases, voxels, references=references))
    cubic_mm = cases.assign(liver_ml=[1_500_000.0, 1_200_000.0])
    assert "mm3" in voxels_not_ml(evidence(cases, cubic_mm, references=references))
    no_tumour = cases.assign(liver_ml=[1470.0, 1200.0])
    assert tumour_outside_liver(evidence(cases, no_tumour, references=references))
    assert not voxels_not_ml(evidence(cases, no_tumour, references=references))
    assert not tumour_outside_liver(evidence(cases, voxels, references=references))


def test_orientation_detector():
    volumes, _ = lits_tables()
    flipped = volumes.assign(orientation=["RAS", "RAI"])
    assert orientation_flip(evidence(volumes, flipped))
    shuffled = volumes.assign(orientation=["ASL", "LPS"])
    assert not orientation_flip(evidence(volumes, shuffled))


def lits_folder(root: Path, cases: dict[int, list[tuple[int, int, int]]]) -> dict[int, int]:
    """A LiTS layout of small cases whose tumour voxels are the given ones; returns each case's
    lesion count with full 26-connectivity (faces, edges and corners)."""
    counts = {}
    for case_id, voxels in cases.items():
        labels = np.zeros((8, 8, 8), dtype=np.uint8)
        labels[1:7, 1:7, 1:7] = 1  # liver
        for voxel in voxels:
            labels[voxel] = 2
        affine = np.diag([0.8, 0.8, 2.5, 1.0])
        for relative, array in (
            (f"segmentations/segmentation-{case_id}.nii", labels),
            (f"volume_pt1/volume-{case_id}.nii", np.full(labels.shape, 40, dtype=np.int16)),
        ):
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            nib.save(nib.Nifti1Image(array, affine), root / relative)
        counts[case_id] = int(ndimage.label(labels == 2, structure=np.ones((3, 3, 3)))[1])
    return counts


def test_lesions_touching_at_an_edge_or_a_corner_tell_6_from_26_connectivity(tmp_path):
    counts = lits_folder(
        tmp_path,
        {
            0: [(2, 2, 2), (3, 3, 3)],  # two voxels touching at a corner: one lesion
            1: [(2, 2, 2), (3, 3, 2), (5, 5, 5)],  # at an edge, and one apart: two lesions
            2: [(2, 2, 2), (2, 2, 3)],  # touching by a face: one lesion either way
        },
    )
    assert counts == {0: 1, 1: 2, 2: 1}
    solutions = load_course_module("lits_eda")
    reference = solutions.case_statistics(tmp_path)[["case_id", "lesion_count"]]
    assert dict(zip(reference["case_id"], reference["lesion_count"], strict=True)) == counts
    face_only = reference.assign(lesion_count=[2, 3, 1])  # what 6-connectivity counts
    check = next(c for c in course_table().checks if c.id == "lits-lesion-count")

    assert not check.comparison.compare(reference, face_only, "case_statistics").passed
    hint = lesion_connectivity(
        Evidence(reference, face_only, "ok", {}, (str(tmp_path),), tmp_path, {})
    )
    assert "6-connectivity" in hint
    other = reference.assign(lesion_count=[1, 5, 1])  # wrong, but not that way
    assert not lesion_connectivity(
        Evidence(reference, other, "ok", {}, (str(tmp_path),), tmp_path, {})
    )
