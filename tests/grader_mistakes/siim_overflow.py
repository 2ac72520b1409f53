"""intensity_statistics squaring pixels in their own small integer dtype."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
from siim_eda_base import *  # noqa: F403  (every other function as in the solution)
from siim_eda_base import VIEWS, _pixels, scan_dicom_headers


def intensity_statistics(root):
    root = Path(root)
    table = scan_dicom_headers(root)["table"]
    table = table[table["view"].isin(VIEWS)]
    totals = {view: [0, 0, 0, 0] for view in VIEWS}
    for header, pixels in _pixels(root, table):
        values = pixels  # MISTAKE: uint8 pixels squared in uint8 wrap around
        total = totals[header["view"]]
        total[0] += 1
        total[1] += values.size
        total[2] += int(values.sum())
        total[3] += int(np.square(values).sum())
    rows = []
    for view, (n_images, n_pixels, sum_x, sum_x2) in totals.items():
        mean = sum_x / n_pixels if n_pixels else math.nan
        variance = sum_x2 / n_pixels - mean**2 if n_pixels else math.nan
        rows.append(
            {
                "view": view,
                "n_images": n_images,
                "mean": mean,
                "std": math.sqrt(max(variance, 0.0)) if n_pixels else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=["view", "n_images", "mean", "std"])
