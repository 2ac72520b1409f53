"""What the SIIM exercise's functions return, by call, in the shapes their docstrings give.

Written out by hand (small, with one row of each case the checks read), for
``test_grader_checks.py``: every check of ``siim_eda`` must pass on an identical copy, fail
when the part it reads changes, and read only keys and columns shown here.
"""

import math

import numpy as np
import pandas as pd

HEADER_TABLE = pd.DataFrame(
    {
        "image_id": ["1.2.1", "1.2.2", "1.2.3"],
        "split": ["train", "train", "test"],
        "patient_id": ["p1", "p2", "p3"],
        "age": [38.0, math.nan, 130.0],
        "sex": ["M", "F", ""],
        "view": ["PA", "AP", ""],
        "rows": [1024, 1024, 1024],
        "columns": [1024, 1024, 1024],
        "pixel_spacing_mm": [0.168, 0.143, math.nan],
    }
)

OUTPUTS = {
    "scan_dicom_headers": {
        "table": HEADER_TABLE,
        "unreadable": [{"path": "dicom-images-train/x/y/z.dcm", "reason": "not DICOM"}],
    },
    "demographics": {
        "sex_counts": {"M": 1, "F": 1},
        "view_counts": {"PA": 1, "AP": 1},
        "age_mean": 38.0,
        "age_median": 38.0,
        "age_min": 38.0,
        "age_max": 38.0,
        "impossible_ages": ["1.2.3"],
    },
    "decode_rle": np.eye(4, dtype=np.uint8) * 255,
    "decode_rle_empty": np.zeros((32, 48), dtype=np.uint8),
    "label_statistics": {
        "images_labelled": 3,
        "positive_images": 2,
        "positive_fraction": 2 / 3,
        "images_with_several_masks": 1,
        "files_without_row": ["1.2.9"],
        "rows_without_file": ["1.2.8"],
    },
    "mask_statistics": pd.DataFrame(
        {
            "image_id": ["1.2.1", "1.2.2"],
            "view": ["PA", "AP"],
            "area_px": [1000, 2000],
            "area_cm2": [0.282, 0.409],
            "upper_half_share": [0.75, 0.1],
        }
    ),
    "intensity_statistics": pd.DataFrame(
        {"view": ["AP", "PA"], "n_images": [1, 1], "mean": [120.5, 99.0], "std": [30.0, 41.5]}
    ),
    "duplicate_images": [["1.2.1", "1.2.4"]],
    "data_quality_report": {
        "unreadable": ["dicom-images-train/x/y/z.dcm"],
        "missing_tags": [{"image_id": "1.2.3", "tag": "PatientAge"}],
        "duplicates": [["1.2.1", "1.2.4"]],
        "impossible_ages": ["1.2.3"],
        "files_without_row": ["1.2.9"],
        "rows_without_file": ["1.2.8"],
    },
}
