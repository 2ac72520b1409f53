"""The SIIM reference solution against facts computed here, and the learner stubs' shape.

Facts come from the generated tiny dataset: files counted on disk, raw header bytes read
without pydicom's value conversion, full pixel decodes, ``train-rle.csv`` parsed with the
``csv`` module, the course's own RLE codec, and the planted problems listed in MANIFEST.json.
Small edits of generated files (an age written ``038Y``, headers cut short) check the rest.
"""

import ast
import csv
import importlib.util
import inspect
import json
import math
import shutil
import struct
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
import pytest
from scipy.stats import binomtest

from imaging_course.datasets.paths import REPO_ROOT
from imaging_course.datasets.siim.generate import _picture_rng, generate_siim
from imaging_course.datasets.siim.plan import SIIM_SCALES, plan_siim
from imaging_course.datasets.siim.radiograph import draw_chest_anatomy, draw_pneumothorax_specs
from imaging_course.datasets.siim.rle import decode_siim_rle, encode_siim_rle

PUBLIC = (
    "scan_dicom_headers",
    "demographics",
    "decode_rle",
    "label_statistics",
    "mask_statistics",
    "intensity_statistics",
    "duplicate_images",
    "data_quality_report",
    "pneumothorax_prevalence",
    "mask_geometry",
    "header_consistency",
    "split_comparison",
)
IMAGE_FOLDERS = ("dicom-images-train", "dicom-images-test")


