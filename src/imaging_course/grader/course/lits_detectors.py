"""Detectors of the mistakes learners make in the LiTS exercise (``lits_eda``), each with a hint.

Each is a function of :class:`~imaging_course.grader.detectors.Evidence` that
:mod:`.lits_checks` lists on the checks whose failure its mistake explains (see
:mod:`imaging_course.grader.detectors` for the rules): volumes in voxels or mm3, the tumour
left out of the liver, lesions counted with 6-connectivity, flipped orientation codes; the
dtype of values once read given as the dtype on disk, the scaling ignored or reported missing,
the labels assumed to be 0, 1 and 2; field of view in voxels, thin slices resampled, the
resampled volume at the wrong bytes per voxel; the per-voxel share given as the per-slice one;
lesion sizes in voxels or of 6-connected components; stored numbers taken for HU, a window
twice as wide.
"""

import math
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np

from imaging_course.datasets.lits.layout import find_lits_cases
from imaging_course.grader.compare import is_number
from imaging_course.grader.detectors import Evidence, close, fits, is_nan, pairs, same


def _voxel_ml(references: dict) -> dict:
    table = references["volume_table"]
    return {
        row.case_id: row.spacing_x_mm * row.spacing_y_mm * row.spacing_z_mm / 1000.0
        for row in table.itertuples(index=False)
    }


def voxels_not_ml(evidence: Evidence) -> str | None:
    """Volumes in voxels or mm3 where mL is asked for."""
    voxel_ml = _voxel_ml(evidence.references)
    for column in ("liver_ml", "tumour_ml"):
        rows = pairs(evidence.expected, evidence.got, "case_id", column)
        if fits(rows, lambda i, e: e / voxel_ml[i] if voxel_ml.get(i) else None):
            return (
                f"{column} holds voxel counts: multiply by the voxel volume (product of the "
                "header zooms, in mm3) and divide by 1000 for mL."
            )
        if fits(rows, lambda _, e: 1000 * e):
            return f"{column} is 1000 times too large: that is mm3; 1 mL = 1000 mm3."
    return None


def tumour_outside_liver(evidence: Evidence) -> str | None:
    """Counting only label 1 as liver, although tumour (label 2) lies inside the liver."""
    expected, got = evidence.expected, evidence.got
    liver = {i: e for i, e, _ in pairs(expected, expected, "case_id", "liver_ml")}
    tumour = {i: e for i, e, _ in pairs(expected, expected, "case_id", "tumour_ml")}
    hint = (
        "Your liver volume leaves the tumour out: tumour (label 2) lies inside the liver, so "
        "the liver is every voxel labelled 1 or 2."
    )
    if fits(
        pairs(expected, got, "case_id", "liver_ml"),
        lambda i, e: e - tumour[i] if tumour.get(i) else None,
        1e-6,
    ):
        return hint
    if fits(
        pairs(expected, got, "case_id", "tumour_burden"),
        lambda i, _: tumour[i] / (liver[i] - tumour[i]) if liver[i] > tumour[i] else None,
        1e-6,
    ):
        return hint
    return None


TUMOUR = 2


def _face_connected(mask: np.ndarray) -> tuple[np.ndarray, int, list]:
    """Components of ``mask`` with 6-connectivity (voxels touching by a face only: scipy's
    default structure), their count and their bounding boxes.

    ``scipy.ndimage`` is imported here, not at the top: every grading run loads this module
    before it starts its sandbox, a detector runs only when a check fails, and the import
    costs the start of every run half a second.
    """
    from scipy import ndimage  # noqa: PLC0415 (see above)

    labels, count = ndimage.label(mask)
    return labels, count, ndimage.find_objects(labels)


def face_connected_lesions(segmentation: Path) -> int:
    """Tumour components of a label volume when voxels touching only at an edge or a corner
    count apart (the mistake; the course counts with full 26-connectivity)."""
    labels = np.asarray(nib.load(segmentation).dataobj)
    return _face_connected(labels == TUMOUR)[1]


