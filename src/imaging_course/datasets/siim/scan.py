"""Read the headers (and, on demand, the pixels) of many SIIM files, surviving bad ones.

One bad file never stops a scan: it is reported with its path, the kind of problem and the
reason, and the scan goes on. The real download holds such files and so does the stand-in
(see the dataset card); archives hold more besides, and a reader must not misread them:

- valid images in the rarer encodings: explicit VR big endian, deflated explicit VR (pydicom
  inflates the data set into a buffer, so the Pixel Data element follows there, not in the
  file);
- files whose VR encoding is not the one their transfer syntax declares: pydicom reads them by
  what it finds and warns. Its ``original_encoding`` repeats the transfer syntax (pydicom 3.0),
  so the encoding it actually used is taken from the elements it read;
- DICOM objects that hold no image (structured reports, presentation states, RT structure
  sets): :data:`NOT_AN_IMAGE`, not a truncated image;
- pixel data cut short, encapsulated or native: :data:`TRUNCATED`.
"""

import struct
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.pixels.utils import get_expected_length

from imaging_course.datasets.siim.layout import siim_image_id

SCANNED_KEYWORDS = ("PatientID", "PatientSex", "PatientAge", "ViewPosition", "PixelSpacing")
"""The header values a scan tabulates; a file without one gets ``None`` there."""

NOT_DICOM, TRUNCATED, NOT_AN_IMAGE, DAMAGED = "not_dicom", "truncated", "not_an_image", "damaged"
"""What is wrong with a file a scan cannot use: no DICOM prefix; an image whose header or pixel
data ends early; a DICOM object that holds no image; any other damage (a corrupted VR, ...)."""

UNDECODABLE = "undecodable"
"""An image whose complete pixel data no installed decoder can turn into pixels."""

PIXEL_DATA = (0x7FE0, 0x0010)

IMAGE_CLASSES_WITHOUT_THE_WORD = ("RT Dose Storage", "Segmentation Storage", "Parametric Map")
"""Storage classes that carry pixel data though their name does not say ``Image``."""

VR_MISMATCH_WARNING = r"Expected (explicit|implicit) VR, but found (explicit|implicit) VR"
"""pydicom's warning for a data set encoded otherwise than its transfer syntax says; it then
reads the data set as it finds it, which is right."""


class SiimFileError(ValueError):
    """A DICOM file whose image cannot be read: ``problem`` is :data:`TRUNCATED`,
    :data:`NOT_AN_IMAGE` or :data:`UNDECODABLE`; the message names the file."""

    def __init__(self, path: Path, problem: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.problem = problem


@dataclass(frozen=True)
class UnreadableFile:
    """A file a scan could not use: ``problem`` (:data:`NOT_DICOM`, :data:`TRUNCATED`,
    :data:`NOT_AN_IMAGE` or :data:`DAMAGED`), and the ``reason``, which starts with the
    exception's name."""

    path: Path
    reason: str
    problem: str


@contextmanager
def _vr_mismatch_tolerated() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=VR_MISMATCH_WARNING, category=UserWarning)
        yield


def _little_endian_read(dataset: Dataset) -> bool:
    """Whether pydicom read ``dataset`` as little endian: what its elements were read with
    (the transfer syntax says so for a file that keeps to it)."""
    # Iterating the Dataset itself would convert every raw element; its tags do not.
    for tag in dataset.keys():  # noqa: SIM118
        element = dataset.get_item(tag)
        if isinstance(element, RawDataElement):
            return element.is_little_endian
    return dataset.original_encoding[1] is not False


def _sop_class(dataset: Dataset) -> pydicom.uid.UID | None:
    """The object's SOP Class UID, from the data set or else the file meta group."""
    uid = dataset.get("SOPClassUID") or dataset.file_meta.get("MediaStorageSOPClassUID")
    return None if uid is None else pydicom.uid.UID(uid)


def _without_pixels(path: Path, dataset: Dataset) -> SiimFileError:
    """The error for a data set without Pixel Data: an object that says it holds no image (no
    Image Pixel module, a SOP class that is not an image's), else a truncated image (a file cut
    before its SOP class says nothing)."""
    sop_class = _sop_class(dataset)
    if sop_class is not None and "Rows" not in dataset:
        name = sop_class.name
        if "Image" not in name and not name.startswith(IMAGE_CLASSES_WITHOUT_THE_WORD):
            return SiimFileError(path, NOT_AN_IMAGE, f"not an image: {name}, no pixel data")
    return SiimFileError(path, TRUNCATED, "truncated: the file ends before its Pixel Data")