def _load(folder: str):
    path = REPO_ROOT / folder / "siim_eda.py"
    spec = importlib.util.spec_from_file_location(f"{folder}_siim_eda", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


solution = _load("solutions")
exercise = _load("exercises")


@pytest.fixture(scope="session")
def siim_tiny(tmp_path_factory) -> Path:
    """A tiny SIIM stand-in generated for these tests (seed 3), with its MANIFEST.json."""
    root = tmp_path_factory.mktemp("siim") / "siim-tiny"
    generate_siim(root, scale="tiny", seed=3, progress=False)
    return root


@pytest.fixture(scope="session")
def scan(siim_tiny) -> dict:
    """The solution's header scan of the tiny dataset (run once, read by many tests)."""
    return solution.scan_dicom_headers(siim_tiny)


def _dicom_files(root: Path) -> dict[str, Path]:
    """Every ``.dcm`` under the two image folders, by path relative to ``root``."""
    return {
        path.relative_to(root).as_posix(): path
        for folder in IMAGE_FOLDERS
        for path in sorted((root / folder).rglob("*.dcm"))
    }


def _decodes(path: Path) -> bool:
    """Whether the whole file reads and its pixels decode (the unreadable files do not)."""
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Invalid value for VR AS")
            pydicom.dcmread(path).pixel_array  # noqa: B018  (decoding is the check)
    except Exception:  # any failure at all counts as unreadable for this oracle
        return False
    return True


def _raw_text(dataset: pydicom.Dataset, keyword: str) -> str:
    """An attribute's stored bytes as text, without pydicom's conversion (or its warnings)."""
    element = dataset.get_item(keyword)
    return "" if element is None or element.value is None else element.value.decode().strip()


def _csv_rows(root: Path, name: str = "train-rle.csv") -> list[tuple[str, str]]:
    with (root / name).open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        return [(image_id.strip(), rle.strip()) for image_id, rle in reader]


def _planted(root: Path, *kinds: str) -> list[dict]:
    """The MANIFEST.json entries of these kinds (what the generator planted on purpose)."""
    manifest = json.loads((root / "MANIFEST.json").read_text(encoding="utf-8"))
    return [entry for entry in manifest["planted"] if entry["kind"] in kinds]


def _planted_paths(root: Path, *kinds: str) -> set[str]:
    return {entry["path"] for entry in _planted(root, *kinds)}


def _planted_ids(root: Path, *kinds: str) -> set[str]:
    return {Path(path).stem for path in _planted_paths(root, *kinds)}


def _readable_headers(root: Path, scan: dict) -> dict[str, pydicom.Dataset]:
    unreadable = {entry["path"] for entry in scan["unreadable"]}
    return {
        path.stem: pydicom.dcmread(path, stop_before_pixels=True)
        for relative, path in _dicom_files(root).items()
        if relative not in unreadable
    }


def test_scan_accounts_for_every_file_on_disk(siim_tiny, scan):
    files = _dicom_files(siim_tiny)
    table = scan["table"]
    unreadable = [entry["path"] for entry in scan["unreadable"]]
    assert len(table) + len(unreadable) == len(files)
    assert unreadable == sorted(unreadable)
    assert set(unreadable) == {relative for relative, path in files.items() if not _decodes(path)}
    assert all(entry["reason"] for entry in scan["unreadable"])
    splits = {Path(relative).stem: relative.split("/")[0] for relative in files}
    for image_id, split in zip(table["image_id"], table["split"], strict=True):
        assert splits[image_id] == f"dicom-images-{split}"


def test_scan_lists_the_planted_damaged_files(siim_tiny, scan):
    planted = _planted_paths(siim_tiny, "truncated", "not_dicom")
    assert len(planted) >= 2
    assert {entry["path"] for entry in scan["unreadable"]} == planted


def test_scan_values_equal_the_raw_header_bytes(siim_tiny, scan):
    table = scan["table"].set_index("image_id")
    for image_id, dataset in _readable_headers(siim_tiny, scan).items():
        row = table.loc[image_id]
        age_text = _raw_text(dataset, "PatientAge").removesuffix("Y")
        if age_text:
            assert row["age"] == float(age_text)
        else:
            assert math.isnan(row["age"])
        assert row["sex"] == _raw_text(dataset, "PatientSex")
        assert row["view"] == _raw_text(dataset, "ViewPosition")
        assert row["patient_id"] == _raw_text(dataset, "PatientID")
        assert (row["rows"], row["columns"]) == (dataset.Rows, dataset.Columns)
        spacing_text = _raw_text(dataset, "PixelSpacing")
        if spacing_text:
            assert row["pixel_spacing_mm"] == float(spacing_text.split("\\")[0])
        else:
            assert math.isnan(row["pixel_spacing_mm"])


def test_scan_prints_no_warning_and_leaves_the_filters_alone(siim_tiny):
    filters_before = list(warnings.filters)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        solution.scan_dicom_headers(siim_tiny)
    assert [str(warning.message) for warning in caught] == []
    assert warnings.filters == filters_before


@pytest.fixture
def small_copy(siim_tiny, scan, tmp_path) -> tuple[Path, list[Path]]:
    """Three readable train files of the tiny set copied into a fresh SIIM folder."""
    root = tmp_path / "siim"
    sources = sorted(
        (siim_tiny / "dicom-images-train").rglob("*.dcm"),
        key=lambda path: path.relative_to(siim_tiny).as_posix(),
    )
    unreadable = {entry["path"] for entry in scan["unreadable"]}
    chosen = [p for p in sources if p.relative_to(siim_tiny).as_posix() not in unreadable][:3]
    copies = []
    for source in chosen:
        target = root / source.relative_to(siim_tiny)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copies.append(target)
    (root / "dicom-images-test").mkdir()
    shutil.copyfile(siim_tiny / "train-rle.csv", root / "train-rle.csv")
    return root, copies


@pytest.mark.parametrize(("stored", "years"), [("038Y", 38.0), ("006M", 0.5), ("71", 71.0)])
def test_ages_are_read_from_bare_and_dicom_forms(small_copy, stored, years):
    root, copies = small_copy
    dataset = pydicom.dcmread(copies[0])
    with warnings.catch_warnings():
        # pydicom validates on assignment and warns about a bare age, as the real data has.
        warnings.filterwarnings("ignore", message="Invalid value for VR AS")
        dataset.PatientAge = stored
    dataset.save_as(copies[0])

    table = solution.scan_dicom_headers(root)["table"].set_index("image_id")

    assert table.loc[copies[0].stem, "age"] == years


@pytest.mark.parametrize("keep", [0.02, 0.3, 0.6, 0.999])
def test_a_file_cut_anywhere_is_listed_not_fatal(small_copy, keep):
    root, copies = small_copy
    data = copies[1].read_bytes()
    copies[1].write_bytes(data[: int(len(data) * keep)])

    with warnings.catch_warnings():
        # A header cut inside a UID makes pydicom warn about the value before failing.
        warnings.filterwarnings("ignore", message="Invalid value for VR UI")
        result = solution.scan_dicom_headers(root)

    assert [entry["path"] for entry in result["unreadable"]] == [
        copies[1].relative_to(root).as_posix()
    ]
    assert sorted(result["table"]["image_id"]) == sorted([copies[0].stem, copies[2].stem])


def _with_corrupted_vr(path: Path, keyword: str) -> None:
    """Overwrite the two VR bytes of ``keyword``'s element with ``CJ``, a VR that does not exist."""
    tag = pydicom.datadict.tag_for_keyword(keyword)
    raw = bytearray(path.read_bytes())
    at = raw.index(struct.pack("<HH", tag >> 16, tag & 0xFFFF), 132)
    raw[at + 4 : at + 6] = b"CJ"
    path.write_bytes(bytes(raw))


def test_a_corrupted_value_representation_is_listed_not_fatal(small_copy):
    root, copies = small_copy
    _with_corrupted_vr(copies[1], "Rows")  # pydicom raises NotImplementedError on reading it
    _with_corrupted_vr(copies[2], "ViewPosition")  # the stored bytes still read "PA" or "AP"

    result = solution.scan_dicom_headers(root)

    (entry,) = result["unreadable"]
    assert entry["path"] == copies[1].relative_to(root).as_posix()
    assert "NotImplementedError" in entry["reason"]
    assert "'CJ'" in entry["reason"]
    assert sorted(result["table"]["image_id"]) == sorted([copies[0].stem, copies[2].stem])


def test_the_stage_2_flat_layout_reads_alike(small_copy, tmp_path):
    _, copies = small_copy
    root = tmp_path / "stage2"
    (root / "stage_2_images").mkdir(parents=True)
    for copy in copies:
        shutil.copyfile(copy, root / "stage_2_images" / copy.name)
    labelled, unlabelled = copies[0].stem, copies[1].stem
    rows = f"ImageId,EncodedPixels\n{labelled},-1\n{labelled},1 2\n{copies[2].stem},-1\n"
    (root / "stage_2_train.csv").write_text(rows, encoding="utf-8")

    table = solution.scan_dicom_headers(root)["table"].set_index("image_id")
    labels = solution.label_statistics(root)

    assert table.loc[labelled, "split"] == "train"
    assert table.loc[unlabelled, "split"] == "test"
    assert labels["images_labelled"] == 2
    assert labels["positive_images"] == 1
    assert labels["files_without_row"] == []


def test_real_kinds_of_files_are_read_or_reported_never_misread(siim_kinds):
    files = siim_kinds.files

    result = solution.scan_dicom_headers(siim_kinds.root)  # pydicom's warnings would fail it

    reasons = {Path(entry["path"]).stem: entry["reason"] for entry in result["unreadable"]}
    assert set(reasons) == {
        files[name].path.stem for name in (*siim_kinds.not_images, "native_cut_short")
    }
    for name in siim_kinds.not_images:
        assert reasons[files[name].path.stem].startswith("not an image: "), name
    assert "truncated" in reasons[files["native_cut_short"].path.stem]
    table = result["table"].set_index("image_id")
    assert sorted(table.index) == sorted(
        files[name].path.stem for name in (*siim_kinds.valid_images, "undecodable_jpeg")
    )
    for name in siim_kinds.valid_images:
        row = table.loc[files[name].path.stem]
        assert (row["rows"], row["columns"]) == files[name].pixels.shape, name
        assert (row["age"], row["view"], row["pixel_spacing_mm"]) == (61.0, "AP", 0.143), name


def test_an_image_cut_anywhere_in_its_header_is_reported_cut_never_read_or_called_no_image(
    siim_kinds, tmp_path
):
    big_endian = siim_kinds.files["big_endian"].path.read_bytes()
    whole = siim_kinds.files["implicit_declared_explicit"].path.read_bytes()
    root = tmp_path / "siim"
    folder = root / "dicom-images-train" / "study" / "series"
    folder.mkdir(parents=True)
    (root / "dicom-images-test").mkdir()
    (root / "train-rle.csv").write_text("ImageId, EncodedPixels\n", encoding="utf-8")
    header_end = whole.index(b"\xe0\x7f\x10\x00")  # the Pixel Data element's tag
    for name, data in (("little", whole), ("big", big_endian)):
        end = data.index(b"\x7f\xe0\x00\x10") if name == "big" else header_end
        for cut in range(132, end + 8):  # past the preamble and "DICM", to the pixel data
            (folder / f"{name}.{cut}.dcm").write_bytes(data[:cut])

    result = solution.scan_dicom_headers(root)

    assert result["table"].empty
    reasons = [entry["reason"] for entry in result["unreadable"]]
    assert len(reasons) == len(list(folder.iterdir()))
    assert not [reason for reason in reasons if reason.startswith("not an image")]
    # Cut inside the file meta group, pydicom finds no valid DICOM; cut later, the file is
    # said to be cut, or an element it cut short to be damaged.
    assert all(reason.startswith(("not DICOM", "truncated", "damaged")) for reason in reasons)
    assert sum("truncated" in reason for reason in reasons) > 0.9 * len(reasons)


def test_an_undecodable_image_is_left_out_of_the_intensities_with_a_warning(siim_kinds):
    files = siim_kinds.files
    pixels = np.concatenate(
        [files[name].pixels.ravel() for name in siim_kinds.valid_images]
    ).astype(float)

    with pytest.warns(
        solution.UndecodablePixelsWarning, match="pixels cannot be decoded"
    ) as caught:
        result = solution.intensity_statistics(siim_kinds.root).set_index("view")

    assert [str(files["undecodable_jpeg"].path) in str(w.message) for w in caught] == [True]
    assert result.loc["AP", "n_images"] == len(siim_kinds.valid_images)
    assert result.loc["AP", "mean"] == pytest.approx(pixels.mean(), rel=1e-12)
    assert result.loc["AP", "std"] == pytest.approx(pixels.std(), rel=1e-9)
    assert solution.duplicate_images(siim_kinds.root) == []


def test_the_stage_2_layout_of_the_generator_reads_alike(tmp_path):
    root = tmp_path / "stage2"
    generate_siim(root, scale="tiny", seed=3, progress=False, layout="stage2")

    table = solution.scan_dicom_headers(root)["table"]
    labels = solution.label_statistics(root)

    splits = dict(zip(table["image_id"], table["split"], strict=True))
    new = {path.stem for path in (root / "stage_2_images").glob("*.dcm")}
    stage1 = {path.stem for path in root.glob("dicom-images-*/*/*/*.dcm")}
    assert {image_id for image_id, split in splits.items() if split == "test"} == new
    assert {image_id for image_id, split in splits.items() if split == "train"} <= stage1
    assert set(labels["files_without_row"]) == _planted_ids(root, "no_label_row")
    assert set(labels["rows_without_file"]) == _planted_ids(root, "row_without_file")
    assert labels["images_labelled"] == len(
        {image_id for image_id, _ in _csv_rows(root, "stage_2_train.csv")}
    )


def test_demographics_on_a_hand_made_table():
    table = pd.DataFrame(
        {
            "image_id": ["a", "b", "c", "d", "e", "f"],
            "age": [30.0, 40.0, 50.0, 148.0, -1.0, math.nan],
            "sex": ["M", "F", "M", "M", "", "F"],
            "view": ["PA", "AP", "PA", "", "PA", "AP"],
        }
    )

    result = solution.demographics(table)

    assert result["sex_counts"] == {"M": 3, "F": 2}
    assert result["view_counts"] == {"PA": 3, "AP": 2}
    assert (result["age_mean"], result["age_median"]) == (40.0, 40.0)
    assert (result["age_min"], result["age_max"]) == (30.0, 50.0)
    assert result["impossible_ages"] == ["d", "e"]


def test_decode_rle_hand_worked_example():
    # Width 4, height 3; pixels numbered down each column. Starts: 1; then 3 + 3 = 6.
    mask = solution.decode_rle("1 2 3 1", width=4, height=3)
    expected = np.array([[0, 0, 255, 0], [255, 0, 0, 0], [255, 0, 0, 0]], dtype=np.uint8)
    assert mask.dtype == np.uint8
    np.testing.assert_array_equal(mask, expected)


@pytest.mark.parametrize("empty", [" -1", "-1"])
def test_decode_rle_of_no_mask_is_all_zero(empty):
    mask = solution.decode_rle(empty, width=48, height=32)
    assert mask.shape == (32, 48)
    assert not mask.any()


def test_decode_rle_agrees_with_the_course_codec():
    rng = np.random.default_rng(7)
    for _ in range(5):
        mask = np.zeros((40, 56), dtype=np.uint8)
        for _ in range(3):
            row, column = rng.integers(0, 30), rng.integers(0, 46)
            mask[row : row + rng.integers(1, 10), column : column + rng.integers(1, 10)] = 255
        rle = encode_siim_rle(mask)
        np.testing.assert_array_equal(solution.decode_rle(rle, width=56, height=40), mask)


@pytest.mark.parametrize(
    ("rle", "problem"), [("0 5 2", "odd count"), ("10 20", "beyond the 4 x 4 image")]
)
def test_decode_rle_rejects_a_broken_string(rle, problem):
    with pytest.raises(ValueError, match=problem):
        solution.decode_rle(rle, width=4, height=4)


def test_label_statistics_count_images_not_rows(siim_tiny):
    rows = _csv_rows(siim_tiny)
    labelled = {image_id for image_id, _ in rows}
    masks_per_image: dict[str, int] = {}
    for image_id, rle in rows:
        if rle != "-1":
            masks_per_image[image_id] = masks_per_image.get(image_id, 0) + 1
    train_ids = {path.stem for path in (siim_tiny / "dicom-images-train").rglob("*.dcm")}

    result = solution.label_statistics(siim_tiny)

    assert result["images_labelled"] == len(labelled)
    assert result["positive_images"] == len(masks_per_image)
    assert result["positive_fraction"] == pytest.approx(len(masks_per_image) / len(labelled))
    several = sum(count >= 2 for count in masks_per_image.values())
    assert result["images_with_several_masks"] == several
    assert several >= 1, "the tiny set must hold an image with several masks"
    assert result["files_without_row"] == sorted(train_ids - labelled)
    assert result["files_without_row"], "the tiny set must hold a train file without a row"
    assert result["rows_without_file"] == sorted(labelled - train_ids)
    assert result["rows_without_file"], "the tiny set must hold a label row without a file"


def test_mask_statistics_with_the_course_decoder(siim_tiny, scan):
    headers = _readable_headers(siim_tiny, scan)
    train = {path.stem for path in (siim_tiny / "dicom-images-train").rglob("*.dcm")}
    rles: dict[str, list[str]] = {}
    for image_id, rle in _csv_rows(siim_tiny):
        if rle != "-1" and image_id in headers and image_id in train:
            rles.setdefault(image_id, []).append(rle)

    result = solution.mask_statistics(siim_tiny).set_index("image_id")

    assert sorted(result.index) == sorted(rles)
    for image_id, strings in rles.items():
        dataset = headers[image_id]
        height, width = dataset.Rows, dataset.Columns
        union = np.zeros((height, width), dtype=bool)
        for rle in strings:
            union |= decode_siim_rle(rle, width=width, height=height) > 0
        spacing_mm = float(_raw_text(dataset, "PixelSpacing").split("\\")[0])
        row = result.loc[image_id]
        assert row["view"] == _raw_text(dataset, "ViewPosition")
        assert row["area_px"] == union.sum()
        assert row["area_cm2"] == pytest.approx(union.sum() * (spacing_mm / 10) ** 2)
        upper = union[np.arange(height) < height / 2]
        assert row["upper_half_share"] == pytest.approx(upper.sum() / union.sum())


def test_intensity_statistics_pool_every_pixel_of_a_view(siim_tiny, scan):
    unreadable = {entry["path"] for entry in scan["unreadable"]}
    pixels: dict[str, list[np.ndarray]] = {"AP": [], "PA": []}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Invalid value for VR AS")
        for relative, path in _dicom_files(siim_tiny).items():
            if relative not in unreadable:
                dataset = pydicom.dcmread(path)
                view = _raw_text(dataset, "ViewPosition")
                if view in pixels:
                    pixels[view].append(dataset.pixel_array.ravel())

    result = solution.intensity_statistics(siim_tiny).set_index("view")

    assert list(result.index) == ["AP", "PA"]
    for view, arrays in pixels.items():
        values = np.concatenate(arrays).astype(np.float64)
        assert result.loc[view, "n_images"] == len(arrays)
        # The solution decodes JPEG with Pillow, pydicom's default here is pylibjpeg: they may
        # round a pixel one grey level apart (a few hundredths on a mean, never more).
        assert result.loc[view, "mean"] == pytest.approx(values.mean(), abs=0.1)
        assert result.loc[view, "std"] == pytest.approx(values.std(), abs=0.1)


def test_duplicate_images_find_the_planted_copy(siim_tiny):
    planted = _planted(siim_tiny, "duplicate")
    expected = sorted(
        sorted([Path(entry["path"]).stem, Path(entry["detail"].split()[-1]).stem])
        for entry in planted
    )

    groups = solution.duplicate_images(siim_tiny)

    assert planted, "the tiny set must hold a duplicate"
    assert groups == expected


def test_data_quality_report_finds_every_planted_problem(siim_tiny):
    missing = {
        (Path(entry["path"]).stem, entry["kind"].removeprefix("missing_"))
        for entry in _planted(siim_tiny, "missing_PatientAge", "missing_ViewPosition")
    }

    report = solution.data_quality_report(siim_tiny)

    assert set(report["unreadable"]) == _planted_paths(siim_tiny, "truncated", "not_dicom")
    assert {(entry["image_id"], entry["tag"]) for entry in report["missing_tags"]} == missing
    assert missing, "the tiny set must hold a file missing a tag"
    assert report["duplicates"] == solution.duplicate_images(siim_tiny)
    assert set(report["impossible_ages"]) == _planted_ids(siim_tiny, "age_outlier")
    assert report["impossible_ages"], "the tiny set must hold an impossible age"
    assert set(report["files_without_row"]) == _planted_ids(siim_tiny, "no_label_row")
    assert set(report["rows_without_file"]) == _planted_ids(siim_tiny, "row_without_file")
    assert report["rows_without_file"], "the tiny set must hold a label row without a file"


def _header_facts(root: Path, scan: dict) -> dict[str, dict]:
    """Split, view, sex, age (years, from the stored digits) and PatientID of every readable
    image, from the raw header bytes."""
    facts = {}
    train = {path.stem for path in (root / "dicom-images-train").rglob("*.dcm")}
    for image_id, dataset in _readable_headers(root, scan).items():
        age = _raw_text(dataset, "PatientAge").rstrip("Y")
        facts[image_id] = {
            "split": "train" if image_id in train else "test",
            "view": _raw_text(dataset, "ViewPosition"),
            "sex": _raw_text(dataset, "PatientSex"),
            "age": float(age) if age else math.nan,
            "patient": _raw_text(dataset, "PatientID"),
        }
    return facts


def _in_group(fact: dict, group: str) -> bool:
    """Whether an image of :func:`_header_facts` belongs to a group named as the solution names
    it (``view=AP``, ``sex=F``, ``age=20-39``, ``age=80-120``)."""
    attribute, value = group.split("=")
    if attribute != "age":
        return fact[attribute] == value
    low, high = (float(bound) for bound in value.split("-"))
    return low <= fact["age"] < high + 1 if high < 120 else low <= fact["age"] <= high


GROUPS = ["view=AP", "view=PA", "sex=F", "sex=M", "age=0-19", "age=20-39", "age=40-59",
          "age=60-79", "age=80-120"]  # fmt: skip


def _wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson score interval as SciPy computes it (the solution writes out the formula)."""
    interval = binomtest(k, n).proportion_ci(0.95, method="wilson")
    return interval.low, interval.high


def test_prevalence_counts_images_per_group_with_wilson_intervals(siim_tiny, scan):
    facts = _header_facts(siim_tiny, scan)
    rows = _csv_rows(siim_tiny)
    positive = {image_id for image_id, rle in rows if rle != "-1"}
    labelled = {image_id for image_id, _ in rows if image_id in facts}

    result = solution.pneumothorax_prevalence(siim_tiny)

    assert list(result["group"]) == GROUPS
    for row in result.itertuples(index=False):
        members = {i for i in labelled if _in_group(facts[i], row.group)}
        k, n = len(members & positive), len(members)
        assert (row.images, row.positive) == (n, k), row.group
        if n == 0:
            assert math.isnan(row.prevalence), row.group
            assert math.isnan(row.ci_low), row.group
            continue
        assert row.prevalence == pytest.approx(k / n)
        assert (row.ci_low, row.ci_high) == pytest.approx(_wilson(k, n), abs=1e-12)
        assert 0 <= row.ci_low <= row.prevalence <= row.ci_high <= 1
    empty = result[(result["positive"] == 0) & (result["images"] > 0)]
    assert not empty.empty, "the tiny set must hold a group without a positive image"
    assert (empty["ci_low"] == 0).all()
    assert (empty["ci_high"] > 0).all()


def _planned_sides(seed: int) -> dict[str, tuple[int, bool, str]]:
    """(masks, overlapping, patient's side) of every positive image, from the generator's own
    plan: lung 0 lies on the image's left, which is the patient's right."""
    planned = {}
    for record in plan_siim(SIIM_SCALES["tiny"], seed):
        if record.pneumothoraces:
            rng = _picture_rng(seed, record.picture)
            draw_chest_anatomy(rng, record.header.view, record.header.sex)
            specs = draw_pneumothorax_specs(
                rng, record.header.view, record.pneumothoraces, record.overlapping
            )
            sides = {"right" if spec.lung == 0 else "left" for spec in specs}
            side = sides.pop() if len(sides) == 1 else "both"
            planned[record.header.uids.sop] = (record.pneumothoraces, record.overlapping, side)
    return planned


def test_mask_geometry_against_the_generator_plan_and_the_course_decoder(siim_tiny, scan):
    headers = _readable_headers(siim_tiny, scan)
    planned = _planned_sides(3)
    train = {path.stem for path in (siim_tiny / "dicom-images-train").rglob("*.dcm")}
    rles: dict[str, list[str]] = {}
    for image_id, rle in _csv_rows(siim_tiny):
        if rle != "-1" and image_id in headers and image_id in train:
            rles.setdefault(image_id, []).append(rle)

    result = solution.mask_geometry(siim_tiny).set_index("image_id")

    assert sorted(result.index) == sorted(rles)
    for image_id, strings in rles.items():
        dataset = headers[image_id]
        height, width = dataset.Rows, dataset.Columns
        cover = sum(decode_siim_rle(rle, width=width, height=height) > 0 for rle in strings)
        row = result.loc[image_id]
        assert row["area_fraction"] == pytest.approx((cover > 0).sum() / (height * width))
        assert (row["masks"], row["overlapping"], row["side"]) == planned[image_id]
        assert bool((cover > 1).any()) == row["overlapping"]
    assert result["overlapping"].any(), "the tiny set must hold overlapping masks"
    assert {"right", "left"} <= set(result["side"]), "the tiny set must hold both sides"


def test_split_comparison_shares_and_patient_groups(siim_tiny, scan):
    facts = _header_facts(siim_tiny, scan)
    sizes = {split: sum(f["split"] == split for f in facts.values()) for split in ("train", "test")}
    by_patient: dict[str, set[str]] = {}
    for image_id, fact in facts.items():
        by_patient.setdefault(fact["patient"], set()).add(image_id)
    copies = _planted_ids(siim_tiny, "duplicate", "reencoded_duplicate", "shifted_duplicate")

    result = solution.split_comparison(siim_tiny)

    assert result["images"] == sizes
    shares = result["shares"].set_index("group")
    assert list(shares.index) == GROUPS
    for group in GROUPS:
        for split, size in sizes.items():
            count = sum(f["split"] == split and _in_group(f, group) for f in facts.values())
            assert shares.loc[group, split] == pytest.approx(count / size), (group, split)
        assert shares.loc[group, "difference"] == pytest.approx(
            shares.loc[group, "test"] - shares.loc[group, "train"]
        )
    several = [ids for ids in by_patient.values() if len(ids) > 1]
    # Each image has its own PatientID, as in SIIM: only the planted copies share one.
    assert all(ids & copies and len(ids - copies) <= 1 for ids in several)
    assert result["patients"] == {
        "patients": len(by_patient),
        "patients_with_several_images": len(several),
        "largest_group": max(len(ids) for ids in by_patient.values()),
        "patients_in_both_splits": sum(
            len({facts[i]["split"] for i in ids}) > 1 for ids in by_patient.values()
        ),
    }
    assert several, "the tiny set must hold images that share a PatientID (the copies)"


HEADER_VARIANTS = {
    # planted kind: the attributes (as the solution names them) it stores otherwise
    "uncompressed_12bit": {"TransferSyntaxUID", "BitsAllocated", "BitsStored"},
    "monochrome1": {"PhotometricInterpretation"},
    "downsized": {"Rows", "Columns"},
}


def test_header_consistency_finds_the_planted_variants_from_raw_headers(siim_tiny, scan):
    headers = _readable_headers(siim_tiny, scan)
    expected_values: dict[str, dict[str, int]] = {}
    for dataset in headers.values():
        found = {
            "TransferSyntaxUID": str(dataset.file_meta.TransferSyntaxUID),
            "PhotometricInterpretation": _raw_text(dataset, "PhotometricInterpretation"),
            "BitsAllocated": str(dataset.BitsAllocated),
            "BitsStored": str(dataset.BitsStored),
            "Rows": str(dataset.Rows),
            "Columns": str(dataset.Columns),
        }
        for attribute, value in found.items():
            counts = expected_values.setdefault(attribute, {})
            counts[value] = counts.get(value, 0) + 1
    planted = {
        (Path(entry["path"]).stem, attribute)
        for entry in _planted(siim_tiny, *HEADER_VARIANTS)
        for attribute in HEADER_VARIANTS[entry["kind"]]
    }

    result = solution.header_consistency(siim_tiny)

    assert result["values"] == expected_values
    assert {(entry["image_id"], entry["attribute"]) for entry in result["differing"]} == planted
    assert len(planted) == 6, "the tiny set must hold each header variant"
    keys = [(entry["image_id"], entry["attribute"]) for entry in result["differing"]]
    assert keys == sorted(keys)
    for entry in result["differing"]:
        assert entry["usual"] == max(
            expected_values[entry["attribute"]], key=expected_values[entry["attribute"]].get
        )
        assert entry["value"] != entry["usual"]


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


@pytest.mark.parametrize("folder", ["exercises", "solutions"])
def test_no_module_uses_the_course_rle_codec(folder):
    tree = ast.parse((REPO_ROOT / folder / "siim_eda.py").read_text(encoding="utf-8"))
    imported = {
        alias.name if isinstance(node, ast.Import) else f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {name for name in imported if ".rle" in name}