def lesion_connectivity(evidence: Evidence) -> str | None:
    """Lesions counted with 6-connectivity (faces only) instead of 26 (faces, edges, corners).

    Only data with lesions that touch at an edge or a corner alone tells the two apart; the
    detector recounts the differing cases that way and fires when the learner's counts match.
    """
    rows = pairs(evidence.expected, evidence.got, "case_id", "lesion_count")
    differing = {case_id for case_id, expected, got in rows if not same(expected, got)}
    if not differing:
        return None
    segmentations = {
        case.case_id: case.segmentation
        for case in find_lits_cases(Path(evidence.root))
        if case.case_id in differing
    }
    if not fits(rows, lambda case_id, _: face_connected_lesions(segmentations[case_id]), 0):
        return None
    return (
        "lesion_count matches counting with 6-connectivity (voxels touching by a face): "
        "lesions whose voxels touch only at an edge or a corner are one lesion here. Label with "
        "full 26-connectivity: scipy.ndimage.label(mask, structure=numpy.ones((3, 3, 3)))."
    )


FLIPPED = str.maketrans("LRAPSI", "RLPAIS")


def orientation_flip(evidence: Evidence) -> str | None:
    """Orientation codes with one or more axes flipped (or RAS assumed)."""
    rows = pairs(evidence.expected, evidence.got, "case_id", "orientation")
    if isinstance(evidence.got, dict) and isinstance(evidence.expected, dict):
        want = evidence.expected.get("orientation_counts", {})
        have = evidence.got.get("orientation_counts")
        if isinstance(have, dict):
            rows = [(None, e, g) for e, g in zip(sorted(want), sorted(have), strict=False)]

    def flipped(expected: Any, got: Any) -> bool:
        if not (isinstance(got, str) and isinstance(expected, str)) or len(got) != len(expected):
            return False
        return all(g in (e, e.translate(FLIPPED)) for g, e in zip(got, expected, strict=True))

    differing = [(e, g) for _, e, g in rows if e != g]
    if differing and all(flipped(e, g) for e, g in differing):
        return (
            "Some axes are flipped: take the codes from the volume's own affine with "
            "nibabel.aff2axcodes(img.affine); each letter names where that axis points to "
            "(LAS: x towards Left, y Anterior, z Superior), and a negative zoom flips it."
        )
    return None


READ_DTYPE = "float64"
"""The dtype of values once read: ``get_fdata()`` always, ``img.dataobj`` on a scaled file."""


def dtype_after_reading(evidence: Evidence) -> str | None:
    """The dtype of the values once read (float64) reported as the dtype on disk."""
    for column in ("volume_dtype", "segmentation_dtype"):
        rows = pairs(evidence.expected, evidence.got, "case_id", column)
        differing = [got for _, expected, got in rows if expected != got]
        if differing and all(got == READ_DTYPE for got in differing):
            return (
                f"{column} gives float64, the dtype of the values once read (get_fdata() "
                "always returns float64, and img.dataobj does for a scaled file): the dtype "
                "on disk is in the header, img.get_data_dtype()."
            )
    return None


def scaling_unset_as_missing(evidence: Evidence) -> str | None:
    """The scaling reported missing (NaN or None): read from ``img.header`` after
    ``nib.load``, which moves it into ``img.dataobj`` and leaves NaN in the header."""
    for column in ("scl_slope", "scl_inter"):
        rows = pairs(evidence.expected, evidence.got, "case_id", column)
        differing = [(e, g) for _, e, g in rows if not same(e, g)]
        if differing and all(is_nan(g) for _, g in differing):
            return (
                f"{column} is missing (NaN or None): nib.load moves the scaling from the "
                "header into img.dataobj, so img.header['scl_slope'] is NaN and "
                "img.header.get_slope_inter() gives (None, None) for every file, scaled or "
                "not. Read img.dataobj.slope and img.dataobj.inter (1.0 and 0.0 when the file "
                "is not scaled)."
            )
    return None


def scaling_ignored(evidence: Evidence) -> str | None:
    """Every volume reported unscaled (slope 1, intercept 0), the header's scaling unread."""
    rows = [
        (e, g)
        for column, identity in (("scl_slope", 1.0), ("scl_inter", 0.0))
        for _, e, g in pairs(evidence.expected, evidence.got, "case_id", column)
        if not same(e, g)
    ]
    identities = {1.0, 0.0}
    if rows and all(is_number(g) and g in identities for _, g in rows):
        return (
            "Some volumes are scaled, yet you report slope 1 and intercept 0: their stored "
            "numbers are not HU until HU = scl_slope x stored + scl_inter. Read both from the "
            "header (img.dataobj.slope and img.dataobj.inter)."
        )
    return None


