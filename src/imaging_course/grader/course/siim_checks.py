"""The SIIM exercise's checks (``siim_eda``): what `make grade` calls and compares.

One :class:`~imaging_course.grader.check_table.CallSpec` per call of a learner function, one
:class:`~imaging_course.grader.check_table.Check` per graded item, in report order, with the
detectors of :mod:`.siim_detectors`. Arguments other than the dataset folder come from the
data (an RLE string of the label CSV) or from reference outputs (``demographics`` reads the
reference header table, so a wrong scan is not punished twice). The RLE module of the course
stays unreadable to graded code: decoding the masks is part of the exercise.
"""

from functools import partial

from imaging_course.datasets.registry import DATASETS
from imaging_course.datasets.siim.layout import read_siim_labels
from imaging_course.grader.check_table import ArgContext, Check, exercise_call, exercise_table
from imaging_course.grader.compare import (
    Array,
    Exact,
    Fields,
    Groups,
    IdSet,
    Number,
    Records,
    Table,
)
from imaging_course.grader.course.common import COUNT, DECODED_PIXELS, STAT, integer_overflow
from imaging_course.grader.course.siim_detectors import (
    age_string,
    area_not_fraction,
    bits_from_dtype,
    csv_rows,
    mask_values,
    pixels_not_cm2,
    prevalence_rows,
    rle_absolute,
    rle_row_major,
    side_swapped,
    split_counts,
    transfer_syntax_not_in_meta,
    unreadable_crash,
    wald_interval,
)

SIIM = DATASETS["siim"]
call = partial(exercise_call, SIIM)


def reference_header_table(context: ArgContext) -> tuple:
    """The reference header table, so that ``demographics`` is graded on its own."""
    return (context.references["scan_dicom_headers"]["table"],)


def example_rle(context: ArgContext) -> tuple:
    """The first positive RLE string of ``train-rle.csv`` and its image's width and height.

    The first positive image (by ImageId) of the CSV; the size comes from the reference header
    table (1024 x 1024 when the image has no readable file).
    """
    labels = read_siim_labels(context.root)
    positive = labels[labels["EncodedPixels"].str.strip() != "-1"].sort_values("ImageId")
    if positive.empty:
        raise ValueError(f"{context.root}: train-rle.csv has no positive row to decode")
    row = positive.iloc[0]
    table = context.references["scan_dicom_headers"]["table"]
    sizes = table[table["image_id"] == row["ImageId"]]
    width, height = (1024, 1024)
    if not sizes.empty:
        width, height = int(sizes["columns"].iloc[0]), int(sizes["rows"].iloc[0])
    return (str(row["EncodedPixels"]), width, height)


def empty_rle(_context: ArgContext) -> tuple:
    """The competition's "no mask" string, on a small non-square canvas."""
    return (" -1", 48, 32)


CALLS = (
    call("scan_dicom_headers"),
    call("demographics", reference_header_table, ["scan_dicom_headers"]),
    call("decode_rle", example_rle, ["scan_dicom_headers"]),
    call("decode_rle_empty", empty_rle, function="decode_rle"),
    call("label_statistics"),
    call("mask_statistics"),
    call("intensity_statistics"),
    call("duplicate_images"),
    call("data_quality_report"),
    call("pneumothorax_prevalence"),
    call("mask_geometry"),
    call("header_consistency"),
    call("split_comparison"),
)
"""Every call of the exercise (each named as its reference file is)."""

