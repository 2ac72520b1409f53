"""The tiny LiTS stand-in written to disk and read back with nibabel: layout, headers,
affines, labels, tissue intensities, determinism, interrupted generation, the manifest."""

import hashlib
import io
import json
import shutil
import stat
import subprocess
import sys
import time

import nibabel as nib
import numpy as np
import pytest
from scipy import ndimage

from imaging_course.datasets.generation import GenerationError
from imaging_course.datasets.lits.cases import plan_lits
from imaging_course.datasets.lits.generate import generate_lits
from imaging_course.datasets.lits.layout import find_lits_cases
from imaging_course.datasets.lits.nifti_stream import NiftiSlabWriter
from imaging_course.datasets.lits.phantom import (
    AIR,
    CANCELLOUS_BONE,
    CORTICAL_BONE,
    FAT,
    LIVER,
    MUSCLE,
    RIB,
    SLAB_SLICES,
    TABLE,
    TUMOUR,
    draw_anatomy,
    tissue_slab,
)
from imaging_course.datasets.lits.storage import INT16, SCALED_INT16
from imaging_course.datasets.stamp import stamp_path

REAL_ORIENTATIONS = {
    **dict.fromkeys(range(28), "LAS"),
    **dict.fromkeys(range(28, 48), "RAS"),
    **dict.fromkeys(range(48, 53), "LAS"),
    **dict.fromkeys(range(53, 68), "LPS"),
    **dict.fromkeys(range(68, 83), "RAS"),
    **dict.fromkeys(range(83, 131), "LPS"),
}
"""DATASETS.md: LAS (cases 0-27, 48-52), RAS (28-47, 68-82), LPS (53-67, 83-130)."""

NIFTI_DATATYPE_INT16, NIFTI_DATATYPE_UINT8 = 4, 2


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("lits") / "tiny"
    generate_lits(root, scale="tiny", seed=0, progress=False)
    return root


def _hashes(root):
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _array(path):
    return np.asarray(nib.load(path).dataobj)


def test_files_sit_in_the_kaggle_part_folders(tiny):
    cases = find_lits_cases(tiny)
    assert 3 <= len(cases) <= 4
    for case in cases:
        assert case.segmentation == tiny / "segmentations" / f"segmentation-{case.case_id}.nii"
        part = int(case.volume.parent.name.removeprefix("volume_pt"))
        assert (1 <= part <= 5) if case.case_id <= 50 else (6 <= part <= 8)
    names = {path.name for path in tiny.rglob("*") if path.is_file()}
    assert not [name for name in names if name.endswith((".gz", ".part"))]


NIFTI_DATATYPES = {2: "uint8", 4: "int16", 16: "float32"}
"""The NIfTI-1 datatype codes of the dtypes the real files use (nifti1.h)."""


def test_headers_are_uncompressed_nifti1_in_the_real_data_types(tiny):
    seen = set()
    for case in find_lits_cases(tiny):
        for path, role in ((case.volume, "volume"), (case.segmentation, "segmentation")):
            raw = path.read_bytes()
            assert raw[344:348] == b"n+1\x00", path
            # nib.load resets vox_offset in the image's header copy: read the stored one.
            header = nib.Nifti1Header.from_fileobj(io.BytesIO(raw[:352]))
            dtype = NIFTI_DATATYPES[int(header["datatype"])]
            slope, inter = header.get_slope_inter()  # (None, None): no scaling
            scaled = slope is not None and (slope, inter) != (1.0, 0.0)
            seen.add((role, dtype, scaled))
            assert int(header["vox_offset"]) == 352
            assert header["dim"][0] == 3
            nx, ny, nz = header.get_data_shape()
            assert (nx, ny) == (64, 64)
            assert len(raw) == 352 + nx * ny * nz * np.dtype(dtype).itemsize
            values = _array(path)
            assert np.array_equal(values, np.rint(values)), path  # whole HU, whole labels
            if scaled:
                stored = np.asarray(nib.load(path).dataobj.get_unscaled())
                assert np.array_equal(values, slope * stored + inter)
                assert not np.array_equal(values, stored)
    # Every way the real files store their values, among four cases.
    assert seen >= {
        ("volume", "int16", False),
        ("volume", "float32", False),
        ("volume", "int16", True),
        ("segmentation", "uint8", False),
        ("segmentation", "float32", False),
    }
    assert not {role for role, dtype, scaled in seen if role == "segmentation" and scaled}