ASSUMED_LABELS = [0.0, 1.0, 2.0]


def _by_case(expected: Any, got: Any) -> list[tuple[Any, Any, Any]]:
    """``(case id, expected, got)`` of two dicts keyed by case id, for the ids both hold."""
    if not (isinstance(expected, dict) and isinstance(got, dict)):
        return []
    have = {int(key): value for key, value in got.items()}
    return [(key, value, have[key]) for key, value in expected.items() if key in have]


def _numbers(value: Any) -> list[float]:
    return [float(item) for item in value]


def labels_assumed(evidence: Evidence) -> str | None:
    """Every segmentation reported as holding 0, 1 and 2, whatever it holds."""
    rows = _by_case(evidence.expected, evidence.got)
    differing = [got for _, expected, got in rows if _numbers(expected) != _numbers(got)]
    if differing and all(sorted(_numbers(got)) == ASSUMED_LABELS for got in differing):
        return (
            "label_values gives 0, 1, 2 for segmentations that hold other values: read the "
            "values (numpy.unique of each slab) instead of assuming them; a tumour-free case "
            "holds no 2, and a float segmentation holds 0.0, 1.0, 2.0."
        )
    return None


def _expected_column(evidence: Evidence, column: str) -> dict:
    """``{case id: expected value}`` of one column of the expected table."""
    return {i: e for i, e, _ in pairs(evidence.expected, evidence.expected, "case_id", column)}


def _spacing(references: dict, axis: str) -> dict:
    table = references["volume_table"]
    return dict(zip(table["case_id"], table[f"spacing_{axis}_mm"], strict=True))


def field_of_view_in_voxels(evidence: Evidence) -> str | None:
    """The field of view or extent given in voxels (the array's size) instead of mm."""
    for column, axis in (("fov_x_mm", "x"), ("fov_y_mm", "y"), ("extent_z_mm", "z")):
        spacing = _spacing(evidence.references, axis)
        rows = pairs(evidence.expected, evidence.got, "case_id", column)
        if fits(rows, lambda i, e, spacing=spacing: e / spacing[i] if spacing.get(i) else None):
            return (
                f"{column} holds a number of voxels: multiply by the spacing along that axis "
                "(img.header.get_zooms(), mm) for millimetres."
            )
    return None


def thin_slices_resampled(evidence: Evidence) -> str | None:
    """Volumes with slices at 1 mm or thinner resampled to 1 mm too (fewer slices)."""
    extent = _expected_column(evidence, "extent_z_mm")
    rows = pairs(evidence.expected, evidence.got, "case_id", "slices_at_1mm")
    if fits(rows, lambda i, _: math.floor(extent[i] + 0.5), 0):
        return (
            "slices_at_1mm resamples every volume, the thin-sliced ones too: a volume at 1 mm "
            "or thinner keeps its slices (resampling 0.7 mm slices to 1 mm throws detail away)."
        )
    return None


def resampled_bytes_per_voxel(evidence: Evidence) -> str | None:
    """The resampled volume counted at the stored dtype's size or as float64, not float32."""
    volumes = evidence.references["volume_table"].set_index("case_id")
    expected = evidence.expected.set_index("case_id")

    def wrong(case_id: Any, resampled_mb: float) -> list[float]:
        shape = volumes.loc[case_id, ["nx", "ny", "nz"]].astype(float)
        stored_bytes = expected.loc[case_id, "stored_mb"] * 1e6 / shape.prod()
        return [resampled_mb * stored_bytes / 4, resampled_mb * 2]

    rows = pairs(evidence.expected, evidence.got, "case_id", "resampled_mb")
    if fits(rows, wrong):
        return (
            "resampled_mb counts the wrong bytes per voxel: interpolation gives floats, so "
            "count 4 bytes (float32) per voxel of the resampled volume, whatever the file "
            "stores and whatever the float64 of a first try."
        )
    return None


