"""What the LiTS exercise's functions return, by call, in the shapes their docstrings give.

Written out by hand (small, with one row of each case the checks read), for
``test_grader_checks.py``: every check of ``lits_eda`` must pass on an identical copy, fail
when the part it reads changes, and read only keys and columns shown here.
"""

import math

import pandas as pd

OUTPUTS = {
    "volume_table": pd.DataFrame(
        {
            "case_id": [0, 1],
            "nx": [64, 64],
            "ny": [64, 64],
            "nz": [20, 30],
            "spacing_x_mm": [0.8, 0.7],
            "spacing_y_mm": [0.8, 0.7],
            "spacing_z_mm": [2.5, 1.0],
            "orientation": ["LAS", "LPS"],
            "hu_min": [-1024.0, -1000.0],
            "hu_max": [1500.0, 2000.0],
            "affine_matches": [True, False],
        }
    ),
    "case_statistics": pd.DataFrame(
        {
            "case_id": [0, 1],
            "liver_ml": [1500.0, 1200.0],
            "tumour_ml": [30.0, 0.0],
            "lesion_count": [2, 0],
            "tumour_burden": [0.02, 0.0],
            "liver_hu_mean": [60.0, 55.0],
            "liver_hu_std": [10.0, 12.0],
            "tumour_hu_mean": [40.0, math.nan],
            "tumour_hu_std": [8.0, math.nan],
            "liver_extent_mm": [150.0, 120.0],
        }
    ),
    "hu_histograms": {
        "bin_edges": [float(v) for v in range(-1024, 1025, 16)],
        "background": [5] * 128,
        "liver": [3] * 128,
        "tumour": [1] * 128,
    },
    "dataset_summary": {
        "n_cases": 2,
        "orientation_counts": {"LAS": 1, "LPS": 1},
        "slice_spacings_mm": [1.0, 2.5],
        "tumour_free_cases": [1],
        "affine_mismatch_cases": [1],
    },
}
