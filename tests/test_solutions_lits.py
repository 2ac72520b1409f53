"""The LiTS reference solution against facts computed here, and the learner stubs' shape.

Facts come from the generated tiny dataset read whole with plain NumPy (fine at tiny scale)
and from small cases written here with nibabel whose answers are worked out by hand: lesions
that cross slab borders, a float volume, a volume far longer than a slab.
"""

import ast
import importlib.util
import inspect
import json
import math
import tracemalloc
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from scipy import ndimage

from imaging_course.datasets.lits.generate import generate_lits
from imaging_course.datasets.lits.layout import find_lits_cases
from imaging_course.datasets.paths import REPO_ROOT

PUBLIC = (
    "volume_table",
    "case_statistics",
    "hu_histograms",
    "dataset_summary",
    "storage_table",
    "label_values",
    "slice_geometry",
    "class_balance",
    "lesion_sizes",
    "window_qa",
)


def _load(folder: str):
    path = REPO_ROOT / folder / "lits_eda.py"
    spec = importlib.util.spec_from_file_location(f"{folder}_lits_eda", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


solution = _load("solutions")
exercise = _load("exercises")


@pytest.fixture(scope="session")
def lits_tiny(tmp_path_factory) -> Path:
    """A tiny LiTS stand-in generated for these tests (seed 3)."""
    root = tmp_path_factory.mktemp("lits") / "lits-tiny"
    generate_lits(root, scale="tiny", seed=3, progress=False)
    return root


def _whole(path: Path) -> np.ndarray:
    """The stored array whole (tests only: the solution must never do this)."""
    return np.asarray(nib.load(path).dataobj)


def _axis_codes(affine: np.ndarray) -> str:
    """Orientation codes worked out by hand: the direction each array axis points in."""
    letters = (("L", "R"), ("P", "A"), ("I", "S"))
    codes = []
    for axis in range(3):
        column = affine[:3, axis]
        world = int(np.argmax(np.abs(column)))
        codes.append(letters[world][int(column[world] > 0)])
    return "".join(codes)


def _write_case(root: Path, case_id: int, hu, labels: np.ndarray, affine) -> None:
    """One case in the Kaggle layout: volume_pt1/volume-N.nii, segmentations/segmentation-N.nii.

    ``hu`` is an array of HU or a ready volume image (another dtype, a scaling); ``labels``
    keep their dtype when it is float32, else are stored as uint8."""
    (root / "volume_pt1").mkdir(parents=True, exist_ok=True)
    (root / "segmentations").mkdir(parents=True, exist_ok=True)
    volume = hu if isinstance(hu, nib.Nifti1Image) else nib.Nifti1Image(hu, affine)
    nib.save(volume, root / "volume_pt1" / f"volume-{case_id}.nii")
    stored = labels if labels.dtype == np.float32 else labels.astype(np.uint8)
    nib.save(
        nib.Nifti1Image(stored, affine), root / "segmentations" / f"segmentation-{case_id}.nii"
    )


def test_volume_table_matches_the_headers_and_arrays(lits_tiny):
    table = solution.volume_table(lits_tiny).set_index("case_id")
    cases = find_lits_cases(lits_tiny)
    assert sorted(table.index) == [case.case_id for case in cases]
    assert len(cases) == len(list(lits_tiny.glob("volume_pt*/volume-*.nii")))
    for case in cases:
        volume, segmentation = nib.load(case.volume), nib.load(case.segmentation)
        row = table.loc[case.case_id]
        assert (row["nx"], row["ny"], row["nz"]) == volume.shape
        assert row["spacing_x_mm"] == pytest.approx(np.linalg.norm(volume.affine[:3, 0]), rel=1e-5)
        assert row["spacing_z_mm"] == pytest.approx(np.linalg.norm(volume.affine[:3, 2]), rel=1e-5)
        assert row["orientation"] == _axis_codes(volume.affine)
        hu = _whole(case.volume)
        assert (row["hu_min"], row["hu_max"]) == (hu.min(), hu.max())
        difference = np.abs(volume.affine - segmentation.affine).max()
        assert row["affine_matches"] == (difference <= 1e-4)


def test_tiny_data_covers_what_the_table_must_tell_apart(lits_tiny):
    table = solution.volume_table(lits_tiny)
    assert table["orientation"].nunique() >= 2
    assert not table["affine_matches"].all()


def test_case_statistics_equal_whole_array_numpy(lits_tiny):
    statistics = solution.case_statistics(lits_tiny).set_index("case_id")
    for case in find_lits_cases(lits_tiny):
        hu, labels = _whole(case.volume).astype(np.float64), _whole(case.segmentation)
        zooms_mm = np.asarray(nib.load(case.volume).header.get_zooms()[:3], dtype=np.float64)
        voxel_ml = zooms_mm.prod() / 1000
        row = statistics.loc[case.case_id]
        liver, tumour = labels >= 1, labels == 2
        assert row["liver_ml"] == pytest.approx(liver.sum() * voxel_ml, rel=1e-9)
        assert row["tumour_ml"] == pytest.approx(tumour.sum() * voxel_ml, rel=1e-9)
        expected_burden = tumour.sum() / liver.sum() if liver.any() else 0.0
        assert row["tumour_burden"] == pytest.approx(expected_burden, rel=1e-9)
        _, lesions = ndimage.label(tumour, structure=np.ones((3, 3, 3)))
        assert row["lesion_count"] == lesions
        assert row["liver_hu_mean"] == pytest.approx(hu[labels == 1].mean(), rel=1e-9)
        assert row["liver_hu_std"] == pytest.approx(hu[labels == 1].std(), rel=1e-6)
        if tumour.any():
            assert row["tumour_hu_mean"] == pytest.approx(hu[tumour].mean(), rel=1e-9)
            assert row["tumour_hu_std"] == pytest.approx(hu[tumour].std(), rel=1e-6)
        else:
            assert math.isnan(row["tumour_hu_mean"])
            assert math.isnan(row["tumour_hu_std"])
        slices = np.flatnonzero(liver.any(axis=(0, 1)))
        spacing_z = nib.load(case.volume).header.get_zooms()[2]
        expected_extent = (slices[-1] - slices[0] + 1) * spacing_z if slices.size else 0.0
        assert row["liver_extent_mm"] == pytest.approx(expected_extent, rel=1e-6)


def test_lesions_crossing_slab_borders_are_counted_once(tmp_path):
    slab = solution.SLAB_SLICES
    labels = np.zeros((12, 10, 3 * slab), dtype=np.uint8)
    labels[1:11, 1:9, :] = 1
    labels[2:4, 2:4, slab - 2 : slab + 2] = 2  # one lesion straight across the first border
    labels[6, 6, 2 * slab - 1] = 2  # and one touching only by a corner across the second
    labels[7, 7, 2 * slab] = 2
    labels[9, 2, 5] = 2  # a lone voxel
    labels[9, 7, 5] = 2  # another, four voxels away: not touching
    hu = np.full(labels.shape, -1000, dtype=np.int16)
    _write_case(tmp_path, 0, hu, labels, np.diag([-0.8, -0.8, 2.0, 1.0]))

    row = solution.case_statistics(tmp_path).iloc[0]

    assert row["lesion_count"] == 4
    assert row["liver_extent_mm"] == pytest.approx(3 * slab * 2.0)


def test_a_case_with_labels_outside_0_1_2_is_left_out_by_name(tmp_path):
    labels = np.zeros((4, 4, 4), dtype=np.uint8)
    labels[1, 1, 1] = 3
    _write_case(tmp_path, 5, np.zeros((4, 4, 4), np.int16), labels, np.eye(4))
    labels[1, 1, 1] = 1
    _write_case(tmp_path, 6, np.zeros((4, 4, 4), np.int16), labels, np.eye(4))

    with pytest.warns(solution.LeftOutWarning, match=r"segmentation-5\.nii: label 3 is not"):
        statistics = solution.case_statistics(tmp_path)

    assert list(statistics["case_id"]) == [6]


def _warned(function, *arguments, **options) -> tuple[object, list[str]]:
    """``function``'s result and the messages of the warnings it gave, which must say what
    they left out."""
    with pytest.warns(UserWarning, match="left out") as caught:
        result = function(*arguments, **options)
    return result, [str(warning.message) for warning in caught]


def _lesions(tumour: np.ndarray) -> int:
    return ndimage.label(tumour, structure=np.ones((3, 3, 3)))[1]


def test_real_kinds_of_files_are_read_or_left_out_never_misread(lits_kinds):
    """4-D files of one frame read as volumes; NaN voxels leave the HU statistics (not the
    volumes); float labels outside 0, 1, 2 leave their case out; 4-D files of several frames,
    NIfTI-2 and CIFTI-2 files are no case. Each with a warning naming its file."""
    cases = lits_kinds.cases
    labelled = {name: kind for name, kind in cases.items() if kind.labels is not None}
    readable = {name: kind for name, kind in cases.items() if kind.hu is not None}

    table, table_warnings = _warned(solution.volume_table, lits_kinds.root)
    statistics, statistics_warnings = _warned(solution.case_statistics, lits_kinds.root)
    histograms, histogram_warnings = _warned(
        solution.hu_histograms, lits_kinds.root, bin_edges=[-1100, -500, 0, 100, 200]
    )
    table, statistics = table.set_index("case_id"), statistics.set_index("case_id")

    assert sorted(table.index) == sorted(kind.case_id for kind in readable.values())
    for kind in readable.values():
        row = table.loc[kind.case_id]
        assert (row["nx"], row["ny"], row["nz"]) == kind.hu.shape
        assert (row["hu_min"], row["hu_max"]) == (np.nanmin(kind.hu), np.nanmax(kind.hu))
    assert sorted(statistics.index) == sorted(kind.case_id for kind in labelled.values())
    expected = np.zeros((3, 4), dtype=np.int64)
    for kind in labelled.values():
        row = statistics.loc[kind.case_id]
        liver = kind.labels == 1
        assert row["liver_ml"] == pytest.approx((kind.labels >= 1).sum() * 0.8 * 0.8 * 2.5 / 1000)
        hu = kind.hu.astype(np.float64)
        assert row["liver_hu_mean"] == pytest.approx(np.nanmean(hu[liver]), rel=1e-9)
        assert row["tumour_hu_std"] == pytest.approx(np.nanstd(hu[kind.labels == 2]), rel=1e-6)
        assert row["lesion_count"] == _lesions(kind.labels == 2)
        for label in (0, 1, 2):
            values = kind.hu[(kind.labels == label) & ~np.isnan(kind.hu)]
            expected[label] += np.histogram(
                np.clip(values, -1100, 200), [-1100, -500, 0, 100, 200]
            )[0]
    assert [histograms[name] for name in ("background", "liver", "tumour")] == expected.tolist()

    messages = table_warnings + statistics_warnings + histogram_warnings
    nan_volume = f"volume-{cases['nan_voxels'].case_id}.nii:"
    assert [
        m.split(", left out of the ")[1] for m in messages if f"{nan_volume} 9 voxels are NaN" in m
    ] == ["HU range", "histograms"]
    # case_statistics leaves out the NaN voxels of liver and tumour; background is not read.
    assert sum(f"{nan_volume} 6 voxels are NaN" in message for message in statistics_warnings) == 1
    bad_labels = f"segmentation-{cases['float_labels_outside_0_1_2'].case_id}.nii: label 1.5"
    assert sum(bad_labels in message for message in messages) == 2  # case statistics, histograms
    for name in lits_kinds.left_out_by_the_headers:
        assert sum(f"volume-{cases[name].case_id}.nii: left out" in m for m in messages) == 3


@pytest.mark.parametrize(
    ("volume_dtype", "slope", "labels_dtype"),
    [(np.int16, 1.0, np.uint8), (np.float32, 1.0, np.float32), (np.int16, 0.5, np.uint8)],
)
def test_case_statistics_memory_stays_near_a_slab(tmp_path, volume_dtype, slope, labels_dtype):
    """Whatever the files store: a scaled int16 volume reads as float64 (4 times its bytes),
    float32 labels are 4 times uint8's."""
    shape = (128, 128, 40 * solution.SLAB_SLICES)
    hu = np.random.default_rng(0).integers(-1024, 400, shape, dtype=np.int16)
    labels = np.zeros(shape, dtype=np.uint8)
    labels[30:90, 30:90, 10:-10] = 1
    labels[50:60, 50:60, 100:200] = 2
    whole_volume_bytes = hu.nbytes  # 20 MB as int16; get_fdata would need 4 times that
    volume = nib.Nifti1Image((hu / slope).astype(volume_dtype), np.diag([0.7, 0.7, 1.0, 1.0]))
    volume.header.set_slope_inter(slope, 0.0)
    _write_case(tmp_path, 0, volume, labels.astype(labels_dtype), volume.affine)
    del hu, labels, volume

    tracemalloc.start()
    try:
        solution.case_statistics(tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < whole_volume_bytes / 4


def test_hu_histograms_equal_numpy_histogram(lits_tiny):
    edges = np.arange(-1024, 1024 + 16, 16, dtype=float)
    expected = {"background": 0, "liver": 0, "tumour": 0}
    for case in find_lits_cases(lits_tiny):
        hu, labels = _whole(case.volume).astype(np.float64), _whole(case.segmentation)
        for label, name in enumerate(expected):
            clipped = np.clip(hu[labels == label], edges[0], edges[-1])
            expected[name] = expected[name] + np.histogram(clipped, edges)[0]

    histograms = solution.hu_histograms(lits_tiny)

    assert histograms["bin_edges"] == edges.tolist()
    for name, counts in expected.items():
        assert histograms[name] == counts.tolist(), name


def test_hu_histograms_of_a_float_volume_with_custom_edges(tmp_path):
    hu = np.array([-5000.0, -0.5, 0.0, 0.5, 99.9, 100.0, 3000.0, 12.25], dtype=np.float32)
    labels = np.array([0, 1, 1, 2, 1, 2, 0, 0], dtype=np.uint8)
    _write_case(tmp_path, 0, hu.reshape(2, 2, 2), labels.reshape(2, 2, 2), np.eye(4))

    histograms = solution.hu_histograms(tmp_path, bin_edges=[-100, 0, 100])

    # -5000 clips into the first bin, 3000 into the last; 100 is the last bin's closed edge.
    assert histograms["background"] == [1, 2]
    assert histograms["liver"] == [1, 2]
    assert histograms["tumour"] == [0, 2]


def test_dataset_summary_matches_the_files(lits_tiny):
    cases = find_lits_cases(lits_tiny)
    orientations: dict[str, int] = {}
    spacings, tumour_free, mismatched = set(), [], []
    for case in cases:
        volume, segmentation = nib.load(case.volume), nib.load(case.segmentation)
        codes = _axis_codes(volume.affine)
        orientations[codes] = orientations.get(codes, 0) + 1
        spacings.add(round(float(volume.header.get_zooms()[2]), 2))
        if not (_whole(case.segmentation) == 2).any():
            tumour_free.append(case.case_id)
        if np.abs(volume.affine - segmentation.affine).max() > 1e-4:
            mismatched.append(case.case_id)

    summary = solution.dataset_summary(lits_tiny)

    assert summary["n_cases"] == len(cases)
    assert summary["orientation_counts"] == orientations
    assert summary["slice_spacings_mm"] == pytest.approx(sorted(spacings))
    assert summary["tumour_free_cases"] == sorted(tumour_free)
    assert summary["affine_mismatch_cases"] == sorted(mismatched)


def test_dataset_summary_finds_the_planted_cases(lits_tiny):
    manifest = json.loads((lits_tiny / "MANIFEST.json").read_text(encoding="utf-8"))

    def planted(kind: str) -> list[int]:
        return sorted(
            int(Path(entry["path"]).stem.split("-")[1])
            for entry in manifest["planted"]
            if entry["kind"] == kind
        )

    summary = solution.dataset_summary(lits_tiny)

    assert planted("tumour_free")
    assert planted("affine_mismatch")
    assert summary["tumour_free_cases"] == planted("tumour_free")
    assert summary["affine_mismatch_cases"] == planted("affine_mismatch")


def _planted(root: Path, kind: str) -> list[int]:
    """Case ids of the manifest's planted entries of ``kind``."""
    manifest = json.loads((root / "MANIFEST.json").read_text(encoding="utf-8"))
    return sorted(
        int(Path(entry["path"]).stem.split("-")[1])
        for entry in manifest["planted"]
        if entry["kind"] == kind
    )


def test_storage_table_and_label_values_match_the_headers_and_the_values(lits_tiny):
    table = solution.storage_table(lits_tiny).set_index("case_id")
    values = solution.label_values(lits_tiny)
    assert sorted(values) == sorted(table.index)
    for case in find_lits_cases(lits_tiny):
        volume, segmentation = nib.load(case.volume), nib.load(case.segmentation)
        row = table.loc[case.case_id]
        # The file's own header: nib.load moves the scaling out of the image's header.
        with case.volume.open("rb") as file:
            slope, inter = nib.Nifti1Header.from_fileobj(file).get_slope_inter()
        assert row["volume_dtype"] == np.dtype(volume.get_data_dtype()).name
        assert (row["scl_slope"], row["scl_inter"]) == (slope or 1.0, inter or 0.0)
        assert row["segmentation_dtype"] == np.dtype(segmentation.get_data_dtype()).name
        assert values[case.case_id] == np.unique(_whole(case.segmentation)).tolist()
    # The tiny data has every kind of storage the table must tell apart.
    for kind, column, value in (
        ("float_volume", "volume_dtype", "float32"),
        ("float_segmentation", "segmentation_dtype", "float32"),
    ):
        assert _planted(lits_tiny, kind)
        assert (table.loc[_planted(lits_tiny, kind), column] == value).all()
    scaled = _planted(lits_tiny, "scaled_volume")
    assert scaled
    assert (table.loc[scaled, "scl_slope"] != 1.0).all()
    for case_id in _planted(lits_tiny, "tumour_free"):
        assert values[case_id] == [0.0, 1.0]


def test_label_values_list_nan_once_and_last_and_any_value(tmp_path):
    labels = np.zeros((4, 4, 40), dtype=np.float32)
    labels[1, 1, 1], labels[2, 2, 30], labels[3, 3, 35] = 2.0, np.nan, np.nan
    _write_case(tmp_path, 0, np.zeros((4, 4, 40), np.int16), labels, np.eye(4))
    odd = np.zeros((4, 4, 40), dtype=np.float32)
    odd[0, 0, 0], odd[1, 1, 20], odd[2, 2, 39] = 1.5, 300.0, -1.0  # beyond the fast path
    _write_case(tmp_path, 1, np.zeros((4, 4, 40), np.int16), odd, np.eye(4))

    found = solution.label_values(tmp_path)
    values = found[0]

    assert found[1] == [-1.0, 0.0, 1.5, 300.0]
    assert values[:2] == [0.0, 2.0]
    assert len(values) == 3
    assert math.isnan(values[2])


def test_slice_geometry_from_the_headers_alone(tmp_path):
    # 75 slices of 2.5 mm cover 187.5 mm: 188 slices of 1 mm (half up, not half to even).
    _write_case(tmp_path, 0, np.zeros((6, 4, 75), np.int16), np.zeros((6, 4, 75)),
                np.diag([0.8, 0.8, 2.5, 1.0]))  # fmt: skip
    thin = nib.Nifti1Image(np.zeros((6, 4, 30), np.float32), np.diag([-0.7, 0.7, 0.7, 1.0]))
    _write_case(tmp_path, 1, thin, np.zeros((6, 4, 30)), thin.affine)

    table = solution.slice_geometry(tmp_path).set_index("case_id")

    thick, thin_row = table.loc[0], table.loc[1]
    assert (thick["slices"], thick["slices_at_1mm"]) == (75, 188)
    assert thick["fov_x_mm"] == pytest.approx(6 * 0.8)
    assert thick["fov_y_mm"] == pytest.approx(4 * 0.8)
    assert thick["extent_z_mm"] == pytest.approx(187.5)
    assert thick["stored_mb"] == pytest.approx(6 * 4 * 75 * 2 / 1e6)
    assert thick["resampled_mb"] == pytest.approx(6 * 4 * 188 * 4 / 1e6)
    assert thin_row["slice_spacing_mm"] == pytest.approx(0.7)
    assert (thin_row["slices"], thin_row["slices_at_1mm"]) == (30, 30)  # thin slices stay
    assert thin_row["stored_mb"] == pytest.approx(6 * 4 * 30 * 4 / 1e6)


def test_slice_geometry_matches_the_headers_of_the_tiny_data(lits_tiny):
    table = solution.slice_geometry(lits_tiny).set_index("case_id")
    for case in find_lits_cases(lits_tiny):
        volume = nib.load(case.volume)
        nx, ny, nz = volume.shape
        spacing = [np.linalg.norm(volume.affine[:3, axis]) for axis in range(3)]
        row = table.loc[case.case_id]
        assert row["slices"] == nz
        assert row["fov_x_mm"] == pytest.approx(nx * spacing[0], rel=1e-5)
        assert row["fov_y_mm"] == pytest.approx(ny * spacing[1], rel=1e-5)
        at_1mm = nz if spacing[2] <= 1.0 else int(np.floor(nz * spacing[2] + 0.5))
        assert row["slices_at_1mm"] == at_1mm
    # Tiny slices are three times the real ones (2.1 mm and up): the thin ones that keep their
    # slices are tested by hand above.
    assert (table["slices_at_1mm"] > table["slices"]).all()


def test_class_balance_equals_whole_array_numpy(lits_tiny):
    table = solution.class_balance(lits_tiny).set_index("case_id")
    for case in find_lits_cases(lits_tiny):
        labels = _whole(case.segmentation)
        row = table.loc[case.case_id]
        assert row["liver_voxel_fraction"] == pytest.approx((labels >= 1).mean(), rel=1e-12)
        assert row["tumour_voxel_fraction"] == pytest.approx((labels == 2).mean(), rel=1e-12)
        liver_slices = (labels >= 1).any(axis=(0, 1))
        assert row["liver_slice_fraction"] == pytest.approx(liver_slices.mean(), rel=1e-12)
        tumour_slices = (labels == 2).any(axis=(0, 1))
        assert row["tumour_slice_fraction"] == pytest.approx(tumour_slices.mean(), rel=1e-12)
    # The per-slice share is far above the per-voxel one: the lesson of the task.
    assert (table["tumour_slice_fraction"] > 5 * table["tumour_voxel_fraction"]).any()


def _equivalent_diameters(voxels, voxel_mm3: float) -> list[float]:
    return sorted(((6 * n * voxel_mm3 / math.pi) ** (1 / 3) for n in voxels), reverse=True)


def test_lesion_sizes_by_hand_across_slab_borders(tmp_path):
    slab = solution.SLAB_SLICES
    labels = np.zeros((12, 10, 3 * slab), dtype=np.uint8)
    labels[1:11, 1:9, :] = 1
    labels[2:4, 2:4, slab - 2 : slab + 2] = 2  # 16 voxels across the first border
    labels[6, 6, 2 * slab - 1] = 2  # 2 voxels touching by a corner across the second
    labels[7, 7, 2 * slab] = 2
    labels[9, 2, 5] = 2  # a lone voxel: on one slice
    labels[9, 7, 5:7] = 2  # 2 voxels on two slices
    hu = np.zeros(labels.shape, dtype=np.int16)
    _write_case(tmp_path, 0, hu, labels, np.diag([-0.8, -0.8, 2.0, 1.0]))

    sizes = solution.lesion_sizes(tmp_path)

    voxel_mm3 = 0.8 * 0.8 * 2.0
    diameters = _equivalent_diameters([16, 2, 1, 2], voxel_mm3)
    assert sizes["diameters_mm"][0] == pytest.approx(diameters)
    assert sizes["lesions_below_10mm"] == {0: 4}  # 16 voxels of 1.28 mm3: a 3.4 mm sphere
    assert sizes["one_slice_lesions"] == {0: 1}


def test_lesion_sizes_equal_whole_array_labelling(lits_tiny):
    sizes = solution.lesion_sizes(lits_tiny)
    for case in find_lits_cases(lits_tiny):
        labels = _whole(case.segmentation)
        components, count = ndimage.label(labels == 2, structure=np.ones((3, 3, 3)))
        voxels = np.bincount(components.ravel(), minlength=count + 1)[1:]
        zooms = nib.load(case.volume).header.get_zooms()[:3]
        voxel_mm3 = math.prod(float(zoom) for zoom in zooms)  # float64: float32 loses digits
        diameters = _equivalent_diameters(voxels, voxel_mm3)
        assert sizes["diameters_mm"][case.case_id] == pytest.approx(diameters, rel=1e-9)
        assert sizes["lesions_below_10mm"][case.case_id] == sum(d < 10 for d in diameters)
        spans = [box[2].stop - box[2].start for box in ndimage.find_objects(components)]
        assert sizes["one_slice_lesions"][case.case_id] == spans.count(1)
    assert sum(map(len, sizes["diameters_mm"].values())) > 0  # tiny voxels: few small ones


def test_window_qa_of_a_scaled_volume_by_hand(tmp_path):
    labels = np.zeros((6, 6, 20), dtype=np.uint8)
    labels[1:5, 1:5, 3:12] = 1
    labels[1:5, 1:5, 7] = 0  # slice 7 holds less liver
    labels[2, 2, 9] = 2  # tumour counts as liver for the slice, not for the HU
    hu = np.full(labels.shape, -1000.0)
    hu[labels == 1] = 90.0
    hu[1, 1:5, 3:12] = 120.0  # 4 voxels per slice above the window's top (105 HU)
    hu[labels == 2] = 500.0
    volume = nib.Nifti1Image(((hu + 1024) / 0.5).astype(np.int16), np.diag([0.7, 0.7, 5, 1]))
    volume.header.set_slope_inter(0.5, -1024.0)
    _write_case(tmp_path, 0, volume, labels, volume.affine)

    row = solution.window_qa(tmp_path).iloc[0]

    assert row["slice_index"] == 3  # the first of the slices with 16 liver voxels
    assert row["liver_hu_mean"] == pytest.approx((12 * 90 + 4 * 120) / 16)
    assert row["liver_grey_mean"] == pytest.approx((12 * (90 + 45) / 150 + 4 * 1.0) / 16)
    assert row["liver_white_fraction"] == pytest.approx(4 / 16)
    wide = solution.window_qa(tmp_path, level=60.0, width=400.0).iloc[0]
    assert wide["liver_white_fraction"] == 0.0


def test_window_qa_equals_whole_array_numpy(lits_tiny):
    table = solution.window_qa(lits_tiny).set_index("case_id")
    for case in find_lits_cases(lits_tiny):
        labels = _whole(case.segmentation)
        hu = np.asarray(nib.load(case.volume).get_fdata(), dtype=np.float64)
        index = int(np.argmax((labels >= 1).sum(axis=(0, 1))))
        liver = hu[:, :, index][labels[:, :, index] == 1]
        row = table.loc[case.case_id]
        assert row["slice_index"] == index
        assert row["liver_hu_mean"] == pytest.approx(liver.mean(), rel=1e-9)
        grey = np.clip((liver + 45) / 150, 0, 1)
        assert row["liver_grey_mean"] == pytest.approx(grey.mean(), rel=1e-9)
        assert row["liver_white_fraction"] == pytest.approx((liver >= 105).mean(), rel=1e-12)


@pytest.mark.parametrize("name", ["label_values", "class_balance", "lesion_sizes", "window_qa"])
def test_new_tasks_memory_stays_near_a_slab(tmp_path, name):
    """The tasks that read voxels read slabs, as case_statistics does; slice_geometry reads
    none."""
    shape = (128, 128, 40 * solution.SLAB_SLICES)
    labels = np.zeros(shape, dtype=np.float32)
    labels[30:90, 30:90, 10:-10] = 1
    labels[50:60, 50:60, 100:200] = 2
    labels[20, 20, 300] = 2
    whole_labels_bytes = labels.nbytes  # 40 MB as float32
    hu = np.full(shape, 40, dtype=np.int16)
    _write_case(tmp_path, 0, hu, labels, np.diag([0.7, 0.7, 1.0, 1.0]))
    del hu, labels

    tracemalloc.start()
    try:
        getattr(solution, name)(tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < whole_labels_bytes / 8


@pytest.mark.parametrize("name", PUBLIC)
def test_exercise_stub_has_the_solution_signature_and_docstring(name):
    stub, reference = getattr(exercise, name), getattr(solution, name)
    assert inspect.signature(stub) == inspect.signature(reference)
    assert inspect.getdoc(stub) == inspect.getdoc(reference)
    assert "Hints" in inspect.getdoc(stub)
    arguments = [None] * len(inspect.signature(stub).parameters)
    with pytest.raises(NotImplementedError, match=name):
        stub(*arguments)


def test_exercise_and_solution_offer_the_same_functions():
    def public(module):
        return {
            name
            for name, value in vars(module).items()
            if inspect.isfunction(value) and value.__module__ == module.__name__
            if not name.startswith("_")
        }

    assert public(exercise) == public(solution) == set(PUBLIC)


def test_exercise_imports_nothing_but_what_a_learner_has():
    tree = ast.parse((REPO_ROOT / "exercises" / "lits_eda.py").read_text(encoding="utf-8"))
    imported = {
        alias.name if isinstance(node, ast.Import) else node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= {"pathlib", "pandas", "numpy"}
