"""decode_rle reading every start as an absolute pixel offset."""

import numpy as np
from siim_eda_base import *  # noqa: F403  (every other function as in the solution)
from siim_eda_base import NO_MASK


def decode_rle(rle, width=1024, height=1024):
    text = rle.strip()
    flat = np.zeros(width * height, dtype=np.uint8)
    if text in ("", NO_MASK):
        return flat.reshape(width, height).T
    numbers = np.array(text.split(), dtype=np.int64)
    gaps, lengths = numbers[0::2], numbers[1::2]
    starts = gaps  # MISTAKE: absolute starts, not gaps from the end of the previous run
    ends = np.minimum(starts + lengths, flat.size)
    edges = np.zeros(flat.size + 1, dtype=np.int32)
    np.add.at(edges, starts, 1)
    np.add.at(edges, ends, -1)
    flat[np.cumsum(edges[:-1]) > 0] = 255
    return flat.reshape(width, height).T
