"""One mistake in each of the newer LiTS functions at once (one grading run checks them all).

storage_table reports the dtype of the values once read for the volumes and the scaling
from the loaded image's header (NaN); label_values gives {0, 1, 2} for every segmentation;
slice_geometry gives the field of view in voxels; class_balance reports the per-voxel share
as the per-slice one; lesion_sizes measures lesions in voxels; window_qa reads the stored
numbers as HU. Every other column and function is the reference's.
"""

from pathlib import Path

import lits_eda_base
import nibabel as nib
import numpy as np
from lits_eda_base import *  # noqa: F403  (every other function as in the solution)

from imaging_course.datasets.lits.layout import find_lits_cases


def _by_case(root, table):
    cases = {case.case_id: case for case in find_lits_cases(Path(root))}
    return [(index, cases[case_id]) for index, case_id in table["case_id"].items()]


def storage_table(root):
    table = lits_eda_base.storage_table(root)
    for index, case in _by_case(root, table):
        volume = nib.load(case.volume)
        read = np.asarray(volume.dataobj[:, :, :1])
        table.at[index, "volume_dtype"] = read.dtype.name  # MISTAKE: of the values once read
        slope, inter = volume.header.get_slope_inter()  # MISTAKE: (None, None) after nib.load
        table.at[index, "scl_slope"] = np.nan if slope is None else slope
        table.at[index, "scl_inter"] = np.nan if inter is None else inter
    return table


def label_values(root):
    return {case_id: [0, 1, 2] for case_id in lits_eda_base.label_values(root)}  # MISTAKE


def slice_geometry(root):
    table = lits_eda_base.slice_geometry(root)
    for index, case in _by_case(root, table):
        nx, ny = nib.load(case.volume).shape[:2]
        table.at[index, "fov_x_mm"] = float(nx)  # MISTAKE
        table.at[index, "fov_y_mm"] = float(ny)  # MISTAKE
    return table


def class_balance(root):
    table = lits_eda_base.class_balance(root)
    table["tumour_slice_fraction"] = table["tumour_voxel_fraction"]  # MISTAKE
    return table


def lesion_sizes(root):
    sizes = lits_eda_base.lesion_sizes(root)
    for case in find_lits_cases(Path(root)):
        side = np.prod(nib.load(case.volume).header.get_zooms()[:3]) ** (1 / 3)
        diameters = [d / side for d in sizes["diameters_mm"][case.case_id]]  # MISTAKE
        sizes["diameters_mm"][case.case_id] = diameters
        sizes["lesions_below_10mm"][case.case_id] = sum(d < 10 for d in diameters)
    return sizes


def window_qa(root):
    table = lits_eda_base.window_qa(root)
    for index, case in _by_case(root, table):
        proxy = nib.load(case.volume).dataobj
        slope, inter = proxy.slope, proxy.inter
        hu = table.at[index, "liver_hu_mean"]
        table.at[index, "liver_hu_mean"] = (hu - inter) / slope  # MISTAKE: the stored numbers
    return table
