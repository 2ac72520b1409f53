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

PUBLIC = ("volume_table", "case_statistics", "hu_histograms", "dataset_summary")


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