def voxel_share_as_slice_share(evidence: Evidence) -> str | None:
    """The per-voxel share reported as the per-slice one, or the other way round."""
    for label in ("liver", "tumour"):
        voxel, slice_ = f"{label}_voxel_fraction", f"{label}_slice_fraction"
        for asked, given in ((slice_, voxel), (voxel, slice_)):
            share = _expected_column(evidence, given)
            rows = pairs(evidence.expected, evidence.got, "case_id", asked)
            if fits(rows, lambda i, _, share=share: share[i]):
                return (
                    f"{asked} holds the {given.split('_')[1]} share. Per voxel: labelled "
                    "voxels over all voxels; per slice: slices holding the label at least "
                    "once over all slices. A 2-D model sees the second, a 3-D one the first, "
                    "an order of magnitude apart."
                )
    return None


def liver_share_without_tumour(evidence: Evidence) -> str | None:
    """The liver's share counting label 1 only, although tumour lies inside the liver."""
    tumour = _expected_column(evidence, "tumour_voxel_fraction")
    rows = pairs(evidence.expected, evidence.got, "case_id", "liver_voxel_fraction")
    if fits(rows, lambda i, e: e - tumour[i] if tumour.get(i) else None, 1e-6):
        return (
            "liver_voxel_fraction leaves the tumour out: tumour (label 2) lies inside the "
            "liver, so the liver is every voxel labelled 1 or 2."
        )
    return None


SMALL_LESION_MM = 10.0
"""The course's bound of a small lesion (equivalent diameter, mm)."""


def _voxel_mm3(references: dict) -> dict:
    return {case_id: 1000.0 * ml for case_id, ml in _voxel_ml(references).items()}


def _sorted_list(value: Any) -> list[float]:
    return sorted(_numbers(value), reverse=True)


def lesion_size_in_voxels(evidence: Evidence) -> str | None:
    """Lesion sizes from voxel counts (a diameter in voxels, or the count itself), not mm."""
    voxel_mm3 = _voxel_mm3(evidence.references)
    expected = evidence.expected["diameters_mm"]
    got = evidence.got if isinstance(evidence.got, dict) else {}

    def in_voxels(case_id: Any, diameters: list[float]) -> list[list[float]]:
        side = voxel_mm3[case_id] ** (1 / 3)
        counts = [math.pi / 6 * d**3 / voxel_mm3[case_id] for d in diameters]
        return [[d / side for d in diameters], counts]

    def matches(case_id: Any, mine: Any) -> bool:
        return any(
            len(wrong) == len(mine)
            and all(close(g, w, 1e-3) for g, w in zip(_sorted_list(mine), wrong, strict=True))
            for wrong in in_voxels(case_id, _sorted_list(expected[case_id]))
        )

    rows = _by_case(expected, got.get("diameters_mm"))
    differing = [(i, g) for i, e, g in rows if _numbers(e) != _numbers(g)]
    sized = bool(differing) and all(matches(i, g) for i, g in differing)
    small_rows = _by_case(evidence.expected["lesions_below_10mm"], got.get("lesions_below_10mm"))
    small = fits(
        small_rows,
        lambda i, _: [
            sum(w < SMALL_LESION_MM for w in wrong)
            for wrong in in_voxels(i, _sorted_list(expected[i]))
        ],
        0,
    )
    if sized or small:
        return (
            "Lesion sizes are in voxels: a voxel is a fraction of a mm3 in one case and "
            "several mm3 in another. Multiply the voxel count by prod(img.header.get_zooms()) "
            "for mm3, then take the equivalent diameter (6 V / pi) ** (1/3) in mm."
        )
    return None


def face_connected_sizes(segmentation: Path, voxel_mm3: float) -> tuple[list[float], int]:
    """Equivalent diameters (mm) of the tumour components with 6-connectivity (the mistake),
    and how many of them lie on one slice."""
    labels, count, boxes = _face_connected(np.asarray(nib.load(segmentation).dataobj) == TUMOUR)
    voxels = np.bincount(labels.ravel(), minlength=count + 1)[1:]
    one_slice = sum(box[2].stop - box[2].start == 1 for box in boxes)
    return [(6 * v * voxel_mm3 / math.pi) ** (1 / 3) for v in voxels], one_slice


