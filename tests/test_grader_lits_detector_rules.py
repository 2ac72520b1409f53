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
    dtype_after_reading,
    field_of_view_in_voxels,
    labels_assumed,
    lesion_connectivity,
    lesion_size_in_voxels,
    lesion_sizes_connectivity,
    liver_share_without_tumour,
    orientation_flip,
    resampled_bytes_per_voxel,
    scaling_ignored,
    scaling_unset_as_missing,
    stored_numbers_as_hu,
    thin_slices_resampled,
    tumour_outside_liver,
    voxel_share_as_slice_share,
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


def test_storage_detectors():
    expected = pd.DataFrame(
        {
            "case_id": [0, 1, 2],
            "volume_dtype": ["int16", "int16", "float32"],
            "scl_slope": [1.0, 0.5, 1.0],
            "scl_inter": [0.0, -1024.0, 0.0],
            "segmentation_dtype": ["uint8", "float32", "uint8"],
        }
    )
    read = expected.assign(volume_dtype=["int16", "float64", "float32"])
    assert "get_data_dtype" in dtype_after_reading(evidence(expected, read))
    guessed = expected.assign(volume_dtype=["int16", "uint16", "float32"])
    assert not dtype_after_reading(evidence(expected, guessed))
    missing = expected.assign(scl_slope=[np.nan, 0.5, np.nan], scl_inter=[np.nan, -1024, None])
    assert "moves the scaling" in scaling_unset_as_missing(evidence(expected, missing))
    assert not scaling_ignored(evidence(expected, missing))
    ignored = expected.assign(scl_slope=1.0, scl_inter=0.0)
    assert "scl_slope x stored + scl_inter" in scaling_ignored(evidence(expected, ignored))
    assert not scaling_unset_as_missing(evidence(expected, ignored))
    values = {0: [0.0, 1.0, 2.0], 1: [0.0, 1.0], 2: [0.0, 1.0, 2.0]}
    assumed = {0: [0, 1, 2], 1: [0, 1, 2], 2: [0, 1, 2]}
    assert "tumour-free case holds no 2" in labels_assumed(evidence(values, assumed))
    other = {0: [0.0, 1.0, 2.0], 1: [0.0, 2.0], 2: [0.0, 1.0, 2.0]}
    assert not labels_assumed(evidence(values, other))


def test_geometry_detectors():
    volumes, _ = lits_tables()
    references = {"volume_table": volumes.assign(nx=[512, 512], ny=[512, 512], nz=[80, 300])}
    expected = pd.DataFrame(
        {
            "case_id": [0, 1],
            "fov_x_mm": [409.6, 358.4],
            "extent_z_mm": [200.0, 300.0],
            "slices_at_1mm": [200, 300],
            "stored_mb": [512 * 512 * 80 * 2 / 1e6, 512 * 512 * 300 * 4 / 1e6],
            "resampled_mb": [512 * 512 * 200 * 4 / 1e6, 512 * 512 * 300 * 4 / 1e6],
        }
    )
    voxels = expected.assign(fov_x_mm=[512.0, 512.0])
    assert field_of_view_in_voxels(evidence(expected, voxels, references=references))
    assert not field_of_view_in_voxels(evidence(expected, expected, references=references))
    thin_case = pd.DataFrame({"case_id": [2], "extent_z_mm": [70.0], "slices_at_1mm": [100]})
    thin = pd.concat([expected, thin_case], ignore_index=True)
    resampled = thin.assign(slices_at_1mm=[200, 300, 70])
    assert thin_slices_resampled(evidence(thin, resampled))
    assert not thin_slices_resampled(evidence(thin, thin.assign(slices_at_1mm=[200, 300, 99])))
    stored_size = expected.assign(
        resampled_mb=[512 * 512 * 200 * 2 / 1e6, 512 * 512 * 300 * 4 / 1e6]
    )
    hint = resampled_bytes_per_voxel(evidence(expected, stored_size, references=references))
    assert "4 bytes (float32)" in hint
    doubled = expected.assign(resampled_mb=expected["resampled_mb"] * 3)
    assert not resampled_bytes_per_voxel(evidence(expected, doubled, references=references))


