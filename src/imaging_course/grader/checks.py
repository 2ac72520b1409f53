"""The declarative table of what is graded: calls to learner functions, and checks on them.

A :class:`CallSpec` names one call of a learner function with arguments derived from the
dataset (its root, an example RLE string from its CSV) or from the reference output of an
earlier call (``demographics`` gets the reference header table, so a wrong scan is not
punished twice). Each call runs once per grading run; several :class:`Check` rows read parts
of its output, each with a comparison from :mod:`~imaging_course.grader.compare`, points,
and the names of the detectors (:mod:`~imaging_course.grader.detectors`) that look for the
usual mistakes when it fails.
"""

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imaging_course.datasets.siim.layout import read_siim_labels
from imaging_course.grader.compare import (
    Array,
    Exact,
    Fields,
    Groups,
    IdSet,
    Number,
    Records,
    Sequence,
    Table,
)

EXERCISE_DATASETS = {"siim_eda": "siim", "lits_eda": "lits"}
"""Each exercise module and the dataset its functions read."""


@dataclass(frozen=True)
class ArgContext:
    """What argument builders may use: the dataset root and earlier reference outputs."""

    root: Path
    references: dict[str, Any]


@dataclass(frozen=True)
class CallSpec:
    """One call of ``<exercise>.<function>(*args(context))`` on ``dataset``.

    ``needs`` names the calls whose reference outputs ``args`` reads; ``timeout`` is in
    seconds of wall time (generous: the sample runs in about a second).
    """

    name: str
    exercise: str
    dataset: str
    function: str
    args: Callable[[ArgContext], tuple]
    needs: tuple[str, ...] = ()
    timeout: float = 120.0


@dataclass(frozen=True)
class Check:
    """One graded item: part ``select`` (a key, or None for all) of call ``call``'s output."""

    id: str
    call: str
    select: str | None
    comparison: Any
    points: int = 1
    detectors: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckTable:
    """Calls and checks that belong together, and how to generate each dataset.

    ``generators`` maps a dataset name to ``"module:function"`` with the signature of
    :func:`imaging_course.datasets.siim.generate.generate_siim` (for held-out data);
    ``blocked_imports`` are modules the graded code may not import (their files stay
    unreadable to every call).
    """

    calls: dict[str, CallSpec]
    checks: tuple[Check, ...]
    generators: dict[str, str]
    blocked_imports: tuple[str, ...] = ()

    def spec(self, check: Check) -> CallSpec:
        """The call a check reads."""
        return self.calls[check.call]

    def exercise(self, check: Check) -> str:
        """The exercise module a check grades."""
        return self.calls[check.call].exercise

    def datasets(self) -> list[str]:
        """Datasets the checks read, in table order."""
        return list(dict.fromkeys(self.spec(check).dataset for check in self.checks))

    def for_exercises(self, exercises: Iterable[str]) -> "CheckTable":
        """The same table restricted to the checks of ``exercises``."""
        wanted = set(exercises)
        checks = tuple(c for c in self.checks if self.exercise(c) in wanted)
        return CheckTable(self.calls, checks, self.generators, self.blocked_imports)

    def calls_of(self, dataset: str) -> list[CallSpec]:
        """The calls that checks need on ``dataset``, with the calls they need, in order."""
        names = {check.call for check in self.checks if self.spec(check).dataset == dataset}
        pending = list(names)
        while pending:
            for need in self.calls[pending.pop()].needs:
                if need not in names:
                    names.add(need)
                    pending.append(need)
        return [spec for name, spec in self.calls.items() if name in names]


def root_arg(context: ArgContext) -> tuple:
    """The dataset folder, as a str (what a learner passes from ``siim_root()``)."""
    return (str(context.root),)


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


def _call(name: str, exercise: str, args=root_arg, needs=(), function: str = "") -> CallSpec:
    dataset = EXERCISE_DATASETS[exercise]
    return CallSpec(name, exercise, dataset, function or name, args, tuple(needs))


CALLS: dict[str, CallSpec] = {
    spec.name: spec
    for spec in (
        _call("scan_dicom_headers", "siim_eda"),
        _call("demographics", "siim_eda", reference_header_table, ["scan_dicom_headers"]),
        _call("decode_rle", "siim_eda", example_rle, ["scan_dicom_headers"]),
        _call("decode_rle_empty", "siim_eda", empty_rle, function="decode_rle"),
        _call("label_statistics", "siim_eda"),
        _call("mask_statistics", "siim_eda"),
        _call("intensity_statistics", "siim_eda"),
        _call("duplicate_images", "siim_eda"),
        _call("data_quality_report", "siim_eda"),
        _call("volume_table", "lits_eda"),
        _call("case_statistics", "lits_eda"),
        _call("hu_histograms", "lits_eda"),
        _call("dataset_summary", "lits_eda"),
    )
}
"""Every call a grading run makes, by name (the name of its reference file)."""

