"""intensity_statistics squaring pixels in their own small integer dtype."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
from siim_eda_base import *  # noqa: F403  (every other function as in the solution)
from siim_eda_base import VIEWS, scan_dicom_headers

from imaging_course.datasets.siim.layout import find_siim_images, siim_image_id


def intensity_statistics(root):
    root = Path(root)
    table = scan_dicom_headers(root)["table"]
    table = table[table["view"].isin(VIEWS)]
    paths = {siim_image_id(p): p for s in ("train", "test") for p in find_siim_images(root, s)}
    totals = {view: [0, 0, 0, 0] for view in VIEWS}
    for _, header in table.iterrows():
        values = pydicom.dcmread(paths[header["image_id"]]).pixel_array
        # MISTAKE: no astype(np.int64); the uint8 squares wrap around
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
