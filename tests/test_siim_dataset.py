"""The SIIM stand-in as written to disk and read back: headers, UIDs, sizes, labels, planted
problems, and the real data's proportions at sample scale."""

import hashlib
import json
import re
import shutil
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
import pytest
from pydicom.errors import InvalidDicomError

from imaging_course.datasets.siim.generate import generate_siim
from imaging_course.datasets.siim.layout import find_siim_images, read_siim_labels, siim_image_id
from imaging_course.datasets.siim.rle import decode_siim_rle
from imaging_course.datasets.siim.scan import (
    SCANNED_KEYWORDS,
    SiimFileError,
    read_siim_pixels,
    scan_siim_headers,
)
from imaging_course.datasets.siim.survey import DECODED_KINDS, PLANTED_KINDS, find_siim_planted

# The header of every real file (DATASETS.md), written out here rather than read from the
# generator, so that a change in header.py cannot silently change what is tested.
EXPECTED_HEADER = {
    "SpecificCharacterSet": ("CS", "ISO_IR 100"),
    "SOPClassUID": ("UI", "1.2.840.10008.5.1.4.1.1.7"),
    "Modality": ("CS", "CR"),
    "ConversionType": ("CS", "WSD"),
    "BodyPartExamined": ("CS", "CHEST"),
    "StudyDate": ("DA", "19010101"),
    "StudyTime": ("TM", "000000.00"),
    "AccessionNumber": ("SH", ""),
    "ReferringPhysicianName": ("PN", ""),
    "StudyID": ("SH", ""),
    "PatientBirthDate": ("DA", ""),
    "PatientOrientation": ("CS", ""),
    "SeriesNumber": ("IS", "1"),
    "InstanceNumber": ("IS", "1"),
    "Rows": ("US", 1024),
    "Columns": ("US", 1024),
    "SamplesPerPixel": ("US", 1),
    "PhotometricInterpretation": ("CS", "MONOCHROME2"),
    "BitsAllocated": ("US", 8),
    "BitsStored": ("US", 8),
    "HighBit": ("US", 7),
    "PixelRepresentation": ("US", 0),
    "LossyImageCompression": ("CS", "01"),
    "LossyImageCompressionMethod": ("CS", "ISO_10918_1"),
}
PER_FILE_VRS = {
    "PatientName": "PN",
    "PatientID": "LO",
    "PatientSex": "CS",
    "PatientAge": "AS",
    "ViewPosition": "CS",
    "SeriesDescription": "LO",
    "PixelSpacing": "DS",
    "PixelData": "OB",
}
UID = r"1\.2\.276\.0\.7230010\.3\.1\.{kind}\.8323329\.(\d+)\.(\d{{10}})\.(\d+)"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
FILE_BYTES = (120_000, 145_000)  # the real files' 120-145 KB


@pytest.fixture(scope="session")
def tiny_siim(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("siim") / "tiny"
    generate_siim(out, scale="tiny", seed=3, progress=False)
    return out


@pytest.fixture(scope="session")
def sample_siim(tmp_path_factory) -> Path:
    """The sample scale, generated once (about 30 s on one core)."""
    out = tmp_path_factory.mktemp("siim") / "sample"
    generate_siim(out, scale="sample", seed=11, progress=False)
    return out


def _manifest(root: Path) -> dict:
    return json.loads((root / "MANIFEST.json").read_text(encoding="utf-8"))


def _planted(root: Path, kind: str) -> list[Path]:
    return [root / entry["path"] for entry in _manifest(root)["planted"] if entry["kind"] == kind]


HEADER_VARIANTS = {"uncompressed_12bit", "monochrome1", "downsized"}
"""Readable files planted with image attributes other than the real files' (own test)."""


def _clean_files(root: Path) -> list[Path]:
    damaged = {"truncated", "not_dicom", "missing_PatientAge", "missing_ViewPosition"}
    damaged |= HEADER_VARIANTS
    bad = {root / e["path"] for e in _manifest(root)["planted"] if e["kind"] in damaged}
    files = find_siim_images(root, "train") + find_siim_images(root, "test")
    return [path for path in files if path not in bad]


def test_every_clean_file_carries_the_real_header(tiny_siim):
    files = _clean_files(tiny_siim)
    assert len(files) >= 20  # 30 files less the damaged and the header variants
    for path in files:
        raw = path.read_bytes()
        assert raw[:128] == bytes(128), path
        assert raw[128:132] == b"DICM", path
        dataset = pydicom.dcmread(path)
        assert dataset.file_meta.TransferSyntaxUID == JPEG_BASELINE
        assert dataset.file_meta.MediaStorageSOPClassUID == "1.2.840.10008.5.1.4.1.1.7"
        for keyword, (vr, value) in EXPECTED_HEADER.items():
            element = dataset[keyword]
            assert (element.VR, element.value) == (vr, value), (path, keyword)
        for keyword, vr in PER_FILE_VRS.items():
            assert vr == dataset[keyword].VR, (path, keyword)
        assert dataset.PatientName == dataset.PatientID
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}",
                            dataset.PatientID)  # fmt: skip
        assert dataset.PatientSex in {"M", "F"}
        assert re.fullmatch(r"[1-9]\d*", dataset.PatientAge), dataset.PatientAge
        assert dataset.SeriesDescription == f"view: {dataset.ViewPosition}"
        spacing = dataset["PixelSpacing"].value
        assert spacing[0] == spacing[1]
        assert re.fullmatch(r"0\.\d{3}", str(spacing[0]))


