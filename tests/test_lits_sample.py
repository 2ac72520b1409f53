"""The sample-scale LiTS stand-in (what the site and the grader read) against the real
dataset's figures in DATASETS.md: shapes, spacings, HU floors, tumour-free cases, liver mL and
HU, storage types, tumour densities and touching lesions."""

import nibabel as nib
import numpy as np
import pytest
from scipy import ndimage

from imaging_course.datasets.lits.generate import generate_lits
from imaging_course.datasets.lits.layout import find_lits_cases


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    root = tmp_path_factory.mktemp("lits") / "sample"
    generate_lits(root, scale="sample", seed=0, progress=False)
    return root


@pytest.fixture(scope="module")
def figures(sample):
    """Per case: shape, zooms, min and max HU, label set and liver mL, read back from disk."""
    rows = []
    for case in find_lits_cases(sample):
        volume, segmentation = nib.load(case.volume), nib.load(case.segmentation)
        hu, labels = np.asarray(volume.dataobj), np.asarray(segmentation.dataobj)
        zooms = [float(z) for z in volume.header.get_zooms()[:3]]
        tumour = labels == 2
        rows.append(
            {
                "case": case,
                "stored": (str(volume.get_data_dtype()), str(segmentation.get_data_dtype())),
                "scaled": (volume.dataobj.slope, volume.dataobj.inter) != (1.0, 0.0),
                "whole": bool(np.array_equal(hu, np.rint(hu))),
                "tumour_hu": float(hu[tumour].mean()) if tumour.any() else None,
                "lesions": {
                    n: ndimage.label(tumour, ndimage.generate_binary_structure(3, rank))[1]
                    for n, rank in ((6, 1), (26, 3))
                },
                "shape": volume.shape,
                "zooms": zooms,
                "min": int(hu.min()),
                "max": int(hu.max()),
                "labels": set(np.unique(labels).tolist()),
                "liver_ml": float((labels >= 1).sum() * np.prod(zooms) / 1000),
                "liver_hu": float(hu[labels == 1].mean()),
                "codes": "".join(nib.aff2axcodes(volume.affine)),
                "affine_matches": np.allclose(volume.affine, segmentation.affine, atol=1e-4),
            }
        )
    return rows


def test_eight_to_ten_cases_of_512_square_slices_from_74_up(figures, sample):
    assert 8 <= len(figures) <= 10
    assert all(row["shape"][:2] == (512, 512) and row["shape"][2] >= 74 for row in figures)
    assert len({row["shape"][2] for row in figures}) >= 3
    total_bytes = sum(path.stat().st_size for path in sample.rglob("*.nii"))
    assert total_bytes < 1e9


def test_spacings_are_real_thin_and_thick_with_float_noise(figures):
    in_plane = [row["zooms"][0] for row in figures]
    slices = [row["zooms"][2] for row in figures]
    assert all(0.557 <= spacing <= 1.0 for spacing in in_plane)
    assert all(0.69 <= spacing <= 5.01 for spacing in slices)
    assert min(slices) < 0.8  # the real range starts at about 0.7
    assert max(slices) >= 2.5
    noisy = [s for s in slices if abs(s - round(s, 1)) > 1e-6]
    assert noisy
    assert all(abs(s - round(s, 1)) <= 2e-3 for s in noisy)


def test_all_three_orientations_and_one_affine_mismatch(figures):
    assert {row["codes"] for row in figures} == {"LAS", "RAS", "LPS"}
    mismatched = [row["case"].case_id for row in figures if not row["affine_matches"]]
    assert len(mismatched) == 1
    assert 48 <= mismatched[0] <= 52


def test_floors_and_one_extreme_range(figures):
    extreme = [row for row in figures if row["min"] == -10522]
    assert len(extreme) == 1
    assert extreme[0]["max"] == 27572
    floors = {row["min"] for row in figures if row not in extreme}
    assert floors <= {-1024, -2048, -3024}
    assert len(floors) >= 2
    ordinary_maxima = sorted(row["max"] for row in figures if row not in extreme)
    assert ordinary_maxima[0] >= 1023
    assert ordinary_maxima[-1] <= 27572


def test_tumour_free_cases_about_ten_percent_and_tumours_elsewhere(figures):
    tumour_free = [row for row in figures if row["labels"] == {0, 1}]
    assert 1 <= len(tumour_free) <= 2
    assert all(row["labels"] == {0, 1, 2} for row in figures if row not in tumour_free)


def test_liver_volumes_and_enhancement_in_the_real_ranges(figures):
    liver_ml = [row["liver_ml"] for row in figures]
    assert all(542 <= ml <= 3195 for ml in liver_ml)
    assert 900 <= np.median(liver_ml) <= 2300
    liver_hu = [row["liver_hu"] for row in figures]
    assert all(29 - 3 <= hu <= 165 + 3 for hu in liver_hu)
    assert min(liver_hu) < 29 + 25  # an unenhanced liver
    assert max(liver_hu) > 165 - 25  # a portal-venous one


def test_volumes_hold_whole_hu_however_they_are_stored(figures):
    assert all(row["whole"] for row in figures)
    volumes = {(row["stored"][0], row["scaled"]) for row in figures}
    assert {("int16", False), ("float32", False), ("int16", True)} <= volumes
    assert {row["stored"][1] for row in figures} == {"uint8", "float32"}


def test_tumours_mostly_darker_than_the_liver_some_as_bright_some_brighter(figures):
    contrast = [row["tumour_hu"] - row["liver_hu"] for row in figures if row["tumour_hu"]]
    darker = [c for c in contrast if c < -8]
    assert len(darker) > len(contrast) / 2
    assert any(abs(c) <= 8 for c in contrast)
    assert any(c >= 15 for c in contrast)


def test_some_lesions_touch_so_that_6_and_26_connectivity_count_apart(figures):
    apart = [row for row in figures if row["lesions"][6] > row["lesions"][26]]
    assert len(apart) >= 2