COUNT = Number(rtol=0.0, atol=0.0)
STAT = Number(rtol=1e-6, atol=1e-6)
HU = Number(rtol=1e-4, atol=0.05)
"""HU means over many voxels: summation order (float32 slabs, float64 totals) moves digits."""

CHECKS: tuple[Check, ...] = (
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
        detectors=("unreadable-crash",),
    ),
    Check(
        "siim-header-ages",
        "scan_dicom_headers",
        "table",
        Table("image_id", {"age": Number(rtol=0.0, atol=1e-6)}),
        detectors=("age-string", "unreadable-crash"),
    ),
    Check(
        "siim-unreadable-files",
        "scan_dicom_headers",
        "unreadable",
        Records(("path",), "unreadable files"),
        detectors=("unreadable-crash",),
    ),
    Check("siim-sex-counts", "demographics", "sex_counts", Exact()),
    Check("siim-view-counts", "demographics", "view_counts", Exact()),
    Check(
        "siim-age-statistics",
        "demographics",
        None,
        Fields(dict.fromkeys(("age_mean", "age_median", "age_min", "age_max"), STAT)),
        detectors=("age-string",),
    ),
    Check("siim-impossible-ages", "demographics", "impossible_ages", IdSet("image ids")),
    Check(
        "siim-decode-rle",
        "decode_rle",
        None,
        Array(),
        points=2,
        detectors=("rle-absolute", "rle-row-major", "mask-values"),
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
        detectors=("csv-rows",),
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
        detectors=("rle-absolute", "rle-row-major", "mask-values", "integer-overflow"),
    ),
    Check(
        "siim-mask-area-cm2",
        "mask_statistics",
        None,
        Table("image_id", {"area_cm2": Number(rtol=1e-5, atol=1e-6)}),
        detectors=("pixels-not-cm2",),
    ),
    Check(
        "siim-mask-position",
        "mask_statistics",
        None,
        Table("image_id", {"upper_half_share": Number(rtol=0.0, atol=1e-6)}),
        detectors=("rle-row-major",),
    ),
    Check(
        "siim-intensity-by-view",
        "intensity_statistics",
        None,
        Table("view", {"n_images": COUNT, "mean": HU, "std": HU}),
        detectors=("integer-overflow", "unreadable-crash"),
    ),
    Check("siim-duplicates", "duplicate_images", None, Groups(), detectors=("unreadable-crash",)),
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
        detectors=("unreadable-crash",),
    ),
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
        detectors=("orientation-flip",),
    ),
    Check(
        "lits-hu-range",
        "volume_table",
        None,
        Table("case_id", {"hu_min": HU, "hu_max": HU}),
        detectors=("integer-overflow",),
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
        detectors=("voxels-not-ml", "tumour-outside-liver"),
    ),
    Check(
        "lits-tumour-volume",
        "case_statistics",
        None,
        Table(
            "case_id",
            {"tumour_ml": Number(rtol=1e-5, atol=1e-6), "tumour_burden": STAT},
        ),
        detectors=("voxels-not-ml", "tumour-outside-liver"),
    ),
    Check(
        "lits-lesion-count",
        "case_statistics",
        None,
        Table("case_id", {"lesion_count": COUNT}),
        detectors=("lesion-connectivity",),
    ),
    Check(
        "lits-hu-by-label",
        "case_statistics",
        None,
        Table(
            "case_id",
            {"liver_hu_mean": HU, "liver_hu_std": HU, "tumour_hu_mean": HU, "tumour_hu_std": HU},
        ),
        detectors=("integer-overflow",),
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
        detectors=("integer-overflow", "tumour-outside-liver"),
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
        detectors=("orientation-flip",),
    ),
)
"""Every graded check, in report order."""


COURSE_TABLE = CheckTable(
    CALLS,
    CHECKS,
    {
        "siim": "imaging_course.datasets.siim.generate:generate_siim",
        "lits": "imaging_course.datasets.lits.generate:generate_lits",
    },
    blocked_imports=("imaging_course.datasets.siim.rle",),
)
"""The course's check table: what `make grade` grades."""


def load_table(path: str) -> CheckTable:
    """The :class:`CheckTable` at ``"module:attribute"`` (tests use small toy tables)."""
    module_name, _, attribute = path.partition(":")
    table = getattr(importlib.import_module(module_name), attribute or "COURSE_TABLE")
    if not isinstance(table, CheckTable):
        raise TypeError(f"{path} is a {type(table).__name__}, not a CheckTable")
    return table


def load_function(path: str) -> Callable:
    """The function at ``"module:function"``."""
    module_name, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def select(value: Any, key: str | None) -> Any:
    """Part ``key`` of a call's output (the whole output when ``key`` is None)."""
    if key is None:
        return value
    if not isinstance(value, dict):
        raise TypeError(f"expected a dict with the key {key!r}, got {type(value).__name__}")
    if key not in value:
        raise KeyError(f"the returned dict has no key {key!r}")
    return value[key]
