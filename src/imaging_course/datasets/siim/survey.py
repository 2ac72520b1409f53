"""Count the problems of a SIIM folder, as its dataset card shows them.

A stand-in carries ``MANIFEST.json``, the generator's list of what it planted. A real
download or a held-out copy has none: then the problems are found by reading every file, as
the exercise teaches, so the card builds (and counts) on any SIIM folder.
"""

import hashlib
from collections import Counter
from pathlib import Path

import pandas as pd

from imaging_course.datasets.generation import PlantedCounts, count_planted
from imaging_course.datasets.siim import planted
from imaging_course.datasets.siim.layout import find_siim_images, read_siim_labels, siim_image_id
from imaging_course.datasets.siim.scan import (
    NOT_DICOM,
    TRUNCATED,
    SiimFileError,
    read_siim_dataset,
    scan_siim_headers,
)

PLANTED_KINDS = (
    planted.TRUNCATED,
    planted.NOT_DICOM,
    planted.MISSING_AGE,
    planted.MISSING_VIEW,
    planted.DUPLICATE,
    planted.REENCODED,
    planted.SHIFTED,
    planted.AGE_OUTLIER,
    planted.NO_LABEL_ROW,
    planted.ROW_WITHOUT_FILE,
    *planted.HEADER_VARIANTS,
)
"""The kinds of problem a SIIM card counts, in the order of its table."""

DECODED_KINDS = (planted.REENCODED, planted.SHIFTED)
"""Near-duplicates: only decoded pixels show them (their bytes differ), so a folder without a
manifest leaves them uncounted (``None``), as the pixels of 12,000 files are the exercise's."""

SCAN_PROBLEMS = {NOT_DICOM: planted.NOT_DICOM, TRUNCATED: planted.TRUNCATED}
"""The planted kind each problem of a scan shows (other problems are no planted kind)."""

VARIANT_SIGNS = {
    planted.UNCOMPRESSED_12BIT: lambda dataset: dataset.file_meta.TransferSyntaxUID,
    planted.MONOCHROME1: lambda dataset: dataset.get("PhotometricInterpretation"),
    planted.DOWNSIZED: lambda dataset: (dataset.get("Rows"), dataset.get("Columns")),
}
"""What tells each header variant from the other files: a file counts as the variant when
this value of it differs from the most common one."""

IMPOSSIBLE_AGE = 120
"""Ages above this many years are data-entry errors (the real headers hold 148 and 413)."""


def find_siim_planted(root: Path) -> dict[str, int | None]:
    """Each kind of :data:`PLANTED_KINDS` counted by reading every file of both splits.

    A file that is not DICOM counts as ``not_dicom``; a file whose header is cut short, or
    whose pixel data ends early (read whole, not decoded), as ``truncated``. DICOM objects
    that hold no image (reports, presentation states) are no planted kind: not counted. A
    duplicate is a file whose Pixel Data bytes equal an earlier file's (one per extra copy);
    the near-duplicates of :data:`DECODED_KINDS` are ``None``; a header variant, a file whose
    :data:`VARIANT_SIGNS` value is not the most common one.
    """
    root = Path(root)
    train = find_siim_images(root, "train")
    headers, unreadable = scan_siim_headers(train + find_siim_images(root, "test"))
    counts: dict[str, int | None] = dict.fromkeys(PLANTED_KINDS, 0)
    for bad in unreadable:
        if bad.problem in SCAN_PROBLEMS:
            counts[SCAN_PROBLEMS[bad.problem]] += 1
    digests: Counter[str] = Counter()
    signs: dict[str, Counter] = {kind: Counter() for kind in VARIANT_SIGNS}
    for path in headers["path"]:
        try:
            dataset = read_siim_dataset(path)
        except SiimFileError as error:  # pixel data cut short
            counts[SCAN_PROBLEMS[error.problem]] += 1
            continue
        digests[hashlib.sha256(dataset.PixelData).hexdigest()] += 1
        for kind, sign in VARIANT_SIGNS.items():
            signs[kind][str(sign(dataset))] += 1
    counts[planted.DUPLICATE] = sum(copies - 1 for copies in digests.values())
    for kind, values in signs.items():
        counts[kind] = values.total() - max(values.values(), default=0)
    counts[planted.MISSING_AGE] = int(headers["PatientAge"].isna().sum())
    counts[planted.MISSING_VIEW] = int(headers["ViewPosition"].isna().sum())
    ages = pd.to_numeric(headers["PatientAge"], errors="coerce")
    counts[planted.AGE_OUTLIER] = int((ages > IMPOSSIBLE_AGE).sum())
    labelled = set(read_siim_labels(root)["ImageId"])
    files = {siim_image_id(path) for path in train}
    counts[planted.NO_LABEL_ROW] = len(files - labelled)
    counts[planted.ROW_WITHOUT_FILE] = len(labelled - files)
    return counts | dict.fromkeys(DECODED_KINDS)


def count_siim_planted(root: Path) -> PlantedCounts:
    """The counts of ``MANIFEST.json`` under ``root`` when there is one, else
    :func:`find_siim_planted`'s."""
    return count_planted(root, PLANTED_KINDS, find_siim_planted)
