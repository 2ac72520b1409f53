"""The LiTS exercise's checks (``lits_eda``): what `make grade` calls and compares.

One :class:`~imaging_course.grader.check_table.CallSpec` per call of a learner function (each
reads the dataset folder), one :class:`~imaging_course.grader.check_table.Check` per graded
item, in report order, with the detectors of :mod:`.lits_detectors`.
"""

from functools import partial

from imaging_course.datasets.registry import DATASETS
from imaging_course.grader.check_table import Check, exercise_call, exercise_table
from imaging_course.grader.compare import Array, Exact, Fields, IdSet, Number, Sequence, Table
from imaging_course.grader.course.common import COUNT, HU, STAT, integer_overflow
from imaging_course.grader.course.lits_detectors import (
    lesion_connectivity,
    orientation_flip,
    tumour_outside_liver,
    voxels_not_ml,
)

LITS = DATASETS["lits"]
call = partial(exercise_call, LITS)

CALLS = (
    call("volume_table"),
    call("case_statistics"),
    call("hu_histograms"),
    call("dataset_summary"),
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
)
"""Every check of the exercise, in report order."""

LITS_TABLE = exercise_table(LITS, CALLS, CHECKS)
"""The LiTS exercise's table, as the registry names it."""
