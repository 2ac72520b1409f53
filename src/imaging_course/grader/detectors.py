"""Detectors for the mistakes learners make in these exercises, each with a hint.

A detector runs only when a check failed. It gets the :class:`Evidence` (expected and
learner outputs of the call, the call's arguments and status, the dataset root and the
reference outputs of the other calls) and returns a hint saying where to look, or None when
its mistake does not explain the failure. Detectors recompute the wrong answer the mistake
would give (an absolute-offset RLE decode, a row-major mask, voxel counts instead of mL) and
compare it with what the learner returned, so a hint appears only when the mistake fits.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
import pandas as pd
from scipy import ndimage

from imaging_course.datasets.lits.layout import find_lits_cases
from imaging_course.datasets.siim.layout import read_siim_labels
from imaging_course.grader.compare import is_number


@dataclass(frozen=True)
class Evidence:
    """What a detector may look at; ``got`` is None unless the call returned a value."""

    expected: Any
    got: Any
    status: str
    error: dict
    args: tuple
    root: Path
    references: dict[str, Any]


DETECTORS: dict[str, Callable[[Evidence], str | None]] = {}
"""Every detector by name (the names :mod:`~imaging_course.grader.checks` lists)."""


def detector(name: str):
    """Register a detector under ``name``."""

    def register(function):
        DETECTORS[name] = function
        return function

    return register


def hints(names: tuple[str, ...], evidence: Evidence) -> list[str]:
    """The hints of the detectors in ``names`` whose mistake explains the failure; a detector
    that raises on output of an unexpected shape (any exception) stays silent."""
    found = []
    for name in names:
        try:
            hint = DETECTORS[name](evidence)
        except Exception:  # noqa: S112 (learner output of a shape this mistake cannot judge)
            continue
        if hint and hint not in found:
            found.append(hint)
    return found


def _close(a: Any, b: Any, rtol: float = 1e-3, atol: float = 1e-6) -> bool:
    return (
        is_number(a)
        and is_number(b)
        and not math.isnan(a)
        and not math.isnan(b)
        and abs(a - b) <= atol + rtol * abs(b)
    )


def _pairs(expected: Any, got: Any, key: str, column: str) -> list[tuple[Any, Any, Any]]:
    """``(id, expected, got)`` for the ids both tables hold, when both have the column."""
    if not (isinstance(expected, pd.DataFrame) and isinstance(got, pd.DataFrame)):
        return []
    if not {key, column} <= set(got.columns):
        return []
    have = {}
    for row in got[[key, column]].itertuples(index=False):
        have[row[0]] = row[1]
    return [
        (row[0], row[1], have[row[0]])
        for row in expected[[key, column]].itertuples(index=False)
        if row[0] in have
    ]


def _same(expected: Any, got: Any) -> bool:
    if is_number(expected) and is_number(got):
        if math.isnan(expected) or math.isnan(got):
            return math.isnan(expected) and math.isnan(got)
        return _close(got, expected, 1e-9, 1e-12)
    return expected == got


def _fits(pairs: list, wrong: Callable[[Any, Any], Any], rtol: float = 1e-3) -> bool:
    """True when most rows that differ hold what the mistake gives: ``wrong(id, expected)``.

    ``wrong`` returns the mistaken value (or a list of candidates, or None when the mistake
    says nothing about that row); "most" is 80% of the differing rows.
    """
    differing = [(i, e, g) for i, e, g in pairs if not _same(e, g)]
    if not differing:
        return False
    hits = 0
    for i, e, g in differing:
        candidates = wrong(i, e)
        candidates = candidates if isinstance(candidates, list) else [candidates]
        hits += any(c is not None and _close(g, c, rtol) for c in candidates)
    return hits >= 0.8 * len(differing)


def _mostly(pairs: list, predicate: Callable[[Any, Any], bool], share: float = 0.5) -> bool:
    """True when ``predicate(expected, got)`` holds for ``share`` of the rows that differ."""
    differing = [(e, g) for _, e, g in pairs if not _same(e, g)]
    return bool(differing) and sum(predicate(e, g) for e, g in differing) >= share * len(differing)


def _is_nan(value: Any) -> bool:
    return value is None or (is_number(value) and math.isnan(value))


def _table(value: Any) -> Any:
    """The table of a call output (``scan_dicom_headers`` returns it under ``"table"``)."""
    return value["table"] if isinstance(value, dict) and "table" in value else value


# --- SIIM labels and masks --------------------------------------------------------------


@detector("csv-rows")
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
    area_pairs = _pairs(evidence.expected, evidence.got, "image_id", "area_px")
    share_pairs = _pairs(evidence.expected, evidence.got, "image_id", "upper_half_share")
    differing = [(i, g) for i, e, g in area_pairs if not _close(g, e, 0)]
    differing += [(i, g) for i, e, g in share_pairs if not _close(g, e, 0, 1e-6)]
    if not differing:
        return False
    column = {i: g for i, _, g in area_pairs}
    shares = {i: g for i, _, g in share_pairs}
    fits = 0
    for image_id, _ in differing:
        if image_id in wrong:
            area, share = wrong[image_id]
            fits += _close(column.get(image_id), area, 0) and _close(
                shares.get(image_id), share, 0, 1e-6
            )
    return fits >= 0.8 * len(differing)


@detector("rle-absolute")
def rle_absolute(evidence: Evidence) -> str | None:
    """Treating each RLE start as an absolute offset instead of relative to the last run."""
    hint = (
        "Your masks match decoding each RLE start as an absolute pixel offset. In this "
        "competition's encoding each start counts from the end of the previous run."
    )
    if _mask_variant_matches(evidence, relative=False, column_major=True):
        return hint
    if (
        evidence.status == "ok"
        and not isinstance(evidence.got, np.ndarray)
        and _mask_table_matches(evidence, relative=False, column_major=True)
    ):
        return hint
    return None


@detector("rle-row-major")
def rle_row_major(evidence: Evidence) -> str | None:
    """Filling the mask row by row (C order) instead of column by column: a transposed mask."""
    hint = (
        "Your masks are transposed: the RLE runs go down the columns (column-major, "
        "Fortran order), so reshape to (width, height) and transpose, or use order='F'."
    )
    if _mask_variant_matches(evidence, relative=True, column_major=False):
        return hint
    if (
        evidence.status == "ok"
        and not isinstance(evidence.got, np.ndarray)
        and _mask_table_matches(evidence, relative=True, column_major=False)
    ):
        return hint
    return None


@detector("mask-values")
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
    pairs = _pairs(evidence.expected, got, "image_id", "area_px")
    if _fits(pairs, lambda _, e: 255 * e, 1e-9):
        return (
            "area_px is 255 times the area: you summed the mask's 0/255 values; "
            "count the pixels that are set instead."
        )
    return None


@detector("pixels-not-cm2")
def pixels_not_cm2(evidence: Evidence) -> str | None:
    """Area in pixels or in mm2 where cm2 is asked for."""
    pairs = _pairs(evidence.expected, evidence.got, "image_id", "area_cm2")
    areas_px = {i: e for i, e, _ in _pairs(evidence.expected, evidence.got, "image_id", "area_px")}
    if _fits(pairs, lambda i, _: areas_px.get(i)):
        return (
            "area_cm2 holds the pixel count: multiply by the pixel area "
            "(PixelSpacing row x column, in mm2) and divide by 100 for cm2."
        )
    if _fits(pairs, lambda _, e: 100 * e):
        return "area_cm2 is 100 times too large: that is mm2; 1 cm2 = 100 mm2."
    return None


# --- SIIM headers -----------------------------------------------------------------------


def _misread_ages(_image_id: Any, years: Any) -> list[float] | None:
    """Ages a misread Age String gives: a unit taken for years, or the last digit cut off."""
    if _is_nan(years):
        return None
    return [years * 12, years * 52, years * 365, float(int(years) // 10)]


@detector("age-string")
def age_string(evidence: Evidence) -> str | None:
    """PatientAge ('038Y', an Age String) read as a plain number, or its unit ignored."""
    hint = (
        "PatientAge is a DICOM Age String such as '038Y': three digits and a unit (D, W, M, "
        "Y), but SIIM stores a bare number ('46'). Read the digits, convert a unit when there "
        "is one (months, weeks, days to years); a string you cannot parse is NaN."
    )
    expected, got = _table(evidence.expected), _table(evidence.got)
    pairs = _pairs(expected, got, "image_id", "age")
    if _mostly(pairs, lambda e, g: _is_nan(g) and not _is_nan(e), share=0.8):
        return hint
    if _fits(pairs, _misread_ages):
        return hint
    if isinstance(evidence.got, dict) and isinstance(evidence.expected, dict):
        stats = [evidence.got.get(k) for k in ("age_mean", "age_median") if k in evidence.got]
        if stats and all(is_number(v) and math.isnan(v) for v in stats):
            return hint
    return None


@detector("unreadable-crash")
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


# --- LiTS -------------------------------------------------------------------------------


def _voxel_ml(references: dict) -> dict:
    table = references["volume_table"]
    return {
        row.case_id: row.spacing_x_mm * row.spacing_y_mm * row.spacing_z_mm / 1000.0
        for row in table.itertuples(index=False)
    }


@detector("voxels-not-ml")
def voxels_not_ml(evidence: Evidence) -> str | None:
    """Volumes in voxels or mm3 where mL is asked for."""
    voxel_ml = _voxel_ml(evidence.references)
    for column in ("liver_ml", "tumour_ml"):
        pairs = _pairs(evidence.expected, evidence.got, "case_id", column)
        if _fits(pairs, lambda i, e: e / voxel_ml[i] if voxel_ml.get(i) else None):
            return (
                f"{column} holds voxel counts: multiply by the voxel volume (product of the "
                "header zooms, in mm3) and divide by 1000 for mL."
            )
        if _fits(pairs, lambda _, e: 1000 * e):
            return f"{column} is 1000 times too large: that is mm3; 1 mL = 1000 mm3."
    return None


@detector("tumour-outside-liver")
def tumour_outside_liver(evidence: Evidence) -> str | None:
    """Counting only label 1 as liver, although tumour (label 2) lies inside the liver."""
    expected, got = evidence.expected, evidence.got
    liver = {i: e for i, e, _ in _pairs(expected, expected, "case_id", "liver_ml")}
    tumour = {i: e for i, e, _ in _pairs(expected, expected, "case_id", "tumour_ml")}
    hint = (
        "Your liver volume leaves the tumour out: tumour (label 2) lies inside the liver, so "
        "the liver is every voxel labelled 1 or 2."
    )
    if _fits(
        _pairs(expected, got, "case_id", "liver_ml"),
        lambda i, e: e - tumour[i] if tumour.get(i) else None,
        1e-6,
    ):
        return hint
    if _fits(
        _pairs(expected, got, "case_id", "tumour_burden"),
        lambda i, _: tumour[i] / (liver[i] - tumour[i]) if liver[i] > tumour[i] else None,
        1e-6,
    ):
        return hint
    return None


TUMOUR = 2
FACE_CONNECTED = ndimage.generate_binary_structure(3, 1)
"""6-connectivity: voxels touching by a face only (scipy's default structure)."""


def face_connected_lesions(segmentation: Path) -> int:
    """Tumour components of a label volume when voxels touching only at an edge or a corner
    count apart (the mistake; the course counts with full 26-connectivity)."""
    labels = np.asarray(nib.load(segmentation).dataobj)
    return int(ndimage.label(labels == TUMOUR, structure=FACE_CONNECTED)[1])


@detector("lesion-connectivity")
def lesion_connectivity(evidence: Evidence) -> str | None:
    """Lesions counted with 6-connectivity (faces only) instead of 26 (faces, edges, corners).

    Only data with lesions that touch at an edge or a corner alone tells the two apart; the
    detector recounts the differing cases that way and fires when the learner's counts match.
    """
    pairs = _pairs(evidence.expected, evidence.got, "case_id", "lesion_count")
    differing = {case_id for case_id, expected, got in pairs if not _same(expected, got)}
    if not differing:
        return None
    segmentations = {
        case.case_id: case.segmentation
        for case in find_lits_cases(Path(evidence.root))
        if case.case_id in differing
    }
    if not _fits(pairs, lambda case_id, _: face_connected_lesions(segmentations[case_id]), 0):
        return None
    return (
        "lesion_count matches counting with 6-connectivity (voxels touching by a face): "
        "lesions whose voxels touch only at an edge or a corner are one lesion here. Label with "
        "full 26-connectivity: scipy.ndimage.label(mask, structure=numpy.ones((3, 3, 3)))."
    )


FLIPPED = str.maketrans("LRAPSI", "RLPAIS")


@detector("orientation-flip")
def orientation_flip(evidence: Evidence) -> str | None:
    """Orientation codes with one or more axes flipped (or RAS assumed)."""
    pairs = _pairs(evidence.expected, evidence.got, "case_id", "orientation")
    if isinstance(evidence.got, dict) and isinstance(evidence.expected, dict):
        want = evidence.expected.get("orientation_counts", {})
        have = evidence.got.get("orientation_counts")
        if isinstance(have, dict):
            pairs = [(None, e, g) for e, g in zip(sorted(want), sorted(have), strict=False)]

    def flipped(expected: Any, got: Any) -> bool:
        if not (isinstance(got, str) and isinstance(expected, str)) or len(got) != len(expected):
            return False
        return all(g in (e, e.translate(FLIPPED)) for g, e in zip(got, expected, strict=True))

    differing = [(e, g) for _, e, g in pairs if e != g]
    if differing and all(flipped(e, g) for e, g in differing):
        return (
            "Some axes are flipped: take the codes from the volume's own affine with "
            "nibabel.aff2axcodes(img.affine); each letter names where that axis points to "
            "(LAS: x towards Left, y Anterior, z Superior), and a negative zoom flips it."
        )
    return None


def _below(expected: Any, got: Any) -> bool:
    return is_number(got) and is_number(expected) and (math.isnan(got) or got < expected)


HU_RANGE = (-1100.0, 3100.0)
WRAPS = (2**8, 2**16, 2**32)


@detector("integer-overflow")
def integer_overflow(evidence: Evidence) -> str | None:
    """Sums or counts that wrapped around in a small integer dtype (uint8, int16, int32)."""
    hint = (
        "Some values look wrapped around by an integer overflow: sums of int16 voxels or "
        "uint8 pixels overflow. Accumulate in float64 (or int64): arr.sum(dtype=np.float64)."
    )

    def wrapped(expected: Any, got: Any) -> bool:
        if not (is_number(expected) and is_number(got)) or got == expected:
            return False
        if math.isnan(expected) or math.isnan(got):
            return False
        if float(got).is_integer() and float(expected).is_integer():
            return any((int(expected) - int(got)) % wrap == 0 for wrap in WRAPS)
        return HU_RANGE[0] <= expected <= HU_RANGE[1] and not HU_RANGE[0] <= got <= HU_RANGE[1]

    expected, got = evidence.expected, evidence.got
    if isinstance(expected, pd.DataFrame) and isinstance(got, pd.DataFrame):
        key = expected.columns[0]
        for mean_column in (c for c in expected.columns if str(c).endswith("mean")):
            means = _pairs(expected, got, key, mean_column)
            spreads = _pairs(expected, got, key, mean_column[: -len("mean")] + "std")
            if means and all(_same(e, g) for _, e, g in means) and _mostly(spreads, _below):
                return hint  # right mean, too small a spread: the squares wrapped around
        for column in expected.columns[1:]:
            pairs = _pairs(expected, got, key, column)
            if _mostly(pairs, wrapped):
                return hint
    if isinstance(expected, dict) and isinstance(got, dict):
        for name, values in expected.items():
            mine = got.get(name)
            if isinstance(values, list) and isinstance(mine, list) and len(mine) == len(values):
                pairs = [(None, e, g) for e, g in zip(values, mine, strict=True)]
                if _mostly(pairs, wrapped) or any(is_number(g) and g < 0 for g in mine):
                    return hint
    return None