def test_header_variants_decode_to_the_same_kind_of_picture(tiny_siim):
    labels = read_siim_labels(tiny_siim)
    variants = {
        entry["kind"]: tiny_siim / entry["path"]
        for entry in _manifest(tiny_siim)["planted"]
        if entry["kind"] in HEADER_VARIANTS
    }
    assert set(variants) == HEADER_VARIANTS
    twelve = pydicom.dcmread(variants["uncompressed_12bit"])
    assert twelve.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    assert (twelve.BitsAllocated, twelve.BitsStored, twelve.HighBit) == (16, 12, 11)
    assert twelve["PixelData"].VR == "OW"
    assert twelve.pixel_array.max() > 255
    assert not (twelve.pixel_array % 16).any()  # 8-bit grey values times 16
    inverted = pydicom.dcmread(variants["monochrome1"])
    assert inverted.PhotometricInterpretation == "MONOCHROME1"
    assert inverted.file_meta.TransferSyntaxUID == JPEG_BASELINE
    small = pydicom.dcmread(variants["downsized"])
    assert (
        read_siim_pixels(variants["downsized"]).shape == (small.Rows, small.Columns) == (512, 512)
    )
    assert float(small.PixelSpacing[0]) > 0.25  # doubled from 0.139-0.194
    for rle in labels.loc[labels["ImageId"] == small.SOPInstanceUID, "EncodedPixels"]:
        if rle.strip() != "-1":
            decode_siim_rle(rle, width=512, height=512)  # fits the 512 x 512 image


def test_pixels_decode_to_8_bit_images_that_are_not_blank(tiny_siim):
    for path in _clean_files(tiny_siim)[:4]:
        pixels = read_siim_pixels(path)
        assert pixels.shape == (1024, 1024)
        assert pixels.dtype == np.uint8
        assert pixels.std() > 20  # lungs, bones and soft tissue, not a flat field


def test_uids_follow_the_dcmtk_pattern_and_the_minus_one_two_rule(tiny_siim):
    for path in _clean_files(tiny_siim):
        dataset = pydicom.dcmread(path, stop_before_pixels=True)
        sop = re.fullmatch(UID.format(kind=4), dataset.SOPInstanceUID)
        study = re.fullmatch(UID.format(kind=2), dataset.StudyInstanceUID)
        series = re.fullmatch(UID.format(kind=3), dataset.SeriesInstanceUID)
        assert sop, path
        assert study, path
        assert series, path
        assert study.group(1, 2) == series.group(1, 2) == sop.group(1, 2)
        assert int(study.group(3)) == int(sop.group(3)) - 1
        assert int(series.group(3)) == int(sop.group(3)) - 2
        assert path.name == f"{dataset.SOPInstanceUID}.dcm"
        assert path.parent.name == dataset.SeriesInstanceUID
        assert path.parent.parent.name == dataset.StudyInstanceUID
        assert dataset.file_meta.MediaStorageSOPInstanceUID == dataset.SOPInstanceUID


def test_file_sizes_are_those_of_the_real_files(sample_siim):
    sizes = [path.stat().st_size for path in _clean_files(sample_siim)]
    assert min(sizes) >= FILE_BYTES[0]
    assert max(sizes) <= FILE_BYTES[1]


def test_label_csv_is_byte_exact_in_format(tiny_siim):
    raw = (tiny_siim / "train-rle.csv").read_bytes()
    lines = raw.decode("ascii").split("\n")
    assert lines[0] == "ImageId, EncodedPixels"
    assert lines[-1] == ""  # ends with one newline
    rows = [line.split(",") for line in lines[1:-1]]
    assert all(len(row) == 2 for row in rows)
    assert all(re.fullmatch(UID.format(kind=4), image_id) for image_id, _ in rows)
    values = [value for _, value in rows]
    assert " -1" in values
    assert all(re.fullmatch(r" (-1|\d+( \d+)+)", value) for value in values)
    # pandas, read naively as learners do, keeps the spaces, as on the real CSV.
    naive = pd.read_csv(tiny_siim / "train-rle.csv")
    assert list(naive.columns) == ["ImageId", " EncodedPixels"]