def test_affines_give_the_real_orientation_of_each_case_number(tiny):
    seen = set()
    for case in find_lits_cases(tiny):
        codes = "".join(nib.aff2axcodes(nib.load(case.volume).affine))
        assert codes == REAL_ORIENTATIONS[case.case_id], case.volume
        seen.add(codes)
    assert len(seen) >= 2


def test_one_segmentation_affine_differs_while_the_arrays_line_up(tiny):
    mismatched = []
    for case in find_lits_cases(tiny):
        volume, segmentation = nib.load(case.volume), nib.load(case.segmentation)
        assert volume.shape == segmentation.shape
        if not np.allclose(volume.affine, segmentation.affine, atol=1e-4):
            mismatched.append(case.case_id)
            # Aligned arrays: the voxels labelled liver hold liver HU, not a flipped mixture.
            hu, labels = _array(case.volume), _array(case.segmentation)
            assert 29 - 30 < hu[labels == 1].mean() < 165 + 30
            assert hu[labels == 1].std() < 40
    assert len(mismatched) == 1
    assert 48 <= mismatched[0] <= 52


def test_labels_are_exactly_0_1_2_and_a_case_is_tumour_free(tiny):
    label_sets = [set(np.unique(_array(c.segmentation)).tolist()) for c in find_lits_cases(tiny)]
    assert {0, 1} in label_sets
    assert all(labels in ({0, 1}, {0, 1, 2}) for labels in label_sets)
    assert label_sets.count({0, 1, 2}) >= 2


def test_liver_volumes_in_ml_are_in_the_real_range(tiny):
    for case in find_lits_cases(tiny):
        image = nib.load(case.segmentation)
        voxel_ml = np.prod(image.header.get_zooms()[:3]) / 1000
        liver_ml = (_array(case.segmentation) >= 1).sum() * voxel_ml
        assert 542 <= liver_ml <= 3195, case.segmentation


def test_minima_and_maxima_are_the_scanner_values(tiny):
    extremes = []
    for case in find_lits_cases(tiny):
        hu = _array(case.volume)
        extremes.append((int(hu.min()), int(hu.max())))
    assert (-10522, 27572) in extremes
    ordinary = [low for low, high in extremes if (low, high) != (-10522, 27572)]
    assert set(ordinary) <= {-1024, -2048, -3024}
    assert all(high >= 1023 for _, high in extremes)


DENSITY_CONTRAST_HU = {"hypodense": (-80, -8), "isodense": (-8, 8), "hyperdense": (15, 70)}
"""Tumour mean minus liver mean (HU) of each density: darker, about the same, brighter."""

TISSUE_RANGES_HU = {
    AIR: (-1024, -960),
    FAT: (-160, -40),
    MUSCLE: (0, 100),
    CORTICAL_BONE: (300, 1500),
    CANCELLOUS_BONE: (100, 550),
    RIB: (250, 900),
    TABLE: (40, 300),
}
"""1st to 99th percentile bounds of each tissue's stored HU."""


def test_tissue_intensities_are_ct_like(tiny):
    """Sample each painted region of the stored volume (the phantom's tissue map says where)."""
    for plan in plan_lits("tiny", 0):
        (case,) = [c for c in find_lits_cases(tiny) if c.case_id == plan.case_id]
        anatomy = draw_anatomy(plan)
        tissue = np.concatenate(
            [tissue_slab(anatomy, start) for start in range(0, plan.shape[2], SLAB_SLICES)], axis=2
        )
        hu, labels = _array(case.volume), _array(case.segmentation)
        assert ((tissue == LIVER) == (labels == 1)).all()
        for code, (low, high) in TISSUE_RANGES_HU.items():
            values = hu[tissue == code]
            assert values.size > 20, code
            assert np.percentile(values, 1) >= low, code
            assert np.percentile(values, 99) <= high, code
        liver_mean = hu[tissue == LIVER].mean()
        assert 29 - 3 <= liver_mean <= 165 + 3
        if (tissue == TUMOUR).any():
            contrast = hu[tissue == TUMOUR].mean() - liver_mean
            # The plan says which density the case was given; its voxels must show it.
            low, high = DENSITY_CONTRAST_HU[plan.lesion_density]
            assert low <= contrast <= high, (plan.case_id, plan.lesion_density, contrast)


