"""Detectors of the mistakes learners make in the SIIM exercise (``siim_eda``), each with a hint.

Each is a function of :class:`~imaging_course.grader.detectors.Evidence` that
:mod:`.siim_checks` lists on the checks whose failure its mistake explains (see
:mod:`imaging_course.grader.detectors` for the rules): counting CSV rows instead of images,
misreading the competition's RLE, areas in the wrong unit, a misread DICOM age, one unreadable
file that stops a whole scan, prevalence over CSV rows, Wald intervals, the patient's sides
swapped, a share of the image computed from the unreliable spacing, splits compared by counts,
the transfer syntax sought outside the file meta group, BitsStored read from the dtype.
"""

import math
from typing import Any

import numpy as np
import pandas as pd

from imaging_course.datasets.siim.layout import read_siim_labels
from imaging_course.grader.compare import is_number
from imaging_course.grader.detectors import Evidence, close, fits, is_nan, mostly, pairs


def _table(value: Any) -> Any:
    """The table of a call output (``scan_dicom_headers`` returns it under ``"table"``)."""
    return value["table"] if isinstance(value, dict) and "table" in value else value


def csv_rows(evidence: Evidence) -> str | None:
    """Counting rows of train-rle.csv instead of distinct images."""
    if not isinstance(evidence.got, dict):
        return None
    labels = read_siim_labels(evidence.root)
    positive_rows = int((labels["EncodedPixels"].str.strip() != "-1").sum())
    for name, rows in (("images_labelled", len(labels)), ("positive_images", positive_rows)):
        got, expected = evidence.got.get(name), evidence.expected[name]
        if is_number(got) and got == rows and rows != expected:
            return (
                f"{name} equals the number of rows of train-rle.csv ({rows}), but an image "
                "with several masks has one row per mask: count distinct ImageIds."
            )
    return None


def decode_variant(
    rle: str, width: int, height: int, *, relative: bool, column_major: bool
) -> np.ndarray:
    """Decode ``rle`` the right way or one of the wrong ways, as a 0/255 uint8 mask."""
    flat = np.zeros(width * height, dtype=np.uint8)
    numbers = [int(token) for token in rle.split()]
    if numbers == [-1]:
        numbers = []
    position = 0
    for start, length in zip(numbers[0::2], numbers[1::2], strict=True):
        position = position + start if relative else start
        flat[position : position + length] = 255
        if relative:
            position += length
    if column_major:
        return flat.reshape(width, height).T
    return flat.reshape(height, width)


def _mask_variant_matches(evidence: Evidence, relative: bool, column_major: bool) -> bool:
    got = evidence.got
    if not isinstance(got, np.ndarray) or len(evidence.args) != 3:
        return False
    rle, width, height = evidence.args
    try:
        wrong = decode_variant(rle, width, height, relative=relative, column_major=column_major)
    except (ValueError, IndexError):
        return False
    if got.shape != wrong.shape:
        return False
    return bool(np.array_equal(got > 0, wrong > 0))