def lesion_sizes_connectivity(evidence: Evidence) -> str | None:
    """Lesion sizes and counts of components labelled with 6-connectivity, not 26."""
    voxel_mm3 = _voxel_mm3(evidence.references)
    segmentations = {
        case.case_id: case.segmentation for case in find_lits_cases(Path(evidence.root))
    }
    got = evidence.got if isinstance(evidence.got, dict) else {}
    checked = 0
    for field in ("diameters_mm", "lesions_below_10mm", "one_slice_lesions"):
        for case_id, expected, mine in _by_case(evidence.expected[field], got.get(field)):
            if field == "diameters_mm" and _numbers(expected) == _numbers(mine):
                continue
            if field != "diameters_mm" and same(expected, mine):
                continue
            diameters, one_slice = face_connected_sizes(segmentations[case_id], voxel_mm3[case_id])
            wrong = {
                "diameters_mm": len(diameters),
                "lesions_below_10mm": sum(d < SMALL_LESION_MM for d in diameters),
                "one_slice_lesions": one_slice,
            }[field]
            if not same(wrong, len(mine) if field == "diameters_mm" else mine):
                return None
            checked += 1
    if not checked:
        return None
    return (
        "Your lesions match labelling with 6-connectivity (voxels touching by a face): "
        "lesions whose voxels touch only at an edge or a corner are one lesion here. Label "
        "with full 26-connectivity: scipy.ndimage.label(mask, structure=numpy.ones((3, 3, 3)))."
    )


WINDOW_LEVEL_HU, WINDOW_WIDTH_HU = 30.0, 150.0
"""The defaults of ``window_qa``, the window the grader's call uses."""


def stored_numbers_as_hu(evidence: Evidence) -> str | None:
    """HU of scaled volumes computed from the stored numbers, the scaling left out."""
    storage = evidence.references["storage_table"].set_index("case_id")

    def unscaled(case_id: Any, hu: float) -> float | None:
        slope, inter = storage.loc[case_id, ["scl_slope", "scl_inter"]]
        return (hu - inter) / slope if (slope, inter) != (1.0, 0.0) else None

    if fits(pairs(evidence.expected, evidence.got, "case_id", "liver_hu_mean"), unscaled):
        return (
            "liver_hu_mean of the scaled volumes is in stored numbers, not HU: HU = scl_slope "
            "x stored + scl_inter. img.dataobj[...] applies the scaling; "
            "img.dataobj.get_unscaled() and reading the file's bytes do not."
        )
    return None


def window_full_width(evidence: Evidence) -> str | None:
    """The window's edges taken at level +- width instead of level +- width / 2."""
    expected = evidence.expected.set_index("case_id")
    cases = {case.case_id: case for case in find_lits_cases(Path(evidence.root))}
    level, width = WINDOW_LEVEL_HU, WINDOW_WIDTH_HU  # the grader calls window_qa(root)

    def liver_values(case_id: Any) -> np.ndarray:
        index = int(expected.loc[case_id, "slice_index"])
        case = cases[case_id]
        hu = np.asarray(nib.load(case.volume).dataobj[:, :, index], dtype=np.float64)
        labels = np.asarray(nib.load(case.segmentation).dataobj[:, :, index])
        return hu[(labels == 1) & np.isfinite(hu)]

    def wide_grey(case_id: Any, _: float) -> float:
        values = liver_values(case_id)
        return float(np.clip((values - (level - width)) / (2 * width), 0, 1).mean())

    def wide_white(case_id: Any, _: float) -> float:
        return float((liver_values(case_id) >= level + width).mean())

    for column, wrong in (("liver_grey_mean", wide_grey), ("liver_white_fraction", wide_white)):
        if fits(pairs(evidence.expected, evidence.got, "case_id", column), wrong, 1e-6):
            return (
                f"{column} matches a window twice as wide: the window's edges are level - "
                "width / 2 (black) and level + width / 2 (white), so W 150 / L 30 runs from "
                "-45 to 105 HU."
            )
    return None
