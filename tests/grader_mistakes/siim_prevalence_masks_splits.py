"""Several mistakes in one submission, each breaking its own check (one grading run for all):
pneumothorax_prevalence counting rows of train-rle.csv and giving Wald intervals,
mask_geometry with the patient's sides swapped and the area in mm2 from PixelSpacing,
header_consistency looking for the transfer syntax in the data set instead of the file meta
group, split_comparison with counts where shares are asked."""

import math
from pathlib import Path

import pandas as pd
import siim_eda_base as base
from siim_eda_base import *  # noqa: F403  (every other function as in the solution)
from siim_eda_base import NO_MASK, SPLITS, _groups, _labels, scan_dicom_headers


def pneumothorax_prevalence(root):
    root = Path(root)
    table = scan_dicom_headers(root)["table"]
    labels = _labels(root)
    # MISTAKE: one row per CSV row (a row per mask), not one per image
    rows_table = labels.merge(table, left_on="ImageId", right_on="image_id")
    positive = rows_table["EncodedPixels"] != NO_MASK
    rows = []
    for group, members in _groups(rows_table):
        n, k = int(members.sum()), int((members & positive).sum())
        p = k / n if n else math.nan
        half = 1.96 * math.sqrt(p * (1 - p) / n) if n else math.nan  # MISTAKE: Wald
        interval = {"ci_low": p - half, "ci_high": p + half}
        rows.append({"group": group, "images": n, "positive": k, "prevalence": p, **interval})
    return pd.DataFrame(rows)


def mask_geometry(root):
    geometry = base.mask_geometry(root)
    table = scan_dicom_headers(Path(root))["table"].set_index("image_id")
    swap = {"right": "left", "left": "right", "both": "both"}
    geometry["side"] = geometry["side"].map(swap)  # MISTAKE: the image's left as the patient's
    header = table.loc[geometry["image_id"]]
    pixels = geometry["area_fraction"].to_numpy() * header["rows"] * header["columns"]
    # MISTAKE: an area in mm2 from the unreliable PixelSpacing instead of a share of the image
    geometry["area_fraction"] = (pixels * header["pixel_spacing_mm"] ** 2).to_numpy()
    return geometry


def _consistency_value(dataset, attribute):
    return str(dataset.get(attribute, ""))  # MISTAKE: TransferSyntaxUID is in file_meta only


base._consistency_value = _consistency_value
header_consistency = base.header_consistency


def split_comparison(root):
    result = base.split_comparison(root)
    shares = result["shares"]
    for split in SPLITS:
        shares[split] = shares[split] * result["images"][split]  # MISTAKE: counts, not shares
    shares["difference"] = shares["test"] - shares["train"]
    return result
