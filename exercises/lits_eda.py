"""Exercise: exploratory data analysis of LiTS (liver tumour CT volumes, NIfTI).

Fill in every function below; each docstring says what to compute, in which units and how the
edge cases count, and its Hints section points at the documentation you need. Run
``make grade`` to have your work checked (``make grade SOLUTIONS=DIR`` for a copy elsewhere).

``root`` is the dataset folder: ``imaging_course.datasets.lits.lits_root()`` gives the sample
data (or your real download, with ``LITS_DATA_DIR`` set).
``imaging_course.datasets.lits.layout.find_lits_cases`` pairs each ``volume-N.nii`` with its
``segmentation-N.nii``.

Keep memory bounded: a real volume can be 512 x 512 x 987 voxels, 2 GB as float64. Read slabs
of slices through nibabel's array proxy (``img.dataobj[..., k0:k1]``), never ``get_fdata()`` on
a whole volume. Labels: 0 background, 1 liver, 2 tumour; tumours lie inside the liver.

The files store their values variously, as the real ones do: int16, float32, or integers with
a ``scl_slope``/``scl_inter`` (``img.dataobj`` applies it; the stored numbers are not HU), and
some segmentations as float. Do not assume a dtype.
"""

from pathlib import Path

import pandas as pd


def volume_table(root: Path | str) -> pd.DataFrame:
    """Geometry, orientation and intensity range of every case.

    Parameters
    ----------
    root : pathlib.Path or str
        The LiTS folder (``segmentations/`` and ``volume_ptK/``).

    Returns
    -------
    pandas.DataFrame
        One row per case, sorted by case id. Columns: ``case_id`` (int), ``nx``, ``ny``,
        ``nz`` (int, voxels along each array axis), ``spacing_x_mm``, ``spacing_y_mm``,
        ``spacing_z_mm`` (float, the header's zooms), ``orientation`` (str, e.g. ``"LAS"``:
        where each array axis points, from ``nibabel.aff2axcodes`` of the volume's affine),
        ``hu_min``, ``hu_max`` (float, over the whole volume, leaving out voxels that hold no
        number, NaN, with a warning), ``affine_matches`` (bool: the segmentation's affine
        equals the volume's within 1e-4).

    Hints
    -----
    - ``nibabel.load(path)`` reads only the header; ``img.shape``, ``img.header.get_zooms()``,
      ``img.affine``: https://nipy.org/nibabel/nibabel_images.html
    - ``nibabel.aff2axcodes``: https://nipy.org/nibabel/coordinate_systems.html
    - Read the HU range slab by slab with ``img.dataobj[..., k0:k1]``, not ``get_fdata()``.
    """
    raise NotImplementedError("volume_table: write it, then run `make grade`")


def case_statistics(root: Path | str) -> pd.DataFrame:
    """Liver and tumour volumes, lesion count, HU by label and liver extent of every case.

    Parameters
    ----------
    root : pathlib.Path or str
        The LiTS folder.

    Returns
    -------
    pandas.DataFrame
        One row per case, sorted by case id. Columns: ``case_id`` (int); ``liver_ml`` (float,
        mL: voxels labelled 1 or 2, since tumours lie inside the liver, times the voxel volume
        ``prod(zooms) / 1000``); ``tumour_ml`` (label 2, mL); ``lesion_count`` (int, 3-D
        connected components of label 2 with full 26-connectivity); ``tumour_burden``
        (tumour_ml / liver_ml, 0.0 without liver); ``liver_hu_mean``, ``liver_hu_std``
        (label 1, HU, population std); ``tumour_hu_mean``, ``tumour_hu_std`` (label 2; NaN
        without tumour); ``liver_extent_mm`` (slices from the first to the last containing
        label 1 or 2, inclusive, times the slice spacing; 0.0 without liver). NaN voxels
        count in the volumes, not in the HU statistics; a case with a label other than 0, 1,
        2 is left out. Each with a warning naming the file.

    Hints
    -----
    - Read slab by slab: ``img.dataobj[..., k0:k1]`` with 16-32 slices; memory stays small
      whatever the volume size. See https://nipy.org/nibabel/images_and_memory.html
    - Accumulate in int64 (counts) and float64 (sums): an int16 sum overflows.
    - ``scipy.ndimage.label(mask, structure=numpy.ones((3, 3, 3)))``; lesions can cross a slab
      border, so either label the whole label volume as uint8 or join labels across borders.
    """
    raise NotImplementedError("case_statistics: write it, then run `make grade`")


def hu_histograms(root: Path | str, bin_edges=None) -> dict:
    """Histograms of HU by label over all cases.

    Parameters
    ----------
    root : pathlib.Path or str
        The LiTS folder.
    bin_edges : sequence of float, optional
        Increasing bin edges in HU; default -1024 to 1024 in steps of 16. Values below the
        first edge count in the first bin, values above the last in the last bin.

    Returns
    -------
    dict
        ``"bin_edges"``: list of float; ``"background"``, ``"liver"``, ``"tumour"``: lists of
        int, one count per bin, of voxels labelled 0, 1 and 2 (NaN voxels, and cases with a
        label other than 0, 1, 2, left out with a warning).

    Hints
    -----
    - ``numpy.histogram`` per label per slab, after ``numpy.clip`` into the edge range; or
      ``numpy.searchsorted`` once and ``numpy.bincount`` of ``bin * 3 + label``.
    """
    raise NotImplementedError("hu_histograms: write it, then run `make grade`")


def dataset_summary(root: Path | str) -> dict:
    """What a reader of the dataset card wants: orientations, spacings, special cases.

    Parameters
    ----------
    root : pathlib.Path or str
        The LiTS folder.

    Returns
    -------
    dict
        ``"n_cases"`` (int); ``"orientation_counts"``: ``{"LAS": n, ...}`` over the volumes'
        orientation codes; ``"slice_spacings_mm"``: sorted unique slice spacings (mm) rounded
        to 2 decimals; ``"tumour_free_cases"``: sorted case ids without any label 2;
        ``"affine_mismatch_cases"``: sorted case ids whose segmentation's affine differs from
        the volume's.

    Hints
    -----
    - Build it from your :func:`volume_table`; the tumour-free cases need only the
      segmentations.
    """
    raise NotImplementedError("dataset_summary: write it, then run `make grade`")
