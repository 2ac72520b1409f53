"""decode_rle filling the mask row by row: the transposed mask."""

import numpy as np
from siim_eda_base import *  # noqa: F403  (every other function as in the solution)
from siim_eda_base import NO_MASK


def decode_rle(rle, width=1024, height=1024):
    text = rle.strip()
    flat = np.zeros(width * height, dtype=np.uint8)
    if text in ("", NO_MASK):
        return flat.reshape(height, width)
    numbers = np.array(text.split(), dtype=np.int64)
    gaps, lengths = numbers[0::2], numbers[1::2]
    ends = np.cumsum(gaps + lengths)
    starts = ends - lengths
    edges = np.zeros(flat.size + 1, dtype=np.int32)
    np.add.at(edges, starts, 1)
    np.add.at(edges, ends, -1)
    flat[np.cumsum(edges[:-1]) > 0] = 255
    return flat.reshape(height, width)  # MISTAKE: row-major (C order)
