"""Each detector fires on the output its mistake produces, and stays silent otherwise.

Small hand-made outputs; the tests in ``test_grader_detectors.py`` make the same mistakes in
copies of the reference solutions and grade them for real.
"""

import math
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
from scipy import ndimage

from imaging_course.course_modules import load_course_module
from imaging_course.grader.checks import COURSE_TABLE
from imaging_course.grader.detectors import DETECTORS, Evidence, decode_variant


def evidence(expected, got, *, args=(), status="ok", error=None, references=None) -> Evidence:
    return Evidence(expected, got, status, error or {}, args, Path(), references or {})


def test_rle_variants_decode_as_the_competition_says():
    rle = "3 2 4 1"  # relative: pixels 3,4 then 9; column-major on a 4 x 3 canvas
    mask = decode_variant(rle, 4, 3, relative=True, column_major=True)
    assert mask.shape == (3, 4)
    assert {(int(r), int(c)) for r, c in zip(*np.nonzero(mask), strict=True)} == {
        (0, 1),
        (1, 1),
        (0, 3),
    }
    assert decode_variant(" -1", 4, 3, relative=True, column_major=True).sum() == 0


def test_rle_detectors_recognise_absolute_and_row_major_masks():
    args = ("5 3 10 2", 8, 6)
    right = decode_variant(*args, relative=True, column_major=True)
    absolute = decode_variant(*args, relative=False, column_major=True)
    row_major = decode_variant(*args, relative=True, column_major=False)
    assert DETECTORS["rle-absolute"](evidence(right, absolute, args=args))
    assert not DETECTORS["rle-absolute"](evidence(right, row_major, args=args))
    assert DETECTORS["rle-row-major"](evidence(right, row_major, args=args))
    assert not DETECTORS["rle-row-major"](evidence(right, absolute, args=args))
    assert DETECTORS["mask-values"](evidence(right, right // 255, args=args))
    assert not DETECTORS["mask-values"](evidence(right, absolute, args=args))


def mask_table(area_px, area_cm2) -> pd.DataFrame:
    ids = [f"1.2.{i}" for i in range(len(area_px))]
    return pd.DataFrame({"image_id": ids, "area_px": area_px, "area_cm2": area_cm2})


def test_area_detectors():
    expected = mask_table([1000, 2500], [0.49, 1.2])
    assert DETECTORS["pixels-not-cm2"](evidence(expected, mask_table([1000, 2500], [1000, 2500])))
    assert "mm2" in DETECTORS["pixels-not-cm2"](
        evidence(expected, mask_table([1000, 2500], [49.0, 120.0]))
    )
    assert not DETECTORS["pixels-not-cm2"](evidence(expected, mask_table([1000, 2500], [0.5, 1])))
    assert DETECTORS["mask-values"](evidence(expected, mask_table([255_000, 637_500], [0.49, 1.2])))


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
    assert DETECTORS["voxels-not-ml"](evidence(cases, voxels, references=references))
    cubic_mm = cases.assign(liver_ml=[1_500_000.0, 1_200_000.0])
    assert "mm3" in DETECTORS["voxels-not-ml"](evidence(cases, cubic_mm, references=references))
    no_tumour = cases.assign(liver_ml=[1470.0, 1200.0])
    assert DETECTORS["tumour-outside-liver"](evidence(cases, no_tumour, references=references))
    assert not DETECTORS["voxels-not-ml"](evidence(cases, no_tumour, references=references))
    assert not DETECTORS["tumour-outside-liver"](evidence(cases, voxels, references=references))


def test_orientation_and_overflow_detectors():
    volumes, cases = lits_tables()
    flipped = volumes.assign(orientation=["RAS", "RAI"])
    assert DETECTORS["orientation-flip"](evidence(volumes, flipped))
    shuffled = volumes.assign(orientation=["ASL", "LPS"])
    assert not DETECTORS["orientation-flip"](evidence(volumes, shuffled))
    wrapped = cases.assign(liver_hu_mean=[60.0 + 65536 / 7, 55.0 - 65536 / 3])
    assert DETECTORS["integer-overflow"](evidence(cases, wrapped))
    counts = {"liver": [10, 70_000], "tumour": [3, 4]}
    assert DETECTORS["integer-overflow"](evidence(counts, {"liver": [10, 4464], "tumour": [3, 4]}))
    assert not DETECTORS["integer-overflow"](
        evidence(counts, {"liver": [11, 70_000], "tumour": [3, 4]})
    )
    views = pd.DataFrame({"view": ["AP", "PA"], "mean": [120.0, 99.0], "std": [50.0, 45.0]})
    squares_wrapped = views.assign(std=[0.0, 12.5])
    assert DETECTORS["integer-overflow"](evidence(views, squares_wrapped))
    assert not DETECTORS["integer-overflow"](evidence(views, views.assign(mean=[1.0, 2.0])))


def test_header_detectors():
    table = pd.DataFrame({"image_id": ["a", "b", "c"], "age": [38.0, 0.5, 61.0]})
    unparsed = {"table": table.assign(age=[math.nan] * 3), "unreadable": []}
    assert DETECTORS["age-string"](evidence({"table": table, "unreadable": []}, unparsed))
    one_unparsed = {"table": table.assign(age=[math.nan, 0.5, 61.0]), "unreadable": []}
    assert DETECTORS["age-string"](evidence({"table": table, "unreadable": []}, one_unparsed))
    months_as_years = {"table": table.assign(age=[38.0, 6.0, 61.0]), "unreadable": []}
    assert DETECTORS["age-string"](evidence({"table": table, "unreadable": []}, months_as_years))
    crash = {"type": "InvalidDicomError", "message": "File is missing DICOM File Meta"}
    assert DETECTORS["unreadable-crash"](evidence(None, None, status="error", error=crash))
    assert not DETECTORS["unreadable-crash"](
        evidence(None, None, status="error", error={"type": "ZeroDivisionError", "message": ""})
    )


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
    check = next(c for c in COURSE_TABLE.checks if c.id == "lits-lesion-count")

    assert not check.comparison.compare(reference, face_only, "case_statistics").passed
    hint = DETECTORS["lesion-connectivity"](
        Evidence(reference, face_only, "ok", {}, (str(tmp_path),), tmp_path, {})
    )
    assert "6-connectivity" in hint
    other = reference.assign(lesion_count=[1, 5, 1])  # wrong, but not that way
    assert not DETECTORS["lesion-connectivity"](
        Evidence(reference, other, "ok", {}, (str(tmp_path),), tmp_path, {})
    )
