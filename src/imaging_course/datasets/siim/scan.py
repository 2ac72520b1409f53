"""Read the headers (and, on demand, the pixels) of many SIIM files, surviving bad ones.

One bad file never stops a scan: it is reported with its path and the reason, and the scan
goes on. The real download holds such files and so does the stand-in (see the dataset card).
"""

import struct
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
from pydicom.dataset import Dataset

from imaging_course.datasets.siim.layout import siim_image_id

SCANNED_KEYWORDS = ("PatientID", "PatientSex", "PatientAge", "ViewPosition", "PixelSpacing")
"""The header values a scan tabulates; a file without one gets ``None`` there."""

PIXEL_DATA_TAG = struct.pack("<HH", 0x7FE0, 0x0010)
"""The first bytes of the Pixel Data element in a little-endian file: where a header ends."""


@dataclass(frozen=True)
class UnreadableFile:
    """A file a scan could not read, and why (``reason`` starts with the exception's name)."""

    path: Path
    reason: str


def read_siim_dataset(path: Path) -> Dataset:
    """The whole data set of one file, its pixel data checked complete but not decoded.

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
    return dataset


def read_siim_pixels(path: Path) -> np.ndarray:
    """The ``(rows, columns)`` uint8 pixels of one file (needs a JPEG plugin: pylibjpeg or Pillow).

    Raises ``ValueError`` naming ``path`` when the file has no complete pixel data.
    """
    return read_siim_dataset(path).pixel_array


def read_siim_header(path: Path) -> Dataset:
    """The header of one file (everything before the pixel data), checked to be whole.

    pydicom reads a file cut inside its header without complaint and returns the elements
    before the cut, so such a file would pass for one with missing tags. Every SIIM file's
    header is followed by its Pixel Data element: when those bytes are not there, raise
    ``ValueError`` naming ``path``.
    """
    with Path(path).open("rb") as handle:
        dataset = pydicom.dcmread(handle, stop_before_pixels=True)
        # stop_before_pixels leaves the file at the start of the Pixel Data element.
        if handle.read(len(PIXEL_DATA_TAG)) != PIXEL_DATA_TAG:
            raise ValueError(f"{path}: the header is cut short, no Pixel Data element follows")
    return dataset


def _header_row(path: Path) -> dict:
    dataset = read_siim_header(path)
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
        # Damaged bytes make pydicom raise almost anything (InvalidDicomError, EOFError,
        # struct.error, NotImplementedError for an unknown VR, KeyError, ...). One file must
        # never stop a scan of thousands, so every Exception is reported for its file;
        # KeyboardInterrupt and SystemExit still stop it.
        except Exception as error:
            unreadable.append(UnreadableFile(Path(path), f"{type(error).__name__}: {error}"))
    columns = ["ImageId", "path", *SCANNED_KEYWORDS]
    return pd.DataFrame(rows, columns=columns), unreadable