def test_same_seed_gives_identical_bytes_and_another_seed_other_values(tiny, tmp_path):
    generate_lits(tmp_path / "again", scale="tiny", seed=0, progress=False)
    generate_lits(tmp_path / "other", scale="tiny", seed=1, progress=False)

    assert _hashes(tmp_path / "again") == _hashes(tiny)
    first = find_lits_cases(tiny)[0]
    other = find_lits_cases(tmp_path / "other")[0]
    assert other.case_id != first.case_id or not np.array_equal(
        _array(other.volume), _array(first.volume)
    )
    assert _hashes(tmp_path / "other") != _hashes(tiny)


def test_a_rerun_after_an_interruption_completes_the_folder(tiny, tmp_path):
    out = tmp_path / "interrupted"
    shutil.copytree(tiny, out)
    # What an interruption leaves: no stamp, the in-progress mark, a temporary file, and
    # some files never written.
    stamp_path(out).rename(out / ".generating")
    (out / "MANIFEST.json").unlink()
    cases = find_lits_cases(out)
    cases[1].volume.unlink()
    cases[2].segmentation.unlink()
    (cases[1].volume.parent / f".{cases[1].volume.name}.x1y2.part").write_bytes(b"\x00" * 100)

    generate_lits(out, scale="tiny", seed=0, progress=False)

    assert _hashes(out) == _hashes(tiny)  # the .part file is gone too
    assert not (out / ".generating").exists()


def _killed_while_writing(command: list[str], out) -> list:
    """Start ``command``, SIGKILL it as soon as a temporary ``.part`` file appears under
    ``out``; the ``.part`` files the kill left (empty if it landed between two files)."""
    process = subprocess.Popen(command)
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if out.exists() and any(out.rglob("*.part")):
            break
        time.sleep(0.002)
    process.kill()
    process.wait()
    return sorted(out.rglob("*.part"))


def test_a_killed_run_leaves_parts_that_the_rerun_removes_and_counts(tiny, tmp_path):
    for attempt in range(5):  # a kill between two files leaves no .part: try again
        out = tmp_path / f"killed-{attempt}"
        command = [sys.executable, "-m", "imaging_course.datasets", "generate", "lits"]
        command += ["--scale", "tiny", "--seed", "0", "--out", str(out), "--quiet"]
        parts = _killed_while_writing(command, out)
        if parts:
            break
    assert parts, "no kill landed while a file was being written"
    assert not stamp_path(out).exists()

    rerun = subprocess.run(command, capture_output=True, text=True, check=True)

    assert rerun.stderr == f"{out}: removed {len(parts)} temporary file(s) of an interrupted run\n"
    assert _hashes(out) == _hashes(tiny)


def test_files_are_readable_by_everyone(tiny):
    files = [path for path in tiny.rglob("*") if path.is_file()]
    assert len(files) >= 10
    assert {stat.S_IMODE(path.stat().st_mode) for path in files} == {0o644}


def test_a_failed_write_leaves_no_file_under_the_real_name(tmp_path):
    path = tmp_path / "volume_pt1" / "volume-0.nii"
    writer = NiftiSlabWriter(path, (4, 4, 8), INT16, np.eye(4))
    with pytest.raises(RuntimeError, match="disk gone"), writer:  # noqa: PT012
        writer.write(np.zeros((4, 4, 4), np.int16))
        raise RuntimeError("disk gone")
    assert list(path.parent.iterdir()) == []


def test_too_few_slices_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "volume-0.nii"
    writer = NiftiSlabWriter(path, (4, 4, 8), INT16, np.eye(4))
    with pytest.raises(ValueError, match=r"volume-0\.nii: 4 slices written, 8 expected"), writer:
        writer.write(np.zeros((4, 4, 4), np.int16))
    assert not path.exists()


