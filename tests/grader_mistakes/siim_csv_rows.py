"""label_statistics counting rows of train-rle.csv instead of distinct images."""

import math
from pathlib import Path

from siim_eda_base import *  # noqa: F403  (every other function as in the solution)
from siim_eda_base import NO_MASK, _labels, _train_image_ids


def label_statistics(root):
    root = Path(root)
    labels = _labels(root)
    masks = labels[labels["EncodedPixels"] != NO_MASK]
    masks_per_image = masks.groupby("ImageId").size()
    labelled = set(labels["ImageId"])
    files = _train_image_ids(root)
    n_labelled = len(labels)  # MISTAKE: rows, not unique ImageIds
    n_positive = int(masks_per_image.size)
    return {
        "images_labelled": n_labelled,
        "positive_images": n_positive,
        "positive_fraction": n_positive / n_labelled if n_labelled else math.nan,
        "images_with_several_masks": int((masks_per_image >= 2).sum()),
        "files_without_row": sorted(files - labelled),
        "rows_without_file": sorted(labelled - files),
    }
