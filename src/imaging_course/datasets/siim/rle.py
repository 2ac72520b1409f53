"""The competition's run-length encoding of pneumothorax masks (``train-rle.csv``).

Pixels are counted column by column (down the first column, then the next), and the
numbers come in pairs: the gap since the end of the previous run, then the run length; the
first number is therefore an absolute 0-based start. ``-1`` means no pneumothorax. The
competition's decoder fills 255, not 1, and so do these functions.

>>> import numpy as np
>>> mask = decode_siim_rle("1 2 3 1", width=3, height=3)
>>> (mask // 255).tolist()
[[0, 0, 1], [1, 0, 0], [1, 0, 0]]
>>> encode_siim_rle(mask)
'1 2 3 1'
"""

from collections.abc import Iterable

import numpy as np
import pandas as pd

NO_MASK = "-1"
"""The label of an image without pneumothorax."""

MASK_FILL = 255
"""The value of a masked pixel, as the competition's ``rle2mask`` writes it."""


def decode_siim_rle(rle: str, width: int = 1024, height: int = 1024) -> np.ndarray:
    """Decode one relative, column-major RLE string into a ``(height, width)`` uint8 mask.

    Pixels inside the mask are 255, the rest 0; ``"-1"`` (or an empty string) gives an
    empty mask. Raises ``ValueError`` naming the problem when the string has an odd count of
    numbers or runs past the image.
    """
    text = rle.strip()
    flat = np.zeros(width * height, dtype=np.uint8)
    if text in ("", NO_MASK):
        return flat.reshape(width, height).T
    numbers = np.array(text.split(), dtype=np.int64)
    if numbers.size % 2:
        raise ValueError(f"RLE has an odd count of numbers ({numbers.size}): {text[:60]!r}")
    gaps, lengths = numbers[0::2], numbers[1::2]
    starts = np.cumsum(gaps + np.concatenate(([0], lengths[:-1])))
    ends = starts + lengths
    if numbers.min() < 0 or ends[-1] > flat.size:
        raise ValueError(f"RLE runs outside a {width}x{height} image: {text[:60]!r}")
    for start, end in zip(starts, ends, strict=True):
        flat[start:end] = MASK_FILL
    # Column-major: the flat index is column * height + row, so reshape then transpose.
    return flat.reshape(width, height).T


def encode_siim_rle(mask: np.ndarray) -> str:
    """Encode a ``(height, width)`` mask (any nonzero pixel is inside) as the competition does.

    Returns ``"-1"`` for an empty mask; :func:`decode_siim_rle` inverts it (with 255 inside).
    """
    flat = np.asarray(mask).T.ravel() != 0
    padded = np.concatenate(([False], flat, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    if edges.size == 0:
        return NO_MASK
    starts, ends = edges[0::2], edges[1::2]
    gaps = starts - np.concatenate(([0], ends[:-1]))
    pairs = np.column_stack((gaps, ends - starts)).ravel()
    return " ".join(map(str, pairs.tolist()))


def union_of_rles(rles: Iterable[str], width: int, height: int) -> np.ndarray:
    """The union (255 where any mask is) of several RLE strings of one image."""
    union = np.zeros((height, width), dtype=np.uint8)
    for rle in rles:
        np.maximum(union, decode_siim_rle(rle, width, height), out=union)
    return union


def masks_for_image(
    labels: pd.DataFrame, image_id: str, width: int = 1024, height: int = 1024
) -> np.ndarray:
    """The union mask (uint8, 0/255, ``(height, width)``) of every label row of ``image_id``.

    ``labels`` is the frame of :func:`imaging_course.datasets.siim.layout.read_siim_labels`.
    An image with only ``-1`` rows, or with no row at all, gives an empty mask.
    """
    rows = labels.loc[labels["ImageId"] == image_id, "EncodedPixels"]
    return union_of_rles(rows, width, height)
