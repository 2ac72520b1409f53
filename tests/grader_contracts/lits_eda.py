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
    "storage_table": pd.DataFrame(
        {
            "case_id": [0, 1],
            "volume_dtype": ["int16", "float32"],
            "scl_slope": [0.5, 1.0],
            "scl_inter": [-1024.0, 0.0],
            "segmentation_dtype": ["uint8", "float32"],
        }
    ),
    "label_values": {0: [0.0, 1.0, 2.0], 1: [0.0, 1.0]},
    "slice_geometry": pd.DataFrame(
        {
            "case_id": [0, 1],
            "slices": [20, 30],
            "slice_spacing_mm": [2.5, 0.7],
            "fov_x_mm": [51.2, 44.8],
            "fov_y_mm": [51.2, 44.8],
            "extent_z_mm": [50.0, 21.0],
            "slices_at_1mm": [50, 30],
            "stored_mb": [0.16384, 0.49152],
            "resampled_mb": [0.8192, 0.49152],
        }
    ),
    "class_balance": pd.DataFrame(
        {
            "case_id": [0, 1],
            "liver_voxel_fraction": [0.03, 0.02],
            "tumour_voxel_fraction": [0.001, 0.0],
            "liver_slice_fraction": [0.4, 0.3],
            "tumour_slice_fraction": [0.1, 0.0],
        }
    ),
    "lesion_sizes": {
        "diameters_mm": {0: [21.5, 8.25], 1: []},
        "lesions_below_10mm": {0: 1, 1: 0},
        "one_slice_lesions": {0: 1, 1: 0},
    },
    "window_qa": pd.DataFrame(
        {
            "case_id": [0, 1],
            "slice_index": [10, 14],
            "liver_hu_mean": [60.0, 130.0],
            "liver_grey_mean": [0.7, 0.98],
            "liver_white_fraction": [0.0, 0.8],
        }
    ),
}
