"""The problems planted on purpose in the SIIM stand-in, as the real data has such files.

Each kind is listed, with its file and a detail, in ``MANIFEST.json`` and on the dataset card;
the EDA exercise teaches to find them by reading, not by trusting the folder.
"""

import io

import numpy as np
from PIL import Image
from scipy import ndimage

TRUNCATED = "truncated"
"""A DICOM file cut short: the header reads, the pixel data does not."""

NOT_DICOM = "not_dicom"
"""A ``.dcm`` file holding a PNG picture: no preamble, no ``DICM``."""

MISSING_AGE = "missing_PatientAge"
MISSING_VIEW = "missing_ViewPosition"
"""A file without the tag the EDA tabulates (its SeriesDescription still names the view)."""

DUPLICATE = "duplicate"
"""The same pixels and patient as another file, under new study, series and SOP UIDs."""

REENCODED = "reencoded_duplicate"
"""Another file's picture and patient, JPEG-encoded again at another quality: other bytes
(a hash of them differs), nearly the same pixels."""

SHIFTED = "shifted_duplicate"
"""Another file's picture and patient moved by a few pixels, its masks with it."""

SHIFT_PIXELS = (3, 12)
"""Smallest and largest move of a shifted copy along rows and along columns, in pixels."""

REENCODED_SIZE_STEP = 9_000
"""Bytes between the JPEG size a re-encoded copy aims at and its original's: another quality."""

UNCOMPRESSED_12BIT = "uncompressed_12bit"
"""A file stored uncompressed (Explicit VR Little Endian) in 12 of 16 bits, its grey values
times 16: the same kind of picture exported from an archive's original instead of the
dataset's JPEG conversion."""

MONOCHROME1 = "monochrome1"
"""A file stored inverted, ``MONOCHROME1`` (0 is white), as some CR systems write."""

DOWNSIZED = "downsized"
"""A file of 512 x 512 pixels (PixelSpacing doubled), its masks encoded at that size."""

HEADER_VARIANTS = (UNCOMPRESSED_12BIT, MONOCHROME1, DOWNSIZED)
"""Readable files whose image attributes differ from every other file's: one of each at
every scale."""

VARIANT_ATTRIBUTES = {
    UNCOMPRESSED_12BIT: {"BitsAllocated": 16, "BitsStored": 12, "HighBit": 11},
    MONOCHROME1: {"PhotometricInterpretation": "MONOCHROME1"},
    DOWNSIZED: {"Rows": 512, "Columns": 512},
}
"""The attributes each header variant writes otherwise than the other files."""

DOWNSIZE_FACTOR = 2
"""A downsized file keeps every second row and column of its picture and masks."""

TWELVE_BIT_SCALE = 16
"""A 12-bit file's grey values: the 8-bit picture's times this (0-4080)."""

AGE_OUTLIER = "age_outlier"
"""A PatientAge no human has (148, 413), as in the real files."""

NO_LABEL_ROW = "no_label_row"
"""A training file with no row in the label CSV (37 such files in the real data)."""

ROW_WITHOUT_FILE = "row_without_file"
"""Rows of the label CSV for an image that has no file (an image lost in an export)."""

MISSING_TAG_KEYWORD = {MISSING_AGE: "PatientAge", MISSING_VIEW: "ViewPosition"}
"""The keyword each missing-tag kind leaves out."""

TRUNCATED_FRACTION = 0.6
"""The share of a truncated file's bytes that remain."""


def draw_shift(rng: np.random.Generator) -> tuple[int, int]:
    """A move of :data:`SHIFT_PIXELS` pixels along rows and along columns, either way."""
    steps = rng.integers(SHIFT_PIXELS[0], SHIFT_PIXELS[1] + 1, size=2)
    signs = rng.choice((-1, 1), size=2)
    return int(steps[0] * signs[0]), int(steps[1] * signs[1])


def shifted(image: np.ndarray, shift: tuple[int, int], *, mask: bool) -> np.ndarray:
    """``image`` moved by ``shift`` (rows, columns) pixels: a picture's edge fills the strip it
    leaves, a mask's strip is empty."""
    if shift == (0, 0):
        return image
    mode = "constant" if mask else "nearest"
    return ndimage.shift(image, shift, order=0, mode=mode, cval=0)


def truncated(data: bytes) -> bytes:
    """The first :data:`TRUNCATED_FRACTION` of a file's bytes."""
    return data[: int(len(data) * TRUNCATED_FRACTION)]


def png_posing_as_dicom(pixels: np.ndarray) -> bytes:
    """A half-size PNG of ``pixels``: what an export gone wrong leaves under a ``.dcm`` name."""
    image = Image.fromarray(pixels).reduce(2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


DETAILS = {
    TRUNCATED: f"cut to its first {TRUNCATED_FRACTION:.0%} of bytes: the pixel data is incomplete",
    NOT_DICOM: "a PNG picture under a .dcm name: no DICM prefix",
    MISSING_AGE: "no PatientAge (0010,1010) element",
    MISSING_VIEW: "no ViewPosition (0018,5101) element; SeriesDescription still names the view",
    UNCOMPRESSED_12BIT: "stored uncompressed (Explicit VR Little Endian), 16 bits allocated, "
    "12 stored, grey values 0-4080",
    MONOCHROME1: "PhotometricInterpretation MONOCHROME1: stored inverted, 0 is white",
    DOWNSIZED: "512 x 512 pixels, PixelSpacing doubled; its masks are encoded at 512 x 512",
}
"""The manifest's detail for each kind planted in one file."""