def test_read_labels_strips_the_spaces(tiny_siim):
    labels = read_siim_labels(tiny_siim)
    assert list(labels.columns) == ["ImageId", "EncodedPixels"]
    assert (labels["EncodedPixels"] == "-1").any()
    assert not labels["EncodedPixels"].str.startswith(" ").any()


def test_a_few_files_have_no_rows_and_a_few_rows_no_file(sample_siim):
    labels = read_siim_labels(sample_siim)
    ids = {siim_image_id(path) for path in find_siim_images(sample_siim, "train")}
    unlabelled = ids - set(labels["ImageId"])
    without_file = set(labels["ImageId"]) - ids
    assert {siim_image_id(p) for p in _planted(sample_siim, "no_label_row")} == unlabelled
    assert 1 <= len(unlabelled) <= 0.02 * len(ids)
    assert {siim_image_id(p) for p in _planted(sample_siim, "row_without_file")} == without_file
    assert 1 <= len(without_file) <= 0.02 * len(ids)
    assert not any(path.exists() for path in _planted(sample_siim, "row_without_file"))


def test_reading_the_files_finds_what_the_manifest_lists(tiny_siim):
    counts = _manifest(tiny_siim)["counts"]
    assert counts["row_without_file"] == 1
    assert counts["reencoded_duplicate"] == counts["shifted_duplicate"] == 1

    found = find_siim_planted(tiny_siim)

    # Near-duplicates need every picture decoded: a scan of the files leaves them uncounted.
    assert {kind: found.pop(kind) for kind in DECODED_KINDS} == dict.fromkeys(DECODED_KINDS)
    scanned = [kind for kind in PLANTED_KINDS if kind not in DECODED_KINDS]
    assert found == {kind: counts.get(kind, 0) for kind in scanned}


def test_proportions_match_the_real_data(sample_siim):
    headers, unreadable = scan_siim_headers(find_siim_images(sample_siim, "train"))
    assert len(unreadable) == 1  # the PNG posing as DICOM
    both = pd.concat([headers, scan_siim_headers(find_siim_images(sample_siim, "test"))[0]])
    assert len(both) >= 300
    assert (both["PatientSex"] == "M").mean() == pytest.approx(0.55, abs=0.02)
    views = both["ViewPosition"].dropna()
    assert (views == "PA").mean() == pytest.approx(0.61, abs=0.02)
    labels = read_siim_labels(sample_siim)
    positive = labels.groupby("ImageId")["EncodedPixels"].agg(lambda rle: (rle != "-1").any())
    assert positive.mean() == pytest.approx(0.223, abs=0.02)
    ages = set(both["PatientAge"].dropna())
    assert {"148", "413"} <= ages


def test_masks_are_small_apical_lateral_and_sometimes_several(sample_siim):
    labels = read_siim_labels(sample_siim)
    masks = labels[labels["EncodedPixels"] != "-1"]
    areas, heights, sides = [], [], []
    for rle in masks["EncodedPixels"]:
        mask = decode_siim_rle(rle) > 0
        rows, columns = np.nonzero(mask)
        areas.append(mask.mean())
        heights.append(rows.mean() / 1024)
        sides.append(abs(columns.mean() / 1024 - 0.5))
    assert min(areas) >= 0.001  # the real masks: 0.1-5% of the image
    assert max(areas) <= 0.05
    assert np.median(heights) < 0.45  # near the apices
    assert np.median(sides) > 0.2  # along the lateral chest wall
    rows_per_image = masks.groupby("ImageId").size()
    assert (rows_per_image >= 2).sum() >= 3
    # A long tail, as in the real CSV (about 11,600 rows for 10,675 images, up to about 10).
    assert rows_per_image.max() >= 5
    assert 1.2 <= rows_per_image.mean() <= 1.6
    overlapping = 0
    for image_id in rows_per_image[rows_per_image >= 2].index:
        decoded = [decode_siim_rle(r) > 0 for r in masks.loc[masks.ImageId == image_id].iloc[:, 1]]
        overlapping += bool((decoded[0] & decoded[1]).any())
    assert overlapping >= 1