def read_siim_dataset(path: Path) -> Dataset:
    """The whole data set of one file, its pixel data checked complete but not decoded.

    Raises :class:`SiimFileError` naming ``path`` when the file holds no image, or no complete
    pixel data (encapsulated data that stops before its delimiter, native data shorter than
    rows x columns x samples x frames x bytes per sample).
    """
    with _vr_mismatch_tolerated(), warnings.catch_warnings():
        # pydicom only warns when encapsulated pixel data stops before its delimiter; for
        # a reader of pixels that is a broken file, so make it an error naming the file.
        warnings.filterwarnings("error", message="End of file reached before delimiter")
        try:
            dataset = pydicom.dcmread(path)
        except UserWarning as warning:
            raise SiimFileError(path, TRUNCATED, f"truncated: {warning}") from None
    if "PixelData" not in dataset:
        raise _without_pixels(path, dataset)
    syntax = dataset.file_meta.get("TransferSyntaxUID")
    if not (syntax and syntax.is_compressed):
        expected = get_expected_length(dataset, unit="bytes")
        if len(dataset.PixelData) < expected:
            raise SiimFileError(
                path,
                TRUNCATED,
                f"truncated: {len(dataset.PixelData)} bytes of pixel data, {expected} expected",
            )
    return dataset


def read_siim_pixels(path: Path) -> np.ndarray:
    """The ``(rows, columns)`` pixels of one file (needs a JPEG plugin: pylibjpeg or Pillow).

    Raises :class:`SiimFileError` naming ``path`` when the file has no complete pixel data, or
    pixels that cannot be decoded.
    """
    dataset = read_siim_dataset(path)
    try:
        return dataset.pixel_array
    # No decoder for the data, or data no decoder understands: pydicom raises RuntimeError,
    # ValueError, NotImplementedError...
    except Exception as error:
        reason = " ".join(f"{type(error).__name__}: {error}".split())
        raise SiimFileError(path, UNDECODABLE, f"pixels cannot be decoded: {reason}") from error


def read_siim_header(path: Path) -> Dataset:
    """The header of one file (everything before the pixel data), checked to be whole.

    pydicom reads a file cut inside its header without complaint and returns the elements
    before the cut, so such a file would pass for one with missing tags. Every SIIM file's
    header is followed by its Pixel Data element (in the byte order pydicom read the header
    in, and for a deflated file in the inflated data): when those bytes are not there, raise
    :class:`SiimFileError` naming ``path``, :data:`NOT_AN_IMAGE` for an object that holds no
    image.
    """
    with Path(path).open("rb") as handle, _vr_mismatch_tolerated():
        dataset = pydicom.dcmread(handle, stop_before_pixels=True)
        # stop_before_pixels leaves the data at the start of the Pixel Data element.
        follows = (dataset.buffer if dataset.buffer is not None else handle).read(4)
    order = "<" if _little_endian_read(dataset) else ">"
    if follows == struct.pack(f"{order}HH", *PIXEL_DATA):
        return dataset
    if follows:
        raise SiimFileError(path, TRUNCATED, "the header is cut short, no Pixel Data follows")
    raise _without_pixels(path, dataset)


def _header_row(path: Path) -> dict:
    dataset = read_siim_header(path)
    row = {"ImageId": siim_image_id(path), "path": path}
    for keyword in SCANNED_KEYWORDS:
        value = dataset.get(keyword)
        row[keyword] = str(value[0]) if keyword == "PixelSpacing" and value else value
    return row


def _problem(error: Exception) -> str:
    if isinstance(error, InvalidDicomError):
        return NOT_DICOM
    if isinstance(error, SiimFileError):
        return error.problem
    return DAMAGED


def scan_siim_headers(paths: Iterable[Path]) -> tuple[pd.DataFrame, list[UnreadableFile]]:
    """One row per readable image (``ImageId``, ``path`` and :data:`SCANNED_KEYWORDS`, values
    as strings), and the files that could not be used with the problem and reason of each."""
    rows, unreadable = [], []
    for path in paths:
        try:
            rows.append(_header_row(Path(path)))
        # Damaged bytes make pydicom raise almost anything (InvalidDicomError, EOFError,
        # struct.error, NotImplementedError for an unknown VR, KeyError, ...). One file must
        # never stop a scan of thousands, so every Exception is reported for its file;
        # KeyboardInterrupt and SystemExit still stop it.
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"
            unreadable.append(UnreadableFile(Path(path), reason, _problem(error)))
    columns = ["ImageId", "path", *SCANNED_KEYWORDS]
    return pd.DataFrame(rows, columns=columns), unreadable
