"""The LiTS exercise's checks (``lits_eda``): what `make grade` calls and compares.

One :class:`~imaging_course.grader.check_table.CallSpec` per call of a learner function (each
reads the dataset folder), one :class:`~imaging_course.grader.check_table.Check` per graded
item, in report order, with the detectors of :mod:`.lits_detectors`.
"""

from functools import partial

from imaging_course.datasets.registry import DATASETS
from imaging_course.grader.check_table import Check, exercise_call, exercise_table
from imaging_course.grader.compare import (
    Array,
    Exact,
    Fields,
    IdSet,
    Mapping,
    Number,
    Sequence,
    Table,
    Unordered,
)
from imaging_course.grader.course.common import COUNT, HU, STAT, integer_overflow
from imaging_course.grader.course.lits_detectors import (
    dtype_after_reading,
    field_of_view_in_voxels,
    labels_assumed,
    lesion_connectivity,
    lesion_size_in_voxels,
    lesion_sizes_connectivity,
    liver_share_without_tumour,
    orientation_flip,
    resampled_bytes_per_voxel,
    scaling_ignored,
    scaling_unset_as_missing,
    stored_numbers_as_hu,
    thin_slices_resampled,
    tumour_outside_liver,
    voxel_share_as_slice_share,
    voxels_not_ml,
    window_full_width,
)

LITS = DATASETS["lits"]
call = partial(exercise_call, LITS)

CALLS = (
    call("volume_table"),
    call("case_statistics"),
    call("hu_histograms"),
    call("dataset_summary"),
    call("storage_table"),
    call("label_values"),
    call("slice_geometry"),
    call("class_balance"),
    call("lesion_sizes"),
    call("window_qa"),
)
"""Every call of the exercise (each named as its reference file is)."""

CHECKS = (
    Check(
        "lits-volume-geometry",
        "volume_table",
        None,
        Table(
            "case_id",
            {
                "nx": COUNT,
                "ny": COUNT,
                "nz": COUNT,
                "spacing_x_mm": STAT,
                "spacing_y_mm": STAT,
                "spacing_z_mm": STAT,
            },
        ),
    ),
    Check(
        "lits-orientation",
        "volume_table",
        None,
        Table("case_id", {"orientation": Exact()}),
        detectors=(orientation_flip,),
    ),
    Check(
        "lits-hu-range",
        "volume_table",
        None,
        Table("case_id", {"hu_min": HU, "hu_max": HU}),
        detectors=(integer_overflow,),
    ),
    Check(
        "lits-affine-match",
        "volume_table",
        None,
        Table("case_id", {"affine_matches": Exact()}),
    ),
    Check(
        "lits-liver-volume",
        "case_statistics",
        None,
        Table("case_id", {"liver_ml": Number(rtol=1e-5, atol=1e-6)}),
        points=2,
        detectors=(voxels_not_ml, tumour_outside_liver),
    ),
    Check(
        "lits-tumour-volume",
        "case_statistics",
        None,
        Table(
            "case_id",
            {"tumour_ml": Number(rtol=1e-5, atol=1e-6), "tumour_burden": STAT},
        ),
        detectors=(voxels_not_ml, tumour_outside_liver),
    ),
    Check(
        "lits-lesion-count",
        "case_statistics",
        None,
        Table("case_id", {"lesion_count": COUNT}),
        detectors=(lesion_connectivity,),
    ),
    Check(
        "lits-hu-by-label",
        "case_statistics",
        None,
        Table(
            "case_id",
            {"liver_hu_mean": HU, "liver_hu_std": HU, "tumour_hu_mean": HU, "tumour_hu_std": HU},
        ),
        detectors=(integer_overflow,),
    ),
    Check(
        "lits-liver-extent",
        "case_statistics",
        None,
        Table("case_id", {"liver_extent_mm": STAT}),
    ),
    Check(
        "lits-hu-histograms",
        "hu_histograms",
        None,
        Fields({name: Array() for name in ("bin_edges", "background", "liver", "tumour")}),
        points=2,
        detectors=(integer_overflow, tumour_outside_liver),
    ),
    Check(
        "lits-dataset-summary",
        "dataset_summary",
        None,
        Fields(
            {
                "n_cases": COUNT,
                "orientation_counts": Exact(),
                "slice_spacings_mm": Sequence(Number(rtol=0.0, atol=0.005)),
                "tumour_free_cases": IdSet("case ids"),
                "affine_mismatch_cases": IdSet("case ids"),
            }
        ),
        points=2,
        detectors=(orientation_flip,),
    ),
    Check(
        "lits-storage-dtypes",
        "storage_table",
        None,
        Table("case_id", {"volume_dtype": Exact(), "segmentation_dtype": Exact()}),
        detectors=(dtype_after_reading,),
    ),
    Check(
        "lits-storage-scaling",
        "storage_table",
        None,
        Table("case_id", {"scl_slope": STAT, "scl_inter": STAT}),
        detectors=(scaling_unset_as_missing, scaling_ignored),
    ),
    Check(
        "lits-label-values",
        "label_values",
        None,
        Mapping(Unordered(COUNT), "cases"),
        detectors=(labels_assumed,),
    ),
    Check(
        "lits-slice-geometry",
        "slice_geometry",
        None,
        Table(
            "case_id",
            {
                "slices": COUNT,
                "slice_spacing_mm": STAT,
                "fov_x_mm": STAT,
                "fov_y_mm": STAT,
                "extent_z_mm": STAT,
            },
        ),
        detectors=(field_of_view_in_voxels,),
    ),
    Check(
        "lits-resampling-cost",
        "slice_geometry",
        None,
        Table("case_id", {"slices_at_1mm": COUNT, "stored_mb": STAT, "resampled_mb": STAT}),
        points=2,
        detectors=(thin_slices_resampled, resampled_bytes_per_voxel),
    ),
    Check(
        "lits-class-balance",
        "class_balance",
        None,
        Table(
            "case_id",
            {
                "liver_voxel_fraction": STAT,
                "tumour_voxel_fraction": STAT,
                "liver_slice_fraction": STAT,
                "tumour_slice_fraction": STAT,
            },
        ),
        points=2,
        detectors=(voxel_share_as_slice_share, liver_share_without_tumour),
    ),
    Check(
        "lits-lesion-sizes",
        "lesion_sizes",
        "diameters_mm",
        Mapping(Unordered(STAT), "cases"),
        points=2,
        detectors=(lesion_size_in_voxels, lesion_sizes_connectivity),
    ),
    Check(
        "lits-small-lesions",
        "lesion_sizes",
        None,
        Fields({"lesions_below_10mm": Exact(), "one_slice_lesions": Exact()}),
        detectors=(lesion_size_in_voxels, lesion_sizes_connectivity),
    ),
    Check(
        "lits-window-slice",
        "window_qa",
        None,
        Table("case_id", {"slice_index": COUNT}),
    ),
    Check(
        "lits-window-liver",
        "window_qa",
        None,
        Table(
            "case_id",
            {"liver_hu_mean": HU, "liver_grey_mean": STAT, "liver_white_fraction": STAT},
        ),
        detectors=(stored_numbers_as_hu, window_full_width),
    ),
)
"""Every check of the exercise, in report order."""

LITS_TABLE = exercise_table(LITS, CALLS, CHECKS)
"""The LiTS exercise's table, as the registry names it."""
