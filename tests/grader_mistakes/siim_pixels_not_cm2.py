"""mask_statistics reporting the area in pixels under area_cm2."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
from siim_eda_base import *  # noqa: F403  (every other function as in the solution)
from siim_eda_base import NO_MASK, _labels, decode_rle, scan_dicom_headers


def mask_statistics(root):
    root = Path(root)
    table = scan_dicom_headers(root)["table"]
    headers = table[table["split"] == "train"].set_index("image_id")
    labels = _labels(root)
    masks = labels[(labels["EncodedPixels"] != NO_MASK) & labels["ImageId"].isin(headers.index)]
    rows = []
    for image_id, image_rows in masks.groupby("ImageId", sort=True):
        header = headers.loc[image_id]
        height, width = int(header["rows"]), int(header["columns"])
        union = np.zeros((height, width), dtype=bool)
        for rle in image_rows["EncodedPixels"]:
            union |= decode_rle(rle, width, height) > 0
        area_px = int(np.count_nonzero(union))
        upper_px = int(np.count_nonzero(union[: height // 2]))
        rows.append(
            {
                "image_id": image_id,
                "view": header["view"],
                "area_px": area_px,
                "area_cm2": float(area_px),  # MISTAKE: pixels, not cm2
                "upper_half_share": upper_px / area_px if area_px else math.nan,
            }
        )
    columns = ["image_id", "view", "area_px", "area_cm2", "upper_half_share"]
    return pd.DataFrame(rows, columns=columns).astype({"area_px": "int64"})