def test_largest_masks_are_on_ap_films(sample_siim):
    headers, _ = scan_siim_headers(find_siim_images(sample_siim, "train"))
    view = dict(zip(headers["ImageId"], headers["ViewPosition"], strict=True))
    labels = read_siim_labels(sample_siim)
    masks = labels[labels["EncodedPixels"] != "-1"]
    area = {"AP": [], "PA": []}
    for image_id, rle in zip(masks["ImageId"], masks["EncodedPixels"], strict=True):
        if view.get(image_id) in area:
            area[view[image_id]].append((decode_siim_rle(rle) > 0).mean())
    assert np.mean(area["AP"]) > np.mean(area["PA"])


def test_each_planted_problem_is_found_by_reading(tiny_siim):
    counts = _manifest(tiny_siim)["counts"]
    assert {"truncated", "not_dicom", "duplicate", "no_label_row", "row_without_file"} <= set(
        counts
    )
    (truncated,) = _planted(tiny_siim, "truncated")
    assert pydicom.dcmread(truncated, stop_before_pixels=True).SOPInstanceUID == truncated.stem
    with pytest.raises(ValueError, match=re.escape(str(truncated))):
        read_siim_pixels(truncated)
    (not_dicom,) = _planted(tiny_siim, "not_dicom")
    assert not_dicom.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(InvalidDicomError):
        pydicom.dcmread(not_dicom)
    for kind, keyword in (("missing_PatientAge", "PatientAge"), ("missing_ViewPosition",
                                                                 "ViewPosition")):  # fmt: skip
        for path in _planted(tiny_siim, kind):
            dataset = pydicom.dcmread(path, stop_before_pixels=True)
            assert keyword not in dataset
            assert "PatientSex" in dataset
    assert counts.get("missing_PatientAge", 0) + counts.get("missing_ViewPosition", 0) >= 1


def test_duplicates_share_pixels_and_patient_under_new_uids(tiny_siim):
    entries = [e for e in _manifest(tiny_siim)["planted"] if e["kind"] == "duplicate"]
    assert entries
    for entry in entries:
        copy = tiny_siim / entry["path"]
        original = tiny_siim / entry["detail"].removeprefix("same pixels as ")
        first, second = pydicom.dcmread(original), pydicom.dcmread(copy)
        assert hashlib.sha256(first.PixelData).digest() == hashlib.sha256(second.PixelData).digest()
        assert first.PatientID == second.PatientID
        for keyword in ("SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID"):
            assert first[keyword].value != second[keyword].value


def _copies(root: Path, kind: str) -> list[tuple[Path, Path, str]]:
    """(copy, original, detail) of each planted copy of ``kind``."""
    return [
        (root / entry["path"], root / re.search(r"dicom-images-\S+\.dcm", entry["detail"])[0],
         entry["detail"])
        for entry in _manifest(root)["planted"]
        if entry["kind"] == kind
    ]  # fmt: skip


def test_a_reencoded_copy_has_other_bytes_and_nearly_the_same_pixels(tiny_siim):
    ((copy, original, _),) = _copies(tiny_siim, "reencoded_duplicate")
    first, second = pydicom.dcmread(original), pydicom.dcmread(copy)
    assert first.PixelData != second.PixelData  # a hash of the bytes cannot pair them
    assert first.PatientID == second.PatientID
    difference = np.abs(first.pixel_array.astype(int) - second.pixel_array.astype(int))
    assert 0 < difference.mean() < 2  # JPEG noise only
    other = pydicom.dcmread(_clean_files(tiny_siim)[0]).pixel_array.astype(int)
    assert np.abs(other - first.pixel_array).mean() > 10 * difference.mean()


def test_a_shifted_copy_moves_the_picture_and_its_masks(tiny_siim):
    ((copy, original, detail),) = _copies(tiny_siim, "shifted_duplicate")
    rows, columns = (
        int(n) for n in re.search(r"moved (-?\d+) rows and (-?\d+) columns", detail).groups()
    )
    assert 3 <= abs(rows) <= 12
    assert 3 <= abs(columns) <= 12
    first, second = read_siim_pixels(original).astype(int), read_siim_pixels(copy).astype(int)
    inner = (slice(20, -20), slice(20, -20))
    moved = np.roll(first, (rows, columns), axis=(0, 1))
    assert np.abs(moved - second)[inner].mean() < 3
    assert np.abs(first - second)[inner].mean() > 3 * np.abs(moved - second)[inner].mean()
    labels = read_siim_labels(tiny_siim)
    masks = {
        path.stem: [decode_siim_rle(rle) for rle in labels.loc[labels["ImageId"] == path.stem,
                                                               "EncodedPixels"]]
        for path in (original, copy)
    }  # fmt: skip
    assert len(masks[copy.stem]) == len(masks[original.stem])
    for before, after in zip(masks[original.stem], masks[copy.stem], strict=True):
        np.testing.assert_array_equal(
            np.roll(before, (rows, columns), axis=(0, 1))[inner], after[inner]
        )