def test_a_scaled_volume_stores_numbers_that_nibabel_scales_back_to_hu(tmp_path):
    path = tmp_path / "volume-1.nii"
    hu = np.array([-3024, -1024, -1, 0, 41, 3071, 4500, 60], dtype=np.int16).reshape(2, 2, 2)
    with NiftiSlabWriter(path, hu.shape, SCALED_INT16, np.eye(4)) as writer:
        writer.write(hu)
    image = nib.load(path)
    assert image.get_data_dtype() == np.int16
    np.testing.assert_array_equal(np.asarray(image.dataobj), hu)
    np.testing.assert_array_equal(np.asarray(image.dataobj.get_unscaled()), (hu + 1024) * 2)
    with pytest.raises(ValueError, match="cannot store values from"):
        SCALED_INT16.stored(np.array([27572]))


def _lesions(labels: np.ndarray) -> dict[int, int]:
    """Lesions (connected components of label 2) under 6-, 18- and 26-connectivity."""
    tumour = labels == 2
    return {
        neighbours: ndimage.label(tumour, ndimage.generate_binary_structure(3, rank))[1]
        for neighbours, rank in ((6, 1), (18, 2), (26, 3))
    }


@pytest.mark.parametrize("seed", [0, 1, 2, 1234])
def test_lesions_touching_at_an_edge_or_corner_count_apart_by_connectivity(tiny, tmp_path, seed):
    """What a grader needs to tell 6- from 26-connectivity, in every seed (held-out data is
    tiny, with a random seed): cases where 6-connectivity counts more lesions than 26, both an
    edge contact (18 counts as 26) and a corner contact (18 counts as 6)."""
    root = tiny if seed == 0 else tmp_path / f"seed-{seed}"
    generate_lits(root, scale="tiny", seed=seed, progress=False)
    counts = [_lesions(_array(case.segmentation)) for case in find_lits_cases(root)]
    apart = [c for c in counts if c[6] > c[26]]
    assert any(c[18] == c[26] for c in apart), counts  # an edge contact
    assert any(c[18] == c[6] for c in apart), counts  # a corner contact
    manifest = json.loads((root / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["touching_lesions"] == len(apart)


@pytest.mark.parametrize("scale", ["tiny", "sample"])
def test_every_seed_plans_an_edge_and_a_corner_contact(scale):
    for seed in range(200):
        touching = [plan.touching for plan in plan_lits(scale, seed) if not plan.tumour_free]
        assert {"edge", "corner"} <= set(touching), (scale, seed)


def test_the_touching_pair_finds_a_place_in_every_sample_case_that_plans_one():
    for seed in range(8):
        for plan in plan_lits("sample", seed):
            if plan.touching is not None:
                draw_anatomy(plan)  # raises RuntimeError when no place is found


def test_manifest_records_what_was_planted_and_can_be_left_out(tiny, tmp_path):
    manifest = json.loads((tiny / "MANIFEST.json").read_text(encoding="utf-8"))
    kinds = {entry["kind"]: entry for entry in manifest["planted"]}
    assert manifest["counts"] == {
        "affine_mismatch": 1,
        "extreme_range": 1,
        "tumour_free": 1,
        "float_volume": 1,
        "scaled_volume": 1,
        "float_segmentation": 1,
        "isodense_tumours": 1,
        "hyperdense_tumours": 1,
        "touching_lesions": 2,
    }  # and no thin_slices: tiny slices are three times the planned spacing apart
    for entry in manifest["planted"]:
        assert (tiny / entry["path"]).is_file()
    assert "-10522" in kinds["extreme_range"]["detail"]
    assert kinds["affine_mismatch"]["path"].startswith("segmentations/segmentation-")
    assert "scl_slope 0.5, scl_inter -1024" in kinds["scaled_volume"]["detail"]
    stamp = json.loads(stamp_path(tiny).read_text(encoding="utf-8"))
    assert stamp == {"dataset": "lits", "scale": "tiny", "seed": 0, "version": "3"}

    generate_lits(tmp_path / "held-out", scale="tiny", seed=0, progress=False, manifest=False)
    assert not (tmp_path / "held-out" / "MANIFEST.json").exists()
    assert stamp_path(tmp_path / "held-out").exists()


def test_a_bad_scale_is_refused(tmp_path):
    with pytest.raises(GenerationError, match="unknown scale 'huge'"):
        generate_lits(tmp_path / "x", scale="huge", seed=0, progress=False)
