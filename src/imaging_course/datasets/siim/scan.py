"""Read the headers (and, on demand, the pixels) of many SIIM files, surviving bad ones.

One bad file never stops a scan: it is reported with its path and the reason, and the scan
goes on. The real download holds such files and so does the stand-in (see the dataset card).
"""

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
from pydicom.errors import InvalidDicomError

from imaging_course.datasets.siim.layout import siim_image_id

SCANNED_KEYWORDS = ("PatientID", "PatientSex", "PatientAge", "ViewPosition", "PixelSpacing")
"""The header values a scan tabulates; a file without one gets ``None`` there."""


@dataclass(frozen=True)
class UnreadableFile:
    """A file a scan could not read, and why."""

    path: Path
    reason: str


def read_siim_pixels(path: Path) -> np.ndarray:
    """The ``(rows, columns)`` uint8 pixels of one file (needs a JPEG plugin: pylibjpeg or Pillow).

    Raises ``ValueError`` naming ``path`` when the file has no complete pixel data (a
    truncated file ends inside its Pixel Data element).
    """
    with warnings.catch_warnings():
        # pydicom only warns when encapsulated pixel data stops before its delimiter; for
        # a reader of pixels that is a broken file, so make it an error naming the file.
        warnings.filterwarnings("error", message="End of file reached before delimiter")
        try:
            dataset = pydicom.dcmread(path)
        except UserWarning as warning:
            raise ValueError(f"{path}: truncated file: {warning}") from None
    if "PixelData" not in dataset:
        raise ValueError(f"{path}: no complete Pixel Data element (truncated file?)")
    return dataset.pixel_array


def _header_row(path: Path) -> dict:
    dataset = pydicom.dcmread(path, stop_before_pixels=True)
    row = {"ImageId": siim_image_id(path), "path": path}
    for keyword in SCANNED_KEYWORDS:
        value = dataset.get(keyword)
        row[keyword] = str(value[0]) if keyword == "PixelSpacing" and value else value
    return row


def scan_siim_headers(paths: Iterable[Path]) -> tuple[pd.DataFrame, list[UnreadableFile]]:
    """One row per readable file (``ImageId``, ``path`` and :data:`SCANNED_KEYWORDS`, values
    as strings), and the files that could not be read with the reason for each."""
    rows, unreadable = [], []
    for path in paths:
        try:
            rows.append(_header_row(Path(path)))
        except (InvalidDicomError, EOFError, OSError, ValueError) as error:
            unreadable.append(UnreadableFile(Path(path), f"{type(error).__name__}: {error}"))
    columns = ["ImageId", "path", *SCANNED_KEYWORDS]
    return pd.DataFrame(rows, columns=columns), unreadable