def _variant_areas(evidence: Evidence, relative: bool, column_major: bool) -> dict:
    """Per positive image: (area in pixels, upper-half share) of the wrongly decoded union."""
    labels = read_siim_labels(evidence.root)
    table = evidence.references["scan_dicom_headers"]["table"]
    sizes = {row.image_id: (row.columns, row.rows) for row in table.itertuples(index=False)}
    areas = {}
    for image_id, group in labels.groupby("ImageId"):
        if image_id not in sizes:
            continue
        width, height = (int(v) for v in sizes[image_id])
        union = np.zeros((height, width), dtype=bool)
        for rle in group["EncodedPixels"]:
            if rle.strip() == "-1":
                continue
            try:
                mask = decode_variant(
                    rle, width, height, relative=relative, column_major=column_major
                )
            except (ValueError, IndexError):
                continue
            union |= mask > 0
        area = int(union.sum())
        if area:
            areas[image_id] = (area, float(union[: height // 2].sum() / area))
    return areas


def _mask_table_matches(evidence: Evidence, relative: bool, column_major: bool) -> bool:
    wrong = _variant_areas(evidence, relative, column_major)
    area_pairs = pairs(evidence.expected, evidence.got, "image_id", "area_px")
    share_pairs = pairs(evidence.expected, evidence.got, "image_id", "upper_half_share")
    differing = [(i, g) for i, e, g in area_pairs if not close(g, e, 0)]
    differing += [(i, g) for i, e, g in share_pairs if not close(g, e, 0, 1e-6)]
    if not differing:
        return False
    column = {i: g for i, _, g in area_pairs}
    shares = {i: g for i, _, g in share_pairs}
    fits = 0
    for image_id, _ in differing:
        if image_id in wrong:
            area, share = wrong[image_id]
            fits += close(column.get(image_id), area, 0) and close(
                shares.get(image_id), share, 0, 1e-6
            )
    return fits >= 0.8 * len(differing)


def _decoded_as(evidence: Evidence, *, relative: bool, column_major: bool) -> bool:
    """Whether the learner's masks (an array) or mask table (a table of areas per image) match
    decoding the RLE this way."""
    if _mask_variant_matches(evidence, relative=relative, column_major=column_major):
        return True
    return (
        evidence.status == "ok"
        and not isinstance(evidence.got, np.ndarray)
        and _mask_table_matches(evidence, relative=relative, column_major=column_major)
    )


def rle_absolute(evidence: Evidence) -> str | None:
    """Treating each RLE start as an absolute offset instead of relative to the last run."""
    hint = (
        "Your masks match decoding each RLE start as an absolute pixel offset. In this "
        "competition's encoding each start counts from the end of the previous run."
    )
    return hint if _decoded_as(evidence, relative=False, column_major=True) else None


def rle_row_major(evidence: Evidence) -> str | None:
    """Filling the mask row by row (C order) instead of column by column: a transposed mask."""
    hint = (
        "Your masks are transposed: the RLE runs go down the columns (column-major, "
        "Fortran order), so reshape to (width, height) and transpose, or use order='F'."
    )
    return hint if _decoded_as(evidence, relative=True, column_major=False) else None


def mask_values(evidence: Evidence) -> str | None:
    """Masks of 0/1 where 0/255 is asked for, or areas that sum 0/255 pixel values."""
    got = evidence.got
    if (
        isinstance(got, np.ndarray)
        and got.size
        and got.max() == 1
        and np.array_equal(got.astype(bool), np.asarray(evidence.expected) > 0)
    ):
        return "The mask's pixels are 0/1; the competition's masks are 0 and 255 (uint8)."
    rows = pairs(evidence.expected, got, "image_id", "area_px")
    if fits(rows, lambda _, e: 255 * e, 1e-9):
        return (
            "area_px is 255 times the area: you summed the mask's 0/255 values; "
            "count the pixels that are set instead."
        )
    return None


def pixels_not_cm2(evidence: Evidence) -> str | None:
    """Area in pixels or in mm2 where cm2 is asked for."""
    rows = pairs(evidence.expected, evidence.got, "image_id", "area_cm2")
    areas_px = {i: e for i, e, _ in pairs(evidence.expected, evidence.got, "image_id", "area_px")}
    if fits(rows, lambda i, _: areas_px.get(i)):
        return (
            "area_cm2 holds the pixel count: multiply by the pixel area "
            "(PixelSpacing row x column, in mm2) and divide by 100 for cm2."
        )
    if fits(rows, lambda _, e: 100 * e):
        return "area_cm2 is 100 times too large: that is mm2; 1 cm2 = 100 mm2."
    return None


def _misread_ages(_image_id: Any, years: Any) -> list[float] | None:
    """Ages a misread Age String gives: a unit taken for years, or the last digit cut off."""
    if is_nan(years):
        return None
    return [years * 12, years * 52, years * 365, float(int(years) // 10)]


def age_string(evidence: Evidence) -> str | None:
    """PatientAge ('038Y', an Age String) read as a plain number, or its unit ignored."""
    hint = (
        "PatientAge is a DICOM Age String such as '038Y': three digits and a unit (D, W, M, "
        "Y), but SIIM stores a bare number ('46'). Read the digits, convert a unit when there "
        "is one (months, weeks, days to years); a string you cannot parse is NaN."
    )
    expected, got = _table(evidence.expected), _table(evidence.got)
    rows = pairs(expected, got, "image_id", "age")
    if mostly(rows, lambda e, g: is_nan(g) and not is_nan(e), share=0.8):
        return hint
    if fits(rows, _misread_ages):
        return hint
    if isinstance(evidence.got, dict) and isinstance(evidence.expected, dict):
        stats = [evidence.got.get(k) for k in ("age_mean", "age_median") if k in evidence.got]
        if stats and all(is_number(v) and math.isnan(v) for v in stats):
            return hint
    return None


def unreadable_crash(evidence: Evidence) -> str | None:
    """An unreadable file that stopped the whole scan instead of being listed."""
    crash_types = {"InvalidDicomError", "EOFError", "OSError", "error", "BytesLengthException"}
    text = f"{evidence.error.get('type', '')} {evidence.error.get('message', '')}".lower()
    if evidence.error.get("type") == "NotImplementedError":  # a stub, not a crash
        return None
    if evidence.status == "error" and (
        evidence.error.get("type") in crash_types or "dicom" in text or "preamble" in text
    ):
        return (
            "One unreadable file stopped the whole function. Read each file inside try/except "
            "pydicom.errors.InvalidDicomError (and truncated-file errors), list it with its "
            "reason, and carry on with the others."
        )
    return None


def _group_members(table: pd.DataFrame) -> dict[str, pd.Series]:
    """The image ids of each group of ``pneumothorax_prevalence`` / ``split_comparison``
    (``view=AP``, ``sex=F``, ``age=40-59``, ...), by the group's name."""
    ages = pd.to_numeric(table["age"], errors="coerce")
    members = {f"view={view}": table["view"] == view for view in ("AP", "PA")}
    members.update({f"sex={sex}": table["sex"] == sex for sex in ("F", "M")})
    for low, high in ((0, 20), (20, 40), (40, 60), (60, 80)):
        members[f"age={low}-{high - 1}"] = ages.ge(low) & ages.lt(high)
    members["age=80-120"] = ages.between(80, 120)
    return {name: table.loc[mask, "image_id"] for name, mask in members.items()}


def prevalence_rows(evidence: Evidence) -> str | None:
    """Prevalence counted over rows of the label CSV (a row per mask) instead of images."""
    labels = read_siim_labels(evidence.root)
    labels["positive"] = labels["EncodedPixels"].str.strip() != "-1"
    table = evidence.references["scan_dicom_headers"]["table"]
    table = table[table["split"] == "train"]
    rows_of = {}
    for group, ids in _group_members(table).items():
        rows = labels[labels["ImageId"].isin(set(ids))]
        rows_of[group] = (len(rows), int(rows["positive"].sum()))
    for column, index in (("images", 0), ("positive", 1)):
        found = pairs(evidence.expected, evidence.got, "group", column)
        if fits(found, lambda group, _, i=index: rows_of[group][i] if group in rows_of else None):
            return (
                f"{column} counts rows of train-rle.csv, but an image with several "
                "pneumothoraces has a row per mask: count each ImageId once (positive when "
                "any of its rows is not -1)."
            )
    return None


Z_95 = 1.959963984540054
"""The standard normal quantile of a two-sided 95% interval."""


def _wald(positive: Any, images: Any, bound: int, clip: bool) -> float | None:
    if not images:
        return None
    p = positive / images
    value = p + bound * Z_95 * math.sqrt(p * (1 - p) / images)
    return min(max(value, 0.0), 1.0) if clip else value


def _counts(table: Any) -> dict:
    """(positive, images) of each group of a prevalence table."""
    return {
        row.group: (row.positive, row.images)
        for row in table[["group", "positive", "images"]].itertuples(index=False)
    }


def wald_interval(evidence: Evidence) -> str | None:
    """The Wald interval p +- z sqrt(p(1 - p) / n) where the Wilson interval is asked for,
    computed from the right counts or from the learner's own."""
    counts = [_counts(evidence.expected), _counts(evidence.got)]

    def walds(group: Any, bound: int) -> list[float | None]:
        return [
            _wald(*source[group], bound, clip)
            for source in counts
            if group in source
            for clip in (False, True)
        ]

    for column, bound in (("ci_low", -1), ("ci_high", 1)):
        found = pairs(evidence.expected, evidence.got, "group", column)
        if fits(found, lambda group, _, b=bound: walds(group, b)):
            return (
                "Your intervals are Wald intervals, p +- 1.96 sqrt(p(1 - p) / n): when no image "
                "of a group is positive (or every one is) it shrinks to the single point 0 (or "
                "1), and near 0 it leaves [0, 1]. Use the Wilson score interval: "
                "scipy.stats.binomtest(k, n).proportion_ci(0.95, method='wilson')."
            )
    return None


SWAPPED_SIDE = {"right": "left", "left": "right", "both": "both"}


def side_swapped(evidence: Evidence) -> str | None:
    """The image's left taken for the patient's left (sides swapped)."""
    found = pairs(evidence.expected, evidence.got, "image_id", "side")
    differing = [(e, g) for _, e, g in found if e != g]
    if differing and all(SWAPPED_SIDE.get(e) == g for e, g in differing):
        return (
            "Your sides are swapped: a chest film is viewed as if facing the patient, so the "
            "patient's right lung is on the image's left (low column numbers), on PA and AP "
            "films alike. The side marker burned into the film says the same."
        )
    return None


def area_not_fraction(evidence: Evidence) -> str | None:
    """Area in pixels, or in mm2 / cm2 from PixelSpacing, where a share of the image is asked."""
    table = evidence.references["scan_dicom_headers"]["table"].set_index("image_id")
    found = pairs(evidence.expected, evidence.got, "image_id", "area_fraction")

    def pixels(image_id: Any, fraction: Any) -> float:
        return fraction * table.at[image_id, "rows"] * table.at[image_id, "columns"]

    if fits(found, pixels):
        return (
            "area_fraction holds the pixel count: divide by Rows x Columns for a share of the "
            "image."
        )

    def physical(image_id: Any, fraction: Any) -> list[float]:
        mm2 = pixels(image_id, fraction) * table.at[image_id, "pixel_spacing_mm"] ** 2
        return [mm2, mm2 / 100.0]

    if fits(found, physical):
        return (
            "area_fraction is an area in mm2 (or cm2) from PixelSpacing. SIIM's spacing does "
            "not describe the resized images; a share of the image (mask pixels / (Rows x "
            "Columns)) needs no spacing at all."
        )
    return None


def split_counts(evidence: Evidence) -> str | None:
    """Counts of images per split where shares of the split are asked for."""
    got, expected = evidence.got, evidence.expected
    if not isinstance(got, dict) or not isinstance(got.get("shares"), pd.DataFrame):
        return None
    sizes = expected["images"]
    for split in ("train", "test"):
        found = pairs(expected["shares"], got["shares"], "group", split)
        if sizes.get(split) and fits(found, lambda _, share, n=sizes[split]: share * n):
            return (
                f"The {split} column holds counts of images. The splits differ in size "
                f"({sizes['train']} training images, {sizes['test']} test images), so counts "
                "cannot be compared: divide by the split's number of images."
            )
    return None


def transfer_syntax_not_in_meta(evidence: Evidence) -> str | None:
    """The transfer syntax looked up in the data set, where it never is, instead of the file
    meta group."""
    if not isinstance(evidence.got, dict) or not isinstance(evidence.got.get("values"), dict):
        return None
    found = evidence.got["values"].get("TransferSyntaxUID")
    if isinstance(found, dict) and set(found) <= {"", "None"} and found:
        return (
            "No file has a TransferSyntaxUID in your values: it is not in the data set but in "
            "the file meta group, dataset.file_meta.TransferSyntaxUID."
        )
    return None


def bits_from_dtype(evidence: Evidence) -> str | None:
    """BitsStored taken from the decoded array's dtype (8 or 16) instead of the header."""
    if not isinstance(evidence.got, dict) or not isinstance(evidence.got.get("values"), dict):
        return None
    expected = evidence.expected["values"]
    stored = evidence.got["values"].get("BitsStored")
    if stored != expected["BitsStored"] and stored == expected["BitsAllocated"]:
        return (
            "Your BitsStored are the bits allocated per pixel (the array's dtype): BitsStored "
            "says how many of them hold the value (12 of 16 in a 12-bit image). Read the "
            "header's BitsStored."
        )
    return None
