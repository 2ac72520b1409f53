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
    "pneumothorax_prevalence": pd.DataFrame(
        {
            "group": ["view=AP", "view=PA", "age=80-120"],
            "images": [40, 60, 0],
            "positive": [10, 0, 0],
            "prevalence": [0.25, 0.0, math.nan],
            "ci_low": [0.142, 0.0, math.nan],
            "ci_high": [0.40, 0.0602, math.nan],
        }
    ),
    "mask_geometry": pd.DataFrame(
        {
            "image_id": ["1.2.1", "1.2.2"],
            "view": ["PA", "AP"],
            "masks": [1, 2],
            "overlapping": [False, True],
            "area_fraction": [0.012, 0.031],
            "side": ["right", "both"],
        }
    ),
    "header_consistency": {
        "values": {"Rows": {"1024": 2, "512": 1}, "PhotometricInterpretation": {"MONOCHROME2": 3}},
        "differing": [{"image_id": "1.2.3", "attribute": "Rows", "value": "512", "usual": "1024"}],
    },
    "split_comparison": {
        "images": {"train": 2, "test": 1},
        "shares": pd.DataFrame(
            {
                "group": ["view=AP", "view=PA"],
                "train": [0.5, 0.5],
                "test": [0.0, 0.0],
                "difference": [-0.5, -0.5],
            }
        ),
        "patients": {
            "patients": 3,
            "patients_with_several_images": 0,
            "largest_group": 1,
            "patients_in_both_splits": 0,
        },
    },
}