CHECKS = (
    Check(
        "siim-header-table",
        "scan_dicom_headers",
        "table",
        Table(
            "image_id",
            {
                "split": Exact(),
                "patient_id": Exact(),
                "sex": Exact(),
                "view": Exact(),
                "rows": COUNT,
                "columns": COUNT,
                "pixel_spacing_mm": STAT,
            },
        ),
        points=2,
        detectors=(unreadable_crash,),
    ),
    Check(
        "siim-header-ages",
        "scan_dicom_headers",
        "table",
        Table("image_id", {"age": Number(rtol=0.0, atol=1e-6)}),
        detectors=(age_string, unreadable_crash),
    ),
    Check(
        "siim-unreadable-files",
        "scan_dicom_headers",
        "unreadable",
        Records(("path",), "unreadable files"),
        detectors=(unreadable_crash,),
    ),
    Check("siim-sex-counts", "demographics", "sex_counts", Exact()),
    Check("siim-view-counts", "demographics", "view_counts", Exact()),
    Check(
        "siim-age-statistics",
        "demographics",
        None,
        Fields(dict.fromkeys(("age_mean", "age_median", "age_min", "age_max"), STAT)),
        detectors=(age_string,),
    ),
    Check("siim-impossible-ages", "demographics", "impossible_ages", IdSet("image ids")),
    Check(
        "siim-decode-rle",
        "decode_rle",
        None,
        Array(),
        points=2,
        detectors=(rle_absolute, rle_row_major, mask_values),
    ),
    Check("siim-decode-empty-rle", "decode_rle_empty", None, Array()),
    Check(
        "siim-label-counts",
        "label_statistics",
        None,
        Fields(
            {
                "images_labelled": COUNT,
                "positive_images": COUNT,
                "images_with_several_masks": COUNT,
                "positive_fraction": STAT,
            }
        ),
        points=2,
        detectors=(csv_rows,),
    ),
    Check(
        "siim-label-file-mismatch",
        "label_statistics",
        None,
        Fields({"files_without_row": IdSet("image ids"), "rows_without_file": IdSet("image ids")}),
    ),
    Check(
        "siim-mask-area-px",
        "mask_statistics",
        None,
        Table("image_id", {"view": Exact(), "area_px": COUNT}),
        detectors=(rle_absolute, rle_row_major, mask_values, integer_overflow),
    ),
    Check(
        "siim-mask-area-cm2",
        "mask_statistics",
        None,
        Table("image_id", {"area_cm2": Number(rtol=1e-5, atol=1e-6)}),
        detectors=(pixels_not_cm2,),
    ),
    Check(
        "siim-mask-position",
        "mask_statistics",
        None,
        Table("image_id", {"upper_half_share": Number(rtol=0.0, atol=1e-6)}),
        detectors=(rle_row_major,),
    ),
    Check(
        "siim-intensity-by-view",
        "intensity_statistics",
        None,
        Table("view", {"n_images": COUNT, "mean": DECODED_PIXELS, "std": DECODED_PIXELS}),
        detectors=(integer_overflow, unreadable_crash),
    ),
    Check("siim-duplicates", "duplicate_images", None, Groups(), detectors=(unreadable_crash,)),
    Check(
        "siim-quality-report",
        "data_quality_report",
        None,
        Fields(
            {
                "unreadable": IdSet("paths"),
                "missing_tags": Records(("image_id", "tag"), "missing tags"),
                "duplicates": Groups(),
                "impossible_ages": IdSet("image ids"),
                "files_without_row": IdSet("image ids"),
                "rows_without_file": IdSet("image ids"),
            }
        ),
        points=2,
        detectors=(unreadable_crash,),
    ),
    Check(
        "siim-prevalence-counts",
        "pneumothorax_prevalence",
        None,
        Table("group", {"images": COUNT, "positive": COUNT, "prevalence": STAT}),
        points=2,
        detectors=(prevalence_rows,),
    ),
    Check(
        "siim-prevalence-interval",
        "pneumothorax_prevalence",
        None,
        Table("group", {"ci_low": STAT, "ci_high": STAT}),
        detectors=(wald_interval,),
    ),
    Check(
        "siim-masks-per-image",
        "mask_geometry",
        None,
        Table("image_id", {"view": Exact(), "masks": COUNT, "overlapping": Exact()}),
        detectors=(rle_absolute, rle_row_major),
    ),
    Check(
        "siim-mask-area-fraction",
        "mask_geometry",
        None,
        Table("image_id", {"area_fraction": STAT}),
        detectors=(area_not_fraction, rle_absolute, rle_row_major, mask_values),
    ),
    Check(
        "siim-mask-side",
        "mask_geometry",
        None,
        Table("image_id", {"side": Exact()}),
        detectors=(side_swapped, rle_row_major),
    ),
    Check(
        "siim-header-consistency",
        "header_consistency",
        None,
        Fields(
            {
                "values": Exact(),
                "differing": Records(("image_id", "attribute", "value"), "differing values"),
            }
        ),
        points=2,
        detectors=(transfer_syntax_not_in_meta, bits_from_dtype),
    ),
    Check(
        "siim-split-shares",
        "split_comparison",
        None,
        Fields(
            {
                "images": Fields({"train": COUNT, "test": COUNT}),
                "shares": Table("group", {"train": STAT, "test": STAT, "difference": STAT}),
            }
        ),
        detectors=(split_counts,),
    ),
    Check(
        "siim-split-patients",
        "split_comparison",
        "patients",
        Fields(
            dict.fromkeys(
                (
                    "patients",
                    "patients_with_several_images",
                    "largest_group",
                    "patients_in_both_splits",
                ),
                COUNT,
            )
        ),
    ),
)
"""Every check of the exercise, in report order."""

SIIM_TABLE = exercise_table(
    SIIM, CALLS, CHECKS, blocked_imports=("imaging_course.datasets.siim.rle",)
)
"""The SIIM exercise's table, as the registry names it."""