def test_a_scan_reports_a_bad_file_with_its_path_and_goes_on(tiny_siim):
    files = find_siim_images(tiny_siim, "train")
    headers, unreadable = scan_siim_headers(files)
    (not_dicom,) = _planted(tiny_siim, "not_dicom")
    assert [bad.path for bad in unreadable] == [not_dicom]
    assert "InvalidDicomError" in unreadable[0].reason
    assert len(headers) == len(files) - 1
    (missing,) = _planted(tiny_siim, "missing_PatientAge")
    assert headers.loc[headers["path"] == missing, "PatientAge"].isna().all()


def _with_corrupted_vr(path: Path, keyword: str, vr: bytes = b"CJ") -> None:
    """Overwrite the two VR bytes of ``keyword``'s element in the file on disk."""
    tag = pydicom.datadict.tag_for_keyword(keyword)
    raw = bytearray(path.read_bytes())
    at = raw.index(struct.pack("<HH", tag >> 16, tag & 0xFFFF), 132)
    raw[at + 4 : at + 6] = vr
    path.write_bytes(bytes(raw))


def test_no_damaged_file_stops_a_scan_each_is_listed_with_path_and_reason(tiny_siim, tmp_path):
    clean = _clean_files(tiny_siim)[:8]
    copies = [tmp_path / f"{index}-{path.name}" for index, path in enumerate(clean)]
    for source, copy in zip(clean, copies, strict=True):
        shutil.copyfile(source, copy)
    _with_corrupted_vr(copies[1], "ViewPosition")  # pydicom: NotImplementedError
    _with_corrupted_vr(copies[2], "PatientAge")
    for copy, keep in zip(copies[3:7], (300, 700, 0, 6), strict=True):
        data = copy.read_bytes()
        # 0 and 6: at and just after this file's own Pixel Data tag (UIDs vary in length)
        cut = keep if keep >= 100 else keep + data.index(struct.pack("<HH", 0x7FE0, 0x0010))
        copy.write_bytes(data[:cut])  # cut inside the header
    damaged = copies[1:7]

    headers, unreadable = scan_siim_headers(copies)

    assert [bad.path for bad in unreadable] == damaged
    for bad in unreadable:
        assert re.match(r"\w+: ", bad.reason), bad.reason
    assert "Unknown Value Representation 'CJ'" in unreadable[0].reason
    assert all(str(bad.path) in bad.reason for bad in unreadable[2:5])
    assert list(headers["path"]) == [copies[0], copies[7]]
    assert headers[list(SCANNED_KEYWORDS)].notna().all().all()


def test_real_kinds_of_files_are_read_or_reported_never_misread(siim_kinds):
    """Valid images in the rarer encodings read with their true pixels; objects without an
    image are 'not an image', not truncated; cut and undecodable pixels name their file."""
    files = siim_kinds.files
    headers, unreadable = scan_siim_headers(kind.path for kind in files.values())

    problems = {bad.path.stem: bad.problem for bad in unreadable}
    assert problems == {files[name].path.stem: "not_an_image" for name in siim_kinds.not_images}
    assert all("not an image" in bad.reason for bad in unreadable)
    table = headers.set_index("ImageId")
    for name in (*siim_kinds.valid_images, "native_cut_short", "undecodable_jpeg"):
        row = table.loc[files[name].path.stem]
        assert (row["PatientAge"], row["ViewPosition"], row["PixelSpacing"]) == (
            "061Y",
            "AP",
            "0.143",
        ), name
    for name in siim_kinds.valid_images:
        np.testing.assert_array_equal(read_siim_pixels(files[name].path), files[name].pixels)
    for name, problem in (("native_cut_short", "truncated"), ("undecodable_jpeg", "undecodable"),
                          ("structured_report", "not_an_image")):  # fmt: skip
        with pytest.raises(SiimFileError, match=re.escape(str(files[name].path))) as caught:
            read_siim_pixels(files[name].path)
        assert caught.value.problem == problem


def test_the_survey_counts_no_report_as_a_truncated_file(siim_kinds):
    counts = find_siim_planted(siim_kinds.root)
    assert counts["truncated"] == 1  # the native pixel data cut short, and nothing else
    assert counts["not_dicom"] == 0
    assert counts["duplicate"] == 0