def test_balance_detectors():
    expected = pd.DataFrame(
        {
            "case_id": [0, 1],
            "liver_voxel_fraction": [0.03, 0.02],
            "tumour_voxel_fraction": [0.002, 0.0],
            "liver_slice_fraction": [0.4, 0.3],
            "tumour_slice_fraction": [0.1, 0.0],
        }
    )
    per_voxel = expected.assign(liver_slice_fraction=[0.03, 0.02])
    assert "holds the voxel share" in voxel_share_as_slice_share(evidence(expected, per_voxel))
    per_slice = expected.assign(tumour_voxel_fraction=[0.1, 0.0])
    assert "holds the slice share" in voxel_share_as_slice_share(evidence(expected, per_slice))
    without = expected.assign(liver_voxel_fraction=[0.028, 0.02])
    assert liver_share_without_tumour(evidence(expected, without))
    assert not voxel_share_as_slice_share(evidence(expected, without))


def test_lesion_size_and_window_detectors():
    volumes, _ = lits_tables()  # voxels of 1.6 and 0.49 mm3
    references = {"volume_table": volumes}
    expected = {
        "diameters_mm": {0: [20.0, 11.0], 1: [12.0]},
        "lesions_below_10mm": {0: 0, 1: 0},
        "one_slice_lesions": {0: 0, 1: 0},
    }
    side = [1.6 ** (1 / 3), 0.49 ** (1 / 3)]  # 1.17 and 0.79 mm
    in_voxels = {**expected, "diameters_mm": {0: [20 / side[0], 11 / side[0]], 1: [12 / side[1]]}}
    assert lesion_size_in_voxels(evidence(expected, in_voxels, references=references))
    assert not lesion_size_in_voxels(evidence(expected, expected, references=references))
    small = {**expected, "lesions_below_10mm": {0: 1, 1: 0}}  # 11 mm is 9.4 voxels of case 0
    assert lesion_size_in_voxels(evidence(expected, small, references=references))
    counted = {**expected, "lesions_below_10mm": {0: 0, 1: 1}}  # 12 mm is 15.2 voxels: not this
    assert not lesion_size_in_voxels(evidence(expected, counted, references=references))

    storage = pd.DataFrame({"case_id": [0, 1], "scl_slope": [0.5, 1.0], "scl_inter": [-1024.0, 0]})
    windows = pd.DataFrame({"case_id": [0, 1], "liver_hu_mean": [60.0, 100.0]})
    stored = windows.assign(liver_hu_mean=[(60 + 1024) / 0.5, 100.0])
    hint = stored_numbers_as_hu(evidence(windows, stored, references={"storage_table": storage}))
    assert "stored numbers, not HU" in hint
    other = windows.assign(liver_hu_mean=[70.0, 100.0])
    assert not stored_numbers_as_hu(evidence(windows, other, references={"storage_table": storage}))


def test_lesion_sizes_of_6_connected_components_get_their_hint(tmp_path):
    lits_folder(tmp_path, {0: [(2, 2, 2), (3, 3, 3)], 1: [(2, 2, 2), (3, 3, 2), (5, 5, 5)]})
    solutions = load_course_module("lits_eda")
    reference = solutions.lesion_sizes(tmp_path)
    references = {"volume_table": solutions.volume_table(tmp_path)}
    voxel_mm3 = 0.8 * 0.8 * 2.5
    one = (6 * voxel_mm3 / np.pi) ** (1 / 3)
    assert {case: len(d) for case, d in reference["diameters_mm"].items()} == {0: 1, 1: 2}
    face_only = {
        **reference,
        "diameters_mm": {0: [one, one], 1: [one, one, one]},
        "one_slice_lesions": {0: 2, 1: 3},
    }
    check = next(c for c in course_table().checks if c.id == "lits-lesion-sizes")
    compared = check.comparison.compare(
        reference["diameters_mm"], face_only["diameters_mm"], "diameters_mm"
    )
    assert not compared.passed
    assert "2 of 2 cases differ" in compared.lines[-1]

    def seen(got):
        return Evidence(reference, got, "ok", {}, (str(tmp_path),), tmp_path, references)

    assert "6-connectivity" in lesion_sizes_connectivity(seen(face_only))
    assert not lesion_sizes_connectivity(seen({**reference, "one_slice_lesions": {0: 5, 1: 5}}))
